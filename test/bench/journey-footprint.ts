/**
 * Per-journey memory footprint of the orchestrator's workflow worker (issue 7, finding 0).
 *
 *   node -r @swc-node/register test/bench/journey-footprint.ts [scenario …]
 *
 * A scenario is `<journeys>x<cache>[@<heap MiB>]`, cache a number or `unbounded`, heap the workflow
 * thread's heap limit (default: 200xunbounded 500xunbounded 2000x100 2000x250 2000xunbounded
 * 2000x273@2048). It starts a throw-away `test` instance of the platform's
 * infrastructure (Temporal dev server, in memory), bundles the journey workflows once, and for each
 * scenario forks a fresh Node process that runs only the journey worker (the orchestrator's part),
 * with `maxCachedWorkflows` = cache. This process starts the journeys (signal-with-start, 16 at a
 * time, as the bridge does) and runs the services' activities (the recording doubles of
 * journey-harness.ts) until every journey has asked for its core screen. The worker process's
 * memory is read before any journey and after all of them (after a GC of its main thread and a
 * 3 s settle): RSS, main-thread heap, and the peak RSS (VmHWM). Bytes per cached journey =
 * (RSS after − RSS before) / journeys held in the cache (min(journeys, cache)).
 * Writes test/bench/results/journey-footprint.md (keeping its hand-written '## Reading' section).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { activityInfo } from '@temporalio/activity';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import {
  receptionSignal,
  TaskQueues,
  throughcareWorkflowId,
  type ThroughcareInput,
} from '@throughcare/contracts';
import { startInfrastructure } from '../../infra/src/supervisor';
import { journeyBundleOptions } from '../../workflows/throughcare/src/worker/journey-bundle';
import { journeyTracingSinks } from '../../workflows/throughcare/src/worker/journey-tracing';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  receptionInput,
  recordingActivities,
} from '../../workflows/throughcare/src/workflows/journey-harness';

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  peakRss: number;
}

type ToChild = { type: 'measure' } | { type: 'stop' };
type FromChild =
  | { type: 'ready'; memory: Memory }
  | { type: 'memory'; memory: Memory }
  /** Every 2 s, without a GC: the last reading before a crash. */
  | { type: 'sample'; memory: Memory };

interface Scenario {
  journeys: number;
  /** undefined: unbounded (larger than the journeys started). */
  cache?: number;
  /** Heap limit of the workflow thread (MiB); undefined: V8's default. */
  heapLimitMib?: number;
  /**
   * The bundle without `preloadModules` (the SDK's default): every journey evaluates its own copy
   * of the modules it imports. The baseline of the shared modules (worker/journey-bundle.ts).
   */
  unshared?: boolean;
}

interface Result extends Scenario {
  before: Memory;
  /** After every journey reached its core screen; or the last sample before the worker died. */
  after: Memory;
  seconds: number;
  cached: number;
  bytesPerCachedJourney: number;
  /** Set when the worker died first: why, and how many journeys had got there. */
  died?: { reason: string; reached: number };
}

const MiB = 1024 * 1024;
const STARTS_IN_FLIGHT = 16;
const STALL_MS = 90_000;
const resultsFile = path.join(__dirname, 'results', 'journey-footprint.md');

function memory(): Memory {
  const m = process.memoryUsage();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    peakRss: hwm ? Number(hwm[1]) * 1024 : m.rss,
  };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The forked worker process: the journey worker alone, reporting its memory when asked. */
/** The bench instance's payload encryption keys, handed to each worker child. */
let payloadEncryption: Record<string, string> = {};

