import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CODEC_OPTIONS = Symbol('CODEC_OPTIONS');

export interface CodecOptions {
  /** The Temporal UI's origin (scheme://host:port), the only one CORS admits. */
  uiOrigin: string;
  /** The namespace whose payloads this codec serves (X-Namespace must name it when sent). */
  namespace: string;
}

/** Headers a cross-origin codec request may carry: the UI's own and the operator's token. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-namespace'];

/**
 * The preflight answer's headers for the UI's origin asking for POST with allowed headers, or
 * undefined (refused) for anything else.
 */
export function corsPreflightHeaders(
  uiOrigin: string,
  request: { origin?: string; method?: string; requested?: string },
): Record<string, string> | undefined {
  if (request.origin !== uiOrigin) return undefined;
  if (request.method?.toUpperCase() !== 'POST') return undefined;
  const requested = (request.requested ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  if (requested.some((h) => !ALLOWED_HEADERS.includes(h))) return undefined;
  return {
    'access-control-allow-origin': uiOrigin,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
    // A signed-in operator's cookie (the UI's "include cross-origin credentials").
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

/**
 * Runs before the guard on /codec/*: a request from the Temporal UI's origin gets
 * `Access-Control-Allow-Origin` on every answer (errors too, so the UI can show a 401 or the
 * edge's 413 for a body over CODEC_MAX_BODY_BYTES).
 */
@Injectable()
export class CodecHttpMiddleware implements NestMiddleware {
  constructor(@Inject(CODEC_OPTIONS) private readonly options: CodecOptions) {}

  use(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void {
    response.setHeader('vary', 'Origin');
    if (request.headers.origin === this.options.uiOrigin) {
      response.setHeader('access-control-allow-origin', this.options.uiOrigin);
      response.setHeader('access-control-allow-credentials', 'true');
    }
    next();
  }
}
