import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** The HTTP header a caller may send (and every answer carries) naming the correlation. */
export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * The W3C baggage entry that carries the correlation id wherever the trace context goes: the
 * outbox row's headers, the bus message's headers, Temporal's headers (the OpenTelemetry
 * interceptors inject and extract baggage with the trace). Log lines read it from the active
 * context, so a line written anywhere on the path names the correlation without being told.
 */
export const CORRELATION_BAGGAGE_KEY = 'throughcare.correlation_id';

/**
 * The correlation id a caller's header gives, as the services read it (trimmed, 1–200
 * characters), or undefined when it gives none that is usable.
 */
export function usableCorrelationId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

/** The correlation id of `ctx` (the active context by default), if one is set. */
export function correlationIdIn(ctx: Context = context.active()): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
}

/** `ctx` with `correlationId` as its correlation (other baggage kept). */
export function withCorrelationId(ctx: Context, correlationId: string): Context {
  const baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  return propagation.setBaggage(ctx, baggage.setEntry(CORRELATION_BAGGAGE_KEY, { value: correlationId }));
}

/** Runs `fn` with `correlationId` as the active correlation (in the active trace context). */
export function runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
  return context.with(withCorrelationId(context.active(), correlationId), fn);
}

/** A root context carrying only `correlationId`, for work that starts a trace of its own. */
export function correlationRoot(correlationId: string): Context {
  return withCorrelationId(ROOT_CONTEXT, correlationId);
}
