import type * as perfHooks from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from './process-metrics';

describe('collectProcessMetrics', () => {
  afterEach(() => jest.restoreAllMocks());

  it("registers Node's default metrics, the GC and event-loop-lag ones included", async () => {
    const registry = new Registry();
    const stop = collectProcessMetrics(registry);
    try {
      const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'process_cpu_seconds_total',
          'nodejs_heap_size_used_bytes',
          'nodejs_eventloop_lag_p99_seconds',
          'nodejs_gc_duration_seconds',
        ]),
      );
    } finally {
      stop();
    }
  });

  it('stops the observer and the histogram prom-client starts, and leaves perf_hooks as it was', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hooks = require('node:perf_hooks') as typeof perfHooks;
    const { PerformanceObserver, monitorEventLoopDelay } = hooks;
    const disconnect = jest.spyOn(PerformanceObserver.prototype, 'disconnect');
    const disabled: jest.SpyInstance[] = [];
    jest.spyOn(hooks, 'monitorEventLoopDelay').mockImplementation((options) => {
      const histogram = monitorEventLoopDelay(options);
      disabled.push(jest.spyOn(histogram, 'disable'));
      return histogram;
    });
    const wrapped = hooks.monitorEventLoopDelay;

    const stop = collectProcessMetrics(new Registry());
    expect(hooks.PerformanceObserver).toBe(PerformanceObserver);
    expect(hooks.monitorEventLoopDelay).toBe(wrapped);
    expect(disabled).toHaveLength(1);
    expect(disconnect).not.toHaveBeenCalled();
    expect(disabled[0]).not.toHaveBeenCalled();

    stop();
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(disabled[0]).toHaveBeenCalledTimes(1);
    stop(); // twice is harmless
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(disabled[0]).toHaveBeenCalledTimes(1);
  });
});
