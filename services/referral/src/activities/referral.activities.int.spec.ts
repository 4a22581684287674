import { runWithDatabaseScope } from '@throughcare/platform-persistence';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import {
  AppointmentBookedV1,
  AppointmentCancelledV1,
  ReferralSentV1,
  ReferralWithdrawnV1,
} from '@throughcare/contracts';
import { withSpecWorker, mockActivityEnvironment } from '@throughcare/testing';
import { AppointmentsService } from '../appointments/appointments.service';
import { loadReferralConfig } from '../config';
import { ReferralsService } from '../referrals/referrals.service';
import { NotificationsService } from '../notifications/notifications.service';
import type { EventsOnBus } from '../testing/events-on-bus';
import { agencyHeaders, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { aReferral, anAgencyId, anAppointment } from '../testing/referral.mother';
import { createReferralActivities } from './referral.activities';
import type {
  sendTwiceWorkflow,
  withdrawAndCancelWorkflow,
} from './test-workflows/referral-activities.workflow';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('referral activities (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let bus: EventsOnBus;
  let base: string;

  beforeAll(async () => {
    ({ app, base, dataSource, bus } = await startReferralApp(config));
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const count = async (table: 'referral' | 'appointment', id: string) =>
    Number(
      (
        (await dataSource.query(`SELECT count(*) AS n FROM "referral"."${table}" WHERE id = $1`, [
          id,
        ])) as Array<{ n: string }>
      )[0]?.n,
    );

  it('sends a referral and books the first appointment through the worker on "referral": twice with one key → one row, one event', async () => {
    const referral = aReferral();
    const appointment = anAppointment({ personId: referral.personId, agencyId: referral.agencyId });
    const result = await withSpecWorker(
      { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
      require.resolve('./test-workflows/referral-activities.workflow'),
      (worker) => worker.execute<typeof sendTwiceWorkflow>('sendTwiceWorkflow', [{ referral, appointment }]),
    );

    const [referralId, sameReferralId] = result.referralIds;
    const [appointmentId, sameAppointmentId] = result.appointmentIds;
    expect(sameReferralId).toBe(referralId);
    expect(sameAppointmentId).toBe(appointmentId);
    expect(await count('referral', referralId!)).toBe(1);
    expect(await count('appointment', appointmentId!)).toBe(1);

    const sent = await bus.onBus('referral.referral.sent', 'referralId', referralId!);
    expect(sent).toHaveLength(1);
    expect(ReferralSentV1.parse(sent[0])).toMatchObject({
      version: 1,
      occurredAt: referral.sentAt,
      correlationId: referral.correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: referral.personId }] },
      data: {
        referralId,
        episode: 1,
        agencyId: referral.agencyId,
        pathways: ['ACCOMMODATION', 'HEALTH'],
        sentAt: referral.sentAt,
        acknowledgeBy: referral.acknowledgeBy,
      },
    });

    const booked = await bus.onBus('referral.appointment.booked', 'appointmentId', appointmentId!);
    expect(booked).toHaveLength(1);
    expect(AppointmentBookedV1.parse(booked[0])).toMatchObject({
      correlationId: appointment.correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: appointment.personId }] },
      data: { appointmentId, episode: 1, agencyId: appointment.agencyId, dueBy: appointment.dueBy },
    });
  });

  it('keeps one referral when the same key is sent concurrently', async () => {
    const activities = createReferralActivities(
      asThePlatformService(app.get(ReferralsService)),
      asThePlatformService(app.get(AppointmentsService)),
      asThePlatformService(app.get(NotificationsService)),
    );
    const referral = aReferral();

    const ids = await Promise.all([1, 2, 3].map(() => activities.sendReferral(referral)));

    expect(new Set(ids.map((r) => r.referralId)).size).toBe(1);
    const rows: unknown[] = await dataSource.query(
      `SELECT id FROM "referral"."referral" WHERE agency_id = $1`,
      [referral.agencyId],
    );
    expect(rows).toHaveLength(1);
    expect(await bus.outbox('referral.referral.sent', 'referralId', ids[0]!.referralId)).toHaveLength(1);
  });

  it("takes the caller's referral id (a need's, minted by the journey); an id another referral has fails non-retryable REFERRAL_ID_TAKEN", async () => {
    const activities = createReferralActivities(
      asThePlatformService(app.get(ReferralsService)),
      asThePlatformService(app.get(AppointmentsService)),
      asThePlatformService(app.get(NotificationsService)),
    );
    const referralId = randomUUID();
    const referral = { ...aReferral(), referralId };

    expect(await activities.sendReferral(referral)).toEqual({ referralId });
    // A retry under the same key answers the first send, whatever id it carries.
    expect(await activities.sendReferral({ ...referral, referralId: randomUUID() })).toEqual({ referralId });
    // Another key with an id already taken: refused, nothing written.
    const taken = { ...aReferral(), referralId };
    const attempt = mockActivityEnvironment().run(() => activities.sendReferral(taken));
    await expect(attempt).rejects.toMatchObject({ type: 'REFERRAL_ID_TAKEN', nonRetryable: true });
    const rows: unknown[] = await dataSource.query(
      `SELECT id FROM "referral"."referral" WHERE agency_id = $1`,
      [taken.agencyId],
    );
    expect(rows).toHaveLength(0);
  });

  it('fails bad input with a non-retryable VALIDATION_FAILED naming the field', async () => {
    const activities = createReferralActivities(
      asThePlatformService(app.get(ReferralsService)),
      asThePlatformService(app.get(AppointmentsService)),
      asThePlatformService(app.get(NotificationsService)),
    );
    const referral = aReferral({ personId: 'A1234BC', pathways: [] });

    const attempt = mockActivityEnvironment().run(() => activities.sendReferral(referral));

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(attempt).rejects.toThrow(/personId: .*; pathways: /);
  });

  const activities = () =>
    createReferralActivities(
      asThePlatformService(app.get(ReferralsService)),
      asThePlatformService(app.get(AppointmentsService)),
      asThePlatformService(app.get(NotificationsService)),
    );
  const view = async (kind: 'referrals' | 'appointments', id: string, agencyId: string) =>
    (await fetch(`${base}/${kind}/${id}`, { headers: await agencyHeaders(agencyId) })).json() as Promise<
      Record<string, unknown>
    >;
  /** Runs the calls through a real worker on "referral", via a tiny workflow. */
  const throughTemporal = async (input: Parameters<typeof withdrawAndCancelWorkflow>[0]) => {
    return withSpecWorker(
      { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
      require.resolve('./test-workflows/referral-activities.workflow'),
      (worker) => worker.execute<typeof withdrawAndCancelWorkflow>('withdrawAndCancelWorkflow', [input]),
    );
  };

  it('withdraws a referral and cancels an appointment through the worker: a repeat (same or another key) is a no-op; unknown ids fail non-retryable', async () => {
    const referral = aReferral();
    const { referralId } = await activities().sendReferral(referral);
    const appointment = anAppointment({ personId: referral.personId, agencyId: referral.agencyId });
    const { appointmentId } = await activities().bookFirstAppointment(appointment);
    const withdrawal = {
      idempotencyKey: `spec:${randomUUID()}:withdraw`,
      referralId,
      reason: 'Consent withdrawn',
      correlationId: `spec-${randomUUID()}`,
    };
    const cancellation = {
      idempotencyKey: `spec:${randomUUID()}:cancel`,
      appointmentId,
      reason: 'Release reversed: recorded in error',
      correlationId: `spec-${randomUUID()}`,
    };
    const before = Date.now();

    const result = await throughTemporal({
      withdrawals: [
        withdrawal,
        withdrawal,
        { ...withdrawal, idempotencyKey: `spec:${randomUUID()}:withdraw`, reason: 'Case closed' },
        { ...withdrawal, idempotencyKey: `spec:${randomUUID()}:withdraw`, referralId: randomUUID() },
      ],
      cancellations: [
        cancellation,
        cancellation,
        { ...cancellation, idempotencyKey: `spec:${randomUUID()}:cancel`, reason: 'Case closed' },
        { ...cancellation, idempotencyKey: `spec:${randomUUID()}:cancel`, appointmentId: randomUUID() },
      ],
    });

    expect(result).toEqual({
      withdrawals: ['ok', 'ok', 'ok', { failureType: 'REFERRAL_NOT_FOUND', nonRetryable: true }],
      cancellations: ['ok', 'ok', 'ok', { failureType: 'APPOINTMENT_NOT_FOUND', nonRetryable: true }],
    });

    const withdrawn = await bus.onBus('referral.referral.withdrawn', 'referralId', referralId);
    expect(withdrawn).toHaveLength(1);
    const withdrawnEvent = ReferralWithdrawnV1.parse(withdrawn[0]);
    expect(withdrawnEvent).toEqual({
      eventType: 'referral.referral.withdrawn',
      version: 1,
      eventId: expect.any(String) as string,
      occurredAt: expect.any(String) as string,
      correlationId: withdrawal.correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: referral.personId }] },
      data: { referralId, episode: 1, reason: 'Consent withdrawn' },
    });
    expect(Date.parse(withdrawnEvent.occurredAt)).toBeGreaterThanOrEqual(before - 1);

    const cancelled = await bus.onBus('referral.appointment.cancelled', 'appointmentId', appointmentId);
    expect(cancelled).toHaveLength(1);
    expect(AppointmentCancelledV1.parse(cancelled[0])).toEqual({
      eventType: 'referral.appointment.cancelled',
      version: 1,
      eventId: expect.any(String) as string,
      occurredAt: expect.any(String) as string,
      correlationId: cancellation.correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: referral.personId }] },
      data: { appointmentId, episode: 1, reason: 'Release reversed: recorded in error' },
    });

    expect(await view('referrals', referralId, referral.agencyId)).toMatchObject({
      status: 'WITHDRAWN',
      withdrawal: { withdrawnAt: withdrawnEvent.occurredAt, reason: 'Consent withdrawn' },
    });
    expect(await view('appointments', appointmentId, referral.agencyId)).toMatchObject({
      status: 'CANCELLED',
      attendance: null,
      cancellation: {
        cancelledAt: expect.any(String) as string,
        reason: 'Release reversed: recorded in error',
      },
    });
    const stored = (await dataSource.query(
      `SELECT withdrawal_reason AS reason FROM "referral"."referral" WHERE id = $1`,
      [referralId],
    )) as unknown[];
    expect(stored).toEqual([{ reason: 'Consent withdrawn' }]);
  });

  it('withdraws and cancels once when the same key runs concurrently', async () => {
    const referral = aReferral();
    const { referralId } = await activities().sendReferral(referral);
    const { appointmentId } = await activities().bookFirstAppointment(anAppointment());
    const withdrawal = {
      idempotencyKey: `spec:${randomUUID()}:withdraw`,
      referralId,
      reason: 'Case closed',
      correlationId: randomUUID(),
    };
    const cancellation = {
      idempotencyKey: `spec:${randomUUID()}:cancel`,
      appointmentId,
      reason: 'Case closed',
      correlationId: randomUUID(),
    };

    await Promise.all([
      ...[1, 2, 3].map(() => activities().withdrawReferral(withdrawal)),
      ...[1, 2, 3].map(() =>
        activities().withdrawReferral({ ...withdrawal, idempotencyKey: `spec:${randomUUID()}:withdraw` }),
      ),
      ...[1, 2, 3].map(() => activities().cancelAppointment(cancellation)),
    ]);

    expect(await bus.outbox('referral.referral.withdrawn', 'referralId', referralId)).toHaveLength(1);
    expect(await bus.outbox('referral.appointment.cancelled', 'appointmentId', appointmentId)).toHaveLength(
      1,
    );
  });

  it('refuses to cancel an appointment whose attendance is on record (non-retryable ATTENDANCE_ALREADY_RECORDED)', async () => {
    const appointment = anAppointment();
    const { appointmentId } = await asThePlatformService(app.get(AppointmentsService)).bookFirst(
      appointment,
      new Date(Date.now() - 60_000),
    );
    await runWithDatabaseScope({ agency: appointment.agencyId }, () =>
      app
        .get(AppointmentsService)
        .recordAttendance(
          appointment.agencyId,
          appointmentId,
          { attendance: 'YES', attendedAt: new Date().toISOString(), recordedBy: 'Duty team' },
          randomUUID(),
        ),
    );

    const attempt = mockActivityEnvironment().run(() =>
      activities().cancelAppointment({
        idempotencyKey: `spec:${randomUUID()}:cancel`,
        appointmentId,
        reason: 'Case closed',
        correlationId: randomUUID(),
      }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'ATTENDANCE_ALREADY_RECORDED', nonRetryable: true });
    expect(await bus.outbox('referral.appointment.cancelled', 'appointmentId', appointmentId)).toHaveLength(
      0,
    );
    expect(await view('appointments', appointmentId, appointment.agencyId)).toMatchObject({
      status: 'ATTENDED',
      cancellation: null,
    });
  });

  it('fails bad withdraw and cancel input with a non-retryable VALIDATION_FAILED naming each field', async () => {
    const withdraw = mockActivityEnvironment().run(() =>
      activities().withdrawReferral({
        idempotencyKey: '',
        referralId: 'not-a-uuid',
        reason: ' ',
        correlationId: randomUUID(),
      }),
    );
    await expect(withdraw).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(withdraw).rejects.toThrow(/idempotencyKey: .*; referralId: .*; reason: /);

    const cancel = mockActivityEnvironment().run(() =>
      activities().cancelAppointment({
        idempotencyKey: 'k',
        appointmentId: randomUUID(),
        reason: 'x'.repeat(501),
        correlationId: randomUUID(),
      }),
    );
    await expect(cancel).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(cancel).rejects.toThrow(/reason: /);
  });

  it('books a follow-up after a missed appointment with its purpose; the key alone decides a repeat', async () => {
    const agencyId = anAgencyId();
    const followUp = anAppointment({ agencyId, purpose: 'MISSED_APPOINTMENT_FOLLOW_UP' });
    const first = anAppointment({ agencyId });

    const { appointmentId } = await activities().bookFirstAppointment(followUp);
    const { appointmentId: firstId } = await activities().bookFirstAppointment(first);
    const repeat = await activities().bookFirstAppointment({
      ...followUp,
      purpose: 'FIRST_APPOINTMENT',
      dueBy: new Date(Date.now() + 9 * 24 * 60 * 60_000).toISOString(),
    });

    expect(repeat.appointmentId).toBe(appointmentId);
    expect(await view('appointments', appointmentId, agencyId)).toMatchObject({
      purpose: 'MISSED_APPOINTMENT_FOLLOW_UP',
      dueBy: followUp.dueBy,
    });
    expect(await view('appointments', firstId, agencyId)).toMatchObject({ purpose: 'FIRST_APPOINTMENT' });
    const stored = (await dataSource.query(
      `SELECT id, purpose FROM "referral"."appointment" WHERE agency_id = $1 ORDER BY purpose`,
      [agencyId],
    )) as unknown[];
    expect(stored).toEqual([
      { id: firstId, purpose: 'FIRST_APPOINTMENT' },
      { id: appointmentId, purpose: 'MISSED_APPOINTMENT_FOLLOW_UP' },
    ]);
    expect(await bus.onBus('referral.appointment.booked', 'appointmentId', appointmentId)).toHaveLength(1);

    const bad = mockActivityEnvironment().run(() =>
      activities().bookFirstAppointment({ ...anAppointment(), purpose: 'SECOND' as 'FIRST_APPOINTMENT' }),
    );
    await expect(bad).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(bad).rejects.toThrow(/purpose: /);
  });
});
