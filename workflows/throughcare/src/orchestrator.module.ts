import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { appDatabaseFrom } from '@throughcare/platform-persistence';
import { Module, type DynamicModule } from '@nestjs/common';
import { MetricsModule, PlatformModule, type ExitProcess } from '@throughcare/platform-http';
import { dataConverterWith, payloadCodecFrom } from '@throughcare/platform-temporal';
import { AttentionItem } from './attention/attention-item.entity';
import {
  AUDIT_VERIFICATION_OPTIONS,
  AuditVerificationHost,
  type AuditVerificationOptions,
} from './audit-verification/audit-verification.host';
import { AttentionController } from './attention/attention.controller';
import { AttentionService } from './attention/attention.service';
import { BRIDGE_OPTIONS, BridgeHost, type BridgeOptions } from './bridge/bridge.host';
import { CodecModule } from './codec/codec.module';
import { dashboardSignInFrom, THROUGHCARE_SCHEMA, type OrchestratorConfig } from './config';
import { DashboardSignInModule } from './dashboard/dashboard-sign-in.module';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import {
  DEAD_LETTER_OPTIONS,
  DeadLettersService,
  type DeadLetterOptions,
} from './dead-letters/dead-letters.service';
import { throughcareMigrations } from './migrations';
import { JOURNEY_LOOKUP_OPTIONS, type JourneyLookupOptions } from './oversight/journey-list';
import { DashboardAssetsController } from './dashboard/dashboard-assets.controller';
import { DashboardCasesController } from './dashboard/dashboard-cases.controller';
import { FunnelController } from './oversight/funnel.controller';
import { OutcomesController } from './oversight/outcomes.controller';
import { OrchestratorMetrics } from './oversight/orchestrator-metrics';
import { OutcomesService } from './oversight/outcomes.service';
import { FunnelConsumer, FunnelProjector } from './oversight/funnel.projector';
import { FunnelService } from './oversight/funnel.service';
import { LedgerController } from './oversight/ledger.controller';
import { LedgerConsumer, LedgerProjector } from './oversight/ledger.projector';
import { LedgerService } from './oversight/ledger.service';
import { JourneyRepairController } from './repair/journey-repair.controller';
import {
  JOURNEY_REPAIR_OPTIONS,
  JourneyRepairService,
  type JourneyRepairOptions,
} from './repair/journey-repair.service';
import { CaseClosure } from './sla/case-closure.entity';
import { SlaBreach } from './sla/sla-breach.entity';
import { DashboardController } from './sla/dashboard.controller';
import { JourneyNeedsController } from './sla/journey-needs.controller';
import { JourneysController, SlaController } from './sla/sla.controller';
import { SlaService } from './sla/sla.service';
import { JourneyWorkerHost } from './worker/journey-worker.host';
import { JOURNEY_WORKER_OPTIONS, type JourneyWorkerOptions } from './worker/journey-worker.options';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';

/** The orchestrator: journey worker, bus bridge, and the SLA record managers read. */
@Module({})
export class OrchestratorModule {
  /** `exitProcess`: how a stopped journey worker ends the process (tests inject their own). */
  static forRoot(config: OrchestratorConfig, hooks: { exitProcess?: ExitProcess } = {}): DynamicModule {
    // One codec (keys checked here, at boot) for the client, the journey worker and /codec.
    const codec = payloadCodecFrom(config);
    const signIn = dashboardSignInFrom(config);
    const auditSeal = auditSealKeyringFrom(config);
    return {
      module: OrchestratorModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'orchestrator',
          database: {
            url: config.DATABASE_URL,
            app: appDatabaseFrom(config),
            schema: THROUGHCARE_SCHEMA,
            entities: [SlaBreach, CaseClosure, AttentionItem],
            migrations: throughcareMigrations,
          },
          natsUrl: config.NATS_URL,
          temporal: {
            address: config.TEMPORAL_ADDRESS,
            namespace: config.TEMPORAL_NAMESPACE,
            dataConverter: dataConverterWith(codec),
          },
          auth: accessTokenOptionsFrom(config),
          auditSeal,
          exitProcess: hooks.exitProcess,
        }),
        // The orchestrator answers for the dead letters: it alone reports the stream's depth.
        MetricsModule.forRoot({ deadLetters: true }),
        CodecModule.register({
          codec,
          uiOrigin: config.TEMPORAL_UI_ORIGIN,
          namespace: config.TEMPORAL_NAMESPACE,
        }),
        ...(signIn ? [DashboardSignInModule.register(signIn)] : []),
      ],
      controllers: [
        SlaController,
        JourneysController,
        JourneyNeedsController,
        DashboardController,
        DashboardCasesController,
        DashboardAssetsController,
        AttentionController,
        DeadLettersController,
        JourneyRepairController,
        LedgerController,
        FunnelController,
        OutcomesController,
      ],
      providers: [
        SlaService,
        AttentionService,
        DeadLettersService,
        JourneyRepairService,
        LedgerService,
        LedgerProjector,
        LedgerConsumer,
        FunnelService,
        OutcomesService,
        FunnelProjector,
        FunnelConsumer,
        OrchestratorMetrics,
        {
          provide: JOURNEY_REPAIR_OPTIONS,
          inject: [JourneyWorkerHost],
          useFactory: (host: JourneyWorkerHost): JourneyRepairOptions => ({
            buildId: () => host.worker?.options.buildId,
            sweepMs: 15_000,
            verifyAfterMs: 10_000,
          }),
        },
        {
          provide: JOURNEY_LOOKUP_OPTIONS,
          useValue: { personIdSecret: config.PERSON_ID_SECRET } satisfies JourneyLookupOptions,
        },
        {
          provide: DEAD_LETTER_OPTIONS,
          useValue: { replayBatch: config.DEAD_LETTER_REPLAY_BATCH } satisfies DeadLetterOptions,
        },
        {
          provide: JOURNEY_WORKER_OPTIONS,
          useValue: {
            bundlePath: config.WORKFLOW_BUNDLE_PATH,
            maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
            workflowThreadPoolSize: config.WORKFLOW_THREAD_POOL_SIZE,
            workflowHeapLimitMb: config.WORKFLOW_HEAP_LIMIT_MB,
          } satisfies JourneyWorkerOptions,
        },
        {
          provide: BRIDGE_OPTIONS,
          useValue: {
            personIdSecret: config.PERSON_ID_SECRET,
            movementSettleSeconds: config.MOVEMENT_SETTLE_SECONDS,
            retryHorizonSeconds: config.BRIDGE_RETRY_HORIZON_SECONDS,
            notYetKnownHorizonSeconds: config.BRIDGE_NOT_YET_KNOWN_HORIZON_SECONDS,
            temporalDeadlineMs: config.BRIDGE_TEMPORAL_DEADLINE_MS,
            concurrency: config.BRIDGE_CONCURRENCY,
          } satisfies BridgeOptions,
        },
        {
          provide: AUDIT_VERIFICATION_OPTIONS,
          useValue: {
            databaseUrl: config.DATABASE_URL,
            seal: auditSeal,
            everyMinutes: config.AUDIT_VERIFY_EVERY_MINUTES,
            checkpointDir: config.AUDIT_CHECKPOINT_DIR,
            allowUnsealed: config.AUDIT_VERIFY_ALLOW_UNSEALED,
          } satisfies AuditVerificationOptions,
        },
        AuditVerificationHost,
        JourneyWorkerHost,
        BridgeHost,
      ],
    };
  }
}
