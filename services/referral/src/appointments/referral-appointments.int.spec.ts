import { randomUUID } from 'node:crypto';
import {
  AppointmentCancelledV1,
  ReferralAppointmentAttendanceRecordedV1,
  ReferralAppointmentBookedV1,
} from '@throughcare/contracts';
import { bearer } from '@throughcare/testing';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import { ReferralsService } from '../referrals/referrals.service';
import {
  asThePlatformService,
  REFERRAL_AUDIENCE,
  useReferralApp,
  type Problem,
} from '../testing/referral-app';
import { anAgencyId, anAppointment, aReferral } from '../testing/referral.mother';
import { AppointmentsService } from './appointments.service';
import type { AppointmentView } from './appointment.schemas';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('appointments an agency books against its referral, and the cascade when the referral ends (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const bus = () => running().bus;
  const referrals = () => asThePlatformService(running().app.get(ReferralsService));
  const appointments = () => asThePlatformService(running().app.get(AppointmentsService));
  const code = async (response: Response) => ((await response.json()) as Problem).code;
  const minutesAfter = (iso: string, minutes: number) =>
    new Date(Date.parse(iso) + minutes * 60_000).toISOString();
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

  /** Sent an hour ago from BAR, acknowledged and accepted. */
  const accepted = async (ofAgency?: string) => {
    const input = aReferral({ establishmentCode: 'BAR', ...(ofAgency ? { agencyId: ofAgency } : {}) });
    const { referralId: id } = await referrals().send(input);
    const { agencyId } = input;
    const ack = { acknowledgedBy: 'Duty team', acknowledgedAt: input.sentAt };
    expect((await post(`/referrals/${id}/acknowledgement`, agencyId, ack)).status).toBe(201);
    const accept = { decision: 'ACCEPTED', decidedAt: minutesAfter(input.sentAt, 10) };
    expect((await post(`/referrals/${id}/outcome`, agencyId, accept)).status).toBe(201);
    return { id, agencyId, input };
  };
  const visit = (overrides: Record<string, unknown> = {}) => ({
    startsAt: inDays(3),
    durationMinutes: 60,
    placeKind: 'PRISON',
    place: 'HMP Barlinnie, agents visit room 2',
    bookedBy: 'Housing Options team',
    ...overrides,
  });
  const book = (id: string, agencyId: string, body: unknown, headers: Record<string, string> = {}) =>
    post(`/referrals/${id}/appointments`, agencyId, body, headers);

  it('books a custody visit against an accepted referral (201): the referral, its first time and place, and the events for readers', async () => {
    const { id, agencyId, input } = await accepted();
    const body = visit();
    const response = await book(id, agencyId, body, { 'idempotency-key': 'visit-1' });
    expect(response.status).toBe(201);
    const appointment = (await response.json()) as AppointmentView;
    expect(appointment).toMatchObject({
      personId: input.personId,
      episode: 1,
      agencyId,
      purpose: 'REFERRAL_APPOINTMENT',
      referralId: id,
      dueBy: body.startsAt,
      status: 'AWAITING_ATTENDANCE',
      schedule: {
        startsAt: body.startsAt,
        placeKind: 'PRISON',
        place: body.place,
        change: 'FIRST',
        scheduledBy: 'Housing Options team',
      },
    });

    const retry = await book(id, agencyId, body, { 'idempotency-key': 'visit-1' });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as AppointmentView).id).toBe(appointment.id);
    const reused = await book(id, agencyId, visit({ place: 'Elsewhere' }), { 'idempotency-key': 'visit-1' });
    expect(reused.status).toBe(422);
    expect(await code(reused)).toBe('IDEMPOTENCY_KEY_REUSED');

    const booked = await bus().onBus('referral.referral-appointment.booked', 'appointmentId', appointment.id);
    expect(booked).toHaveLength(1);
    expect(ReferralAppointmentBookedV1.parse(booked[0]).data).toEqual({
      referralId: id,
      appointmentId: appointment.id,
      episode: 1,
      agencyId,
      startsAt: body.startsAt,
      placeKind: 'PRISON',
    });
    // The place stays here: the bus carries its kind.
    expect(JSON.stringify(booked[0])).not.toContain('Barlinnie');
    expect(
      await bus().outbox('referral.appointment.scheduled', 'appointmentId', appointment.id),
    ).toHaveLength(1);

    const list = (await (
      await get(`/referrals/${id}/appointments`, agencyId)
    ).json()) as Page<AppointmentView>;
    expect(list.items.map((a) => a.id)).toEqual([appointment.id]);
    // Prison staff of the referral's prison see it; another prison does not.
    const asPrison = async (establishments: string[]) =>
      fetch(`${running().base}/prison/referrals/${id}/appointments`, {
        headers: await bearer({ roles: ['prison-staff'], establishments }, REFERRAL_AUDIENCE),
      });
    const prison = (await (await asPrison(['BAR'])).json()) as Page<AppointmentView>;
    expect(prison.items).toEqual([
      expect.objectContaining({
        id: appointment.id,
        schedule: expect.objectContaining({ placeKind: 'PRISON' }),
      }),
    ]);
    expect((await asPrison(['LOW'])).status).toBe(404);
  });

  it("its attendance is its own event (referral.referral-appointment.attendance-recorded, which the journey's clocks follow), not the journey's appointment event", async () => {
    const { id, agencyId } = await accepted();
    const booked = (await (
      await book(id, agencyId, visit({ startsAt: inDays(0.001) }))
    ).json()) as AppointmentView;
    const attendedAt = new Date().toISOString();
    const attendance = await post(`/appointments/${booked.id}/attendance`, agencyId, {
      attendance: 'YES',
      attendedAt,
      recordedBy: 'Housing Options team',
    });
    expect(attendance.status).toBe(201);
    const events = await bus().onBus(
      'referral.referral-appointment.attendance-recorded',
      'appointmentId',
      booked.id,
    );
    expect(ReferralAppointmentAttendanceRecordedV1.parse(events[0]).data).toMatchObject({
      referralId: id,
      agencyId,
      attendance: 'YES',
      attendedAt,
    });
    expect(
      await bus().outbox('referral.appointment.attendance-recorded', 'appointmentId', booked.id),
    ).toEqual([]);
  });

  it('refuses bookings the referral cannot take: not accepted 409, withdrawn 409, another agency 404, a time gone by 422, bad input 400', async () => {
    const input = aReferral({ establishmentCode: 'BAR' });
    const { referralId: waiting } = await referrals().send(input);
    const notAccepted = await book(waiting, input.agencyId, visit());
    expect(notAccepted.status).toBe(409);
    expect(await notAccepted.json()).toMatchObject({
      code: 'REFERRAL_NOT_ACCEPTED',
      referralStatus: 'AWAITING_ACKNOWLEDGEMENT',
      // What the agency may do instead, as any refused transition says.
      allowedActions: ['ACKNOWLEDGE'],
    });
    expect((await book(waiting, `other-${randomUUID()}`, visit())).status).toBe(404);
    expect((await get(`/referrals/${waiting}/appointments`, `other-${randomUUID()}`)).status).toBe(404);

    const { id, agencyId } = await accepted();
    const past = await book(id, agencyId, visit({ startsAt: minutesAfter(new Date().toISOString(), -60) }));
    expect(past.status).toBe(422);
    expect(await code(past)).toBe('STARTS_BEFORE_BOOKED');
    const invalid = await book(id, agencyId, { placeKind: 'CASTLE', place: '', bookedBy: 'x', extra: true });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as Problem).errors!.map((e) => e.field).sort()).toEqual([
      '(root)',
      'place',
      'placeKind',
      'startsAt',
    ]);
    // Nothing was booked by the refusals.
    expect(
      ((await (await get(`/referrals/${id}/appointments`, agencyId)).json()) as Page<AppointmentView>).items,
    ).toEqual([]);
  });

  it("the journey's own appointment after release cannot be set in a prison (422 PRISON_PLACE_AFTER_RELEASE)", async () => {
    const agencyId = anAgencyId();
    const { appointmentId } = await appointments().bookFirst(anAppointment({ agencyId }));
    const response = await post(`/appointments/${appointmentId}/schedule`, agencyId, {
      startsAt: inDays(2),
      placeKind: 'PRISON',
      place: 'HMP Barlinnie',
      scheduledBy: 'Duty team',
    });
    expect(response.status).toBe(422);
    expect(await code(response)).toBe('PRISON_PLACE_AFTER_RELEASE');
  });

  it.each([
    ['the journey withdraws the referral', 'withdrawn'],
    ['the agency records WITHDRAWN', 'agency-withdrawn'],
    ['the agency closes the case', 'closed'],
  ] as const)(
    'when %s, its appointments still to come are cancelled with the reason; one attended stays as it was',
    async (_, how) => {
      const { id, agencyId } = await accepted();
      const attended = (await (
        await book(id, agencyId, visit({ startsAt: inDays(0.001) }))
      ).json()) as AppointmentView;
      await post(`/appointments/${attended.id}/attendance`, agencyId, {
        attendance: 'YES',
        attendedAt: new Date().toISOString(),
        recordedBy: 'Duty team',
      });
      const upcoming = (await (
        await book(id, agencyId, visit({ startsAt: inDays(5), placeKind: 'AGENCY_OFFICE', place: 'Office' }))
      ).json()) as AppointmentView;

      if (how === 'withdrawn')
        await referrals().withdraw({
          idempotencyKey: `spec:${randomUUID()}`,
          referralId: id,
          reason: 'Consent withdrawn',
          correlationId: randomUUID(),
        });
      else if (how === 'agency-withdrawn')
        expect(
          (
            await post(`/referrals/${id}/outcome`, agencyId, {
              decision: 'WITHDRAWN',
              reason: 'Moved out of area',
            })
          ).status,
        ).toBe(201);
      else
        expect(
          (await post(`/referrals/${id}/closure`, agencyId, { outcome: 'ACHIEVED', closedBy: 'Duty team' }))
            .status,
        ).toBe(201);

      const after = (await (
        await get(`/referrals/${id}/appointments`, agencyId)
      ).json()) as Page<AppointmentView>;
      const byId = new Map(after.items.map((a) => [a.id, a]));
      expect(byId.get(attended.id)).toMatchObject({ status: 'ATTENDED', cancellation: null });
      const reason = {
        withdrawn: 'the referral was withdrawn: Consent withdrawn',
        'agency-withdrawn': 'the agency recorded WITHDRAWN on the referral: Moved out of area',
        closed: 'the agency closed the case (ACHIEVED)',
      }[how];
      expect(byId.get(upcoming.id)).toMatchObject({ status: 'CANCELLED', cancellation: { reason } });
      const cancelled = await bus().outbox('referral.appointment.cancelled', 'appointmentId', upcoming.id);
      expect(cancelled).toHaveLength(1);
      expect(await bus().outbox('referral.appointment.cancelled', 'appointmentId', attended.id)).toEqual([]);
    },
  );

  it('leaves an appointment whose time has gone by for its attendance when the referral ends; the ones to come are cancelled', async () => {
    const { id, agencyId } = await accepted();
    const soon = (await (await book(id, agencyId, visit({ startsAt: inDays(1) }))).json()) as AppointmentView;
    const later = (await (
      await book(id, agencyId, visit({ startsAt: inDays(5) }))
    ).json()) as AppointmentView;
    // The journey withdraws the referral two days from now: the first visit's time has gone by unrecorded.
    await referrals().withdraw(
      {
        idempotencyKey: `spec:${randomUUID()}`,
        referralId: id,
        reason: 'Consent withdrawn',
        correlationId: randomUUID(),
      },
      new Date(Date.now() + 2 * 86_400_000),
    );
    const after = (await (
      await get(`/referrals/${id}/appointments`, agencyId)
    ).json()) as Page<AppointmentView>;
    expect(after.items.map((a) => [a.id, a.status])).toEqual([
      [soon.id, 'AWAITING_ATTENDANCE'],
      [later.id, 'CANCELLED'],
    ]);
  });

  it('an Idempotency-Key retry after the referral ended answers the booking (200); the key on another referral is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const { id, agencyId } = await accepted();
    const body = visit();
    const first = await book(id, agencyId, body, { 'idempotency-key': 'once' });
    expect(first.status).toBe(201);
    const booked = (await first.json()) as AppointmentView;
    expect(
      (await post(`/referrals/${id}/closure`, agencyId, { outcome: 'ACHIEVED', closedBy: 'Duty team' }))
        .status,
    ).toBe(201);
    const retry = await book(id, agencyId, body, { 'idempotency-key': 'once' });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ id: booked.id, status: 'CANCELLED' });

    const { id: other } = await accepted(agencyId);
    const elsewhere = await book(other, agencyId, body, { 'idempotency-key': 'once' });
    expect(elsewhere.status).toBe(422);
    expect(await elsewhere.json()).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringMatching(/with different referral: use a new Idempotency-Key/),
    });
    expect(
      ((await (await get(`/referrals/${other}/appointments`, agencyId)).json()) as Page<AppointmentView>)
        .items,
    ).toEqual([]);
  });

  describe('the agency cancels an appointment it booked (POST /appointments/:id/cancellation)', () => {
    const cancel = (appointmentId: string, agencyId: string, body: unknown) =>
      post(`/appointments/${appointmentId}/cancellation`, agencyId, body);
    const booked = async (id: string, agencyId: string, overrides: Record<string, unknown> = {}) =>
      (await (await book(id, agencyId, visit(overrides))).json()) as AppointmentView;

    it('cancels one to come (201): the code on the bus, who stays here; the same code again is 200, another 409', async () => {
      const { id, agencyId } = await accepted();
      const appointment = await booked(id, agencyId);
      const response = await cancel(appointment.id, agencyId, {
        reasonCode: 'STAFF_UNAVAILABLE',
        cancelledBy: 'Housing Options team',
      });
      expect(response.status).toBe(201);
      const view = (await response.json()) as AppointmentView;
      expect(view).toMatchObject({
        id: appointment.id,
        status: 'CANCELLED',
        cancellation: { reason: 'STAFF_UNAVAILABLE', cancelledBy: 'Housing Options team' },
      });
      const events = await bus().outbox('referral.appointment.cancelled', 'appointmentId', appointment.id);
      expect(events).toHaveLength(1);
      // The code alone: who cancelled stays with the referral service.
      expect(AppointmentCancelledV1.parse(events[0]).data).toEqual({
        appointmentId: appointment.id,
        episode: 1,
        reason: 'STAFF_UNAVAILABLE',
      });
      expect(JSON.stringify(events[0])).not.toContain('Housing Options');

      // The same code again, whoever sends it: the cancellation on record, nothing emitted.
      const again = await cancel(appointment.id, agencyId, {
        reasonCode: 'STAFF_UNAVAILABLE',
        cancelledBy: 'Duty team',
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({
        cancellation: { reason: 'STAFF_UNAVAILABLE', cancelledBy: 'Housing Options team' },
      });
      const other = await cancel(appointment.id, agencyId, {
        reasonCode: 'PERSON_UNWELL',
        cancelledBy: 'Duty team',
      });
      expect(other.status).toBe(409);
      expect(await code(other)).toBe('APPOINTMENT_CANCELLED');
      expect(
        await bus().outbox('referral.appointment.cancelled', 'appointmentId', appointment.id),
      ).toHaveLength(1);

      // A cancelled appointment takes no time and no attendance; the prison reads the cancellation.
      const moved = await post(`/appointments/${appointment.id}/schedule`, agencyId, {
        startsAt: inDays(4),
        placeKind: 'PRISON',
        place: 'HMP Barlinnie',
        reasonCode: 'STAFF_UNAVAILABLE',
        scheduledBy: 'Duty team',
      });
      expect(moved.status).toBe(409);
      expect(await code(moved)).toBe('APPOINTMENT_CANCELLED');
      const prison = (await (
        await fetch(`${running().base}/prison/referrals/${id}/appointments`, {
          headers: await bearer({ roles: ['prison-staff'], establishments: ['BAR'] }, REFERRAL_AUDIENCE),
        })
      ).json()) as Page<AppointmentView>;
      expect(prison.items).toEqual([
        expect.objectContaining({
          id: appointment.id,
          status: 'CANCELLED',
          cancellation: {
            cancelledAt: view.cancellation!.cancelledAt,
            reason: 'STAFF_UNAVAILABLE',
            cancelledBy: 'Housing Options team',
          },
        }),
      ]);
    });

    it('refuses what cannot be cancelled: attended 409, a time gone by unrecorded 409, the journey’s own 409, the cascade’s 409', async () => {
      const { id, agencyId } = await accepted();
      const attended = await booked(id, agencyId, { startsAt: inDays(0.001) });
      const attendance = await post(`/appointments/${attended.id}/attendance`, agencyId, {
        attendance: 'YES',
        attendedAt: new Date().toISOString(),
        recordedBy: 'Duty team',
      });
      expect(attendance.status).toBe(201);
      const body = { reasonCode: 'OTHER', cancelledBy: 'Duty team' };
      const onRecord = await cancel(attended.id, agencyId, body);
      expect(onRecord.status).toBe(409);
      expect(await code(onRecord)).toBe('ATTENDANCE_ALREADY_RECORDED');

      // Two days from now, tomorrow's visit has gone by with nothing recorded: attendance first.
      const tomorrow = await booked(id, agencyId, { startsAt: inDays(1) });
      await expect(
        appointments().cancelByAgency(
          agencyId,
          tomorrow.id,
          { reasonCode: 'OTHER', cancelledBy: 'Duty team' },
          randomUUID(),
          () => new Date(Date.now() + 2 * 86_400_000),
        ),
      ).rejects.toMatchObject({ code: 'ATTENDANCE_DUE_FIRST' });

      const journeyOwn = anAgencyId();
      const { appointmentId } = await appointments().bookFirst(anAppointment({ agencyId: journeyOwn }));
      const own = await cancel(appointmentId, journeyOwn, body);
      expect(own.status).toBe(409);
      expect(await own.json()).toMatchObject({ code: 'JOURNEY_APPOINTMENT', purpose: 'FIRST_APPOINTMENT' });

      const upcoming = await booked(id, agencyId, { startsAt: inDays(6) });
      expect(
        (await post(`/referrals/${id}/closure`, agencyId, { outcome: 'ACHIEVED', closedBy: 'Duty team' }))
          .status,
      ).toBe(201);
      const byCascade = await cancel(upcoming.id, agencyId, body);
      expect(byCascade.status).toBe(409);
      expect(await code(byCascade)).toBe('APPOINTMENT_CANCELLED');
      // The refusals cancelled nothing: the two to come were cancelled by the closure's cascade.
      for (const a of [tomorrow.id, upcoming.id])
        expect((await (await get(`/appointments/${a}`, agencyId)).json()) as AppointmentView).toMatchObject({
          cancellation: { reason: 'the agency closed the case (ACHIEVED)', cancelledBy: null },
        });
      const events = await Promise.all(
        [attended.id, tomorrow.id, appointmentId, upcoming.id].map((a) =>
          bus().outbox('referral.appointment.cancelled', 'appointmentId', a),
        ),
      );
      expect(events.map((e) => e.length)).toEqual([0, 1, 0, 1]);
    });

    it("another agency's appointment is 404; a bad body 400 naming each field", async () => {
      const { id, agencyId } = await accepted();
      const appointment = await booked(id, agencyId);
      const elsewhere = await cancel(appointment.id, `other-${randomUUID()}`, {
        reasonCode: 'OTHER',
        cancelledBy: 'Duty team',
      });
      expect(elsewhere.status).toBe(404);
      const invalid = await cancel(appointment.id, agencyId, {
        reasonCode: 'BORED',
        cancelledBy: '',
        why: 'x',
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as Problem).errors!.map((e) => e.field).sort()).toEqual([
        '(root)',
        'cancelledBy',
        'reasonCode',
      ]);
      expect(
        (await (await get(`/appointments/${appointment.id}`, agencyId)).json()) as AppointmentView,
      ).toMatchObject({ status: 'AWAITING_ATTENDANCE', cancellation: null });
    });
  });
});