async function child(
  address: string,
  taskQueue: string,
  bundlePath: string,
  cache: number,
  heapLimitMib?: number,
): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // As the orchestrator does with WORKFLOW_HEAP_LIMIT_MB (journey-worker.host.ts).
  if (heapLimitMib) v8.setFlagsFromString(`--max-old-space-size=${heapLimitMib}`);
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    // As in production: payloads encrypted (the keys come from the parent, through the environment).
    dataConverter: dataConverterFrom({
      PAYLOAD_ENCRYPTION_KEYS: process.env.PAYLOAD_ENCRYPTION_KEYS ?? '',
      PAYLOAD_ENCRYPTION_KEY_ID: process.env.PAYLOAD_ENCRYPTION_KEY_ID ?? '',
    }),
    workflowBundle: { codePath: bundlePath },
    sinks: journeyTracingSinks(),
    activities: recordingActivities().throughcare,
    maxCachedWorkflows: cache,
  });
  const running = worker.run();
  setInterval(() => process.send!({ type: 'sample', memory: memory() } satisfies FromChild), 2000).unref();
  const report = async (type: FromChild['type']) => {
    (globalThis as { gc?: () => void }).gc?.();
    await settle(3000);
    process.send!({ type, memory: memory() } satisfies FromChild);
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'measure') void report('memory');
    if (m.type === 'stop') worker.shutdown();
  });
  await report('ready');
  try {
    await running;
  } catch (e) {
    // What the orchestrator saw in issue 7 (ERR_WORKER_OUT_OF_MEMORY): the bench reports it.
    console.error(`[bench worker] run() failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(70);
  }
  await connection.close();
  process.exit(0);
}

/**
 * The journey specs' reception (journey-harness.ts), dated now: that builder reads only the
 * environment's clock, and here the dev server runs in real time.
 */
const wallClock = { currentTimeMs: () => Promise.resolve(Date.now()) } as unknown as TestWorkflowEnvironment;
const reception = (): Promise<ThroughcareInput> => receptionInput(wallClock);

/** The next message of `type` from the worker process. */
function nextMessage(proc: ChildProcess, type: 'ready' | 'memory'): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker process exited (code ${code})`));
    const onMessage = (m: FromChild) => {
      if (m.type !== type) return;
      proc.off('exit', onExit);
      proc.off('message', onMessage);
      resolve(m);
    };
    proc.once('exit', onExit);
    proc.on('message', onMessage);
  });
}

