/**
 * The crash soak: its own platform instance, journeys driven through the APIs and the bus while
 * a random component is SIGKILLed every 15 ± 10 s (the Supervisor restarts it), then a quiet
 * period and a reconciliation (./reconcile.ts). See test/chaos/README.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Streams, throughcareWorkflowId } from '@throughcare/contracts';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { paths } from '../../../infra/src/paths';
import { instanceStatus } from '../../../infra/src/status';
import { descendants, isAlive, log, setLogSink } from '../../../infra/src/util';
import { JourneyDriver, planJourney, STEPS, type Journey, type Step } from './journeys';
import { startChaosPlatform, type ChaosPlatform } from './platform';
import { problems, reconcile, type Reconciliation } from './reconcile';

export interface SoakOptions {
  journeys: number;
  /** Supervisor instance (state file, ports, data dirs): never `platform` nor a test run's. */
  instance: string;
  /** Journeys in flight at once. */
  concurrency?: number;
  /** Kill a random component every killMeanMs ± killJitterMs (uniform); false: no kills (the memory soak). */
  kills?: boolean;
  killMeanMs?: number;
  killJitterMs?: number;
  /** One journey in `fullEvery` is driven through the whole script; the others are held at their core screen. */
  fullEvery?: number;
  /**
   * Longest the journeys are driven (nothing new is sent after it): a bound against a platform that
   * stopped making progress, not a speed target (speed is the benchmarks'). A journey not driven by
   * then is reported, and fails the verdict. Default 3 s a journey, at least 4 minutes: twice the
   * time a slow run took (452 s were too short for 300 on a busy CI machine, 2026-12-02).
   */
  driveMs?: number;
  /** Longest the quiet period waits for the platform to settle before the final reconciliation. */
  quietMs?: number;
  /** Progress lines (the CLI prints them; the Jest spec keeps them in the log file). */
  progress?: (line: string) => void;
}

export interface KillRecord {
  atS: number;
  component: string;
  pids: number[];
}

export interface SoakReport {
  result: 'PASS' | 'FAIL';
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** The code under test: HEAD, and the files of the apps and libraries that differed from it. */
  code: { commit: string; uncommitted: string[] };
  options: Required<Omit<SoakOptions, 'progress'>>;
  phases: { startS: number; driveS: number; settleS: number; quietS: number; reconcileS: number };
  journeys: {
    attempted: number;
    byHttp: number;
    byBus: number;
    receptionsAcknowledged: number;
    stalled: number;
  };
  requests: {
    attempted: number;
    acknowledged: number;
    byStep: Record<Step, { journeys: number; attempts: number; acknowledged: number }>;
  };
  kills: Record<string, number>;
  killLog: KillRecord[];
  restarts: Record<string, number>;
  peakRssMiB: Record<string, number>;
  reconciliations: number;
  reconciliation: Reconciliation;
  stalledExamples: string[];
}

function codeUnderTest(): SoakReport['code'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: paths.repoRoot, encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      uncommitted: git('status', '--porcelain', '--', 'services', 'workflows', 'libs')
        .split('\n')
        .filter(Boolean),
    };
  } catch {
    return { commit: 'unknown (not a git checkout)', uncommitted: [] };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Memory of a process and everything below it, in KiB (0 when gone): the sum of each process's
 * proportional set size (Pss), so that memory shared by Postgres backends is counted once.
 */
function treeRssKiB(pid: number): number {
  let kib = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kib += m ? Number(m[1]) : 0;
    } catch {
      /* gone */
    }
  }
  return kib;
}

/** Every component alive and every app answering /health with 200. */
async function settled(platform: ChaosPlatform): Promise<boolean> {
  const s = platform.components.every((c) => {
    const pid = platform.infra.supervisor.pidOf(c);
    return pid !== undefined && isAlive(pid);
  });
  return s && (await platform.healthy());
}

/** Nothing left to deliver: each outbox published, each consumer of the events stream caught up. */
async function drained(nc: NatsConnection): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  for await (const c of jsm.consumers.list(Streams.events.name))
    if (c.num_pending > 0 || c.num_ack_pending > 0) return false;
  return true;
}

/**
 * Writes the Temporal history (the JSON `historyFromJSON` and the replay test read) of each journey a finding names to <logs>/<instance>-history-<id>.json
 * before the instance (and its Temporal database) is removed: the evidence for a replay or a bug report.
 * Written as stored, i.e. with payloads encrypted: replay it with the instance's key
 * (<cache>/payload-keys/<instance>.json, replaced at the instance's next run) as the replay worker's codec.
 */
