import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

export const DirectoryConfigSchema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.payloadEncryption,
  ...CommonEnv.auditSeal,
  ...CommonEnv.http(3004),
  ...CommonEnv.logging,
  ...CommonEnv.auth('directory'),
});
export type DirectoryConfig = z.output<typeof DirectoryConfigSchema>;

/** Postgres schema owned by this service. */
export const DIRECTORY_SCHEMA = 'directory';

export function loadDirectoryConfig(env: Record<string, string | undefined> = process.env): DirectoryConfig {
  return loadConfig(DirectoryConfigSchema, env);
}
