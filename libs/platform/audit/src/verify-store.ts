import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SqlRunner } from './audit-writer';
import { AUDIT_TABLE } from './audit.migration';
import { verifyAuditChains, verifyAuditGuards, type ChainVerification, type SealKeys } from './verify-chains';

/**
 * Verifying a whole audit store: the guards, every chain's seals and links, and the chains' ends
 * against the checkpoint the last passing verification left outside the database. Run by
 * `./throughcare audit verify` (infra/src/audit.ts) and on a schedule by the orchestrator
 * (`throughcare-audit-verification`, workflows/throughcare/src/audit-verification).
 */

/** The heads of the chains as the last passing verification saw them (outside the database). */
export interface AuditCheckpoint {
  /** The database's identity (databaseIdentity): a checkpoint of another one is refused. */
  database: string;
  at: string;
  chains: Record<string, { seq: number; hash: string }>;
}

/** Where checkpoints are kept: `file` for one file, else a file per database in `dir`. */
export interface CheckpointLocation {
  file?: string;
  dir: string;
}

/** What a verification found: the report's lines, and whether it fails. */
export interface AuditStoreVerification {
  lines: string[];
  fails: boolean;
  /**
   * The checkpoint file changed while this run verified (a verifier not taking turns, a hand
   * edit): nothing was compared against the new one; run again. Not a sign of tampering by itself.
   */
  checkpointChanged?: boolean;
}

/**
 * One line per chain. Unsealed records (plain SHA-256, from before sealing) are only as strong as
 * access to the table: anyone who can write it could have rewritten the whole chain that way, so
 * they fail verification unless `allowUnsealed` (`--allow-unsealed`) accepts a deployment's
 * records from before sealing was turned on, and even then only when a sealed record follows them
 * (its seal covers the last one's hash, so it anchors them all). A chain with no sealed record at
 * all always fails: nothing anchors it (review finding).
 */
export function formatVerification(results: ChainVerification[], allowUnsealed = false): string {
  if (results.length === 0) return 'audit: no audit records yet';
  return results
    .map((r) =>
      r.firstBrokenSeq !== null
        ? `audit chain ${r.chain}: BROKEN at seq ${r.firstBrokenSeq} (${r.problem})`
        : r.unsealed === 0
          ? `audit chain ${r.chain}: ${r.records} records, intact`
          : r.unsealed === r.records
            ? `audit chain ${r.chain}: NOT SEALED: none of its ${r.records} records carries a seal, and nothing anchors them`
            : allowUnsealed
              ? `audit chain ${r.chain}: ${r.records} records, intact (seq 1-${r.unsealed} from before sealing: hashed, not sealed; anchored by seq ${r.unsealed + 1})`
              : `audit chain ${r.chain}: NOT SEALED: seq 1-${r.unsealed} of ${r.records} carry no seal (from before sealing, or rewritten without the keys); --allow-unsealed accepts records from before sealing`,
    )
    .join('\n');
}

/** Whether the results fail verification (a break, or unsealed records not allowed or not anchored). */
export function verificationFails(results: ChainVerification[], allowUnsealed = false): boolean {
  return results.some(
    (r) => r.firstBrokenSeq !== null || (r.unsealed > 0 && (!allowUnsealed || r.unsealed === r.records)),
  );
}

/**
 * The database as itself, not as reached (host aliases and the embedded Postgres's port change):
 * the cluster's system identifier (set once by initdb) and the database's name. Without the right
 * to read the control data, the name alone.
 */
async function databaseIdentity(sql: SqlRunner): Promise<string> {
  const [db] = await sql(`SELECT current_database() AS "name"`);
  let cluster = 'cluster-unknown';
  try {
    const [row] = await sql(`SELECT system_identifier::text AS "id" FROM pg_control_system()`);
    cluster = String(row?.id);
  } catch {
    /* not permitted: the name alone */
  }
  return `${cluster}-${String(db?.name)}`;
}

/**
 * A checkpoint that cannot be used: not a checkpoint, or another database's. Not a passing state
 * to retry into: someone must look (the scheduled verification fails for good on it).
 */
