import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Body, Controller, Logger, Post } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
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
  async seen(@Body() body: { wait?: number }) {
    await new Promise((r) => setTimeout(r, body.wait ?? 0));
    this.logger.log('handling');
    const span = trace.getActiveSpan()?.spanContext();
    return { correlationId: correlationIdIn() ?? null, traceId: span?.traceId ?? null };
  }
}

@Module({ controllers: [SeenController] })
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

  it("keeps the caller's correlation id and W3C trace, for the handler after the body is parsed, the answer and the log lines", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await post({
      'x-correlation-id': '  case-42  ',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers['x-correlation-id']).toBe('case-42');
    expect(r.json()).toEqual({ correlationId: 'case-42', traceId });
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

  it('gives a request without one a new correlation id (in its headers for the service, and in the answer) and a new trace', async () => {
    const [a, b] = await Promise.all([post(), post()]);
    const [ja, jb] = [
      a.json<{ correlationId: string; traceId: string }>(),
      b.json<{ correlationId: string; traceId: string }>(),
    ];
    expect(ja.correlationId).toMatch(/^[0-9a-f-]{36}$/);
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
