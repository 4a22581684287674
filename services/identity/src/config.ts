import { z } from 'zod';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';

/** The resource servers (token audiences, RFC 8707 resource indicators) this provider issues for. */
export const THROUGHCARE_RESOURCES = [
  'urn:throughcare:assessment',
  'urn:throughcare:referral',
  'urn:throughcare:liberation',
  'urn:throughcare:directory',
  'urn:throughcare:orchestrator',
  'urn:throughcare:identity',
] as const;

/** The audience of this provider's own administration API (clients). */
export const IDENTITY_AUDIENCE = 'urn:throughcare:identity';

export const IdentityConfigSchema = z
  .object({
    ...CommonEnv.database,
    ...CommonEnv.http(3006),
    ...CommonEnv.logging,
    // Its auditor API's own records are sealed like every service's (the `identity` chain).
    ...CommonEnv.auditSeal,
    /** Issuer identifier; defaults to http://127.0.0.1:<PORT>. Must be what clients and services use. */
    IDENTITY_ISSUER: z.string().url().optional(),
    /**
     * The signing keys, a private JWK Set as JSON (first key of each algorithm signs; every key is
     * published, so a rotated-out key keeps verifying tokens until they expire). Required.
     */
    IDENTITY_JWKS: z.string().min(2),
    /** Secret for the provider's cookie signing (interactions); at least 32 characters. */
    IDENTITY_COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /**
     * The bootstrap administrator client (`throughcare-admin`, role administrator): registered or
     * re-keyed at start with this secret, so the first agencies and clients can be registered.
     */
    IDENTITY_ADMIN_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /**
     * The directory's registrar client (`throughcare-directory`): its secret, the same value the
     * directory is given. Without it, agencies' clients cannot be registered through the directory
     * (the administration API still registers clients directly).
     */
    DIRECTORY_REGISTRAR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * Access-token lifetime. Tokens are verified by the services without calling back, so a revoked
     * client's tokens stop working at the latest this long after the revocation.
     */
    IDENTITY_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    /** How long a staff sign-in lasts at the provider (its session) before the password is asked again. */
    IDENTITY_SESSION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(8 * 3600),
    /**
     * The dashboard client (`throughcare-dashboard`, staff sign-in by authorization code + PKCE):
     * its secret, and the orchestrator's public URL (redirect `<url>/dashboard/callback`, after
     * sign-out `<url>/dashboard/signed-out`). Both or neither; without them nobody can sign in.
     */
    IDENTITY_DASHBOARD_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    IDENTITY_DASHBOARD_URL: z
      .string()
      .url()
      .refine((v) => /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
      .optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.IDENTITY_DASHBOARD_CLIENT_SECRET === undefined) !== (c.IDENTITY_DASHBOARD_URL === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [
          c.IDENTITY_DASHBOARD_URL === undefined
            ? 'IDENTITY_DASHBOARD_URL'
            : 'IDENTITY_DASHBOARD_CLIENT_SECRET',
        ],
        message: 'IDENTITY_DASHBOARD_CLIENT_SECRET and IDENTITY_DASHBOARD_URL go together',
      });
  });
export type IdentityConfig = z.output<typeof IdentityConfigSchema>;

export const IDENTITY_SCHEMA = 'identity';

export function loadIdentityConfig(env: Record<string, string | undefined> = process.env): IdentityConfig {
  return loadConfig(IdentityConfigSchema, env);
}

export function issuerOf(config: IdentityConfig): string {
  return config.IDENTITY_ISSUER ?? `http://127.0.0.1:${config.PORT}`;
}