export class AuditCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditCheckpointError';
  }
}

function readCheckpoint(file: string): { checkpoint?: AuditCheckpoint; text?: string } {
  if (!fs.existsSync(file)) return {};
  // A read that fails (EIO, a stale network mount) is thrown as it is: worth retrying.
  const text = fs.readFileSync(file, 'utf8');
  let checkpoint: AuditCheckpoint;
  try {
    checkpoint = JSON.parse(text) as AuditCheckpoint;
  } catch (e) {
    throw new AuditCheckpointError(`${file} is not an audit checkpoint (${(e as Error).message})`);
  }
  if (typeof checkpoint?.database !== 'string' || typeof checkpoint.chains !== 'object' || !checkpoint.chains)
    throw new AuditCheckpointError(`${file} is not an audit checkpoint`);
  return { checkpoint, text };
}

/**
 * Replaces the file whole (a temporary file of a random name renamed over it): never a
 * half-written checkpoint, and a write that failed leaves no file in the next one's way.
 */
function writeCheckpoint(file: string, checkpoint: AuditCheckpoint): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(checkpoint, null, 2) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (e) {
    fs.rmSync(temporary, { force: true });
    throw e;
  }
}

/**
 * Each chain the checkpoint names must still reach the seq it had then, with the same hash there:
 * a chain that now ends earlier lost records from its end (which the walk alone cannot see: what
 * is left still links), and another hash at that seq means the chain was rewritten and resealed.
 * A chain gone altogether is truncated to nothing. Only chains that verified intact are compared.
 */
async function checkpointProblems(
  sql: SqlRunner,
  results: ChainVerification[],
  checkpoint: AuditCheckpoint,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [chain, head] of Object.entries(checkpoint.chains)) {
    const now = results.find((r) => r.chain === chain);
    if (now && now.firstBrokenSeq !== null) continue; // reported as broken already
    const records = now?.records ?? 0;
    if (records < head.seq) {
      problems.push(
        `audit chain ${chain}: TRUNCATED: it ends at seq ${records}, but reached seq ${head.seq} at the checkpoint of ${checkpoint.at}`,
      );
      continue;
    }
    const [row] = await sql(`SELECT "hash" FROM ${AUDIT_TABLE} WHERE "chain" = $1 AND "seq" = $2`, [
      chain,
      head.seq,
    ]);
    if (row?.hash !== head.hash)
      problems.push(
        `audit chain ${chain}: REWRITTEN: seq ${head.seq} is not the record the checkpoint of ${checkpoint.at} saw there`,
      );
  }
  return problems;
}

/**
 * Verifies the audit store `sql` reaches (one session of its own: a pg client or a TypeORM query
 * runner, by a role row-level security does not filter). The guards, the walk and the checkpoint
 * comparison read one snapshot (a chain growing meanwhile is not a break). With `checkpoint`, the
 * chains must also still reach the heads the last passing verification recorded
 * (checkpointProblems), and a passing verification records the new heads. Throws when it cannot
 * verify (the database, a checkpoint of another database or not a checkpoint).
 */
export async function verifyAuditStore(
  sql: SqlRunner,
  seal: SealKeys,
  {
    allowUnsealed = false,
    checkpoint: where,
    onWaiting,
    lockWaitMs = LOCK_WAIT_MS,
  }: {
    allowUnsealed?: boolean;
    checkpoint?: CheckpointLocation;
    /** Told once when another verification of the database holds the lock. */
    onWaiting?: (line: string) => void;
    lockWaitMs?: number;
  } = {},
): Promise<AuditStoreVerification> {
  // Row-level security must not hide rows from the verifier: with it off, a policy on the table
  // makes the queries fail instead of quietly answering fewer rows (review finding).
  await sql('SET row_security = off');
  if (!where) return verifyOnce(sql, seal, allowUnsealed, undefined);
  // Verifications of one database take turns (the CLI beside the orchestrator's schedule): one
  // that started earlier, from an older snapshot, must not write its shorter heads over a later
  // one's (review finding: the checkpoint could move backwards).
  await takeTurn(sql, onWaiting, lockWaitMs);
  try {
    return await verifyOnce(sql, seal, allowUnsealed, where);
  } finally {
    // On a connection already lost the lock went with it; that error must not hide the first.
    await sql(`SELECT pg_advisory_unlock(hashtext($1))`, [VERIFY_LOCK]).catch(() => undefined);
  }
}

