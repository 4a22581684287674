import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { coreScreenCompletedUpdate, type ThroughcareInput } from '@throughcare/contracts';
import { correlationRoot, startTracing, tracer } from '@throughcare/platform-observability';
import { tracingClientInterceptors } from '@throughcare/platform-temporal';
import { journeyTracingSinks } from '../worker/journey-tracing';
import {
  journeyBundle,
  receptionInput,
  recordingActivities,
  startJourney,
  tell,
  useJourneyEnvironment,
  waitForPlan,
  withWorkers,
} from './journey-harness';
import { TRACE_HEADER } from './tracing.interceptors';

// The spans this file's process exports: the workflow's (through the sink) and the client's.
const exported = new InMemorySpanExporter();
startTracing('journey-tracing-spec', { processor: new SimpleSpanProcessor(exported) });

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

const traceparentOf = (headers: Record<string, unknown> | null | undefined): string | undefined => {
  const payload = headers?.[TRACE_HEADER];
  return payload
    ? defaultPayloadConverter.fromPayload<{ traceparent: string }>(payload as never).traceparent
    : undefined;
};

describe('journey: the workflow hop of a trace (issue 11), replay-safe', () => {
  it('puts its start and updates in the caller’s trace, parents what it schedules on the latest, exports each span once, and replays its own traced history', async () => {
    const acts = recordingActivities({ client: env.client });
    const input: ThroughcareInput = await receptionInput(env);
    // A client as the bridge has it: starts and updates carry the caller's trace.
    const client = new Client({
      connection: env.connection,
      dataConverter: env.client.options.dataConverter,
      interceptors: { workflow: tracingClientInterceptors() },
    });
    const root = tracer().startSpan('spec: a reception', {}, correlationRoot('case-42'));
    const inRoot = trace.setSpan(correlationRoot('case-42'), root);
    const traceId = root.spanContext().traceId;
    // No sticky cache: every workflow task replays the history before its new events, so a span
    // exported during a replay would be exported again (each must be there once).
    await withWorkers(
      env,
      acts,
      async () => {
        const handle = await context.with(inRoot, () => startJourney(env, input, client));
        const asked = await waitForPlan(
          handle,
          (p) => p.assessmentId !== undefined,
          'the core screen asked for',
        );
        await context.with(inRoot, () =>
          tell(handle, coreScreenCompletedUpdate, {
            assessmentId: asked.assessmentId!,
            needs: ['ACCOMMODATION'],
            riskOfSeriousHarm: 'LOW',
            completedAt: input.receivedAt,
            eventId: 'core-1',
          }),
        );
        await waitForPlan(handle, (p) => p.stage !== 'CORE_SCREEN', 'past the core screen');
        root.end();

        const spans = exported.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        const byName = (name: string) => spans.filter((s) => s.name === name);
        // Each span once, though every workflow task replayed the history before it.
        expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(spans.length);
        const [start] = byName('SignalWithStartWorkflow:throughcareJourney');
        const [update] = byName(`StartWorkflowUpdate:${coreScreenCompletedUpdate.name}`);
        expect(start?.parentSpanId).toBe(root.spanContext().spanId);
        expect(update?.parentSpanId).toBe(root.spanContext().spanId);
        // Each once, parented on the client span that sent it. Whether the reception signal has a
        // span depends on the server keeping signal-with-start's header on the signal too (the dev
        // server does: the end-to-end trace test asserts it; the Java test server does not).
        const run = byName('RunWorkflow:throughcareJourney');
        const signalled = byName('HandleSignal:reception');
        const updated = byName(`HandleUpdate:${coreScreenCompletedUpdate.name}`);
        expect([run.length, updated.length]).toEqual([1, 1]);
        expect(signalled.length).toBeLessThanOrEqual(1);
        for (const s of signalled) expect(s.parentSpanId).toBe(start!.spanContext().spanId);
        expect(run[0]!.parentSpanId).toBe(start!.spanContext().spanId);
        expect(updated[0]!.parentSpanId).toBe(update!.spanContext().spanId);
        expect(updated[0]!.attributes['temporal.workflow.id']).toBe(handle.workflowId);

        // What the journey scheduled carries the latest traced message as parent: the first steps
        // under the run's start (or the reception signal's), what followed the update under the
        // update's. A message without a trace (the harness's own activities signal the journey
        // through an untraced client) ends the cause: what follows it has no parent here.
        const history = await handle.fetchHistory();
        const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
        const parents = scheduled.map((e) => ({
          type: e.activityTaskScheduledEventAttributes!.activityType!.name!,
          parent: traceparentOf(e.activityTaskScheduledEventAttributes!.header?.fields as never),
        }));
        const traceparent = (s: { spanContext(): { spanId: string } }) =>
          `00-${traceId}-${s.spanContext().spanId}-01`;
        const ids = [run[0]!, ...signalled, updated[0]!].map(traceparent);
        const shown = JSON.stringify(parents);
        expect({ first: ids.slice(0, -1).includes(parents[0]!.parent!), shown }).toEqual({
          first: true,
          shown,
        });
        expect({ afterUpdate: parents.some((p) => p.parent === traceparent(updated[0]!)), shown }).toEqual({
          afterUpdate: true,
          shown,
        });
        expect(parents.every((p) => p.parent === undefined || ids.includes(p.parent))).toBe(true);

        // The traced history replays with the same bundle, and replay exports nothing again.
        const before = exported.getFinishedSpans().length;
        await expect(
          Worker.runReplayHistory(
            {
              workflowBundle: await journeyBundle(),
              sinks: journeyTracingSinks(),
              dataConverter: env.client.options.dataConverter,
            },
            history,
            handle.workflowId,
          ),
        ).resolves.toBeUndefined();
        expect(exported.getFinishedSpans().length).toBe(before);
      },
      { maxCachedWorkflows: 0 },
    );
  });
});
