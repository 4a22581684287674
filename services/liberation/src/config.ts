import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

export const LiberationConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3003),
  ...CommonEnv.logging,
  ...CommonEnv.auth('liberation'),
  ...CommonEnv.personId,
  /**
   * How long a movement from the bus about an episode not recorded yet is held (its reception may
   * be on its way) before it is dead-lettered.
   */
  UPSTREAM_EPISODE_LATE_HORIZON_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
});
export type LiberationConfig = z.output<typeof LiberationConfigSchema>;

/** Postgres schema owned by this service. */
export const LIBERATION_SCHEMA = 'liberation';

export function loadLiberationConfig(
  env: Record<string, string | undefined> = process.env,
): LiberationConfig {
  return loadConfig(LiberationConfigSchema, env);
}
