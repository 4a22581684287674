import { requireEnv } from './env';

/** A principal a test acts as: the roles and scope an API client is registered with. */
export interface TestPrincipal {
  roles: string[];
  agencyId?: string;
  establishments?: string[];
  /** Shown in the client's name; defaults to the roles. */
  label?: string;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
}

/** Which identity provider: by default the test infrastructure's (AUTH_ISSUER). */
export interface IdentityTarget {
  issuer: string;
  adminSecret: string;
}

const ADMIN_CLIENT_ID = 'throughcare-admin';
const tokens = new Map<string, { token: string; expiresAt: number }>();
const clients = new Map<string, Promise<RegisteredClient>>();

export function testIdentity(): IdentityTarget {
  return { issuer: requireEnv('AUTH_ISSUER'), adminSecret: requireEnv('IDENTITY_ADMIN_CLIENT_SECRET') };
}

/**
 * An access token from the embedded identity provider (a real OAuth2 client-credentials grant),
 * cached until a minute before it expires.
 */
export async function clientToken(
  client: RegisteredClient,
  resource: string,
  target: IdentityTarget = testIdentity(),
): Promise<string> {
  const key = `${target.issuer} ${client.clientId} ${resource}`;
  const cached = tokens.get(key);
  if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
  const response = await fetch(`${target.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
  });
  const body = (await response.json()) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token)
    throw new Error(
      `token for ${client.clientId} (${resource}): ${response.status} ${body.error} ${body.error_description ?? ''}`,
    );
  tokens.set(key, { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 60) * 1000 });
  return body.access_token;
}

/** The bootstrap administrator. */
export function adminClient(target: IdentityTarget = testIdentity()): RegisteredClient {
  return { clientId: ADMIN_CLIENT_ID, clientSecret: target.adminSecret };
}

/** Registers a new API client through the identity provider's administration API. */
export async function registerClient(
  principal: TestPrincipal,
  target: IdentityTarget = testIdentity(),
): Promise<RegisteredClient> {
  const admin = await clientToken(adminClient(target), 'urn:throughcare:identity', target);
  const response = await fetch(`${target.issuer}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      name: `test ${principal.label ?? principal.roles.join('+')}`,
      roles: principal.roles,
      ...(principal.agencyId ? { agencyId: principal.agencyId } : {}),
      ...(principal.establishments ? { establishments: principal.establishments } : {}),
    }),
  });
  const body = (await response.json()) as { clientId?: string; clientSecret?: string };
  if (response.status !== 201 || !body.clientId || !body.clientSecret)
    throw new Error(`registering a test client failed: ${response.status} ${JSON.stringify(body)}`);
  return { clientId: body.clientId, clientSecret: body.clientSecret };
}

/** One client per distinct principal per test process, registered on first use. */
function clientFor(principal: TestPrincipal, target: IdentityTarget): Promise<RegisteredClient> {
  const key = JSON.stringify([target.issuer, principal.roles, principal.agencyId, principal.establishments]);
  let client = clients.get(key);
  if (!client) {
    client = registerClient(principal, target);
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

/** `Authorization` header for a request to `resource` as `principal`. */
export async function bearer(
  principal: TestPrincipal,
  resource: string,
  target: IdentityTarget = testIdentity(),
): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await clientToken(await clientFor(principal, target), resource, target)}`,
  };
}
