import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BufferedMetricUpdate } from '@temporalio/worker';

/** Seconds: from a millisecond workflow task to a long-polling request. */
export const DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

type Translated =
  | { kind: 'counter'; labelNames: string[]; metric: Counter }
  | { kind: 'gauge'; labelNames: string[]; metric: Gauge }
  | { kind: 'up-down-counter'; labelNames: string[]; metric: Gauge }
  | { kind: 'histogram'; labelNames: string[]; metric: Histogram };

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A duration histogram (the core's latencies; the buffer is set to report durations in seconds). */
const isDuration = (name: string, unit: string | undefined) =>
  unit === 's' || unit === 'seconds' || /latency$/.test(name);

/**
 * Turns the Temporal core's buffered metric updates into prom-client metrics of one registry,
 * under the core's own names (`temporal_workflow_task_execution_latency` …) and attributes
 * (namespace, task queue, workflow or activity type: names from code, never a workflow id):
 * a counter's update is a delta, a gauge's the value, a histogram's one observation.
 * Each metric takes its label names from its first update; a later update's extra attribute is
 * dropped, a missing one is empty.
 */
export class CoreMetricsBridge {
  private readonly metrics = new Map<string, Translated | null>();

  constructor(private readonly registry: Registry) {}

  apply(updates: readonly BufferedMetricUpdate[]): void {
    for (const update of updates) this.one(update);
  }

  private one({ metric, value, attributes }: BufferedMetricUpdate): void {
    let translated = this.metrics.get(metric.name);
    if (translated === undefined) {
      translated = this.create(metric.name, metric.kind, metric.unit, metric.description, attributes);
      this.metrics.set(metric.name, translated);
    }
    if (translated === null || !Number.isFinite(value)) return;
    const labels = Object.fromEntries(
      translated.labelNames.map((l) => [l, attributes[l] === undefined ? '' : String(attributes[l])]),
    );
    switch (translated.kind) {
      case 'counter':
        if (value > 0) translated.metric.inc(labels, value);
        break;
      case 'up-down-counter':
        translated.metric.inc(labels, value);
        break;
      case 'gauge':
        translated.metric.set(labels, value);
        break;
      case 'histogram':
        translated.metric.observe(labels, value);
        break;
    }
  }

  /** The prom-client metric for a core metric; null when it cannot be one (it is then skipped). */
  private create(
    name: string,
    kind: string,
    unit: string | undefined,
    description: string | undefined,
    attributes: BufferedMetricUpdate['attributes'],
  ): Translated | null {
    if (!METRIC.test(name) || this.registry.getSingleMetric(name)) return null;
    const labelNames = Object.keys(attributes).filter((l) => LABEL.test(l) && !l.startsWith('__'));
    const help = `${description || name}${unit ? ` (${unit})` : ''}; from the Temporal core SDK`;
    const common = { name, help, labelNames, registers: [this.registry] };
    switch (kind) {
      case 'counter':
        return { kind, labelNames, metric: new Counter(common) };
      case 'gauge':
      case 'up-down-counter':
        return { kind, labelNames, metric: new Gauge(common) };
      case 'histogram':
        return {
          kind,
          labelNames,
          metric: new Histogram({
            ...common,
            ...(isDuration(name, unit) ? { buckets: DURATION_BUCKETS } : {}),
          }),
        };
      default:
        return null;
    }
  }
}
