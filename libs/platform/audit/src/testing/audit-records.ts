import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { auditHash, GENESIS_HASH, type AuditDraft } from '../audit-record';
import { insertAuditRecord, type SqlRunner } from '../audit-writer';
import { AUDIT_SCHEMA, AUDIT_TABLE } from '../audit.migration';

// Test support for the services' audit integration specs (not exported from the library's
// index: import it from '@throughcare/platform-audit/src/testing').

/** One row of the audit store as the database returns it (snake_case columns). */
export interface AuditRow {
  chain: string;
  seq: string;
  actor: string;
  client_id: string | null;
  roles: string[];
  purpose: string | null;
  subject_person: string | null;
  disclosed_persons: string[];
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  reason: string | null;
  http_method: string | null;
  route: string | null;
  request_id: string | null;
}

/**
 * Runs `fn` with the audit store away (its table renamed, as the database's owner: the service
 * itself connects as the application role, which owns nothing), then puts it back.
 */
export async function withAuditStoreAway<T>(
  fn: () => Promise<T>,
  ownerUrl = process.env.DATABASE_URL,
): Promise<T> {
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await owner.query(`ALTER TABLE ${AUDIT_TABLE} RENAME TO audit_record_away`);
    try {
      return await fn();
    } finally {
      await owner.query(`ALTER TABLE "${AUDIT_SCHEMA}"."audit_record_away" RENAME TO audit_record`);
    }
  } finally {
    await owner.end();
  }
}

export interface AuditRecordsQuery {
  /** Also the records whose object is `key` (e.g. a referral id), not only those about the person `key`. */
  orObjectId?: boolean;
  /** Leave out the records of these actions. */
  exceptActions?: readonly string[];
}

/**
 * The records of `chain` about `key` (as subject, or among the people a list disclosed), in chain
 * order, read through `db` (the service's own connection or any other).
 */
export async function auditRecordsAbout(
  db: { query(sql: string, params: unknown[]): Promise<unknown> },
  chain: string,
  key: string,
  { orObjectId = false, exceptActions = [] }: AuditRecordsQuery = {},
): Promise<AuditRow[]> {
  return (await db.query(
    `SELECT * FROM ${AUDIT_TABLE}
      WHERE chain = $1 AND (subject_person = $2 OR $2 = ANY (disclosed_persons) OR ($3 AND object_id = $2))
        AND NOT (action = ANY ($4::text[]))
      ORDER BY seq`,
    [chain, key, orObjectId, [...exceptActions]],
  )) as AuditRow[];
}

/**
 * The actor and client a request with these headers is recorded with, read from its bearer
 * token's claims: `client:<client_id>` for a client-credentials token (its subject is the
 * client), `user:<sub>` for a person's.
 */
export function auditedCaller(headers: { authorization?: string }): { actor: string; client_id: string } {
  const payload = (headers.authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    sub: string;
    client_id: string;
  };
  return {
    actor: claims.sub === claims.client_id ? `client:${claims.client_id}` : `user:${claims.sub}`,
    client_id: claims.client_id,
  };
}

/** A draft of an allowed read of a referral by an agency's system (a new object id each time), with `overrides`. */
export const anAuditDraft = (overrides: Partial<AuditDraft> = {}): AuditDraft => ({
  actor: 'client:test',
  clientId: 'test',
  roles: ['agency-system'],
  purpose: 'case-work',
  subjectPerson: 'p0123456789abcdef0123',
  disclosedPersons: [],
  action: 'referral.read',
  objectType: 'referral',
  objectId: randomUUID(),
  outcome: 'allowed',
  reason: null,
  httpMethod: 'GET',
  route: '/referrals/:id',
  requestId: null,
  ...overrides,
});

/**
 * Appends `count` records to `chain` as the store wrote them before sealing (key_id null, hash a
 * plain SHA-256 of prev_hash and the fields): a deployment's records from before sealing, or a
 * rewriter's without the keys.
 */
export async function insertUnsealedRecords(sql: SqlRunner, chain: string, count: number): Promise<void> {
  const [head] = await sql(
    `SELECT seq, hash FROM ${AUDIT_TABLE} WHERE chain = $1 ORDER BY seq DESC LIMIT 1`,
    [chain],
  );
  let prev = (head?.hash as string | undefined) ?? GENESIS_HASH;
  let seq = head ? Number(head.seq) : 0;
  for (let n = 0; n < count; n++) {
    seq++;
    const [{ now }] = (await sql(`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`)) as [
      { now: Date },
    ];
    const draft = anAuditDraft();
    const record = { ...draft, chain, seq, recordedAt: now, keyId: null, prevHash: prev };
    const hash = auditHash(record); // keyId null: the plain SHA-256 of before sealing
    await insertAuditRecord(sql, { ...record, hash });
    prev = hash;
  }
}

/**
 * Runs `sql` as someone able to write the database would tamper with the store: the append-only
 * trigger disabled only inside this transaction (on again for everybody else after it).
 */
export const bypassingAppendOnly = (ds: DataSource, sql: string, params: unknown[] = []) =>
  ds.transaction(async (tx) => {
    await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
    await tx.query(sql, params);
    await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
  });
