import { z } from 'zod';
import { CommonEnv, ConfigError, loadConfig } from '@throughcare/platform-config';

/**
 * The journey worker's memory budget. Its workflow cache keeps each open journey's state in the
 * workflow thread between tasks. Unbounded (the SDK sizes it from the heap limit: about 2,300
 * journeys here) the orchestrator ran out of heap at about 2,800 journeys, 4.5 GiB resident
 * (issue 7). A journey evicted from the cache is not lost: its next task replays it from its
 * history, which costs CPU, and journeys spend nearly all their life asleep on a timer.
 *
 * Measured by `node -r @swc-node/register test/bench/journey-footprint.ts`
 * (test/bench/results/journey-footprint.md, 2026-11-30):
 * - 3,896 KiB of resident memory per cached journey (growth from 200 to 500 journeys, unbounded
 *   cache, one workflow thread); unbounded, 2,000 journeys stalled at 1,294 with 4.8 GiB resident;
 * - bounding the cache alone does not bound memory: with 250 cached and V8's default thread heap
 *   limit (about 4 GiB here, from the machine's memory) the worker still peaked at 3.1 GiB, as
 *   evicted journeys are collected lazily. With 273 cached and a 2,048 MiB thread heap, 2,000
 *   journeys got to their core screen at a 2.2 GiB peak;
 * - with these defaults (269, 2,048 MiB) 10,000 journeys got to their core screen, the worker's
 *   resident memory staying between 2.06 and 2.14 GiB.
 * So: a 1 GiB budget for cached journeys, and a thread heap twice that.
 */
export const WORKFLOW_CACHE_BUDGET_MIB = 1024;
export const MEASURED_KIB_PER_CACHED_JOURNEY = 3896;
/** 269 journeys. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = Math.floor(
  (WORKFLOW_CACHE_BUDGET_MIB * 1024) / MEASURED_KIB_PER_CACHED_JOURNEY,
);
/**
 * Heap limit of each workflow thread: twice the cache budget, so that V8 has room to collect
 * evicted journeys. Reaching it ends the worker with ERR_WORKER_OUT_OF_MEMORY, which ends the
 * process (exit 70) so that it is restarted, instead of growing until the machine swaps.
 */
export const DEFAULT_WORKFLOW_HEAP_LIMIT_MIB = 2048;

export const OrchestratorConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3005),
  ...CommonEnv.logging,
  ...CommonEnv.auth('orchestrator'),
  ...CommonEnv.personId,
  /**
   * Origin (scheme://host:port) of the Temporal UI whose browser calls the codec endpoint
   * (`/codec/decode`, `/codec/encode`): the only origin CORS admits. `./throughcare start` sets its
   * dev UI's; the default is the Temporal CLI dev server's UI.
   */
  TEMPORAL_UI_ORIGIN: z
    .string()
    .url()
    .refine((value) => new URL(value).origin === value, 'must be an origin: scheme://host[:port], no path')
    .default('http://127.0.0.1:8233'),
  /**
   * Staff sign-in to the dashboard (issue 8): the orchestrator's public URL (the identity
   * provider returns sign-ins to `<url>/dashboard/callback`), the secret of the provider's
   * `throughcare-dashboard` client, and a 32-byte key (base64url) sealing the session cookies.
   * All three or none; without them the dashboard answers bearer tokens only.
   */
  DASHBOARD_PUBLIC_URL: z
    .string()
    .url()
    .refine((v) => /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
    .optional(),
  DASHBOARD_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DASHBOARD_SESSION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64url').length === 32, 'must be 32 bytes, base64url')
    .optional(),
  /** A prebuilt workflow bundle (production); when unset the worker bundles from source at boot. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /**
   * Overrides the SLA policy's movement settle window (45 minutes: agencies hear of a release or
   * transfer only once it has stood that long) for journeys this orchestrator starts. For test and
   * training environments, where nobody can wait 45 minutes; leave unset in production.
   */
  MOVEMENT_SETTLE_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  /**
   * Letters one bulk replay request (`POST /dead-letters/replay`) re-publishes at most; `more: true`
   * says some are left. Each replay is a publish, a record and an audit record: keep a request
   * well inside an HTTP client's timeout.
   */
  DEAD_LETTER_REPLAY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /**
   * Minutes between the scheduled verifications of the audit trail (the Temporal schedule
   * `throughcare-audit-verification`, each a full walk of every chain); 0 deletes the schedule.
   */
  AUDIT_VERIFY_EVERY_MINUTES: z.coerce.number().int().min(0).max(10_080).default(360),
  /**
   * Where the scheduled verification keeps its checkpoints (the chains' heads, a file per
   * database), like `./throughcare audit verify`'s. Keep it where whoever can write the database
   * cannot. Unset: no checkpoint, so records cut off a chain's end are not seen.
   */
  AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  /**
   * `true` accepts records from before sealing at the start of a chain (as `audit verify
   * --allow-unsealed`): for a deployment that turned sealing on with records already written.
   */
  AUDIT_VERIFY_ALLOW_UNSEALED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Journeys kept in the workflow cache (Temporal `maxCachedWorkflows`): 0 disables the cache
   * (every task replays its journey), otherwise at least 2. Default: see DEFAULT_MAX_CACHED_WORKFLOWS.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .refine((n) => n === 0 || n >= 2, 'must be 0 (no cache) or at least 2')
    .default(DEFAULT_MAX_CACHED_WORKFLOWS),
  /** Threads running workflow tasks (Temporal `workflowThreadPoolSize`; the SDK's default is 1). */
  WORKFLOW_THREAD_POOL_SIZE: z.coerce.number().int().min(1).max(16).optional(),
  /** Heap limit of each workflow thread, in MiB (V8 max-old-space-size for the thread). */
  WORKFLOW_HEAP_LIMIT_MB: z.coerce
    .number()
    .int()
    .min(256)
    .max(65_536)
    .default(DEFAULT_WORKFLOW_HEAP_LIMIT_MIB),
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

/** The dashboard's sign-in settings, when all three are configured. */
export function dashboardSignInFrom(config: OrchestratorConfig) {
  const {
    DASHBOARD_PUBLIC_URL: publicUrl,
    DASHBOARD_CLIENT_SECRET: clientSecret,
    DASHBOARD_SESSION_KEY: key,
  } = config;
  if (!publicUrl || !clientSecret || !key) return undefined;
  return {
    issuer: config.AUTH_ISSUER,
    publicUrl,
    clientId: 'throughcare-dashboard',
    clientSecret,
    sessionKey: Buffer.from(key, 'base64url'),
    audience: config.AUTH_AUDIENCE,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    codecOrigin: config.TEMPORAL_UI_ORIGIN,
  };
}

/** Postgres schema owned by the orchestrator: SLA breaches and case closures. */
export const THROUGHCARE_SCHEMA = 'throughcare';

export function loadOrchestratorConfig(
  env: Record<string, string | undefined> = process.env,
): OrchestratorConfig {
  const config = loadConfig(OrchestratorConfigSchema, env);
  const set = [config.DASHBOARD_PUBLIC_URL, config.DASHBOARD_CLIENT_SECRET, config.DASHBOARD_SESSION_KEY];
  if (set.some((v) => v !== undefined) && set.some((v) => v === undefined))
    throw new ConfigError([
      'DASHBOARD_PUBLIC_URL, DASHBOARD_CLIENT_SECRET and DASHBOARD_SESSION_KEY go together',
    ]);
  return config;
}
