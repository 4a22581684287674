/**
 * `node infra/bin/run.js <command>`:
 *   platform               provision + start infra and every app that exists; stay up until Ctrl-C
 *   test [jest args…]      provision + start test infra, run Jest, print `N passed, N failed` last
 *   provision              provision every tool (cached) and print the timings
 *   measure-test-server    start-up times of the Java test server (no CDS / CDS, idle / loaded)
 *   stop [instance]        stop a running instance recorded in <cache>/run (default: platform)
 *   status [instance]      each component of a running instance: pid, alive, restarts, last exit,
 *                          and for apps GET /health (default: platform; exit 1 when not running)
 *   dlq list|show|replay|discard …  dead letters, through the orchestrator API (see infra/src/dlq.ts)
 *   audit verify [--instance N]     recompute every audit hash chain; exit 1 on a break (infra/src/audit.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { apps, entryPath } from './apps';
import { localClient, localStaff, stillKnown } from './cli-token';
import { audit, checkpointLocation } from './audit';
import { dlq } from './dlq';
import { paths, testLogFile } from './paths';
import { provisionChromium } from './provision/chromium';
import { provisionNats } from './provision/nats';
import { provisionSchemathesis } from './provision/schemathesis';
import { provisionTemporalCli } from './provision/temporal-cli';
import { measureTestServer, provisionTestServer } from './provision/test-server';
import { formatStatus, instanceStatus } from './status';
import { startInfrastructure, Supervisor } from './supervisor';
import { killGroup, log, mkdirp, timed, timings, errorLine } from './util';

/** Kills what is left of a finished process group, saying so when there was something. */
async function reapGroup(pgid: number): Promise<void> {
  let alive = false;
  try {
    process.kill(-pgid, 0);
    alive = true;
  } catch {
    /* empty group */
  }
  if (!alive) return;
  log('test', `processes left behind by Jest (process group ${pgid}); killing them`);
  await killGroup(pgid, 3000);
}

