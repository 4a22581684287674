import { context, trace, TraceFlags } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import pino from 'pino';
import { correlationRoot } from './correlation';
import { PinoNestLogger, pinoLevelOf, traceFields } from './logger';
import { startTracing } from './tracing';

/** A pino logger like the root one (same mixin and level names) writing into `lines`. */
function capture(): { logger: PinoNestLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const p = pino(
    { level: 'info', formatters: { level: (label) => ({ level: label }) }, mixin: traceFields },
    sink,
  );
  return { logger: new PinoNestLogger(p), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('JSON logs through pino', () => {
  beforeAll(() => startTracing('logger-spec'));

  it('maps LOG_LEVEL (Nest’s names) to pino’s: the least severe given, none at all silent', () => {
    expect(pinoLevelOf(['error'])).toBe('error');
    expect(pinoLevelOf(['log'])).toBe('info');
    expect(pinoLevelOf(['fatal', 'error', 'warn'])).toBe('warn');
    expect(pinoLevelOf(['verbose'])).toBe('trace');
    expect(pinoLevelOf([])).toBe('silent');
  });

  it('writes Nest’s calls as lines with their context, stack and level, below the level nothing', async () => {
    const { logger, lines } = capture();
    logger.log('plain', 'Ctx');
    logger.error('failed', 'Error: boom\n    at x (y.ts:1:1)', 'Ctx');
    logger.warn({ msg: 'as fields', count: 3 }, 'Ctx');
    logger.error(new Error('thrown'));
    logger.debug('not shown', 'Ctx');
    await flush();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'plain', context: 'Ctx' }),
      expect.objectContaining({
        level: 'error',
        msg: 'failed',
        context: 'Ctx',
        stack: expect.stringContaining('at x'),
      }),
      expect.objectContaining({ level: 'warn', msg: 'as fields', count: 3, context: 'Ctx' }),
      expect.objectContaining({
        level: 'error',
        msg: 'thrown',
        err: expect.objectContaining({ message: 'thrown' }),
      }),
    ]);
  });

  it('names the correlation and the trace of the context a line is written in, and none outside one', async () => {
    const { logger, lines } = capture();
    const span = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    };
    context.with(trace.setSpanContext(correlationRoot('case-42'), span), () => logger.log('inside', 'Ctx'));
    logger.log('outside', 'Ctx');
    await flush();
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      correlationId: 'case-42',
      traceId: span.traceId,
      spanId: span.spanId,
    });
    expect(lines[1]).not.toHaveProperty('correlationId');
    expect(lines[1]).not.toHaveProperty('traceId');
  });
});
