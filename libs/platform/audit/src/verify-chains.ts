import { auditHash, GENESIS_HASH, type AuditSealKeyring } from './audit-record';
import { auditRecordFromRow, type SqlRunner } from './audit-writer';
import { AUDIT_SCHEMA, AUDIT_TABLE } from './audit.migration';

export interface ChainVerification {
  chain: string;
  /** Records read. */
  records: number;
  /** Records before sealing began (plain SHA-256: only as strong as access to the table). */
  unsealed: number;
  /** The first seq that does not hold (gap, wrong prev_hash or a hash that does not recompute). */
  firstBrokenSeq: number | null;
  problem: string | null;
  /** The hash of the chain's last record, when the whole chain holds. */
  head?: string;
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
  const rows = await sql(`SELECT DISTINCT "chain" FROM ${AUDIT_TABLE} ORDER BY "chain"`);
  const results: ChainVerification[] = [];
  // A row with no chain (possible once someone drops NOT NULL) belongs to no walk, yet the
  // auditor API would serve it: it is a break of its own (review finding).
  if (rows.some((r) => r.chain === null))
    results.push({
      chain: '(none)',
      records: 0,
      unsealed: 0,
      firstBrokenSeq: 0,
      problem: 'rows with no chain',
    });
  for (const { chain } of rows.filter((r) => r.chain !== null))
    results.push(await verifyChain(sql, chain as string, seal));
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
      return { chain, records, unsealed, firstBrokenSeq: null, problem: null, head: prevHash };
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
 * What keeps the store append-only and its chains in order, checked as it stands, by definition
 * (not by name: a look-alike with the right name must not pass): the two triggers enabled for
 * every session and calling the refusing function, which still raises; no rule on the table; the
 * unique (chain, seq) key and the seq >= 1 check, validated; chain, seq and the hashes NOT NULL;
 * no row-level security that could hide rows from the verifier. Each missing guard is a problem.
 */
export async function verifyAuditGuards(sql: SqlRunner): Promise<string[]> {
  const table = AUDIT_TABLE;
  const triggers = await sql(
    `SELECT t.tgname AS "name", t.tgenabled AS "enabled", t.tgqual IS NOT NULL AS "conditional",
            pg_get_triggerdef(t.oid) AS "definition", p.prosrc AS "body",
            p.oid = to_regprocedure('"${AUDIT_SCHEMA}"."refuse_audit_change"()') AS "refuses"
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal`,
    [table],
  );
  const constraints = await sql(
    `SELECT conname AS "name", pg_get_constraintdef(oid) AS "definition", convalidated AS "valid"
       FROM pg_constraint WHERE conrelid = to_regclass($1)`,
    [table],
  );
  const [relation] = await sql(
    `SELECT relrowsecurity AS "rls",
            (SELECT count(*)::int FROM pg_rewrite WHERE ev_class = to_regclass($1) AND rulename <> '_RETURN') AS "rules",
            (SELECT count(*)::int FROM pg_policy WHERE polrelid = to_regclass($1)) AS "policies",
            (SELECT array_agg(attname::text ORDER BY attname) FROM pg_attribute
              WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND NOT attnotnull
                AND attname IN ('chain', 'seq', 'prev_hash', 'hash')) AS "nullable"
       FROM pg_class WHERE oid = to_regclass($1)`,
    [table],
  );
  const problems: string[] = [];
  const expected = {
    audit_record_append_only:
      /BEFORE DELETE OR UPDATE ON audit\.audit_record FOR EACH ROW EXECUTE FUNCTION audit\.refuse_audit_change\(\)$/,
    audit_record_no_truncate:
      /BEFORE TRUNCATE ON audit\.audit_record FOR EACH STATEMENT EXECUTE FUNCTION audit\.refuse_audit_change\(\)$/,
  };
  for (const [name, shape] of Object.entries(expected)) {
    const trigger = triggers.find((t) => t.name === name);
    if (!trigger) problems.push(`trigger ${name} is missing`);
    // 'O' fires in every ordinary session, 'A' always; 'D' is disabled, 'R' fires only in replicas.
    else if (trigger.enabled !== 'O' && trigger.enabled !== 'A')
      problems.push(`trigger ${name} does not fire (tgenabled ${String(trigger.enabled)})`);
    else if (!trigger.refuses || trigger.conditional || !shape.test(String(trigger.definition)))
      problems.push(`trigger ${name} is not the one that refuses changes: ${String(trigger.definition)}`);
    else if (
      !/RAISE EXCEPTION 'audit records are append-only/.test(String(trigger.body)) ||
      /RETURN/i.test(String(trigger.body))
    )
      problems.push(`trigger ${name}'s function no longer refuses changes`);
  }
  const constraint = (definition: string) =>
    constraints.find((c) => c.definition === definition && c.valid === true);
  if (!constraint('UNIQUE (chain, seq)')) problems.push('the unique key on (chain, seq) is missing');
  if (!constraint('CHECK ((seq >= 1))')) problems.push('the check seq >= 1 is missing');
  if (!relation) problems.push('the audit table is missing');
  else {
    if (relation.rls) problems.push('row-level security is enabled on the audit table (it could hide rows)');
    if (Number(relation.policies) > 0) problems.push('the audit table has row-level security policies');
    if (Number(relation.rules) > 0) problems.push('the audit table has rewrite rules');
    for (const column of (relation.nullable as string[] | null) ?? [])
      problems.push(`column ${column} may be NULL`);
  }
  return problems;
}
