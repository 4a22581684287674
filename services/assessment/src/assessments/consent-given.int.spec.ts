import { randomBytes, randomUUID } from 'node:crypto';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { specConfig, useAssessmentApp } from '../testing/assessment-app';
import type { PersonConsentView, RecordedConsentView } from './consent-given.schemas';

// Issue 10: consent to voluntary throughcare as a recorded fact; the state derived from the facts.

const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const ELSEWHERE: TestPrincipal = { roles: ['prison-staff'], establishments: ['SHO'] };

interface Problem {
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  details?: unknown;
}

describe('consent given, recorded (real Postgres)', () => {
  const harness = useAssessmentApp();
  const json = async <T>(r: Response) => (await r.json()) as T;

  const call = async (
    method: string,
    path: string,
    as: TestPrincipal,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${harness.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await bearer(as, 'urn:throughcare:assessment')),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const give = (personId: string, givenAt: Date | string, headers: Record<string, string> = {}, as = STAFF) =>
    call(
      'POST',
      `/people/${personId}/consent`,
      as,
      { givenAt: typeof givenAt === 'string' ? givenAt : givenAt.toISOString() },
      headers,
    );
  const state = async (personId: string, query = '') =>
    json<PersonConsentView>(await call('GET', `/people/${personId}/consent${query}`, STAFF));

  /**
   * A person whose core screen of `episode` was requested at BAR, `daysAgo` ago (the episode's
   * start as the service knows it: consent given before it is refused, review stop 41 M1).
   */
  async function aPerson(
    personId = `p${randomBytes(10).toString('hex')}`,
    episode = 1,
    daysAgo = 1,
  ): Promise<string> {
    const { assessmentId } = await harness.activities.requestCoreScreen({
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode,
      establishmentCode: 'BAR',
      dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      correlationId: `spec-${randomUUID()}`,
    });
    await runUnrestricted(() =>
      harness.app
        .get(DataSource)
        .query(
          `UPDATE assessment.assessment SET requested_at = requested_at - make_interval(days => $2) WHERE id = $1`,
          [assessmentId, daysAgo],
        ),
    );
    return personId;
  }

  it('records consent given for the current episode, by the caller, and derives the state: none, given, withdrawn, given again', async () => {
    const personId = await aPerson();
    expect(await state(personId)).toEqual({
      personId,
      episode: 1,
      state: 'NONE',
      givenAt: null,
      withdrawnAt: null,
      items: [],
      nextCursor: null,
    });

    const first = new Date(Date.now() - 3_600_000);
    const given = await give(personId, first);
    expect(given.status).toBe(201);
    const recorded = await json<RecordedConsentView>(given);
    expect(recorded).toEqual({
      personId,
      episode: 1,
      state: 'GIVEN',
      givenAt: first.toISOString(),
      withdrawnAt: null,
      recorded: {
        fact: 'GIVEN',
        episode: 1,
        at: first.toISOString(),
        recordedAt: expect.any(String),
        recordedBy: expect.stringMatching(/^(user|client):/),
        factId: expect.any(String),
      },
    });

    const withdrawnAt = new Date(Date.now() - 60_000);
    const withdrawal = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: withdrawnAt.toISOString(),
    });
    expect(withdrawal.status).toBe(200);
    expect(await state(personId)).toMatchObject({
      state: 'WITHDRAWN',
      givenAt: null,
      withdrawnAt: withdrawnAt.toISOString(),
    });

    const again = new Date();
    expect((await give(personId, again)).status).toBe(201);
    const now = await state(personId);
    expect(now).toMatchObject({
      state: 'GIVEN',
      givenAt: again.toISOString(),
      withdrawnAt: withdrawnAt.toISOString(),
    });
    // Every fact, newest recorded first.
    expect(now.items.map((f) => [f.fact, f.at])).toEqual([
      ['GIVEN', again.toISOString()],
      ['WITHDRAWN', withdrawnAt.toISOString()],
      ['GIVEN', first.toISOString()],
    ]);
    expect(now.items.map((f) => f.recordedBy === null)).toEqual([false, true, false]);
    // The assessment view agrees with the agency read (M2): GIVEN again, not WITHDRAWN.
    const listed = await json<{ items: Array<{ consent: { state: string; status: string } }> }>(
      await call('GET', `/assessments?personId=${personId}`, STAFF),
    );
    expect(listed.items.map((a) => a.consent)).toEqual([
      { state: 'GIVEN', status: 'NOT_WITHDRAWN', withdrawnAt: withdrawnAt.toISOString() },
    ]);
  });

  it('after consent given again, the person can withdraw again, whatever instant is keyed in: a withdrawal while consent stands is always recorded (S1)', async () => {
    const personId = await aPerson();
    const withdraw = (at: Date) =>
      call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
        withdrawnAt: at.toISOString(),
      });
    const answered = async (response: Response) => {
      expect(response.status).toBe(200);
      return json<{ state: string; status: string; withdrawnAt: string }>(response);
    };
    const hourAgo = Date.now() - 3_600_000;
    const t = (minutes: number) => new Date(hourAgo + minutes * 60_000);
    expect((await give(personId, t(0))).status).toBe(201);
    expect(await answered(await withdraw(t(10)))).toMatchObject({ state: 'WITHDRAWN', status: 'WITHDRAWN' });
    // No consent given since: another withdrawal is refused, the same one answers as before.
    expect(await json<Problem>(await withdraw(t(15)))).toMatchObject({ code: 'CONSENT_ALREADY_WITHDRAWN' });
    expect(await answered(await withdraw(t(10)))).toMatchObject({
      state: 'WITHDRAWN',
      withdrawnAt: t(10).toISOString(),
    });

    expect((await give(personId, t(20))).status).toBe(201);
    expect((await state(personId)).state).toBe('GIVEN');
    // S1b: a withdrawal dated before that consent, recorded after it, ends it (never a 409).
    expect(await answered(await withdraw(t(15)))).toMatchObject({ state: 'WITHDRAWN', status: 'WITHDRAWN' });
    expect((await state(personId)).state).toBe('WITHDRAWN');

    // S1d: a retry of an old withdrawal instant after consent given again is recorded again.
    expect((await give(personId, t(25))).status).toBe(201);
    expect(await answered(await withdraw(t(10)))).toMatchObject({
      state: 'WITHDRAWN',
      withdrawnAt: t(15).toISOString(),
    });
    expect((await state(personId)).state).toBe('WITHDRAWN');

    expect((await give(personId, t(28))).status).toBe(201);
    expect(await answered(await withdraw(t(30)))).toMatchObject({
      state: 'WITHDRAWN',
      status: 'WITHDRAWN',
      withdrawnAt: t(30).toISOString(),
    });
    expect((await withdraw(t(30))).status).toBe(200);
    const now = await state(personId);
    expect(now).toMatchObject({ state: 'WITHDRAWN', givenAt: null, withdrawnAt: t(30).toISOString() });
    expect(now.items.map((f) => f.fact)).toEqual([
      'WITHDRAWN',
      'GIVEN',
      'WITHDRAWN',
      'GIVEN',
      'WITHDRAWN',
      'GIVEN',
      'WITHDRAWN',
      'GIVEN',
    ]);
    // The episode's consent view is derived from the same facts.
    const view = await call('GET', `/people/${personId}/episodes/1/consent`, STAFF);
    expect(await json<{ withdrawnAt: string; state: string }>(view)).toMatchObject({
      state: 'WITHDRAWN',
      withdrawnAt: t(30).toISOString(),
    });
  });

  it('a first withdrawal dated before a recorded consent ends it (S1a), and the answer is the derived state', async () => {
    const personId = await aPerson();
    expect((await give(personId, new Date(Date.now() - 60_000))).status).toBe(201);
    const withdrawal = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(withdrawal.status).toBe(200);
    expect(await json<{ state: string }>(withdrawal)).toMatchObject({ state: 'WITHDRAWN' });
    expect((await state(personId)).state).toBe('WITHDRAWN');
  });

  it('consent and a withdrawal recorded concurrently: the one recorded last decides, by the database clock under the lock; a withdrawal dated after the consent always wins (fails closed), and the service and SQL agree', async () => {
    const dataSource = harness.app.get(DataSource);
    const facts = (personId: string) =>
      runUnrestricted(() =>
        dataSource.transaction(async (tx) => {
          const [g] = (await tx.query(
            `SELECT recorded_at FROM assessment.consent_given WHERE person_id = $1`,
            [personId],
          )) as Array<{ recorded_at: Date }>;
          const [w] = (await tx.query(
            `SELECT recorded_at FROM assessment.consent_withdrawal WHERE person_id = $1`,
            [personId],
          )) as Array<{ recorded_at: Date }>;
          const [sql] = (await tx.query(`SELECT assessment.episode_consent_state($1, 1) AS state`, [
            personId,
          ])) as Array<{ state: string }>;
          return { given: g!.recorded_at.getTime(), withdrawn: w!.recorded_at.getTime(), sql: sql!.state };
        }),
      );
    // Each person: a consent and a withdrawal sent at once. `backDated`: the withdrawal form is dated
    // before the consent (a consent recorded after it reopens access); else after it (never reopens).
    const race = async (backDated: boolean) => {
      const personId = await aPerson();
      const givenAt = new Date(Date.now() - 20 * 60_000);
      const withdrawnAt = new Date(givenAt.getTime() + (backDated ? -10 : 10) * 60_000);
      const [given, withdrawal] = await Promise.all([
        give(personId, givenAt),
        call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
          withdrawnAt: withdrawnAt.toISOString(),
        }),
      ]);
      expect([given.status, withdrawal.status]).toEqual([201, 200]);
      const answers = {
        given: (await json<RecordedConsentView>(given)).state,
        withdrawal: (await json<{ state: string }>(withdrawal)).state,
      };
      const recorded = await facts(personId);
      // Strictly ordered: the second waited for the first's lock, then read the clock.
      expect(recorded.given).not.toBe(recorded.withdrawn);
      const consentLast = recorded.given > recorded.withdrawn;
      const expected = backDated && consentLast ? 'GIVEN' : 'WITHDRAWN';
      const now = await state(personId);
      expect({ service: now.state, sql: recorded.sql }).toEqual({ service: expected, sql: expected });
      // The request recorded last answered the state that stands.
      expect(consentLast ? answers.given : answers.withdrawal).toBe(expected);
      return consentLast;
    };
    await Promise.all([
      ...Array.from({ length: 6 }, () => race(true)),
      ...Array.from({ length: 6 }, () => race(false)),
    ]);
  });

  it('a request that waited behind the person’s lock is recorded after the one holding it, in either order (re-review M1)', async () => {
    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    const waiting = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await owner.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if ((rows[0] as { n: number }).n >= n) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`fewer than ${n} requests waiting on the lock`);
    };
    try {
      for (const first of ['consent', 'withdrawal'] as const) {
        const personId = await aPerson();
        const givenAt = new Date(Date.now() - 20 * 60_000);
        // Back-dated withdrawal: only the recording order decides.
        const withdrawnAt = new Date(givenAt.getTime() - 10 * 60_000);
        const send = {
          consent: () => give(personId, givenAt),
          withdrawal: () =>
            call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
              withdrawnAt: withdrawnAt.toISOString(),
            }),
        };
        // Hold the person's consent lock, queue `first` behind it, then the other, then let go.
        await owner.query('BEGIN');
        await owner.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `assessment:consent:${personId}`,
        ]);
        const a = send[first]();
        await waiting(1);
        const b = send[first === 'consent' ? 'withdrawal' : 'consent']();
        await waiting(2);
        await owner.query('COMMIT');
        expect((await Promise.all([a, b])).map((r) => r.status).sort()).toEqual([200, 201]);
        // The one queued last is recorded last: a consent then reopens (given after the back-dated
        // withdrawal); a withdrawal ends it.
        expect((await state(personId)).state).toBe(first === 'consent' ? 'WITHDRAWN' : 'GIVEN');
      }
    } finally {
      await owner.end();
    }
  });

  it('pages the facts with a cursor, each once', async () => {
    const personId = await aPerson();
    const instants = [3, 2, 1].map((h) => new Date(Date.now() - h * 3_600_000).toISOString());
    for (const at of instants) expect((await give(personId, at)).status).toBe(201);
    const first = await state(personId, '?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await state(personId, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((f) => f.at).sort()).toEqual([...instants].sort());
    expect(second.state).toBe('GIVEN');
  });

  it('Idempotency-Key: a retry answers the first recording (200) and appends nothing; the same key with another givenAt is 422', async () => {
    const personId = await aPerson();
    const key = { 'idempotency-key': `spec-${randomUUID()}` };
    const at = new Date(Date.now() - 60_000);
    const first = await give(personId, at, key);
    expect(first.status).toBe(201);
    const replay = await give(personId, at, key);
    expect(replay.status).toBe(200);
    expect((await json<RecordedConsentView>(replay)).recorded).toEqual(
      (await json<RecordedConsentView>(first)).recorded,
    );
    // The same consent again without a key is the fact already recorded, too.
    expect((await give(personId, at)).status).toBe(200);
    expect((await state(personId)).items).toHaveLength(1);

    const reused = await give(personId, new Date(Date.now() - 30_000), key);
    expect(reused.status).toBe(422);
    expect(await json<Problem>(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await state(personId)).items).toHaveLength(1);
  });

  it('answers a bad body 400 naming the field, a consent in the future 422, and a person outside the caller’s establishments 404', async () => {
    const personId = await aPerson();
    const missing = await call('POST', `/people/${personId}/consent`, STAFF, {});
    expect(missing.status).toBe(400);
    expect((await json<Problem>(missing)).errors).toEqual([expect.objectContaining({ field: 'givenAt' })]);
    const malformed = await give(personId, 'yesterday');
    expect(malformed.status).toBe(400);
    expect((await json<Problem>(malformed)).errors?.map((e) => e.field)).toEqual(['givenAt']);
    const extra = await call('POST', `/people/${personId}/consent`, STAFF, {
      givenAt: new Date().toISOString(),
      givenBy: 'someone else',
    });
    expect(extra.status).toBe(400);
    expect(JSON.stringify((await json<Problem>(extra)).errors)).toContain('givenBy');

    // No clock-skew tolerance (S1c): even a few seconds ahead is refused.
    for (const ahead of [3_600_000, 5_000]) {
      const future = await give(personId, new Date(Date.now() + ahead));
      expect(future.status).toBe(422);
      expect(await json<Problem>(future)).toMatchObject({ code: 'CONSENT_IN_FUTURE' });
    }

    const elsewhere = await give(personId, new Date(), {}, ELSEWHERE);
    expect(elsewhere.status).toBe(404);
    expect(await json<Problem>(elsewhere)).toMatchObject({ code: 'PERSON_NOT_FOUND' });
    expect((await call('GET', `/people/${personId}/consent`, ELSEWHERE)).status).toBe(404);
    expect((await state(personId)).items).toEqual([]);
  });

  it('audits the recording and the reads, naming the person, the episode and the fact; a retry is told from a recording (N1)', async () => {
    const personId = await aPerson();
    const at = new Date();
    const given = await json<RecordedConsentView>(await give(personId, at));
    expect((await give(personId, at)).status).toBe(200);
    await state(personId);
    expect(
      (
        await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
          withdrawnAt: at.toISOString(),
        })
      ).status,
    ).toBe(200);
    await call('GET', `/people/${personId}/episodes/1/consent`, STAFF);
    const records = await auditRecordsAbout(harness.app.get(DataSource), 'assessment', personId);
    const object = `${personId}/1/${given.recorded.factId}`;
    expect(records.filter((r) => r.action.startsWith('consent.'))).toEqual([
      expect.objectContaining({
        action: 'consent.give',
        outcome: 'allowed',
        object_type: 'consent',
        object_id: object,
      }),
      expect.objectContaining({
        action: 'consent.give',
        outcome: 'allowed',
        object_id: `${object}?retry=true`,
      }),
      expect.objectContaining({ action: 'consent.list', outcome: 'allowed', object_id: `${personId}/1` }),
      expect.objectContaining({ action: 'consent.withdraw', outcome: 'allowed', object_id: `${personId}/1` }),
      expect.objectContaining({ action: 'consent.read', outcome: 'allowed', object_id: `${personId}/1` }),
    ]);
  });

  it('is documented in OpenAPI: bearer token, problem+json answers with their codes, an example body', async () => {
    const doc = (await (await fetch(`${harness.base}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>;
    };
    const operations = doc.paths['/people/{personId}/consent'];
    expect(operations?.['post']?.security).toEqual([{ bearer: [] }]);
    expect(operations?.['get']?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operations?.['post']?.responses ?? {}).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '404',
      '409',
      '422',
    ]);
    expect(JSON.stringify(operations?.['post']?.responses?.['409'])).toContain('CONSENT_EPISODE_NOT_CURRENT');
    expect(JSON.stringify(operations?.['post']?.responses?.['422'])).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(operations?.['post']?.responses?.['422'])).toContain('CONSENT_BEFORE_EPISODE');
    expect(Object.keys(operations?.['get']?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404']);
  });

  it('records consent for the latest episode once a later one begins; consent dated before it began is 422 CONSENT_BEFORE_EPISODE (M1)', async () => {
    const personId = await aPerson(undefined, 1, 10);
    await aPerson(personId, 2, 1);
    // A paper form signed during episode 1, keyed in after episode 2 began: not episode 2's consent.
    const old = await give(personId, new Date(Date.now() - 5 * 86_400_000));
    expect(old.status).toBe(422);
    expect(await json<Problem>(old)).toMatchObject({
      code: 'CONSENT_BEFORE_EPISODE',
      detail: expect.stringContaining('givenAt'),
    });
    expect((await state(personId)).items).toEqual([]);
    const given = await json<RecordedConsentView>(await give(personId, new Date()));
    expect(given).toMatchObject({ episode: 2, state: 'GIVEN', recorded: { episode: 2 } });
  });

  it('the body may name the episode: only the current one (409 CONSENT_EPISODE_NOT_CURRENT naming episode otherwise) (M1)', async () => {
    const personId = await aPerson(undefined, 1, 10);
    await aPerson(personId, 2, 1);
    const named = (episode: number) =>
      call('POST', `/people/${personId}/consent`, STAFF, { givenAt: new Date().toISOString(), episode });
    const earlier = await named(1);
    expect(earlier.status).toBe(409);
    expect(await json<Problem & { field?: string }>(earlier)).toMatchObject({
      code: 'CONSENT_EPISODE_NOT_CURRENT',
      field: 'episode',
    });
    const later = await named(3);
    expect(later.status).toBe(409);
    expect((await state(personId)).items).toEqual([]);
    expect(await json<RecordedConsentView>(await named(2))).toMatchObject({ episode: 2, state: 'GIVEN' });
    const invalid = await call('POST', `/people/${personId}/consent`, STAFF, {
      givenAt: new Date().toISOString(),
      episode: 0,
    });
    expect(invalid.status).toBe(400);
    expect((await json<Problem>(invalid)).errors?.map((e) => e.field)).toEqual(['episode']);
  });

  it('after a transfer, the episode began at reception, not at the receiving prison’s assessment: consent signed at the first prison is recorded there (M1, N2)', async () => {
    // Episode 1 began at BAR ten days ago (the core screen requested at reception); the person was
    // transferred to LOW, whose review was requested a day ago.
    const personId = await aPerson(undefined, 1, 10);
    const { assessmentId } = await harness.activities.requestAssessment({
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode: 1,
      establishmentCode: 'LOW',
      kind: 'STANDARD_REVIEW',
      dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      correlationId: `spec-${randomUUID()}`,
    });
    await runUnrestricted(() =>
      harness.app
        .get(DataSource)
        .query(`UPDATE assessment.assessment SET requested_at = now() - interval '1 day' WHERE id = $1`, [
          assessmentId,
        ]),
    );
    const AT_LOW: TestPrincipal = { roles: ['prison-staff'], establishments: ['LOW'] };
    // Signed at BAR five days ago: after the episode began, before LOW's first assessment.
    const signed = new Date(Date.now() - 5 * 86_400_000);
    const given = await give(personId, signed, {}, AT_LOW);
    expect(given.status).toBe(201);
    expect(await json<RecordedConsentView>(given)).toMatchObject({
      episode: 1,
      givenAt: signed.toISOString(),
    });
    // Before the reception's core screen was requested: refused, naming the episode's start.
    const before = await give(personId, new Date(Date.now() - 11 * 86_400_000), {}, AT_LOW);
    expect(before.status).toBe(422);
    expect(await json<Problem>(before)).toMatchObject({ code: 'CONSENT_BEFORE_EPISODE' });
  });
});
