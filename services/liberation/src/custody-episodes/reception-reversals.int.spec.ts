import { randomUUID } from 'node:crypto';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { PersonReceivedV2, ReceptionReversedV1 } from '@throughcare/contracts';
import type {
  EpisodeView,
  ReceptionRecordedView,
  ReceptionReversedView,
  TransferRecordedView,
} from './custody-episode.schemas';
import type { AbsenceView } from './temporary-absence.schemas';
import type { PendingReceptionView } from './pending-reception.schemas';
import { PendingReceptionsService } from './pending-receptions.service';
import { ReceptionReversalService } from './reception-reversal.service';
import {
  actorOf,
  aReception,
  daysFromToday,
  minutesAgo,
  openingReversals,
  personIdOf,
  prisonStaff,
  runBookingSteps as runSteps,
  useLiberation,
  type Problem,
} from './spec-support';

// The reversal of a reception recorded in error ("admission in error"): the episode is void.

describe('liberation: POST /people/:personId/episodes/:episode/reception-reversal', () => {
  const ctx = useLiberation();
  const json = async <T>(r: Response) => (await r.json()) as T;
  const { reverse, inError } = openingReversals(() => ctx.lib, 'reception-reversal');
  async function received(overrides: Record<string, unknown> = {}) {
    const reception = aReception({ receivedAt: minutesAgo(2000), ...overrides });
    const answer = await ctx.lib.post('/receptions', reception);
    expect(answer.status).toBe(201);
    return { reception, personId: personIdOf(reception.prisonNumber) };
  }
  const episodeView = async (personId: string, episode = 1) =>
    json<EpisodeView>(await ctx.lib.get(`/people/${personId}/episodes/${episode}`));
  /** The person's episodes, as [episode, state]. */
  const episodeStates = async (personId: string) =>
    (await json<{ items: EpisodeView[] }>(await ctx.lib.get(`/people/${personId}/episodes`))).items.map(
      (e) => [e.episode, e.state],
    );
  /** A person received (episode 1) and released from it, with the release's event id. */
  async function released1() {
    const { reception, personId } = await received();
    const release = await ctx.lib.post('/releases', {
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(1000),
    });
    expect(release.status).toBe(201);
    const { eventId: releaseEventId } = await json<{ eventId: string }>(release);
    return { reception, personId, releaseEventId };
  }

  it('voids the episode (201), emits custody.reception.reversed once, answers a retry with the first reversal (200) and a repeat with other facts 409', async () => {
    const { personId, reception } = await received();
    const reversedAt = minutesAgo(30);
    const note = 'keyed against the wrong prison number';
    const first = await reverse(personId, inError(reversedAt, note));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/people/${personId}/episodes/1`);
    const reversal = await json<ReceptionReversedView>(first);
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
      // Its reception completed no HMPPS admission: nothing to decide.
      admission: null,
      links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
    });

    // The same request again: the first reversal, no second event. Other facts are not a
    // correction: 409 RECEPTION_REVERSAL_CONFLICT naming each fact that differs (never its value).
    const again = await reverse(personId, inError(reversedAt, note));
    expect(again.status).toBe(200);
    expect(await json<ReceptionReversedView>(again)).toEqual(reversal);
    const conflicts = await Promise.all([
      reverse(personId, inError(minutesAgo(5), note)),
      reverse(personId, inError(reversedAt, 'another note')),
      reverse(personId, inError(minutesAgo(5))),
    ]);
    expect(conflicts.map((r) => r.status)).toEqual([409, 409, 409]);
    const problems = await Promise.all(conflicts.map((r) => json<Problem & { fields?: string[] }>(r)));
    expect(problems.map((p) => [p.code, p.fields])).toEqual([
      ['RECEPTION_REVERSAL_CONFLICT', ['reversedAt']],
      ['RECEPTION_REVERSAL_CONFLICT', ['note']],
      ['RECEPTION_REVERSAL_CONFLICT', ['reversedAt', 'note']],
    ]);
    expect(problems[2]!.detail).toContain('different reversedAt, note');
    expect(JSON.stringify(problems)).not.toContain(note);

    const view = await episodeView(personId);
    expect(view).toMatchObject({
      state: 'RECEIVED_IN_ERROR',
      liberation: null,
      release: null,
      receptionReversal: {
        eventId: reversal.eventId,
        reversedAt,
        reversedBy: reversal.reversedBy,
        reason: 'RECEIVED_IN_ERROR',
        note,
      },
    });

    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(1);
    const events = (await ctx.lib.eventsOnBus('custody.reception.reversed', personId)).map((e) =>
      ReceptionReversedV1.parse(e),
    );
    expect(events.map((e) => e.eventId)).toEqual([reversal.eventId]);
    // Codes and instants only: the note stays in the service. receivedAt names the reception undone.
    expect(events[0]!.data).toEqual({
      episode: 1,
      reversedAt,
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      receivedAt: reception.receivedAt,
    });
    expect(JSON.stringify(events[0])).not.toContain(note);
  });

  it('a void episode is no longer in custody: nothing more is recorded against it', async () => {
    const { personId } = await received();
    expect((await reverse(personId, inError(minutesAgo(100)))).status).toBe(201);

    const refusals = await Promise.all([
      ctx.lib.post(`/people/${personId}/episodes/1/transfers`, {
        toEstablishmentCode: 'LEI',
        transferredAt: minutesAgo(50),
      }),
      ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
        expectedReleaseDate: aReception().expectedReleaseDate,
        reason: 'RECALCULATION',
      }),
      ctx.lib.post(`/people/${personId}/episodes/1/absences`, { kind: 'COURT', leftAt: minutesAgo(50) }),
      ctx.lib.post('/releases', {
        personId,
        episode: 1,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(40),
      }),
    ]);
    expect(refusals.map((r) => r.status)).toEqual([409, 409, 409, 409]);
    for (const r of refusals) expect((await json<Problem>(r)).code).toBe('EPISODE_RECEIVED_IN_ERROR');
    // A release naming no episode finds no open one.
    const release = await ctx.lib.post('/releases', {
      personId,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(40),
    });
    expect(release.status).toBe(404);
    expect((await json<Problem>(release)).code).toBe('EPISODE_NOT_FOUND');
  });

  it('a void episode takes no gate pick-up, meeting or meeting held (409 EPISODE_RECEIVED_IN_ERROR, final for the journey); what was booked before answers its key and can be cancelled', async () => {
    const { personId } = await received();
    const run = randomUUID();
    const gate = {
      idempotencyKey: `${run}:gate`,
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      liberationDate: daysFromToday(60),
      correlationId: `spec-${run}`,
    };
    const visit = {
      idempotencyKey: `${run}:visit`,
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      kind: 'CJSW_VISIT' as const,
      date: daysFromToday(10),
      correlationId: `spec-${run}`,
    };
    const [gateBooked] = await runSteps({ kind: 'gatePickup', steps: [{ book: gate }] });
    const [visitBooked] = await runSteps({ kind: 'meeting', steps: [{ book: visit }] });
    expect(gateBooked).toEqual({ bookingId: expect.any(String) });
    expect(visitBooked).toEqual({ bookingId: expect.any(String) });
    const { bookingId: gateId } = gateBooked as { bookingId: string };
    const { bookingId: visitId } = visitBooked as { bookingId: string };
    expect((await reverse(personId, inError(minutesAgo(100)))).status).toBe(201);

    const voided = { failureType: 'EPISODE_RECEIVED_IN_ERROR', nonRetryable: true };
    const cancel = (bookingId: string) => ({
      idempotencyKey: `${run}:cancel:${bookingId}`,
      bookingId,
      reason: 'case closed: RECEIVED_IN_ERROR',
      correlationId: `spec-${run}`,
    });
    // The retry of a booking made before answers it (the journey's closure must learn it to cancel
    // it); a new booking is refused for good; the cancellation (the compensation) goes through.
    expect(
      await runSteps({
        kind: 'gatePickup',
        steps: [
          { book: gate },
          { book: { ...gate, idempotencyKey: `${run}:gate-after` } },
          { cancel: cancel(gateId) },
        ],
      }),
    ).toEqual([gateBooked, voided, { cancelled: true }]);

    // A meeting held on a void episode: refused before any replay.
    const held = await ctx.lib.post(`/meetings/${visitId}/held`, { heldAt: minutesAgo(50) });
    expect(held.status).toBe(409);
    expect(await json<Problem>(held)).toMatchObject({ code: 'EPISODE_RECEIVED_IN_ERROR' });
    expect(
      await runSteps({
        kind: 'meeting',
        steps: [
          { book: visit },
          { book: { ...visit, idempotencyKey: `${run}:visit-after`, kind: 'PRE_RELEASE_MEETING' } },
          { cancel: cancel(visitId) },
        ],
      }),
    ).toEqual([visitBooked, voided, { outcome: 'CANCELLED' }]);
    expect(await ctx.lib.outboxRows('custody.meeting.held', personId)).toHaveLength(0);
    expect(await ctx.lib.outboxRows('custody.meeting.booked', personId)).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.gate-pickup.booked', personId)).toHaveLength(1);
  });

  it('honours Idempotency-Key: a retry answers the first (200), the key reused with another body is 422', async () => {
    const { personId } = await received();
    const key = `spec-${randomUUID()}`;
    const body = inError(minutesAgo(20), 'duplicate admission');
    const first = await reverse(personId, body, { 'idempotency-key': key });
    const retry = await reverse(personId, body, { 'idempotency-key': key });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect((await json<ReceptionReversedView>(retry)).eventId).toBe(
      (await json<ReceptionReversedView>(first)).eventId,
    );
    const reused = await reverse(
      personId,
      { ...body, reversedAt: minutesAgo(15) },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(422);
    expect(await json<Problem>(reused)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringContaining('reversedAt'),
    });
    // The same key for another person's reception is reused too.
    const other = await received();
    const elsewhere = await reverse(other.personId, body, { 'idempotency-key': key });
    expect(elsewhere.status).toBe(422);
    expect((await json<Problem>(elsewhere)).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await episodeView(other.personId)).state).toBe('IN_CUSTODY');
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.reception.reversed', other.personId)).toHaveLength(0);
  });

  it('refuses while a transfer, a release or an absence stands (409 naming what to reverse first), then reverses', async () => {
    // A standing transfer: reverse it first.
    const moved = await received();
    const transfer = await json<TransferRecordedView>(
      await ctx.lib.post(`/people/${moved.personId}/episodes/1/transfers`, {
        toEstablishmentCode: 'LEI',
        transferredAt: minutesAgo(1500),
      }),
    );
    const whileTransferred = await reverse(moved.personId, inError());
    expect(whileTransferred.status).toBe(409);
    expect(whileTransferred.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await whileTransferred.json()).toMatchObject({
      code: 'REVERSE_TRANSFER_FIRST',
      reverseFirst: { eventId: transfer.eventId },
      detail: expect.stringContaining(transfer.eventId),
    });
    expect(
      (await ctx.lib.post(`/movements/${transfer.eventId}/reversal`, { reversedAt: minutesAgo(20) })).status,
    ).toBe(201);
    // Not dated before what was recorded on the episode, its reversals included (the journey
    // closes at reversedAt): 422 naming reversedAt and the latest instant.
    const tooEarly = await reverse(moved.personId, inError(minutesAgo(1600)));
    expect(tooEarly.status).toBe(422);
    expect(await json<Problem>(tooEarly)).toMatchObject({
      code: 'REVERSAL_BEFORE_LATEST_MOVEMENT',
      detail: expect.stringMatching(/^reversedAt .* \(\d{4}-.*Z\)/),
    });
    expect((await reverse(moved.personId, inError(minutesAgo(25)))).status).toBe(422);
    expect((await reverse(moved.personId, inError(minutesAgo(10)))).status).toBe(201);
    // The transfer's reversal replayed afterwards says what the episode is now: void.
    const replayed = await ctx.lib.post(`/movements/${transfer.eventId}/reversal`, {
      reversedAt: minutesAgo(20),
    });
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toMatchObject({ state: 'RECEIVED_IN_ERROR', establishmentCode: 'BAR' });

    // A standing release: reverse it first.
    const released = await received();
    const release = await json<{ eventId: string }>(
      await ctx.lib.post('/releases', {
        personId: released.personId,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(1000),
      }),
    );
    const whileReleased = await reverse(released.personId, inError());
    expect(whileReleased.status).toBe(409);
    expect(await whileReleased.json()).toMatchObject({
      code: 'REVERSE_RELEASE_FIRST',
      reverseFirst: { eventId: release.eventId },
    });

    // An open absence, and one returned from: reverse it first (return, then departure).
    const out = await received();
    const absence = await json<AbsenceView>(
      await ctx.lib.post(`/people/${out.personId}/episodes/1/absences`, {
        kind: 'COURT',
        leftAt: minutesAgo(1800),
      }),
    );
    const whileOut = await reverse(out.personId, inError());
    expect(whileOut.status).toBe(409);
    expect(await whileOut.json()).toMatchObject({
      code: 'REVERSE_ABSENCE_FIRST',
      reverseFirst: { absenceId: absence.absenceId },
    });
    const absencePath = `/people/${out.personId}/episodes/1/absences/${absence.absenceId}`;
    expect((await ctx.lib.post(`${absencePath}/return`, { returnedAt: minutesAgo(1700) })).status).toBe(201);
    const afterReturn = await reverse(out.personId, inError());
    expect(afterReturn.status).toBe(409);
    expect((await json<Problem>(afterReturn)).code).toBe('REVERSE_ABSENCE_FIRST');
    for (const part of ['RETURN', 'DEPARTURE'])
      expect(
        (await ctx.lib.post(`${absencePath}/reversal`, { part, reversedAt: minutesAgo(30) })).status,
      ).toBe(201);
    const beforeAbsenceReversal = await reverse(out.personId, inError(minutesAgo(40)));
    expect(beforeAbsenceReversal.status).toBe(422);
    expect((await json<Problem>(beforeAbsenceReversal)).code).toBe('REVERSAL_BEFORE_LATEST_MOVEMENT');
    expect((await reverse(out.personId, inError())).status).toBe(201);

    // Only the latest episode: an earlier one is refused while a later one stands.
    const back = await ctx.lib.post('/receptions', {
      ...released.reception,
      receivedAt: minutesAgo(900),
      returnToCustody: { reason: 'NEW_SENTENCE' },
    });
    expect(back.status).toBe(201);
    const earlier = await reverse(released.personId, inError());
    expect(earlier.status).toBe(409);
    expect((await json<Problem>(earlier)).code).toBe('LATER_EPISODE_STANDS');
    expect(await ctx.lib.outboxRows('custody.reception.reversed', released.personId)).toHaveLength(0);
  });

  it("answers another prison's staff as if the episode did not exist (404), and refuses bad input", async () => {
    const { personId } = await received();
    const elsewhere = await reverse(personId, inError(), {}, 1, prisonStaff('GMR'));
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ status: 404, code: 'EPISODE_NOT_FOUND' });
    expect((await reverse(personId, inError(), {}, 2)).status).toBe(404);

    const early = await reverse(personId, inError(minutesAgo(3000)));
    expect(early.status).toBe(422);
    expect(await early.json()).toMatchObject({
      code: 'REVERSAL_BEFORE_RECEPTION',
      detail: expect.stringContaining('reversedAt'),
    });

    const badBody = await reverse(personId, {
      reversedAt: 'yesterday',
      reason: 'OOPS',
      note: 'x'.repeat(1001),
    });
    expect(badBody.status).toBe(400);
    expect(((await badBody.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      'note',
      'reason',
      'reversedAt',
    ]);
    const future = await reverse(personId, inError(new Date(Date.now() + 3_600_000).toISOString()));
    expect(future.status).toBe(400);
    const badPath = await ctx.lib.post('/people/nobody/episodes/0/reception-reversal', inError());
    expect(badPath.status).toBe(400);
    expect(((await badPath.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      'episode',
      'personId',
    ]);
    expect((await episodeView(personId)).state).toBe('IN_CUSTODY');
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(0);
  });

  it('after voiding, a new reception of the same prison number opens the next episode; the void one is never open', async () => {
    const key = `spec-${randomUUID()}`;
    const reception = aReception({ receivedAt: minutesAgo(2000) });
    expect((await ctx.lib.post('/receptions', reception, { 'idempotency-key': key })).status).toBe(201);
    const personId = personIdOf(reception.prisonNumber);
    expect((await reverse(personId, inError(minutesAgo(60)))).status).toBe(201);

    // The reception reversed, sent again, with its Idempotency-Key or without, is not answered as
    // if it stood.
    for (const headers of [{}, { 'idempotency-key': key }] as Array<Record<string, string>>) {
      const same = await ctx.lib.post('/receptions', reception, headers);
      expect(same.status).toBe(409);
      expect((await json<Problem>(same)).code).toBe('RECEPTION_REVERSED');
    }
    // No episode before it was released: this is no return to custody.
    const asReturn = await ctx.lib.post('/receptions', {
      ...reception,
      receivedAt: minutesAgo(50),
      returnToCustody: { reason: 'NEW_SENTENCE' },
    });
    expect(asReturn.status).toBe(409);
    expect((await json<Problem>(asReturn)).code).toBe('NOT_A_RETURN_TO_CUSTODY');

    const next = await ctx.lib.post('/receptions', { ...reception, receivedAt: minutesAgo(40) });
    expect(next.status).toBe(201);
    expect(await json<ReceptionRecordedView>(next)).toMatchObject({ personId, episode: 2 });
    expect(await episodeStates(personId)).toEqual([
      [1, 'RECEIVED_IN_ERROR'],
      [2, 'IN_CUSTODY'],
    ]);
    // A release without an episode number finds the open one, episode 2.
    const release = await ctx.lib.post('/releases', {
      personId,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(20),
    });
    expect(release.status).toBe(201);
    expect(await release.json()).toMatchObject({ episode: 2 });
  });

  /** An HMPPS admission at Leeds kept pending, then completed by staff: episode 1. */
  async function completedAdmission(alsoPendingMinutesLater?: number) {
    const prisonNumber = aReception().prisonNumber;
    const personId = personIdOf(prisonNumber);
    const receivedAt = new Date(minutesAgo(2000));
    const admitted = (at: Date) =>
      ctx.lib.app.get(PendingReceptionsService).recordFromHmpps({
        hmppsEventId: randomUUID(),
        personId,
        prisonNumber,
        establishmentCode: 'LEI',
        reason: 'ADMISSION',
        receivedAt: at,
        correlationId: `spec-${randomUUID()}`,
      });
    await admitted(receivedAt);
    // A second admission of the person at the same prison within the day: completed with it.
    if (alsoPendingMinutesLater !== undefined)
      await admitted(new Date(receivedAt.getTime() + alsoPendingMinutesLater * 60_000));
    const [pending] = (
      await json<{ items: PendingReceptionView[] }>(
        await ctx.lib.get('/receptions/pending?establishmentCode=LEI&limit=100'),
      )
    ).items.filter((p) => p.personId === personId);
    const completion = `/receptions/pending/${pending!.id}/completion`;
    const facts = {
      homeLocalAuthority: 'E08000035',
      sentenceDate: daysFromToday(-10),
      sentenceLengthDays: 365,
      expectedReleaseDate: daysFromToday(170),
    };
    // Completed as a client does: with the ETag it read (the admission as announced).
    const firstTag = pending!.etag;
    expect(firstTag).toBe('"pending-reception-v1"');
    const first = await ctx.lib.post(completion, facts, { 'if-match': firstTag });
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe(firstTag);
    expect(await json<PendingReceptionView>(first)).toMatchObject({
      status: 'COMPLETED',
      episode: 1,
      reopenedAfterEpisode: null,
    });
    return { prisonNumber, personId, receivedAt, pendingId: pending!.id, completion, facts, firstTag };
  }
  const pendingView = async (id: string) =>
    json<PendingReceptionView>(await ctx.lib.get(`/receptions/pending/${id}`));

  it('a reversed reception that completed an HMPPS admission must say what the admission was (422 ADMISSION_DECISION_REQUIRED naming admission); one that completed none must not (422)', async () => {
    const { personId, pendingId } = await completedAdmission();
    const undecided = await reverse(personId, inError(minutesAgo(100)));
    expect(undecided.status).toBe(422);
    expect(await json<Problem & { fields?: string[] }>(undecided)).toMatchObject({
      code: 'ADMISSION_DECISION_REQUIRED',
      fields: ['admission'],
      detail: expect.stringContaining('TO_RECEIVE_AGAIN'),
    });
    // Nothing changed: the episode stands, the admission is still completed by it.
    expect((await episodeView(personId)).state).toBe('IN_CUSTODY');
    expect(await pendingView(pendingId)).toMatchObject({ status: 'COMPLETED', episode: 1 });
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(0);
    // Not a value the API knows: 400 naming it.
    const unknown = await reverse(personId, { ...inError(minutesAgo(100)), admission: 'MAYBE' });
    expect(unknown.status).toBe(400);
    expect((await json<Problem>(unknown)).errors?.map((e) => e.field)).toEqual(['admission']);

    // A reception by hand completed no admission: a decision about one is refused, not ignored.
    const { personId: byHand } = await received();
    const needless = await reverse(byHand, { ...inError(minutesAgo(100)), admission: 'IN_ERROR' });
    expect(needless.status).toBe(422);
    expect(await json<Problem & { fields?: string[] }>(needless)).toMatchObject({
      code: 'ADMISSION_DECISION_NOT_APPLICABLE',
      fields: ['admission'],
    });
    expect((await episodeView(byHand)).state).toBe('IN_CUSTODY');
    const plain = await reverse(byHand, inError(minutesAgo(100)));
    expect(plain.status).toBe(201);
    expect((await json<ReceptionReversedView>(plain)).admission).toBeNull();
  });

  it("an upstream system's reversal (the bus: no decision) of a reception that completed an HMPPS admission is applied as TO_RECEIVE_AGAIN, never refused: the bridge closes the journey on the same event (review of stop 39, S2)", async () => {
    const { personId, pendingId } = await completedAdmission();
    const eventId = randomUUID();
    // As the upstream consumer applies it: the platform's own work, unrestricted by establishment.
    const outcome = await runUnrestricted(() =>
      ctx.lib.app.get(ReceptionReversalService).reverse(
        personId,
        1,
        { reversedAt: minutesAgo(100), reason: 'RECEIVED_IN_ERROR' },
        {
          actor: 'bus:upstream',
          scope: 'unrestricted',
          correlationId: `spec-${randomUUID()}`,
          idempotencyKey: `bus:${eventId}`,
          fromBus: { eventId, episode: 1 },
        },
      ),
    );
    expect(outcome.reversal).toMatchObject({ state: 'RECEIVED_IN_ERROR', admission: 'TO_RECEIVE_AGAIN' });
    // Back on the prison's list, to complete again or dismiss.
    expect(await pendingView(pendingId)).toMatchObject({ status: 'PENDING' });
  });

  it('a reception that completed two HMPPS admissions cannot be reversed IN_ERROR (422 ADMISSION_DECISION_AMBIGUOUS: it would void both); TO_RECEIVE_AGAIN reopens both (review of stop 39, M5)', async () => {
    const { personId } = await completedAdmission(60);
    const ofPerson = async () =>
      (
        await json<{ items: PendingReceptionView[] }>(
          await ctx.lib.get('/receptions/pending?establishmentCode=LEI&status=COMPLETED&limit=100'),
        )
      ).items.filter((p) => p.personId === personId);
    expect((await ofPerson()).map((p) => p.episode)).toEqual([1, 1]);
    const ambiguous = await reverse(personId, { ...inError(minutesAgo(100)), admission: 'IN_ERROR' });
    expect(ambiguous.status).toBe(422);
    expect(await json<Problem & { fields?: string[] }>(ambiguous)).toMatchObject({
      code: 'ADMISSION_DECISION_AMBIGUOUS',
      fields: ['admission'],
      detail: expect.stringContaining('completed 2 HMPPS admissions'),
    });
    expect((await episodeView(personId)).state).toBe('IN_CUSTODY');
    const reopened = await reverse(personId, { ...inError(minutesAgo(100)), admission: 'TO_RECEIVE_AGAIN' });
    expect(reopened.status).toBe(201);
    expect(await ofPerson()).toEqual([]);
    const pending = (
      await json<{ items: PendingReceptionView[] }>(
        await ctx.lib.get('/receptions/pending?establishmentCode=LEI&limit=100'),
      )
    ).items.filter((p) => p.personId === personId);
    expect(pending.map((p) => [p.status, p.reopenedAfterEpisode])).toEqual([
      ['PENDING', 1],
      ['PENDING', 1],
    ]);
  });

  it('admission IN_ERROR: the admission is void, nothing completes from it (its completion, a retry of it, a dismissal, a reception near it); the decision is kept and a repeat with another is refused', async () => {
    const { personId, pendingId, completion, facts, prisonNumber, receivedAt } = await completedAdmission();
    const completed = await pendingView(pendingId);
    const key = `spec-${randomUUID()}`;
    const body = { ...inError(minutesAgo(100)), admission: 'IN_ERROR' };
    const first = await reverse(personId, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const reversal = await json<ReceptionReversedView>(first);
    expect(reversal).toMatchObject({ state: 'RECEIVED_IN_ERROR', admission: 'IN_ERROR' });
    expect((await episodeView(personId)).receptionReversal).toMatchObject({ admission: 'IN_ERROR' });
    // Closed as void, keeping the void episode and who completed it, voided by who reversed it
    // (review of stop 39, N7); off the list to do.
    expect(await pendingView(pendingId)).toMatchObject({
      status: 'VOID',
      episode: 1,
      links: { self: `/people/${personId}/episodes/1` },
      resolvedBy: completed.resolvedBy,
      resolvedAt: completed.resolvedAt,
      voidedBy: reversal.reversedBy,
      voidedAt: expect.any(String),
      reopenedAfterEpisode: null,
    });
    const listOf = async (status: string) =>
      (
        await json<{ items: PendingReceptionView[] }>(
          await ctx.lib.get(`/receptions/pending?establishmentCode=LEI&status=${status}&limit=100`),
        )
      ).items.map((p) => p.id);
    expect(await listOf('PENDING')).not.toContain(pendingId);
    expect(await listOf('VOID')).toContain(pendingId);

    // The Idempotency-Key's retry answers the first; the key with another decision is reused (422);
    // a repeat without it, with another decision (or none), is a conflict naming admission (409).
    const retry = await reverse(personId, body, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(await json<ReceptionReversedView>(retry)).toEqual(reversal);
    const reused = await reverse(
      personId,
      { ...body, admission: 'TO_RECEIVE_AGAIN' },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(422);
    expect(await json<Problem>(reused)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringContaining('admission'),
    });
    const { admission: _admission, ...undecided } = body;
    const repeats = await Promise.all([
      reverse(personId, { ...body, admission: 'TO_RECEIVE_AGAIN' }),
      reverse(personId, undecided),
    ]);
    expect(repeats.map((r) => r.status)).toEqual([409, 409]);
    const problems = await Promise.all(repeats.map((r) => json<Problem & { fields?: string[] }>(r)));
    expect(problems.map((p) => [p.code, p.fields])).toEqual([
      ['RECEPTION_REVERSAL_CONFLICT', ['admission']],
      ['RECEPTION_REVERSAL_CONFLICT', ['admission']],
    ]);
    expect(await pendingView(pendingId)).toMatchObject({ status: 'VOID' });

    // A stale completion (its first completion sent again) opens nothing; nor is it dismissed.
    const stale = await ctx.lib.post(completion, facts);
    expect(stale.status).toBe(409);
    expect(await json<Problem>(stale)).toMatchObject({
      code: 'PENDING_RECEPTION_VOID',
      // The next step, if the person is in fact received (review of stop 39, N6).
      detail: expect.stringContaining(
        "record it with POST /receptions, at another instant than episode 1's reception",
      ),
    });
    const dismissal = await ctx.lib.post(`/receptions/pending/${pendingId}/dismissal`, { reason: 'spec' });
    expect(dismissal.status).toBe(409);
    expect((await json<Problem>(dismissal)).code).toBe('PENDING_RECEPTION_VOID');
    expect(await episodeStates(personId)).toEqual([[1, 'RECEIVED_IN_ERROR']]);

    // A reception by hand an hour after it (within the window a reception completes pending
    // admissions in) is a new reception of its own: it does not complete the void admission.
    const later = new Date(receivedAt.getTime() + 60 * 60_000).toISOString();
    const byHand = await ctx.lib.post('/receptions', {
      prisonNumber,
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      reason: 'ADMISSION',
      receivedAt: later,
      ...facts,
    });
    expect(byHand.status).toBe(201);
    expect(await pendingView(pendingId)).toMatchObject({ status: 'VOID', episode: 1 });
    expect(await episodeStates(personId)).toEqual([
      [1, 'RECEIVED_IN_ERROR'],
      [2, 'IN_CUSTODY'],
    ]);
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(1);
  });

  it('an HMPPS admission its reversed reception had completed is pending again (admission TO_RECEIVE_AGAIN), and completed again opens the next episode at its own instant', async () => {
    const { personId, prisonNumber, receivedAt, pendingId, completion, facts, firstTag } =
      await completedAdmission();
    const pending = { id: pendingId };

    const reversed = await reverse(personId, {
      ...inError(minutesAgo(100)),
      admission: 'TO_RECEIVE_AGAIN',
    });
    expect(reversed.status).toBe(201);
    expect((await json<ReceptionReversedView>(reversed)).admission).toBe('TO_RECEIVE_AGAIN');
    // Back in the prison's list to do (or dismiss), naming the void episode.
    const reopened = await pendingView(pending.id);
    expect(reopened).toMatchObject({
      status: 'PENDING',
      episode: null,
      links: null,
      resolvedBy: null,
      resolvedAt: null,
      reopenedAfterEpisode: 1,
      receivedAt: receivedAt.toISOString(),
    });
    const listed = await json<{ items: PendingReceptionView[] }>(
      await ctx.lib.get('/receptions/pending?establishmentCode=LEI&limit=100'),
    );
    expect(listed.items.map((p) => p.id)).toContain(pending.id);
    // A reception by hand at the void one's instant is still the reversed one.
    const byHand = await ctx.lib.post('/receptions', {
      prisonNumber,
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      reason: 'ADMISSION',
      receivedAt: receivedAt.toISOString(),
      ...facts,
    });
    expect(byHand.status).toBe(409);
    expect((await json<Problem>(byHand)).code).toBe('RECEPTION_REVERSED');

    // A stale retry of the first completion (a double submit, an offline queue: the facts staff
    // just reversed as wrong) opens nothing (review of stop 39, M3): sent with the ETag it was read
    // under, 412 naming the current one; sent without If-Match, 400 IF_MATCH_REQUIRED naming it.
    const stale = await ctx.lib.post(completion, facts, { 'if-match': firstTag });
    expect(stale.status).toBe(412);
    expect(await json<Problem & { currentETag?: string }>(stale)).toMatchObject({
      code: 'PRECONDITION_FAILED',
      currentETag: '"pending-reception-v2"',
    });
    const blind = await ctx.lib.post(completion, facts);
    expect(blind.status).toBe(400);
    const blindProblem = await json<Problem>(blind);
    expect(blindProblem.code).toBe('IF_MATCH_REQUIRED');
    expect(blindProblem.errors?.map((e) => e.field)).toEqual(['if-match']);
    expect(await pendingView(pending.id)).toMatchObject({ status: 'PENDING', reopenedAfterEpisode: 1 });
    expect(await episodeStates(personId)).toEqual([[1, 'RECEIVED_IN_ERROR']]);

    // Read again (the ETag of its new opening), and completed again (other facts: the sentence
    // was keyed wrong): the next episode, at the admission's instant; its retry answers it.
    const read = await ctx.lib.get(`/receptions/pending/${pending.id}`);
    const tag = read.headers.get('etag')!;
    expect(tag).toBe('"pending-reception-v2"');
    expect((await json<PendingReceptionView>(read)).etag).toBe(tag);
    const corrected = { ...facts, sentenceLengthDays: 400 };
    const again = await ctx.lib.post(completion, corrected, { 'if-match': tag });
    expect(again.status).toBe(201);
    expect(await json<PendingReceptionView>(again)).toMatchObject({
      status: 'COMPLETED',
      episode: 2,
      reopenedAfterEpisode: 1,
      etag: tag,
    });
    const retry = await ctx.lib.post(completion, corrected, { 'if-match': tag });
    expect(retry.status).toBe(200);
    expect((await json<PendingReceptionView>(retry)).episode).toBe(2);
    // The first completion's retry, now, is still refused: it names the opening that was reversed.
    const staleAfter = await ctx.lib.post(completion, facts, { 'if-match': firstTag });
    expect(staleAfter.status).toBe(412);
    const episodes = await json<{ items: EpisodeView[] }>(await ctx.lib.get(`/people/${personId}/episodes`));
    expect(episodes.items.map((e) => [e.episode, e.state, e.reception?.receivedAt])).toEqual([
      [1, 'RECEIVED_IN_ERROR', receivedAt.toISOString()],
      [2, 'IN_CUSTODY', receivedAt.toISOString()],
    ]);
    expect(await ctx.lib.outboxRows('custody.person.received', personId)).toHaveLength(2);
  });

  it('a dismissal of a reopened admission is conditional on its opening as a completion is (review of stop 40, M1): a stale one 412, one without If-Match or with * 400 IF_MATCH_REQUIRED naming no tag; with the current tag it dismisses', async () => {
    const { personId, pendingId, completion, facts, firstTag } = await completedAdmission();
    const dismissal = `/receptions/pending/${pendingId}/dismissal`;
    const body = { reason: 'a duplicate of another admission' };
    expect(
      (await reverse(personId, { ...inError(minutesAgo(100)), admission: 'TO_RECEIVE_AGAIN' })).status,
    ).toBe(201);

    // Officer X opened it before it was completed and reversed: the form submits now.
    const stale = await ctx.lib.post(dismissal, body, { 'if-match': firstTag });
    expect(stale.status).toBe(412);
    expect((await json<Problem>(stale)).code).toBe('PRECONDITION_FAILED');
    for (const headers of [{}, { 'if-match': '*' }] as Array<Record<string, string>>) {
      const blind = await ctx.lib.post(dismissal, body, headers);
      expect(blind.status).toBe(400);
      const problem = await json<Problem>(blind);
      expect(problem.code).toBe('IF_MATCH_REQUIRED');
      expect(problem.errors?.map((e) => e.field)).toEqual(['if-match']);
      // The current tag is never handed to a client that did not read it (N1).
      expect(JSON.stringify(problem)).not.toContain('pending-reception-v2');
    }
    // `*` does not complete a reopened admission either (N1).
    const starCompletion = await ctx.lib.post(completion, facts, { 'if-match': '*' });
    expect(starCompletion.status).toBe(400);
    expect((await json<Problem>(starCompletion)).code).toBe('IF_MATCH_REQUIRED');
    expect(await pendingView(pendingId)).toMatchObject({ status: 'PENDING', reopenedAfterEpisode: 1 });

    // Read again and decided: dismissed; its retry with the same tag answers it.
    const tag = (await ctx.lib.get(`/receptions/pending/${pendingId}`)).headers.get('etag')!;
    expect(tag).toBe('"pending-reception-v2"');
    const dismissed = await ctx.lib.post(dismissal, body, { 'if-match': tag });
    expect(dismissed.status).toBe(200);
    expect(await json<PendingReceptionView>(dismissed)).toMatchObject({
      status: 'DISMISSED',
      dismissalReason: body.reason,
      reopenedAfterEpisode: 1,
    });
    expect((await ctx.lib.post(dismissal, body, { 'if-match': tag })).status).toBe(200);
    expect((await ctx.lib.post(dismissal, body, { 'if-match': firstTag })).status).toBe(412);
  });

  it('a return to custody is reversible (201): episode 1 stays released, a later recall follows it; a release reverses past a void episode', async () => {
    const { reception, personId, releaseEventId } = await released1();
    // A recall recorded in error: its reception closed the journey of episode 1, which the journey
    // of episode 2 starts again when it closes RECEIVED_IN_ERROR (return-reversal-1).
    const recall = await ctx.lib.post('/receptions', {
      ...reception,
      receivedAt: minutesAgo(900),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
    });
    expect(recall.status).toBe(201);
    const reversedAt = minutesAgo(800);
    const reversed = await reverse(personId, inError(reversedAt), {}, 2);
    expect(reversed.status).toBe(201);
    expect(await json<ReceptionReversedView>(reversed)).toMatchObject({
      personId,
      episode: 2,
      state: 'RECEIVED_IN_ERROR',
      reason: 'RECEIVED_IN_ERROR',
    });
    expect(await episodeStates(personId)).toEqual([
      [1, 'RELEASED'],
      [2, 'RECEIVED_IN_ERROR'],
    ]);
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(1);
    // The same reversal again answers it (200, no second event).
    expect((await reverse(personId, inError(reversedAt), {}, 2)).status).toBe(200);
    expect(await ctx.lib.outboxRows('custody.reception.reversed', personId)).toHaveLength(1);
    // The person recalled for real later: episode 3 follows the released episode 1.
    const again = await ctx.lib.post('/receptions', {
      ...reception,
      receivedAt: minutesAgo(700),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
    });
    expect(again.status).toBe(201);
    expect(await json<ReceptionRecordedView>(again)).toMatchObject({ personId, episode: 3 });
    const events = (await ctx.lib.eventsOnBus('custody.person.received', personId)).map((e) =>
      PersonReceivedV2.parse(e),
    );
    // (A return names the episode it follows: episode 2's recall too.)
    expect(events.map((e) => [e.data.episode, e.data.previousEpisode])).toEqual([
      [1, undefined],
      [2, 1],
      [3, 1],
    ]);
    // Episode 1's release cannot be reversed while episode 3 stands on it.
    const undo = await ctx.lib.post(`/movements/${releaseEventId}/reversal`, { reversedAt: minutesAgo(600) });
    expect(undo.status).toBe(409);
    expect((await json<Problem>(undo)).code).toBe('MOVEMENT_SUPERSEDED');

    // A second person: released, then a new admission recorded in error and reversed.
    const other = await released1();
    const wrong = await ctx.lib.post('/receptions', { ...other.reception, receivedAt: minutesAgo(900) });
    expect(wrong.status).toBe(201);
    expect((await reverse(other.personId, inError(minutesAgo(800)), {}, 2)).status).toBe(201);
    // The void episode does not supersede episode 1's release: it can be reversed.
    const undone = await ctx.lib.post(`/movements/${other.releaseEventId}/reversal`, {
      reversedAt: minutesAgo(600),
    });
    expect(undone.status).toBe(201);
    expect((await episodeView(other.personId, 1)).state).toBe('IN_CUSTODY');
    // Nor does it stand in the way of reversing episode 1's reception in turn.
    expect((await reverse(other.personId, inError(minutesAgo(500)))).status).toBe(201);
    const episodes = await json<{ items: EpisodeView[] }>(
      await ctx.lib.get(`/people/${other.personId}/episodes`),
    );
    expect(episodes.items.map((e) => [e.episode, e.state])).toEqual([
      [1, 'RECEIVED_IN_ERROR'],
      [2, 'RECEIVED_IN_ERROR'],
    ]);
  });

  it('a return to custody after a void episode follows the released episode before it: 201, the event names it as previousEpisode', async () => {
    // Released from episode 1; episode 2 received in error and reversed (void).
    const { reception, personId, releaseEventId } = await released1();
    const wrong = await ctx.lib.post('/receptions', { ...reception, receivedAt: minutesAgo(900) });
    expect(wrong.status).toBe(201);
    expect((await reverse(personId, inError(minutesAgo(800)), {}, 2)).status).toBe(201);

    const recall = {
      ...reception,
      receivedAt: minutesAgo(700),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
    };
    const back = await ctx.lib.post('/receptions', recall);
    expect(back.status).toBe(201);
    // The void episode keeps its number: the recall opens episode 3.
    expect(await json<ReceptionRecordedView>(back)).toMatchObject({ personId, episode: 3 });
    expect(await episodeStates(personId)).toEqual([
      [1, 'RELEASED'],
      [2, 'RECEIVED_IN_ERROR'],
      [3, 'IN_CUSTODY'],
    ]);
    expect((await episodeView(personId, 3)).reception?.returnToCustody).toEqual({
      reason: 'RECALL',
      recallReasonCode: 'B',
    });
    // Its event names episode 1, the released one, as the episode it follows (the bridge tells
    // episode 1's journey, not the void episode 2's).
    const events = (await ctx.lib.eventsOnBus('custody.person.received', personId)).map((e) =>
      PersonReceivedV2.parse(e),
    );
    expect(events.map((e) => [e.data.episode, e.data.previousEpisode])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 1],
    ]);
    expect(events[2]?.data.returnToCustody).toEqual({ reason: 'RECALL', recallReasonCode: 'B' });
    // A retry answers the episode recorded, with no second event.
    expect((await ctx.lib.post('/receptions', recall)).status).toBe(200);
    expect(await ctx.lib.outboxRows('custody.person.received', personId)).toHaveLength(3);
    // Episode 1's release cannot be reversed now: the return, episode 3, stands on it.
    const undo = await ctx.lib.post(`/movements/${releaseEventId}/reversal`, { reversedAt: minutesAgo(600) });
    expect(undo.status).toBe(409);
    expect(await json<Problem>(undo)).toMatchObject({
      code: 'MOVEMENT_SUPERSEDED',
      detail: expect.stringContaining('episode 3 of person'),
    });
    expect((await episodeView(personId, 1)).state).toBe('RELEASED');
  });
  it('OpenAPI shows the admission field with its 422s and an example, and EPISODE_RECEIVED_IN_ERROR on every operation that may answer it', async () => {
    type Operation = {
      parameters?: Array<{ name: string; in: string }>;
      requestBody?: {
        content: Record<
          string,
          {
            schema: { properties?: Record<string, { enum?: string[] }> };
            examples?: Record<string, { value: Record<string, unknown> }>;
          }
        >;
      };
      responses: Record<
        string,
        {
          description: string;
          content?: Record<string, { examples?: Record<string, { value: { code?: string } }> }>;
        }
      >;
    };
    const doc = await json<{ paths: Record<string, Record<string, Operation>> }>(
      await ctx.lib.get('/docs-json', 'nobody'),
    );
    const reversal = doc.paths['/people/{personId}/episodes/{episode}/reception-reversal']!['post']!;
    const body = reversal.requestBody!.content['application/json']!;
    expect(body.schema.properties?.['admission']?.enum).toEqual(['TO_RECEIVE_AGAIN', 'IN_ERROR']);
    expect(Object.values(body.examples ?? {}).map((e) => e.value['admission'])).toEqual(
      expect.arrayContaining(['TO_RECEIVE_AGAIN', 'IN_ERROR']),
    );
    const refused = reversal.responses['422']!;
    expect(refused.description).toEqual(expect.stringContaining('ADMISSION_DECISION_REQUIRED'));
    expect(refused.description).toEqual(expect.stringContaining('ADMISSION_DECISION_NOT_APPLICABLE'));
    expect(
      Object.values(refused.content?.['application/problem+json']?.examples ?? {}).map((e) => e.value.code),
    ).toEqual(['ADMISSION_DECISION_REQUIRED']);
    expect(reversal.responses['409']!.description).toEqual(expect.stringContaining('["admission"]'));
    // A liberation from court completes no admission: its reversal takes no such field.
    const court = doc.paths['/people/{personId}/episodes/{episode}/court-liberation-reversal']!['post']!;
    expect(court.requestBody!.content['application/json']!.schema.properties).not.toHaveProperty('admission');
    const completion = doc.paths['/receptions/pending/{id}/completion']!['post']!;
    expect(completion.responses['409']!.description).toEqual(
      expect.stringContaining('PENDING_RECEPTION_VOID'),
    );
    // Completion is conditional on the opening (review of stop 39, M3): If-Match, 412, and 400 IF_MATCH_REQUIRED.
    expect(completion.parameters?.find((p) => p.name === 'If-Match')).toMatchObject({ in: 'header' });
    expect(completion.responses['412']!.description).toEqual(expect.stringContaining('PRECONDITION_FAILED'));
    expect(completion.responses['400']!.description).toEqual(expect.stringContaining('IF_MATCH_REQUIRED'));
    // So is its dismissal (review of stop 40, M1).
    const dismissalOp = doc.paths['/receptions/pending/{id}/dismissal']!['post']!;
    expect(dismissalOp.parameters?.find((p) => p.name === 'If-Match')).toMatchObject({ in: 'header' });
    expect(dismissalOp.responses['412']!.description).toEqual(expect.stringContaining('PRECONDITION_FAILED'));
    expect(dismissalOp.responses['400']!.description).toEqual(expect.stringContaining('IF_MATCH_REQUIRED'));

    // Every operation whose service refuses a void episode (refuseVoid / refuseUnlessOpen) says so.
    const refusingVoid: Array<[string, string]> = [
      ['/releases', 'post'],
      ['/people/{personId}/episodes/{episode}/transfers', 'post'],
      ['/people/{personId}/episodes/{episode}/release-date', 'post'],
      ['/people/{personId}/episodes/{episode}/absences', 'post'],
      ['/people/{personId}/episodes/{episode}/gate-arrangement', 'put'],
      ['/people/{personId}/episodes/{episode}/sentence-calculations', 'post'],
      ['/people/{personId}/episodes/{episode}/sentence-calculations/preview', 'post'],
      ['/meetings/{bookingId}/held', 'post'],
    ];
    const undocumented = refusingVoid.filter(([path, method]) => {
      const op = doc.paths[path]?.[method];
      if (!op) return true;
      return !op.responses['409']?.description.includes('EPISODE_RECEIVED_IN_ERROR');
    });
    expect(undocumented).toEqual([]);
  });
});
