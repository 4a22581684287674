import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

export const OrchestratorConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.http(3005),
  ...CommonEnv.logging,
  ...CommonEnv.personId,
  /** A prebuilt workflow bundle (production); when unset the worker bundles from source at boot. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /**
   * Overrides the SLA policy's movement settle window (45 minutes: agencies hear of a release or
   * transfer only once it has stood that long) for journeys this orchestrator starts. For test and
   * training environments, where nobody can wait 45 minutes; leave unset in production.
   */
  MOVEMENT_SETTLE_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  /**
   * Bus bridge: how long a fact failing transiently (Temporal unreachable, a deadline exceeded) is
   * retried, with backoff and the person's later facts held behind it, before it is dead-lettered.
   */
  BRIDGE_RETRY_HORIZON_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /** Bus bridge: how long a fact the journey refuses as NOT_YET_KNOWN (effect still in flight) is retried. */
  BRIDGE_NOT_YET_KNOWN_HORIZON_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(600),
  /** Bus bridge: deadline of each Temporal call, so a stuck journey costs at most this (then a retry). */
  BRIDGE_TEMPORAL_DEADLINE_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Bus bridge: facts applied at once, across people (one person's facts are always one at a time). */
  BRIDGE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
});
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;

/** Postgres schema owned by the orchestrator: SLA breaches and case closures. */
export const THROUGHCARE_SCHEMA = 'throughcare';

export function loadOrchestratorConfig(
  env: Record<string, string | undefined> = process.env,
): OrchestratorConfig {
  return loadConfig(OrchestratorConfigSchema, env);
}
