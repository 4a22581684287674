import { auditSealKeyringFrom, payloadKeyringFrom } from '@throughcare/platform-config';
import { appDatabaseFrom } from '@throughcare/platform-persistence';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { Module, type DynamicModule } from '@nestjs/common';
import { TaskQueues } from '@throughcare/contracts';
import { ActivityWorkerModule, MetricsModule, PlatformModule } from '@throughcare/platform-http';
import { createReferralActivities } from './activities/referral.activities';
import { EngagementRequest } from './engagements/engagement-request.entity';
import { EngagementsModule } from './engagements/engagements.module';
import { AppointmentSchedule } from './appointments/appointment-schedule.entity';
import { Appointment } from './appointments/appointment.entity';
import { AppointmentsModule } from './appointments/appointments.module';
import { AppointmentsService } from './appointments/appointments.service';
import { REFERRAL_SCHEMA, type ReferralConfig } from './config';
import { referralMigrations } from './migrations';
import { AgencyNotification } from './notifications/notification.entity';
import { NotificationsModule } from './notifications/notifications.module';
import { NotificationsService } from './notifications/notifications.service';
import { NotesModule } from './notes/notes.module';
import { ReferralNote } from './notes/referral-note.entity';
import { ReferralOutcome } from './referrals/referral-outcome.entity';
import { Referral } from './referrals/referral.entity';
import { ReferralsModule } from './referrals/referrals.module';
import { ReferralsService } from './referrals/referrals.service';
import { WebhookEndpoint } from './webhooks/webhook-endpoint.entity';
import { WebhooksModule } from './webhooks/webhooks.module';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';

@Module({})
export class AppModule {
  static forRoot(config: ReferralConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'referral',
          database: {
            url: config.DATABASE_URL,
            app: appDatabaseFrom(config),
            schema: REFERRAL_SCHEMA,
            entities: [
              Referral,
              ReferralOutcome,
              ReferralNote,
              Appointment,
              AppointmentSchedule,
              AgencyNotification,
              WebhookEndpoint,
              EngagementRequest,
            ],
            migrations: referralMigrations,
            // Facts recorded once and never changed: the application role may not update or delete them.
            appendOnly: ['referral_outcome', 'appointment_schedule', 'referral_note'],
          },
          natsUrl: config.NATS_URL,
          temporal: {
            address: config.TEMPORAL_ADDRESS,
            namespace: config.TEMPORAL_NAMESPACE,
            dataConverter: dataConverterFrom(config),
          },
          auth: accessTokenOptionsFrom(config),
          auditSeal: auditSealKeyringFrom(config),
        }),
        MetricsModule.forRoot(),
        ReferralsModule,
        AppointmentsModule,
        NotificationsModule,
        NotesModule,
        EngagementsModule,
        WebhooksModule.forRoot({
          keyring: payloadKeyringFrom(config),
          policy: { developmentTargets: config.WEBHOOK_DEVELOPMENT_TARGETS },
          retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          disableAfterMs: config.WEBHOOK_DISABLE_AFTER,
        }),
        ActivityWorkerModule.register({
          taskQueue: TaskQueues.referral,
          imports: [ReferralsModule, AppointmentsModule, NotificationsModule],
          inject: [ReferralsService, AppointmentsService, NotificationsService],
          useFactory: (
            referrals: ReferralsService,
            appointments: AppointmentsService,
            notifications: NotificationsService,
          ) => createReferralActivities(referrals, appointments, notifications),
        }),
      ],
    };
  }
}
