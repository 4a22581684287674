import { randomUUID } from 'node:crypto';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { context, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
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
}

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
 *   request without one gets a new UUID, written into its headers so that the service's own
 *   reading (the events it emits carry it) finds the same id. A malformed header is left for the
 *   service to refuse or replace; the logs then use a fresh id. Every answer names the id in
 *   `x-correlation-id`.
 * - The span (`GET /route/{param}`, kind SERVER) continues the caller's W3C `traceparent` when
 *   sent, and carries the correlation id as baggage to whatever the request causes (an outbox
 *   row, a Temporal call).
 * - One `request completed` line per request: method, route template (never the path with its
 *   ids), status and duration.
 *
 * Fastify's body parsing runs outside the hook's async context, so `RequestContextInterceptor`
 * re-enters the context around the handler.
 */
export function traceRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers[CORRELATION_HEADER];
    const first = Array.isArray(given) ? given[0] : given;
    let correlationId = usableCorrelationId(first);
    if (first === undefined) {
      correlationId = randomUUID();
      request.headers[CORRELATION_HEADER] = correlationId;
    }
    correlationId ??= randomUUID();
    void reply.header(CORRELATION_HEADER, correlationId);
    const parent = withCorrelationId(extractTraceContext(request.headers), correlationId);
    const route = request.routeOptions.url ?? 'unmatched route';
    const span = tracer().startSpan(
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
    (request as Traced)[TRACE] = { ctx, span, correlationId, started: process.hrtime.bigint() };
    context.with(ctx, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const held = (request as Traced)[TRACE];
    if (held) {
      held.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) held.span.setStatus({ code: SpanStatusCode.ERROR });
      held.span.end();
      const durationMs = Number(process.hrtime.bigint() - held.started) / 1e6;
      context.with(held.ctx, () =>
        logger.info(
          {
            method: request.method,
            route: request.routeOptions.url ?? null,
            status: reply.statusCode,
            durationMs: Math.round(durationMs * 10) / 10,
          },
          'request completed',
        ),
      );
    }
    done();
  });
  // The spans of the last requests leave before the process does.
  fastify.addHook('onClose', async () => flushTracing());
}

/** Runs each HTTP handler (and the interceptors after this one) in its request's trace context. */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const held =
      execution.getType() === 'http' ? requestTraceOf(execution.switchToHttp().getRequest()) : undefined;
    if (!held) return next.handle();
    return new Observable((subscriber) => context.with(held.ctx, () => next.handle().subscribe(subscriber)));
  }
}
