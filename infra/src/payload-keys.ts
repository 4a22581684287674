import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths';
import { mkdirp } from './util';

/** One instance's Temporal payload encryption keys (AES-256), as kept on disk. */
export interface PayloadKeyFile {
  /** Every key that decrypts; add one and point `activeKeyId` at it to rotate (keep the old ones). */
  keys: Array<{ id: string; key: string }>;
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
}

/** The variables every app (and Jest) gets: see CommonEnv.payloadEncryption. */
export interface PayloadEncryptionEnv extends Record<string, string> {
  PAYLOAD_ENCRYPTION_KEYS: string;
  PAYLOAD_ENCRYPTION_KEY_ID: string;
}

export function payloadKeyFile(instance: string): string {
  return path.join(paths.cacheDir, 'payload-keys', `${instance}.json`);
}

/**
 * The instance's payload encryption keys: one random 32-byte key generated at the first start and
 * kept in `<cache>/payload-keys/<instance>.json` (mode 0600), so that a persistent platform's
 * Temporal histories stay readable across restarts. `fresh` (test instances) starts a new key.
 * Never written to the supervisor's state file or a log.
 */
export function payloadEncryptionEnv(instance: string, fresh: boolean): PayloadEncryptionEnv {
  const { keys, activeKeyId } = instanceKeys(payloadKeyFile(instance), instance, fresh);
  return {
    PAYLOAD_ENCRYPTION_KEYS: keys.map((k) => `${k.id}:${k.key}`).join(','),
    PAYLOAD_ENCRYPTION_KEY_ID: activeKeyId,
  };
}

/** The variables every app, Jest and `audit verify` get: see CommonEnv.auditSeal. */
export interface AuditSealEnv extends Record<string, string> {
  AUDIT_SEAL_KEYS: string;
  AUDIT_SEAL_KEY_ID: string;
}

export function auditSealKeyFile(instance: string): string {
  return path.join(paths.cacheDir, 'audit-seal-keys', `${instance}.json`);
}

/**
 * The instance's audit sealing keys, kept like the payload keys (`<cache>/audit-seal-keys/
 * <instance>.json`, 0600, a new one per test run): outside the database, so that whoever can
 * write the database without them cannot reseal a record `audit verify` would accept.
 */
export function auditSealEnv(instance: string, fresh: boolean): AuditSealEnv {
  return sealEnvOf(instanceKeys(auditSealKeyFile(instance), instance, fresh));
}

/**
 * The instance's existing audit sealing keys as AUDIT_SEAL_KEYS / AUDIT_SEAL_KEY_ID, or undefined
 * when it has no key file (never creates one: `audit verify` must not invent a key). A key file
 * that is there but unreadable is an error, thrown.
 */
export function existingAuditSealEnv(instance: string): AuditSealEnv | undefined {
  const file = auditSealKeyFile(instance);
  if (!fs.existsSync(file)) return undefined;
  return sealEnvOf(JSON.parse(fs.readFileSync(file, 'utf8')) as PayloadKeyFile);
}

function sealEnvOf({ keys, activeKeyId }: PayloadKeyFile): AuditSealEnv {
  return {
    AUDIT_SEAL_KEYS: keys.map((k) => `${k.id}:${k.key}`).join(','),
    AUDIT_SEAL_KEY_ID: activeKeyId,
  };
}

/** The key file's keys, generating one random 32-byte key first if there is none (or `fresh`). */
function instanceKeys(file: string, instance: string, fresh: boolean): PayloadKeyFile {
  mkdirp(path.dirname(file));
  if (fresh) fs.rmSync(file, { force: true });
  if (!fs.existsSync(file)) {
    const name = instance.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40);
    const id = `${name}-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
    const content: PayloadKeyFile = {
      keys: [{ id, key: randomBytes(32).toString('base64') }],
      activeKeyId: id,
    };
    fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PayloadKeyFile;
}
