/**
 * The workflow hop of a trace, replay-safe: the journeys' bundles load this module as a workflow
 * interceptor (journeyBundleOptions' `workflowInterceptorModules`).
 *
 * Why not `@temporalio/interceptors-opentelemetry`'s workflow interceptors: they make span ids with
 * `Math.random`, which in a workflow is the seeded stream `uuid4()` also draws from. The journey
 * mints referral ids with `uuid4()`, so spans would shift those ids from what a history recorded
 * without them holds, and a query span (queries are never replayed) would shift them between a
 * cached run and its replay. Here no randomness is used:
 *
 * - A message that arrives with a trace (the start, a signal, an update: the client interceptor
 *   puts the caller's context in the `_tracer-data` header) gets a span `RunWorkflow:<type>`,
 *   `HandleSignal:<name>` or `HandleUpdate:<name>` in that trace. Its id is derived from the run
 *   id and the message's place among the run's traced messages (FNV-1a), so a replay makes the
 *   same id; it is exported through the `journeyTracing` sink, which the SDK does not call during
 *   replay, so it is exported once.
 * - Whatever the journey then schedules (activities, a child, a signal, continue-as-new) carries
 *   the latest such span as its parent: the activity that a release-date change causes is in that
 *   change's trace, not the reception's.
 * - Headers only: the commands, their order and inputs are the same, so running journeys are not
 *   changed (the replay spec replays every recorded history with this module loaded).
 *
 * Queries and update validators (not replayed) are left alone.
 */
