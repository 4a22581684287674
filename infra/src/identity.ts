import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths';
import { mkdirp } from './util';

/** Port of the embedded identity provider in the platform profile (tests pick a free one). */
export const IDENTITY_PLATFORM_PORT = 3006;
/** Port of the orchestrator in the platform profile (the dashboard client's redirect URI). */
export const ORCHESTRATOR_PLATFORM_PORT = 3005;

export interface IdentitySecrets {
  /** Private JWK Set (one ES256 key) the provider signs access tokens with. */
  jwks: { keys: Record<string, unknown>[] };
  cookieSecret: string;
  /** Secret of the bootstrap administrator client (`throughcare-admin`). */
  adminSecret: string;
  /** Secret of the dashboard client (`throughcare-dashboard`: staff sign-in to the orchestrator). */
  dashboardClientSecret: string;
  /** The orchestrator's key for its dashboard session cookies (32 bytes, base64url). */
  dashboardSessionKey: string;
  /** Secret of the directory's registrar client (`throughcare-directory`): agencies' clients. */
  directoryRegistrarSecret: string;
}

function newSigningKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `throughcare-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
}

/**
 * The embedded identity provider's signing key and secrets for one instance: generated at the
 * first start and kept in `<cache>/identity/<instance>.json` (mode 0600), so tokens stay valid
 * across restarts of a persistent platform.
 */
export function identitySecrets(instance: string, fresh: boolean): IdentitySecrets {
  const file = path.join(mkdirp(path.join(paths.cacheDir, 'identity')), `${instance}.json`);
  if (fresh) fs.rmSync(file, { force: true });
  if (!fs.existsSync(file)) {
    const secrets: IdentitySecrets = {
      jwks: { keys: [newSigningKey()] },
      cookieSecret: randomBytes(32).toString('base64url'),
      adminSecret: randomBytes(32).toString('base64url'),
      dashboardClientSecret: randomBytes(32).toString('base64url'),
      dashboardSessionKey: randomBytes(32).toString('base64url'),
      directoryRegistrarSecret: randomBytes(32).toString('base64url'),
    };
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  }
  const secrets = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<IdentitySecrets>;
  if (!secrets.dashboardClientSecret || !secrets.dashboardSessionKey || !secrets.directoryRegistrarSecret) {
    // A file from before staff sign-in or the directory's registrar: add those secrets, keep the rest.
    secrets.dashboardClientSecret ??= randomBytes(32).toString('base64url');
    secrets.dashboardSessionKey ??= randomBytes(32).toString('base64url');
    secrets.directoryRegistrarSecret ??= randomBytes(32).toString('base64url');
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets as IdentitySecrets;
}
