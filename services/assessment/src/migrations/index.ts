import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { ASSESSMENT_SCHEMA } from '../config';
import { CreateAssessment1700000000100 } from './1700000000100-create-assessment';

/** In order. The platform tables (outbox, idempotency keys) come first in every service. */
export const assessmentMigrations = [
  createPlatformTablesMigration(ASSESSMENT_SCHEMA),
  CreateAssessment1700000000100,
];
