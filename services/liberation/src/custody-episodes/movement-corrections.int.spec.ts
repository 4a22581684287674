import { randomUUID } from 'node:crypto';
import { AbsenceCorrectedV1, MovementCorrectedV1 } from '@throughcare/contracts';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { runWithDatabaseScope, type DatabaseScope } from '@throughcare/platform-persistence';
import type {
  EpisodeView,
  MovementCorrectedView,
  ReleaseRecordedView,
  TransferRecordedView,
} from './custody-episode.schemas';
import type { AbsenceCorrectedView, AbsenceView } from './temporary-absence.schemas';
import {
  aReception,
  actorOf,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Problem,
} from './spec-support';

// Issue 10, every movement: a release or transfer recorded with a wrong time or destination is
// corrected in place (POST /movements/{eventId}/correction), not only reversed.

describe('liberation: corrections in place of releases and transfers', () => {
  const ctx = useLiberation();
  const json = async <T>(r: Response) => (await r.json()) as T;
  const correct = (eventId: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx.lib.post(`/movements/${eventId}/correction`, body, headers);
  const episodeView = async (personId: string, episode = 1) =>
    json<EpisodeView>(await ctx.lib.get(`/people/${personId}/episodes/${episode}`));

  async function inCustody(receivedAt = minutesAgo(2000)) {
    const reception = aReception({ receivedAt });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }
  async function transfer(personId: string, toEstablishmentCode: string, transferredAt: string) {
    const r = await ctx.lib.post(`/people/${personId}/episodes/1/transfers`, {
      toEstablishmentCode,
      transferredAt,
    });
    expect(r.status).toBe(201);
    return (await json<TransferRecordedView>(r)).eventId;
  }
  async function release(personId: string, releasedAt: string, establishmentCode = 'BAR') {
    const r = await ctx.lib.post('/releases', {
      personId,
      establishmentCode,
      reason: 'RELEASED',
      releasedAt,
    });
    expect(r.status).toBe(201);
    return (await json<ReleaseRecordedView>(r)).eventId!;
  }

  it("corrects a transfer's instant (201, custody.movement.corrected, new ETag); the same facts again change nothing; the first recording stays in the history", async () => {
    const personId = await inCustody();
    const [first, corrected] = [minutesAgo(900), minutesAgo(960)];
    const eventId = await transfer(personId, 'LEI', first);
    expect((await episodeView(personId)).movements.map((m) => m.etag)).toEqual(['"movement-v1"']);

    const response = await correct(
      eventId,
      { occurredAt: corrected, reason: 'WRONG_TIME', note: 'keyed an hour late' },
      { 'x-correlation-id': 'spec-correction-1', 'if-match': '"movement-v1"' },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"movement-v2"');
    const view = await json<MovementCorrectedView>(response);
    expect(view).toEqual({
      personId,
      episode: 1,
      eventId,
      movement: 'TRANSFER',
      fromEstablishmentCode: 'BAR',
      toEstablishmentCode: 'LEI',
      occurredAt: corrected,
      etag: '"movement-v2"',
      corrections: [
        {
          eventId: expect.any(String),
          version: 2,
          reason: 'WRONG_TIME',
          note: 'keyed an hour late',
          occurredAt: corrected,
          previousOccurredAt: first,
          toEstablishmentCode: 'LEI',
          previousToEstablishmentCode: 'LEI',
          correctedAt: expect.any(String),
          correctedBy: await actorOf(),
        },
      ],
      establishmentCode: 'LEI',
      links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
    } satisfies Record<keyof MovementCorrectedView, unknown>);

    const events = await ctx.lib.eventsOnBus('custody.movement.corrected', personId);
    expect(events).toHaveLength(1);
    expect(MovementCorrectedV1.parse(events[0])).toMatchObject({
      eventId: view.corrections[0]!.eventId,
      correlationId: 'spec-correction-1',
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
      data: {
        episode: 1,
        movement: 'TRANSFER',
        correctedEventId: eventId,
        version: 2,
        reason: 'WRONG_TIME',
        occurredAt: corrected,
        previousOccurredAt: first,
        toEstablishmentCode: 'LEI',
        previousToEstablishmentCode: 'LEI',
      },
    });
    // The note stays here.
    expect(JSON.stringify(events[0])).not.toContain('keyed an hour late');

    // The same facts again (even with the stale tag): harmless, 200, no second event.
    const again = await correct(
      eventId,
      { occurredAt: corrected, reason: 'WRONG_TIME' },
      { 'if-match': '"movement-v1"' },
    );
    expect(again.status).toBe(200);
    expect((await json<MovementCorrectedView>(again)).corrections).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.movement.corrected', personId)).toHaveLength(1);

    // Another change with the stale tag: 412, the current one named.
    const stale = await correct(
      eventId,
      { occurredAt: minutesAgo(950), reason: 'WRONG_TIME' },
      { 'if-match': '"movement-v1"' },
    );
    expect(stale.status).toBe(412);
    expect(await json<Problem & { currentETag: string }>(stale)).toMatchObject({
      code: 'PRECONDITION_FAILED',
      currentETag: '"movement-v2"',
    });

    const episode = await episodeView(personId);
    expect(episode.movements).toMatchObject([
      { eventId, at: corrected, etag: '"movement-v2"', reversal: null },
    ]);
    // Audited: the correction made, the repeat and the stale one each a record about the person.
    const audited = (await auditRecordsAbout(ctx.lib.dataSource, 'liberation', personId)).filter(
      (r) => r.action === 'movement.correct',
    );
    expect(audited.map((r) => [r.object_type, r.object_id, r.outcome])).toEqual([
      ['movement', eventId, 'allowed'],
      ['movement', eventId, 'allowed'],
      ['movement', eventId, expect.not.stringMatching(/^allowed$/)],
    ]);
    // The superseded facts are kept.
    expect(
      await ctx.lib.dataSource.query(
        `SELECT version, previous_occurred_at, occurred_at FROM liberation.movement_correction WHERE movement_event_id = $1`,
        [eventId],
      ),
    ).toEqual([{ version: 2, previous_occurred_at: new Date(first), occurred_at: new Date(corrected) }]);
  });

  it('retries of an Idempotency-Key answer the first correction; other facts under it are 422', async () => {
    const personId = await inCustody();
    const eventId = await transfer(personId, 'LEI', minutesAgo(900));
    const key = { 'idempotency-key': `spec-${randomUUID()}` };
    const body = { occurredAt: minutesAgo(910), reason: 'WRONG_TIME' };
    const first = await correct(eventId, body, key);
    expect(first.status).toBe(201);
    const retry = await correct(eventId, body, key);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(await first.json());
    const other = await correct(eventId, { ...body, occurredAt: minutesAgo(920) }, key);
    expect(other.status).toBe(422);
    expect(await json<Problem & { fields: string[] }>(other)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await ctx.lib.outboxRows('custody.movement.corrected', personId)).toHaveLength(1);
  });

  it("corrects a transfer's destination: the person is where it says now, and the prison it wrongly named no longer sees the episode", async () => {
    const personId = await inCustody();
    const eventId = await transfer(personId, 'GMR', minutesAgo(900));
    const response = await correct(eventId, { toEstablishmentCode: 'LEI', reason: 'WRONG_DESTINATION' });
    expect(response.status).toBe(201);
    expect(await json<MovementCorrectedView>(response)).toMatchObject({
      toEstablishmentCode: 'LEI',
      establishmentCode: 'LEI',
      corrections: [{ toEstablishmentCode: 'LEI', previousToEstablishmentCode: 'GMR' }],
    });
    expect((await episodeView(personId)).establishmentCode).toBe('LEI');
    expect((await ctx.lib.get(`/people/${personId}/episodes/1`, prisonStaff('GMR'))).status).toBe(404);
    expect((await ctx.lib.get(`/people/${personId}/episodes/1`, prisonStaff('LEI'))).status).toBe(200);
    // The event names both, as codes.
    const [event] = await ctx.lib.eventsOnBus('custody.movement.corrected', personId);
    expect(MovementCorrectedV1.parse(event).data).toMatchObject({
      toEstablishmentCode: 'LEI',
      previousToEstablishmentCode: 'GMR',
      reason: 'WRONG_DESTINATION',
    });

    // To where the person left from: not a transfer (422, naming the field).
    const same = await correct(eventId, { toEstablishmentCode: 'BAR', reason: 'WRONG_DESTINATION' });
    expect(same.status).toBe(422);
    expect((await json<Problem>(same)).code).toBe('TRANSFER_TO_SAME_ESTABLISHMENT');
    // Once something happened there later (an onward transfer), the destination stands.
    const onward = await transfer(personId, 'GMR', minutesAgo(800));
    const inUse = await correct(eventId, { toEstablishmentCode: 'EDI', reason: 'WRONG_DESTINATION' });
    expect(inUse.status).toBe(409);
    expect(await json<Problem>(inUse)).toMatchObject({
      code: 'DESTINATION_IN_USE',
      conflictsWith: { eventId: onward },
    });
    // Nor may its time pass the onward transfer.
    const past = await correct(eventId, { occurredAt: minutesAgo(700), reason: 'WRONG_TIME' });
    expect(past.status).toBe(409);
    expect(await json<Problem>(past)).toMatchObject({
      code: 'CORRECTION_REORDERS_HISTORY',
      conflictsWith: { eventId: onward },
    });
  });

  it('the wrongly named prison alone corrects the destination (201); its retry is answered the same (200); it may not correct again once the episode left it (404) (review stop 43, S1)', async () => {
    const personId = await inCustody();
    const eventId = await transfer(personId, 'GMR', minutesAgo(900));
    const gmr = prisonStaff('GMR');
    const key = { 'idempotency-key': `spec-${randomUUID()}` };
    const body = { toEstablishmentCode: 'LEI', reason: 'WRONG_DESTINATION' };
    const first = await ctx.lib.post(`/movements/${eventId}/correction`, body, key, gmr);
    expect(first.status).toBe(201);
    const answer = await json<MovementCorrectedView>(first);
    expect(answer).toMatchObject({ toEstablishmentCode: 'LEI', establishmentCode: 'LEI' });
    // The episode is LEI's now: GMR no longer reads it.
    expect((await ctx.lib.get(`/people/${personId}/episodes/1`, gmr)).status).toBe(404);
    // Its retry (the answer lost on the way) is answered what it was.
    const retry = await ctx.lib.post(`/movements/${eventId}/correction`, body, key, gmr);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(answer);
    // A new correction is not GMR's to make any more.
    const again = await ctx.lib.post(
      `/movements/${eventId}/correction`,
      { occurredAt: minutesAgo(905), reason: 'WRONG_TIME' },
      { 'idempotency-key': `spec-${randomUUID()}` },
      gmr,
    );
    expect(again.status).toBe(404);
    expect(await ctx.lib.outboxRows('custody.movement.corrected', personId)).toHaveLength(1);
  });

  it("corrects a release's instant on the episode too; refuses one before the reception, past a transfer, or of a reversed release; a release has no destination (400)", async () => {
    const receivedAt = minutesAgo(2000);
    const personId = await inCustody(receivedAt);
    const transferredAt = minutesAgo(1500);
    await transfer(personId, 'LEI', transferredAt);
    const released = await release(personId, minutesAgo(1000), 'LEI');
    const corrected = minutesAgo(1100);
    const response = await correct(released, { occurredAt: corrected, reason: 'WRONG_TIME' });
    expect(response.status).toBe(201);
    expect((await episodeView(personId)).release).toMatchObject({
      releasedAt: corrected,
      establishmentCode: 'LEI',
    });

    const beforeReception = await correct(released, { occurredAt: minutesAgo(2100), reason: 'WRONG_TIME' });
    expect(beforeReception.status).toBe(409);
    expect((await json<Problem>(beforeReception)).code).toBe('CORRECTION_BEFORE_RECEPTION');
    const pastTransfer = await correct(released, { occurredAt: minutesAgo(1600), reason: 'WRONG_TIME' });
    expect(pastTransfer.status).toBe(409);
    expect(await json<Problem>(pastTransfer)).toMatchObject({ code: 'CORRECTION_REORDERS_HISTORY' });
    const destination = await correct(released, { toEstablishmentCode: 'GMR', reason: 'WRONG_DESTINATION' });
    expect(destination.status).toBe(400);
    expect(JSON.stringify(await destination.json())).toContain('toEstablishmentCode');
    const neither = await correct(released, { reason: 'WRONG_TIME' });
    expect(neither.status).toBe(400);
    expect(JSON.stringify(await neither.json())).toContain('occurredAt');

    expect(
      (await ctx.lib.post(`/movements/${released}/reversal`, { reversedAt: minutesAgo(10) })).status,
    ).toBe(201);
    const reversed = await correct(released, { occurredAt: minutesAgo(1050), reason: 'WRONG_TIME' });
    expect(reversed.status).toBe(409);
    expect((await json<Problem>(reversed)).code).toBe('MOVEMENT_REVERSED');
    expect(await ctx.lib.outboxRows('custody.movement.corrected', personId)).toHaveLength(1);
  });

  it('a release moved past the next reception is refused (409); unknown movements and other prisons are 404', async () => {
    const personId = await inCustody(minutesAgo(3000));
    const released = await release(personId, minutesAgo(2500));
    const view = await episodeView(personId);
    expect(view.state).toBe('RELEASED');
    const [{ prison_number: prisonNumber }] = (await ctx.lib.dataSource.query(
      `SELECT prison_number FROM liberation.custody_episode WHERE person_id = $1`,
      [personId],
    )) as [{ prison_number: string }];
    const returned = await ctx.lib.post(
      '/receptions',
      aReception({
        prisonNumber,
        receivedAt: minutesAgo(2000),
        reason: 'READMISSION',
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'Y' },
      }),
    );
    expect(returned.status).toBe(201);
    const later = await correct(released, { occurredAt: minutesAgo(1900), reason: 'WRONG_TIME' });
    expect(later.status).toBe(409);
    expect((await json<Problem>(later)).code).toBe('CORRECTION_AFTER_LATER_EPISODE');

    expect((await correct(randomUUID(), { occurredAt: minutesAgo(5), reason: 'WRONG_TIME' })).status).toBe(
      404,
    );
    const elsewhere = await ctx.lib.post(
      `/movements/${released}/correction`,
      { occurredAt: minutesAgo(2600), reason: 'WRONG_TIME' },
      {},
      prisonStaff('EDI'),
    );
    expect(elsewhere.status).toBe(404);
    expect((await json<Problem>(elsewhere)).code).toBe('MOVEMENT_NOT_FOUND');
  });

  it('a release that ended a court absence: the absence ends at the corrected instant, which may not go before its departure', async () => {
    const personId = await inCustody();
    const out = await ctx.lib.post(`/people/${personId}/episodes/1/absences`, {
      kind: 'COURT',
      leftAt: minutesAgo(900),
    });
    expect(out.status).toBe(201);
    const absence = await json<AbsenceView>(out);
    const released = await release(personId, minutesAgo(800));
    const corrected = minutesAgo(850);
    expect((await correct(released, { occurredAt: corrected, reason: 'WRONG_TIME' })).status).toBe(201);
    const [row] = (await ctx.lib.dataSource.query(
      `SELECT ended_by_movement_at FROM liberation.temporary_absence WHERE id = $1`,
      [absence.absenceId],
    )) as Array<{ ended_by_movement_at: Date }>;
    expect(row!.ended_by_movement_at).toEqual(new Date(corrected));
    const beforeDeparture = await correct(released, { occurredAt: minutesAgo(950), reason: 'WRONG_TIME' });
    expect(beforeDeparture.status).toBe(409);
    expect(await json<Problem>(beforeDeparture)).toMatchObject({
      code: 'CORRECTION_REORDERS_HISTORY',
      conflictsWith: { absenceId: absence.absenceId },
    });
  });

  it('movement corrections are under forced row-level security, seen by the establishments the episode was held in', async () => {
    expect(
      await ctx.lib.dataSource.query(
        `SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'liberation' AND c.relname = 'movement_correction'`,
      ),
    ).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
    const personId = await inCustody();
    const eventId = await transfer(personId, 'GMR', minutesAgo(900));
    expect((await correct(eventId, { toEstablishmentCode: 'LEI', reason: 'WRONG_DESTINATION' })).status).toBe(
      201,
    );
    const seenBy = async (scope: DatabaseScope) =>
      (
        (await runWithDatabaseScope(scope, () =>
          ctx.lib.serviceDataSource.query(
            `SELECT 1 FROM liberation.movement_correction WHERE person_id = $1`,
            [personId],
          ),
        )) as unknown[]
      ).length;
    expect([
      await seenBy({ establishments: ['BAR'] }),
      await seenBy({ establishments: ['LEI'] }),
      await seenBy({ establishments: ['GMR'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 1, 0, 0, 1]);
  });

  describe('temporary absences corrected in place (POST …/absences/{absenceId}/correction)', () => {
    const absences = (personId: string) => `/people/${personId}/episodes/1/absences`;
    const correctAbsence = (
      personId: string,
      id: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) => ctx.lib.post(`${absences(personId)}/${id}/correction`, body, headers);

    it("corrects a ROTL's return and due-back time (201, custody.absence.corrected, new ETag); repeats change nothing; a stale ETag is 412; times out of order are 422", async () => {
      const personId = await inCustody();
      const [leftAt, dueBackAt, returnedAt] = [minutesAgo(900), minutesAgo(700), minutesAgo(800)];
      const out = await ctx.lib.post(absences(personId), { kind: 'ROTL', leftAt, dueBackAt });
      const { absenceId, etag } = await json<AbsenceView>(out);
      expect(etag).toBe('"absence-v1"');
      expect((await ctx.lib.post(`${absences(personId)}/${absenceId}/return`, { returnedAt })).status).toBe(
        201,
      );

      const [newReturn, newDue] = [minutesAgo(820), minutesAgo(600)];
      const response = await correctAbsence(
        personId,
        absenceId,
        {
          returnedAt: newReturn,
          dueBackAt: newDue,
          reason: 'WRONG_TIME_AND_DUE_BACK',
          note: 'gate log says 10 past',
        },
        { 'if-match': '"absence-v1"', 'x-correlation-id': 'spec-absence-correction' },
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('etag')).toBe('"absence-v2"');
      const view = await json<AbsenceCorrectedView>(response);
      expect(view).toMatchObject({
        absenceId,
        status: 'RETURNED',
        leftAt,
        returnedAt: newReturn,
        dueBackAt: newDue,
        etag: '"absence-v2"',
        corrections: [
          {
            version: 2,
            reason: 'WRONG_TIME_AND_DUE_BACK',
            note: 'gate log says 10 past',
            leftAt,
            previousLeftAt: leftAt,
            returnedAt: newReturn,
            previousReturnedAt: returnedAt,
            dueBackAt: newDue,
            previousDueBackAt: dueBackAt,
            correctedBy: await actorOf(),
          },
        ],
      });
      const events = await ctx.lib.eventsOnBus('custody.absence.corrected', personId);
      expect(events).toHaveLength(1);
      expect(AbsenceCorrectedV1.parse(events[0])).toMatchObject({
        eventId: view.corrections[0]!.eventId,
        correlationId: 'spec-absence-correction',
        data: {
          episode: 1,
          absenceId,
          kind: 'ROTL',
          version: 2,
          reason: 'WRONG_TIME_AND_DUE_BACK',
          leftAt,
          previousLeftAt: leftAt,
          returnedAt: newReturn,
          previousReturnedAt: returnedAt,
          dueBackAt: newDue,
          previousDueBackAt: dueBackAt,
        },
      });
      expect(JSON.stringify(events[0])).not.toContain('gate log');

      const again = await correctAbsence(personId, absenceId, {
        returnedAt: newReturn,
        reason: 'WRONG_TIME',
      });
      expect(again.status).toBe(200);
      const stale = await correctAbsence(
        personId,
        absenceId,
        { returnedAt: minutesAgo(810), reason: 'WRONG_TIME' },
        { 'if-match': '"absence-v1"' },
      );
      expect(stale.status).toBe(412);
      const backBeforeOut = await correctAbsence(personId, absenceId, {
        returnedAt: minutesAgo(950),
        reason: 'WRONG_TIME',
      });
      expect(backBeforeOut.status).toBe(422);
      expect((await json<Problem>(backBeforeOut)).code).toBe('RETURN_BEFORE_DEPARTURE');
      const dueBeforeOut = await correctAbsence(personId, absenceId, {
        dueBackAt: minutesAgo(950),
        reason: 'WRONG_DUE_BACK',
      });
      expect(dueBeforeOut.status).toBe(422);
      expect((await json<Problem>(dueBeforeOut)).code).toBe('DUE_BACK_BEFORE_DEPARTURE');
      expect(await ctx.lib.outboxRows('custody.absence.corrected', personId)).toHaveLength(1);
      const list = await json<{ items: AbsenceView[] }>(await ctx.lib.get(absences(personId)));
      expect(list.items).toMatchObject([{ absenceId, returnedAt: newReturn, etag: '"absence-v2"' }]);
    });

    it('refuses a correction that would reorder the episode (past a transfer, before the reception), of a reversed absence, or of a return not recorded (409)', async () => {
      const receivedAt = minutesAgo(2000);
      const personId = await inCustody(receivedAt);
      const first = await json<AbsenceView>(
        await ctx.lib.post(absences(personId), { kind: 'COURT', leftAt: minutesAgo(1500) }),
      );
      expect(
        (
          await ctx.lib.post(`${absences(personId)}/${first.absenceId}/return`, {
            returnedAt: minutesAgo(1400),
          })
        ).status,
      ).toBe(201);
      const transferEvent = await transfer(personId, 'LEI', minutesAgo(1300));
      const pastTransfer = await correctAbsence(personId, first.absenceId, {
        returnedAt: minutesAgo(1200),
        reason: 'WRONG_TIME',
      });
      expect(pastTransfer.status).toBe(409);
      expect(await json<Problem>(pastTransfer)).toMatchObject({
        code: 'CORRECTION_REORDERS_HISTORY',
        conflictsWith: { eventId: transferEvent },
      });
      const beforeReception = await correctAbsence(personId, first.absenceId, {
        leftAt: minutesAgo(2100),
        reason: 'WRONG_TIME',
      });
      expect(beforeReception.status).toBe(409);
      expect((await json<Problem>(beforeReception)).code).toBe('CORRECTION_BEFORE_RECEPTION');

      const second = await json<AbsenceView>(
        await ctx.lib.post(absences(personId), { kind: 'ROTL', leftAt: minutesAgo(1000) }),
      );
      const notBack = await correctAbsence(personId, second.absenceId, {
        returnedAt: minutesAgo(900),
        reason: 'WRONG_TIME',
      });
      expect(notBack.status).toBe(409);
      expect((await json<Problem>(notBack)).code).toBe('ABSENCE_NOT_ENDED');
      // The first absence's departure may not pass the second's.
      const pastSecond = await correctAbsence(personId, second.absenceId, {
        leftAt: minutesAgo(1450),
        reason: 'WRONG_TIME',
      });
      expect(pastSecond.status).toBe(409);
      expect(await json<Problem>(pastSecond)).toMatchObject({ code: 'CORRECTION_REORDERS_HISTORY' });
      expect(
        (
          await ctx.lib.post(`${absences(personId)}/${second.absenceId}/reversal`, {
            part: 'DEPARTURE',
            reversedAt: minutesAgo(5),
          })
        ).status,
      ).toBe(201);
      const reversed = await correctAbsence(personId, second.absenceId, {
        dueBackAt: minutesAgo(1),
        reason: 'WRONG_DUE_BACK',
      });
      expect(reversed.status).toBe(409);
      expect((await json<Problem>(reversed)).code).toBe('ABSENCE_REVERSED');
      expect(await ctx.lib.outboxRows('custody.absence.corrected', personId)).toEqual([]);
      // Another prison's staff: as if there were no such episode.
      const elsewhere = await ctx.lib.post(
        `${absences(personId)}/${first.absenceId}/correction`,
        { dueBackAt: minutesAgo(1), reason: 'WRONG_DUE_BACK' },
        {},
        prisonStaff('EDI'),
      );
      expect(elsewhere.status).toBe(404);
    });
  });
});
