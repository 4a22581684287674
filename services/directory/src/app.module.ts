import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { appDatabaseFrom } from '@throughcare/platform-persistence';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { Module, type DynamicModule } from '@nestjs/common';
import { TaskQueues } from '@throughcare/contracts';
import { ActivityWorkerModule, MetricsModule, PlatformModule } from '@throughcare/platform-http';
import { AgenciesModule } from './agencies/agencies.module';
import { AgenciesService } from './agencies/agencies.service';
import { AgencyClientsModule } from './agencies/agency-clients.module';
import { Agency } from './agencies/agency.entity';
import { AgencyServiceOffer } from './agencies/agency-service.entity';
import { createDirectoryActivities } from './agencies/directory.activities';
import { DIRECTORY_SCHEMA, type DirectoryConfig } from './config';
import { directoryMigrations } from './migrations';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';

@Module({})
export class AppModule {
  static forRoot(config: DirectoryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'directory',
          database: {
            url: config.DATABASE_URL,
            app: appDatabaseFrom(config),
            schema: DIRECTORY_SCHEMA,
            entities: [Agency, AgencyServiceOffer],
            migrations: directoryMigrations,
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
        AgenciesModule,
        AgencyClientsModule.forRoot({
          issuer: config.AUTH_ISSUER,
          secret: config.DIRECTORY_REGISTRAR_SECRET,
        }),
        ActivityWorkerModule.register({
          taskQueue: TaskQueues.directory,
          imports: [AgenciesModule],
          inject: [AgenciesService],
          useFactory: (agencies: AgenciesService) => createDirectoryActivities(agencies),
        }),
      ],
    };
  }
}
