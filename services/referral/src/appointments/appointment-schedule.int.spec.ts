import { randomUUID } from 'node:crypto';
import { AppointmentScheduledV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import { asThePlatformService, useReferralApp, type Problem } from '../testing/referral-app';
import { anAgencyId, anAppointment } from '../testing/referral.mother';
import type { AppointmentView, ScheduleAppointmentBody } from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('appointments: the agency sets when and where, moves it and corrects it (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const bus = () => running().bus;
  const appointments = () => asThePlatformService(running().app.get(AppointmentsService));
  const HOUR = 60 * 60_000;
  const inHours = (n: number) => new Date(Date.now() + n * HOUR).toISOString();
  const days = (n: number) => inHours(24 * n);
  /** Due in 5 days, booked two hours ago (as the journey books a first appointment after release). */
  const booked = async () => {
    const input = anAppointment({ dueBy: days(5) });
    const { appointmentId } = await appointments().bookFirst(input, new Date(Date.now() - 2 * HOUR));
    return { id: appointmentId, agencyId: input.agencyId, input };
  };
  const schedule = (id: string, agencyId: string | undefined, body: unknown, headers = {}) =>
    post(`/appointments/${id}/schedule`, agencyId, body, headers);
  const office = {
    placeKind: 'AGENCY_OFFICE' as const,
    place: 'Edinburgh Justice Social Work, 1 Market Street, room 3',
    scheduledBy: 'Justice Social Work duty team',
  };
  const storedSchedules = async (id: string) =>
    (await running().dataSource.query(
      `SELECT change, reason_code AS "reasonCode", reason FROM referral.appointment_schedule WHERE appointment_id = $1 ORDER BY sequence`,
      [id],
    )) as Array<{ change: string; reasonCode: string | null; reason: string | null }>;
  const code = async (response: Response) => ((await response.json()) as Problem).code;

  it('sets a time and place (201), answers the same again with 200, and moves it only with a reason code; the bus carries no address and no free text', async () => {
    const { id, agencyId, input } = await booked();
    const startsAt = days(3);
    const correlationId = `spec-${randomUUID()}`;

    const first = await schedule(
      id,
      agencyId,
      { ...office, startsAt, durationMinutes: 60 },
      { 'x-correlation-id': correlationId },
    );
    expect(first.status).toBe(201);
    const set = (await first.json()) as AppointmentView;
    expect(set.schedule).toEqual({
      startsAt,
      durationMinutes: 60,
      placeKind: 'AGENCY_OFFICE',
      place: office.place,
      change: 'FIRST',
      reasonCode: null,
      reason: null,
      retrospective: false,
      scheduledAt: expect.any(String) as string,
      scheduledBy: 'Justice Social Work duty team',
      withinDueBy: true,
    });
    expect(set.schedules).toEqual([set.schedule]);

    // The same time and place again (another role): a repeat.
    const again = await schedule(id, agencyId, {
      ...office,
      startsAt,
      durationMinutes: 60,
      scheduledBy: 'Admin',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(set);

    // Moving it needs a reason code; the free text stays with the agency's record.
    const later = days(6);
    const noReason = await schedule(id, agencyId, { ...office, startsAt: later });
    expect(noReason.status).toBe(422);
    expect(await code(noReason)).toBe('RESCHEDULE_REASON_REQUIRED');
    const moved = await schedule(id, agencyId, {
      placeKind: 'HOME_VISIT',
      place: '12 Example Road, Leith',
      startsAt: later,
      scheduledBy: 'Justice Social Work duty team',
      reasonCode: 'PERSON_UNWELL',
      reason: 'In bed with flu; home visit at 12 Example Road instead',
    });
    expect(moved.status).toBe(201);
    const view = (await moved.json()) as AppointmentView;
    expect(view.schedule).toMatchObject({
      startsAt: later,
      durationMinutes: null,
      placeKind: 'HOME_VISIT',
      change: 'MOVED',
      reasonCode: 'PERSON_UNWELL',
      reason: 'In bed with flu; home visit at 12 Example Road instead',
      // Past the journey's first-appointment deadline: the view says so.
      withinDueBy: false,
    });
    expect(view.schedules?.map((s) => s.startsAt)).toEqual([startsAt, later]);
    expect(await (await get(`/appointments/${id}`, agencyId)).json()).toEqual(view);
    // A list shows the current schedule only (earlier places are on the appointment itself).
    const listed = (await (await get('/appointments', agencyId)).json()) as Page<AppointmentView>;
    const { schedules: _history, ...current } = view;
    expect(listed.items).toEqual([current]);

    const events = (await bus().onBus('referral.appointment.scheduled', 'appointmentId', id)).map((e) =>
      AppointmentScheduledV1.parse(e),
    );
    expect(events.map((e) => e.data)).toEqual([
      {
        appointmentId: id,
        scheduleId: expect.any(String) as string,
        episode: 1,
        agencyId,
        startsAt,
        durationMinutes: 60,
        placeKind: 'AGENCY_OFFICE',
        change: 'FIRST',
      },
      {
        appointmentId: id,
        scheduleId: expect.any(String) as string,
        supersedes: events[0]!.data.scheduleId,
        episode: 1,
        agencyId,
        startsAt: later,
        durationMinutes: null,
        placeKind: 'HOME_VISIT',
        change: 'MOVED',
        reasonCode: 'PERSON_UNWELL',
      },
    ]);
    expect(events[0]!.correlationId).toBe(correlationId);
    expect(events[0]!.personReference.identifiers).toEqual([
      { type: 'THROUGHCARE_ID', value: input.personId },
    ]);
    const onBus = JSON.stringify(events);
    expect(onBus).not.toContain('Example Road');
    expect(onBus).not.toContain('flu');
  });

  it('records a first time set after the event as retrospective, and corrects a time gone by; a move waits for the attendance of a time gone by', async () => {
    const { id, agencyId } = await booked();
    // Arranged by phone for an hour ago, typed in now.
    const anHourAgo = inHours(-1);
    const retro = await schedule(id, agencyId, { ...office, startsAt: anHourAgo });
    expect(retro.status).toBe(201);
    expect(((await retro.json()) as AppointmentView).schedule).toMatchObject({
      retrospective: true,
      change: 'FIRST',
    });

    // Its time has gone by with no attendance: a move is refused, a correction is taken.
    const move = await schedule(id, agencyId, {
      ...office,
      startsAt: days(2),
      reasonCode: 'PERSON_REQUESTED',
    });
    expect(move.status).toBe(409);
    expect(await code(move)).toBe('ATTENDANCE_DUE_FIRST');
    // Nor is it turned into a time to come by calling the move a correction.
    const disguised = await schedule(id, agencyId, {
      ...office,
      startsAt: days(2),
      reasonCode: 'CORRECTION',
    });
    expect(disguised.status).toBe(409);
    expect(await code(disguised)).toBe('ATTENDANCE_DUE_FIRST');
    const corrected = await schedule(id, agencyId, {
      ...office,
      place: 'Edinburgh Justice Social Work, 1 Market Street, room 4',
      startsAt: anHourAgo,
      reasonCode: 'CORRECTION',
    });
    expect(corrected.status).toBe(201);
    expect(((await corrected.json()) as AppointmentView).schedule).toMatchObject({ change: 'CORRECTED' });

    // Missed: recorded; a move is refused now, a correction still taken (rectifying the record).
    expect(
      (
        await post(`/appointments/${id}/attendance`, agencyId, {
          attendance: 'NO',
          attendedAt: anHourAgo,
          reason: 'POP_UNACCEPTABLE',
          recordedBy: 'Duty team',
        })
      ).status,
    ).toBe(201);
    const afterMissed = await schedule(id, agencyId, { ...office, startsAt: days(2), reasonCode: 'OTHER' });
    expect(afterMissed.status).toBe(409);
    expect(await code(afterMissed)).toBe('ATTENDANCE_ALREADY_RECORDED');
    // A correction may not contradict the attendance: no time after it was missed.
    const contradicting = await schedule(id, agencyId, {
      ...office,
      startsAt: inHours(-0.5),
      reasonCode: 'CORRECTION',
    });
    expect(contradicting.status).toBe(409);
    expect(((await contradicting.json()) as Problem).detail).toMatch(/cannot be set for a time after that/);
    expect(
      (
        await schedule(id, agencyId, {
          ...office,
          place: 'Room 5',
          startsAt: anHourAgo,
          reasonCode: 'CORRECTION',
        })
      ).status,
    ).toBe(201);
    expect((await storedSchedules(id)).map((s) => [s.change, s.reasonCode])).toEqual([
      ['FIRST', null],
      ['CORRECTED', 'CORRECTION'],
      ['CORRECTED', 'CORRECTION'],
    ]);
    const events = (await bus().outbox('referral.appointment.scheduled', 'appointmentId', id)).map((e) =>
      AppointmentScheduledV1.parse(e),
    );
    expect(events.map((e) => [e.data.change, e.data.reasonCode, e.data.supersedes])).toEqual([
      ['FIRST', undefined, undefined],
      ['CORRECTED', 'CORRECTION', events[0]!.data.scheduleId],
      ['CORRECTED', 'CORRECTION', events[1]!.data.scheduleId],
    ]);
  });

  it('takes a first time and place after attendance was recorded, up to when it was attended', async () => {
    const { id, agencyId } = await booked();
    const attendedAt = inHours(-0.5);
    expect(
      (
        await post(`/appointments/${id}/attendance`, agencyId, {
          attendance: 'YES',
          attendedAt,
          recordedBy: 'Duty team',
        })
      ).status,
    ).toBe(201);
    const after = await schedule(id, agencyId, { ...office, startsAt: days(1) });
    expect(after.status).toBe(409);
    expect(await code(after)).toBe('ATTENDANCE_ALREADY_RECORDED');
    const asItWas = await schedule(id, agencyId, { ...office, startsAt: inHours(-1) });
    expect(asItWas.status).toBe(201);
    expect(((await asItWas.json()) as AppointmentView).schedule).toMatchObject({
      change: 'FIRST',
      retrospective: true,
    });
  });

  it('moves only to a time to come (422 STARTS_IN_PAST)', async () => {
    const { id, agencyId } = await booked();
    expect((await schedule(id, agencyId, { ...office, startsAt: days(1) })).status).toBe(201);
    const back = await schedule(id, agencyId, {
      ...office,
      startsAt: inHours(-1),
      reasonCode: 'PERSON_REQUESTED',
    });
    expect(back.status).toBe(422);
    expect(await code(back)).toBe('STARTS_IN_PAST');
  });

  it('checks a repeat before the time: the same schedule again after its time has gone by is a repeat, not an error', async () => {
    const { id, agencyId } = await booked();
    const body: ScheduleAppointmentBody = { ...office, startsAt: inHours(1) };
    const service = appointments();
    const inThreeHours = () => new Date(Date.now() + 3 * HOUR);
    expect((await service.schedule(agencyId, id, body, { correlationId: 'c1' })).recorded).toBe(true);
    // Three hours on (its start gone by): the same body is answered as it stands …
    expect((await service.schedule(agencyId, id, body, { correlationId: 'c2' }, inThreeHours)).recorded).toBe(
      false,
    );
    // … while a move is not.
    await expect(
      service.schedule(
        agencyId,
        id,
        { ...body, startsAt: days(2), reasonCode: 'TRANSPORT' },
        { correlationId: 'c3' },
        inThreeHours,
      ),
    ).rejects.toMatchObject({ code: 'ATTENDANCE_DUE_FIRST' });
  });

  it('refuses a start before the booking or over a year ahead (422), a cancelled appointment (409), bad bodies (400), another agency (404)', async () => {
    const { id, agencyId } = await booked();

    const beforeBooked = await schedule(id, agencyId, { ...office, startsAt: inHours(-3) });
    expect(beforeBooked.status).toBe(422);
    expect(await code(beforeBooked)).toBe('STARTS_BEFORE_BOOKED');
    const farAhead = await schedule(id, agencyId, { ...office, startsAt: days(400) });
    expect(farAhead.status).toBe(422);
    expect(await code(farAhead)).toBe('STARTS_TOO_FAR_AHEAD');

    const bad = await schedule(id, agencyId, {
      startsAt: 'tomorrow',
      durationMinutes: 2,
      placeKind: 'CUSTODY',
      place: ' ',
      scheduledBy: 'x'.repeat(201),
      reasonCode: 'BORED',
      colour: 'blue',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      '(root)',
      'durationMinutes',
      'place',
      'placeKind',
      'reasonCode',
      'scheduledBy',
      'startsAt',
    ]);

    const hidden = await schedule(id, anAgencyId(), { ...office, startsAt: days(2) });
    expect(hidden.status).toBe(404);
    expect(await code(hidden)).toBe('APPOINTMENT_NOT_FOUND');
    expect((await schedule(id, undefined, { ...office, startsAt: days(2) })).status).toBe(401);

    // Cancelled by the journey (a compensation): no time at all.
    const { id: cancelledId, agencyId: other } = await booked();
    await appointments().cancel({
      idempotencyKey: `spec:${randomUUID()}:cancel`,
      appointmentId: cancelledId,
      reason: 'Release reversed: recorded in error',
      correlationId: randomUUID(),
    });
    const cancelled = await schedule(cancelledId, other, { ...office, startsAt: days(2) });
    expect(cancelled.status).toBe(409);
    const problem = (await cancelled.json()) as Problem;
    expect(problem.code).toBe('APPOINTMENT_CANCELLED');
    expect(problem.detail).toMatch(/it cannot be set for a time/);

    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', id)).toHaveLength(0);
    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', cancelledId)).toHaveLength(
      0,
    );
  });

  it('refuses a non-attendance dated before the scheduled start (422): it cannot have been missed yet', async () => {
    const { id, agencyId } = await booked();
    expect((await schedule(id, agencyId, { ...office, startsAt: days(2) })).status).toBe(201);
    const early = await post(`/appointments/${id}/attendance`, agencyId, {
      attendance: 'NO',
      attendedAt: new Date().toISOString(),
      reason: 'POP_UNACCEPTABLE',
      recordedBy: 'Duty team',
    });
    expect(early.status).toBe(422);
    expect(await code(early)).toBe('NOT_ATTENDED_BEFORE_START');
  });

  it('honours Idempotency-Key: a late retry of an earlier move does not move the appointment back; the key with other facts is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const { id, agencyId } = await booked();
    expect((await schedule(id, agencyId, { ...office, startsAt: days(1) })).status).toBe(201);
    const toB = { ...office, startsAt: days(2), reasonCode: 'STAFF_UNAVAILABLE' };
    const toC = { ...office, startsAt: days(3), reasonCode: 'PERSON_REQUESTED' };
    expect((await schedule(id, agencyId, toB, { 'idempotency-key': 'move-b' })).status).toBe(201);
    expect((await schedule(id, agencyId, toC, { 'idempotency-key': 'move-c' })).status).toBe(201);
    // The first move's retry (its answer was lost) arrives last: answered, nothing moves.
    const retry = await schedule(id, agencyId, toB, { 'idempotency-key': 'move-b' });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as AppointmentView).schedule?.startsAt).toBe(toC.startsAt);
    const reused = await schedule(
      id,
      agencyId,
      { ...toB, place: 'Elsewhere' },
      { 'idempotency-key': 'move-b' },
    );
    expect(reused.status).toBe(422);
    expect(await code(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await storedSchedules(id)).toHaveLength(3);
    // A request refused keeps no key: the same key with the body put right is taken.
    const refused = await schedule(
      id,
      agencyId,
      { ...office, startsAt: days(4) },
      { 'idempotency-key': 'move-d' },
    );
    expect(await code(refused)).toBe('RESCHEDULE_REASON_REQUIRED');
    const fixed = await schedule(
      id,
      agencyId,
      { ...office, startsAt: days(4), reasonCode: 'OTHER' },
      { 'idempotency-key': 'move-d' },
    );
    expect(fixed.status).toBe(201);
    expect(await storedSchedules(id)).toHaveLength(4);
  });

  it('records one schedule when the same one is posted concurrently', async () => {
    const { id, agencyId } = await booked();
    const body = { ...office, startsAt: days(2) };

    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await schedule(id, agencyId, body)).status),
    );

    expect(statuses.sort()).toEqual([200, 200, 200, 201]);
    expect(await storedSchedules(id)).toHaveLength(1);
    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', id)).toHaveLength(1);
  });
});
