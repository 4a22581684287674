import { randomUUID } from 'node:crypto';
import { CourtLiberationReversedV1, PersonReceivedV2 } from '@throughcare/contracts';
import type {
  CourtLiberationRecordedView,
  CourtLiberationReversedView,
  EpisodeView,
  ReceptionRecordedView,
} from './custody-episode.schemas';
import {
  actorOf,
  aLiberation,
  aReception,
  minutesAgo,
  openingReversals,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Problem,
} from './spec-support';

// The reversal of a liberation direct from court recorded in error: the episode is void, as a
// reception reversed leaves it (see reception-reversals.int.spec.ts for what the two share).

describe('liberation: POST /people/:personId/episodes/:episode/court-liberation-reversal', () => {
  const ctx = useLiberation();
  const json = async <T>(r: Response) => (await r.json()) as T;
  const { reverse, inError } = openingReversals(() => ctx.lib, 'court-liberation-reversal');
  async function liberated(overrides: Record<string, unknown> = {}) {
    const liberation = aLiberation({ releasedAt: minutesAgo(300), ...overrides });
    const answer = await ctx.lib.post('/court-liberations', liberation);
    expect(answer.status).toBe(201);
    const recorded = await json<CourtLiberationRecordedView>(answer);
    return { liberation, personId: recorded.personId, episode: recorded.episode };
  }
  const episodeView = async (personId: string, episode = 1) =>
    json<EpisodeView>(await ctx.lib.get(`/people/${personId}/episodes/${episode}`));
  /** The person's episodes, as [episode, origin, state]. */
  const episodeStates = async (personId: string) =>
    (await json<{ items: EpisodeView[] }>(await ctx.lib.get(`/people/${personId}/episodes`))).items.map(
      (e) => [e.episode, e.origin, e.state],
    );

  it('voids the episode (201), emits custody.court-liberation.reversed once, answers a retry with the first reversal (200) and a repeat with other facts 409', async () => {
    const { personId, liberation } = await liberated();
    const reversedAt = minutesAgo(30);
    const note = 'the court remanded him; keyed against the wrong case';
    const first = await reverse(personId, inError(reversedAt, note));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/people/${personId}/episodes/1`);
    const reversal = await json<CourtLiberationReversedView>(first);
    expect(reversal).toEqual({
      personId,
      episode: 1,
      state: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      eventId: expect.any(String),
      reversedAt,
      reversedBy: await actorOf(),
      reason: 'RECEIVED_IN_ERROR',
      note,
      // The reception reversal's answer: a liberation from court completes no HMPPS admission, so
      // always null (documented with the 201).
      admission: null,
      releasedAt: liberation.releasedAt,
      links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
    });

    // The same request again: the first reversal, no second event. Other facts are not a
    // correction: 409 COURT_LIBERATION_REVERSAL_CONFLICT naming each fact that differs.
    const again = await reverse(personId, inError(reversedAt, note));
    expect(again.status).toBe(200);
    expect(await json<CourtLiberationReversedView>(again)).toEqual(reversal);
    const conflicts = await Promise.all([
      reverse(personId, inError(minutesAgo(5), note)),
      reverse(personId, inError(reversedAt)),
    ]);
    expect(conflicts.map((r) => r.status)).toEqual([409, 409]);
    const problems = await Promise.all(conflicts.map((r) => json<Problem & { fields?: string[] }>(r)));
    expect(problems.map((p) => [p.code, p.fields])).toEqual([
      ['COURT_LIBERATION_REVERSAL_CONFLICT', ['reversedAt']],
      ['COURT_LIBERATION_REVERSAL_CONFLICT', ['note']],
    ]);
    expect(problems[0]!.detail).toMatch(/^the liberation from court of episode 1 .* was reversed already/);
    expect(JSON.stringify(problems)).not.toContain(note);

    // Void, its release kept as the fact undone; the reversal in its own member.
    expect(await episodeView(personId)).toMatchObject({
      state: 'RECEIVED_IN_ERROR',
      origin: 'COURT_LIBERATION',
      release: { releasedAt: liberation.releasedAt, establishmentCode: 'BAR' },
      receptionReversal: null,
      courtLiberationReversal: {
        eventId: reversal.eventId,
        reversedAt,
        reversedBy: reversal.reversedBy,
        reason: 'RECEIVED_IN_ERROR',
        note,
      },
    });

    expect(await ctx.lib.outboxRows('custody.court-liberation.reversed', personId)).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(0);
    const events = (await ctx.lib.eventsOnBus('custody.court-liberation.reversed', personId)).map((e) =>
      CourtLiberationReversedV1.parse(e),
    );
    expect(events.map((e) => e.eventId)).toEqual([reversal.eventId]);
    // Codes and instants only: the note stays in the service. releasedAt names the liberation undone.
    expect(events[0]!.data).toEqual({
      episode: 1,
      reversedAt,
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      releasedAt: liberation.releasedAt,
    });
    expect(events[0]!.personReference).toEqual({
      identifiers: [{ type: 'THROUGHCARE_ID', value: personId }],
    });
    expect(JSON.stringify(events[0])).not.toContain(note);
  });

  it("a release at a liberation's instant, with no episode named, is no retry of it: 404, void or not (HTTP fuzz, stop 38)", async () => {
    for (const reversed of [false, true]) {
      const { personId, liberation } = await liberated();
      if (reversed) expect((await reverse(personId, inError(minutesAgo(30)))).status).toBe(201);
      const release = await ctx.lib.post('/releases', {
        personId,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: liberation.releasedAt,
      });
      expect(release.status).toBe(404);
      expect((await json<Problem>(release)).code).toBe('EPISODE_NOT_FOUND');
    }
  });

  it('honours Idempotency-Key: a retry answers the first (200), the key reused with another body is 422', async () => {
    const { personId } = await liberated();
    const key = `spec-${randomUUID()}`;
    const body = inError(minutesAgo(20), 'duplicate liberation');
    const first = await reverse(personId, body, { 'idempotency-key': key });
    const retry = await reverse(personId, body, { 'idempotency-key': key });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect((await json<CourtLiberationReversedView>(retry)).eventId).toBe(
      (await json<CourtLiberationReversedView>(first)).eventId,
    );
    const reused = await reverse(personId, { ...body, note: 'another' }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(await json<Problem>(reused)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringMatching(/^the liberation from court reversal .* different note/),
    });
    // The same key for another person's liberation is reused too: nothing reversed there.
    const other = await liberated();
    const elsewhere = await reverse(other.personId, body, { 'idempotency-key': key });
    expect(elsewhere.status).toBe(422);
    expect((await episodeView(other.personId)).state).toBe('RELEASED');
    expect(await ctx.lib.outboxRows('custody.court-liberation.reversed', personId)).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.court-liberation.reversed', other.personId)).toHaveLength(0);
  });

  it('each reversal refuses the other kind of episode (409), pointing to the right one; not before the liberation (422); only the latest episode', async () => {
    // A reception: NOT_A_COURT_LIBERATION, naming the reception reversal.
    const reception = aReception({ receivedAt: minutesAgo(2000) });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const receivedId = personIdOf(reception.prisonNumber);
    const notLiberated = await reverse(receivedId, inError());
    expect(notLiberated.status).toBe(409);
    expect(notLiberated.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await json<Problem>(notLiberated)).toMatchObject({
      code: 'NOT_A_COURT_LIBERATION',
      detail: expect.stringContaining(`POST /people/${receivedId}/episodes/1/reception-reversal`),
    });
    expect((await episodeView(receivedId)).state).toBe('IN_CUSTODY');

    // A liberation from court: the reception reversal keeps answering NOT_A_RECEPTION, naming this one;
    // also once the liberation is void (never answered as a reception's reversal).
    const { personId, liberation } = await liberated();
    const notReceived = async () => {
      const answer = await ctx.lib.post(`/people/${personId}/episodes/1/reception-reversal`, inError());
      expect(answer.status).toBe(409);
      expect(await json<Problem>(answer)).toMatchObject({
        code: 'NOT_A_RECEPTION',
        detail: expect.stringContaining(`POST /people/${personId}/episodes/1/court-liberation-reversal`),
      });
    };
    await notReceived();

    // Not before the liberation it reverses.
    const early = await reverse(personId, inError(minutesAgo(400)));
    expect(early.status).toBe(422);
    expect(await json<Problem>(early)).toMatchObject({
      code: 'REVERSAL_BEFORE_LIBERATION',
      detail: expect.stringContaining(
        `before the liberation from court it reverses (${liberation.releasedAt})`,
      ),
    });

    // Only the latest episode: a reception after the liberation stands on it.
    const next = await ctx.lib.post('/receptions', {
      ...aReception({ prisonNumber: liberation.prisonNumber }),
      receivedAt: minutesAgo(200),
    });
    expect(next.status).toBe(201);
    const earlier = await reverse(personId, inError());
    expect(earlier.status).toBe(409);
    expect(await json<Problem>(earlier)).toMatchObject({
      code: 'LATER_EPISODE_STANDS',
      detail: expect.stringContaining("only the latest episode's liberation from court can be reversed"),
    });
    // That reception reversed (void), the liberation before it can be reversed in turn.
    expect(
      (await ctx.lib.post(`/people/${personId}/episodes/2/reception-reversal`, inError(minutesAgo(100))))
        .status,
    ).toBe(201);
    expect((await reverse(personId, inError(minutesAgo(50)))).status).toBe(201);
    await notReceived();
    expect(await episodeStates(personId)).toEqual([
      [1, 'COURT_LIBERATION', 'RECEIVED_IN_ERROR'],
      [2, 'RECEPTION', 'RECEIVED_IN_ERROR'],
    ]);
  });

  it("answers another prison's staff as if the episode did not exist (404), and refuses bad input", async () => {
    const { personId } = await liberated();
    const elsewhere = await reverse(personId, inError(), {}, 1, prisonStaff('GMR'));
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ status: 404, code: 'EPISODE_NOT_FOUND' });
    expect((await reverse(personId, inError(), {}, 2)).status).toBe(404);

    const badBody = await reverse(personId, { reversedAt: 'yesterday', reason: 'OOPS', note: '' });
    expect(badBody.status).toBe(400);
    expect((await json<Problem>(badBody)).errors?.map((e) => e.field).sort()).toEqual([
      'note',
      'reason',
      'reversedAt',
    ]);
    expect((await reverse(personId, inError(new Date(Date.now() + 3_600_000).toISOString()))).status).toBe(
      400,
    );
    expect((await episodeView(personId)).state).toBe('RELEASED');
    expect(await ctx.lib.outboxRows('custody.court-liberation.reversed', personId)).toHaveLength(0);
  });

  it('after voiding, the liberation sent again is 409 COURT_LIBERATION_REVERSED; a reception at its instant, or another liberation, opens the next episode', async () => {
    const key = `spec-${randomUUID()}`;
    const liberation = aLiberation({ releasedAt: minutesAgo(300) });
    expect((await ctx.lib.post('/court-liberations', liberation, { 'idempotency-key': key })).status).toBe(
      201,
    );
    const personId = personIdOf(liberation.prisonNumber);
    expect((await reverse(personId, inError(minutesAgo(200)))).status).toBe(201);

    // The liberation reversed, sent again (with its key or without, or with other facts at its
    // instant), is not answered as if it stood, nor recorded again: a blind retry would undo the reversal.
    for (const [body, headers] of [
      [liberation, {}],
      [liberation, { 'idempotency-key': key }],
      [{ ...liberation, legalStatus: 'SENTENCED' }, {}],
    ] as Array<[unknown, Record<string, string>]>) {
      const same = await ctx.lib.post('/court-liberations', body, headers);
      expect(same.status).toBe(409);
      expect(await json<Problem>(same)).toMatchObject({
        code: 'COURT_LIBERATION_REVERSED',
        detail: expect.stringContaining('record a new liberation with a new releasedAt'),
      });
    }
    // A void episode takes nothing more: its release cannot be reversed or recorded again.
    const release = await ctx.lib.post('/releases', {
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(100),
    });
    expect(release.status).toBe(409);
    expect(await json<Problem>(release)).toMatchObject({
      code: 'EPISODE_RECEIVED_IN_ERROR',
      detail: expect.stringMatching(
        /^the liberation from court of episode 1 .* was reversed as recorded in error/,
      ),
    });

    // The person was in fact remanded: received at the liberation's own instant, episode 2.
    const remanded = await ctx.lib.post('/receptions', {
      ...aReception({ prisonNumber: liberation.prisonNumber }),
      receivedAt: liberation.releasedAt,
    });
    expect(remanded.status).toBe(201);
    expect(await json<ReceptionRecordedView>(remanded)).toMatchObject({ personId, episode: 2 });
    // Not a return to custody: no episode before it was released (the void one never was).
    const [received] = (await ctx.lib.eventsOnBus('custody.person.received', personId)).map((e) =>
      PersonReceivedV2.parse(e),
    );
    expect(received?.data).toMatchObject({ episode: 2 });
    expect(received?.data.previousEpisode).toBeUndefined();
    expect(
      (
        await ctx.lib.post('/releases', {
          personId,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: minutesAgo(60),
        })
      ).status,
    ).toBe(201);
    // A later liberation from court, at another instant, opens episode 3.
    const later = await ctx.lib.post('/court-liberations', { ...liberation, releasedAt: minutesAgo(20) });
    expect(later.status).toBe(201);
    expect(await json<CourtLiberationRecordedView>(later)).toMatchObject({ episode: 3 });
    expect(await episodeStates(personId)).toEqual([
      [1, 'COURT_LIBERATION', 'RECEIVED_IN_ERROR'],
      [2, 'RECEPTION', 'RELEASED'],
      [3, 'COURT_LIBERATION', 'RELEASED'],
    ]);
    expect(await ctx.lib.outboxRows('custody.person.liberated-from-court', personId)).toHaveLength(2);
  });

  it('a return to custody after a void liberation follows the released episode before it (previousEpisode)', async () => {
    const reception = aReception({ receivedAt: minutesAgo(3000) });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const personId = personIdOf(reception.prisonNumber);
    expect(
      (
        await ctx.lib.post('/releases', {
          personId,
          episode: 1,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: minutesAgo(2500),
        })
      ).status,
    ).toBe(201);
    const wrong = await ctx.lib.post(
      '/court-liberations',
      aLiberation({ prisonNumber: reception.prisonNumber, releasedAt: minutesAgo(2000) }),
    );
    expect(wrong.status).toBe(201);
    expect((await reverse(personId, inError(minutesAgo(1900)), {}, 2)).status).toBe(201);

    const recall = await ctx.lib.post('/receptions', {
      ...reception,
      receivedAt: minutesAgo(1000),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
    });
    expect(recall.status).toBe(201);
    expect(await json<ReceptionRecordedView>(recall)).toMatchObject({ episode: 3 });
    const events = (await ctx.lib.eventsOnBus('custody.person.received', personId)).map((e) =>
      PersonReceivedV2.parse(e),
    );
    expect(events.map((e) => [e.data.episode, e.data.previousEpisode])).toEqual([
      [1, undefined],
      [3, 1],
    ]);
  });
});
