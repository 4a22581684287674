import { Global, Module, type DynamicModule, type OnModuleInit, Inject, Injectable } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AUTH_REFUSAL_LISTENER } from '@throughcare/platform-auth';
import type { AuditSealKeyring } from './audit-record';
import { AuditWriter } from './audit-writer';
import { AuditTrail } from './audit-trail';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRefusalListener } from './audit-refusal.listener';
import { AuditTransactionSubscriber } from './audit-transaction.subscriber';
import { AuditedRouteCheck } from './audited-route-check';

export interface AuditModuleOptions {
  /** The service's hash chain (its name: `referral`, `liberation`, …). */
  chain: string;
  /** The sealing keys (AUDIT_SEAL_KEYS / AUDIT_SEAL_KEY_ID: auditSealKeyringFrom(config)). */
  seal: AuditSealKeyring;
}

@Injectable()
class AuditSubscriberRegistration implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AuditTrail) private readonly trail: AuditTrail,
  ) {}

  onModuleInit(): void {
    AuditTransactionSubscriber.attach(this.dataSource, this.trail);
  }
}

/**
 * The service's audit trail: records every request to an `@Audited` route (interceptor; changes
 * inside their transaction), the AuthGuard's refusals of those routes, and the startup check that
 * every route of a `@PersonalData()` controller declares its audit. Needs the service's
 * DataSource (TypeOrmModule) and the audit migration (`createAuditMigration`) in its migrations.
 */
@Global()
@Module({})
export class AuditModule {
  static forRoot(options: AuditModuleOptions): DynamicModule {
    return {
      module: AuditModule,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: AuditTrail,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new AuditTrail(new AuditWriter(dataSource, options.chain, options.seal)),
        },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: AUTH_REFUSAL_LISTENER, useClass: AuditRefusalListener },
        AuditSubscriberRegistration,
        AuditedRouteCheck,
      ],
      exports: [AuditTrail, AUTH_REFUSAL_LISTENER],
    };
  }
}
