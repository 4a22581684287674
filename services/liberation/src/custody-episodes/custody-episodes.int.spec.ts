import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GatePickupBookedV1, GatePickupCancelledV1, ReleaseDateChangedV1 } from '@throughcare/contracts';
import { addDays, dayOfWeek, isBankHoliday } from '@throughcare/domain';
import { derivePersonId } from '@throughcare/platform-config';
import { withSpecWorker, requestBodyExamples } from '@throughcare/testing';
import type {
  EpisodePage,
  EpisodeView,
  ReceptionRecordedView,
  ReleaseRecordedView,
} from './custody-episode.schemas';
import type { GatePickupStep } from './test-workflows/booking-steps.workflow';
import type { recordEpisodeStagesWorkflow } from './test-workflows/record-episode-stage.workflow';
import {
  actorOf,
  aPrisonNumber,
  config,
  runBookingSteps,
  daysFromToday,
  minutesAgo,
  startLiberation,
  type Caller,
  type LiberationHarness,
  type Problem,
} from './spec-support';

/** A valid reception of a new person, received an hour ago; override what a test is about. */
function aReception(overrides: Record<string, unknown> = {}) {
  return {
    prisonNumber: aPrisonNumber(),
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    reason: 'ADMISSION',
    receivedAt: minutesAgo(60),
    sentenceDate: '2026-01-05',
    sentenceLengthDays: 180,
    expectedReleaseDate: '2026-04-05',
    ...overrides,
  };
}

