import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RiskAssessedV1 } from '@throughcare/contracts';
import { localDateOf } from '@throughcare/domain';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import { createAssessmentActivities } from './assessment.activities';
import type { RiskAssessmentPage, RiskAssessmentView } from './risk-assessment.schemas';
import { AssessmentsService } from './assessments.service';

// Issue 10, risk: a person's risk assessments as versions, what rose derived, published without reasons.

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const ELSEWHERE: TestPrincipal = { roles: ['prison-staff'], establishments: ['SHO'] };

interface Problem {
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  field?: string;
  currentETag?: string;
}

const FIRST = {
  likelihoodOfReoffending: 'MEDIUM',
  riskOfSeriousHarm: 'MEDIUM',
  reasons: 'Two previous convictions for assault; engaged with addiction services.',
  assessedOn: '2026-01-04',
};
const today = () => localDateOf(new Date());

describe('risk assessments (real Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let activities: ReturnType<typeof createAssessmentActivities>;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    activities = createAssessmentActivities(app.get(AssessmentsService));
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    as = STAFF,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await bearer(as, 'urn:throughcare:assessment')),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async <T>(r: Response) => (await r.json()) as T;
  const risks = (personId: string) => `/people/${personId}/risk-assessments`;

  /** A person whose core screen (episode `episode`) is at `establishment`; their journey's correlation id. */
  async function aPerson(
    establishment = 'BAR',
    personId = `p${randomBytes(10).toString('hex')}`,
    episode = 1,
  ): Promise<{ personId: string; correlationId: string }> {
    const correlationId = `spec-${randomUUID()}`;
    await activities.requestCoreScreen({
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode,
      establishmentCode: establishment,
      dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      correlationId,
    });
    return { personId, correlationId };
  }

  const eventsOf = async (personId: string) =>
    (
      (await runUnrestricted(() =>
        app.get(DataSource).query(
          `SELECT payload FROM assessment.outbox
              WHERE payload->>'eventType' = 'assessment.risk.assessed'
                AND payload->'personReference'->'identifiers'->0->>'value' = $1
              ORDER BY (payload->'data'->>'version')::int`,
          [personId],
        ),
      )) as Array<{ payload: unknown }>
    ).map((r) => RiskAssessedV1.parse(r.payload));

  it('records versions (201, ETag risk-vN), derives what rose, serves the current one and every version newest first, and publishes each without reasons', async () => {
    const { personId, correlationId } = await aPerson();
    const none = await call('GET', `${risks(personId)}/current`);
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await json<Problem>(none)).toMatchObject({ code: 'RISK_ASSESSMENT_NOT_FOUND' });
    expect(await json<RiskAssessmentPage>(await call('GET', risks(personId)))).toEqual({
      items: [],
      nextCursor: null,
    });

    const first = await call('POST', risks(personId), FIRST);
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe('"risk-v1"');
    const v1 = await json<RiskAssessmentView>(first);
    expect(v1).toMatchObject({
      personId,
      version: 1,
      etag: '"risk-v1"',
      ...FIRST,
      mappa: null,
      rises: [],
      recordedBy: expect.stringMatching(/^(user|client):/),
    });

    // A rise in risk of serious harm and a new MAPPA case; likelihood the same.
    const second = await call(
      'POST',
      risks(personId),
      {
        ...FIRST,
        riskOfSeriousHarm: 'HIGH',
        assessedOn: '2026-01-20',
        reasons: 'Disclosed threats towards a former partner.',
        mappa: { category: 2, level: 1 },
      },
      { 'if-match': '"risk-v1"', 'x-correlation-id': 'spec-wing-office' },
    );
    expect(second.status).toBe(201);
    expect(await json<RiskAssessmentView>(second)).toMatchObject({
      version: 2,
      rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
      mappa: { category: 2, level: 1 },
    });
    // Falls are never rises; a higher likelihood and MAPPA level are.
    const third = await call('POST', risks(personId), {
      likelihoodOfReoffending: 'HIGH',
      riskOfSeriousHarm: 'LOW',
      reasons: 'Reassessed after the programme; still a MAPPA case, now level 2.',
      assessedOn: '2026-02-01',
      mappa: { category: 2, level: 2 },
    });
    expect(third.status).toBe(201);
    expect(await json<RiskAssessmentView>(third)).toMatchObject({
      version: 3,
      rises: ['MAPPA_LEVEL', 'LIKELIHOOD_OF_REOFFENDING'],
    });

    const current = await call('GET', `${risks(personId)}/current`);
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"risk-v3"');
    expect(await json<RiskAssessmentView>(current)).toMatchObject({ version: 3, riskOfSeriousHarm: 'LOW' });

    const all = await json<RiskAssessmentPage>(await call('GET', risks(personId)));
    expect(all.items.map((i) => [i.version, i.rises])).toEqual([
      [3, ['MAPPA_LEVEL', 'LIKELIHOOD_OF_REOFFENDING']],
      [2, ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL']],
      [1, []],
    ]);
    expect(all.nextCursor).toBeNull();

    const events = await eventsOf(personId);
    expect(events.map((e) => e.data)).toEqual([
      {
        episode: 1,
        version: 1,
        likelihoodOfReoffending: 'MEDIUM',
        riskOfSeriousHarm: 'MEDIUM',
        mappa: null,
        assessedOn: '2026-01-04',
        rises: [],
      },
      {
        episode: 1,
        version: 2,
        likelihoodOfReoffending: 'MEDIUM',
        riskOfSeriousHarm: 'HIGH',
        mappa: { category: 2, level: 1 },
        assessedOn: '2026-01-20',
        rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
      },
      {
        episode: 1,
        version: 3,
        likelihoodOfReoffending: 'HIGH',
        riskOfSeriousHarm: 'LOW',
        mappa: { category: 2, level: 2 },
        assessedOn: '2026-02-01',
        rises: ['MAPPA_LEVEL', 'LIKELIHOOD_OF_REOFFENDING'],
      },
    ]);
    expect(events.map((e) => e.correlationId)).toEqual([correlationId, 'spec-wing-office', correlationId]);
    expect(events[0]!.personReference).toEqual({
      identifiers: [{ type: 'THROUGHCARE_ID', value: personId }],
    });
    // The reasons are never on the bus.
    expect(JSON.stringify(events)).not.toMatch(/assault|threats|programme/);
  });

  it('pages the versions newest first with a cursor, and refuses a cursor it did not issue (400 naming it)', async () => {
    const { personId } = await aPerson();
    for (const likelihood of ['LOW', 'MEDIUM', 'HIGH', 'LOW', 'MEDIUM'])
      expect(
        (await call('POST', risks(personId), { ...FIRST, likelihoodOfReoffending: likelihood })).status,
      ).toBe(201);
    const seen: number[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: RiskAssessmentPage = await json<RiskAssessmentPage>(
        await call('GET', `${risks(personId)}?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.version));
      cursor = page.nextCursor;
      pages += 1;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
    const bad = await call('GET', `${risks(personId)}?cursor=not-ours`);
    expect(bad.status).toBe(400);
    expect((await json<Problem>(bad)).errors?.map((e) => e.field)).toEqual(['cursor']);
    const tooMany = await call('GET', `${risks(personId)}?limit=101`);
    expect(tooMany.status).toBe(400);
    expect((await json<Problem>(tooMany)).errors?.map((e) => e.field)).toEqual(['limit']);
  });

  it('refuses a body that does not hold together: 400 problem+json naming the field, 422 for a day not yet come', async () => {
    const { personId } = await aPerson();
    const refused = async (body: unknown, status = 400) => {
      const r = await call('POST', risks(personId), body);
      expect({ status: r.status, type: r.headers.get('content-type') }).toEqual({
        status,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      return json<Problem>(r);
    };
    const fields = async (body: unknown) => ((await refused(body)).errors ?? []).map((e) => e.field);
    expect(await fields({ ...FIRST, likelihoodOfReoffending: 'VERY_HIGH' })).toEqual([
      'likelihoodOfReoffending',
    ]);
    expect(await fields({ ...FIRST, riskOfSeriousHarm: 'EXTREME' })).toEqual(['riskOfSeriousHarm']);
    expect(await fields({ ...FIRST, reasons: undefined })).toEqual(['reasons']);
    expect(await fields({ ...FIRST, reasons: 'x'.repeat(4001) })).toEqual(['reasons']);
    expect(await fields({ ...FIRST, assessedOn: '12/01/2027' })).toEqual(['assessedOn']);
    expect(await fields({ ...FIRST, mappa: { category: 5, level: 1 } })).toEqual(['mappa.category']);
    expect(await fields({ ...FIRST, mappa: { category: 1, level: 4 } })).toEqual(['mappa.level']);
    expect(await fields({ ...FIRST, mappa: { category: 1 } })).toEqual(['mappa.level']);
    expect(await fields({ ...FIRST, rises: ['MAPPA_LEVEL'] })).toEqual(['(root)']);
    // The domain's own check (validateRisk): reasons of blanks only, named as the domain names it.
    const blank = await refused({ ...FIRST, reasons: '   \n' });
    expect(blank).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'reasons' }] });
    // A day that has not come yet.
    const tomorrow = localDateOf(new Date(Date.now() + 2 * 86_400_000));
    const future = await refused({ ...FIRST, assessedOn: tomorrow }, 422);
    expect(future).toMatchObject({ code: 'RISK_ASSESSED_IN_FUTURE', field: 'assessedOn' });
    // Today is fine; nothing refused was recorded.
    const ok = await call('POST', risks(personId), { ...FIRST, assessedOn: today() });
    expect(ok.status).toBe(201);
    expect(await json<RiskAssessmentView>(ok)).toMatchObject({ version: 1 });
    expect(await eventsOf(personId)).toHaveLength(1);
    // A malformed person id is 400 naming it.
    const badPerson = await call('GET', risks('A1234BC'));
    expect(badPerson.status).toBe(400);
    expect((await json<Problem>(badPerson)).errors?.map((e) => e.field)).toEqual(['personId']);
  });

  it('Idempotency-Key: a retry answers the first recording (200) and records nothing; the same key with another body is 422', async () => {
    const { personId } = await aPerson();
    const key = { 'idempotency-key': `spec-${randomUUID()}` };
    const first = await call('POST', risks(personId), FIRST, key);
    expect(first.status).toBe(201);
    const v1 = await json<RiskAssessmentView>(first);
    const retry = await call('POST', risks(personId), FIRST, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('etag')).toBe('"risk-v1"');
    expect(await json<RiskAssessmentView>(retry)).toEqual(v1);
    // A retry after another version was recorded still answers its own version.
    expect((await call('POST', risks(personId), { ...FIRST, riskOfSeriousHarm: 'HIGH' })).status).toBe(201);
    const late = await call('POST', risks(personId), FIRST, key);
    expect(late.status).toBe(200);
    expect(await json<RiskAssessmentView>(late)).toMatchObject({ version: 1 });

    const reused = await call('POST', risks(personId), { ...FIRST, riskOfSeriousHarm: 'LOW' }, key);
    expect(reused.status).toBe(422);
    expect(await json<Problem>(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // The same key for another person of the caller's: reused too.
    const other = await aPerson();
    const elsewhere = await call('POST', risks(other.personId), FIRST, key);
    expect(elsewhere.status).toBe(422);
    expect(await json<RiskAssessmentView>(await call('GET', risks(other.personId)))).toMatchObject({
      items: [],
    });
    // Keys are the client's own: another client's same key records afresh.
    const anotherClient: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR', 'LEI'] };
    const theirs = await call('POST', risks(personId), FIRST, key, anotherClient);
    expect(theirs.status).toBe(201);
    expect(await json<RiskAssessmentView>(theirs)).toMatchObject({ version: 3 });
    expect((await eventsOf(personId)).map((e) => e.data.version)).toEqual([1, 2, 3]);
  });

  it('If-Match: a stale or premature version is refused (412) and nothing is recorded', async () => {
    const { personId } = await aPerson();
    const premature = await call('POST', risks(personId), FIRST, { 'if-match': '"risk-v1"' });
    expect(premature.status).toBe(412);
    expect(await json<Problem>(premature)).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await call('POST', risks(personId), FIRST)).status).toBe(201);
    expect((await call('POST', risks(personId), FIRST, { 'if-match': '"risk-v1"' })).status).toBe(201);
    const stale = await call('POST', risks(personId), FIRST, { 'if-match': '"risk-v1"' });
    expect(stale.status).toBe(412);
    expect(await json<Problem>(stale)).toMatchObject({
      code: 'PRECONDITION_FAILED',
      currentETag: '"risk-v2"',
    });
    const malformed = await call('POST', risks(personId), FIRST, { 'if-match': 'risk-v2' });
    expect(malformed.status).toBe(400);
    expect((await call('POST', risks(personId), FIRST, { 'if-match': '*' })).status).toBe(201);
    expect((await json<RiskAssessmentPage>(await call('GET', risks(personId)))).items).toHaveLength(3);
  });

  it("answers 404 for a person not at the caller's establishments, exactly as for an unknown one, and follows the latest episode", async () => {
    const { personId } = await aPerson();
    expect((await call('POST', risks(personId), FIRST)).status).toBe(201);
    const unknown = `p${randomBytes(10).toString('hex')}`;
    const masked = async (r: Response) =>
      `${r.status} ${JSON.stringify({ ...(await json<Problem>(r)), detail: '', instance: '' })}`.replace(
        /p[0-9a-f]{20}/g,
        '<person>',
      );
    for (const [method, path, body] of [
      ['GET', (p: string) => `${risks(p)}/current`, undefined],
      ['GET', (p: string) => risks(p), undefined],
      ['POST', (p: string) => risks(p), FIRST],
    ] as const) {
      const hidden = await call(method, path(personId), body, {}, ELSEWHERE);
      const missing = await call(method, path(unknown), body, {}, ELSEWHERE);
      expect(hidden.status).toBe(404);
      expect(await masked(hidden)).toBe(await masked(missing));
    }
    // Transferred to SHO for a new episode: SHO now sees the person's risk, BAR no longer does.
    await aPerson('SHO', personId, 2);
    const there = await call('GET', `${risks(personId)}/current`, undefined, {}, ELSEWHERE);
    expect(there.status).toBe(200);
    expect(await json<RiskAssessmentView>(there)).toMatchObject({ version: 1 });
    expect((await call('GET', `${risks(personId)}/current`)).status).toBe(404);
    const next = await call('POST', risks(personId), { ...FIRST, riskOfSeriousHarm: 'HIGH' }, {}, ELSEWHERE);
    expect(next.status).toBe(201);
    expect((await eventsOf(personId)).map((e) => [e.data.version, e.data.episode, e.data.rises])).toEqual([
      [1, 1, []],
      [2, 2, ['RISK_OF_SERIOUS_HARM']],
    ]);
  });
});
