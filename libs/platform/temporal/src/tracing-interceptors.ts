import { context } from '@opentelemetry/api';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { usableCorrelationId, withCorrelationId } from '@throughcare/platform-observability';

/**
 * The client side of a trace's Temporal hop: starting, signalling or updating a workflow is a
 * CLIENT span whose context (and the correlation id, as baggage) goes to the workflow in the
 * `_tracer-data` header.
 */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/**
 * An activity's correlation is the one its input names (`correlationId`, which the journey passes
 * from the event that caused the call) when it names one; else the header's baggage stands.
 */
class CorrelationFromInput implements ActivityInboundCallsInterceptor {
  execute: ActivityInboundCallsInterceptor['execute'] = (input, next) => {
    const first: unknown = input.args[0];
    const id =
      typeof first === 'object' && first !== null
        ? usableCorrelationId((first as { correlationId?: unknown }).correlationId)
        : undefined;
    if (!id) return next(input);
    return context.with(withCorrelationId(context.active(), id), () => next(input));
  };
}

/**
 * The activity side: each run is a span (`RunActivity:<type>`) in the trace of whatever the
 * workflow was handling when it scheduled it, so the activity's log lines and the events it
 * writes to its outbox continue that trace.
 */
export function tracingActivityInterceptors(): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    () => ({ inbound: new CorrelationFromInput() }),
  ];
}