async function runScenario(
  s: Scenario,
  address: string,
  bundlePath: string,
  client: Client,
  coreScreens: Set<string>,
): Promise<Result> {
  const label = `${s.journeys} journeys, cache ${s.cache ?? 'unbounded'}${s.heapLimitMib ? `, thread heap ${s.heapLimitMib} MiB` : ''}${s.unshared ? ', modules per journey' : ''}`;
  const taskQueue = `bench-footprint-${randomUUID()}`;
  const cache = s.cache ?? s.journeys + 1000;
  const proc = fork(
    __filename,
    ['--child', address, taskQueue, bundlePath, String(cache), String(s.heapLimitMib ?? '')],
    {
      execArgv: ['--expose-gc', '-r', '@swc-node/register'],
      env: { ...process.env, ...payloadEncryption },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let lastSample: Memory | undefined;
  proc.on('message', (m: FromChild) => {
    if (m.type === 'sample') lastSample = m.memory;
  });
  const ready = await nextMessage(proc, 'ready');
  const before = ready.memory;
  console.log(`[bench] ${label}: worker idle at ${(before.rss / MiB).toFixed(0)} MiB RSS; starting journeys`);
  const started = Date.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: STARTS_IN_FLIGHT }, async () => {
      while (next < s.journeys) {
        next++;
        const input = await reception();
        const workflowId = throughcareWorkflowId(input.personId, input.episode);
        ids.push(workflowId);
        await client.workflow.signalWithStart('throughcareJourney', {
          taskQueue,
          workflowId,
          args: [input],
          signal: receptionSignal,
          signalArgs: [input],
        });
      }
    }),
  );
  console.log(`[bench] ${label}: started in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  let last = 0;
  let died: Result['died'];
  let progress = { done: 0, at: Date.now() };
  for (;;) {
    const done = ids.filter((id) => coreScreens.has(id)).length;
    if (done === s.journeys) break;
    if (done > progress.done) progress = { done, at: Date.now() };
    else if (Date.now() - progress.at > STALL_MS) {
      // Near its heap limit the worker thread can spend minutes in GC before it dies: call it.
      proc.kill('SIGKILL');
      died = { reason: `stalled: no journey progressed for ${STALL_MS / 1000} s`, reached: done };
      console.log(`[bench] ${label}: ${died.reason}, at ${done}`);
      await new Promise((r) => proc.once('exit', r));
      break;
    }
    if (Date.now() - last > 10_000) {
      console.log(`[bench] ${label}: ${done} at their core screen request`);
      last = Date.now();
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const reason =
        /ERR_WORKER_OUT_OF_MEMORY|heap out of memory|[^\n]*run\(\) failed[^\n]*/.exec(stderr)?.[0] ??
        `exit ${proc.exitCode ?? proc.signalCode}`;
      died = { reason, reached: done };
      console.log(`[bench] ${label}: the worker process died after ${done} journeys: ${reason}`);
      break;
    }
    await settle(250);
  }
  const seconds = (Date.now() - started) / 1000;
  let after: Memory;
  if (died) after = lastSample ?? before;
  else {
    proc.send({ type: 'measure' } satisfies ToChild);
    after = (await nextMessage(proc, 'memory')).memory;
    proc.send({ type: 'stop' } satisfies ToChild);
    await new Promise((r) => proc.once('exit', r));
  }
  const cached = Math.min(died?.reached ?? s.journeys, cache);
  const result: Result = {
    ...s,
    before,
    after,
    seconds,
    cached,
    bytesPerCachedJourney: (after.rss - before.rss) / cached,
    died,
  };
  console.log(
    `[bench] ${label}: ${seconds.toFixed(0)} s; RSS ${(before.rss / MiB).toFixed(0)} → ${(after.rss / MiB).toFixed(0)} MiB ` +
      `(peak ${(after.peakRss / MiB).toFixed(0)}); ${(result.bytesPerCachedJourney / 1024).toFixed(0)} KiB per cached journey`,
  );
  return result;
}

function report(results: Result[]): string {
  const mib = (b: number) => (b / MiB).toFixed(0);
  const rows = results.map(
    (r) =>
      `| ${r.journeys} | ${r.cache ?? 'unbounded'} | ${r.heapLimitMib ?? 'default'} | ${r.unshared ? 'per journey' : 'shared'} | ${r.cached} | ${r.seconds.toFixed(0)} | ${mib(r.before.rss)} | ${mib(r.after.rss)} | ${mib(r.after.peakRss)} | ${mib(r.before.heapUsed)} → ${mib(r.after.heapUsed)} | ${(r.bytesPerCachedJourney / 1024).toFixed(0)} | ${r.died ? `${r.died.reason}, at ${r.died.reached}` : 'all at their core screen'} |`,
  );
  return [
    '# Journey footprint: memory of the journey worker per cached workflow',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z with \`node -r @swc-node/register test/bench/journey-footprint.ts\``,
    `on ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, @temporalio/worker 1.24`,
    '(reuseV8Context on, one workflow thread: the SDK defaults), Temporal dev server in memory, shared machine.',
    '',
    'Each row is a fresh worker process running only the journey workflows (the orchestrator part);',
    'journeys are started by signal-with-start, 16 at a time, and counted once each has asked for its',
    'core screen (the activity answered by a recording double in the bench process). Memory is the',
    "worker process's: RSS idle (worker polling, bundle loaded) and after every journey got there",
    '(after a GC of the main thread and 3 s), its peak RSS (VmHWM), and the main thread heap',
    '(the workflow thread has its own heap, inside RSS). Per cached journey = RSS growth / journeys',
    'held in the cache (min(journeys, cache)). A row whose worker died gives its last 2-second sample.',
    '',
    ...marginal(results),
    '| journeys | maxCachedWorkflows | thread heap limit MiB | modules | cached | seconds | RSS idle MiB | RSS after MiB | peak RSS MiB | main heap MiB | KiB per cached journey | outcome |',
    '|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
}

/**
 * The growth per journey between two unbounded runs of different sizes: the fixed costs (the
 * workflow thread's V8 context, compiled code, the first journeys' warm-up) cancel out.
 */
function marginal(results: Result[]): string[] {
  return [false, true].flatMap((unshared) => {
    const unbounded = results
      .filter((r) => r.cache === undefined && !r.died && !!r.unshared === unshared)
      .sort((a, b) => a.journeys - b.journeys);
    if (unbounded.length < 2) return [];
    const [small, large] = [unbounded[0]!, unbounded[unbounded.length - 1]!];
    const perJourney = (large.after.rss - small.after.rss) / (large.journeys - small.journeys);
    return [
      `**Marginal footprint${unshared ? ', modules per journey (the SDK default)' : ', modules shared (as the orchestrator runs)'}: ${(perJourney / 1024).toFixed(0)} KiB of RSS per cached journey** ` +
        `(RSS after ${large.journeys} minus after ${small.journeys} journeys, both unbounded, over ${large.journeys - small.journeys}).`,
      '',
    ];
  });
}

