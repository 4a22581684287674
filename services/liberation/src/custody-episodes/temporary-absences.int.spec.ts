import {
  AbsenceEndedV1,
  AbsenceReversedV1,
  AbsenceStartedV1,
  PersonReleasedV1,
  PersonTransferredV1,
} from '@throughcare/contracts';
import { addDays, localDateOf, startOfLocalDay } from '@throughcare/domain';
import { runWithDatabaseScope } from '@throughcare/platform-persistence';
import { absenceDueBy } from './absence-due';
import {
  OverdueAbsencesService,
  overdueAbsencesQuery,
  ROTL_DEFAULT_DUE_BACK_HOURS,
  type OverdueAbsencePage,
} from './overdue-absences';
import type { AbsencePage, AbsenceView } from './temporary-absence.schemas';
import { aReception, minutesAgo, personIdOf, prisonStaff, useLiberation, type Problem } from './spec-support';

// Issue 10, every movement: temporary absences (ROTL, court) and their corrections.

describe('liberation: temporary absences (ROTL and court) and their reversal', () => {
  const ctx = useLiberation();
  const path = (personId: string) => `/people/${personId}/episodes/1/absences`;

  async function inCustody(overrides: Record<string, unknown> = {}) {
    const reception = aReception({ receivedAt: minutesAgo(2000), ...overrides });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }
  const depart = (personId: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx.lib.post(path(personId), body, headers);
  const back = (personId: string, id: string, body: unknown) =>
    ctx.lib.post(`${path(personId)}/${id}/return`, body);
  const reverse = (personId: string, id: string, body: unknown) =>
    ctx.lib.post(`${path(personId)}/${id}/reversal`, body);
  const json = async <T>(r: Response) => (await r.json()) as T;
  const list = async (personId: string) => json<AbsencePage>(await ctx.lib.get(path(personId)));

  it('records a ROTL out and back once each (retries answer 200 and emit nothing), one absence at a time', async () => {
    const personId = await inCustody();
    const [leftAt, dueBackAt, returnedAt] = [minutesAgo(600), minutesAgo(100), minutesAgo(120)];
    const out = await depart(personId, { kind: 'ROTL', leftAt, dueBackAt });
    expect(out.status).toBe(201);
    const absence = await json<AbsenceView>(out);
    expect(absence).toMatchObject({
      kind: 'ROTL',
      status: 'OUT',
      establishmentCode: 'BAR',
      leftAt,
      dueBackAt,
    });

    const again = await depart(personId, { kind: 'ROTL', leftAt, dueBackAt });
    expect(again.status).toBe(200);
    expect((await json<AbsenceView>(again)).absenceId).toBe(absence.absenceId);
    const second = await depart(personId, { kind: 'COURT', leftAt: minutesAgo(500) });
    expect(second.status).toBe(409);
    expect((await json<Problem>(second)).code).toBe('ABSENCE_ALREADY_OPEN');

    const returned = await back(personId, absence.absenceId, { returnedAt });
    expect(returned.status).toBe(201);
    const backView = await json<AbsenceView>(returned);
    expect(backView).toMatchObject({ status: 'RETURNED', returnedAt });
    expect((await back(personId, absence.absenceId, { returnedAt })).status).toBe(200);
    const otherReturn = await back(personId, absence.absenceId, { returnedAt: minutesAgo(110) });
    expect(otherReturn.status).toBe(409);
    expect((await json<Problem>(otherReturn)).code).toBe('ABSENCE_ALREADY_ENDED');

    const started = (await ctx.lib.eventsOnBus('custody.absence.started', personId)).map((e) =>
      AbsenceStartedV1.parse(e),
    );
    expect(started.map((e) => e.eventId)).toEqual([absence.departureEventId]);
    expect(started[0]!.data).toEqual({
      episode: 1,
      absenceId: absence.absenceId,
      kind: 'ROTL',
      establishmentCode: 'BAR',
      leftAt,
      dueBackAt,
    });
    const ended = (await ctx.lib.eventsOnBus('custody.absence.ended', personId)).map((e) =>
      AbsenceEndedV1.parse(e),
    );
    expect(ended.map((e) => e.eventId)).toEqual([backView.returnEventId]);
    expect(ended[0]!.data).toMatchObject({ absenceId: absence.absenceId, returnedAt });

    // After the return, the next absence may start.
    expect((await depart(personId, { kind: 'COURT', leftAt: minutesAgo(60) })).status).toBe(201);
    expect((await list(personId)).items.map((a) => [a.kind, a.status])).toEqual([
      ['COURT', 'OUT'],
      ['ROTL', 'RETURNED'],
    ]);
  });

  it('corrects a court absence: a return undone puts the person out again, a departure undone means it never was', async () => {
    const personId = await inCustody();
    const out = await json<AbsenceView>(await depart(personId, { kind: 'COURT', leftAt: minutesAgo(300) }));
    const backView = await json<AbsenceView>(
      await back(personId, out.absenceId, { returnedAt: minutesAgo(200) }),
    );

    const departureFirst = await reverse(personId, out.absenceId, {
      part: 'DEPARTURE',
      reversedAt: minutesAgo(10),
    });
    expect(departureFirst.status).toBe(409);
    expect((await json<Problem>(departureFirst)).code).toBe('ABSENCE_RETURN_STANDS');

    const undoReturn = await reverse(personId, out.absenceId, { part: 'RETURN', reversedAt: minutesAgo(9) });
    expect(undoReturn.status).toBe(201);
    expect(await json<AbsenceView>(undoReturn)).toMatchObject({ status: 'OUT', returnedAt: null });
    expect(
      (await reverse(personId, out.absenceId, { part: 'RETURN', reversedAt: minutesAgo(9) })).status,
    ).toBe(200);

    const undoDeparture = await reverse(personId, out.absenceId, {
      part: 'DEPARTURE',
      reversedAt: minutesAgo(8),
    });
    expect(undoDeparture.status).toBe(201);
    expect((await json<AbsenceView>(undoDeparture)).status).toBe('REVERSED');
    const returnAfter = await back(personId, out.absenceId, { returnedAt: minutesAgo(5) });
    expect(returnAfter.status).toBe(409);
    expect((await json<Problem>(returnAfter)).code).toBe('ABSENCE_REVERSED');

    const reversals = (await ctx.lib.eventsOnBus('custody.absence.reversed', personId)).map((e) =>
      AbsenceReversedV1.parse(e),
    );
    expect(reversals.map((e) => [e.data.part, e.data.reversedEventId])).toEqual([
      ['RETURN', backView.returnEventId],
      ['DEPARTURE', out.departureEventId],
    ]);
    // The reversed absence is in the list as REVERSED; a new one may start.
    expect((await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(4) })).status).toBe(201);
    expect((await list(personId)).items.map((a) => a.status)).toEqual(['OUT', 'REVERSED']);
  });

  it('a release while out at court ends the absence, and a transfer does; either reversed opens it again', async () => {
    const personId = await inCustody();
    const out = await json<AbsenceView>(await depart(personId, { kind: 'COURT', leftAt: minutesAgo(900) }));

    // Sent from court to another prison: the transfer ends the absence.
    const early = await ctx.lib.post(`/people/${personId}/episodes/1/transfers`, {
      toEstablishmentCode: 'LEI',
      transferredAt: minutesAgo(1000),
    });
    expect(early.status).toBe(422);
    expect((await json<Problem>(early)).code).toBe('TRANSFER_BEFORE_ABSENCE');
    const transferredAt = minutesAgo(800);
    const transfer = await ctx.lib.post(`/people/${personId}/episodes/1/transfers`, {
      toEstablishmentCode: 'LEI',
      transferredAt,
    });
    expect(transfer.status).toBe(201);
    const transferEvent = (await json<{ eventId: string }>(transfer)).eventId;
    // The transfer's event names the absence it ended (no custody.absence.ended: not back).
    const transferred = (await ctx.lib.eventsOnBus('custody.person.transferred', personId)).map((e) =>
      PersonTransferredV1.parse(e),
    );
    expect(transferred.map((e) => e.data)).toEqual([
      {
        episode: 1,
        fromEstablishmentCode: 'BAR',
        toEstablishmentCode: 'LEI',
        transferredAt,
        endedAbsence: { absenceId: out.absenceId, kind: 'COURT', leftAt: out.leftAt },
      },
    ]);
    expect(await ctx.lib.outboxRows('custody.absence.ended', personId)).toEqual([]);
    expect((await list(personId)).items).toMatchObject([
      {
        absenceId: out.absenceId,
        status: 'TRANSFERRED',
        endedBy: { movement: 'TRANSFER', at: transferredAt, eventId: transferEvent },
      },
    ]);
    const notBack = await back(personId, out.absenceId, { returnedAt: minutesAgo(700) });
    expect(notBack.status).toBe(409);
    expect((await json<Problem>(notBack)).code).toBe('ABSENCE_ENDED_BY_MOVEMENT');
    // The transfer recorded in error: out at court again; then back, and out again later.
    expect(
      (await ctx.lib.post(`/movements/${transferEvent}/reversal`, { reversedAt: minutesAgo(750) })).status,
    ).toBe(201);
    expect((await list(personId)).items).toMatchObject([{ status: 'OUT', endedBy: null }]);
    expect((await back(personId, out.absenceId, { returnedAt: minutesAgo(700) })).status).toBe(201);
    // Due back after the release below, whatever the time of day (the court default, the end of the
    // departure's day, would make the release overdue when the run's clock is just past midnight).
    const court = await json<AbsenceView>(
      await depart(personId, { kind: 'COURT', leftAt: minutesAgo(600), dueBackAt: minutesAgo(300) }),
    );

    // A release no later than the departure is out of order; one after it ends the absence.
    const tooEarly = await ctx.lib.post('/releases', {
      personId,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(650),
    });
    expect(tooEarly.status).toBe(422);
    expect((await json<Problem>(tooEarly)).code).toBe('RELEASE_BEFORE_ABSENCE');
    const releasedAt = minutesAgo(400);
    const released = await ctx.lib.post('/releases', {
      personId,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt,
    });
    expect(released.status).toBe(201);
    const { eventId } = await json<{ eventId: string }>(released);
    const releaseEvents = (await ctx.lib.eventsOnBus('custody.person.released', personId)).map((e) =>
      PersonReleasedV1.parse(e),
    );
    expect(releaseEvents.map((e) => [e.eventId, e.data.endedAbsence])).toEqual([
      [eventId, { absenceId: court.absenceId, kind: 'COURT', leftAt: court.leftAt }],
    ]);
    expect((await list(personId)).items[0]).toMatchObject({
      absenceId: court.absenceId,
      status: 'RELEASED',
      endedBy: { movement: 'RELEASE', at: releasedAt, eventId },
      returnedAt: null,
    });

    // Released: no return to custody on this episode, and no correction of the absence either.
    const afterRelease = await back(personId, court.absenceId, { returnedAt: minutesAgo(300) });
    expect(afterRelease.status).toBe(409);
    expect((await json<Problem>(afterRelease)).code).toBe('EPISODE_ALREADY_RELEASED');
    const undo = await reverse(personId, court.absenceId, { part: 'DEPARTURE', reversedAt: minutesAgo(300) });
    expect(undo.status).toBe(409);
    expect((await json<Problem>(undo)).code).toBe('EPISODE_ALREADY_RELEASED');

    // The release recorded in error: the person is out at court again, and may come back.
    expect(
      (await ctx.lib.post(`/movements/${eventId}/reversal`, { reversedAt: minutesAgo(200) })).status,
    ).toBe(201);
    expect((await list(personId)).items[0]).toMatchObject({ status: 'OUT', endedBy: null });
    const returned = await back(personId, court.absenceId, { returnedAt: minutesAgo(100) });
    expect(returned.status).toBe(201);
    expect((await json<AbsenceView>(returned)).status).toBe('RETURNED');
  });

  it('refuses a transfer while out on ROTL (409, naming the absence) and a movement inside a returned absence (422); a release still ends a ROTL absence', async () => {
    const personId = await inCustody();
    const transfer = (transferredAt: string) =>
      ctx.lib.post(`/people/${personId}/episodes/1/transfers`, { toEstablishmentCode: 'LEI', transferredAt });
    const release = (releasedAt: string, establishmentCode = 'BAR') =>
      ctx.lib.post('/releases', { personId, establishmentCode, reason: 'RELEASED', releasedAt });
    const rotl = await json<AbsenceView>(
      await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(900), dueBackAt: minutesAgo(850) }),
    );

    // Out on ROTL (and overdue): a transfer would end the absence and hide it; refused.
    const whileOut = await transfer(minutesAgo(800));
    expect(whileOut.status).toBe(409);
    expect(whileOut.headers.get('content-type')).toContain('application/problem+json');
    const refused = await json<Problem>(whileOut);
    expect(refused.code).toBe('ABSENCE_OPEN');
    expect(refused.detail).toContain(rotl.absenceId);
    expect((await list(personId)).items).toMatchObject([
      { absenceId: rotl.absenceId, status: 'OUT', endedBy: null },
    ]);

    // Back at 700: a transfer or a release back-dated into 900..700 is refused; one after it is not.
    expect((await back(personId, rotl.absenceId, { returnedAt: minutesAgo(700) })).status).toBe(201);
    const inside = await transfer(minutesAgo(750));
    expect(inside.status).toBe(422);
    expect(inside.headers.get('content-type')).toContain('application/problem+json');
    const insideProblem = await json<Problem>(inside);
    expect(insideProblem.code).toBe('MOVEMENT_DURING_ABSENCE');
    expect(insideProblem.detail).toContain('transferredAt');
    expect(insideProblem.detail).toContain(rotl.absenceId);
    const releaseInside = await release(minutesAgo(800));
    expect(releaseInside.status).toBe(422);
    const releaseProblem = await json<Problem>(releaseInside);
    expect(releaseProblem.code).toBe('MOVEMENT_DURING_ABSENCE');
    expect(releaseProblem.detail).toContain('releasedAt');
    expect((await transfer(minutesAgo(650))).status).toBe(201);

    // A release (from LEI, where the person is now) while out on ROTL still ends the absence
    // (released from ROTL: status RELEASED).
    const later = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(600) }));
    const releasedAt = minutesAgo(500);
    const released = await release(releasedAt, 'LEI');
    expect(released.status).toBe(201);
    expect((await list(personId)).items[0]).toMatchObject({
      absenceId: later.absenceId,
      status: 'RELEASED',
      endedBy: { movement: 'RELEASE', at: releasedAt },
    });
  });

  it('refuses a release or a transfer at or before the departure of a later standing absence (422), returned or open', async () => {
    const personId = await inCustody();
    const transfer = (transferredAt: string) =>
      ctx.lib.post(`/people/${personId}/episodes/1/transfers`, { toEstablishmentCode: 'LEI', transferredAt });
    const release = (releasedAt: string) =>
      ctx.lib.post('/releases', { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt });
    // A ROTL 10:00–16:00 on record (here 600 to 300 minutes ago), from BAR.
    const rotl = await json<AbsenceView>(
      await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(600), dueBackAt: minutesAgo(300) }),
    );
    expect((await back(personId, rotl.absenceId, { returnedAt: minutesAgo(300) })).status).toBe(201);

    // A release at 09:00, before the person left on ROTL at 10:00: refused (the ROTL was from BAR).
    const releaseBefore = await release(minutesAgo(700));
    expect(releaseBefore.status).toBe(422);
    const releaseProblem = await json<Problem>(releaseBefore);
    expect(releaseProblem.code).toBe('RELEASE_BEFORE_ABSENCE');
    expect(releaseProblem.detail).toContain(rotl.absenceId);
    expect(releaseProblem.detail).toContain('releasedAt');
    // A transfer at 09:00, or at the departure's very instant: the absence was at the old prison.
    for (const at of [minutesAgo(700), rotl.leftAt]) {
      const transferBefore = await transfer(at);
      expect(transferBefore.status).toBe(422);
      const transferProblem = await json<Problem>(transferBefore);
      expect(transferProblem.code).toBe('TRANSFER_BEFORE_ABSENCE');
      expect(transferProblem.detail).toContain(rotl.absenceId);
    }
    // A reversed departure no longer stands in the way (it never was).
    const court = await json<AbsenceView>(await depart(personId, { kind: 'COURT', leftAt: minutesAgo(200) }));
    const early = await transfer(minutesAgo(250));
    expect(early.status).toBe(422);
    expect((await json<Problem>(early)).code).toBe('TRANSFER_BEFORE_ABSENCE');
    expect(
      (await reverse(personId, court.absenceId, { part: 'DEPARTURE', reversedAt: minutesAgo(100) })).status,
    ).toBe(201);
    // After the latest standing absence's return: accepted; nothing was recorded before.
    expect((await transfer(minutesAgo(250))).status).toBe(201);
    expect((await ctx.lib.outboxRows('custody.person.released', personId)).length).toBe(0);
    expect((await list(personId)).items.map((a) => [a.absenceId, a.status])).toEqual([
      [court.absenceId, 'REVERSED'],
      [rotl.absenceId, 'RETURNED'],
    ]);
  });

  it('a transfer refused while out on ROTL says to record the return at or before its instant; done so, the retry is recorded', async () => {
    const personId = await inCustody();
    const rotl = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(900) }));
    const transferredAt = minutesAgo(800);
    const transfer = () =>
      ctx.lib.post(`/people/${personId}/episodes/1/transfers`, { toEstablishmentCode: 'LEI', transferredAt });
    const refused = await transfer();
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as Problem & { absenceId?: string; transferredAt?: string };
    expect(problem.code).toBe('ABSENCE_OPEN');
    expect(problem.detail).toContain(`record the return at or before ${transferredAt}`);
    expect(problem).toMatchObject({ absenceId: rotl.absenceId, transferredAt });

    // A return at the real time (after the transfer) would make the retry fall inside the absence.
    expect((await back(personId, rotl.absenceId, { returnedAt: transferredAt })).status).toBe(201);
    const retried = await transfer();
    expect(retried.status).toBe(201);
  });

  it('flags a release while out on ROTL past its due-back time (overdueAbsence in the answer, on a retry too)', async () => {
    const personId = await inCustody();
    const rotl = await json<AbsenceView>(
      await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(600), dueBackAt: minutesAgo(500) }),
    );
    const body = { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(400) };
    const released = await ctx.lib.post('/releases', body);
    expect(released.status).toBe(201);
    const overdueAbsence = {
      absenceId: rotl.absenceId,
      kind: 'ROTL',
      leftAt: rotl.leftAt,
      dueBackAt: rotl.dueBackAt,
    };
    const answer = (await released.json()) as { eventId: string; overdueAbsence: { overdueSince: string } };
    expect(answer).toMatchObject({ overdueAbsence });
    // The release's event says it too, for consumers of the bus.
    const [releaseEvent] = (await ctx.lib.eventsOnBus('custody.person.released', personId)).map((e) =>
      PersonReleasedV1.parse(e),
    );
    expect(releaseEvent!.data.endedAbsence).toEqual({
      absenceId: rotl.absenceId,
      kind: 'ROTL',
      leftAt: rotl.leftAt,
      overdueSince: answer.overdueAbsence.overdueSince,
    });
    const retry = await ctx.lib.post('/releases', body);
    expect(retry.status).toBe(200);
    expect((await retry.json()) as unknown).toMatchObject({ overdueAbsence });
    expect((await list(personId)).items[0]).toMatchObject({ absenceId: rotl.absenceId, status: 'RELEASED' });

    /** Released from BAR `minutes` ago, while out. */
    const releasedAt = (person: string, minutes: number) =>
      ctx.lib.post('/releases', {
        personId: person,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(minutes),
      });
    // Released while out, but before the due-back time: nothing to flag.
    const other = await inCustody();
    await depart(other, { kind: 'ROTL', leftAt: minutesAgo(600), dueBackAt: minutesAgo(100) });
    const inTime = await releasedAt(other, 400);
    expect(inTime.status).toBe(201);
    expect((await inTime.json()) as unknown).toMatchObject({ overdueAbsence: null });

    // No dueBackAt (as from HMPPS): the default of its kind, as the overdue list has it (M2).
    const noDueTime = await inCustody();
    const long = await json<AbsenceView>(await depart(noDueTime, { kind: 'ROTL', leftAt: minutesAgo(1600) }));
    const releasedLate = await releasedAt(noDueTime, 60);
    expect(releasedLate.status).toBe(201);
    expect((await releasedLate.json()) as unknown).toMatchObject({
      overdueAbsence: {
        absenceId: long.absenceId,
        kind: 'ROTL',
        leftAt: long.leftAt,
        dueBackAt: null,
        overdueSince: new Date(
          Date.parse(long.leftAt) + ROTL_DEFAULT_DUE_BACK_HOURS * 3_600_000,
        ).toISOString(),
        dueBackKnown: false,
      },
    });
    // Within the default (out 15 h when released): nothing to flag.
    const shortly = await inCustody();
    await depart(shortly, { kind: 'ROTL', leftAt: minutesAgo(900) });
    const releasedInTime = await releasedAt(shortly, 60);
    expect(releasedInTime.status).toBe(201);
    expect((await releasedInTime.json()) as unknown).toMatchObject({ overdueAbsence: null });
  });

  it('refuses out-of-order times (422), bad input (400), unknown absences and other prisons (404), a reused key (422)', async () => {
    const personId = await inCustody();
    const beforeReception = await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(3000) });
    expect(beforeReception.status).toBe(422);
    expect((await json<Problem>(beforeReception)).code).toBe('ABSENCE_BEFORE_RECEPTION');

    const dueBefore = await depart(personId, {
      kind: 'ROTL',
      leftAt: minutesAgo(60),
      dueBackAt: minutesAgo(70),
    });
    expect(dueBefore.status).toBe(400);
    expect((await json<Problem>(dueBefore)).errors?.map((e) => e.field)).toEqual(['dueBackAt']);
    expect((await depart(personId, { kind: 'HOSPITAL', leftAt: minutesAgo(60) })).status).toBe(400);

    const out = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(60) }));
    const early = await back(personId, out.absenceId, { returnedAt: minutesAgo(61) });
    expect(early.status).toBe(422);
    expect((await json<Problem>(early)).code).toBe('RETURN_BEFORE_DEPARTURE');
    expect(
      (await back(personId, '00000000-0000-4000-8000-000000000000', { returnedAt: minutesAgo(1) })).status,
    ).toBe(404);
    const lei = { roles: ['prison-staff'], establishments: ['LEI'] };
    expect(
      (
        await ctx.lib.post(
          `${path(personId)}/${out.absenceId}/return`,
          { returnedAt: minutesAgo(1) },
          {},
          lei,
        )
      ).status,
    ).toBe(404);
    expect((await ctx.lib.get(path(personId), lei)).status).toBe(404);

    const other = await inCustody();
    const key = { 'idempotency-key': `spec-absence-${other}` };
    const court = { kind: 'COURT', leftAt: minutesAgo(50) };
    expect((await depart(other, court, key)).status).toBe(201);
    expect((await depart(other, court, key)).status).toBe(200);
    const reused = await depart(other, { kind: 'COURT', leftAt: minutesAgo(40) }, key);
    expect(reused.status).toBe(422);
    expect((await json<Problem>(reused)).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('filters the list by status and kind; a cursor from a filtered page continues the filtered list; a bad filter is 400 naming it', async () => {
    const personId = await inCustody();
    const returnedRotl = async (leftAt: string, returnedAt: string) => {
      const a = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt }));
      expect((await back(personId, a.absenceId, { returnedAt })).status).toBe(201);
      return a.absenceId;
    };
    const first = await returnedRotl(minutesAgo(900), minutesAgo(850));
    const court = await json<AbsenceView>(await depart(personId, { kind: 'COURT', leftAt: minutesAgo(800) }));
    expect((await back(personId, court.absenceId, { returnedAt: minutesAgo(750) })).status).toBe(201);
    const second = await returnedRotl(minutesAgo(700), minutesAgo(650));
    const undone = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(600) }));
    expect(
      (await reverse(personId, undone.absenceId, { part: 'DEPARTURE', reversedAt: minutesAgo(590) })).status,
    ).toBe(201);
    const out = await json<AbsenceView>(await depart(personId, { kind: 'ROTL', leftAt: minutesAgo(500) }));

    const page = async (query: string) => {
      const r = await ctx.lib.get(`${path(personId)}?${query}`);
      expect(r.status).toBe(200);
      return json<AbsencePage>(r);
    };
    const ids = async (query: string) => (await page(query)).items.map((a) => a.absenceId);
    expect(await ids('status=OUT')).toEqual([out.absenceId]);
    expect(await ids('status=REVERSED')).toEqual([undone.absenceId]);
    expect(await ids('status=RETURNED')).toEqual([second, court.absenceId, first]);
    expect(await ids('kind=COURT')).toEqual([court.absenceId]);
    expect(await ids('kind=ROTL')).toEqual([out.absenceId, undone.absenceId, second, first]);
    expect(await ids('status=RELEASED')).toEqual([]);

    // Two returned ROTLs with the returned COURT absence between them: one a page, the cursor
    // of the first page skips the court absence and ends after the second.
    const one = await page('status=RETURNED&kind=ROTL&limit=1');
    expect(one.items.map((a) => a.absenceId)).toEqual([second]);
    expect(one.nextCursor).not.toBeNull();
    const two = await page(`status=RETURNED&kind=ROTL&limit=1&cursor=${one.nextCursor}`);
    expect(two.items.map((a) => a.absenceId)).toEqual([first]);
    expect(two.nextCursor).toBeNull();

    for (const [query, field] of [
      ['status=GONE', 'status'],
      ['kind=HOSPITAL', 'kind'],
      ['status=out', 'status'],
    ] as const) {
      const bad = await ctx.lib.get(`${path(personId)}?${query}`);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect((await json<Problem>(bad)).errors?.map((e) => e.field)).toEqual([field]);
    }
  });

  describe('overdue absences (GET /absences/overdue)', () => {
    // This run's own establishments: the list is read from a shared database, where rows of other
    // tests and earlier runs may be overdue too (and more than a page of them).
    const code = () =>
      `Q${Array.from({ length: 2 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('')}`;
    const here = code();
    let there = code();
    while (there === here) there = code();
    const staff = prisonStaff(here);

    /** In custody at `establishmentCode`, out since `left` (minutes ago), due back `dueBack` minutes ago (negative: to come). */
    async function out(establishmentCode: string, left: number, dueBack: number | null, kind = 'ROTL') {
      const reception = aReception({ establishmentCode, receivedAt: minutesAgo(2000) });
      expect((await ctx.lib.post('/receptions', reception, {}, prisonStaff(establishmentCode))).status).toBe(
        201,
      );
      const personId = personIdOf(reception.prisonNumber);
      const departed = await ctx.lib.post(
        `/people/${personId}/episodes/1/absences`,
        { kind, leftAt: minutesAgo(left), ...(dueBack === null ? {} : { dueBackAt: minutesAgo(dueBack) }) },
        {},
        prisonStaff(establishmentCode),
      );
      expect(departed.status).toBe(201);
      const absence = (await departed.json()) as AbsenceView;
      return { personId, absenceId: absence.absenceId, leftAt: absence.leftAt, dueBackAt: absence.dueBackAt };
    }
    const overdue = async (query: string, as = staff) => {
      const response = await ctx.lib.get(`/absences/overdue${query}`, as);
      expect(response.status).toBe(200);
      return (await response.json()) as OverdueAbsencePage;
    };
    const post = async (path: string, body: unknown) => (await ctx.lib.post(path, body, {}, staff)).status;
    const absencePath = (a: { personId: string; absenceId: string }, what: string) =>
      `/people/${a.personId}/episodes/1/absences/${a.absenceId}/${what}`;

    it("lists open absences past their due-back time, longest overdue first, from the caller's establishments only", async () => {
      const longest = await out(here, 700, 400);
      const later = await out(here, 600, 300, 'COURT');
      const returned = await out(here, 500, 200);
      expect(await post(absencePath(returned, 'return'), { returnedAt: minutesAgo(100) })).toBe(201);
      const notYetDue = await out(here, 100, -60);
      const noDueTime = await out(here, 900, null);
      const elsewhere = await out(there, 800, 500);
      const mine = new Set(
        [longest, later, returned, notYetDue, noDueTime, elsewhere].map((p) => p.personId),
      );
      const ours = (page: OverdueAbsencePage) => page.items.filter((i) => mine.has(i.personId));

      const atHere = ours(await overdue(`?establishmentCode=${here}&limit=200`));
      expect(atHere.map((i) => [i.personId, i.kind, i.status, i.dueBackKnown])).toEqual([
        [longest.personId, 'ROTL', 'OUT', true],
        [later.personId, 'COURT', 'OUT', true],
      ]);
      expect(atHere[0]!.overdueSince).toBe(atHere[0]!.dueBackAt);
      expect(atHere[0]!.overdueMinutes).toBeGreaterThanOrEqual(400);
      expect(atHere[0]!.overdueMinutes).toBeLessThan(410);
      // Every establishment of the caller's: the same ones.
      expect(ours(await overdue('?limit=200')).map((i) => i.personId)).toEqual([
        longest.personId,
        later.personId,
      ]);

      // Another establishment's staff see theirs only; asking for an establishment not theirs is empty.
      expect(ours(await overdue('?limit=200', prisonStaff(there))).map((i) => i.personId)).toEqual([
        elsewhere.personId,
      ]);
      expect((await overdue(`?establishmentCode=${there}`)).items).toEqual([]);

      // Pages follow the order with a cursor.
      const pages: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: OverdueAbsencePage = await overdue(
          `?establishmentCode=${here}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        pages.push(...ours(page).map((i) => i.personId));
        cursor = page.nextCursor;
      }
      expect(pages).toEqual([longest.personId, later.personId]);

      const bad = await ctx.lib.get('/absences/overdue?limit=0', staff);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.[0]?.field).toBe('limit');
    });

    it('with no dueBackAt (as from HMPPS): COURT overdue after its UK day, ROTL after 24 h (dueBackKnown false); only open absences, whatever ended or undid one', async () => {
      // No dueBackAt: out at court since yesterday (UK), a UK day that has ended whatever the time
      // now; on ROTL 25 h or 15 h. (A court absence of today, not yet due, is the fixed-instant
      // case below: with the wall clock it would turn overdue at UK midnight, mid-test.)
      const courtYesterday = await out(here, 1500, null, 'COURT');
      const rotlLong = await out(here, 1500, null);
      const rotlShort = await out(here, 900, null);
      // Each predicate: back; the departure undone; the return undone (out again); ended by a
      // release; ended by a transfer (sent from court to another prison).
      const returned = await out(here, 700, 400);
      expect(await post(absencePath(returned, 'return'), { returnedAt: minutesAgo(350) })).toBe(201);
      const neverWas = await out(here, 700, 400);
      expect(
        await post(absencePath(neverWas, 'reversal'), { part: 'DEPARTURE', reversedAt: minutesAgo(5) }),
      ).toBe(201);
      const outAgain = await out(here, 700, 400);
      expect(await post(absencePath(outAgain, 'return'), { returnedAt: minutesAgo(350) })).toBe(201);
      expect(
        await post(absencePath(outAgain, 'reversal'), { part: 'RETURN', reversedAt: minutesAgo(5) }),
      ).toBe(201);
      const released = await out(here, 700, 400);
      expect(
        await post('/releases', {
          personId: released.personId,
          establishmentCode: here,
          reason: 'RELEASED',
          releasedAt: minutesAgo(300),
        }),
      ).toBe(201);
      const transferred = await out(here, 700, 400, 'COURT');
      expect(
        await post(`/people/${transferred.personId}/episodes/1/transfers`, {
          toEstablishmentCode: there,
          transferredAt: minutesAgo(300),
        }),
      ).toBe(201);
      const all = [courtYesterday, rotlLong, rotlShort, returned, neverWas, outAgain, released, transferred];
      const mine = new Set(all.map((a) => a.absenceId));

      const listed = (await overdue(`?establishmentCode=${here}&limit=200`)).items.filter((i) =>
        mine.has(i.absenceId),
      );
      const courtDue = startOfLocalDay(
        addDays(localDateOf(new Date(courtYesterday.leftAt)), 1),
      ).toISOString();
      const rotlDue = new Date(
        Date.parse(rotlLong.leftAt) + ROTL_DEFAULT_DUE_BACK_HOURS * 3_600_000,
      ).toISOString();
      const expected = [
        {
          absenceId: outAgain.absenceId,
          status: 'OUT',
          dueBackKnown: true,
          overdueSince: outAgain.dueBackAt!,
        },
        { absenceId: courtYesterday.absenceId, status: 'OUT', dueBackKnown: false, overdueSince: courtDue },
        { absenceId: rotlLong.absenceId, status: 'OUT', dueBackKnown: false, overdueSince: rotlDue },
      ].sort(
        (a, b) =>
          Date.parse(a.overdueSince) - Date.parse(b.overdueSince) || a.absenceId.localeCompare(b.absenceId),
      );
      expect(
        listed.map((i) => ({
          absenceId: i.absenceId,
          status: i.status,
          dueBackKnown: i.dueBackKnown,
          overdueSince: i.overdueSince,
        })),
      ).toEqual(expected);
      const rotl = listed.find((i) => i.absenceId === rotlLong.absenceId)!;
      expect(rotl.dueBackAt).toBeNull();
      expect(rotl.overdueMinutes).toBeGreaterThanOrEqual(60);
      expect(rotl.overdueMinutes).toBeLessThan(70);
      // The court absence ended by the transfer is not overdue at the prison it was sent to either.
      expect(
        (await overdue(`?establishmentCode=${there}&limit=200`, prisonStaff(there))).items.filter((i) =>
          mine.has(i.absenceId),
        ),
      ).toEqual([]);
    });

    it('a COURT absence with no dueBackAt is due by the end of the UK day it left on, in GMT and BST and across both clock changes (fixed instants, no wall clock)', async () => {
      // An establishment of this test's own: nothing else of it is overdue at these instants.
      let court = code();
      while (court === here || court === there) court = code();
      const leftOn = async (leftAt: string) => {
        const reception = aReception({
          establishmentCode: court,
          receivedAt: '2026-01-05T10:00:00Z',
          sentenceDate: '2026-01-05',
          sentenceLengthDays: 1095,
        });
        expect((await ctx.lib.post('/receptions', reception, {}, prisonStaff(court))).status).toBe(201);
        const departed = await ctx.lib.post(
          `/people/${personIdOf(reception.prisonNumber)}/episodes/1/absences`,
          { kind: 'COURT', leftAt },
          {},
          prisonStaff(court),
        );
        expect(departed.status).toBe(201);
        return ((await departed.json()) as AbsenceView).absenceId;
      };
      // Clocks go forward at 2026-03-29T01:00Z and back at 2026-10-25T01:00Z.
      const cases = {
        gmtSaturday: { leftAt: '2026-03-28T10:00:00Z', due: '2026-03-29T00:00:00.000Z' },
        beforeSpringForward: { leftAt: '2026-03-29T00:30:00Z', due: '2026-03-29T23:00:00.000Z' },
        bstSunday: { leftAt: '2026-03-29T14:00:00Z', due: '2026-03-29T23:00:00.000Z' },
        // 23:30 BST on the Saturday: due at its midnight, 23:00Z, half an hour later.
        bstLateEvening: { leftAt: '2026-10-24T22:30:00Z', due: '2026-10-24T23:00:00.000Z' },
        // 01:30 BST on the Sunday the clocks go back: that day ends at midnight GMT.
        beforeFallBack: { leftAt: '2026-10-25T00:30:00Z', due: '2026-10-26T00:00:00.000Z' },
      };
      const ids = new Map<string, string>();
      for (const [name, c] of Object.entries(cases)) ids.set(await leftOn(c.leftAt), name);
      // The rule the release's overdueAbsence flag uses (in TS) says the same as the list's SQL.
      for (const c of Object.values(cases))
        expect(
          absenceDueBy({ kind: 'COURT', leftAt: new Date(c.leftAt), dueBackAt: null }).dueBy.toISOString(),
        ).toBe(c.due);
      const service = ctx.lib.app.get(OverdueAbsencesService);
      const at = async (now: string) =>
        // As the court's staff's request would: their establishment, in the database too.
        (
          await runWithDatabaseScope({ establishments: [court] }, () =>
            service.list({ establishments: [court] }, { limit: 200 }, new Date(now)),
          )
        ).items
          .filter((i) => ids.has(i.absenceId))
          .map((i) => [ids.get(i.absenceId), i.overdueSince, i.dueBackKnown]);
      const listed = (...names: Array<keyof typeof cases>) => names.map((n) => [n, cases[n].due, false]);

      // The GMT Saturday's court day ends at midnight GMT (00:00Z), not a minute before.
      expect(await at('2026-03-28T23:59:00Z')).toEqual([]);
      expect(await at('2026-03-29T00:01:00Z')).toEqual(listed('gmtSaturday'));
      // The Sunday the clocks go forward ends at midnight BST, 23:00Z: a minute before, not yet.
      expect(await at('2026-03-29T22:59:00Z')).toEqual(listed('gmtSaturday'));
      const springSunday = await at('2026-03-29T23:01:00Z');
      expect(springSunday.slice(0, 1)).toEqual(listed('gmtSaturday'));
      expect([...springSunday.slice(1)].sort()).toEqual(listed('beforeSpringForward', 'bstSunday').sort());
      // Late on a BST evening: due half an hour later, at its midnight.
      expect((await at('2026-10-24T22:59:00Z')).map(([n]) => n)).not.toContain('bstLateEvening');
      expect((await at('2026-10-24T23:01:00Z')).map(([n]) => n)).toContain('bstLateEvening');
      // The Sunday the clocks go back ends at midnight GMT (25 hours long).
      expect((await at('2026-10-25T23:59:00Z')).map(([n]) => n)).not.toContain('beforeFallBack');
      const after = await at('2026-10-26T00:01:00Z');
      expect(after.slice(-1)).toEqual(listed('beforeFallBack'));
      expect(after).toHaveLength(5);
    });

    it('reads the open absences through the partial index of migration 1900', async () => {
      const q = overdueAbsencesQuery(
        ctx.lib.dataSource,
        { establishments: [here] },
        { limit: 50 },
        new Date(),
      )!;
      const [sql, parameters] = q.getQueryAndParameters();
      const plan = await ctx.lib.dataSource.transaction(async (tx) => {
        // A small table is read whole whatever the indexes: ask whether the index can serve it.
        await tx.query('SET LOCAL enable_seqscan = off');
        return ((await tx.query(`EXPLAIN ${sql}`, parameters)) as Array<{ 'QUERY PLAN': string }>)
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      });
      expect(plan).toContain('temporary_absence_open_by_due_back');
    });
  });
});
