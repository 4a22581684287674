import { auditHash, GENESIS_HASH, type AuditSealKeyring } from './audit-record';
import { auditRecordFromRow, type SqlRunner } from './audit-writer';
import { AUDIT_TABLE } from './audit.migration';

export interface ChainVerification {
  chain: string;
  /** Records read. */
  records: number;
  /** Records before sealing began (plain SHA-256: only as strong as access to the table). */
  unsealed: number;
  /** The first seq that does not hold (gap, wrong prev_hash or a hash that does not recompute). */
  firstBrokenSeq: number | null;
  problem: string | null;
}

/** The sealing keys by id (`AUDIT_SEAL_KEYS`): every key records may be sealed with. */
export type SealKeys = Pick<AuditSealKeyring, 'keys'>;

const BATCH = 1000;

/**
 * Walks every chain in seq order, recomputing each record's hash (an HMAC under the chain's key
 * for a sealed record) and checking that seq has no gap and prev_hash is the previous record's
 * hash. Unsealed records (written before sealing) may only open a chain: one after a sealed record
 * is a break (a forged record passed off as old). Reports the first break per chain.
 */
export async function verifyAuditChains(sql: SqlRunner, seal: SealKeys): Promise<ChainVerification[]> {
  const chains = (await sql(`SELECT DISTINCT "chain" FROM ${AUDIT_TABLE} ORDER BY "chain"`)).map(
    (r) => r.chain as string,
  );
  const results: ChainVerification[] = [];
  for (const chain of chains) results.push(await verifyChain(sql, chain, seal));
  return results;
}

export async function verifyChain(sql: SqlRunner, chain: string, seal: SealKeys): Promise<ChainVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  let unsealed = 0;
  // Every row of the chain must be one the walk reads: a row below seq 1, or a second row at a
  // seq (possible once someone drops the table's constraints), would otherwise sit unverified
  // where the auditor API still serves it (review finding).
  const [extent] = await sql(
    `SELECT count(*)::bigint AS "rows", min("seq") AS "first" FROM ${AUDIT_TABLE} WHERE "chain" = $1`,
    [chain],
  );
  const total = Number(extent?.rows ?? 0);
  if (total > 0 && Number(extent!.first) !== 1)
    return {
      chain,
      records: 0,
      unsealed,
      firstBrokenSeq: 1,
      problem: `the chain starts at seq ${String(extent!.first)}, not 1`,
    };
  for (;;) {
    const rows = await sql(
      `SELECT * FROM ${AUDIT_TABLE} WHERE "chain" = $1 AND "seq" >= $2 ORDER BY "seq", "id" LIMIT ${BATCH}`,
      [chain, expectedSeq],
    );
    if (rows.length === 0) {
      if (records !== total)
        return {
          chain,
          records,
          unsealed,
          firstBrokenSeq: expectedSeq,
          problem: `${total - records} of the chain's ${total} rows are not in its sequence (a duplicate seq)`,
        };
      return { chain, records, unsealed, firstBrokenSeq: null, problem: null };
    }
    for (const row of rows) {
      const record = auditRecordFromRow(row);
      records++;
      const broken = (problem: string): ChainVerification => ({
        chain,
        records,
        unsealed,
        firstBrokenSeq: expectedSeq,
        problem,
      });
      if (record.seq !== expectedSeq) return broken(`seq ${expectedSeq} is missing (next is ${record.seq})`);
      if (record.prevHash !== prevHash) return broken(`prev_hash is not the hash of seq ${expectedSeq - 1}`);
      const { id: _id, hash: _hash, ...unhashed } = record;
      if (record.keyId === null) {
        if (unsealed < records - 1) return broken('an unsealed record after sealed ones');
        unsealed++;
        if (auditHash(unhashed) !== record.hash) return broken('hash does not match the record');
      } else {
        const key = seal.keys.get(record.keyId);
        if (!key) return broken(`sealed with key "${record.keyId}", which is not in AUDIT_SEAL_KEYS`);
        if (auditHash(unhashed, key) !== record.hash) return broken('seal does not match the record');
      }
      prevHash = record.hash;
      expectedSeq++;
    }
  }
}

/**
 * What keeps the store append-only and its chains in order, checked as it stands: the two
 * triggers (present and enabled), the unique (chain, seq) key and the seq >= 1 check. Someone who
 * removed one could append out of order or rewrite in place; each missing guard is a problem.
 */
export async function verifyAuditGuards(sql: SqlRunner): Promise<string[]> {
  const triggers = await sql(
    `SELECT tgname AS "name", tgenabled AS "enabled" FROM pg_trigger
      WHERE tgrelid = to_regclass($1) AND NOT tgisinternal`,
    [AUDIT_TABLE],
  );
  const constraints = await sql(
    `SELECT conname AS "name" FROM pg_constraint WHERE conrelid = to_regclass($1)`,
    [AUDIT_TABLE],
  );
  const checks = await sql(
    `SELECT pg_get_constraintdef(oid) AS "definition" FROM pg_constraint
      WHERE conrelid = to_regclass($1) AND contype = 'c'`,
    [AUDIT_TABLE],
  );
  const problems: string[] = [];
  for (const name of ['audit_record_append_only', 'audit_record_no_truncate']) {
    const trigger = triggers.find((t) => t.name === name);
    if (!trigger) problems.push(`trigger ${name} is missing`);
    else if (trigger.enabled === 'D') problems.push(`trigger ${name} is disabled`);
  }
  if (!constraints.some((c) => c.name === 'audit_record_chain_seq_key'))
    problems.push('the unique key on (chain, seq) is missing');
  if (!checks.some((c) => /\(seq >= 1\)/.test(String(c.definition))))
    problems.push('the check seq >= 1 is missing');
  return problems;
}
