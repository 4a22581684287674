/**
 * `./throughcare audit verify [--instance NAME]`: walks every audit chain (one per service) in the
 * database, recomputes each record's hash and checks seq and prev_hash, and prints per chain the
 * records read and the first broken seq. Exit 0 when every chain holds, 1 on a break, 2 when it
 * cannot run. The database is DATABASE_URL, else that of the running local platform instance
 * (`platform` unless --instance names another).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { verifyAuditChains, type ChainVerification, type SqlRunner } from '@throughcare/platform-audit';
import { paths } from './paths';

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

export function formatVerification(results: ChainVerification[]): string {
  if (results.length === 0) return 'audit: no audit records yet';
  return results
    .map((r) =>
      r.firstBrokenSeq === null
        ? `audit chain ${r.chain}: ${r.records} records, intact`
        : `audit chain ${r.chain}: BROKEN at seq ${r.firstBrokenSeq} (${r.problem})`,
    )
    .join('\n');
}

/** Verifies the chains in the database at `url`; answers the exit code and prints the report. */
export async function verifyAuditDatabase(
  url: string,
  write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const sql: SqlRunner = async (text, params) =>
      (await client.query(text, params)).rows as Array<Record<string, unknown>>;
    const results = await verifyAuditChains(sql);
    write(formatVerification(results));
    return results.some((r) => r.firstBrokenSeq !== null) ? 1 : 0;
  } finally {
    await client.end();
  }
}

export async function audit(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const at = rest.indexOf('--instance');
  const instance = at >= 0 ? rest[at + 1] : 'platform';
  if (sub !== 'verify' || !instance) {
    process.stderr.write('usage: ./throughcare audit verify [--instance NAME]\n');
    return 2;
  }
  const url = databaseUrlOf(instance);
  if (!url) {
    process.stderr.write(
      `audit: no DATABASE_URL and no running "${instance}" instance (./throughcare start)\n`,
    );
    return 2;
  }
  try {
    return await verifyAuditDatabase(url);
  } catch (e) {
    process.stderr.write(`audit: cannot verify: ${(e as Error).message}\n`);
    return 2;
  }
}
