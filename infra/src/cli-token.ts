import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDENTITY_PLATFORM_PORT, type IdentitySecrets } from './identity';
import { paths } from './paths';

export interface Client {
  clientId: string;
  clientSecret: string;
}

async function clientCredentials(issuer: string, client: Client, resource: string): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
}

async function tokenOf(response: Response, what: string): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token)
    throw new Error(`${what}: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  return body.access_token;
}

export interface ClientRegistration {
  name: string;
  roles: string[];
  agencyId?: string;
  establishments?: string[];
}

function issuerUrl(): string {
  return (process.env.AUTH_ISSUER ?? `http://127.0.0.1:${IDENTITY_PLATFORM_PORT}`).replace(/\/$/, '');
}

/**
 * A client of the local platform's embedded identity provider, registered once under `key` with
 * the bootstrap administrator's secret from `<cache>/identity/<instance>.json`; its credentials
 * are kept next to it (`<instance>-<key>.json`, mode 0600). Registered again when the provider no
 * longer knows it (a fresh database) — `usable` says whether the kept one still works.
 */
/** A token of the local bootstrap administrator (`throughcare-admin`) for the identity provider's own API. */
async function administratorToken(issuer: string, secrets: IdentitySecrets): Promise<string> {
  return tokenOf(
    await clientCredentials(
      issuer,
      { clientId: 'throughcare-admin', clientSecret: secrets.adminSecret },
      'urn:throughcare:identity',
    ),
    `administrator token from ${issuer}`,
  );
}

export async function localClient(
  instance: string,
  key: string,
  registration: ClientRegistration,
  usable: (client: Client) => Promise<boolean> = async () => true,
): Promise<Client> {
  const issuer = issuerUrl();
  // The local platform's secrets (its administrator's, the CLI client's) go to the local provider
  // only, never to whatever AUTH_ISSUER the shell happens to name.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(issuer).hostname))
    throw new Error(
      `AUTH_ISSUER ${issuer} is not this machine: the CLI sends the local administrator secret to a local provider only; set THROUGHCARE_TOKEN instead`,
    );
  const dir = path.join(paths.cacheDir, 'identity');
  const secretsFile = path.join(dir, `${instance}.json`);
  const clientFile = path.join(dir, `${instance}-${key}.json`);
  if (fs.existsSync(clientFile)) {
    const kept = JSON.parse(fs.readFileSync(clientFile, 'utf8')) as Client;
    if (await usable(kept)) return kept;
  }
  if (!fs.existsSync(secretsFile))
    throw new Error(
      `no embedded identity provider for instance ${instance} (${secretsFile} missing): start the platform, or set THROUGHCARE_TOKEN to an access token`,
    );
  const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as IdentitySecrets;
  const admin = await administratorToken(issuer, secrets);
  const response = await fetch(`${issuer}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify(registration),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as Partial<Client>;
  if (response.status !== 201 || !body.clientId || !body.clientSecret)
    throw new Error(`registering client ${key} failed: ${response.status} ${JSON.stringify(body)}`);
  const client = { clientId: body.clientId, clientSecret: body.clientSecret };
  fs.writeFileSync(clientFile, JSON.stringify(client) + '\n', { mode: 0o600 });
  return client;
}

/** Whether the provider still issues tokens to `client` for `resource`. */
export async function stillKnown(client: Client, resource: string): Promise<boolean> {
  return (await clientCredentials(issuerUrl(), client, resource)).ok;
}

/**
 * An access token for the CLI's calls to a local platform's APIs (`./throughcare dlq`), with the
 * role `role`. THROUGHCARE_TOKEN, when set, is used as is (any identity provider). Otherwise the
 * CLI uses a client of its own with the embedded provider of `instance` (localClient).
 */
export async function cliToken(role: 'operator', resource: string, instance = 'platform'): Promise<string> {
  if (process.env.THROUGHCARE_TOKEN) return process.env.THROUGHCARE_TOKEN;
  const client = await localClient(
    instance,
    `cli-${role}`,
    { name: `throughcare CLI (${role})`, roles: [role] },
    (c) => stillKnown(c, resource),
  );
  return tokenOf(await clientCredentials(issuerUrl(), client, resource), `${role} token from ${issuerUrl()}`);
}

/**
 * A demo staff account of a local platform (`./throughcare start` prints it beside the dashboard
 * URL): created once through the embedded provider's administration API with a generated
 * password, kept in `<cache>/identity/<instance>-<key>.json` (0600), and created anew when the
 * provider no longer knows it.
 */
export async function localStaff(
  instance: string,
  key: string,
  account: { displayName: string; roles: string[] },
): Promise<{ userId: string; username: string; password: string }> {
  const issuer = issuerUrl();
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(issuer).hostname))
    throw new Error(`AUTH_ISSUER ${issuer} is not this machine: no demo staff account`);
  const dir = path.join(paths.cacheDir, 'identity');
  const secrets = JSON.parse(fs.readFileSync(path.join(dir, `${instance}.json`), 'utf8')) as IdentitySecrets;
  const admin = await administratorToken(issuer, secrets);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${admin}` };
  const file = path.join(dir, `${instance}-${key}.json`);
  if (fs.existsSync(file)) {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      userId: string;
      username: string;
      password: string;
    };
    const known = await fetch(`${issuer}/admin/staff/${kept.userId}`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    if (known.ok && ((await known.json()) as { disabledAt: string | null }).disabledAt === null) return kept;
  }
  const username = `${key}-${randomBytes(3).toString('hex')}`;
  const response = await fetch(`${issuer}/admin/staff`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username, ...account }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { userId?: string; oneTimePassword?: string };
  if (response.status !== 201 || !body.userId || !body.oneTimePassword)
    throw new Error(`creating the ${key} staff account failed: ${response.status} ${JSON.stringify(body)}`);
  const created = { userId: body.userId, username, password: body.oneTimePassword };
  fs.writeFileSync(file, JSON.stringify(created, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return created;
}
