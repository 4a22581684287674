import { randomUUID } from 'node:crypto';
import {
  context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CORRELATION_HEADER,
  extractTraceContext,
  flushTracing,
  SpanKind,
  tracer,
  usableCorrelationId,
  withCorrelationId,
  type Logger,
} from '@throughcare/platform-observability';

interface RequestTrace {
  ctx: Context;
  span: Span;
  correlationId: string;
  started: bigint;
  /** A health check or a scrape: no span, its line at debug. */
  probe: boolean;
  ended?: boolean;
}

/** Routes polled by machines: traced by nobody, logged at debug. */
const PROBES = new Set(['/health', '/metrics']);

const TRACE = Symbol('throughcare.requestTrace');
type Traced = FastifyRequest & { [TRACE]?: RequestTrace };

/** The trace context and correlation id of a request (undefined before `traceRequests` saw it). */
export function requestTraceOf(request: unknown): { ctx: Context; correlationId: string } | undefined {
  return (request as Traced)[TRACE];
}

/**
 * The HTTP hop of a trace: every request gets a correlation id and a server span.
 *
 * - The correlation id is the caller's `x-correlation-id` (trimmed, as the services read it); a
 *   request without a usable one gets a new UUID (`requestTraceOf`, and the active context's
 *   `correlationIdIn()`, which liberation and referral take for their events). The request's
 *   headers are not changed: assessment still refuses a malformed header (its OpenAPI says so)
 *   and, without one, continues the correlation of the assessment it completes. Every answer
 *   names the request's id in `x-correlation-id`.
 * - The span (`GET /route/{param}`, kind SERVER) continues the caller's W3C `traceparent` when
 *   sent, and carries the correlation id as baggage to whatever the request causes (an outbox
 *   row, a Temporal call).
 * - One `request completed` line per request: method, route template (never the path with its
 *   ids), status (or `aborted`, when the client left first) and duration. `/health` and
 *   `/metrics` (polled by machines) get no span and their line at debug level.
 *
 * The rest of the request (body parsing, guards, the handler, the error filter) runs in the
 * context the hook enters: request-tracing.spec.ts checks it with a body that arrives later.
 */
export function traceRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers[CORRELATION_HEADER];
    const first = Array.isArray(given) ? given[0] : given;
    // The request's headers are left as they came: a service that falls back to a correlation of
    // its own (the assessment's, continuing the case it belongs to) still does.
    const correlationId = usableCorrelationId(first) ?? randomUUID();
    void reply.header(CORRELATION_HEADER, correlationId);
    // The caller's traceparent is continued; its baggage is not taken (extractTraceContext).
    const parent = withCorrelationId(
      extractTraceContext(request.headers, ROOT_CONTEXT, { trusted: false }),
      correlationId,
    );
    const route = request.routeOptions.url ?? 'unmatched route';
    // Probes and scrapes (every few seconds, from load balancers and Prometheus): no span.
    const probe = PROBES.has(route);
    const span = probe
      ? trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
      : tracer().startSpan(
          `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': request.method,
              'http.route': route,
              'throughcare.correlation_id': correlationId,
            },
          },
          parent,
        );
    const ctx = trace.setSpan(parent, span);
    (request as Traced)[TRACE] = { ctx, span, correlationId, started: process.hrtime.bigint(), probe };
    context.with(ctx, done);
  });
  const finish = (request: FastifyRequest, status: number | 'aborted'): void => {
    const held = (request as Traced)[TRACE];
    if (!held || held.ended) return;
    held.ended = true;
    if (typeof status === 'number') {
      held.span.setAttribute('http.response.status_code', status);
      if (status >= 500) held.span.setStatus({ code: SpanStatusCode.ERROR });
    } else held.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted' });
    held.span.end();
    const durationMs = Number(process.hrtime.bigint() - held.started) / 1e6;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      status,
      durationMs: Math.round(durationMs * 10) / 10,
    };
    context.with(held.ctx, () =>
      held.probe ? logger.debug(line, 'request completed') : logger.info(line, 'request completed'),
    );
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode);
    done();
  });
  // A client that goes away before the answer: its span and line still end.
  fastify.addHook('onRequestAbort', (request, done) => {
    finish(request, 'aborted');
    done();
  });
  // The spans of the last requests leave before the process does.
  fastify.addHook('onClose', async () => flushTracing());
}
