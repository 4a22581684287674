import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { FinishedSpanRecord } from '@throughcare/contracts';

/** The tracer every hop of the platform's own code uses. */
export const TRACER_NAME = 'throughcare';

interface Tracing {
  provider: NodeTracerProvider;
  /** Where finished spans go: the OTLP exporter's batch processor, or none (ids only). */
  processor: SpanProcessor | undefined;
  resource: Resource;
  service: string;
}

let installed: Tracing | undefined;

/** Whether spans are exported: an OTLP endpoint is configured and the SDK is not disabled. */
export function tracesExported(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['OTEL_SDK_DISABLED'] === 'true') return false;
  if (env['OTEL_TRACES_EXPORTER'] === 'none') return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}

/**
 * Installs the process's OpenTelemetry tracer provider (once; later calls answer the first).
 *
 * Always registered, so every hop has a trace context to carry and every log line a trace id
 * and correlation id, with W3C trace context and baggage as the propagators. Spans leave the
 * process only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), as OTLP/HTTP JSON through a batch processor (the
 * standard `OTEL_BSP_*` variables tune it). No automatic instrumentation: the platform starts
 * its spans where its hops are (HTTP in, outbox relay, bus consumer, Temporal client, workflow,
 * activity), so what a trace shows is what the code does.
 */
export function startTracing(
  service: string,
  options: { processor?: SpanProcessor } = {},
): { service: string; exported: boolean } {
  if (!installed) {
    const resource = new Resource({ 'service.name': process.env['OTEL_SERVICE_NAME'] ?? service });
    // `options.processor`: a test's in-memory exporter instead of OTLP.
    const processor =
      options.processor ?? (tracesExported() ? new BatchSpanProcessor(new OTLPTraceExporter()) : undefined);
    const provider = new NodeTracerProvider({ resource, spanProcessors: processor ? [processor] : [] });
    provider.register();
    installed = { provider, processor, resource, service };
  }
  return { service: installed.service, exported: installed.processor !== undefined };
}

/**
 * The span processor and resource the Temporal workflow span sink exports through
 * (`makeWorkflowExporter`); undefined when spans are not exported.
 */
export function workflowSpanExport(): { processor: SpanProcessor; resource: Resource } | undefined {
  return installed?.processor ? { processor: installed.processor, resource: installed.resource } : undefined;
}

/** Sends the spans still buffered (before a process exits). */
export async function flushTracing(): Promise<void> {
  await installed?.provider.forceFlush().catch(() => undefined);
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` in a new span (child of `parent`, the active context by default) made active for
 * everything `fn` awaits; records a thrown error on the span and ends it either way.
 */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; parent?: Context; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/** `headers` with the trace context and baggage of `ctx` (the active one by default) added. */
export function injectTraceHeaders(
  headers: Record<string, string> = {},
  ctx: Context = context.active(),
): Record<string, string> {
  propagation.inject(ctx, headers);
  return headers;
}

/** A carrier with `get` and `keys`, e.g. NATS message headers. */
export interface HeaderReader {
  get(key: string): string;
  keys(): string[];
}

const readerGetter: TextMapGetter<HeaderReader> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

/** The trace context and baggage in `headers` (a plain record or a header reader), over `base`. */
export function extractTraceContext(
  headers: Record<string, string | string[] | undefined> | HeaderReader | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!headers) return base;
  if (
    typeof (headers as HeaderReader).get === 'function' &&
    typeof (headers as HeaderReader).keys === 'function'
  )
    return propagation.extract(base, headers as HeaderReader, readerGetter);
  return propagation.extract(base, headers as Record<string, string>);
}

export { SpanKind };

export type { FinishedSpanRecord };

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/**
 * Exports a span made outside this process's tracer (the journeys' workflow spans, whose ids the
 * workflow derives deterministically) through the same processor as every other span. Nothing
 * happens when spans are not exported.
 */
export function exportFinishedSpan(record: FinishedSpanRecord, kind: SpanKind = SpanKind.INTERNAL): void {
  const target = workflowSpanExport();
  if (!target) return;
  const durationMs = Math.max(0, record.endMs - record.startMs);
  const span: ReadableSpan = {
    name: record.name,
    kind,
    spanContext: () => ({ traceId: record.traceId, spanId: record.spanId, traceFlags: record.traceFlags }),
    parentSpanId: record.parentSpanId,
    startTime: hrTime(record.startMs),
    endTime: hrTime(record.startMs + durationMs),
    duration: hrTime(durationMs),
    status: { code: record.failed ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
    attributes: record.attributes,
    links: [],
    events: [],
    ended: true,
    resource: target.resource,
    instrumentationLibrary: { name: `${TRACER_NAME}-workflow` },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
  target.processor.onEnd(span);
}
