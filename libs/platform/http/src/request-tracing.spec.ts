import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { Body, Controller, Get, Headers, Logger, Module, Post } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { correlationIdIn } from '@throughcare/platform-observability';
import { bootstrapService } from './bootstrap';

// This file's log lines, read back below (set before the process's logger is first made).
const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'request-tracing-')), 'log.jsonl');
process.env['THROUGHCARE_LOG_FILE'] = logFile;

/** What a handler sees of its request's context, after Fastify has parsed the body. */
@Controller('seen')
class SeenController {
  private readonly logger = new Logger('Seen');

  @Post()
  async seen(@Body() body: { wait?: number }, @Headers('x-correlation-id') header?: string) {
    await new Promise((r) => setTimeout(r, body.wait ?? 0));
    this.logger.log('handling');
    const span = trace.getActiveSpan()?.spanContext();
    const baggage = propagation.getBaggage(context.active());
    return {
      correlationId: correlationIdIn() ?? null,
      traceId: span?.traceId ?? null,
      header: header ?? null,
      baggage: baggage ? baggage.getAllEntries().map(([k]) => k) : [],
    };
  }
}

/** A probe: polled by machines, so no span and no info line. */
@Controller('health')
class HealthController {
  @Get()
  health() {
    return { traced: trace.getActiveSpan()?.isRecording() ?? false };
  }
}

@Module({ controllers: [SeenController, HealthController] })
class SeenModule {}

jest.setTimeout(60_000);

const lines = () =>
  fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('every request has a correlation id and a trace (traceRequests)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await bootstrapService({
      module: SeenModule,
      name: 'tracing-spec',
      port: 0,
      host: '127.0.0.1',
      logLevels: ['log'],
    });
  });
  afterAll(() => app?.close());

  const post = (headers: Record<string, string> = {}, body: unknown = { wait: 5 }) =>
    app.inject({
      method: 'POST',
      url: '/seen',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });

  it("keeps the caller's correlation id and W3C trace, for the handler after a body that arrives later, the answer and the log lines", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const address = app.getHttpServer().address() as { port: number };
    // Over a real socket, the body 100 ms after the headers: parsed outside the first tick.
    const answer = await new Promise<{ status: number; header: unknown; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: address.port,
          method: 'POST',
          path: '/seen',
          headers: {
            'content-type': 'application/json',
            'x-correlation-id': '  case-42  ',
            traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode!, header: res.headers['x-correlation-id'], body }),
          );
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => req.end(JSON.stringify({ wait: 5 })), 100);
    });
    expect(answer.status).toBe(201);
    expect(answer.header).toBe('case-42');
    expect(JSON.parse(answer.body)).toEqual({
      correlationId: 'case-42',
      traceId,
      header: 'case-42',
      baggage: ['throughcare.correlation_id'],
    });
    const mine = lines().filter((l) => l['traceId'] === traceId);
    expect(mine).toContainEqual(
      expect.objectContaining({
        level: 'info',
        service: 'tracing-spec',
        context: 'Seen',
        msg: 'handling',
        correlationId: 'case-42',
      }),
    );
    expect(mine).toContainEqual(
      expect.objectContaining({
        msg: 'request completed',
        method: 'POST',
        route: '/seen',
        status: 201,
        correlationId: 'case-42',
      }),
    );
  });

  it("takes none of a caller's baggage: only the correlation id travels on", async () => {
    const r = await post({
      baggage: 'user.email=someone%40example.org,throughcare.correlation_id=forged',
      'x-correlation-id': 'case-7',
    });
    expect(r.json()).toMatchObject({ correlationId: 'case-7', baggage: ['throughcare.correlation_id'] });
    const none = await post({ baggage: 'throughcare.correlation_id=forged' });
    expect(none.json<{ correlationId: string }>().correlationId).not.toBe('forged');
  });

  it('traces no health check and logs it below info', async () => {
    const before = lines().length;
    const r = await app.inject({ method: 'GET', url: '/health' });
    expect(r.json()).toEqual({ traced: false });
    expect(r.headers['x-correlation-id']).toBeDefined();
    expect(
      lines()
        .slice(before)
        .filter((l) => l['route'] === '/health'),
    ).toEqual([]);
  });

  it('gives a request without one a new correlation id (in its context and the answer; its headers left alone) and a new trace', async () => {
    const [a, b] = await Promise.all([post(), post()]);
    const [ja, jb] = [
      a.json<{ correlationId: string; traceId: string; header: string }>(),
      b.json<{ correlationId: string; traceId: string; header: string }>(),
    ];
    expect(ja.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    // The request's headers are left alone (a service may fall back to a correlation of its own).
    expect(ja.header).toBeNull();
    expect(a.headers['x-correlation-id']).toBe(ja.correlationId);
    expect(ja.correlationId).not.toBe(jb.correlationId);
    expect(ja.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ja.traceId).not.toBe(jb.traceId);
  });

  it('leaves a malformed correlation id for the service to judge, logging the request under a fresh one', async () => {
    const r = await post({ 'x-correlation-id': 'x'.repeat(201) });
    expect(r.statusCode).toBe(201);
    const { correlationId } = r.json<{ correlationId: string }>();
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['x-correlation-id']).toBe(correlationId);
  });
});
