import { randomUUID } from 'node:crypto';
import { AppointmentScheduledV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import { asThePlatformService, useReferralApp, type Problem } from '../testing/referral-app';
import { anAgencyId, anAppointment } from '../testing/referral.mother';
import type { AppointmentView } from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('appointments: the agency sets when and where, and moves it with a reason (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const bus = () => running().bus;
  const appointments = () => asThePlatformService(running().app.get(AppointmentsService));
  const days = (n: number) => new Date(Date.now() + n * 24 * 60 * 60_000).toISOString();
  /** Due in 5 days, as the journey books a first appointment after release. */
  const booked = async () => {
    const input = anAppointment({ dueBy: days(5) });
    const { appointmentId } = await appointments().bookFirst(input);
    return { id: appointmentId, agencyId: input.agencyId, input };
  };
  const schedule = (id: string, agencyId: string | undefined, body: unknown, headers = {}) =>
    post(`/appointments/${id}/schedule`, agencyId, body, headers);
  const office = {
    placeKind: 'AGENCY_OFFICE',
    place: 'Edinburgh Justice Social Work, 1 Market Street, room 3',
    scheduledBy: 'Justice Social Work duty team',
  };

  it('sets a time and place (201, one scheduled event), answers the same again with 200, and moves it only with a reason', async () => {
    const { id, agencyId, input } = await booked();
    const startsAt = days(3);
    const correlationId = `spec-${randomUUID()}`;

    const first = await schedule(
      id,
      agencyId,
      { ...office, startsAt, durationMinutes: 60 },
      {
        'x-correlation-id': correlationId,
      },
    );
    expect(first.status).toBe(201);
    const set = (await first.json()) as AppointmentView;
    expect(set.schedule).toEqual({
      startsAt,
      durationMinutes: 60,
      placeKind: 'AGENCY_OFFICE',
      place: office.place,
      reason: null,
      scheduledAt: expect.any(String) as string,
      scheduledBy: 'Justice Social Work duty team',
      withinDueBy: true,
    });
    expect(set.schedules).toEqual([set.schedule]);
    expect(set.status).toBe('AWAITING_ATTENDANCE');

    // The same time and place again (another role, no reason): a repeat.
    const again = await schedule(id, agencyId, {
      ...office,
      startsAt,
      durationMinutes: 60,
      scheduledBy: 'Admin',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(set);

    // Moving it needs a reason.
    const later = days(6);
    const noReason = await schedule(id, agencyId, { ...office, startsAt: later });
    expect(noReason.status).toBe(422);
    expect(await noReason.json()).toMatchObject({ code: 'RESCHEDULE_REASON_REQUIRED' });
    const moved = await schedule(id, agencyId, {
      placeKind: 'HOME_VISIT',
      place: '12 Example Road, Leith',
      startsAt: later,
      scheduledBy: 'Justice Social Work duty team',
      reason: 'The person has no bus fare; a home visit instead',
    });
    expect(moved.status).toBe(201);
    const view = (await moved.json()) as AppointmentView;
    expect(view.schedule).toMatchObject({
      startsAt: later,
      durationMinutes: null,
      placeKind: 'HOME_VISIT',
      reason: 'The person has no bus fare; a home visit instead',
      // Past the journey's first-appointment deadline: the view says so.
      withinDueBy: false,
    });
    expect(view.schedules.map((s) => s.startsAt)).toEqual([startsAt, later]);
    expect(await (await get(`/appointments/${id}`, agencyId)).json()).toEqual(view);
    const listed = (await (await get('/appointments', agencyId)).json()) as Page<AppointmentView>;
    expect(listed.items).toEqual([view]);

    // The bus carries when and the kind of place, never the address.
    const events = (await bus().onBus('referral.appointment.scheduled', 'appointmentId', id)).map((e) =>
      AppointmentScheduledV1.parse(e),
    );
    expect(events.map((e) => e.data)).toEqual([
      {
        appointmentId: id,
        episode: 1,
        agencyId,
        startsAt,
        durationMinutes: 60,
        placeKind: 'AGENCY_OFFICE',
        rescheduled: false,
      },
      {
        appointmentId: id,
        episode: 1,
        agencyId,
        startsAt: later,
        placeKind: 'HOME_VISIT',
        rescheduled: true,
        reason: 'The person has no bus fare; a home visit instead',
      },
    ]);
    expect(events[0]!.correlationId).toBe(correlationId);
    expect(events[0]!.personReference.identifiers).toEqual([
      { type: 'THROUGHCARE_ID', value: input.personId },
    ]);
    expect(JSON.stringify(events)).not.toContain('Example Road');
  });

  it('refuses a time gone by (422), a cancelled appointment or one attended (409), bad bodies (400), and another agency (404)', async () => {
    const { id, agencyId } = await booked();

    const past = await schedule(id, agencyId, { ...office, startsAt: days(-1) });
    expect(past.status).toBe(422);
    expect(await past.json()).toMatchObject({ code: 'STARTS_IN_PAST' });

    const bad = await schedule(id, agencyId, {
      startsAt: 'tomorrow',
      durationMinutes: 2,
      placeKind: 'PUB',
      place: ' ',
      scheduledBy: 'x'.repeat(201),
      colour: 'blue',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      '(root)',
      'durationMinutes',
      'place',
      'placeKind',
      'scheduledBy',
      'startsAt',
    ]);

    const hidden = await schedule(id, anAgencyId(), { ...office, startsAt: days(2) });
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ code: 'APPOINTMENT_NOT_FOUND' });
    expect((await schedule(id, undefined, { ...office, startsAt: days(2) })).status).toBe(401);

    // Attended: it happened, it takes no new time.
    const attended = await post(`/appointments/${id}/attendance`, agencyId, {
      attendance: 'YES',
      attendedAt: new Date().toISOString(),
      recordedBy: 'Duty team',
    });
    expect(attended.status).toBe(201);
    const afterAttendance = await schedule(id, agencyId, { ...office, startsAt: days(2) });
    expect(afterAttendance.status).toBe(409);
    expect(await afterAttendance.json()).toMatchObject({ code: 'ATTENDANCE_ALREADY_RECORDED' });

    // Cancelled by the journey (a compensation): no new time either.
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
    expect(problem).toMatchObject({ code: 'APPOINTMENT_CANCELLED' });
    expect(problem.detail).toMatch(/it cannot be set for a time/);

    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', id)).toHaveLength(0);
    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', cancelledId)).toHaveLength(
      0,
    );
  });

  it('records one schedule when the same one is posted concurrently', async () => {
    const { id, agencyId } = await booked();
    const body = { ...office, startsAt: days(2) };

    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await schedule(id, agencyId, body)).status),
    );

    expect(statuses.sort()).toEqual([200, 200, 200, 201]);
    expect(await bus().outbox('referral.appointment.scheduled', 'appointmentId', id)).toHaveLength(1);
  });
});
