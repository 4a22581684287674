import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { appDatabaseFrom } from '@throughcare/platform-persistence';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { Module, type DynamicModule } from '@nestjs/common';
import { TaskQueues } from '@throughcare/contracts';
import { ActivityWorkerModule, MetricsModule, PlatformModule } from '@throughcare/platform-http';
import { LIBERATION_SCHEMA, type LiberationConfig } from './config';
import { CUSTODY_ENTITIES, CustodyEpisodesModule } from './custody-episodes/custody-episodes.module';
import { GatePickupService } from './custody-episodes/gate-pickup.service';
import { JourneyStageService } from './custody-episodes/journey-stage.service';
import { createLiberationActivities, createReplanActivities } from './custody-episodes/liberation.activities';
import { ReplanService } from './custody-episodes/replan.service';
import { MeetingService } from './custody-episodes/meeting.service';
import { PersonAgeService } from './custody-episodes/person-age.service';
import { liberationMigrations } from './migrations';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';

@Module({})
export class AppModule {
  static forRoot(config: LiberationConfig): DynamicModule {
    // One instance shared by the HTTP API and the activity worker.
    const custodyEpisodes = CustodyEpisodesModule.register({
      personIdSecret: config.PERSON_ID_SECRET,
      replanWorkflowTaskQueue: config.REPLAN_WORKFLOW_TASK_QUEUE,
      replanStopCheckMs: config.REPLAN_STOP_CHECK_SECONDS * 1000,
      episodeLateHorizonMs: config.UPSTREAM_EPISODE_LATE_HORIZON_SECONDS * 1000,
      releaseDecisionVersionRequired: config.RELEASE_DECISION_VERSION_REQUIRED,
      ...(config.HMPPS_ADMISSION_ESTABLISHMENTS
        ? { hmppsAdmissionEstablishments: config.HMPPS_ADMISSION_ESTABLISHMENTS }
        : {}),
    });
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'liberation',
          database: {
            url: config.DATABASE_URL,
            app: appDatabaseFrom(config),
            schema: LIBERATION_SCHEMA,
            entities: [...CUSTODY_ENTITIES],
            migrations: liberationMigrations,
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
        custodyEpisodes,
        ActivityWorkerModule.register({
          taskQueue: TaskQueues.liberation,
          imports: [custodyEpisodes],
          inject: [JourneyStageService, GatePickupService, MeetingService, PersonAgeService, ReplanService],
          useFactory: (
            stages: JourneyStageService,
            gatePickups: GatePickupService,
            meetings: MeetingService,
            ages: PersonAgeService,
            replans: ReplanService,
          ) => ({
            ...createLiberationActivities(stages, gatePickups, meetings, ages),
            ...createReplanActivities(replans),
          }),
        }),
      ],
    };
  }
}
