import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

export const ReferralConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3002),
  ...CommonEnv.logging,
  ...CommonEnv.auth('referral'),
});
export type ReferralConfig = z.output<typeof ReferralConfigSchema>;

/** Postgres schema owned by this service. */
export const REFERRAL_SCHEMA = 'referral';

export function loadReferralConfig(env: Record<string, string | undefined> = process.env): ReferralConfig {
  return loadConfig(ReferralConfigSchema, env);
}