function parseScenario(arg: string): Scenario {
  const m = /^(\d+)x(\d+|unbounded)(?:@(\d+))?(:unshared)?$/.exec(arg);
  if (!m)
    throw new Error(
      `scenario "${arg}": expected <journeys>x<cache|unbounded>[@<heap MiB>][:unshared], e.g. 2000x250@2048`,
    );
  return {
    journeys: Number(m[1]),
    cache: m[2] === 'unbounded' ? undefined : Number(m[2]),
    heapLimitMib: m[3] ? Number(m[3]) : undefined,
    unshared: m[4] !== undefined,
  };
}

async function main(args: string[]): Promise<void> {
  const scenarios = (
    args.length
      ? args
      : ['200xunbounded', '500xunbounded', '2000x100', '2000x250', '2000xunbounded', '2000x273@2048']
  ).map(parseScenario);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const infra = await startInfrastructure({
    profile: 'test',
    instance: `bench-${process.pid}`,
    handleSignals: true,
  });
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'journey-bundle-'));
  try {
    // As the orchestrator bundles them, and (for `:unshared` scenarios) without preloaded modules.
    const bundlePaths = { shared: path.join(bundleDir, 'workflows.js'), unshared: '' };
    fs.writeFileSync(bundlePaths.shared, (await bundleWorkflowCode(journeyBundleOptions())).code);
    if (scenarios.some((s) => s.unshared)) {
      bundlePaths.unshared = path.join(bundleDir, 'workflows-unshared.js');
      const unshared = await bundleWorkflowCode({ ...journeyBundleOptions(), preloadModules: [] });
      fs.writeFileSync(bundlePaths.unshared, unshared.code);
    }
    const address = infra.env.TEMPORAL_ADDRESS!;
    const connection = await Connection.connect({ address });
    payloadEncryption = infra.payloadEncryption;
    const dataConverter = dataConverterFrom(infra.payloadEncryption);
    const client = new Client({ connection, dataConverter });
    const nativeConnection = await NativeConnection.connect({ address });
    const doubles = recordingActivities();
    const coreScreens = new Set<string>();
    const requestCoreScreen = doubles.assessment.requestCoreScreen.bind(doubles.assessment);
    doubles.assessment.requestCoreScreen = async (i) => {
      const result = await requestCoreScreen(i);
      coreScreens.add(activityInfo().workflowExecution!.workflowId);
      return result;
    };
    const services = await Promise.all(
      (
        [
          [TaskQueues.assessment, doubles.assessment],
          [TaskQueues.directory, doubles.directory],
          [TaskQueues.referral, doubles.referral],
          [TaskQueues.liberation, doubles.liberation],
        ] as const
      ).map(([taskQueue, activities]) =>
        Worker.create({
          connection: nativeConnection,
          dataConverter,
          taskQueue,
          activities,
          maxConcurrentActivityTaskExecutions: 200,
        }),
      ),
    );
    const results: Result[] = [];
    const runAll = async () => {
      for (const s of scenarios) {
        const bundlePath = s.unshared ? bundlePaths.unshared : bundlePaths.shared;
        results.push(await runScenario(s, address, bundlePath, client, coreScreens));
      }
    };
    const [first, ...rest] = services;
    await first!.runUntil(rest.reduce<() => Promise<void>>((inner, w) => () => w.runUntil(inner), runAll));
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    // The hand-written '## Reading' section of the previous report is kept (revise it by hand).
    const previous = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : '';
    const reading = previous.indexOf('\n## Reading');
    fs.writeFileSync(resultsFile, report(results) + (reading >= 0 ? previous.slice(reading) : ''));
    console.log(`[bench] wrote ${resultsFile}`);
    await connection.close();
    await nativeConnection.close();
  } finally {
    fs.rmSync(bundleDir, { recursive: true, force: true });
    await infra.stop();
  }
}

if (process.argv[2] === '--child') {
  const [address, taskQueue, bundlePath, cache, heap] = process.argv.slice(3);
  child(address!, taskQueue!, bundlePath!, Number(cache), heap ? Number(heap) : undefined).catch(
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
