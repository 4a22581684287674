import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppointmentAttendanceRecordedV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import type { EventsOnBus } from '../testing/events-on-bus';
import { asAgency, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { anAgencyId, anAppointment } from '../testing/referral.mother';
import type { AppointmentView, BookFirstAppointmentInput } from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

interface Problem {
  status: number;
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('appointments API, scoped to the calling agency (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let bus: EventsOnBus;
  let appointments: AppointmentsService;

  beforeAll(async () => {
    ({ app, base, bus } = await startReferralApp(config));
    appointments = asThePlatformService(app.get(AppointmentsService));
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const { get, post } = asAgency(() => base);
  /** Booked an hour ago, so attendance can be dated between then and now. */
  const booked = async (input: BookFirstAppointmentInput = anAppointment()) => {
    const bookedAt = new Date(Date.now() - 60 * 60_000);
    const { appointmentId } = await appointments.bookFirst(input, bookedAt);
    return { id: appointmentId, input, bookedAt };
  };
  const minutesAfter = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000).toISOString();

  it('shows an agency its appointment, and to another agency it does not exist', async () => {
    const { id, input, bookedAt } = await booked();

    const own = await get(`/appointments/${id}`, input.agencyId);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({
      id,
      personId: input.personId,
      episode: 1,
      agencyId: input.agencyId,
      purpose: 'FIRST_APPOINTMENT',
      referralId: null,
      dueBy: input.dueBy,
      bookedAt: bookedAt.toISOString(),
      status: 'AWAITING_ATTENDANCE',
      attendance: null,
      cancellation: null,
      schedule: null,
      schedules: [],
    });

    const other = anAgencyId();
    const hidden = await get(`/appointments/${id}`, other);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ status: 404, code: 'APPOINTMENT_NOT_FOUND' });
    expect(await (await get('/appointments', other)).json()).toEqual({ items: [], nextCursor: null });
    const record = await post(`/appointments/${id}/attendance`, other, {
      attendance: 'YES',
      attendedAt: minutesAfter(bookedAt, 10),
      recordedBy: 'Duty team',
    });
    expect(record.status).toBe(404);
  });

  it('answers 401 problem+json without an access token', async () => {
    const response = await get('/appointments');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('refuses NO without a reason with 400 naming `reason`, and a reason with YES', async () => {
    const { id, input, bookedAt } = await booked();

    const noReason = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'NO',
      attendedAt: minutesAfter(bookedAt, 10),
      recordedBy: 'Duty team',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await noReason.json()) as Problem;
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual([{ field: 'reason', message: 'required when attendance is NO' }]);

    const reasonWithYes = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'YES',
      attendedAt: minutesAfter(bookedAt, 10),
      reason: 'LOGISTICS',
      recordedBy: 'Duty team',
    });
    expect(reasonWithYes.status).toBe(400);
    expect(((await reasonWithYes.json()) as Problem).errors?.map((e) => e.field)).toEqual(['reason']);

    const badBody = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'MAYBE',
      attendedAt: 'soon',
    });
    expect(((await badBody.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      'attendance',
      'attendedAt',
      'recordedBy',
    ]);
  });

  it('records attendance: 201 and one attendance-recorded event; the same outcome again is 200 with no second event; a different one is 409', async () => {
    const { id, input, bookedAt } = await booked();
    const attendedAt = minutesAfter(bookedAt, 15);
    const body = {
      attendance: 'NO',
      attendedAt,
      reason: 'POP_ACCEPTABLE',
      recordedBy: 'Justice Social Work duty team',
    };
    const correlationId = `spec-${randomUUID()}`;

    const first = await post(`/appointments/${id}/attendance`, input.agencyId, body, {
      'x-correlation-id': correlationId,
    });
    expect(first.status).toBe(201);
    const recorded = (await first.json()) as AppointmentView;
    expect(recorded).toMatchObject({
      status: 'DID_NOT_ATTEND',
      attendance: {
        attendance: 'NO',
        attendedAt,
        reason: 'POP_ACCEPTABLE',
        recordedBy: 'Justice Social Work duty team',
      },
    });

    const same = await post(`/appointments/${id}/attendance`, input.agencyId, body);
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual(recorded);

    const different = await post(`/appointments/${id}/attendance`, input.agencyId, {
      ...body,
      reason: 'LOGISTICS',
    });
    expect(different.status).toBe(409);
    expect(await different.json()).toMatchObject({ status: 409, code: 'ATTENDANCE_ALREADY_RECORDED' });

    const events = await bus.onBus('referral.appointment.attendance-recorded', 'appointmentId', id);
    expect(events).toHaveLength(1);
    const event = AppointmentAttendanceRecordedV1.parse(events[0]);
    expect(event).toMatchObject({
      version: 1,
      correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
      data: { appointmentId: id, episode: 1, attendance: 'NO', attendedAt, reason: 'POP_ACCEPTABLE' },
    });
    expect(event.occurredAt).toBe(recorded.attendance?.recordedAt);
  });

  it('records LATE attendance without a reason in the event', async () => {
    const { id, input, bookedAt } = await booked();

    const response = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'LATE',
      attendedAt: minutesAfter(bookedAt, 30),
      recordedBy: 'Probation reception',
    });

    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      status: 'ATTENDED',
      attendance: { attendance: 'LATE', reason: null },
    });
    const [event] = await bus.onBus('referral.appointment.attendance-recorded', 'appointmentId', id);
    expect((event as { data: Record<string, unknown> }).data).not.toHaveProperty('reason');
  });

  it('refuses attendance dated before the booking or in the future with 422, recording nothing', async () => {
    const { id, input, bookedAt } = await booked();

    const early = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'YES',
      attendedAt: minutesAfter(bookedAt, -1),
      recordedBy: 'Duty team',
    });
    expect(early.status).toBe(422);
    expect(await early.json()).toMatchObject({ status: 422, code: 'ATTENDED_BEFORE_BOOKED' });

    const future = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'YES',
      attendedAt: new Date(Date.now() + 24 * 60 * 60_000).toISOString(),
      recordedBy: 'Duty team',
    });
    expect(future.status).toBe(422);
    expect(await future.json()).toMatchObject({ code: 'ATTENDED_IN_FUTURE' });

    expect(await (await get(`/appointments/${id}`, input.agencyId)).json()).toMatchObject({
      status: 'AWAITING_ATTENDANCE',
    });
    expect(await bus.outbox('referral.appointment.attendance-recorded', 'appointmentId', id)).toHaveLength(0);
  });

  it('refuses attendance for a cancelled appointment with 409 APPOINTMENT_CANCELLED and the reason, recording nothing', async () => {
    const { id, input, bookedAt } = await booked();
    await appointments.cancel({
      idempotencyKey: `spec:${randomUUID()}:cancel`,
      appointmentId: id,
      reason: 'Release reversed: recorded in error',
      correlationId: randomUUID(),
    });

    const response = await post(`/appointments/${id}/attendance`, input.agencyId, {
      attendance: 'YES',
      attendedAt: minutesAfter(bookedAt, 10),
      recordedBy: 'Duty team',
    });

    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Problem & { detail: string };
    expect(problem).toMatchObject({ status: 409, code: 'APPOINTMENT_CANCELLED' });
    expect(problem.detail).toMatch(/Release reversed: recorded in error/);
    const view = (await (await get(`/appointments/${id}`, input.agencyId)).json()) as AppointmentView;
    expect(view).toMatchObject({ status: 'CANCELLED', attendance: null });
    expect(view.cancellation?.reason).toBe('Release reversed: recorded in error');
    expect(await bus.outbox('referral.appointment.attendance-recorded', 'appointmentId', id)).toHaveLength(0);

    // Another agency still finds nothing there.
    const other = await post(`/appointments/${id}/attendance`, anAgencyId(), {
      attendance: 'YES',
      attendedAt: minutesAfter(bookedAt, 10),
      recordedBy: 'Duty team',
    });
    expect(other.status).toBe(404);
  });

  it('pages through an agency’s appointments by due date without gaps or repeats', async () => {
    const agencyId = anAgencyId();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const dueBy = new Date(Date.now() + (5 - Math.min(i, 3)) * 24 * 60 * 60_000).toISOString();
      ids.push((await booked(anAppointment({ agencyId, dueBy }))).id);
    }
    await booked(); // another agency's: never listed

    const seen: AppointmentView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/appointments?limit=2${cursor ? `&cursor=${cursor}` : ''}`, agencyId);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page<AppointmentView>;
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((a) => a.id))).toEqual(new Set(ids));
    const order = seen.map((a) => `${a.dueBy}|${a.id}`);
    expect(order).toEqual([...order].sort());
  });
});
