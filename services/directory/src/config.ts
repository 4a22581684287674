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
  /**
   * The directory's client secret at the embedded identity provider (client
   * `throughcare-directory`, the same value the provider is given): agencies' API clients are
   * registered through `/agencies/:id/clients` with it. Unset (e.g. with an external identity
   * provider), those routes answer 503 CLIENT_REGISTRATION_UNAVAILABLE.
   */
  DIRECTORY_REGISTRAR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});
export type DirectoryConfig = z.output<typeof DirectoryConfigSchema>;

/** Postgres schema owned by this service. */
export const DIRECTORY_SCHEMA = 'directory';

export function loadDirectoryConfig(env: Record<string, string | undefined> = process.env): DirectoryConfig {
  return loadConfig(DirectoryConfigSchema, env);
}
