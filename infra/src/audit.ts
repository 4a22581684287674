/**
 * `./throughcare audit verify [--instance NAME]`: walks every audit chain (one per service) in the
 * database, recomputes each record's seal (HMAC under the chain's key) and checks seq and
 * prev_hash, and prints per chain the records read and the first broken seq. Exit 0 when every
 * chain holds, 1 on a break, 2 when it cannot run. The database is DATABASE_URL, else that of the
 * running local platform instance (`platform` unless --instance names another); the sealing keys
 * AUDIT_SEAL_KEYS, else that instance's key file (<cache>/audit-seal-keys/<instance>.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  verifyAuditChains,
  verifyAuditGuards,
  type ChainVerification,
  type SealKeys,
  type SqlRunner,
} from '@throughcare/platform-audit';
import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { auditSealKeyFile, existingAuditSealEnv } from './payload-keys';
import { paths } from './paths';

/** The sealing keys: AUDIT_SEAL_KEYS (with AUDIT_SEAL_KEY_ID), else the instance's key file. */
export function sealKeysOf(instance: string, env: NodeJS.ProcessEnv = process.env): SealKeys | undefined {
  if (env.AUDIT_SEAL_KEYS)
    return auditSealKeyringFrom({
      AUDIT_SEAL_KEYS: env.AUDIT_SEAL_KEYS,
      AUDIT_SEAL_KEY_ID: env.AUDIT_SEAL_KEY_ID ?? env.AUDIT_SEAL_KEYS.split(':')[0]!.trim(),
    });
  const existing = existingAuditSealEnv(instance);
  return existing && auditSealKeyringFrom(existing);
}

export function databaseUrlOf(instance: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  try {
    const state = JSON.parse(fs.readFileSync(path.join(paths.runDir, `${instance}.json`), 'utf8')) as {
      env?: Record<string, string>;
    };
    return state.env?.DATABASE_URL;
  } catch {
    return undefined;
  }
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

/** Verifies the chains in the database at `url`; answers the exit code and prints the report. */
export async function verifyAuditDatabase(
  url: string,
  seal: SealKeys,
  write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  { allowUnsealed = false }: { allowUnsealed?: boolean } = {},
): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const sql: SqlRunner = async (text, params) =>
      (await client.query(text, params)).rows as Array<Record<string, unknown>>;
    // Row-level security must not hide rows from the verifier: with it off, a policy on the table
    // makes the queries fail (exit 2) instead of quietly answering fewer rows (review finding).
    await client.query('SET row_security = off');
    const guards = await verifyAuditGuards(sql);
    const results = await verifyAuditChains(sql, seal);
    for (const problem of guards) write(`audit store: ${problem}`);
    write(formatVerification(results, allowUnsealed));
    return guards.length > 0 || verificationFails(results, allowUnsealed) ? 1 : 0;
  } finally {
    await client.end();
  }
}

export async function audit(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const at = rest.indexOf('--instance');
  const instance = at >= 0 ? rest[at + 1] : 'platform';
  const allowUnsealed = rest.includes('--allow-unsealed');
  if (sub !== 'verify' || !instance) {
    process.stderr.write('usage: ./throughcare audit verify [--instance NAME] [--allow-unsealed]\n');
    return 2;
  }
  const url = databaseUrlOf(instance);
  if (!url) {
    process.stderr.write(
      `audit: no DATABASE_URL and no running "${instance}" instance (./throughcare start)\n`,
    );
    return 2;
  }
  let seal: SealKeys | undefined;
  try {
    seal = sealKeysOf(instance);
  } catch (e) {
    process.stderr.write(`audit: the sealing keys are unusable: ${(e as Error).message}\n`);
    return 2;
  }
  if (!seal) {
    process.stderr.write(
      `audit: no AUDIT_SEAL_KEYS and no key file for "${instance}" (${auditSealKeyFile(instance)})\n`,
    );
    return 2;
  }
  try {
    return await verifyAuditDatabase(url, seal, undefined, { allowUnsealed });
  } catch (e) {
    process.stderr.write(`audit: cannot verify: ${(e as Error).message}\n`);
    return 2;
  }
}
