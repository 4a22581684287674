import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { drainCoreMetrics, installCoreMetrics, onCoreMetrics } from '@throughcare/platform-temporal';
import { CoreMetricsBridge } from './core-metrics-bridge';
import { collectProcessMetrics } from './process-metrics';

export type MetricLabels = Record<string, string>;

/** A gauge a source reports; its label names are fixed (bounded values only: codes, names, enums). */
export interface GaugeSpec {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** Hands one figure to the scrape; figures reported before a source fails or times out are kept. */
export type MetricReport = (gauge: string, value: number, labels?: MetricLabels) => void;

/**
 * Figures read when Prometheus scrapes (a count in Postgres, a consumer's info from JetStream, a
 * Temporal visibility count), reused for `cacheMs`. A source that fails or does not answer in
 * time adds one to `throughcare_metrics_collect_errors_total{source}` and shows only what it
 * reported before; the scrape still answers.
 */
export interface MetricsSource {
  /** The `source` label of the errors counter. */
  readonly name: string;
  readonly gauges: readonly GaugeSpec[];
  /** How long one collection is reused; default the module's `cacheMs`. */
  readonly cacheMs?: number;
  collect(report: MetricReport): Promise<void>;
}

export interface MetricsOptions {
  /** How long a collection is reused, per source (default 5 s): scrapes never pile up queries. */
  cacheMs?: number;
  /** How long a source may take before the scrape answers without it (default 2 s). */
  collectTimeoutMs?: number;
}

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

interface Entry {
  source: MetricsSource;
  gauges: Map<string, Gauge>;
  collectedAt?: number;
  inFlight?: Promise<void>;
  /** The source's own work, until it settles (it can outlive the scrape that started it). */
  running?: Promise<unknown>;
}

/**
 * One app's Prometheus registry (its own, not prom-client's global one, so that several apps in
 * one process keep their figures apart): Node's default metrics, the Temporal core SDK's metrics
 * of this process, and the figures of the sources the app adds (`addSource`).
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly entries = new Map<string, Entry>();
  private readonly errors: Counter<'source'>;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly stopCore: () => void;
  private readonly stopProcess: () => void;

  constructor(@Inject(METRICS_OPTIONS) options: MetricsOptions) {
    this.cacheMs = options.cacheMs ?? 5000;
    this.timeoutMs = options.collectTimeoutMs ?? 2000;
    this.stopProcess = collectProcessMetrics(this.registry);
    this.errors = new Counter({
      name: 'throughcare_metrics_collect_errors_total',
      help: 'Collections of a source that failed or timed out during a scrape (its figures are then missing or partial)',
      labelNames: ['source'],
      registers: [this.registry],
    });
    // Before any worker of the app starts the Temporal Runtime (workers start at bootstrap).
    if (!installCoreMetrics())
      this.logger.warn(
        'Temporal core metrics not recorded: the Temporal Runtime was started before the metrics module (or with other metrics options)',
      );
    const bridge = new CoreMetricsBridge(this.registry);
    this.stopCore = onCoreMetrics((updates) => bridge.apply(updates));
  }

  addSource(source: MetricsSource): void {
    if (this.entries.has(source.name)) throw new Error(`metrics source ${source.name} added twice`);
    const gauges = new Map(
      source.gauges.map((spec) => [
        spec.name,
        new Gauge({
          name: spec.name,
          help: spec.help,
          labelNames: [...(spec.labelNames ?? [])],
          registers: [this.registry],
        }),
      ]),
    );
    this.errors.inc({ source: source.name }, 0);
    this.entries.set(source.name, { source, gauges });
  }

  /** The exposition text: every source refreshed (or its cached figures), then the registry. */
  async scrape(): Promise<string> {
    await Promise.all([...this.entries.values()].map((entry) => this.refresh(entry)));
    drainCoreMetrics();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleDestroy(): void {
    this.stopCore();
    this.stopProcess();
  }

  private refresh(entry: Entry): Promise<void> {
    const cacheMs = entry.source.cacheMs ?? this.cacheMs;
    if (entry.collectedAt !== undefined && Date.now() - entry.collectedAt < cacheMs) return Promise.resolve();
    entry.inFlight ??= this.collect(entry).finally(() => {
      entry.inFlight = undefined;
    });
    return entry.inFlight;
  }

  private async collect(entry: Entry): Promise<void> {
    const { source, gauges } = entry;
    const samples: { gauge: Gauge; value: number; labels: MetricLabels }[] = [];
    let open = true;
    const report: MetricReport = (name, value, labels = {}) => {
      const gauge = gauges.get(name);
      if (!gauge) throw new Error(`${source.name} reported ${name}, which it does not declare`);
      if (open && Number.isFinite(value)) samples.push({ gauge, value, labels });
    };
    let timer: NodeJS.Timeout | undefined;
    let succeeded = false;
    // A source still working on an earlier scrape (it outlived its timeout) is not asked again:
    // asking every scrape would pile its queries up on a database or server already slow.
    const work = entry.running
      ? Promise.reject(new Error(`its earlier collection has not finished (over ${this.timeoutMs} ms)`))
      : Promise.resolve().then(() => source.collect(report));
    work.catch(() => undefined); // failing after its time is up: already counted as a timeout
    if (!entry.running) {
      entry.running = work;
      const done = () => {
        if (entry.running === work) entry.running = undefined;
      };
      work.then(done, done);
    }
    try {
      await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      entry.collectedAt = Date.now();
      succeeded = true;
    } catch (error) {
      entry.collectedAt = undefined;
      this.errors.inc({ source: source.name });
      this.logger.warn(
        `metrics source ${source.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      clearTimeout(timer);
      // A late answer changes nothing: this scrape shows what came in time, the next asks again.
      open = false;
      for (const [name, gauge] of gauges) {
        gauge.reset();
        // A gauge without labels always shows a value (0 after a reset): a figure not read is
        // taken out of the registry instead, so that nobody reads a 0 that was never measured.
        const shown = succeeded || samples.some((s) => s.gauge === gauge);
        const registered = this.registry.getSingleMetric(name) !== undefined;
        if (shown && !registered) this.registry.registerMetric(gauge);
        if (!shown && registered) this.registry.removeSingleMetric(name);
      }
      for (const { gauge, value, labels } of samples) gauge.set(labels, value);
    }
  }
}
