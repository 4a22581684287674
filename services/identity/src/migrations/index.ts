import { createAuditMigration, createAuditSealMigration } from '@throughcare/platform-audit';
import { CreateApiClient1700000000100 } from './1700000000100-create-api-client';
import { CreateStaffAndProviderStore1700000000200 } from './1700000000200-create-staff-and-provider-store';

/** In order. No outbox: the identity provider publishes no events (yet). The audit schema is shared. */
export const identityMigrations = [
  CreateApiClient1700000000100,
  createAuditMigration(),
  createAuditSealMigration(),
  CreateStaffAndProviderStore1700000000200,
];
