import type { DataSource, EntityManager } from 'typeorm';
import {
  auditHash,
  GENESIS_HASH,
  storableDraft,
  type AuditDraft,
  type AuditOutcome,
  type AuditRecord,
  type AuditSealKeyring,
} from './audit-record';
import { AUDIT_TABLE } from './audit.migration';

/** Runs one SQL statement and answers its rows (a TypeORM manager's `query`, or a pg client's). */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

export function sqlOf(manager: EntityManager): SqlRunner {
  return (sql, params) => manager.query(sql, params) as Promise<Array<Record<string, unknown>>>;
}

/** The advisory-lock class of audit chains (the second key is the chain's hashtext). */
const CHAIN_LOCK_CLASS = 0x41554454; // "AUDT"

/**
 * Appends one record to `chain` inside the caller's open transaction: takes the chain's
 * transaction-scoped advisory lock (so seq and prev_hash stay consistent with concurrent
 * writers, in this process or another), reads the chain's head, and inserts the next record with
 * the database server's clock (to the millisecond, so that the hash is recomputable). Text fields
 * are stored as storableDraft makes them (no U+0000, no lone surrogate), and hashed as stored.
 */
export async function appendInTransaction(
  sql: SqlRunner,
  chain: string,
  given: AuditDraft,
  seal: AuditSealKeyring,
): Promise<AuditRecord> {
  const keyId = seal.activeKeyId;
  const key = seal.keys.get(keyId);
  if (!key) throw new Error(`audit seal key id "${keyId}" is not in the keyring`);
  // Text from the request (route, subject, reason…) must never be what makes the insert fail.
  const draft = storableDraft(given);
  await sql(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [CHAIN_LOCK_CLASS, chain]);
  const [head] = await sql(
    `SELECT date_trunc('milliseconds', clock_timestamp()) AS "now",
            (SELECT "seq" FROM ${AUDIT_TABLE} WHERE "chain" = $1 ORDER BY "seq" DESC LIMIT 1) AS "seq",
            (SELECT "hash" FROM ${AUDIT_TABLE} WHERE "chain" = $1 ORDER BY "seq" DESC LIMIT 1) AS "hash"`,
    [chain],
  );
  const seq = head?.seq == null ? 1 : Number(head.seq) + 1;
  const prevHash = (head?.hash as string | null) ?? GENESIS_HASH;
  const recordedAt = head!.now as Date;
  const unhashed = { ...draft, chain, seq, recordedAt, keyId, prevHash };
  const hash = auditHash(unhashed, key);
  const id = await insertAuditRecord(sql, { ...unhashed, hash });
  return { ...unhashed, id, hash };
}

/** Inserts one complete record (chain position, seal and hash already made); answers its id. */
export async function insertAuditRecord(sql: SqlRunner, record: Omit<AuditRecord, 'id'>): Promise<number> {
  const [row] = await sql(
    `INSERT INTO ${AUDIT_TABLE} ("chain", "seq", "recorded_at", "actor", "client_id", "roles", "purpose",
       "subject_person", "disclosed_persons", "action", "object_type", "object_id", "outcome", "reason",
       "http_method", "route", "request_id", "prev_hash", "hash", "key_id")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
     RETURNING "id"`,
    [
      record.chain,
      record.seq,
      record.recordedAt,
      record.actor,
      record.clientId,
      [...record.roles],
      record.purpose,
      record.subjectPerson,
      [...record.disclosedPersons],
      record.action,
      record.objectType,
      record.objectId,
      record.outcome,
      record.reason,
      record.httpMethod,
      record.route,
      record.requestId,
      record.prevHash,
      record.hash,
      record.keyId,
    ],
  );
  return Number(row!.id);
}

/** The audit store could not take a record: the operation it describes must not go ahead. */
export class AuditUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the audit trail is unavailable: the operation was not performed', { cause });
    this.name = 'AuditUnavailableError';
  }
}

/** Writes one service's audit records (its chain, sealed with its keyring) through its DataSource. */
export class AuditWriter {
  constructor(
    readonly dataSource: DataSource,
    readonly chain: string,
    private readonly seal: AuditSealKeyring,
  ) {
    if (!seal.keys.has(seal.activeKeyId))
      throw new Error(`audit seal key id "${seal.activeKeyId}" is not in the keyring`);
  }

  /**
   * Appends a record: inside `manager`'s transaction when it has one (the change and its record
   * commit or roll back together), else in a transaction of its own. Any failure is an
   * AuditUnavailableError.
   */
  async append(draft: AuditDraft, manager?: EntityManager): Promise<AuditRecord> {
    try {
      if (manager?.queryRunner?.isTransactionActive)
        return await appendInTransaction(sqlOf(manager), this.chain, draft, this.seal);
      return await this.dataSource.transaction((tx) =>
        appendInTransaction(sqlOf(tx), this.chain, draft, this.seal),
      );
    } catch (e) {
      if (e instanceof AuditUnavailableError) throw e;
      throw new AuditUnavailableError(e);
    }
  }
}

/** Maps a stored row (snake_case, bigint as text) to an AuditRecord. */
export function auditRecordFromRow(row: Record<string, unknown>): AuditRecord {
  return {
    id: Number(row.id),
    chain: row.chain as string,
    seq: Number(row.seq),
    recordedAt: row.recorded_at as Date,
    actor: row.actor as string,
    clientId: (row.client_id as string | null) ?? null,
    roles: (row.roles as string[]) ?? [],
    purpose: (row.purpose as string | null) ?? null,
    subjectPerson: (row.subject_person as string | null) ?? null,
    disclosedPersons: (row.disclosed_persons as string[]) ?? [],
    action: row.action as string,
    objectType: (row.object_type as string | null) ?? null,
    objectId: (row.object_id as string | null) ?? null,
    outcome: row.outcome as AuditOutcome,
    reason: (row.reason as string | null) ?? null,
    httpMethod: (row.http_method as string | null) ?? null,
    route: (row.route as string | null) ?? null,
    requestId: (row.request_id as string | null) ?? null,
    keyId: (row.key_id as string | null) ?? null,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  };
}
