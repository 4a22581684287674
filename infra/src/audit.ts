/**
 * `./throughcare audit verify [--instance NAME]`: walks every audit chain (one per service) in the
 * database, recomputes each record's seal (HMAC under the chain's key) and checks seq and
 * prev_hash, and prints per chain the records read and the first broken seq. Exit 0 when every
 * chain holds, 1 on a break, 2 when it cannot run. The database is DATABASE_URL, else that of the
 * running local platform instance (`platform` unless --instance names another); the sealing keys
 * AUDIT_SEAL_KEYS, else that instance's key file (<cache>/audit-seal-keys/<instance>.json).
 * Each passing run records every chain's head (seq and hash) in a checkpoint file outside the
 * database (checkpointLocation), and the next run fails a chain that no longer reaches it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  verifyAuditStore,
  type CheckpointLocation,
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
 * Where checkpoints are kept: AUDIT_CHECKPOINT_FILE for one file, else a file per database in
 * `<cache>/audit-checkpoints/` (where the orchestrator's scheduled verification of a local
 * platform keeps them too). Keep them (or a copy) where whoever can write the database cannot.
 */
export function checkpointLocation(env: NodeJS.ProcessEnv = process.env): CheckpointLocation {
  return {
    file: env.AUDIT_CHECKPOINT_FILE || undefined,
    dir: path.join(paths.cacheDir, 'audit-checkpoints'),
  };
}

/**
 * Verifies the chains in the database at `url` (verifyAuditStore); answers the exit code and
 * prints the report.
 */
export async function verifyAuditDatabase(
  url: string,
  seal: SealKeys,
  write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  options: { allowUnsealed?: boolean; checkpoint?: CheckpointLocation } = {},
): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const sql: SqlRunner = async (text, params) =>
      (await client.query(text, params)).rows as Array<Record<string, unknown>>;
    const { lines, fails, checkpointChanged } = await verifyAuditStore(sql, seal, {
      ...options,
      onWaiting: (line) => void process.stderr.write(`${line}\n`),
    });
    for (const line of lines) write(line);
    // 3: only the checkpoint changed under this run (run again); 1: the trail fails verification.
    const brokenToo = lines.some((l) => /BROKEN|NOT SEALED|TRUNCATED|REWRITTEN|^audit store:/.test(l));
    return checkpointChanged && !brokenToo ? 3 : fails ? 1 : 0;
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
    return await verifyAuditDatabase(url, seal, undefined, {
      allowUnsealed,
      checkpoint: checkpointLocation(),
    });
  } catch (e) {
    process.stderr.write(`audit: cannot verify: ${(e as Error).message}\n`);
    return 2;
  }
}
