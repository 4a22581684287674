import { trace } from '@opentelemetry/api';
import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { correlationIdIn } from './correlation';

export type { Logger } from 'pino';

/** Nest's level names (LOG_LEVEL uses them) as pino's. */
export const PINO_LEVEL: Record<NestLogLevel, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

const SEVERITY: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The least severe of `levels` (Nest's names); undefined for none. */
export function leastSevere(levels: readonly NestLogLevel[]): NestLogLevel | undefined {
  return SEVERITY.filter((l) => levels.includes(l)).pop();
}

/** The least severe of `levels` as a pino level; none at all is `silent`. */
export function pinoLevelOf(levels: readonly NestLogLevel[]): LevelWithSilent {
  const least = leastSevere(levels);
  return least ? PINO_LEVEL[least] : 'silent';
}

/**
 * What every line carries from where it was written: the correlation id (W3C baggage) and the
 * trace and span of the active OpenTelemetry context. Nothing when there is none.
 */
export function traceFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const correlationId = correlationIdIn();
  if (correlationId) fields['correlationId'] = correlationId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields['traceId'] = span.traceId;
    fields['spanId'] = span.spanId;
  }
  return fields;
}

let root: Logger | undefined;

/**
 * The process's one logger: JSON lines (pino), to `THROUGHCARE_LOG_FILE` when set (the test
 * runner gives each test file its own, shown when one of its tests fails) else standard output.
 * Every line has `time`, `level` (a name), `service` when the writer says, `msg`, and the
 * correlation and trace ids of the context it was written in.
 */
export function rootLogger(): Logger {
  root ??= pino(
    {
      level: 'trace',
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: traceFields,
    },
    // Asynchronous (buffered) to standard output: a log shipper that reads slowly must not stop
    // the event loop; pino flushes what is buffered when the process exits. Synchronous to a
    // file (the tests'), where lines must be there when a failing test's file is read.
    pino.destination({
      dest: process.env['THROUGHCARE_LOG_FILE'] || 1,
      sync: Boolean(process.env['THROUGHCARE_LOG_FILE']),
      mkdir: true,
    }),
  );
  return root;
}

/** A logger for one app (its name on every line) at its own level. */
export function serviceLogger(service: string, level: LevelWithSilent): Logger {
  return rootLogger().child({ service }, { level });
}

const STACK = /\n\s+at /;

/**
 * Nest's `LoggerService` over a pino logger, so that Nest's own lines and every `new Logger(ctx)`
 * write JSON with the correlation and trace ids. Nest calls `log(message, context)` and
 * `error(message, stack?, context)`; an object message becomes the line's fields.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  private write(level: pino.Level, message: unknown, optional: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const params = [...optional];
    const fields: Record<string, unknown> = {};
    if (params.length > 0 && typeof params[params.length - 1] === 'string') fields['context'] = params.pop();
    for (const extra of params) {
      if (typeof extra === 'string' && STACK.test(extra)) fields['stack'] = extra;
      else if (extra instanceof Error) fields['err'] = extra;
      else if (extra !== undefined) fields['detail'] = extra;
    }
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null)
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    else this.logger[level](fields, String(message));
  }
}