describe('liberation service (real Postgres, NATS, Temporal)', () => {
  let lib: LiberationHarness;
  let dataSource: DataSource;

  beforeAll(async () => {
    lib = await startLiberation();
    dataSource = lib.dataSource;
  });

  afterAll(async () => {
    await lib?.close();
  });

  const get = (path: string, as?: Caller) => lib.get(path, as);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    lib.post(path, body, headers);
  const outboxRows = (eventType: string, personId: string) => lib.outboxRows(eventType, personId);
  const eventsOnBus = (eventType: string, personId: string) => lib.eventsOnBus(eventType, personId);

  describe('POST /receptions', () => {
    it('opens episode 1 (201) and puts custody.person.received on the bus with both identifiers', async () => {
      const reception = aReception();
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);

      const response = await post('/receptions', reception, { 'x-correlation-id': 'spec-correlation-1' });

      expect(response.status).toBe(201);
      const body = (await response.json()) as ReceptionRecordedView;
      expect(body).toEqual({
        personId,
        prisonNumber: reception.prisonNumber,
        episode: 1,
        workflowId: `throughcare-${personId}-1`,
        receivedAt: reception.receivedAt,
        links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
      });
      expect(response.headers.get('location')).toBe(`/people/${personId}/episodes/1`);

      const [event, ...others] = await eventsOnBus('custody.person.received', personId);
      expect(others).toHaveLength(0);
      const { prisonNumber, ...facts } = reception;
      expect(event).toMatchObject({
        eventType: 'custody.person.received',
        version: 2,
        correlationId: 'spec-correlation-1',
        occurredAt: reception.receivedAt,
        // The pseudonymous id only: the prison number stays in the custody record (issue 8).
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data: { ...facts, episode: 1 },
      });
      expect(JSON.stringify(event)).not.toContain(prisonNumber);
    });

    it('answers a repeated reception with 200 and the same episode, emitting no second event', async () => {
      const reception = aReception();
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);

      const first = await post('/receptions', reception);
      const again = await post('/receptions', reception);

      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(await first.json());
      expect(await outboxRows('custody.person.received', personId)).toHaveLength(1);
      expect(await eventsOnBus('custody.person.received', personId)).toHaveLength(1);
    });

    it('opens one episode when the same reception arrives five times at once', async () => {
      const reception = aReception();
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);

      const responses = await Promise.all(Array.from({ length: 5 }, () => post('/receptions', reception)));

      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(await outboxRows('custody.person.received', personId)).toHaveLength(1);
    });

    it('refuses a repeated reception at the same instant with different facts (409 RECEPTION_CONFLICT)', async () => {
      const reception = aReception();
      await post('/receptions', reception);

      const response = await post('/receptions', { ...reception, establishmentCode: 'LEI' });

      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({
        code: 'RECEPTION_CONFLICT',
        detail: expect.stringContaining('establishmentCode'),
      });
    });

    it('honours Idempotency-Key: same key answers the first result; same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = `spec-${randomUUID()}`;
      const reception = aReception();

      const first = await post('/receptions', reception, { 'idempotency-key': key });
      const retry = await post('/receptions', reception, { 'idempotency-key': key });
      const reused = await post('/receptions', aReception(), { 'idempotency-key': key });

      expect(first.status).toBe(201);
      expect(retry.status).toBe(200);
      expect(((await retry.json()) as ReceptionRecordedView).episode).toBe(1);
      expect(reused.status).toBe(422);
      expect(await reused.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('prisonNumber'),
      });
    });

    it('answers a malformed reception with 400 problem+json naming each field', async () => {
      const { establishmentCode: _missing, ...withoutEstablishment } = aReception({ prisonNumber: '12345' });

      const response = await post('/receptions', withoutEstablishment);

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as Problem;
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['establishmentCode', 'prisonNumber']);
    });

    it.each([
      ['expectedReleaseDate', { sentenceDate: '2026-02-01', expectedReleaseDate: '2026-01-31' }],
      ['receivedAt', { receivedAt: new Date(Date.now() + 10 * 60_000).toISOString() }],
    ])('refuses an inconsistent %s with 400 naming it', async (field, overrides) => {
      const response = await post('/receptions', aReception(overrides));

      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors).toEqual([{ field, message: expect.any(String) }]);
    });

    it("keeps the person's sex and date of birth when given: both in the episode, only the sex on the bus; a copy without them is the same reception, one with others is not", async () => {
      const reception = aReception({ sex: 'FEMALE', dateOfBirth: '1990-03-01' });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);

      expect((await post('/receptions', reception)).status).toBe(201);
      const episode = await (await get(`/people/${personId}/episodes/1`)).json();
      expect(episode).toMatchObject({ sex: 'FEMALE', dateOfBirth: '1990-03-01' });
      const [event] = await eventsOnBus('custody.person.received', personId);
      // The date of birth stays here: the journey asks for the age on the day (personAgeOn).
      expect(event).toMatchObject({ data: { sex: 'FEMALE' } });
      expect(JSON.stringify(event)).not.toContain('1990-03-01');
      // A copy that leaves them out is the same reception (an upstream copy, an older client);
      // one that gives another is not.
      const without = { ...reception, sex: undefined, dateOfBirth: undefined }; // not sent (JSON)
      expect((await post('/receptions', without)).status).toBe(200);
      const conflict = await post('/receptions', { ...reception, dateOfBirth: '1990-03-02' });
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toMatchObject({
        code: 'RECEPTION_CONFLICT',
        detail: expect.stringContaining('dateOfBirth'),
      });
      expect(await outboxRows('custody.person.received', personId)).toHaveLength(1);
      // Not given: null in the episode, and left out of the event.
      const plain = aReception();
      const plainId = derivePersonId(config.PERSON_ID_SECRET, plain.prisonNumber);
      expect((await post('/receptions', plain)).status).toBe(201);
      expect(await (await get(`/people/${plainId}/episodes/1`)).json()).toMatchObject({
        sex: null,
        dateOfBirth: null,
      });
      const [plainEvent] = await eventsOnBus('custody.person.received', plainId);
      expect(Object.keys((plainEvent as { data: object }).data)).not.toEqual(expect.arrayContaining(['sex']));
      expect(Object.keys((plainEvent as { data: object }).data)).not.toEqual(
        expect.arrayContaining(['dateOfBirth']),
      );
    });

    // Received an hour ago; born on 1 January of the year then: the age in whole years that day.
    const receivedYear = new Date(Date.now() - 60 * 60_000).getUTCFullYear();
    it.each([
      [
        'a child of 9',
        { dateOfBirth: `${receivedYear - 9}-01-01` },
        'dateOfBirth',
        /makes the person 9 on the day of receivedAt/,
      ],
      [
        'a person of 121',
        { dateOfBirth: `${receivedYear - 121}-01-01` },
        'dateOfBirth',
        /makes the person 121/,
      ],
      ['a sex other than FEMALE or MALE', { sex: 'NK' }, 'sex', /FEMALE|MALE/],
    ])('refuses %s with 400 naming the field', async (_what, overrides, field, message) => {
      const response = await post('/receptions', aReception(overrides));
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    });

    it('refuses a second admission while an episode is open (409 EPISODE_ALREADY_OPEN naming it)', async () => {
      const reception = aReception({ receivedAt: minutesAgo(120) });
      await post('/receptions', reception);

      const response = await post('/receptions', { ...reception, receivedAt: minutesAgo(30) });

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe('EPISODE_ALREADY_OPEN');
      expect(problem.detail).toContain('episode 1');
      expect(problem.detail).not.toContain(reception.prisonNumber);
    });
  });

  describe('POST /releases', () => {
    it('closes the open episode (201), emits custody.person.released, and the next reception opens episode 2', async () => {
      const reception = aReception({ receivedAt: minutesAgo(600) });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      await post('/receptions', reception);
      const release = {
        prisonNumber: reception.prisonNumber,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(300),
      };

      const response = await post('/releases', release, { 'x-correlation-id': 'spec-correlation-2' });

      expect(response.status).toBe(201);
      const recorded = (await response.json()) as ReleaseRecordedView;
      expect(recorded).toEqual({
        personId,
        episode: 1,
        workflowId: `throughcare-${personId}-1`,
        releasedAt: release.releasedAt,
        eventId: expect.any(String),
        overdueAbsence: null,
        links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
      } satisfies Record<keyof ReleaseRecordedView, unknown>);
      const events = await eventsOnBus('custody.person.released', personId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        eventId: recorded.eventId,
        eventType: 'custody.person.released',
        version: 1,
        correlationId: 'spec-correlation-2',
        personReference: {
          identifiers: expect.arrayContaining([{ type: 'THROUGHCARE_ID', value: personId }]),
        },
        data: { episode: 1, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: release.releasedAt },
      });

      const retry = await post('/releases', { ...release, prisonNumber: undefined, personId });
      expect(retry.status).toBe(200);
      expect(((await retry.json()) as ReleaseRecordedView).eventId).toBe(recorded.eventId);
      const later = await post('/releases', { ...release, episode: 1, releasedAt: minutesAgo(200) });
      expect(later.status).toBe(409);
      expect(await later.json()).toMatchObject({ code: 'EPISODE_ALREADY_RELEASED' });
      expect(await outboxRows('custody.person.released', personId)).toHaveLength(1);

      const readmission = await post('/receptions', {
        ...reception,
        reason: 'READMISSION',
        receivedAt: minutesAgo(100),
      });
      expect(readmission.status).toBe(201);
      expect(((await readmission.json()) as ReceptionRecordedView).episode).toBe(2);
    });

    it('honours Idempotency-Key on releases and refuses a same-instant release with other facts', async () => {
      const reception = aReception({ receivedAt: minutesAgo(60) });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      await post('/receptions', reception);
      const release = { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(10) };
      const key = `spec-${randomUUID()}`;

      const first = await post('/releases', release, { 'idempotency-key': key });
      const retry = await post('/releases', release, { 'idempotency-key': key });
      const reused = await post(
        '/releases',
        { ...release, reason: 'RELEASED_TO_HOSPITAL' },
        { 'idempotency-key': key },
      );
      const corrected = await post('/releases', { ...release, reason: 'RELEASED_TO_HOSPITAL' });

      expect([first.status, retry.status, reused.status, corrected.status]).toEqual([201, 200, 422, 409]);
      expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await corrected.json()).toMatchObject({ code: 'RELEASE_CONFLICT' });
      expect(await outboxRows('custody.person.released', personId)).toHaveLength(1);
    });

    it('refuses a release before the reception (422 RELEASE_BEFORE_RECEPTION)', async () => {
      const reception = aReception({ receivedAt: minutesAgo(60) });
      await post('/receptions', reception);

      const response = await post('/releases', {
        prisonNumber: reception.prisonNumber,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(90),
      });

      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        status: 422,
        code: 'RELEASE_BEFORE_RECEPTION',
        detail: expect.stringContaining('releasedAt'),
      });
    });

    it('answers 404 for a person with no open episode, and 400 when both identities are given', async () => {
      const release = { establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(1) };

      const unknown = await post('/releases', { ...release, prisonNumber: aPrisonNumber() });
      const both = await post('/releases', {
        ...release,
        prisonNumber: aPrisonNumber(),
        personId: 'p0123456789abcdef0123',
      });

      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
      expect(both.status).toBe(400);
      expect(((await both.json()) as Problem).errors?.map((e) => e.field)).toEqual(['prisonNumber']);
    });

    it('refuses a temporary absence or a transfer sent as a release (400 naming reason, pointing to its own route); custody stays open (review stop 45, S2)', async () => {
      const reception = aReception();
      expect((await post('/receptions', reception)).status).toBe(201);
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      for (const [reason, route] of [
        [
          'TEMPORARY_ABSENCE_RELEASE',
          /POST \/people\/\{personId\}\/episodes\/\{episode\}\/absences \(kind ROTL\)/,
        ],
        ['SENT_TO_COURT', /absences \(kind COURT\)/],
        ['TRANSFERRED', /POST \/people\/\{personId\}\/episodes\/\{episode\}\/transfers/],
      ] as const) {
        const response = await post('/releases', {
          personId,
          establishmentCode: 'BAR',
          reason,
          releasedAt: minutesAgo(1),
        });
        expect(response.status).toBe(400);
        const problem = (await response.json()) as Problem;
        expect(problem.errors).toEqual([
          expect.objectContaining({ field: 'reason', message: expect.stringMatching(route) }),
        ]);
      }
      const episode = (await (await get(`/people/${personId}/episodes/1`)).json()) as { state: string };
      expect(episode.state).toBe('IN_CUSTODY');
    });
  });

  describe('GET /people/:personId/episodes', () => {
    it('pages through episodes by keyset and never shows the prison number', async () => {
      const reception = aReception({ receivedAt: minutesAgo(1000) });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      await post('/receptions', reception);
      await post('/releases', {
        personId,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(900),
      });
      await post('/receptions', { ...reception, reason: 'READMISSION', receivedAt: minutesAgo(800) });

      const first = await get(`/people/${personId}/episodes?limit=1`);
      const firstPage = (await first.json()) as EpisodePage;
      const second = await get(`/people/${personId}/episodes?limit=1&cursor=${firstPage.nextCursor}`);
      const secondPage = (await second.json()) as EpisodePage;

      expect(first.status).toBe(200);
      expect(firstPage.items.map((e) => [e.episode, e.state])).toEqual([[1, 'RELEASED']]);
      expect(secondPage.items.map((e) => [e.episode, e.state])).toEqual([[2, 'IN_CUSTODY']]);
      expect(secondPage.nextCursor).toBeNull();
      const actor = await actorOf();
      expect(actor).toMatch(/^client:/);
      expect(firstPage.items[0]).toMatchObject({
        release: { establishmentCode: 'BAR', reason: 'RELEASED', releasedBy: actor },
        reception: { receivedBy: actor, establishmentCode: 'BAR' },
        journey: null,
      });
      expect(JSON.stringify([firstPage, secondPage])).not.toContain(reception.prisonNumber);
    });

    it('filters by state; a cursor from a filtered page continues the filtered list; a bad state is 400 naming it', async () => {
      const reception = aReception({ receivedAt: minutesAgo(1000) });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      const release = (releasedAt: string) =>
        post('/releases', { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt });
      expect((await post('/receptions', reception)).status).toBe(201);
      expect((await release(minutesAgo(900))).status).toBe(201);
      // Episode 2 was recorded in error (void), between the two released ones.
      const readmission = (receivedAt: string) =>
        post('/receptions', { ...reception, reason: 'READMISSION', receivedAt });
      expect((await readmission(minutesAgo(800))).status).toBe(201);
      expect(
        (
          await post(`/people/${personId}/episodes/2/reception-reversal`, {
            reversedAt: minutesAgo(790),
            reason: 'RECEIVED_IN_ERROR',
          })
        ).status,
      ).toBe(201);
      expect((await readmission(minutesAgo(700))).status).toBe(201);
      expect((await release(minutesAgo(600))).status).toBe(201);
      expect((await readmission(minutesAgo(500))).status).toBe(201);

      const page = async (query: string) => {
        const response = await get(`/people/${personId}/episodes?${query}`);
        expect(response.status).toBe(200);
        return (await response.json()) as EpisodePage;
      };
      const numbers = async (query: string) => (await page(query)).items.map((e) => [e.episode, e.state]);
      expect(await numbers('')).toEqual([
        [1, 'RELEASED'],
        [2, 'RECEIVED_IN_ERROR'],
        [3, 'RELEASED'],
        [4, 'IN_CUSTODY'],
      ]);
      expect(await numbers('state=IN_CUSTODY')).toEqual([[4, 'IN_CUSTODY']]);
      expect(await numbers('state=RECEIVED_IN_ERROR')).toEqual([[2, 'RECEIVED_IN_ERROR']]);

      const first = await page('state=RELEASED&limit=1');
      expect(first.items.map((e) => e.episode)).toEqual([1]);
      expect(first.nextCursor).not.toBeNull();
      const second = await page(`state=RELEASED&limit=1&cursor=${first.nextCursor}`);
      expect(second.items.map((e) => e.episode)).toEqual([3]);
      expect(second.nextCursor).toBeNull();

      for (const state of ['OPEN', 'released']) {
        const bad = await get(`/people/${personId}/episodes?state=${state}`);
        expect(bad.status).toBe(400);
        expect(bad.headers.get('content-type')).toContain('application/problem+json');
        expect(((await bad.json()) as Problem).errors?.map((e) => e.field)).toEqual(['state']);
      }
    });

    it('answers 404 for an unknown person or episode and 400 for a bad person id or cursor', async () => {
      const nobody = derivePersonId(config.PERSON_ID_SECRET, aPrisonNumber());

      expect((await get(`/people/${nobody}/episodes`)).status).toBe(404);
      expect((await get(`/people/${nobody}/episodes/1`)).status).toBe(404);
      const bad = await get('/people/A1234BC/episodes?cursor=nope');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.map((e) => e.field)).toEqual(['personId']);
      const reception = aReception();
      await post('/receptions', reception);
      const badCursor = await get(
        `/people/${derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber)}/episodes?cursor=nope`,
      );
      expect(((await badCursor.json()) as Problem).errors?.map((e) => e.field)).toEqual(['cursor']);
    });
  });

  describe('recordEpisodeStage activity (task queue "liberation")', () => {
    it('stores the latest stage through the running worker; late and repeated calls do not move it back', async () => {
      const reception = aReception();
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      await post('/receptions', reception);
      const at = (offsetMinutes: number) =>
        new Date(Date.parse(reception.receivedAt) + offsetMinutes * 60_000).toISOString();
      const run = randomUUID();
      const stage = (key: string, name: string, minutes: number) => ({
        idempotencyKey: `${run}:${key}`,
        personId,
        episode: 1,
        stage: name,
        at: at(minutes),
      });

      const [recorded, missing] = await withSpecWorker(
        { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
        require.resolve('./test-workflows/record-episode-stage.workflow'),
        (worker) =>
          Promise.all([
            worker.execute<typeof recordEpisodeStagesWorkflow>('recordEpisodeStagesWorkflow', [
              [
                stage('k-reception', 'RECEPTION', 0),
                stage('k-core-screen', 'CORE_SCREEN', 10),
                stage('k-reception', 'RECEPTION', 0), // a retry: same key
                stage('k-reception-late', 'RECEPTION', 5), // a late delivery: older than CORE_SCREEN
              ],
            ]),
            worker.execute<typeof recordEpisodeStagesWorkflow>('recordEpisodeStagesWorkflow', [
              [{ ...stage('k-missing', 'RECEPTION', 0), episode: 7 }],
            ]),
          ]),
      );
      expect(recorded).toEqual({ recorded: 4 });
      expect(missing).toEqual({ failureType: 'EPISODE_NOT_FOUND', nonRetryable: true });

      const episode = (await (await get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
      expect(episode.journey).toEqual({ stage: 'CORE_SCREEN', at: at(10) });
    });
  });

  describe('POST /people/:personId/episodes/:episode/release-date', () => {
    /** An open episode received an hour ago, sentenced last month, due out in 60 days. */
    async function anOpenEpisode(overrides: Record<string, unknown> = {}) {
      const reception = aReception({
        sentenceDate: daysFromToday(-30),
        expectedReleaseDate: daysFromToday(60),
        ...overrides,
      });
      const response = await post('/receptions', reception);
      expect(response.status).toBe(201);
      return { reception, personId: derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber) };
    }
    const changeDate = (personId: string, body: unknown, headers: Record<string, string> = {}, episode = 1) =>
      post(`/people/${personId}/episodes/${episode}/release-date`, body, headers);

    it('explains the day the person leaves by the release-day rule, and follows a changed date', async () => {
      // Due on a Saturday about two months away (with a Friday that is no public holiday): the 1993
      // Act s.27(7) as enacted brings it to the Friday (the 2023 Act's Friday rule is not in force).
      let saturday = daysFromToday(60);
      // A Saturday whose Wednesday to Friday are working days (the s.26C window: 2 working days).
      while (
        dayOfWeek(saturday) !== 6 ||
        [-1, -2, -3].some((d) => isBankHoliday('SCOTLAND', addDays(saturday, d)))
      )
        saturday = addDays(saturday, 1);
      const friday = addDays(saturday, -1);
      const { personId } = await anOpenEpisode({ expectedReleaseDate: saturday });
      const read = async () =>
        ((await (await get(`/people/${personId}/episodes/1`)).json()) as EpisodeView).liberation;
      expect(await read()).toEqual({
        dueDate: saturday,
        liberationDate: friday,
        rule: {
          id: 'SCOTLAND_1993_S27_7',
          source: expect.stringMatching(/1993 s\.27\(7\), before its substitution by the 2023 Act s\.8/),
          url: 'https://www.legislation.gov.uk/ukpga/1993/9/section/27',
          unverified: null,
        },
        explanation: expect.stringContaining(
          `Saturday ${saturday} is a Saturday, Sunday or public holiday: s.27(7) as enacted brings the release forward to the last preceding day that is none of them, Friday ${friday}`,
        ),
        // s.26C: up to 2 working days earlier (the 180-day sentence is over 15 days).
        discretion: {
          earliest: addDays(friday, -2),
          source: expect.stringMatching(/s\.26C/),
          condition: expect.stringMatching(/re-integration/),
        },
        // s.8 would bring it to the Thursday: its commencement is unverified, so the answer says so.
        caveats: [
          expect.stringMatching(/local holidays/),
          expect.stringMatching(
            /^if s\.8 of the Bail and Release from Custody \(Scotland\) Act 2023 has commenced/,
          ),
        ],
      });
      // A Friday stands under the 1993 rule.
      expect((await changeDate(personId, { expectedReleaseDate: friday, reason: 'OTHER' })).status).toBe(201);
      expect(await read()).toMatchObject({ dueDate: friday, liberationDate: friday });
    });

    it('records the new date (201), keeps the history, and puts custody.release-date.changed on the bus', async () => {
      const { reception, personId } = await anOpenEpisode();
      const hdc = daysFromToday(20);
      // A date given at reception only is of no known type: none displayed as typed.
      const received = (await (await get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
      expect(received.displayedReleaseDate).toBeNull();

      const response = await changeDate(
        personId,
        { expectedReleaseDate: hdc, reason: 'HDC_APPROVED' },
        { 'x-correlation-id': 'spec-correlation-hdc' },
      );

      expect(response.status).toBe(201);
      const view = (await response.json()) as EpisodeView;
      expect(view).toMatchObject({
        personId,
        episode: 1,
        state: 'IN_CUSTODY',
        expectedReleaseDate: hdc,
        displayedReleaseDate: { type: 'HDCAD', date: hdc },
        reception: { expectedReleaseDate: reception.expectedReleaseDate },
        releaseDateChanges: [
          {
            previousExpectedReleaseDate: reception.expectedReleaseDate,
            expectedReleaseDate: hdc,
            reason: 'HDC_APPROVED',
            changedAt: expect.any(String),
            changedBy: await actorOf(),
          },
        ],
        gatePickups: [],
      });
      const events = await eventsOnBus('custody.release-date.changed', personId);
      expect(events).toHaveLength(1);
      const event = ReleaseDateChangedV1.parse(events[0]);
      expect(event).toMatchObject({
        correlationId: 'spec-correlation-hdc',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data: {
          episode: 1,
          expectedReleaseDate: hdc,
          previousExpectedReleaseDate: reception.expectedReleaseDate,
          reason: 'HDC_APPROVED',
          changedAt: view.releaseDateChanges[0]?.changedAt,
        },
      });

      // A second move chains from the first; the GET shows the current date.
      const parole = daysFromToday(10);
      expect((await changeDate(personId, { expectedReleaseDate: parole, reason: 'PAROLE' })).status).toBe(
        201,
      );
      const read = (await (await get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
      expect(read.expectedReleaseDate).toBe(parole);
      expect(read.displayedReleaseDate).toEqual({ type: 'APD', date: parole });
      expect(
        read.releaseDateChanges.map((c) => [c.previousExpectedReleaseDate, c.expectedReleaseDate]),
      ).toEqual([
        [reception.expectedReleaseDate, hdc],
        [hdc, parole],
      ]);
    });

    it('answers the current date again with 200 and no event; a key retry answers 200, a reused key 409', async () => {
      const { reception, personId } = await anOpenEpisode();
      const same = await changeDate(personId, {
        expectedReleaseDate: reception.expectedReleaseDate,
        reason: 'RECALCULATION',
      });
      expect(same.status).toBe(200);
      expect(((await same.json()) as EpisodeView).releaseDateChanges).toEqual([]);

      const key = `spec-${randomUUID()}`;
      const body = { expectedReleaseDate: daysFromToday(30), reason: 'EARLY_RELEASE' };
      const first = await changeDate(personId, body, { 'idempotency-key': key });
      const retry = await changeDate(personId, body, { 'idempotency-key': key });
      const again = await changeDate(personId, body);
      const reused = await changeDate(
        personId,
        { ...body, expectedReleaseDate: daysFromToday(31) },
        { 'idempotency-key': key },
      );

      expect([first.status, retry.status, again.status, reused.status]).toEqual([201, 200, 200, 422]);
      expect(await reused.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('expectedReleaseDate'),
      });
      expect(await outboxRows('custody.release-date.changed', personId)).toHaveLength(1);
      expect(await eventsOnBus('custody.release-date.changed', personId)).toHaveLength(1);
    });

    it('refuses a date before the reception or the sentence (422 naming expectedReleaseDate)', async () => {
      const { personId } = await anOpenEpisode();
      // Two days back: received an hour ago is yesterday between midnight and 1 am (seen in CI).
      const beforeReception = await changeDate(personId, {
        expectedReleaseDate: daysFromToday(-2),
        reason: 'RECALCULATION',
      });
      expect(beforeReception.status).toBe(422);
      expect(beforeReception.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await beforeReception.json()).toMatchObject({
        status: 422,
        code: 'RELEASE_DATE_BEFORE_RECEPTION',
        detail: expect.stringContaining('expectedReleaseDate'),
      });

      // Received on remand-like facts: sentenced (dated) after today.
      const later = await anOpenEpisode({
        sentenceDate: daysFromToday(5),
        expectedReleaseDate: daysFromToday(90),
      });
      const beforeSentence = await changeDate(later.personId, {
        expectedReleaseDate: daysFromToday(2),
        reason: 'OTHER',
      });
      expect(beforeSentence.status).toBe(422);
      expect(await beforeSentence.json()).toMatchObject({ code: 'RELEASE_DATE_BEFORE_SENTENCE' });
      expect(await outboxRows('custody.release-date.changed', personId)).toHaveLength(0);
    });

    it('answers 409 for a released episode, 404 for an unknown one, 400 naming the field for a bad body', async () => {
      const { personId } = await anOpenEpisode({ receivedAt: minutesAgo(120) });
      await post('/releases', {
        personId,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(5),
      });

      const released = await changeDate(personId, {
        expectedReleaseDate: daysFromToday(3),
        reason: 'PAROLE',
      });
      const unknown = await changeDate(
        personId,
        { expectedReleaseDate: daysFromToday(3), reason: 'PAROLE' },
        {},
        2,
      );
      const badBody = await changeDate(personId, { expectedReleaseDate: '03/04/2027', reason: 'BECAUSE' });
      const extra = await changeDate(personId, {
        expectedReleaseDate: daysFromToday(3),
        reason: 'PAROLE',
        releasedAt: minutesAgo(1),
      });

      expect(released.status).toBe(409);
      expect(await released.json()).toMatchObject({ code: 'EPISODE_ALREADY_RELEASED' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
      expect(badBody.status).toBe(400);
      expect(badBody.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await badBody.json()) as Problem;
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['expectedReleaseDate', 'reason']);
      expect(extra.status).toBe(400);
      expect(((await extra.json()) as Problem).errors?.length).toBeGreaterThan(0);
      expect(await outboxRows('custody.release-date.changed', personId)).toHaveLength(0);
    });
  });

  describe('bookGatePickup / cancelGatePickup activities (task queue "liberation")', () => {
    const runSteps = (steps: GatePickupStep[]) => runBookingSteps({ kind: 'gatePickup', steps });

    async function gatePickupRows(personId: string) {
      const rows: Array<{ id: string; cancelled_at: Date | null; cancellation_reason: string | null }> =
        await dataSource.query(
          'SELECT id, cancelled_at, cancellation_reason FROM liberation.gate_pickup WHERE person_id = $1',
          [personId],
        );
      return rows;
    }

    it('books once per key, cancels once whatever the retries, and refuses unknown bookings and bad input for good', async () => {
      const reception = aReception({
        sentenceDate: daysFromToday(-30),
        expectedReleaseDate: daysFromToday(60),
      });
      const personId = derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber);
      await post('/receptions', reception);
      const run = randomUUID();
      const booking = {
        idempotencyKey: `${run}:book`,
        personId,
        episode: 1,
        establishmentCode: 'BAR',
        liberationDate: daysFromToday(60),
        correlationId: `spec-${run}`,
      };

      const booked = await runSteps([
        { book: booking },
        { book: booking }, // a retry: same key
        { book: { ...booking, idempotencyKey: `${run}:book-missing`, episode: 9 } },
        {
          book: {
            ...booking,
            idempotencyKey: `${run}:book-bad`,
            personId: 'A1234BC',
            liberationDate: 'soon',
          },
        },
      ]);

      const [first, retry, missing, bad] = booked;
      expect(first).toEqual({ bookingId: expect.any(String) });
      expect(retry).toEqual(first);
      expect(missing).toEqual({ failureType: 'EPISODE_NOT_FOUND', nonRetryable: true });
      expect(bad).toEqual({ failureType: 'VALIDATION_FAILED', nonRetryable: true });
      const bookingId = (first as { bookingId: string }).bookingId;
      expect(await gatePickupRows(personId)).toEqual([
        { id: bookingId, cancelled_at: null, cancellation_reason: null },
      ]);
      const bookedEvents = await eventsOnBus('custody.gate-pickup.booked', personId);
      expect(bookedEvents).toHaveLength(1);
      expect(GatePickupBookedV1.parse(bookedEvents[0])).toMatchObject({
        correlationId: `spec-${run}`,
        personReference: {
          identifiers: expect.arrayContaining([{ type: 'THROUGHCARE_ID', value: personId }]),
        },
        data: { bookingId, episode: 1, establishmentCode: 'BAR', liberationDate: daysFromToday(60) },
      });

      const cancel = {
        idempotencyKey: `${run}:cancel`,
        bookingId,
        reason: 'release date moved (HDC_APPROVED)',
        correlationId: `spec-${run}`,
      };
      const cancelled = await runSteps([
        { cancel },
        { cancel }, // a retry: same key
        { cancel: { ...cancel, idempotencyKey: `${run}:cancel-again` } }, // already cancelled: a no-op
        { cancel: { ...cancel, idempotencyKey: `${run}:cancel-unknown`, bookingId: randomUUID() } },
      ]);

      expect(cancelled).toEqual([
        { cancelled: true },
        { cancelled: true },
        { cancelled: true },
        { failureType: 'GATE_PICKUP_NOT_FOUND', nonRetryable: true },
      ]);
      const cancelledEvents = await eventsOnBus('custody.gate-pickup.cancelled', personId);
      expect(cancelledEvents).toHaveLength(1);
      expect(GatePickupCancelledV1.parse(cancelledEvents[0]).data).toEqual({
        bookingId,
        episode: 1,
        reason: cancel.reason,
      });
      expect(await outboxRows('custody.gate-pickup.cancelled', personId)).toHaveLength(1);

      const view = (await (await get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
      expect(view.gatePickups).toEqual([
        {
          id: bookingId,
          establishmentCode: 'BAR',
          liberationDate: daysFromToday(60),
          bookedAt: expect.any(String),
          cancelledAt: expect.any(String),
          cancellationReason: cancel.reason,
        },
      ]);
    });
  });

  it('documents named examples for every request body (issue 10)', async () => {
    const bodies = requestBodyExamples(await (await get('/docs-json', 'nobody')).json());
    expect(bodies.length).toBeGreaterThan(3);
    expect(bodies.filter((b) => b.examples === 0)).toEqual([]);
  });

  it('serves OpenAPI from the zod schemas, and /health, without a token', async () => {
    const doc = (await (await get('/docs-json', 'nobody')).json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };

    const schema = doc.paths['/receptions']?.post?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).toEqual(
      expect.arrayContaining(['prisonNumber', 'establishmentCode', 'receivedAt', 'expectedReleaseDate']),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/releases',
        '/people/{personId}/episodes',
        '/people/{personId}/episodes/{episode}',
        '/people/{personId}/episodes/{episode}/release-date',
      ]),
    );
    // The lists' filters (issue 10) and the episode's displayed release date are documented.
    type Operation = {
      parameters?: Array<{ name: string; in: string; schema?: { enum?: string[] } }>;
      responses?: Record<string, { content?: Record<string, { schema?: unknown; example?: unknown }> }>;
    };
    const get200 = (path: string) => (doc.paths[path] as { get?: Operation } | undefined)?.get;
    const queryEnum = (path: string, name: string) =>
      get200(path)?.parameters?.find((p) => p.in === 'query' && p.name === name)?.schema?.enum;
    expect(queryEnum('/people/{personId}/episodes', 'state')).toEqual([
      'IN_CUSTODY',
      'RELEASED',
      'RECEIVED_IN_ERROR',
    ]);
    expect(queryEnum('/people/{personId}/episodes/{episode}/absences', 'status')).toEqual([
      'OUT',
      'RETURNED',
      'RELEASED',
      'TRANSFERRED',
      'REVERSED',
    ]);
    expect(queryEnum('/people/{personId}/episodes/{episode}/absences', 'kind')).toEqual(['ROTL', 'COURT']);
    expect(queryEnum('/release-point-replans', 'status')).toEqual([
      'DRY_RUN_RUNNING',
      'DRY_RUN_DONE',
      'APPLYING',
      'APPLIED',
      'FAILED',
    ]);
    expect(queryEnum('/release-point-replans', 'jurisdiction')).toEqual(['SCOTLAND', 'ENGLAND_AND_WALES']);
    expect(get200('/release-point-replans/{id}/uncalculated')?.parameters?.map((p) => p.name)).toContain(
      'establishmentCode',
    );
    const episode200 = get200('/people/{personId}/episodes/{episode}')?.responses?.['200']?.content?.[
      'application/json'
    ] as {
      schema?: { properties?: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
      example?: EpisodeView;
    };
    expect(episode200?.schema?.properties?.['displayedReleaseDate']?.properties?.['type']?.enum).toEqual([
      'CONFIRMED',
      'APD',
      'HDCAD',
      'EARLY_RELEASE',
      'OTHER',
      'PRRD',
      'CRD',
      'ARD',
    ]);
    expect(episode200?.example?.displayedReleaseDate).toEqual({ type: 'HDCAD', date: '2027-03-12' });
    expect(episode200?.schema?.properties?.['releaseDateSources']?.properties?.['recorded']).toBeDefined();
    // The recorded official dates (issue 10): paged list, examples of the body, every refusal's code.
    expect(
      get200('/people/{personId}/episodes/{episode}/recorded-dates')?.parameters?.map((p) => p.name),
    ).toEqual(expect.arrayContaining(['limit', 'cursor']));
    const recordDates = (
      doc.paths['/people/{personId}/episodes/{episode}/recorded-dates'] as {
        post?: {
          requestBody?: { content?: Record<string, { examples?: Record<string, unknown> }> };
          responses?: Record<string, { description?: string }>;
        };
      }
    ).post;
    expect(Object.keys(recordDates?.requestBody?.content?.['application/json']?.examples ?? {})).toHaveLength(
      4,
    );
    for (const code of ['RECORDED_DATES_OUT_OF_ORDER', 'RECORDED_DATES_IMPOSSIBLE', 'RECORDED_DATES_INVALID'])
      expect(recordDates?.responses?.['400']?.description).toContain(code);
    expect(recordDates?.responses?.['412']).toBeDefined();
    expect(recordDates?.responses?.['422']?.description).toContain('RELEASE_DUE_NOW');

    expect((await get('/docs', 'nobody')).status).toBe(200);
    expect(await (await get('/health', 'nobody')).json()).toMatchObject({ status: 'UP' });
  });
});
