import type * as perfHooks from 'node:perf_hooks';
import { collectDefaultMetrics, type Registry } from 'prom-client';

type PerfHooks = {
  PerformanceObserver: typeof perfHooks.PerformanceObserver;
  monitorEventLoopDelay: typeof perfHooks.monitorEventLoopDelay;
};

/**
 * prom-client's default metrics (CPU, memory, handles, event-loop lag, GC) registered in `registry`,
 * and the function that stops them. prom-client never stops what it starts: its GC metric leaves a
 * `PerformanceObserver` observing for the life of the process (in the process-wide observer set)
 * and its event-loop-lag metric an enabled histogram. In production one app lives as long as its
 * process and that costs nothing; where apps come and go in one process (every integration test
 * file starts its own), the observer's callback kept the whole module graph of every closed app
 * alive: about 40 MB per test file, which once ran the test worker out of heap. So the observers
 * and histograms prom-client creates here are collected (it reads `perf_hooks`' members when
 * called, so they are wrapped for the duration of the call) and stopped with the app. (The
 * histogram alone would not keep the app: stopping it is tidiness.) If registering fails part way,
 * what was started is stopped before the error goes on.
 */
export function collectProcessMetrics(registry: Registry): () => void {
  // The module object itself (a `import *` namespace is read-only): prom-client requires the same one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hooks = require('node:perf_hooks') as PerfHooks;
  const observers: perfHooks.PerformanceObserver[] = [];
  const histograms: perfHooks.IntervalHistogram[] = [];
  const { PerformanceObserver, monitorEventLoopDelay } = hooks;
  hooks.PerformanceObserver = class extends PerformanceObserver {
    constructor(callback: perfHooks.PerformanceObserverCallback) {
      super(callback);
      observers.push(this);
    }
  };
  hooks.monitorEventLoopDelay = (options) => {
    const histogram = monitorEventLoopDelay(options);
    histograms.push(histogram);
    return histogram;
  };
  const stop = () => {
    for (const observer of observers.splice(0)) observer.disconnect();
    for (const histogram of histograms.splice(0)) histogram.disable();
  };
  try {
    collectDefaultMetrics({ register: registry });
  } catch (error) {
    stop();
    throw error;
  } finally {
    hooks.PerformanceObserver = PerformanceObserver;
    hooks.monitorEventLoopDelay = monitorEventLoopDelay;
  }
  return stop;
}
