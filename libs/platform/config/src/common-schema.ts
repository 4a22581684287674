import { z } from 'zod';

const urlWithProtocol = (protocols: string[], example: string) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `must be a ${protocols.join(' or ')} URL such as ${example}`,
    });

/**
 * Variables shared by services; compose with `z.object({ ...CommonEnv.database, ... })`
 * so each service states exactly what it needs.
 */
export const CommonEnv = {
  database: {
    DATABASE_URL: urlWithProtocol(['postgres', 'postgresql'], 'postgres://user:pass@host:5432/db'),
  },
  nats: { NATS_URL: urlWithProtocol(['nats', 'tls'], 'nats://127.0.0.1:4222') },
  temporal: {
    TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port such as 127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  },
  http: (defaultPort: number) => ({
    PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
  }),
  logging: {
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  },
  /**
   * The OAuth2 resource server: tokens from AUTH_ISSUER (any OpenID Connect provider; the
   * embedded one by default) naming AUTH_AUDIENCE (default `urn:throughcare:<service>`).
   */
  auth: (service: string) => ({
    AUTH_ISSUER: z.string().url(),
    AUTH_AUDIENCE: z.string().min(1).default(`urn:throughcare:${service}`),
    /** Default: `jwks_uri` from the issuer's discovery document. */
    AUTH_JWKS_URI: z.string().url().optional(),
    AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** The JOSE `typ` of access tokens (RFC 9068: at+jwt); `any` for providers that send `JWT`. */
    AUTH_TOKEN_TYPE: z.string().min(1).default('at+jwt'),
  }),
  personId: {
    PERSON_ID_SECRET: z.string().min(16, 'must be at least 16 characters'),
  },
} as const;