async function keepHistories(address: string, instance: string, r: Reconciliation): Promise<string[]> {
  const people = [
    ...new Set([...r.lost, ...r.missing, ...r.duplicated, ...r.stuck, ...r.failed].map((f) => f.personId)),
  ];
  if (people.length === 0) return [];
  const connection = await Connection.connect({ address });
  const written: string[] = [];
  try {
    const client = new TemporalClient({ connection });
    for (const personId of people.slice(0, 20)) {
      const workflowId = throughcareWorkflowId(personId, 1);
      const file = path.join(paths.logDir, `${instance}-history-${workflowId}.json`);
      try {
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        fs.writeFileSync(file, historyToJSON(history));
        written.push(path.basename(file));
      } catch (e) {
        log('soak', `no history for ${workflowId}: ${(e as Error).message}`);
      }
    }
  } finally {
    await connection.close();
  }
  return written;
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const o: Required<Omit<SoakOptions, 'progress'>> = {
    concurrency: 40,
    kills: true,
    fullEvery: 1,
    killMeanMs: 15_000,
    killJitterMs: 10_000,
    driveMs: Math.max(240_000, opts.journeys * 3000),
    quietMs: 240_000,
    ...opts,
  };
  const say = opts.progress ?? (() => undefined);
  const t0 = Date.now();
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  const phases = { startS: 0, driveS: 0, settleS: 0, quietS: 0, reconcileS: 0 };
  // The workflow bundle and the apps are built from the working tree as it is now.
  const code = codeUnderTest();
  const logFile = path.join(paths.logDir, `${o.instance}-soak.log`);
  const logOut = fs.createWriteStream(logFile, { flags: 'w' });
  setLogSink((line) => logOut.write(line));
  const note = (line: string) => {
    log('soak', line);
    say(`[${at().toFixed(0).padStart(5)} s] ${line}`);
  };
  let platform: ChaosPlatform | undefined;
  let nc: NatsConnection | undefined;
  const peakKiB: Record<string, number> = {};
  let sampler: NodeJS.Timeout | undefined;
  try {
    note(`starting instance ${o.instance} (logs: ${paths.logDir}/${o.instance}-*.log)`);
    platform = await startChaosPlatform(o.instance);
    const p = platform;
    phases.startS = at();
    const bus = await connect({ servers: p.env.NATS_URL, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    nc = bus;
    note(`platform up in ${phases.startS} s: ${p.components.join(', ')}`);

    const sample = () => {
      for (const c of p.components) {
        const pid = p.infra.supervisor.pidOf(c);
        if (pid) peakKiB[c] = Math.max(peakKiB[c] ?? 0, treeRssKiB(pid));
      }
      peakKiB['soak harness'] = Math.max(peakKiB['soak harness'] ?? 0, process.memoryUsage().rss / 1024);
    };
    sampler = setInterval(sample, 5000);

    // Drive, while the killer runs.
    const driveStart = Date.now();
    const deadline = driveStart + o.driveMs;
    const journeys: Journey[] = Array.from({ length: o.journeys }, (_, i) =>
      planJourney(i, p.secret, 'C', o.fullEvery),
    );
    const identity = p.infra.identity;
    const driver = new JourneyDriver({ urls: p.urls, nc: bus, secret: p.secret, deadline, identity });
    let next = 0;
    let done = 0;
    const driving = Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next < journeys.length && Date.now() < deadline) {
          await driver.drive(journeys[next++]!);
          done++;
        }
      }),
    );
    let driveOver = false;
    void driving.finally(() => (driveOver = true));
    const killLog: KillRecord[] = [];
    const killing = (async () => {
      while (o.kills && !driveOver) {
        const wait = o.killMeanMs + (Math.random() * 2 - 1) * o.killJitterMs;
        const until = Date.now() + wait;
        while (!driveOver && Date.now() < until) await sleep(250);
        if (driveOver) break;
        const component = p.components[Math.floor(Math.random() * p.components.length)]!;
        const pids = p.infra.supervisor.kill(component, 'SIGKILL');
        killLog.push({ atS: at(), component, pids });
        note(`SIGKILL ${component} (pid ${pids.join(', ')}); journeys driven ${done}/${journeys.length}`);
      }
    })();
    const progress = setInterval(() => {
      sample();
      const mem = Object.entries(peakKiB)
        .map(([c, k]) => `${c} ${Math.round(k / 1024)}`)
        .join(', ');
      note(`journeys driven ${done}/${journeys.length}; peak MiB so far: ${mem}`);
    }, 30_000);
    await driving;
    await killing;
    clearInterval(progress);
    phases.driveS = Math.round((Date.now() - driveStart) / 100) / 10;
    note(`driving done in ${phases.driveS} s; ${killLog.length} kills`);

    // Quiet period: every component back and healthy, everything delivered, then reconcile until
    // it is clean or the quiet period is over.
    const quietStart = Date.now();
    const quietEnd = quietStart + o.quietMs;
    while (!(await settled(p).catch(() => false)) && Date.now() < quietEnd) await sleep(1000);
    phases.settleS = Math.round((Date.now() - quietStart) / 100) / 10;
    note(`components back and healthy after ${phases.settleS} s`);
    while (!(await drained(bus).catch(() => false)) && Date.now() < quietEnd) await sleep(2000);
    await sleep(10_000);
    let reconciliation: Reconciliation;
    let reconciliations = 0;
    for (;;) {
      const started = Date.now();
      reconciliation = await reconcile({
        journeys,
        databaseUrl: p.env.DATABASE_URL!,
        temporalAddress: p.env.TEMPORAL_ADDRESS!,
        dataConverter: dataConverterFrom(p.infra.payloadEncryption),
        orchestratorUrl: p.urls.orchestrator,
        liberationUrl: p.urls.liberation,
        nc: bus,
        identity,
      });
      reconciliations++;
      phases.reconcileS = Math.round((Date.now() - started) / 100) / 10;
      const outbox = Object.values(reconciliation.unpublishedOutbox).reduce((a, b) => a + b, 0);
      note(
        `reconciliation ${reconciliations}: ${problems(reconciliation)} problems, ${outbox} outbox rows unpublished (${phases.reconcileS} s)`,
      );
      if ((problems(reconciliation) === 0 && outbox === 0) || Date.now() + 20_000 > quietEnd) break;
      await sleep(20_000);
    }
    phases.quietS = Math.round((Date.now() - quietStart) / 100) / 10;
    const histories = await keepHistories(p.env.TEMPORAL_ADDRESS!, o.instance, reconciliation);
    if (histories.length) note(`histories of the journeys found wrong: ${histories.join(', ')}`);

    const restarts: Record<string, number> = {};
    for (const c of (await instanceStatus(o.instance))?.components ?? []) restarts[c.name] = c.restarts;
    const kills: Record<string, number> = Object.fromEntries(p.components.map((c) => [c, 0]));
    for (const k of killLog) kills[k.component]!++;
    const byStep = Object.fromEntries(
      STEPS.map((s) => {
        const recs = journeys.map((j) => j.steps[s]).filter((r) => r !== undefined);
        return [
          s,
          {
            journeys: recs.length,
            attempts: recs.reduce((n, r) => n + r.attempts, 0),
            acknowledged: recs.filter((r) => r.acked).length,
          },
        ];
      }),
    ) as SoakReport['requests']['byStep'];
    const stalled = journeys.filter((j) => j.stalled);
    const report: SoakReport = {
      result: problems(reconciliation) === 0 ? 'PASS' : 'FAIL',
      startedAt: new Date(t0).toISOString(),
      durationS: at(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.type()} ${os.release()}`,
      },
      code,
      options: o,
      phases,
      journeys: {
        attempted: journeys.filter((j) => j.steps.reception).length,
        byHttp: journeys.filter((j) => j.steps.reception && j.via === 'http').length,
        byBus: journeys.filter((j) => j.steps.reception && j.via === 'bus').length,
        receptionsAcknowledged: reconciliation.receptionsAcknowledged,
        stalled: stalled.length,
      },
      requests: {
        attempted: Object.values(byStep).reduce((n, s) => n + s.journeys, 0),
        acknowledged: Object.values(byStep).reduce((n, s) => n + s.acknowledged, 0),
        byStep,
      },
      kills,
      killLog,
      restarts,
      peakRssMiB: Object.fromEntries(Object.entries(peakKiB).map(([c, k]) => [c, Math.round(k / 1024)])),
      reconciliations,
      reconciliation,
      stalledExamples: stalled.slice(0, 10).map((j) => `${j.prisonNumber} (${j.via}): ${j.stalled}`),
    };
    note(`done: ${report.result}`);
    return report;
  } finally {
    clearInterval(sampler);
    await nc?.close().catch(() => undefined);
    await platform?.stop();
    setLogSink(undefined);
    logOut.end();
  }
}