import { defaultPayloadConverter, type Headers, type Payload } from '@temporalio/common';
import { activityFailingSignal, type FinishedSpanRecord } from '@throughcare/contracts';
import {
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type SignalInput,
  type SignalWorkflowInput,
  type Sinks,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header the OpenTelemetry client and activity interceptors read and write. */
export const TRACE_HEADER = '_tracer-data';

/**
 * A finished workflow span, as the sink takes it (plain data: it crosses out of the isolate).
 * A type only: nothing of the observability library is bundled into the workflows.
 */
export type WorkflowSpanRecord = FinishedSpanRecord;

export interface JourneyTracingSinks extends Sinks {
  journeyTracing: { export(span: WorkflowSpanRecord): void };
}

interface Cause {
  traceId: string;
  spanId: string;
  traceFlags: number;
  baggage?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context in a message's headers, if it carries one. */
export function causeOf(headers: Headers | undefined): Cause | undefined {
  const payload = headers?.[TRACE_HEADER];
  if (!payload) return undefined;
  let carrier: unknown;
  try {
    carrier = defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  const { traceparent, baggage } = carrier as { traceparent?: unknown; baggage?: unknown };
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return undefined;
  return {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: parseInt(m[3]!, 16),
    ...(typeof baggage === 'string' ? { baggage } : {}),
  };
}

/** FNV-1a (64 bits) of `text` as 16 hex digits, never all zeros. */
export function deterministicSpanId(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (hash === 0n ? 1n : hash).toString(16).padStart(16, '0');
}

/** The header `cause` puts on what the workflow schedules. */
function headerFor(cause: Cause): Payload {
  const traceparent = `00-${cause.traceId}-${cause.spanId}-${cause.traceFlags.toString(16).padStart(2, '0')}`;
  return defaultPayloadConverter.toPayload({
    traceparent,
    ...(cause.baggage ? { baggage: cause.baggage } : {}),
  }) as Payload;
}

/**
 * How long after a traced message what the journey schedules is still counted as its doing (workflow
 * time). A breach or a reminder a timer wakes months later is not the reception's: its activity
 * starts a trace of its own instead of hanging off a span long gone from any trace store.
 */
export const CAUSE_WINDOW_MS = 10 * 60_000;

/** The correlation id in a W3C baggage header's `throughcare.correlation_id` entry. */
export function correlationOfBaggage(baggage: string | undefined): string | undefined {
  const m = baggage ? /(?:^|,)\s*throughcare\.correlation_id\s*=\s*([^,;]*)/.exec(baggage) : null;
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!.trim()) || undefined;
  } catch {
    return undefined;
  }
}

class JourneyTrace {
  /**
   * The span of the latest message, and when it came: the parent of what is scheduled next,
   * within {@link CAUSE_WINDOW_MS}. A later message without a trace (an operator's signal from the
   * UI, a caller without the interceptor) clears it: what follows is not the earlier message's doing.
   * One cause per run: handlers that overlap (one waiting on an activity while another message
   * arrives) attribute their later steps to the latest message.
   */
  cause: (Cause & { at: number }) | undefined;
  private seq = 0;
  private readonly sinks = proxySinks<JourneyTracingSinks>();

  /**
   * Runs `run` (the next interceptor) as the current cause when `headers` carry a trace, and
   * exports its span when it settles. Adds no await of its own: `run`'s promise is what the SDK
   * gets, so the workflow's commands come in the same order as without tracing (an extra tick
   * here reordered an update's completion against an activity in a recorded history).
   */
  within<T>(name: string, headers: Headers, run: () => Promise<T>): Promise<T> {
    const parent = causeOf(headers);
    if (!parent) {
      this.untraced();
      return run();
    }
    const span = this.begin(parent);
    const startMs = Date.now();
    let result: Promise<T>;
    try {
      result = run();
    } catch (e) {
      this.end(name, parent, span, startMs, true);
      throw e;
    }
    result.then(
      () => this.end(name, parent, span, startMs, false),
      () => this.end(name, parent, span, startMs, true),
    );
    return result;
  }

  /** A span that starts and ends now (the run's start). */
  mark(name: string, headers: Headers): void {
    const parent = causeOf(headers);
    if (!parent) {
      this.untraced();
      return;
    }
    this.end(name, parent, this.begin(parent), Date.now(), false);
  }

  private begin(parent: Cause): Cause {
    this.seq += 1;
    const span: Cause = {
      traceId: parent.traceId,
      spanId: deterministicSpanId(`${workflowInfo().runId}:${this.seq}`),
      traceFlags: parent.traceFlags,
      ...(parent.baggage ? { baggage: parent.baggage } : {}),
    };
    this.cause = { ...span, at: Date.now() };
    return span;
  }

  private end(name: string, parent: Cause, span: Cause, startMs: number, failed: boolean): void {
    const info = workflowInfo();
    this.sinks.journeyTracing.export({
      name,
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: parent.spanId,
      traceFlags: span.traceFlags,
      startMs,
      endMs: Math.max(startMs, Date.now()),
      failed,
      attributes: {
        'temporal.workflow.id': info.workflowId,
        'temporal.run.id': info.runId,
        'temporal.workflow.type': info.workflowType,
      },
    });
  }

  /** `headers` with the current cause added (a header the caller set is kept). */
  /**
   * A message without a trace ends the cause, unless it came with the traced one (the same
   * workflow time: signal-with-start's signal, which a server may deliver without the start's
   * header).
   */
  private untraced(): void {
    if (this.cause && Date.now() > this.cause.at) this.cause = undefined;
  }

  /** The current cause, while it is recent enough to count. */
  current(): Cause | undefined {
    return this.cause && Date.now() - this.cause.at <= CAUSE_WINDOW_MS ? this.cause : undefined;
  }

  carry(headers: Headers): Headers {
    const cause = this.current();
    if (!cause || headers[TRACE_HEADER]) return headers;
    return { ...headers, [TRACE_HEADER]: headerFor(cause) };
  }
}

class Inbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly t: JourneyTrace) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    // The run's start is a span of its own, ended at once: a journey runs for months, and a span
    // exported only when it ends would be seen after the person is released.
    this.t.mark(`RunWorkflow:${workflowInfo().workflowType}`, input.headers);
    return next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
    // A worker's report of an activity still failing (failing-activity-1) is about work the journey
    // already does, not a new cause: it neither starts a span nor ends the current trace.
    if (input.signalName === activityFailingSignal.name) return next(input);
    return this.t.within(`HandleSignal:${input.signalName}`, input.headers, () => next(input));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
    return this.t.within(`HandleUpdate:${input.name}`, input.headers, () => next(input));
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly t: JourneyTrace) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next({ ...input, headers: this.t.carry(input.headers) });
  }
  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return next({ ...input, headers: this.t.carry(input.headers) });
  }
  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return next({ ...input, headers: this.t.carry(input.headers) });
  }
  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) {
    return next({ ...input, headers: this.t.carry(input.headers) });
  }
  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>) {
    return next({ ...input, headers: this.t.carry(input.headers) });
  }
  /** The journey's log lines name the trace and correlation of what it is doing (fields only). */
  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const cause = this.t.current();
    if (!cause) return next(input);
    const correlationId = correlationOfBaggage(cause.baggage);
    return next({
      ...input,
      traceId: cause.traceId,
      spanId: cause.spanId,
      ...(correlationId ? { correlationId } : {}),
    });
  }
}

/** One trace state per workflow run (the SDK calls this factory for each). */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const t = new JourneyTrace();
  return { inbound: [new Inbound(t)], outbound: [new Outbound(t)] };
};
