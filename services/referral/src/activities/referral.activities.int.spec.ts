import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { AppointmentBookedV1, ReferralSentV1 } from '@throughcare/contracts';
import { bootstrapService } from '@throughcare/platform-http';
import { AppModule } from '../app.module';
import { AppointmentsService } from '../appointments/appointments.service';
import { loadReferralConfig } from '../config';
import { ReferralsService } from '../referrals/referrals.service';
import { NotificationsService } from '../notifications/notifications.service';
import { EventsOnBus } from '../testing/events-on-bus';
import { aReferral, anAppointment } from '../testing/referral.mother';
import { createReferralActivities } from './referral.activities';
import type { sendTwiceWorkflow } from './test-workflows/referral-activities.workflow';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('referral activities (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let bus: EventsOnBus;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'referral',
      port: 0,
      logLevels: ['error'],
    });
    dataSource = app.get(DataSource);
    bus = await EventsOnBus.open(config.NATS_URL, dataSource);
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
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const taskQueue = `referral-spec-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const workflowWorker = await Worker.create({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowsPath: require.resolve('./test-workflows/referral-activities.workflow'),
    });
    let result: { referralIds: string[]; appointmentIds: string[] };
    try {
      result = await workflowWorker.runUntil(
        client.workflow.execute<typeof sendTwiceWorkflow>('sendTwiceWorkflow', {
          taskQueue,
          workflowId: `spec-send-twice-${randomUUID()}`,
          args: [{ referral, appointment }],
        }),
      );
    } finally {
      await connection.close();
      await workerConnection.close();
    }

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
      app.get(ReferralsService),
      app.get(AppointmentsService),
      app.get(NotificationsService),
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

  it('fails bad input with a non-retryable VALIDATION_FAILED naming the field', async () => {
    const activities = createReferralActivities(
      app.get(ReferralsService),
      app.get(AppointmentsService),
      app.get(NotificationsService),
    );
    const referral = aReferral({ personId: 'A1234BC', pathways: [] });

    const attempt = new MockActivityEnvironment().run(() => activities.sendReferral(referral));

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(attempt).rejects.toThrow(/personId: .*; pathways: /);
  });
});
