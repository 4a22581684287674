import {
  context,
  diag,
  DiagLogLevel,
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
import { correlationIdIn, withCorrelationId } from './correlation';
import { rootLogger } from './logger';

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
    // `options.processor`: a test's in-memory exporter instead of OTLP. Either way every span
    // leaves through the redaction below.
    const inner =
      options.processor ?? (tracesExported() ? new BatchSpanProcessor(new OTLPTraceExporter()) : undefined);
    const processor = inner ? new RedactingSpanProcessor(inner) : undefined;
    // The SDK's own complaints (an export that failed, spans dropped) in the JSON log, not lost.
    diag.setLogger(
      {
        error: (message, ...args) => rootLogger().error({ component: 'opentelemetry', args }, message),
        warn: (message, ...args) => rootLogger().warn({ component: 'opentelemetry', args }, message),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.WARN,
    );
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

/** How long a shutdown waits for the last spans (a collector that does not answer is not waited for). */
const FLUSH_TIMEOUT_MS = 2000;

/** Sends the spans still buffered (before a process exits), waiting at most 2 s. */
export async function flushTracing(): Promise<void> {
  if (!installed) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    installed.provider.forceFlush().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS).unref())),
  ]);
  clearTimeout(timer);
}

/**
 * Every finished span without the text of its failures: exception events keep their type and
 * lose `exception.message` and `exception.stacktrace`, and the status its message. The platform's
 * own spans never record them; the Temporal interceptors' do (an activity's failure message), and
 * a message can quote the input that failed, which may be a person's data.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Parameters<SpanProcessor['onStart']>[0], parent: Context): void {
    this.inner.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(redactedSpan(span));
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const REDACTED_EXCEPTION_KEYS = new Set(['exception.message', 'exception.stacktrace']);

export function redactedSpan(span: ReadableSpan): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    ended: span.ended,
    status: { code: span.status.code },
    attributes: span.attributes,
    links: span.links,
    events: span.events.map((e) =>
      e.name === 'exception' && e.attributes
        ? {
            ...e,
            attributes: Object.fromEntries(
              Object.entries(e.attributes).filter(([k]) => !REDACTED_EXCEPTION_KEYS.has(k)),
            ),
          }
        : e,
    ),
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
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
    // The kind of failure, never its message: messages can quote the input (a person's data).
    span.setAttribute('error.type', errorTypeOf(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
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

/**
 * The trace context in `headers` (a plain record or a header reader), over `base`, with at most
 * the platform's own baggage: the correlation id, and only when `trusted` (a carrier the platform
 * wrote: an outbox row, a bus message). A caller's baggage is never taken: it would travel into
 * every row, message and Temporal header (which is not encrypted), whatever it holds.
 */
export function extractTraceContext(
  headers: Record<string, string | string[] | undefined> | HeaderReader | undefined,
  base: Context = ROOT_CONTEXT,
  { trusted = true }: { trusted?: boolean } = {},
): Context {
  if (!headers) return base;
  const extracted =
    typeof (headers as HeaderReader).get === 'function' &&
    typeof (headers as HeaderReader).keys === 'function'
      ? propagation.extract(base, headers as HeaderReader, readerGetter)
      : propagation.extract(base, headers as Record<string, string>);
  const correlationId = trusted ? correlationIdIn(extracted) : undefined;
  const bare = propagation.deleteBaggage(extracted);
  return correlationId ? withCorrelationId(bare, correlationId) : bare;
}

/** An error's class and, when it has one, its code (`DomainError`'s, a Node system error's). */
export function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[\w.:-]{1,80}$/.test(code) ? `${error.name}:${code}` : error.name;
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
