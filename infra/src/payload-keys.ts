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
  const file = payloadKeyFile(instance);
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
  const { keys, activeKeyId } = JSON.parse(fs.readFileSync(file, 'utf8')) as PayloadKeyFile;
  return {
    PAYLOAD_ENCRYPTION_KEYS: keys.map((k) => `${k.id}:${k.key}`).join(','),
    PAYLOAD_ENCRYPTION_KEY_ID: activeKeyId,
  };
}
