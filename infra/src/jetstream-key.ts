import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths';
import { mkdirp } from './util';

/**
 * The environment variable the generated NATS config reads its JetStream encryption key from
 * (`key: $JETSTREAM_KEY`), so that the key is in neither the config file, the state file nor a log.
 * docker-compose.yml passes the same variable to each NATS node.
 */
export const JETSTREAM_KEY_ENV = 'JETSTREAM_KEY';

export function jetStreamKeyFile(instance: string): string {
  return path.join(paths.cacheDir, 'jetstream-keys', `${instance}.key`);
}

/**
 * True when the store holds a stream or consumer written with encryption (nats-server keeps each
 * one's wrapped key in a `meta.key` file beside its `meta.inf`).
 */
export function storeIsEncrypted(storeDir: string): boolean {
  const visit = (dir: string): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    return entries.some((e) =>
      e.isDirectory() ? visit(path.join(dir, e.name)) : e.isFile() && e.name === 'meta.key',
    );
  };
  return visit(storeDir);
}

/**
 * The instance's JetStream encryption key: 32 random bytes (hex, prefixed with letters so that the
 * NATS config parser reads it as a string) generated at the first start and kept in
 * `<cache>/jetstream-keys/<instance>.key` (mode 0600), like the payload keys. `fresh` (a test
 * instance, whose store is wiped too) starts a new key.
 *
 * nats-server encrypts a plaintext store in place at its first start with a key (it logs
 * "Encrypting stream …"), so the `platform` profile's store written before encryption is converted,
 * not lost. The reverse is not possible: an encrypted store without its key loads no stream at all
 * (nats-server only warns), and the apps would then create empty streams over it. So a missing key
 * for an encrypted store is refused here, with what to do.
 */
export function jetStreamKey(instance: string, storeDir: string, fresh: boolean): string {
  const file = jetStreamKeyFile(instance);
  mkdirp(path.dirname(file));
  if (fresh) fs.rmSync(file, { force: true });
  if (!fs.existsSync(file)) {
    if (storeIsEncrypted(storeDir)) {
      throw new Error(
        `the JetStream store ${storeDir} is encrypted, but its key file ${file} is missing: ` +
          `restore the key file (mode 0600), or remove the store if its events may be lost ` +
          `(rm -rf '${storeDir}'; the services' outboxes do not publish again what they already published)`,
      );
    }
    fs.writeFileSync(file, `js${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const key = fs.readFileSync(file, 'utf8').trim();
  if (!/^[A-Za-z][A-Za-z0-9]{31,}$/.test(key))
    throw new Error(`${file} does not hold a JetStream key (letters and digits, starting with a letter)`);
  return key;
}

/**
 * nats-server's warning when a stream's metadata cannot be decrypted (a wrong key, or an encrypted
 * store started without one): the stream is then missing, not an error. Found in its log, it makes
 * the start fail instead.
 */
export const UNREADABLE_STORE_LOG = /Error decrypting our (stream|consumer) metafile: (.*)/;
