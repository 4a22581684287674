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
});
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;

/** Postgres schema owned by the orchestrator: SLA breaches and case closures. */
export const THROUGHCARE_SCHEMA = 'throughcare';

export function loadOrchestratorConfig(
  env: Record<string, string | undefined> = process.env,
): OrchestratorConfig {
  return loadConfig(OrchestratorConfigSchema, env);
}
