import { Logger } from '@nestjs/common';
import { MetricsService, type MetricsSource } from './metrics.service';

/** The value of one sample of the service's registry, read back through prom-client. */
async function valueOf(metrics: MetricsService, name: string, labels: Record<string, string> = {}) {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
}

describe('MetricsService: sources read on scrape, cached, bounded in time', () => {
  let metrics: MetricsService;
  // The failures below are the subject: their warnings would only clutter the run.
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['fatal', 'error', 'warn', 'log']));
  beforeEach(() => {
    metrics = new MetricsService({ cacheMs: 60_000, collectTimeoutMs: 200 });
  });
  afterEach(() => metrics.onModuleDestroy());

  const counting = (name: string, value: () => number): MetricsSource & { calls: number } => {
    const source = {
      name,
      calls: 0,
      gauges: [{ name: `spec_${name}`, help: 'spec', labelNames: ['kind'] }],
      collect: async (report: (g: string, v: number, l?: Record<string, string>) => void) => {
        source.calls += 1;
        await Promise.resolve();
        report(`spec_${name}`, value(), { kind: 'a' });
      },
    };
    return source;
  };

  it("has its own registry with Node's default metrics and the errors counter at 0 per source", async () => {
    metrics.addSource(counting('ok', () => 1));
    const text = await metrics.scrape();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(await valueOf(metrics, 'throughcare_metrics_collect_errors_total', { source: 'ok' })).toBe(0);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('reuses a collection for cacheMs: two scrapes, one read; concurrent scrapes share one read', async () => {
    let n = 5;
    const source = counting('cached', () => n++);
    metrics.addSource(source);
    await Promise.all([metrics.scrape(), metrics.scrape()]);
    await metrics.scrape();
    expect(source.calls).toBe(1);
    expect(await valueOf(metrics, 'spec_cached', { kind: 'a' })).toBe(5);
  });

  it('a source that hangs: the scrape answers after the timeout with what it reported, the others, and one error', async () => {
    metrics.addSource(counting('fine', () => 3));
    let asked = 0;
    metrics.addSource({
      name: 'hangs',
      gauges: [{ name: 'spec_hangs', help: 'spec', labelNames: ['part'] }],
      collect: async (report) => {
        asked += 1;
        report('spec_hangs', 1, { part: 'first' });
        await new Promise(() => undefined); // never answers, as NATS down without a timeout
      },
    });
    const started = Date.now();
    await metrics.scrape();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await valueOf(metrics, 'spec_fine', { kind: 'a' })).toBe(3);
    expect(await valueOf(metrics, 'spec_hangs', { part: 'first' })).toBe(1);
    expect(await valueOf(metrics, 'throughcare_metrics_collect_errors_total', { source: 'hangs' })).toBe(1);
    // Not cached, so each scrape counts an error again; but a source still working on an earlier
    // scrape is not asked again (its queries would pile up).
    await metrics.scrape();
    await metrics.scrape();
    expect(await valueOf(metrics, 'throughcare_metrics_collect_errors_total', { source: 'hangs' })).toBe(3);
    expect(asked).toBe(1);
    expect(await valueOf(metrics, 'spec_hangs', { part: 'first' })).toBeUndefined();
  });

  it('a source that fails drops its old figures rather than show them as current', async () => {
    let fail = false;
    metrics.onModuleDestroy(); // the one beforeEach made (its GC observer would outlive the file)
    metrics = new MetricsService({ cacheMs: 0, collectTimeoutMs: 200 });
    metrics.addSource({
      name: 'flaky',
      gauges: [{ name: 'spec_flaky', help: 'spec' }],
      collect: async (report) => {
        await Promise.resolve();
        if (fail) throw new Error('connection refused');
        report('spec_flaky', 7);
      },
    });
    await metrics.scrape();
    expect(await valueOf(metrics, 'spec_flaky')).toBe(7);
    fail = true;
    await metrics.scrape();
    expect(await valueOf(metrics, 'spec_flaky')).toBeUndefined();
    expect(await valueOf(metrics, 'throughcare_metrics_collect_errors_total', { source: 'flaky' })).toBe(1);
  });

  it('refuses a source added twice, and a figure for a gauge its source does not declare', async () => {
    metrics.addSource(counting('once', () => 1));
    expect(() => metrics.addSource(counting('once', () => 1))).toThrow('added twice');
    metrics.addSource({
      name: 'undeclared',
      gauges: [],
      collect: async (report) => {
        await Promise.resolve();
        report('spec_other', 1);
      },
    });
    await metrics.scrape();
    expect(await valueOf(metrics, 'throughcare_metrics_collect_errors_total', { source: 'undeclared' })).toBe(
      1,
    );
  });
});
