import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';

/**
 * A workflow task the SDK core failed for non-determinism (TMPRL1100), as its worker logged it:
 * `Failing workflow task` (a task) or `Failing legacy query request` (a query that needed a replay).
 */
export interface CoreNondeterminism {
  runId: string;
  /** The failure's message, e.g. `[TMPRL1100] Nondeterminism error: Update machine does not handle …`. */
  message: string;
  /** The history event the replay could not match (`HistoryEvent(id: 51, TimerStarted)`), when named. */
  eventId?: number;
}

type Listener = (n: CoreNondeterminism) => void;

const listeners = new Set<Listener>();
let watching = false;

/**
 * Reads one forwarded core log entry: a non-determinism failure of a workflow task or of a legacy
 * query, with its run id and the event it names; anything else is undefined. Core (sdk-core of
 * @temporalio 1.24) logs these at WARN with the fields `run_id` and `failure` (the Debug form of a
 * `Failure`, whose message carries `[TMPRL1100]`); forwarded to Node, `run_id` arrives as `runId`.
 */
export function coreNondeterminismOf(
  message: string,
  meta: LogMetadata | undefined,
): CoreNondeterminism | undefined {
  if (!/^Failing (workflow task|legacy query request)/.test(message)) return undefined;
  const runId = meta?.['runId'] ?? meta?.['run_id'];
  const failure = meta?.['failure'];
  if (typeof runId !== 'string' || typeof failure !== 'string') return undefined;
  const found = /message: "(\[TMPRL1100\][^"]*)"/.exec(failure);
  if (!found) return undefined;
  const event = /HistoryEvent\(id: (\d+)/.exec(found[1]!);
  return { runId, message: found[1]!, ...(event ? { eventId: Number(event[1]) } : {}) };
}

/**
 * A Temporal `Logger` that passes every entry to `downstream` and hands the core's
 * non-determinism failures to the listeners of {@link onCoreNondeterminism}.
 */
export function coreLogTee(downstream: Logger): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const n = level === 'WARN' || level === 'ERROR' ? coreNondeterminismOf(message, meta) : undefined;
    if (n)
      for (const l of listeners) {
        try {
          l(n);
        } catch {
          // A listener's failure is its own to log; the log line still goes downstream.
        }
      }
    downstream.log(level, message, meta);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/**
 * Installs the process's Temporal Runtime with core logs forwarded through {@link coreLogTee}, so
 * that non-determinism failures reach {@link onCoreNondeterminism}. `level` is what is printed (the
 * SDK's default is INFO); core logs are forwarded from `coreLevel` (the SDK's default, WARN) or from
 * WARN if that is higher, since the watch reads WARN (and printed from `level`, as the rest). Must run before anything instantiates the
 * Runtime (a Worker, a NativeConnection); answers whether the watch is on (true as well when this
 * module installed it before). A Runtime someone else instantiated leaves it off: the caller logs that.
 */
export function installCoreLogWatch({
  level = 'INFO',
  coreLevel = 'WARN',
}: { level?: LogLevel; coreLevel?: LogLevel } = {}): boolean {
  if (watching) return true;
  const core: LogLevel = severity(coreLevel) > severity('WARN') ? 'WARN' : coreLevel;
  try {
    Runtime.install({
      logger: coreLogTee(new DefaultLogger(level)),
      // Native crates other than the core (gRPC, HTTP) at ERROR, as the SDK's default Runtime has them.
      telemetryOptions: { logging: { forward: {}, filter: { core, other: 'ERROR' } } },
    });
  } catch (e) {
    if (e instanceof IllegalStateError) return false;
    throw e;
  }
  watching = true;
  return true;
}

/** Whether {@link installCoreLogWatch} installed the Runtime of this process. */
export function coreLogWatchOn(): boolean {
  return watching;
}

/** Subscribes to the core's non-determinism failures; returns the unsubscribe. */
export function onCoreNondeterminism(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function severity(l: LogLevel): number {
  return ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].indexOf(l);
}
