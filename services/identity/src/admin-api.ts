import type { IncomingMessage } from 'node:http';
import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import {
  actorOf,
  bearerTokenOf,
  hasRole,
  IssuerUnavailableError,
  TokenRejectedError,
  type AccessTokenVerifier,
  type Principal,
} from '@throughcare/platform-auth';
import {
  ADMIN_CLIENT_ID,
  clientView,
  RegisterClientSchema,
  RevokeClientSchema,
  type ClientStore,
} from './client-store';

const MAX_BODY_BYTES = 16 * 1024;
const CLIENT_PATH = /^\/admin\/clients\/(tc-[0-9a-f]{24}|throughcare-admin)(\/revocation)?$/;
const ListQuerySchema = z
  .object({
    agencyId: z.string().min(1).max(200).optional(),
    after: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: { field: string; message: string }[],
  ) {
    super(detail);
  }
}

function fieldErrors(error: z.ZodError, where: string) {
  return error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new Problem(415, 'Unsupported Media Type', 'the body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new Problem(413, 'Content Too Large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Problem(400, 'Bad Request', 'the body is not valid JSON');
  }
}

/**
 * The administration API, in front of the provider's own routes: register, list, read and revoke
 * API clients. Callers need an access token for `audience` with the administrator role; anybody
 * else gets the same 404 as an unknown path.
 */
export function adminApi(clients: ClientStore, verifier: AccessTokenVerifier): Middleware {
  const authenticate = async (ctx: ParameterizedContext): Promise<Principal> => {
    const header = ctx.get('authorization');
    const token = bearerTokenOf(header);
    if (!token) {
      ctx.set('www-authenticate', 'Bearer realm="throughcare"');
      throw new Problem(401, 'Unauthorized', 'a bearer access token is required');
    }
    try {
      const principal = await verifier.verify(token);
      if (!hasRole(principal, ['administrator']))
        throw new Problem(404, 'Not Found', `Cannot ${ctx.method} ${ctx.url}`);
      return principal;
    } catch (e) {
      if (e instanceof TokenRejectedError) {
        ctx.set('www-authenticate', `Bearer realm="throughcare", error="invalid_token"`);
        throw new Problem(401, 'Unauthorized', `invalid access token: ${e.reason}`);
      }
      if (e instanceof IssuerUnavailableError) throw new Problem(503, 'Service Unavailable', 'retry later');
      throw e;
    }
  };

  return async (ctx, next) => {
    if (!ctx.path.startsWith('/admin/')) return next();
    try {
      await route(ctx, authenticate, clients);
    } catch (e) {
      const problem =
        e instanceof Problem
          ? e
          : new Problem(500, 'Internal Server Error', 'the request could not be completed');
      if (!(e instanceof Problem)) console.error(`identity admin API: ${ctx.method} ${ctx.path} failed`, e);
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = JSON.stringify({
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.message,
        instance: ctx.path,
        ...(problem.errors ? { errors: problem.errors } : {}),
      });
    }
  };
}

async function route(
  ctx: ParameterizedContext,
  authenticate: (ctx: ParameterizedContext) => Promise<Principal>,
  clients: ClientStore,
): Promise<void> {
  const one = CLIENT_PATH.exec(ctx.path);
  const known = ctx.path === '/admin/clients' || one;
  if (!known) throw new Problem(404, 'Not Found', `Cannot ${ctx.method} ${ctx.url}`);
  const principal = await authenticate(ctx);
  const actor = actorOf(principal);
  if (ctx.path === '/admin/clients' && ctx.method === 'POST') {
    const parsed = RegisterClientSchema.safeParse(await readJson(ctx.req));
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid client', fieldErrors(parsed.error, 'body'));
    const { client, secret } = await clients.register(parsed.data, actor);
    ctx.status = 201;
    ctx.set('cache-control', 'no-store');
    ctx.body = { ...clientView(client), clientSecret: secret };
    return;
  }
  if (ctx.path === '/admin/clients' && ctx.method === 'GET') {
    const parsed = ListQuerySchema.safeParse(ctx.query);
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid query', fieldErrors(parsed.error, 'query'));
    const page = await clients.list({ ...parsed.data, limit: parsed.data.limit + 1 });
    const items = page.slice(0, parsed.data.limit);
    ctx.body = {
      items: items.map(clientView),
      next: page.length > parsed.data.limit ? items[items.length - 1]!.clientId : null,
    };
    return;
  }
  if (one && !one[2] && ctx.method === 'GET') {
    const client = await clients.find(one[1]!);
    if (!client) throw new Problem(404, 'Not Found', `no client ${one[1]}`);
    ctx.body = clientView(client);
    return;
  }
  if (one?.[2] && ctx.method === 'POST') {
    if (one[1] === ADMIN_CLIENT_ID)
      throw new Problem(
        409,
        'Conflict',
        `${ADMIN_CLIENT_ID} is configured, not registered: rotate IDENTITY_ADMIN_CLIENT_SECRET and restart to replace its secret`,
      );
    const parsed = RevokeClientSchema.safeParse(await readJson(ctx.req));
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid revocation', fieldErrors(parsed.error, 'body'));
    const client = await clients.revoke(one[1]!, parsed.data.reason, actor);
    if (!client) throw new Problem(404, 'Not Found', `no client ${one[1]}`);
    ctx.body = clientView(client);
    return;
  }
  throw new Problem(404, 'Not Found', `Cannot ${ctx.method} ${ctx.url}`);
}
