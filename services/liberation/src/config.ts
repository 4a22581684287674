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
  /**
   * The prisons (comma-separated codes, e.g. "LEI,GMR") whose new admissions from the national
   * HMPPS feed are kept as pending receptions; unset or empty: every prison's.
   */
  HMPPS_ADMISSION_ESTABLISHMENTS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c.length > 0)
        : undefined,
    )
    .pipe(z.array(z.string().regex(/^[A-Z]{3}$/, 'each an establishment code such as LEI')).optional()),
  /**
   * The task queue of the orchestrator's workflow worker, where a release-point re-plan's workflow
   * runs (its activities run here, on "liberation"). A test points it at a worker of its own.
   */
  REPLAN_WORKFLOW_TASK_QUEUE: z.string().min(1).max(200).default('throughcare'),
  /**
   * How often (seconds) the service looks for a re-plan apply whose workflow stopped without
   * completing (failed, terminated, cancelled, timed out), so it reads FAILED and is logged for
   * operators without anyone reading it first. 0: only when read.
   */
  REPLAN_STOP_CHECK_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /**
   * "true": a PAROLE or EARLY_RELEASE change sent over HTTP must name the sentence calculation
   * version it was decided on (422 SENTENCE_CALCULATION_VERSION_REQUIRED). "false" (the default,
   * for the transition while clients are released that send it): one that names none is recorded
   * on the latest version when it arrives, marked as such (README "Deploying this change").
   */
  RELEASE_DECISION_VERSION_REQUIRED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type LiberationConfig = z.output<typeof LiberationConfigSchema>;

/** Postgres schema owned by this service. */
export const LIBERATION_SCHEMA = 'liberation';

export function loadLiberationConfig(
  env: Record<string, string | undefined> = process.env,
): LiberationConfig {
  return loadConfig(LiberationConfigSchema, env);
}
