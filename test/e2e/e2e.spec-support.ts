import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import type { JetStreamManager } from '@nats-io/jetstream';
import { HmppsStream, Streams } from '@throughcare/contracts';
import { requireEnv, startApp, type AppProcess } from '@throughcare/testing';

// What the end-to-end suites share: a database of the suite's own, the five apps started as
// separate processes, a clean bus, and waiting for an eventually consistent answer.

/** Each app's entry point, in the order they start. */
export const APP_ENTRIES = {
  directory: 'services/directory/src/main.ts',
  assessment: 'services/assessment/src/main.ts',
  referral: 'services/referral/src/main.ts',
  liberation: 'services/liberation/src/main.ts',
  orchestrator: 'workflows/throughcare/src/main.ts',
} as const;
export type E2eApp = keyof typeof APP_ENTRIES;

/**
 * Creates a database of the suite's own (named `<prefix>_<random>`) next to DATABASE_URL's, so
 * that earlier suites' rows cannot leak in, and answers its URL.
 */
export async function createSuiteDatabase(prefix: string): Promise<string> {
  const adminUrl = requireEnv('DATABASE_URL');
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Starts the five apps with `env`: the directory first (its migrations seed the agencies), then the rest at once. */
export async function startApps(env: Record<string, string>): Promise<Record<E2eApp, AppProcess>> {
  const directory = await startApp('directory', APP_ENTRIES.directory, env);
  const [assessment, referral, liberation, orchestrator] = await Promise.all(
    (['assessment', 'referral', 'liberation', 'orchestrator'] as const).map((name) =>
      startApp(name, APP_ENTRIES[name], env),
    ),
  );
  return {
    directory,
    assessment: assessment!,
    referral: referral!,
    liberation: liberation!,
    orchestrator: orchestrator!,
  };
}

/** Deletes the event and dead-letter streams (the apps create them again as they start). */
export async function deleteStreams(jsm: JetStreamManager | undefined): Promise<void> {
  for (const stream of [Streams.events.name, Streams.deadLetter.name, HmppsStream.name]) {
    await jsm?.streams.delete(stream).catch(() => false);
  }
}

/**
 * `probe`'s first answer other than undefined, asked every `intervalMs` until `timeoutMs`; then
 * an error naming `what`, the last error the probe threw and the end of each app's output.
 */
export async function eventuallyDefined<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { apps: () => Iterable<AppProcess>; timeoutMs: number; intervalMs: number },
): Promise<T> {
  const until = Date.now() + options.timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
  const logs = [...options.apps()].map((a) => `--- ${a.name}\n${a.output().slice(-1500)}`).join('\n');
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\n${logs}`);
}
