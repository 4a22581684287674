import {
  DefaultLogger,
  Runtime,
  type LogEntry,
  type LogLevel,
  type LogMetadata,
  type Logger,
} from '@temporalio/worker';
import { rootLogger } from '@throughcare/platform-observability';

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
  const tee: Logger = {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
  tees.add(tee);
  return tee;
}

const tees = new WeakSet<Logger>();
const isTee = (logger: Logger): boolean => tees.has(logger);

/**
 * Makes the process's Temporal Runtime forward core logs through {@link coreLogTee}, so that
 * non-determinism failures reach {@link onCoreNondeterminism}. `level` is what is printed (the
 * SDK's default is INFO); core logs are forwarded from `coreLevel` (the SDK's default, WARN) or
 * from WARN if that is higher, since the watch reads WARN.
 *
 * Lazily: these become the Runtime's options (`Runtime.defaultOptions`, which the SDK documents as
 * remembered for re-instantiation) without starting it. The SDK starts the Runtime with them when
 * the first Worker or NativeConnection needs one, shuts it down when the last is closed, and starts
 * it again with them if one is needed later. An eagerly installed forwarding Runtime (the SDK's
 * `Runtime.install`) is never shut down in a process that opens no worker or connection, and its
 * native log channel then keeps Node from exiting (a Jest run waited 30 s after its results, then
 * was stopped and counted failed).
 *
 * Must run before anything instantiates the Runtime; answers whether the watch is on (also when
 * this module set it before, unless other options were installed since). A Runtime someone else started leaves it off: the caller logs that.
 */
export function installCoreLogWatch({
  level = 'INFO',
  coreLevel = 'WARN',
}: { level?: LogLevel; coreLevel?: LogLevel } = {}): boolean {
  if (watching) return coreLogWatchOn();
  if (Runtime._instance !== undefined) return false;
  const core: LogLevel = severity(coreLevel) > severity('WARN') ? 'WARN' : coreLevel;
  Runtime.defaultOptions = {
    logger: coreLogTee(new DefaultLogger(level, toPlatformLog)),
    // Native crates other than the core (gRPC, HTTP) at ERROR, as the SDK's default Runtime has them.
    telemetryOptions: { logging: { forward: {}, filter: { core, other: 'ERROR' } } },
  };
  watching = true;
  return true;
}

/**
 * Whether the process's Temporal Runtime forwards core logs to the watch: {@link installCoreLogWatch}
 * set its options, and nobody installed other options since.
 */
export function coreLogWatchOn(): boolean {
  return watching && Runtime.defaultOptions.logger !== undefined && isTee(Runtime.defaultOptions.logger);
}

/** Subscribes to the core's non-determinism failures; returns the unsubscribe. */
export function onCoreNondeterminism(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** LOG_LEVEL (Nest's level names) as the Temporal SDK's. */
export const TEMPORAL_LEVEL = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  log: 'INFO',
  debug: 'DEBUG',
  verbose: 'TRACE',
} as const satisfies Record<string, LogLevel>;

/**
 * Makes the process's Temporal Runtime write the SDK's and its activities' log lines to the
 * platform's JSON log at `level`, unless it is already running or someone set its logger (the
 * orchestrator's core log watch, a test file's quiet Runtime). For the services' activity workers.
 */
export function usePlatformLogForTemporal(level: LogLevel): void {
  if (Runtime._instance !== undefined || Runtime.defaultOptions.logger !== undefined) return;
  Runtime.defaultOptions = { ...Runtime.defaultOptions, logger: new DefaultLogger(level, toPlatformLog) };
}

const PINO_OF = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Writes a Temporal log entry (the SDK's, the core's, a workflow's or an activity's) to the
 * platform's JSON log, with its metadata as fields (an Error as its message and stack) and, for an
 * activity's line, the correlation and trace ids of the activity's context.
 */
export function toPlatformLog(entry: LogEntry): void {
  const fields: Record<string, unknown> = { component: 'temporal' };
  for (const [key, value] of Object.entries(entry.meta ?? {}))
    fields[key] = value instanceof Error ? { message: value.message, stack: value.stack } : value;
  rootLogger()[PINO_OF[entry.level]](fields, entry.message);
}

function severity(l: LogLevel): number {
  return ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].indexOf(l);
}
