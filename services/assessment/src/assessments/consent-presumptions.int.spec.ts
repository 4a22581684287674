import { randomBytes, randomUUID } from 'node:crypto';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { specConfig, useAssessmentApp } from '../testing/assessment-app';
import type { PresumedCasesPage } from './consent-given.schemas';
import {
  CUTOVER_AUDIT_ACTION,
  ConsentPresumptionsService,
  cutoverObject,
} from './consent-presumptions.service';

// Review stop 41, M6: the cut-over's presumed cases listed for staff to seek real consent before
// the presumption lapses, and the marking itself in the audit trail.

const DAY = 86_400_000;

/** An establishment code of this spec's own (the database is shared with other specs). */
const anEstablishment = () => Array.from(randomBytes(3), (b) => String.fromCharCode(65 + (b % 26))).join('');

describe('consent presumptions (real Postgres)', () => {
  const harness = useAssessmentApp();

  const call = async (path: string, as: TestPrincipal, method = 'GET', body?: unknown): Promise<Response> =>
    fetch(`${harness.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await bearer(as, 'urn:throughcare:assessment')),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const list = async (as: TestPrincipal, query = ''): Promise<PresumedCasesPage> => {
    const response = await call(`/consent-presumptions${query}`, as);
    expect(response.status).toBe(200);
    return (await response.json()) as PresumedCasesPage;
  };

  /** As the owner (migration 1100 writes the marks; the service may only read them). */
  async function asOwner(sql: string, params: unknown[]): Promise<void> {
    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    try {
      await owner.query(`SET throughcare.unrestricted = 'on'`);
      await owner.query(sql, params);
    } finally {
      await owner.end();
    }
  }

  /** A person of episode 1 at `establishment`, marked by the cut-over for `agencies`, lapsing in `days`. */
  async function aPresumedPerson(
    establishment: string,
    days: number,
    agencies = ['AG-PRES-1'],
  ): Promise<string> {
    const personId = `p${randomBytes(10).toString('hex')}`;
    await request(personId, establishment, 'CORE_SCREEN');
    for (const agencyId of agencies)
      await asOwner(
        `INSERT INTO assessment.consent_presumption (person_id, episode, agency_id, marked_at, presumed_until)
         VALUES ($1, 1, $2, now() - interval '100 days', now() + make_interval(secs => $3))`,
        [personId, agencyId, (days * DAY) / 1000],
      );
    return personId;
  }

  async function request(
    personId: string,
    establishmentCode: string,
    kind: 'CORE_SCREEN' | 'STANDARD_REVIEW',
  ) {
    const input = {
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode: 1,
      establishmentCode,
      dueBy: new Date(Date.now() + 3 * DAY).toISOString(),
      correlationId: `spec-${randomUUID()}`,
    };
    if (kind === 'CORE_SCREEN') await harness.activities.requestCoreScreen(input);
    else await harness.activities.requestAssessment({ ...input, kind });
  }

  it('lists the presumed episodes held at the caller’s establishments, soonest to lapse first, a page at a time; consent or a withdrawal takes a case off', async () => {
    const here = anEstablishment();
    const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: [here] };
    const soon = await aPresumedPerson(here, 10, ['AG-PRES-1', 'AG-PRES-2']);
    const later = await aPresumedPerson(here, 60);
    const consented = await aPresumedPerson(here, 20);
    const withdrawn = await aPresumedPerson(here, 30);
    await aPresumedPerson(here, -1); // lapsed: agencies no longer read on it
    await aPresumedPerson(anEstablishment(), 5); // another establishment's
    // One of the marked agencies still holds an active referral.
    await asOwner(
      `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, agency_id, pathways, sent_at, sent_event_id, recorded_at)
       VALUES ($1, $2, 1, 'AG-PRES-2', '{HEALTH}', now() - interval '2 days', $3, now())`,
      [randomUUID(), soon, randomUUID()],
    );
    expect(
      (await call(`/people/${consented}/consent`, STAFF, 'POST', { givenAt: new Date().toISOString() }))
        .status,
    ).toBe(201);
    expect(
      (
        await call(`/people/${withdrawn}/episodes/1/consent-withdrawal`, STAFF, 'POST', {
          withdrawnAt: new Date().toISOString(),
        })
      ).status,
    ).toBe(200);

    const all = await list(STAFF);
    expect(all.items.map((c) => c.personId)).toEqual([soon, later]);
    expect(all.items[0]).toEqual({
      personId: soon,
      episode: 1,
      establishmentCode: here,
      agencies: [
        { agencyId: 'AG-PRES-1', referralActive: false },
        { agencyId: 'AG-PRES-2', referralActive: true },
      ],
      markedAt: expect.any(String),
      presumedUntil: expect.any(String),
    });
    expect(new Date(all.items[0]!.presumedUntil).getTime()).toBeGreaterThan(Date.now() + 9 * DAY);

    // The ones lapsing within 30 days; one page at a time.
    const lapsing = await list(
      STAFF,
      `?presumedUntilBefore=${new Date(Date.now() + 30 * DAY).toISOString()}`,
    );
    expect(lapsing.items.map((c) => c.personId)).toEqual([soon]);
    const first = await list(STAFF, '?limit=1');
    expect(first.items.map((c) => c.personId)).toEqual([soon]);
    const second = await list(STAFF, `?limit=1&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ personId: later })], nextCursor: null });

    // The establishment filter: one of the caller's, or an empty page.
    expect((await list(STAFF, `?establishment=${here}`)).items).toHaveLength(2);
    expect(await list(STAFF, `?establishment=${anEstablishment()}`)).toEqual({ items: [], nextCursor: null });
  });

  it('a case is the establishment’s that holds the person now (the episode’s latest assessment), not the first prison’s', async () => {
    const first = anEstablishment();
    const now = anEstablishment();
    const personId = await aPresumedPerson(first, 10);
    await request(personId, now, 'STANDARD_REVIEW');
    expect((await list({ roles: ['prison-staff'], establishments: [first] })).items).toEqual([]);
    expect(
      (await list({ roles: ['prison-staff'], establishments: [now] })).items.map((c) => [
        c.personId,
        c.establishmentCode,
      ]),
    ).toEqual([[personId, now]]);
  });

  it('audits the list with the people disclosed and the filters asked; a bad query is 400 naming the field', async () => {
    const here = anEstablishment();
    const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: [here] };
    const personId = await aPresumedPerson(here, 10);
    await list(STAFF, `?establishment=${here}`);
    const records = await auditRecordsAbout(harness.app.get(DataSource), 'assessment', personId);
    expect(records.filter((r) => r.action === 'consent.presumptions.list')).toEqual([
      expect.objectContaining({
        outcome: 'allowed',
        object_type: 'consent-presumption',
        object_id: `establishment=${here}&presumedUntilBefore=none`,
        disclosed_persons: [personId],
      }),
    ]);
    // Each value encoded: the object's fields cannot be forged with an `&` (review stop 43, N6).
    await list(
      STAFF,
      `?establishment=${here}&presumedUntilBefore=${encodeURIComponent('2099-01-01T00:00:00+01:00')}`,
    );
    const again = await auditRecordsAbout(harness.app.get(DataSource), 'assessment', personId);
    expect(again.filter((r) => r.action === 'consent.presumptions.list').at(-1)).toMatchObject({
      object_id: `establishment=${here}&presumedUntilBefore=2099-01-01T00%3A00%3A00%2B01%3A00`,
    });
    for (const [query, field] of [
      ['?presumedUntilBefore=tomorrow', 'presumedUntilBefore'],
      ['?establishment=bar', 'establishment'],
      ['?cursor=nonsense', 'cursor'],
      ['?limit=0', 'limit'],
      ['?personId=p0123456789abcdef0123', 'personId'],
      // Found by fuzzing (stop 43): no seconds (RFC 3339 asks for them), and a year Postgres has no
      // place for (year 0000: 1 BC precedes 1 AD), which answered 500.
      ['?presumedUntilBefore=2020-02-29T00%3A00Z', 'presumedUntilBefore'],
      ['?presumedUntilBefore=0000-01-01T00%3A00%3A00Z', 'presumedUntilBefore'],
      // And an offset beyond PostgreSQL's ±15:59 (500 before): offsets are held to ±14:00.
      ['?presumedUntilBefore=9999-12-31T23%3A59%3A59-23%3A59', 'presumedUntilBefore'],
    ] as const) {
      const response = await call(`/consent-presumptions${query}`, STAFF);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(JSON.stringify(await response.json())).toContain(field);
    }
    // The edges that are instants: answered.
    for (const instant of [
      '0001-01-01T00:00:00-01:00',
      '9999-12-31T10:00:00+14:00',
      '2026-01-01T00:00:00.123456789Z',
    ])
      expect(
        (await call(`/consent-presumptions?presumedUntilBefore=${encodeURIComponent(instant)}`, STAFF))
          .status,
      ).toBe(200);
    // Agencies and other roles do not see the route.
    expect(
      (await call('/consent-presumptions', { roles: ['agency-staff'], agencyId: 'AG-PRES-1' })).status,
    ).toBe(404);
  });

  it('the cut-over’s marking is in the audit trail once: the people marked, its instant, end and count', async () => {
    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    try {
      const [cutover] = (
        await owner.query(`SELECT marked_at, presumed_until, marked FROM assessment.consent_cutover`)
      ).rows as Array<{ marked_at: Date; presumed_until: Date; marked: number }>;
      // Written when the service started; a second start (or replica) writes none.
      expect(await harness.app.get(ConsentPresumptionsService).recordMarking()).toBe(false);
      const { rows } = await owner.query(
        `SELECT actor, roles, action, object_type, object_id, outcome, route FROM audit.audit_record
          WHERE chain = 'assessment' AND action = $1`,
        [CUTOVER_AUDIT_ACTION],
      );
      expect(rows).toEqual([
        {
          actor: 'service:assessment',
          roles: ['service'],
          action: CUTOVER_AUDIT_ACTION,
          object_type: 'consent-cutover',
          object_id: cutoverObject(cutover!),
          outcome: 'allowed',
          route: 'migration:ConsentGiven1700000001100',
        },
      ]);
    } finally {
      await owner.end();
    }
  });

  it('publishes assessment.consent.presumption-lapsing once per episode, 14 days before its presumption lapses; none for a later lapse, a consented or withdrawn episode', async () => {
    const here = anEstablishment();
    const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: [here] };
    const soon = await aPresumedPerson(here, 10, ['AG-PRES-1', 'AG-PRES-2']);
    const later = await aPresumedPerson(here, 30);
    const consented = await aPresumedPerson(here, 5);
    const withdrawn = await aPresumedPerson(here, 5);
    expect(
      (await call(`/people/${consented}/consent`, STAFF, 'POST', { givenAt: new Date().toISOString() }))
        .status,
    ).toBe(201);
    expect(
      (
        await call(`/people/${withdrawn}/episodes/1/consent-withdrawal`, STAFF, 'POST', {
          withdrawnAt: new Date().toISOString(),
        })
      ).status,
    ).toBe(200);
    const presumptions = harness.app.get(ConsentPresumptionsService);
    // Every replica's sweep at once: one notice each.
    await Promise.all([presumptions.noticeLapsing(), presumptions.noticeLapsing()]);
    expect(await presumptions.noticeLapsing()).toBe(0);

    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    try {
      const people = [soon, later, consented, withdrawn];
      const { rows: events } = await owner.query(
        `SELECT subject, payload FROM assessment.outbox
          WHERE payload->>'eventType' = 'assessment.consent.presumption-lapsing'
            AND payload->'personReference'->'identifiers'->0->>'value' = ANY($1)`,
        [people],
      );
      expect(events).toEqual([
        {
          subject: 'throughcare.events.assessment.consent.presumption-lapsing',
          payload: expect.objectContaining({
            version: 1,
            personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: soon }] },
            data: { episode: 1, presumedUntil: expect.any(String), agencyIds: ['AG-PRES-1', 'AG-PRES-2'] },
          }),
        },
      ]);
      const { rows: notices } = await owner.query(
        `SELECT person_id, event_id FROM assessment.consent_presumption_notice WHERE person_id = ANY($1)`,
        [people],
      );
      expect(notices).toEqual([
        { person_id: soon, event_id: (events[0] as { payload: { eventId: string } }).payload.eventId },
      ]);
    } finally {
      await owner.end();
    }
  });

  it('is documented in OpenAPI: bearer token, the filters, an example page, problem+json answers', async () => {
    const doc = (await (await fetch(`${harness.base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown; parameters?: Array<{ name: string }>; responses?: Record<string, unknown> }
        >
      >;
    };
    const get = doc.paths['/consent-presumptions']?.['get'];
    expect(get?.security).toEqual([{ bearer: [] }]);
    expect(get?.parameters?.map((p) => p.name).sort()).toEqual([
      'cursor',
      'establishment',
      'limit',
      'presumedUntilBefore',
    ]);
    expect(Object.keys(get?.responses ?? {}).sort()).toEqual(['200', '400', '401']);
    expect(JSON.stringify(get?.responses?.['200'])).toContain('AG-HOUSING-GLA');
  });
});