/** The session-level advisory lock verifications of one database take turns under. */
export const VERIFY_LOCK = 'throughcare:audit-verification';
/** How long a verification waits for another to finish, by default. */
const LOCK_WAIT_MS = 15 * 60_000;
const LOCK_POLL_MS = 1_000;

/**
 * Takes the verification lock, trying every second and saying once that it waits (a run of the
 * schedule can take minutes); gives up after `waitMs` with an error naming the wait.
 */
async function takeTurn(sql: SqlRunner, onWaiting: ((line: string) => void) | undefined, waitMs: number) {
  const started = Date.now();
  for (let said = false; ; said = true) {
    const [row] = await sql(`SELECT pg_try_advisory_lock(hashtext($1)) AS "taken"`, [VERIFY_LOCK]);
    if (row?.taken === true) return;
    if (Date.now() - started >= waitMs)
      throw new Error(
        `another verification of this database has held the lock for ${Math.round(waitMs / 60_000)} min; try again later`,
      );
    if (!said) onWaiting?.('audit verify: waiting for another verification of this database to finish');
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

async function verifyOnce(
  sql: SqlRunner,
  seal: SealKeys,
  allowUnsealed: boolean,
  where: CheckpointLocation | undefined,
): Promise<AuditStoreVerification> {
  const identity = where ? await databaseIdentity(sql) : undefined;
  const file =
    where && (where.file ?? path.join(where.dir, `${identity!.replace(/[^A-Za-z0-9._-]/g, '_')}.json`));
  const { checkpoint, text: checkpointText } = file ? readCheckpoint(file) : {};
  if (checkpoint && checkpoint.database !== identity)
    throw new AuditCheckpointError(
      `${file} is the checkpoint of database ${checkpoint.database}, not of ${identity}`,
    );
  await sql('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let guards: string[];
  let results: ChainVerification[];
  let cut: string[];
  try {
    guards = await verifyAuditGuards(sql);
    results = await verifyAuditChains(sql, seal);
    cut = checkpoint ? await checkpointProblems(sql, results, checkpoint) : [];
  } finally {
    await sql('COMMIT');
  }
  const lines = [
    ...guards.map((problem) => `audit store: ${problem}`),
    ...formatVerification(results, allowUnsealed).split('\n'),
    ...cut,
  ];
  let fails = guards.length > 0 || cut.length > 0 || verificationFails(results, allowUnsealed);
  let checkpointChanged = false;
  if (file) {
    // The lock keeps other verifiers out, but not one of an older release or a hand edit: a
    // checkpoint that changed since this run read it is neither compared nor overwritten.
    const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    const moved = now !== checkpointText;
    if (moved) {
      fails = true;
      checkpointChanged = true;
    }
    lines.push(
      moved
        ? `audit checkpoint: ${file} CHANGED while this run verified (another verifier not taking turns, or an edit): kept as it is now; run again`
        : checkpoint
          ? `audit checkpoint: ${Object.keys(checkpoint.chains).length} chains compared with ${file} (of ${checkpoint.at})${fails ? '; kept as it was' : '; moved to the heads above'}`
          : `audit checkpoint: none yet in ${file}${fails ? '' : ': this run starts one (records cut off before it cannot be seen)'}`,
    );
    if (!fails)
      writeCheckpoint(file, {
        database: identity!,
        at: new Date().toISOString(),
        chains: Object.fromEntries(
          results
            .filter((r) => r.head !== undefined)
            .map((r) => [r.chain, { seq: r.records, hash: r.head! }]),
        ),
      });
  }
  return { lines, fails, ...(checkpointChanged ? { checkpointChanged } : {}) };
}
