import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

export const AssessmentConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3001),
  ...CommonEnv.logging,
  ...CommonEnv.auth('assessment'),
});
export type AssessmentConfig = z.output<typeof AssessmentConfigSchema>;

/** Postgres schema owned by this service. */
export const ASSESSMENT_SCHEMA = 'assessment';

export function loadAssessmentConfig(
  env: Record<string, string | undefined> = process.env,
): AssessmentConfig {
  return loadConfig(AssessmentConfigSchema, env);
}
