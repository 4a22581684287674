import { createHash, createHmac } from 'node:crypto';

/** What became of the attempt an audit record describes. */
export const AUDIT_OUTCOMES = ['allowed', 'not-found', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The hash a chain starts from (the `prev_hash` of its seq 1). */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit record as the caller describes it; the writer adds chain position, time and hashes. */
export interface AuditDraft {
  /** `actorOf(principal)`, or `anonymous` for a caller with no verified token. */
  actor: string;
  clientId: string | null;
  roles: readonly string[];
  /** One of AUDIT_PURPOSES (null only when the request named an invalid one). */
  purpose: string | null;
  /** The person the data is about (the pseudonymous Throughcare person id), null when unknown. */
  subjectPerson: string | null;
  /** For lists: every person whose data the answer disclosed (empty otherwise). */
  disclosedPersons: readonly string[];
  /** e.g. `referral.read`, `referral.list`, `custody-episode.change`. */
  action: string;
  objectType: string | null;
  objectId: string | null;
  outcome: AuditOutcome;
  /** Why it was not allowed (a problem code such as `REFERRAL_NOT_FOUND`), else null. */
  reason: string | null;
  httpMethod: string | null;
  route: string | null;
  requestId: string | null;
}

/** A stored record: the draft, where it sits in its chain, when, and its hashes. */
export interface AuditRecord extends AuditDraft {
  id: number;
  chain: string;
  seq: number;
  recordedAt: Date;
  /**
   * The sealing key its hash is an HMAC under (an `AUDIT_SEAL_KEYS` id); null for a record
   * written before sealing (a plain SHA-256, which anyone able to write the table can recompute).
   */
  keyId: string | null;
  prevHash: string;
  hash: string;
}

/** The keys a chain's records are sealed with: derived per chain from the configured ones. */
export interface AuditSealKeyring {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/**
 * The key a chain's records are sealed with under one configured key: HMAC-SHA256(key,
 * "throughcare-audit-chain:" + chain), so that no two chains share a sealing key.
 */
export function chainSealKey(key: Buffer, chain: string): Buffer {
  return createHmac('sha256', key).update(`throughcare-audit-chain:${chain}`).digest();
}

/**
 * Text as Postgres can store it and as it will read back: U+0000 (which a `text` column refuses,
 * failing the insert and so the request) becomes the six characters `\u0000`, and a lone UTF-16
 * surrogate (which the driver would send as U+FFFD, so that the stored value no longer matched the
 * hashed one) becomes U+FFFD here, before hashing.
 */
export function storableText(value: string): string {
  return value
    .replaceAll('\u0000', '\\u0000')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const storable = (value: string | null): string | null => (value === null ? null : storableText(value));

/**
 * The draft with every text field made storable (storableText): whatever a request carried into
 * the route, the reason, the purpose or the subject, it cannot make the audit insert fail, and the
 * hash covers exactly what is stored.
 */
export function storableDraft(draft: AuditDraft): AuditDraft {
  return {
    ...draft,
    actor: storableText(draft.actor),
    clientId: storable(draft.clientId),
    roles: draft.roles.map(storableText),
    purpose: storable(draft.purpose),
    subjectPerson: storable(draft.subjectPerson),
    disclosedPersons: draft.disclosedPersons.map(storableText),
    action: storableText(draft.action),
    objectType: storable(draft.objectType),
    objectId: storable(draft.objectId),
    reason: storable(draft.reason),
    httpMethod: storable(draft.httpMethod),
    route: storable(draft.route),
    requestId: storable(draft.requestId),
  };
}

/**
 * JSON with object keys sorted at every level and no whitespace: the same value always gives
 * the same text, whichever order its fields were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('not a finite number');
  return JSON.stringify(value);
}

/** The fields a record's hash covers: everything but its id (a storage detail) and the hash itself. */
export function hashedFields(record: Omit<AuditRecord, 'id' | 'hash'>): Record<string, unknown> {
  return {
    chain: record.chain,
    seq: record.seq,
    recordedAt: record.recordedAt.toISOString(),
    actor: record.actor,
    clientId: record.clientId,
    roles: [...record.roles],
    purpose: record.purpose,
    subjectPerson: record.subjectPerson,
    disclosedPersons: [...record.disclosedPersons],
    action: record.action,
    objectType: record.objectType,
    objectId: record.objectId,
    outcome: record.outcome,
    reason: record.reason,
    httpMethod: record.httpMethod,
    route: record.route,
    requestId: record.requestId,
    prevHash: record.prevHash,
    // Only sealed records carry it, so that an unsealed record's hash stays what it was.
    ...(record.keyId !== null ? { keyId: record.keyId } : {}),
  };
}

/**
 * A sealed record (keyId set): HMAC-SHA256 under its chain's key (chainSealKey of the configured
 * key `keyId`) of prev_hash ‖ the canonical JSON of its fields, hex. An unsealed one (keyId null,
 * written before sealing): sha256 of the same. `key` is the configured key named by keyId.
 */
export function auditHash(record: Omit<AuditRecord, 'id' | 'hash'>, key?: Buffer): string {
  const fields = canonicalJson(hashedFields(record));
  if (record.keyId === null) return createHash('sha256').update(record.prevHash).update(fields).digest('hex');
  if (!key)
    throw new Error(
      `audit record ${record.chain}#${record.seq} is sealed with key "${record.keyId}": no key given`,
    );
  return createHmac('sha256', chainSealKey(key, record.chain))
    .update(record.prevHash)
    .update(fields)
    .digest('hex');
}