export async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'platform':
        return await platform();
      case 'test':
        return await test(rest);
      case 'provision':
        await provisionAll();
        printTimings();
        return;
      case 'measure-test-server':
        await measureTestServer();
        return;
      case 'stop':
        await new Supervisor(rest[0] ?? 'platform', 'platform').replaceStale();
        return;
      case 'status':
        return await status(rest[0] ?? 'platform');
      case 'dlq':
        process.exitCode = await dlq(rest);
        return;
      case 'audit':
        process.exitCode = await audit(rest);
        return;
      default:
        process.stderr.write(
          `usage: node infra/bin/run.js <platform|test|provision|measure-test-server|stop|status|dlq|audit> [args]\n`,
        );
        process.exitCode = 2;
    }
  } catch (e) {
    log('cli', `failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  }
}

/**
 * Every tool, at once: the two Go builds, the Maven fetch and the pip install are independent
 * (Go's module and build caches are safe to share between concurrent builds), and a cold CI run
 * waits for the longest (the Temporal CLI's build) instead of the sum.
 */
async function provisionAll(): Promise<{
  testServerPath?: string;
  schemathesis: string;
  chromium: string | { unavailable: string };
}> {
  // allSettled: one tool failing must not end the process while another is mid-install (its
  // lock left behind, its build orphaned); every failure is reported once all have finished.
  const settled = await Promise.allSettled([
    timed('provision temporal cli', () => provisionTemporalCli()),
    timed('provision nats-server', () => provisionNats()),
    timed('provision java test server', () => provisionTestServer()),
    timed('provision schemathesis', () => provisionSchemathesis()),
    // Not fatal: without it only the browser tests fail (with this reason); the rest still run.
    timed('provision chromium', () =>
      provisionChromium().catch((e: unknown) => {
        log('chromium', `not available, the browser tests will fail: ${errorLine(e)}`);
        return { unavailable: errorLine(e) };
      }),
    ),
  ]);
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => errorLine(f.reason, true)).join('\n'));
  const [, , ts, schemathesis, chromium] = settled.map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as [unknown, unknown, Awaited<ReturnType<typeof provisionTestServer>>, string, string];
  return { testServerPath: ts.path, schemathesis, chromium };
}

function printTimings(): void {
  process.stderr.write('\ntimings:\n');
  for (const t of timings)
    process.stderr.write(`  ${t.label.padEnd(40)} ${(t.ms / 1000).toFixed(2).padStart(8)} s\n`);
}

/** PERSON_ID_SECRET: generated once, kept in <cache>/secret (0600). */
function personIdSecret(): string {
  mkdirp(paths.cacheDir);
  if (!fs.existsSync(paths.secretFile)) {
    fs.writeFileSync(paths.secretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(paths.secretFile, 'utf8').trim();
}

async function platform(): Promise<void> {
  const orchestrator = apps.find((a) => a.name === 'orchestrator');
  const infra = await startInfrastructure({
    profile: 'platform',
    handleSignals: true,
    temporalUiCodecEndpoint: orchestrator?.port ? `http://127.0.0.1:${orchestrator.port}/codec` : undefined,
  });
  const { endpoints } = infra;
  const baseEnv: Record<string, string> = {
    ...infra.env,
    // Temporal payloads are encrypted with the instance's key (<cache>/payload-keys/platform.json).
    ...infra.payloadEncryption,
    // Audit records are sealed with the instance's keys (<cache>/audit-seal-keys/platform.json).
    ...infra.auditSeal,
    PERSON_ID_SECRET: personIdSecret(),
    SWC_NODE_PROJECT: path.join(paths.repoRoot, 'tsconfig.json'),
  };
  const status: string[] = [];
  await Promise.all(
    apps.map(async (app) => {
      const entry = entryPath(app);
      if (!fs.existsSync(entry)) {
        const line = `not built yet: ${app.entry} (${app.name} not started)`;
        log('platform', line);
        status.push(`  ${app.name.padEnd(13)} ${line}`);
        return;
      }
      const env = {
        ...baseEnv,
        ...(app.port ? { PORT: String(app.port) } : {}),
        // The codec endpoint answers CORS for the Temporal UI's origin only.
        ...(app.name === 'orchestrator' && endpoints.temporalUiUrl
          ? { TEMPORAL_UI_ORIGIN: endpoints.temporalUiUrl }
          : {}),
        // Staff sign-in to the dashboard (the identity provider knows the same client and URL).
        ...(app.name === 'orchestrator'
          ? {
              DASHBOARD_PUBLIC_URL: infra.dashboard.url,
              DASHBOARD_CLIENT_SECRET: infra.dashboard.clientSecret,
              DASHBOARD_SESSION_KEY: infra.dashboard.sessionKey,
              // The scheduled audit verification keeps its checkpoints where `./throughcare audit
              // verify` keeps them, so the two compare with each other's.
              AUDIT_CHECKPOINT_DIR: checkpointLocation().dir,
            }
          : {}),
        // Agencies' API clients are registered through the directory, as the provider's registrar.
        ...(app.name === 'directory'
          ? { DIRECTORY_REGISTRAR_SECRET: infra.identity.directoryRegistrarSecret }
          : {}),
      };
      const readiness = app.port ? { url: `http://127.0.0.1:${app.port}/health` } : undefined;
      try {
        const r = await infra.supervisor.spawnApp(
          app.name,
          process.execPath,
          ['-r', '@swc-node/register', entry],
          env,
          readiness,
          // Crashed (or stopped-worker) apps come back with backoff; see `./throughcare status`.
          { restart: true, port: app.port },
        );
        status.push(
          `  ${app.name.padEnd(13)} ${app.port ? `http://127.0.0.1:${app.port}/docs` : 'running (no HTTP port)'}  (pid ${r.pid}${r.readyMs ? `, ready in ${(r.readyMs / 1000).toFixed(1)} s` : ''})`,
        );
      } catch (e) {
        const line = `FAILED to become ready: ${errorLine(e)} (log: ${path.join(paths.logDir, `platform-${app.name}.log`)})`;
        log('platform', `${app.name} ${line}`);
        status.push(`  ${app.name.padEnd(13)} ${line}`);
      }
    }),
  );
  const today = new Date();
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const release = new Date(today.getTime() + 120 * 86400000);
  const body = {
    prisonNumber: 'A1234BC',
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    reason: 'ADMISSION',
    receivedAt: new Date(Math.floor(today.getTime() / 1000) * 1000).toISOString(),
    sentenceDate: iso(today),
    sentenceLengthDays: 240,
    expectedReleaseDate: iso(release),
  };
  // A demo API client (prison staff of three Scottish prisons), so the example below works as is.
  let demo: string[];
  try {
    const client = await localClient(
      'platform',
      'demo-prison-staff',
      {
        name: 'Demo prison staff (BAR, GLE, LOW)',
        roles: ['prison-staff'],
        establishments: ['BAR', 'GLE', 'LOW'],
      },
      (c) => stillKnown(c, 'urn:throughcare:liberation'),
    );
    demo = [
      'Get an access token (a demo client: prison staff of BAR, GLE and LOW; credentials in',
      `${paths.cacheDir}/identity/platform-demo-prison-staff.json):`,
      `  TOKEN=$(curl -sS -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials \\`,
      `    -d resource=urn:throughcare:liberation ${endpoints.identityIssuer}/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    ];
  } catch (e) {
    demo = [`(no demo client: ${errorLine(e)})`];
  }
  let signIn: string;
  try {
    const manager = await localStaff('platform', 'demo-manager', {
      displayName: 'Demo manager',
      roles: ['manager'],
    });
    signIn = `sign in as ${manager.username} / ${manager.password} (kept in ${paths.cacheDir}/identity/platform-demo-manager.json)`;
  } catch (e) {
    signIn = `(no demo manager: ${errorLine(e)})`;
  }
  let uiSignIn: string;
  try {
    const operator = await localStaff('platform', 'demo-operator', {
      displayName: 'Demo operator',
      roles: ['operator'],
    });
    uiSignIn = `payloads are encrypted: sign in to the dashboard as ${operator.username} / ${operator.password} and tick "include cross-origin credentials" in the UI's codec settings to read them`;
  } catch (e) {
    uiSignIn = `payloads are encrypted; no demo operator: ${errorLine(e)}`;
  }
  const order = apps.map((a) => a.name);
  status.sort((a, b) => order.indexOf(a.trim().split(' ')[0]!) - order.indexOf(b.trim().split(' ')[0]!));
  process.stdout.write(
    [
      '',
      'Throughcare platform is up (Ctrl-C stops everything; a component that crashes is restarted, see ./throughcare status):',
      ...status,
      `  Dashboard     ${infra.dashboard.url}/dashboard (managers and operators: ${signIn})`,
      `  Identity      ${endpoints.identityIssuer} (OpenID Connect issuer; tokens at /token, keys at /jwks)`,
      `  Temporal UI   ${endpoints.temporalUiUrl}/namespaces/default/workflows (${uiSignIn})`,
      `  Temporal gRPC ${endpoints.temporalAddress} (namespace default)`,
      `  NATS          ${endpoints.natsUrl} (monitoring ${endpoints.natsMonitorUrl})`,
      `  Postgres      ${endpoints.databaseUrl}`,
      `  Logs          ${paths.logDir}/platform-*.log`,
      '',
      ...demo,
      'Record a reception:',
      `  curl -sS -X POST http://127.0.0.1:3003/receptions -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '${JSON.stringify(body)}'`,
      'then follow the episode (personId is in the response):',
      '  curl -sS -H "authorization: Bearer $TOKEN" http://127.0.0.1:3003/people/<personId>/episodes/1',
      '',
    ].join('\n') + '\n',
  );
  printTimings();
  // Children keep the event loop alive; the signal handlers stop them and exit.
  setInterval(() => undefined, 1 << 30);
}

