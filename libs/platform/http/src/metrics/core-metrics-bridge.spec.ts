import type { BufferedMetricUpdate } from '@temporalio/worker';
import { Gauge, Registry } from 'prom-client';
import { CoreMetricsBridge } from './core-metrics-bridge';

const update = (
  name: string,
  kind: BufferedMetricUpdate['metric']['kind'],
  value: number,
  attributes: Record<string, string | number | boolean>,
  unit = '',
): BufferedMetricUpdate => ({
  metric: { name, kind, unit, description: `${name} described`, valueType: 'float' },
  value,
  attributes,
});

describe('CoreMetricsBridge: the Temporal core buffer into one registry', () => {
  it('adds counter deltas, sets gauges, moves up-down counters and observes histograms (seconds buckets for latencies)', async () => {
    const registry = new Registry();
    const bridge = new CoreMetricsBridge(registry);
    const q = { namespace: 'default', task_queue: 'throughcare' };
    bridge.apply([
      update('temporal_workflow_completed', 'counter', 2, { ...q, workflow_type: 'throughcareJourney' }),
      update('temporal_workflow_completed', 'counter', 3, { ...q, workflow_type: 'throughcareJourney' }),
      update('temporal_sticky_cache_size', 'gauge', 7, q),
      update('temporal_sticky_cache_size', 'gauge', 4, q),
      update('temporal_num_pollers', 'up-down-counter', 2, q),
      update('temporal_num_pollers', 'up-down-counter', -1, q),
      update('temporal_workflow_task_execution_latency', 'histogram', 0.02, q, 's'),
      update('temporal_workflow_task_execution_latency', 'histogram', 3, q, 's'),
    ]);
    const text = await registry.metrics();
    expect(text).toContain(
      'temporal_workflow_completed{namespace="default",task_queue="throughcare",workflow_type="throughcareJourney"} 5',
    );
    expect(text).toContain('temporal_sticky_cache_size{namespace="default",task_queue="throughcare"} 4');
    expect(text).toContain('temporal_num_pollers{namespace="default",task_queue="throughcare"} 1');
    expect(text).toContain(
      'temporal_workflow_task_execution_latency_bucket{le="0.025",namespace="default",task_queue="throughcare"} 1',
    );
    expect(text).toContain(
      'temporal_workflow_task_execution_latency_count{namespace="default",task_queue="throughcare"} 2',
    );
    expect(text).toContain(
      '# HELP temporal_workflow_task_execution_latency temporal_workflow_task_execution_latency described (s)',
    );
  });

  it('keeps the first label set of a metric (an extra attribute later is dropped, a missing one empty) and skips a name already taken', async () => {
    const registry = new Registry();
    registry.registerMetric(
      new Gauge({
        name: 'temporal_taken',
        help: 'already here',
        registers: [],
      }),
    );
    const bridge = new CoreMetricsBridge(registry);
    bridge.apply([
      update('temporal_request', 'counter', 1, { operation: 'Poll', status: 'ok' }),
      update('temporal_request', 'counter', 1, { operation: 'Poll', extra: 'x' }),
      update('temporal_taken', 'counter', 1, {}),
    ]);
    const text = await registry.metrics();
    expect(text).toContain('temporal_request{operation="Poll",status="ok"} 1');
    expect(text).toContain('temporal_request{operation="Poll",status=""} 1');
    expect(text).not.toContain('extra');
    expect(text).toContain('temporal_taken 0');
  });
});
