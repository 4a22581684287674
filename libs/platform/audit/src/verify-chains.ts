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
  for (;;) {
    const rows = await sql(
      `SELECT * FROM ${AUDIT_TABLE} WHERE "chain" = $1 AND "seq" >= $2 ORDER BY "seq" LIMIT ${BATCH}`,
      [chain, expectedSeq],
    );
    if (rows.length === 0) return { chain, records, unsealed, firstBrokenSeq: null, problem: null };
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
