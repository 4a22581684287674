import { execFileSync } from 'node:child_process';
import { coreLogTee, coreNondeterminismOf, onCoreNondeterminism } from './core-log-watch';

// The `failure` field as sdk-core (of @temporalio/worker 1.24) logs it, copied from a replay of
// test/fixtures/sdk-nondeterminism/soak-2026-11-30-update-and-activity-result.timer.json.
const failure =
  'Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 51, TimerStarted)", source: "", stack_trace: "", encoded_attributes: None, cause: None, failure_info: Some(ApplicationFailureInfo(ApplicationFailureInfo { r#type: "", non_retryable: false, details: None, next_retry_delay: None, category: Unspecified })) }), force_cause: NonDeterministicError }';
const runId = '31e1b428-e040-4d8b-a9bf-d35b4000c0f9';

describe('coreNondeterminismOf', () => {
  it('reads a failed workflow task and a failed legacy query: run, message, event', () => {
    const expected = {
      runId,
      message:
        '[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 51, TimerStarted)',
      eventId: 51,
    };
    // Forwarded to Node, the core's `run_id` field arrives as `runId` (seen in journey-repair.int.spec.ts).
    expect(coreNondeterminismOf('Failing workflow task', { runId, failure })).toEqual(expected);
    expect(coreNondeterminismOf('Failing legacy query request', { runId, failure })).toEqual(expected);
    expect(coreNondeterminismOf('Failing workflow task', { run_id: runId, failure })).toEqual(expected);
  });

  it('ignores other lines, other failures, and entries without a run id', () => {
    const other = failure.replace(
      '[TMPRL1100] Nondeterminism error: Update machine',
      'Activity function boom',
    );
    expect(coreNondeterminismOf('Failing workflow task', { run_id: runId, failure: other })).toBeUndefined();
    expect(coreNondeterminismOf('Worker state changed', { run_id: runId, failure })).toBeUndefined();
    expect(coreNondeterminismOf('Failing workflow task', { failure })).toBeUndefined();
    expect(coreNondeterminismOf('Failing workflow task', undefined)).toBeUndefined();
  });

  it('a message naming no event gives no eventId', () => {
    const noEvent = failure.replace(/: HistoryEvent\(id: 51, TimerStarted\)/, '');
    expect(coreNondeterminismOf('Failing workflow task', { run_id: runId, failure: noEvent })).toEqual({
      runId,
      message: '[TMPRL1100] Nondeterminism error: Update machine does not handle this event',
    });
  });
});

describe('coreLogTee', () => {
  it('passes every entry downstream and hands WARN non-determinism entries to the listeners', () => {
    const downstream: Array<[string, string]> = [];
    const log = (level: string, message: string) => downstream.push([level, message]);
    const tee = coreLogTee({
      log,
      trace: (m) => log('TRACE', m),
      debug: (m) => log('DEBUG', m),
      info: (m) => log('INFO', m),
      warn: (m) => log('WARN', m),
      error: (m) => log('ERROR', m),
    });
    const seen: string[] = [];
    const off = onCoreNondeterminism((n) => seen.push(`${n.runId}@${n.eventId}`));
    const boom = onCoreNondeterminism(() => {
      throw new Error('a listener that fails');
    });
    tee.warn('Failing workflow task', { run_id: runId, failure });
    tee.info('Failing workflow task', { run_id: runId, failure });
    tee.log('WARN', 'something else', {});
    off();
    boom();
    tee.warn('Failing workflow task', { run_id: runId, failure });
    expect(seen).toEqual([`${runId}@51`]);
    expect(downstream).toEqual([
      ['WARN', 'Failing workflow task'],
      ['INFO', 'Failing workflow task'],
      ['WARN', 'something else'],
      ['WARN', 'Failing workflow task'],
    ]);
  });
});

describe('installCoreLogWatch', () => {
  // In a process of its own: the Runtime is one per process, and this one must start fresh.
  const run = (script: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
        cwd: __dirname,
        timeout: 30_000,
        encoding: 'utf8',
      }),
    ) as Record<string, unknown>;

  it('starts no Runtime: a process that opens no worker or connection exits at once', () => {
    const seen = run(`
      const { Runtime } = require('@temporalio/worker');
      const { installCoreLogWatch, coreLogWatchOn } = require('./core-log-watch');
      const on = installCoreLogWatch({ level: 'ERROR' });
      console.log(JSON.stringify({ on, watching: coreLogWatchOn(), started: Runtime._instance !== undefined }));
    `);
    expect(seen).toEqual({ on: true, watching: true, started: false });
  });

  it('the Runtime the SDK starts later forwards core logs from WARN, and once shut down lets the process exit', () => {
    const seen = run(`
      const { Runtime } = require('@temporalio/worker');
      const { installCoreLogWatch, coreLogWatchOn } = require('./core-log-watch');
      installCoreLogWatch({ level: 'ERROR', coreLevel: 'ERROR' });
      const runtime = Runtime.instance();
      const exporter = runtime.options.runtimeOptions.logExporter;
      runtime.shutdown().then(() =>
        console.log(JSON.stringify({ type: exporter.type, filter: exporter.filter, watching: coreLogWatchOn() })),
      );
    `);
    expect(seen).toEqual({
      type: 'forward',
      filter: expect.stringContaining('temporalio_sdk_core=WARN'),
      watching: true,
    });
  });

  it('is off when the Runtime was started before it, or given other options since', () => {
    const seen = run(`
      const { DefaultLogger, Runtime } = require('@temporalio/worker');
      const { installCoreLogWatch, coreLogWatchOn } = require('./core-log-watch');
      Runtime.install({ logger: new DefaultLogger('ERROR') });
      const before = installCoreLogWatch();
      Runtime.instance().shutdown().then(() => console.log(JSON.stringify({ before, watching: coreLogWatchOn() })));
    `);
    expect(seen).toEqual({ before: false, watching: false });
  });
});
