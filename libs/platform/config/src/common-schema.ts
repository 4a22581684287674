import { z } from 'zod';
import { isPayloadKeyId, payloadKeysProblems } from './payload-keys';

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
    /** The owner of the service's tables: runs the migrations at boot, then serves nothing. */
    DATABASE_URL: urlWithProtocol(['postgres', 'postgresql'], 'postgres://user:pass@host:5432/db'),
    /**
     * The application role the service works as (owns nothing, under row-level security). Unset:
     * `throughcare_app` on DATABASE_URL's host, created and granted by the owner at boot, with
     * DATABASE_APP_PASSWORD, else a password derived from the owner's.
     */
    DATABASE_APP_URL: urlWithProtocol(
      ['postgres', 'postgresql'],
      'postgres://app:pass@host:5432/db',
    ).optional(),
    DATABASE_APP_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
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
    /**
     * Where spans go (OTLP/HTTP, e.g. `http://collector:4318`); none: not exported. Read by the
     * OpenTelemetry exporter itself (platform-observability); declared here so a bad URL stops
     * the app at boot instead of losing every span.
     */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** The spans' `service.name`; default the app's name. */
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
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
    /** Per API client, per service process (429 with Retry-After beyond it); 0 turns it off. */
    RATE_LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  }),
  personId: {
    PERSON_ID_SECRET: z.string().min(16, 'must be at least 16 characters'),
  },
  /**
   * AES-256-GCM encryption of every Temporal payload (issue 8). `PAYLOAD_ENCRYPTION_KEYS` lists
   * every key that may decrypt (`id:base64-32-byte-key`, comma-separated: keep old keys listed
   * after a rotation, or their histories become unreadable); `PAYLOAD_ENCRYPTION_KEY_ID` names the
   * one new payloads are encrypted with. `payloadKeyringFrom(config)` checks that it is listed.
   */
  payloadEncryption: {
    PAYLOAD_ENCRYPTION_KEYS: z.string().superRefine((value, ctx) => {
      for (const message of payloadKeysProblems(value)) ctx.addIssue({ code: 'custom', message });
    }),
    PAYLOAD_ENCRYPTION_KEY_ID: z
      .string()
      .refine(isPayloadKeyId, 'must be 1-64 characters of A-Z a-z 0-9 . _ -'),
    /**
     * A payload that is not encrypted: `refuse` (default) fails the task that meets it; `accept`
     * reads it, for histories begun before encryption was turned on.
     */
    PAYLOAD_PLAINTEXT: z.enum(['refuse', 'accept']).default('refuse'),
  },
  /**
   * The audit trail's sealing keys (issue 8): each record's hash is an HMAC-SHA256 under a key
   * derived from the active one for the service's chain, so that whoever can write the database
   * but does not hold these keys cannot rewrite a record, or a chain, without `audit verify`
   * seeing it. Same format as the payload keys; keep old keys listed after a rotation.
   */
  auditSeal: {
    AUDIT_SEAL_KEYS: z.string().superRefine((value, ctx) => {
      for (const message of payloadKeysProblems(value)) ctx.addIssue({ code: 'custom', message });
    }),
    AUDIT_SEAL_KEY_ID: z.string().refine(isPayloadKeyId, 'must be 1-64 characters of A-Z a-z 0-9 . _ -'),
  },
} as const;
