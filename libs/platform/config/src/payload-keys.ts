import { ConfigError } from './config-error';

/** AES-256: a key is exactly 32 bytes. */
export const PAYLOAD_KEY_BYTES = 32;

/** A key id: what Temporal stores in clear beside each payload (`encryption-key-id`). */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Standard base64 (RFC 4648 §4), padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The payload encryption keys by id, and the one new payloads are encrypted with. */
export interface PayloadKeyring {
  readonly activeKeyId: string;
  /** Every listed key decrypts (rotation: old histories stay readable). */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/**
 * Problems with `PAYLOAD_ENCRYPTION_KEYS` (`id:base64-32-byte-key`, comma-separated), each
 * naming the entry by position and id, never echoing a key.
 */
export function payloadKeysProblems(spec: string): string[] {
  return parseKeys(spec).problems;
}

function parseKeys(spec: string): { keys: Map<string, Buffer>; problems: string[] } {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  const entries = spec.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) return { keys, problems: ['lists no key (id:base64-key, …)'] };
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} is not "id:base64-key"`);
      return;
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      problems.push(`${where}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
      return;
    }
    if (keys.has(id)) {
      problems.push(`${where}: key id "${id}" is listed twice`);
      return;
    }
    if (!BASE64.test(encoded) || encoded === '') {
      problems.push(`${where} (key id "${id}"): the key is not valid base64`);
      return;
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== PAYLOAD_KEY_BYTES) {
      problems.push(
        `${where} (key id "${id}"): the key is ${key.length} bytes, AES-256 needs ${PAYLOAD_KEY_BYTES}`,
      );
      return;
    }
    keys.set(id, key);
  });
  return { keys, problems };
}

/** `PAYLOAD_ENCRYPTION_KEY_ID` must be well formed; whether it is listed is `payloadKeyringFrom`'s check. */
export function isPayloadKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/**
 * The keyring from the two variables, or a `ConfigError` listing every problem (bad entries, and an
 * active key id that is not listed). Call at boot, next to `loadConfig`.
 */
export function payloadKeyringFrom(config: {
  PAYLOAD_ENCRYPTION_KEYS: string;
  PAYLOAD_ENCRYPTION_KEY_ID: string;
}): PayloadKeyring {
  return keyringFrom(
    'PAYLOAD_ENCRYPTION_KEYS',
    config.PAYLOAD_ENCRYPTION_KEYS,
    'PAYLOAD_ENCRYPTION_KEY_ID',
    config.PAYLOAD_ENCRYPTION_KEY_ID,
  );
}

/**
 * The audit trail's sealing keys (`AUDIT_SEAL_KEYS`, same format: `id:base64-32-byte-key`,
 * comma-separated; `AUDIT_SEAL_KEY_ID` the one new records are sealed with), or a `ConfigError`.
 */
export function auditSealKeyringFrom(config: {
  AUDIT_SEAL_KEYS: string;
  AUDIT_SEAL_KEY_ID: string;
}): PayloadKeyring {
  return keyringFrom(
    'AUDIT_SEAL_KEYS',
    config.AUDIT_SEAL_KEYS,
    'AUDIT_SEAL_KEY_ID',
    config.AUDIT_SEAL_KEY_ID,
  );
}

/** A keyring from a list variable and an active-id variable, every problem named by its variable. */
function keyringFrom(keysVar: string, spec: string, idVar: string, id: string): PayloadKeyring {
  const { keys, problems } = parseKeys(spec);
  const named = problems.map((p) => `${keysVar}: ${p}`);
  const active = id.trim();
  if (!isPayloadKeyId(active)) {
    named.push(`${idVar}: must be 1-64 characters of A-Z a-z 0-9 . _ -`);
  } else if (problems.length === 0 && !keys.has(active)) {
    named.push(`${idVar}: "${active}" is not listed in ${keysVar} (listed: ${[...keys.keys()].join(', ')})`);
  }
  if (named.length) throw new ConfigError(named);
  return { activeKeyId: active, keys };
}
