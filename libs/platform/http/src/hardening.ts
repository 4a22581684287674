import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findUnstorableText, ValidationFailedError } from '@throughcare/platform-errors';

export { findUnstorableText } from '@throughcare/platform-errors';

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/** JSON nested deeper than this is refused with 400: no request here needs more than a handful. */
export const MAX_JSON_DEPTH = 32;

/** A JSON body that is well-formed but nested deeper than MAX_JSON_DEPTH (400, like bad JSON). */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  constructor() {
    super(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * The deepest nesting of arrays and objects in a JSON text, counting only brackets outside
 * strings; stops early once past `limit`. Linear, no recursion: a body of 200,000 `[` cannot
 * exhaust the stack here or later (JSON.stringify and validators recurse).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

function refuseUnstorableText(what: string, value: unknown): void {
  const found = findUnstorableText(value);
  if (found) throw new ValidationFailedError(`${what} is invalid: ${found.field}: ${found.message}`, [found]);
}

/** Routes (as registered, e.g. `/agencies/import`) that take a text/csv body, and its limit. */
export interface CsvBodies {
  routes: readonly string[];
  bodyLimitBytes: number;
}

/**
 * What every service's HTTP edge gets before routing:
 * - an explicit body limit (413 problem+json, raised by Fastify before the body is read in full);
 * - JSON bodies parsed by Fastify's own parser (prototype-poisoning keys refused), after a depth
 *   check (400); any other content type is 415;
 * - text Postgres cannot keep as sent (NUL, unpaired surrogates) refused in the body, the query
 *   and the path with 400 VALIDATION_FAILED naming the field (found by HTTP fuzzing: a NUL in a
 *   body field was a 500 from the database);
 * - security headers (helmet): nosniff, no framing, no referrer, same-origin resource policy, a
 *   restrictive Content-Security-Policy that still lets the OpenAPI page and the dashboard render
 *   from this origin, HSTS (honoured by browsers only over TLS), and `Cache-Control: no-store`
 *   on every response, because answers here carry personal data and must not sit in caches.
 * CORS stays closed: no route answers cross-origin requests unless it opts in itself.
 */
export async function hardenHttp(
  app: NestFastifyApplication,
  options: { bodyLimitBytes?: number; csv?: CsvBodies } = {},
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const csv = options.csv;
  // text/csv, for the routes that take it only (a file import), with a limit of its own: the
  // body is the file's text, refused like JSON's when Postgres could not store it. Any other
  // route answers it 415, as it does every type but JSON.
  fastify.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: csv?.bodyLimitBytes ?? bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      if (!csv?.routes.includes(request.routeOptions.url ?? '')) {
        done(Object.assign(new Error(`Unsupported Media Type: text/csv`), { statusCode: 415 }));
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      try {
        refuseUnstorableText('request body', text);
      } catch (e) {
        return done(e as Error);
      }
      done(null, text);
    },
  );
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // Replaces Fastify's built-in JSON parser (create the app with `bodyParser: false` so Nest
  // does not add its own).
  fastify.removeContentTypeParser('application/json');
  // Bodies are JSON only: text/plain (parsed by Fastify by default) gets 415 like any other type.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
        done(new JsonTooDeepError());
        return;
      }
      void parseJson(request, text, (err: Error | null, parsed?: unknown) => {
        if (err) return done(err);
        try {
          refuseUnstorableText('request body', parsed);
        } catch (e) {
          return done(e as Error);
        }
        done(null, parsed);
      });
    },
  );
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  fastify.addHook('preValidation', async (request) => {
    refuseUnstorableText('query', request.query);
    refuseUnstorableText('path', request.params);
  });
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}
