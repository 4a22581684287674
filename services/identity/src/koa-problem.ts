import type { Middleware, ParameterizedContext } from 'koa';
import type { z } from 'zod';
import {
  bearerTokenOf,
  IssuerUnavailableError,
  TokenRejectedError,
  type AccessTokenVerifier,
  type Principal,
} from '@throughcare/platform-auth';
import { findUnstorableText } from '@throughcare/platform-errors';

// What the identity service's own APIs (administration, audit) share in front of the provider's
// routes, outside Nest: problem+json answers and bearer-token authentication.

export interface FieldError {
  field: string;
  message: string;
}

/** An error answered as RFC 9457 problem+json; `extra` members (a code, field errors) go into the body. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: { code?: string; errors?: FieldError[] } = {},
  ) {
    super(detail);
  }
}

/** The 404 of a path or method nobody serves. */
export const noSuchRoute = (ctx: ParameterizedContext) =>
  new Problem(404, 'Not Found', `Cannot ${ctx.method} ${ctx.url}`);

/**
 * Refuses text Postgres cannot store as sent (U+0000, an unpaired surrogate) anywhere in a body or
 * query, with 400 naming the field, as every service's edge does (found by fuzzing the provider's
 * API: a NUL in a client's name was a 500 from the database).
 */
export function refuseUnstorable(input: unknown, where: 'body' | 'query'): void {
  const found = findUnstorableText(input);
  if (found)
    throw new Problem(400, 'Bad Request', `invalid ${where}: ${found.field}: ${found.message}`, {
      errors: [{ field: `${where}.${found.field}`, message: found.message }],
    });
}

/** A zod error's issues as field errors, each field prefixed with where the value was (`body`, `query`). */
export function fieldErrors(error: z.ZodError, where: string): FieldError[] {
  return error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

/**
 * Middleware for the requests `serves` claims, handled by `handle`: a Problem it throws is
 * answered as problem+json; anything else is logged (as `label`) and answered 500.
 */
export function problemApi(
  label: string,
  serves: (ctx: ParameterizedContext) => boolean,
  handle: (ctx: ParameterizedContext) => Promise<void>,
): Middleware {
  return async (ctx, next) => {
    if (!serves(ctx)) return next();
    try {
      await handle(ctx);
    } catch (e) {
      const problem =
        e instanceof Problem
          ? e
          : new Problem(500, 'Internal Server Error', 'the request could not be completed');
      if (!(e instanceof Problem)) console.error(`${label}: ${ctx.method} ${ctx.path} failed`, e);
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = JSON.stringify({
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.message,
        instance: ctx.path,
        ...problem.extra,
      });
    }
  };
}

/**
 * The principal of the request's bearer access token. No token, or a token `verifier` rejects:
 * 401 with a `WWW-Authenticate` challenge (and `unauthorized` in the body); the issuer
 * unreachable: 503.
 */
export async function authenticate(
  ctx: ParameterizedContext,
  verifier: AccessTokenVerifier,
  unauthorized: { code?: string } = {},
): Promise<Principal> {
  const token = bearerTokenOf(ctx.get('authorization'));
  if (!token) {
    ctx.set('www-authenticate', 'Bearer realm="throughcare"');
    throw new Problem(401, 'Unauthorized', 'a bearer access token is required', unauthorized);
  }
  try {
    return await verifier.verify(token);
  } catch (e) {
    if (e instanceof TokenRejectedError) {
      ctx.set('www-authenticate', `Bearer realm="throughcare", error="invalid_token"`);
      throw new Problem(401, 'Unauthorized', `invalid access token: ${e.reason}`, unauthorized);
    }
    if (e instanceof IssuerUnavailableError) throw new Problem(503, 'Service Unavailable', 'retry later');
    throw e;
  }
}
