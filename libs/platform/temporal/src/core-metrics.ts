import { MetricsBuffer, Runtime, type BufferedMetricUpdate } from '@temporalio/worker';

/**
 * The Temporal core SDK's own metrics (workflow task schedule-to-start and execution latency,
 * activity latencies, poller and slot figures …), handed to this process's listeners instead of
 * an exporter of the core's own: each app adds them to its `/metrics` (platform-http's
 * MetricsModule), so a process has one scrape endpoint, and several apps sharing one Runtime (a
 * Jest process) each see them.
 *
 * How: the Runtime's `telemetryOptions.metrics` is a {@link MetricsBuffer} (one per process); the
 * updates it gathers are drained every second while anybody listens (and on each scrape), and
 * every listener receives each update. Durations are in seconds.
 */
export type CoreMetricsListener = (updates: readonly BufferedMetricUpdate[]) => void;

/** Updates the core may hold between two drains (one a second); beyond it the core drops them. */
const MAX_BUFFERED = 100_000;
const DRAIN_EVERY_MS = 1000;

const buffer = new MetricsBuffer({ maxBufferSize: MAX_BUFFERED, useSecondsForDurations: true });
const listeners = new Set<CoreMetricsListener>();
let timer: NodeJS.Timeout | undefined;

/**
 * Makes the process's Temporal Runtime record the core's metrics into the buffer the listeners of
 * {@link onCoreMetrics} drain. Lazily, as `installCoreLogWatch` does: the options become
 * `Runtime.defaultOptions` (kept: the logger and log forwarding already set there), used when the
 * SDK next starts the Runtime. Answers whether the Runtime records them: false when a Runtime is
 * already running without the buffer (it must be called before the first Worker or NativeConnection)
 * or when options installed later replaced these. Call it after `installCoreLogWatch`, which sets
 * the whole of `Runtime.defaultOptions`.
 */
export function installCoreMetrics(): boolean {
  if (coreMetricsOn()) return true;
  if (Runtime._instance !== undefined) return false;
  const options = Runtime.defaultOptions;
  Runtime.defaultOptions = {
    ...options,
    telemetryOptions: { ...options.telemetryOptions, metrics: { buffer } },
  };
  return true;
}

/** Whether the Runtime's options (and the running Runtime, if any) record into the buffer. */
export function coreMetricsOn(): boolean {
  const metrics = Runtime.defaultOptions.telemetryOptions?.metrics;
  const configured = metrics !== undefined && 'buffer' in metrics && metrics.buffer === buffer;
  const running = Runtime._instance;
  return configured && (running === undefined || running.metricsBuffer === buffer);
}

/** Receives every update drained from now on; returns the unsubscribe. */
export function onCoreMetrics(listener: CoreMetricsListener): () => void {
  listeners.add(listener);
  timer ??= setInterval(drainCoreMetrics, DRAIN_EVERY_MS).unref();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Hands what the core recorded since the last drain to every listener (a scrape calls it first). */
export function drainCoreMetrics(): void {
  const updates = [...buffer.retrieveUpdates()];
  if (updates.length === 0) return;
  for (const listener of listeners) {
    try {
      listener(updates);
    } catch {
      // A listener's failure is its own; the others still receive the updates.
    }
  }
}
