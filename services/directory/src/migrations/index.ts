import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { DIRECTORY_SCHEMA } from '../config';
import { CreateAgency1700000000100 } from './1700000000100-create-agency';
import { SeedAgencies1700000000200 } from './1700000000200-seed-agencies';

/** In order. The platform tables (outbox, idempotency keys) come first in every service. */
export const directoryMigrations = [
  createPlatformTablesMigration(DIRECTORY_SCHEMA),
  CreateAgency1700000000100,
  SeedAgencies1700000000200,
];
