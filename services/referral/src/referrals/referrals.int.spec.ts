import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReferralAcknowledgedV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import type { EventsOnBus } from '../testing/events-on-bus';
import { bearer } from '@throughcare/testing';
import { asAgency, REFERRAL_AUDIENCE, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { aReferral, anAgencyId } from '../testing/referral.mother';
import type { ReferralView, SendReferralInput } from './referral.schemas';
import { ReferralsService } from './referrals.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('referrals API, scoped to the calling agency (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let bus: EventsOnBus;
  let referrals: ReferralsService;

  beforeAll(async () => {
    ({ app, base, bus } = await startReferralApp(config));
    referrals = asThePlatformService(app.get(ReferralsService));
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const { get, post } = asAgency(() => base);
  const sent = async (input: SendReferralInput) => (await referrals.send(input)).referralId;

  it('shows an agency its referral with the acknowledgement deadline, and to another agency it does not exist', async () => {
    const input = aReferral();
    const id = await sent(input);

    const own = await get(`/referrals/${id}`, input.agencyId);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({
      id,
      personId: input.personId,
      episode: 1,
      agencyId: input.agencyId,
      pathways: ['ACCOMMODATION', 'HEALTH'],
      establishmentCode: null,
      sentAt: input.sentAt,
      acknowledgeBy: input.acknowledgeBy,
      liberationDate: null,
      riskOfSeriousHarm: null,
      status: 'AWAITING_ACKNOWLEDGEMENT',
      allowedActions: ['ACKNOWLEDGE'],
      acknowledgement: null,
      outcomes: [],
      withdrawal: null,
      closure: null,
      attendance: null,
      awaitingAttendance: [],
    });

    const otherAgency = anAgencyId();
    const hidden = await get(`/referrals/${id}`, otherAgency);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await hidden.json()).toMatchObject({ status: 404, code: 'REFERRAL_NOT_FOUND' });
    const list = await get('/referrals', otherAgency);
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
    const acknowledge = await post(`/referrals/${id}/acknowledgement`, otherAgency, {
      acknowledgedBy: 'Duty team',
    });
    expect(acknowledge.status).toBe(404);
  });

  it('answers 401 problem+json without a valid access token, before looking at the request', async () => {
    const list = await get('/referrals');
    expect(list.status).toBe(401);
    expect(list.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(list.headers.get('www-authenticate')).toBe('Bearer realm="throughcare"');
    expect(await list.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized' });

    // The old stand-in credential names an agency but proves nothing: refused.
    const header = await fetch(`${base}/referrals`, { headers: { 'x-agency-id': anAgencyId() } });
    expect(header.status).toBe(401);
    const forged = await fetch(`${base}/referrals/${randomUUID()}`, {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await post(`/referrals/not-a-uuid/acknowledgement`, undefined, {})).status).toBe(401);
  });

  it('answers a token for another service, or without an agency role, as if the route did not exist', async () => {
    const agencyId = anAgencyId();
    const id = await sent({ ...aReferral(), agencyId });
    const liberationToken = await bearer(
      { roles: ['agency-system'], agencyId },
      'urn:throughcare:liberation',
    );
    expect((await fetch(`${base}/referrals/${id}`, { headers: liberationToken })).status).toBe(401);
    const manager = await bearer({ roles: ['manager'] }, REFERRAL_AUDIENCE);
    const denied = await fetch(`${base}/referrals/${id}`, { headers: manager });
    expect(denied.status).toBe(404);
    expect(await denied.json()).toMatchObject({ status: 404, detail: `Cannot GET /referrals/${id}` });
    expect((await get(`/referrals/${id}`, agencyId)).status).toBe(200);
  });

  it('records an acknowledgement once: 201 and one referral.referral.acknowledged on the bus; a repeat is 200 with no second event', async () => {
    const input = aReferral();
    const id = await sent(input);
    const acknowledgedAt = new Date(Date.parse(input.sentAt) + 30 * 60_000).toISOString();
    const correlationId = `spec-${randomUUID()}`;

    const first = await post(
      `/referrals/${id}/acknowledgement`,
      input.agencyId,
      { acknowledgedBy: 'Justice Social Work duty team', acknowledgedAt },
      { 'x-correlation-id': correlationId },
    );
    expect(first.status).toBe(201);
    const acknowledged = (await first.json()) as ReferralView;
    expect(acknowledged).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledgement: { acknowledgedAt, acknowledgedBy: 'Justice Social Work duty team' },
    });

    const again = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: 'Someone else',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(acknowledged);

    const events = await bus.onBus('referral.referral.acknowledged', 'referralId', id);
    expect(events).toHaveLength(1);
    expect(ReferralAcknowledgedV1.parse(events[0])).toMatchObject({
      eventType: 'referral.referral.acknowledged',
      version: 1,
      occurredAt: acknowledgedAt,
      correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
      data: {
        referralId: id,
        episode: 1,
        agencyId: input.agencyId,
        acknowledgedAt,
        acknowledgedBy: 'Justice Social Work duty team',
      },
    });
  });

  it('acknowledges once when the same agency posts concurrently', async () => {
    const input = aReferral();
    const id = await sent(input);

    const statuses = await Promise.all(
      [1, 2, 3, 4].map(
        async () =>
          (await post(`/referrals/${id}/acknowledgement`, input.agencyId, { acknowledgedBy: 'Duty team' }))
            .status,
      ),
    );

    expect(statuses.sort()).toEqual([200, 200, 200, 201]);
    expect(await bus.outbox('referral.referral.acknowledged', 'referralId', id)).toHaveLength(1);
  });

  it('defaults acknowledgedAt to now', async () => {
    const input = aReferral();
    const id = await sent(input);
    const before = Date.now();

    const response = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: 'Duty team',
    });

    const { acknowledgement } = (await response.json()) as ReferralView;
    expect(Date.parse(acknowledgement!.acknowledgedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(acknowledgement!.acknowledgedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses an acknowledgement dated before the referral was sent (422) or in the future (422), recording nothing', async () => {
    const input = aReferral();
    const id = await sent(input);

    const early = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: 'Duty team',
      acknowledgedAt: new Date(Date.parse(input.sentAt) - 1000).toISOString(),
    });
    expect(early.status).toBe(422);
    expect(await early.json()).toMatchObject({ status: 422, code: 'ACKNOWLEDGED_BEFORE_SENT' });

    const future = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: 'Duty team',
      acknowledgedAt: new Date(Date.now() + 24 * 60 * 60_000).toISOString(),
    });
    expect(future.status).toBe(422);
    expect(await future.json()).toMatchObject({ code: 'ACKNOWLEDGED_IN_FUTURE' });

    expect(await (await get(`/referrals/${id}`, input.agencyId)).json()).toMatchObject({
      status: 'AWAITING_ACKNOWLEDGEMENT',
    });
    expect(await bus.outbox('referral.referral.acknowledged', 'referralId', id)).toHaveLength(0);
  });

  it('answers a bad acknowledgement body with 400 naming each field', async () => {
    const input = aReferral();
    const id = await sent(input);

    const response = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: ' ',
      acknowledgedAt: 'yesterday',
    });

    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['acknowledgedAt', 'acknowledgedBy']);
  });

  it('pages through an agency’s referrals in sent order without gaps or repeats, filtered by derived status', async () => {
    const agencyId = anAgencyId();
    const start = Date.now() - 10 * 60 * 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      // Two share a sentAt so the id breaks the tie across a page boundary.
      const sentAt = new Date(start + Math.min(i, 5) * 60_000).toISOString();
      ids.push(await sent(aReferral({ agencyId, sentAt })));
    }
    await sent(aReferral()); // another agency's: never listed
    await post(`/referrals/${ids[1]}/acknowledgement`, agencyId, { acknowledgedBy: 'Duty team' });
    await post(`/referrals/${ids[6]}/acknowledgement`, agencyId, { acknowledgedBy: 'Duty team' });

    const seen: ReferralView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/referrals?limit=3${cursor ? `&cursor=${cursor}` : ''}`, agencyId);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page<ReferralView>;
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen.map((r) => r.id)).toHaveLength(7);
    expect(new Set(seen.map((r) => r.id))).toEqual(new Set(ids));
    const order = seen.map((r) => `${r.sentAt}|${r.id}`);
    expect(order).toEqual([...order].sort());

    const awaiting = (await (
      await get('/referrals?status=AWAITING_ACKNOWLEDGEMENT&limit=100', agencyId)
    ).json()) as Page<ReferralView>;
    expect(awaiting.items.map((r) => r.id).sort()).toEqual(
      ids.filter((id) => id !== ids[1] && id !== ids[6]).sort(),
    );
    const done = (await (await get('/referrals?status=ACKNOWLEDGED', agencyId)).json()) as Page<ReferralView>;
    expect(done.items.map((r) => r.id).sort()).toEqual([ids[1], ids[6]].sort());
  });

  it('answers a bad list query with 400 naming each field, and a cursor it did not issue', async () => {
    const agencyId = anAgencyId();

    const bad = await get('/referrals?status=OPEN&limit=0&colour=red', agencyId);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      '(root)',
      'limit',
      'status',
    ]);

    const cursor = await get('/referrals?cursor=not-a-cursor', agencyId);
    expect(cursor.status).toBe(400);
    expect(((await cursor.json()) as Problem).errors?.[0]?.field).toBe('cursor');
  });

  it('serves /health over db, NATS and Temporal, and /docs, without a token', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'UP',
      components: {
        db: { status: 'UP' },
        nats: { status: 'UP' },
        temporal: { status: 'UP' },
        worker: { status: 'UP' }, // the activity worker (WorkerMonitor)
      },
    });
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });

  it('documents the bearer access token in OpenAPI, on every referral route', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
    };
    expect(doc.components.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [
      ['/referrals', 'get'],
      ['/referrals/{id}', 'get'],
      ['/referrals/{id}/acknowledgement', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security).toEqual([{ bearer: [] }]);
    }
  });
});
