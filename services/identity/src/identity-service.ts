import { AuditWriter } from '@throughcare/platform-audit';
import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { createServer, type Server } from 'node:http';
import type { JWKS } from 'oidc-provider';
import { AccessTokenVerifier } from '@throughcare/platform-auth';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { adminApi } from './admin-api';
import { auditApi, IDENTITY_AUDIT_CHAIN } from './audit-api';
import { ClientStore, configuredClientRecorder } from './client-store';
import { IDENTITY_AUDIENCE, IDENTITY_SCHEMA, issuerOf, type IdentityConfig } from './config';
import { identityMigrations } from './migrations';
import { interactions } from './interactions';
import { createProvider } from './provider';
import { sweepExpired } from './provider-store';
import { StaffStore } from './staff-store';

/** How often expired sessions, interactions, codes and grants are deleted. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface IdentityService {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the identity provider: migrates its schema, ensures the bootstrap administrator client,
 * and serves OpenID Connect discovery, the JWKS, the token endpoint and the administration API
 * (plus GET /health for the supervisor).
 */
export async function startIdentityService(config: IdentityConfig): Promise<IdentityService> {
  const issuer = issuerOf(config);
  const jwks = JSON.parse(config.IDENTITY_JWKS) as JWKS;
  const db = await createServiceDataSource({
    url: config.DATABASE_URL,
    schema: IDENTITY_SCHEMA,
    entities: [],
    migrations: identityMigrations,
    poolSize: 5,
  });
  const clients = new ClientStore(db);
  const staff = new StaffStore(db);
  const seal = auditSealKeyringFrom(config);
  // Sign-in attempts go on the identity chain, like the auditor API's own use; so do the changes a
  // start makes to the configured clients (created, re-keyed, reinstated).
  const audit = new AuditWriter(db, IDENTITY_AUDIT_CHAIN, seal);
  const recordConfigured = configuredClientRecorder(audit);
  await clients.ensureAdmin(
    config.IDENTITY_ADMIN_CLIENT_SECRET,
    recordConfigured('IDENTITY_ADMIN_CLIENT_SECRET'),
  );
  await clients.ensureRegistrar(
    config.DIRECTORY_REGISTRAR_SECRET,
    recordConfigured('DIRECTORY_REGISTRAR_SECRET'),
  );
  const dashboard =
    config.IDENTITY_DASHBOARD_CLIENT_SECRET && config.IDENTITY_DASHBOARD_URL
      ? { clientSecret: config.IDENTITY_DASHBOARD_CLIENT_SECRET, url: config.IDENTITY_DASHBOARD_URL }
      : undefined;
  const provider = createProvider({
    issuer,
    jwks,
    cookieSecret: config.IDENTITY_COOKIE_SECRET,
    accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: config.IDENTITY_SESSION_TTL_SECONDS,
    clients,
    staff,
    db,
    ...(dashboard ? { dashboard } : {}),
  });
  const verifier = new AccessTokenVerifier({
    issuer,
    audience: IDENTITY_AUDIENCE,
    jwksUri: `${issuer}/jwks`,
  });
  provider.use(interactions(provider, staff, dashboard ? [new URL(dashboard.url).origin] : [], audit));
  provider.use(adminApi(clients, staff, verifier, audit));
  provider.use(auditApi(db, verifier, seal));
  // Why a token request was refused (oidc-provider keeps the detail out of the response).
  provider.on('grant.error', (_ctx: unknown, error: Error & { error_detail?: string }) =>
    console.warn(`identity: token request refused: ${error.message} (${error.error_detail ?? 'no detail'})`),
  );
  provider.on('server_error', (_ctx: unknown, error: Error) =>
    console.error('identity: server error', error),
  );
  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url === '/health' && req.method === 'GET') {
      db.query('SELECT 1').then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'),
        () =>
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"database unavailable"}'),
      );
      return;
    }
    void callback(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, '0.0.0.0', () => resolve());
  });
  const sweep = setInterval(() => {
    sweepExpired(db).catch((e: unknown) =>
      console.error('identity: sweeping expired sign-in state failed', e),
    );
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  console.log(
    `identity: issuer ${issuer} listening on port ${port} (discovery at /.well-known/openid-configuration)`,
  );
  return {
    issuer,
    port,
    stop: async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}