async function status(instance: string): Promise<void> {
  const s = await instanceStatus(instance);
  if (!s) {
    process.stdout.write(`instance ${instance} is not running (no ${paths.runDir}/${instance}.json)\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(formatStatus(s) + '\n');
  if (!s.supervisorAlive || s.components.some((c) => !c.alive)) process.exitCode = 1;
}

interface JestResults {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
  numTotalTests: number;
  testResults?: { name: string; startTime: number; endTime: number; status: string }[];
}

/** How much of a failed test file's log is printed (its end: the lines nearest the failure). */
const FAILED_LOG_LINES = 300;

/**
 * The in-process log lines of every test file that failed (its apps, relays, consumers and
 * workers at the levels its specs chose), after Jest's own report: a passing file's are not shown.
 */
function printFailedTestLogs(results: JestResults, dir: string): void {
  for (const r of results.testResults ?? []) {
    if (r.status !== 'failed') continue;
    const file = testLogFile(dir, r.name);
    if (!fs.existsSync(file)) continue;
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    if (lines.length === 0) continue;
    const shown = lines.slice(-FAILED_LOG_LINES);
    process.stdout.write(
      `\n--- logs of ${path.relative(paths.repoRoot, r.name)} (${shown.length < lines.length ? `last ${shown.length} of ${lines.length}` : lines.length} lines)\n${shown.join('\n')}\n`,
    );
  }
}

/**
 * Where the run's time went: every test file's wall time, slowest first, with its share of the
 * whole, in `<cache>/logs/jest-suite-times.txt` (the CI log stays quiet; the file is there to read).
 */
function writeSuiteTimes(results: JestResults): void {
  const suites = (results.testResults ?? [])
    .map((r) => ({
      file: path.relative(paths.repoRoot, r.name),
      seconds: (r.endTime - r.startTime) / 1000,
      status: r.status,
    }))
    .sort((a, b) => b.seconds - a.seconds);
  const total = suites.reduce((sum, s) => sum + s.seconds, 0);
  const lines = suites.map(
    (s) =>
      `${s.seconds.toFixed(1).padStart(8)} s  ${((100 * s.seconds) / (total || 1)).toFixed(1).padStart(5)}%  ${s.status.padEnd(6)}  ${s.file}`,
  );
  mkdirp(paths.logDir);
  fs.writeFileSync(
    path.join(paths.logDir, 'jest-suite-times.txt'),
    `${suites.length} test files, ${total.toFixed(1)} s in all (Jest runs them one at a time)\n${lines.join('\n')}\n`,
  );
}

async function test(jestArgs: string[]): Promise<void> {
  let jest: ChildProcess | undefined;
  let passed = 0;
  let failed = 0;
  let exitCode = 1;
  const { testServerPath, schemathesis, chromium } = await provisionAll();
  // THROUGHCARE_INSTANCE lets several test runs share one checkout (own state file, ports and data dirs).
  const infra = await startInfrastructure({
    profile: 'test',
    instance: process.env.THROUGHCARE_INSTANCE || undefined,
    handleSignals: false,
  });
  // Our own handlers: stop Jest first, then the infra, and still print the summary line.
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) {
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    interrupted = true;
    log('test', `${sig}: stopping Jest and the infrastructure`);
    try {
      if (jest?.pid) process.kill(-jest.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Jest alone gets the bootstrap administrator's secret: the specs register their clients.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...infra.env,
      // A guard kept while a growth is not explained: prom-client's GC observer (which kept every
      // closed app, ~40 MB an integration file) is fixed (stop 49), and a 16-file sample stayed
      // flat, but in the fresh-clone run of bebb7f0 the Jest process's resident memory still grew
      // from 1.6 GB (file 18) to 3.5 GB (file 51): not yet known whether heap or native. Until a
      // full run with --logHeapUsage says, the worker may use 8 GB of heap (the machines have 24 GiB).
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-old-space-size=8192'].filter(Boolean).join(' '),
      IDENTITY_ADMIN_CLIENT_SECRET: infra.identity.adminSecret,
      // Specs that start the directory let it register agencies' clients at the test provider.
      DIRECTORY_REGISTRAR_SECRET: infra.identity.directoryRegistrarSecret,
      // Staff sign-in: the dashboard client the provider knows, and where it sends sign-ins back
      // (a reserved port: a spec that signs in serves the orchestrator there). Named apart from
      // the apps' own settings, so that apps the specs start are not configured by accident.
      TEST_DASHBOARD_CLIENT_SECRET: infra.dashboard.clientSecret,
      TEST_DASHBOARD_URL: infra.dashboard.url,
      TEST_DASHBOARD_SESSION_KEY: infra.dashboard.sessionKey,
      // The specs' Temporal clients and workers encrypt payloads like the apps they start, and
      // their services seal audit records with the run's keys.
      ...infra.payloadEncryption,
      ...infra.auditSeal,
    };
    // The HTTP fuzzing suite (test/e2e/http-fuzz.e2e.spec.ts) runs this executable.
    env.SCHEMATHESIS_BIN = schemathesis;
    // The browser tests (the dashboard, the Temporal UI) drive this Chromium with playwright-core.
    if (typeof chromium === 'string') env.CHROMIUM_PATH = chromium;
    else env.CHROMIUM_UNAVAILABLE = chromium.unavailable;
    if (testServerPath) env.TEMPORAL_TEST_SERVER_PATH = testServerPath;
    else delete env.TEMPORAL_TEST_SERVER_PATH; // fall back to the SDK's download
    mkdirp(paths.runDir);
    // Each test file's in-process logs (jest setup infra/src/test-log-file.setup.ts); printed below when it fails.
    const testLogDir = path.join(paths.runDir, `test-logs-${process.pid}`);
    fs.rmSync(testLogDir, { recursive: true, force: true });
    mkdirp(testLogDir);
    env.THROUGHCARE_TEST_LOG_DIR = testLogDir;
    const resultsFile = path.join(paths.runDir, `jest-results-${process.pid}.json`);
    fs.rmSync(resultsFile, { force: true });
    const jestBin = path.join(paths.repoRoot, 'node_modules', '.bin', 'jest');
    const args = [
      '--config',
      path.join(paths.repoRoot, 'jest.config.js'),
      '--json',
      '--outputFile',
      resultsFile,
      ...jestArgs,
    ];
    log('test', `jest ${args.join(' ')}`);
    const code = await timed(
      'jest',
      () =>
        new Promise<number>((resolve) => {
          // Own process group: after Jest exits, anything its workers left behind (a time-skipping
          // test server JVM whose environment was never torn down) is killed with the group.
          jest = spawn(jestBin, args, { cwd: paths.repoRoot, env, stdio: 'inherit', detached: true });
          jest.on('exit', (c, s) => {
            clearInterval(watchdog);
            resolve(c ?? (s ? 128 : 1));
          });
          // Jest that has written its results but does not exit is held by open handles (a Worker
          // never shut down, a pool never ended): report it and end it instead of hanging CI.
          let writtenAt: number | undefined;
          const watchdog = setInterval(() => {
            if (writtenAt === undefined && fs.existsSync(resultsFile)) writtenAt = Date.now();
            if (writtenAt !== undefined && Date.now() - writtenAt > 30_000) {
              clearInterval(watchdog);
              log(
                'test',
                'Jest wrote its results 30 s ago but has not exited (open handles; try `npm test -- --detectOpenHandles`): stopping it',
              );
              try {
                process.kill(-jest!.pid!, 'SIGTERM');
              } catch {
                /* gone */
              }
            }
          }, 1000);
          jest.on('error', () => resolve(1));
        }),
    );
    await reapGroup(jest!.pid!);
    let results: JestResults | undefined;
    try {
      results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as JestResults;
    } catch {
      log('test', `Jest wrote no results (exit ${code}): it crashed or was interrupted`);
    }
    fs.rmSync(resultsFile, { force: true });
    if (results) {
      printFailedTestLogs(results, testLogDir);
      fs.rmSync(testLogDir, { recursive: true, force: true });
      writeSuiteTimes(results);
      passed = results.numPassedTests;
      // A suite that cannot even load (syntax error, failing beforeAll import) counts as one failure.
      failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
      exitCode = failed === 0 && code === 0 && !interrupted ? 0 : 1;
      if (failed === 0 && code !== 0)
        log('test', `Jest exited ${code} with no failed test (e.g. no tests found, or a coverage threshold)`);
    }
  } finally {
    await timed('stop test infrastructure', () => infra.stop());
    printTimings();
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(exitCode);
}
