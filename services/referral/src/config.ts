import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WAIT = /^(\d{1,9})(ms|s|m|h|d)$/;

/** A wait such as `500ms`, `5s`, `30m`, `2h` or `5d` in milliseconds, or undefined. */
function waitMs(wait: string): number | undefined {
  const match = WAIT.exec(wait);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}
const NOT_A_WAIT = 'is not a wait such as 500ms, 5s, 30m, 2h or 5d';

/** `5s,5m,30m,2h`: each wait as milliseconds, or the wait that is not one (an issue). */
const RetrySchedule = z.string().transform((raw, ctx) => {
  const waits = raw.split(',').map((part) => part.trim());
  const ms: number[] = [];
  for (const wait of waits) {
    const each = waitMs(wait);
    if (each === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${wait}" ${NOT_A_WAIT}` });
      return z.NEVER;
    }
    ms.push(each);
  }
  if (ms.length > 20) {
    ctx.addIssue({ code: 'custom', message: 'lists more than 20 waits' });
    return z.NEVER;
  }
  return ms;
});

export const ReferralConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3002),
  ...CommonEnv.logging,
  ...CommonEnv.auth('referral'),
  /**
   * `true` lets webhook endpoints be http:// URLs and private, loopback or link-local addresses:
   * for a platform and its receivers on one machine (`./throughcare start`, the tests). Never in
   * production, where only https URLs resolving to public addresses are taken.
   */
  WEBHOOK_DEVELOPMENT_TARGETS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * The waits after each failed delivery attempt; a delivery fails for good after the last
   * (default: the Standard Webhooks reference schedule, 8 attempts over about 28 hours).
   */
  WEBHOOK_RETRY_SCHEDULE: RetrySchedule.prefault('5s,5m,30m,2h,5h,10h,10h'),
  /**
   * An endpoint whose every attempt has failed for this long is disabled until its agency enables
   * it again (default 5 days, as Svix and most senders do).
   */
  WEBHOOK_DISABLE_AFTER: z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const ms = waitMs(raw);
      if (ms === undefined || ms === 0) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" ${NOT_A_WAIT} (and more than none)` });
        return z.NEVER;
      }
      return ms;
    })
    .prefault('5d'),
  /** How long an endpoint has to answer one request. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});
export type ReferralConfig = z.output<typeof ReferralConfigSchema>;

/** Postgres schema owned by this service. */
export const REFERRAL_SCHEMA = 'referral';

export function loadReferralConfig(env: Record<string, string | undefined> = process.env): ReferralConfig {
  return loadConfig(ReferralConfigSchema, env);
}
