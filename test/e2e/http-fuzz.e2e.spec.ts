import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROLES } from '@throughcare/platform-auth';
import { registerClient, requireEnv, testIdentity, type AppProcess } from '@throughcare/testing';
import { APP_ENTRIES, createSuiteDatabase, startApps } from './e2e.spec-support';

/**
 * Property-based fuzzing of every HTTP operation from its OpenAPI document, with Schemathesis
 * (PyPI; provisioned by the test command into the tool cache): valid and invalid path, query and
 * body values, per operation, against the real apps on a database of this suite's own.
 *
 * Checks on every response: no 5xx (`not_a_server_error`); input the schema calls invalid is
 * refused with a 4xx (`negative_data_rejection`); every 4xx is problem+json with our code, and a
 * validation failure names its fields (test/fuzz/throughcare_hooks.py).
 *
 * Cases per operation: FUZZ_MAX_EXAMPLES (default 1,000, as issue 8 asks of every CI run: the
 * fast version, in `./throughcare test`); the full version is `./throughcare fuzz` (10,000). The seed is printed, and FUZZ_SEED replays it.
 */

const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CHECKS = ['not_a_server_error', 'negative_data_rejection', 'problem_details_for_client_errors'];

type AppName = keyof typeof APP_ENTRIES;

const repoRoot = path.resolve(__dirname, '../..');
const outDir = path.join(repoRoot, '.cache', 'run', `fuzz-${process.pid}`);
const apps: Partial<Record<AppName, AppProcess>> = {};
let fuzzClient: { clientId: string; clientSecret: string };

beforeAll(async () => {
  const url = await createSuiteDatabase('fuzz');
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => /^(NATS_URL|TEMPORAL_|AUTH_|PAYLOAD_|AUDIT_SEAL_)/.test(k)),
    ),
    DATABASE_URL: url,
    PERSON_ID_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'error',
    // Thousands of requests from one client: the per-client limit would answer 429s.
    RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
    // Every valid bulk replay re-publishes real letters (the other apps' fuzzing leaves hundreds,
    // and a replayed letter fails again): at the default 100 a request, that one operation took
    // 1.5 s a case and the orchestrator's run 13 minutes. The same code at a batch of 5.
    DEAD_LETTER_REPLAY_BATCH: '5',
  } as Record<string, string>;
  Object.assign(apps, await startApps(env));
  // Every role and a wide scope: requests pass the guard and reach validation (access itself is
  // the authorisation matrix's subject).
  fuzzClient = await registerClient({
    roles: [...ROLES],
    agencyId: 'fuzz-agency',
    establishments: ['BAR', 'GLE', 'LOW', 'LEI'],
    label: 'http fuzzing',
  });
  fs.mkdirSync(outDir, { recursive: true });
  console.log(`http fuzzing: ${MAX_EXAMPLES} examples per operation, seed ${SEED} (FUZZ_SEED replays it)`);
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(apps).map((app) => app?.stop()));
}, 60_000);

interface RunResult {
  code: number | null;
  output: string;
  /** Test cases per operation ("POST /receptions"), from the ndjson report. */
  casesPerOperation: Map<string, number>;
  /** Failed checks: operation, check name and message. */
  failures: string[];
  seconds?: number;
}

/**
 * One Schemathesis run: an app's operations, or a shard of them (`filter`: Schemathesis's
 * include/exclude options), reported to its own file.
 */
