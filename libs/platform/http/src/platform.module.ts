import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import {
  connectBus,
  ensureStreams,
  jetstream,
  jetstreamManager,
  JetStreamPublisher,
} from '@throughcare/platform-messaging';
import {
  createScopedServiceDataSource,
  OutboxRelay,
  platformEntities,
  serviceDataSourceOptions,
  type ScopedServiceDataSourceOptions,
} from '@throughcare/platform-persistence';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DatabaseScopeInterceptor } from './database-scope.interceptor';
import { AuthModule, type AuthOptions } from '@throughcare/platform-auth';
import {
  AuditModule,
  createAuditMigration,
  createAuditSealMigration,
  type AuditSealKeyring,
} from '@throughcare/platform-audit';
import { createTemporalClient, type TemporalTarget } from '@throughcare/platform-temporal';
import { databaseHealthCheck, natsHealthCheck, temporalHealthCheck } from './health/health-check';
import { HealthModule } from './health/health.module';
import { EXIT_PROCESS, WorkerMonitor, type ExitProcess } from './worker-monitor';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

export interface PlatformOptions {
  /** Names the NATS connection and the logs. */
  serviceName: string;
  /**
   * `url` is the owner of the tables (migrations at boot); the service then works as the
   * application role (`app`, default `throughcare_app`), under row-level security.
   */
  database: Omit<ScopedServiceDataSourceOptions, 'entities'> & { entities: Function[] }; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  natsUrl: string;
  temporal: TemporalTarget;
  /**
   * Who may call: the service is an OAuth2 resource server (AuthModule: every route declares its
   * roles or is explicitly public, bearer JWTs verified against the issuer's keys).
   */
  auth: AuthOptions;
  /** Seals the service's audit chain (`auditSealKeyringFrom(config)`: AUDIT_SEAL_KEYS / _KEY_ID). */
  auditSeal: AuditSealKeyring;
  /**
   * How the process ends when its Temporal worker stops by itself (see WorkerMonitor); defaults
   * to `process.exit`. Tests inject their own so that Jest survives.
   */
  exitProcess?: ExitProcess;
}

@Injectable()
class PlatformLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Platform');

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Runs before connections close, so the relay's batch in hand can finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed())
      await this.nc.drain().catch((e: Error) => this.logger.warn(`NATS drain: ${e.message}`));
    await this.temporal.connection
      .close()
      .catch((e: Error) => this.logger.warn(`Temporal close: ${e.message}`));
    this.logger.log('connections closed');
  }
}

/**
 * Everything a service needs from the platform, once per process: its Postgres schema
 * (TypeORM, migrations at boot), NATS + JetStream publisher, Temporal client, outbox relay,
 * `/health` over all three and this process's Temporal workers, deny-by-default access control
 * (AuthModule) and the audit trail of personal data (AuditModule, chain = serviceName). Global, so feature modules just inject.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const database: ScopedServiceDataSourceOptions = {
      ...options.database,
      entities: [...platformEntities, ...options.database.entities],
      // The shared audit trail's schema (idempotent; see createAuditMigration).
      migrations: [
        ...(options.database.migrations as unknown[]),
        createAuditMigration(),
        createAuditSealMigration(),
      ] as typeof options.database.migrations,
    };
    const dataSourceOptions = serviceDataSourceOptions(database);
    return {
      module: PlatformModule,
      imports: [
        AuthModule.forRoot(options.auth),
        // Every request to an @Audited route writes one record to this service's chain.
        AuditModule.forRoot({ chain: options.serviceName, seal: options.auditSeal }),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions,
          // Migrations as the owner, then the service's own connections as the application role.
          dataSourceFactory: () => createScopedServiceDataSource(database),
        }),
        HealthModule.register({
          inject: [DataSource, NATS_CONNECTION, TEMPORAL_CLIENT, WorkerMonitor],
          useFactory: (ds: DataSource, nc: NatsConnection, client: Client, workers: WorkerMonitor) => [
            databaseHealthCheck(ds),
            natsHealthCheck(nc),
            temporalHealthCheck(client),
            workers.healthCheck(),
          ],
        }),
      ],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: options },
        {
          provide: EXIT_PROCESS,
          useValue: options.exitProcess ?? ((code: number) => process.exit(code)),
        },
        WorkerMonitor,
        // Each request's database work carries its caller's row-level security scope.
        { provide: APP_INTERCEPTOR, useClass: DatabaseScopeInterceptor },
        { provide: NATS_CONNECTION, useFactory: () => connectBus(options.natsUrl, options.serviceName) },
        {
          provide: JetStreamPublisher,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) => {
            await ensureStreams(await jetstreamManager(nc));
            return new JetStreamPublisher(jetstream(nc));
          },
        },
        { provide: TEMPORAL_CLIENT, useFactory: () => createTemporalClient(options.temporal) },
        {
          provide: OutboxRelay,
          inject: [DataSource, JetStreamPublisher],
          useFactory: (dataSource: DataSource, publisher: JetStreamPublisher) =>
            new OutboxRelay({
              dataSource,
              publisher,
              logger: new Logger('OutboxRelay'),
              producer: options.serviceName,
            }),
        },
        PlatformLifecycle,
      ],
      exports: [
        PLATFORM_OPTIONS,
        NATS_CONNECTION,
        JetStreamPublisher,
        TEMPORAL_CLIENT,
        OutboxRelay,
        WorkerMonitor,
      ],
    };
  }
}