function schemathesis(app: AppProcess, shard?: Shard): Promise<RunResult> {
  const report = path.join(outDir, `${app.name}${shard ? `-${shard.name}` : ''}.ndjson`);
  const args = [
    '--config-file',
    path.join(repoRoot, 'test', 'fuzz', 'schemathesis.toml'),
    'run',
    `${app.baseUrl}/docs-json`,
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    String(SEED),
    '--phases',
    'examples,coverage,fuzzing',
    '--generation-database',
    'none',
    // Hypothesis's "too many examples filtered out" health check looks at the first examples only
    // and, for some seeds, stops an operation whose instants carry both `format: date-time` and
    // the seconds pattern (fresh-clone run of stop 44, seed 72681691: POST
    // /webhook-endpoints/{id}/recovery after 6 cases). Generation goes on past it; that every
    // operation still gets MAX_EXAMPLES cases is asserted below.
    '--suppress-health-check',
    'filter_too_much',
    '--request-timeout',
    '20',
    // One worker per run (Hypothesis's lambda-source cache is not thread-safe: with 4 threads a
    // run died with "AST constructor recursion depth mismatch"); the apps run in parallel instead.
    '--workers',
    '1',
    '--no-color',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    report,
    ...(shard?.filter ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(requireEnv('SCHEMATHESIS_BIN'), args, {
      cwd: outDir,
      env: {
        ...process.env,
        PYTHONPATH: path.join(repoRoot, 'test', 'fuzz'),
        SCHEMATHESIS_HOOKS: 'throughcare_hooks',
        FUZZ_ISSUER: testIdentity().issuer,
        FUZZ_CLIENT_ID: fuzzClient.clientId,
        FUZZ_CLIENT_SECRET: fuzzClient.clientSecret,
        FUZZ_RESOURCE: `urn:throughcare:${app.name}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const parsed = readReport(report);
      resolve({ code, output, ...parsed });
    });
  });
}

/**
 * Reads Schemathesis's ndjson event stream: scenario results carry each operation's cases, and
 * anything that makes Schemathesis exit non-zero is a failure here too, named: a failed check, a
 * scenario or phase that ended in failure or error (a Hypothesis error, a server outage, a probe
 * that broke), a non-fatal or fatal engine error, an interrupted run.
 */
function readReport(file: string): Pick<RunResult, 'casesPerOperation' | 'failures'> {
  const casesPerOperation = new Map<string, number>();
  const failures: string[] = [];
  if (!fs.existsSync(file)) return { casesPerOperation, failures: [`no report at ${file}`] };
  // Schemathesis writes statuses in lower case ("failure"): the parser of stop 19 looked for
  // "FAILURE" and so never saw a failed check (its CI failure was very likely one).
  const failed = (status: unknown) => status === 'failure' || status === 'error';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as Record<string, Record<string, unknown> | undefined>;
    const [name] = Object.keys(event);
    const body = event[name!] ?? {};
    if (name === 'NonFatalError' || name === 'FatalError' || name === 'Interrupted') {
      failures.push(`${name}: ${JSON.stringify(body).slice(0, 2000)}`);
      continue;
    }
    if (name === 'PhaseFinished' && failed(body['status'])) {
      const phase = (body['phase'] as { name?: string } | undefined)?.name ?? '?';
      failures.push(
        `phase ${phase} ended in ${String(body['status'])}: ${JSON.stringify(body['payload'] ?? null).slice(0, 2000)}`,
      );
      continue;
    }
    if (name !== 'ScenarioFinished') continue;
    const recorder = body['recorder'] as
      | { label?: string; cases?: Record<string, unknown>; checks?: Record<string, unknown[]> }
      | undefined;
    if (!recorder) continue;
    const label = recorder.label ?? (body['label'] as string | undefined) ?? '?';
    const cases = Object.keys(recorder.cases ?? {}).length;
    casesPerOperation.set(label, (casesPerOperation.get(label) ?? 0) + cases);
    let checkFailed = false;
    for (const checks of Object.values(recorder.checks ?? {})) {
      for (const check of checks as {
        name: string;
        status: string;
        failure_info?: { failure?: { title?: string; message?: string } };
      }[]) {
        if (failed(check.status)) {
          checkFailed = true;
          failures.push(
            `${label}: ${check.name}: ${check.failure_info?.failure?.title ?? ''} ${check.failure_info?.failure?.message ?? ''}`.trim(),
          );
        }
      }
    }
    if (failed(body['status']) && !checkFailed)
      failures.push(
        `${label}: ${String(body['phase'])} scenario ended in ${String(body['status'])} with no failed check`,
      );
  }
  return { casesPerOperation, failures };
}

/** Schemathesis's own account of a run (its text output from the first section that explains a failure). */
function explanation(output: string): string {
  const at = output.search(/^=+ (ERRORS|FAILURES|WARNINGS|SUMMARY) =+$/m);
  return (at >= 0 ? output.slice(at, at + 8000) : output.slice(-4000)).trim();
}

/** The app's documented operations ("GET /path/{id}") and whether each takes any input. */
async function operationsOf(app: AppProcess): Promise<Map<string, boolean>> {
  const doc = (await (await fetch(`${app.baseUrl}/docs-json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>;
  };
  const operations = new Map<string, boolean>();
  for (const [route, methods] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(methods))
      operations.set(
        `${method.toUpperCase()} ${route}`,
        (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined,
      );
  return operations;
}

/** Every app, or those FUZZ_APPS names (comma-separated), e.g. to re-run one app's fuzzing alone. */
const APP_NAMES = (Object.keys(APP_ENTRIES) as AppName[]).filter(
  (name) => !process.env.FUZZ_APPS || process.env.FUZZ_APPS.split(',').includes(name),
);
/** Part of an app's operations, fuzzed by a run of its own. */
interface Shard {
  name: string;
  filter: string[];
}
/**
 * The referral service's 39 operations took 746–952 s in one run, longer than any other app's,
 * so the whole fuzzing waited on it while the other runs had finished: split in two about equal
 * halves (referrals and appointments; engagement requests, webhooks, notifications and health),
 * each a run of its own, so the three parallel runs stay busy to the end.
 */
const REFERRAL_CORE = '^/((prison/)?referrals|appointments)(/|$)';
/**
 * Liberation grew by eleven operations in issue 10 (sentence calculations, re-plans, temporary
 * absences), and four more (recorded sentence dates): those are a run of their own, so
 * liberation does not become the last to finish.
 */
const LIBERATION_ISSUE_10 =
  '(/sentence-calculations|/recorded-dates|/absences|/gate-arrangement|^/release-point-replans)(/|$)';
const SHARDS: Partial<Record<AppName, Shard[]>> = {
  referral: [
    { name: 'referrals', filter: ['--include-path-regex', REFERRAL_CORE] },
    { name: 'others', filter: ['--exclude-path-regex', REFERRAL_CORE] },
  ],
  liberation: [
    { name: 'custody-record', filter: ['--exclude-path-regex', LIBERATION_ISSUE_10] },
    { name: 'sentences-replans-absences', filter: ['--include-path-regex', LIBERATION_ISSUE_10] },
  ],
};
/**
 * The order runs start in: the longest first (measured, 1,000 cases per operation, 2026-12-04:
 * orchestrator 640 s, each referral half about 480, liberation 400, directory and assessment 230),
 * so the last to finish does not start late.
 */
const LONGEST_FIRST: AppName[] = ['orchestrator', 'referral', 'liberation', 'directory', 'assessment'];
/** One app's runs as one result: cases and failures of every shard, the first non-zero exit. */
function merged(parts: RunResult[]): RunResult {
  const casesPerOperation = new Map<string, number>();
  for (const part of parts)
    for (const [op, n] of part.casesPerOperation)
      casesPerOperation.set(op, (casesPerOperation.get(op) ?? 0) + n);
  return {
    code: parts.find((r) => r.code !== 0)?.code ?? 0,
    output: parts.map((r) => r.output).join('\n'),
    casesPerOperation,
    failures: parts.flatMap((r) => r.failures),
    seconds: Math.max(...parts.map((r) => r.seconds ?? 0)),
  };
}
/** Runs start together, at most FUZZ_PARALLEL at a time (default 3): Python generation and the apps overlap. */
let results: Promise<Map<AppName, RunResult>>;
function runAll(): Promise<Map<AppName, RunResult>> {
  results ??= (async () => {
    const parts = new Map<AppName, RunResult[]>();
    const queue = [
      ...LONGEST_FIRST.filter((n) => APP_NAMES.includes(n)),
      ...APP_NAMES.filter((n) => !LONGEST_FIRST.includes(n)),
    ].flatMap((name) => (SHARDS[name] ?? [undefined]).map((shard) => ({ name, shard })));
    const parallel = Number(process.env.FUZZ_PARALLEL ?? 3);
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const started = Date.now();
          const result = await schemathesis(apps[job.name]!, job.shard);
          result.seconds = Math.round((Date.now() - started) / 1000);
          parts.set(job.name, [...(parts.get(job.name) ?? []), result]);
        }
      }),
    );
    return new Map([...parts].map(([name, runs]) => [name, merged(runs)]));
  })();
  return results;
}

describe(`HTTP fuzzing from the OpenAPI documents (Schemathesis, ${MAX_EXAMPLES} examples per operation)`, () => {
  it.each(APP_NAMES)(
    '%s: no 5xx, invalid input refused with problem+json naming the field',
    async (name) => {
      const result = (await runAll()).get(name)!;
      const summary = [...result.casesPerOperation.entries()]
        .map(([op, n]) => `  ${op}: ${n} cases`)
        .join('\n');
      fs.writeFileSync(path.join(outDir, `${name}.txt`), `${result.output}\n${summary}\n`);
      console.log(
        `${name}: ${result.casesPerOperation.size} operations in ${result.seconds} s${SHARDS[name] ? ` (the longest of ${SHARDS[name].length} runs)` : ''}\n${summary}`,
      );
      expect(result.failures).toEqual([]);
      // A non-zero exit the report did not explain: Schemathesis's own words, in the failure.
      expect({
        exit: result.code,
        ...(result.code === 0 ? {} : { output: explanation(result.output) }),
      }).toEqual({
        exit: 0,
      });
      // Every documented operation was fuzzed, each with at least MAX_EXAMPLES cases unless it
      // takes no input at all (GET /health: its whole input space is one request).
      const documented = await operationsOf(apps[name]!);
      expect([...result.casesPerOperation.keys()].sort()).toEqual([...documented.keys()].sort());
      const short = [...documented.entries()]
        .filter(([op, takesInput]) => takesInput && (result.casesPerOperation.get(op) ?? 0) < MAX_EXAMPLES)
        .map(([op]) => `${op}: ${result.casesPerOperation.get(op) ?? 0}`);
      expect(short).toEqual([]);
    },
    3_600_000,
  );
});
