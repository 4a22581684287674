import type { IncomingMessage } from 'node:http';
import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import { AuditUnavailableError, type AuditDraft, type AuditWriter } from '@throughcare/platform-audit';
import { actorOf, hasRole, type AccessTokenVerifier, type Principal } from '@throughcare/platform-auth';
import { authenticate, fieldErrors, noSuchRoute, Problem, problemApi } from './koa-problem';
import {
  CreateStaffSchema,
  DisableStaffSchema,
  ResetPasswordSchema,
  staffView,
  UsernameTakenError,
  type StaffStore,
} from './staff-store';
import {
  clientView,
  ADMIN_CLIENT_ID,
  REGISTRAR_CLIENT_ID,
  RegisterClientSchema,
  RegistrarRegisterClientSchema,
  RegistrarRevokeClientSchema,
  RevokeClientSchema,
  type ApiClient,
  type ClientStore,
} from './client-store';

const MAX_BODY_BYTES = 16 * 1024;
const CLIENT_PATH =
  /^\/admin\/clients\/(tc-[0-9a-f]{24}|throughcare-admin|throughcare-directory)(\/revocation)?$/;
const STAFF_PATH = /^\/admin\/staff\/(st-[0-9a-f]{24})(\/disabling|\/password-reset)?$/;
const StaffListQuerySchema = z
  .object({
    after: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const ListQuerySchema = z
  .object({
    agencyId: z.string().min(1).max(200).optional(),
    after: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
/** The registrar lists one agency's clients at a time. */
const RegistrarListQuerySchema = ListQuerySchema.required({ agencyId: true });

/**
 * Who may use the client routes: an administrator (any client), or the directory's registrar
 * (agencies' clients only, on behalf of the directory's caller, who is recorded).
 */
type ClientCaller = { kind: 'administrator'; actor: string } | { kind: 'registrar'; actor: string };

const isRegistrar = (p: Principal) =>
  p.clientId === REGISTRAR_CLIENT_ID && p.subject === REGISTRAR_CLIENT_ID && hasRole(p, ['service']);
/** What the record says when the registrar acted: the directory's caller, through the directory. */
const throughRegistrar = (requestedBy: string) => `${requestedBy} via client:${REGISTRAR_CLIENT_ID}`;

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
 * API clients; create, list, read and disable staff accounts (people who sign in). Callers need
 * an access token for `audience` with the administrator role, except that the directory's
 * registrar client (`throughcare-directory`, role service) may use the client routes for
 * agencies' clients only: agency roles, one agency per list, every other client as missing as an
 * unknown id, and the directory's caller recorded (`<actor> via client:throughcare-directory`).
 * Anybody else gets the same 404 as an unknown path.
 */
export function adminApi(
  clients: ClientStore,
  staff: StaffStore,
  verifier: AccessTokenVerifier,
  audit: AuditWriter,
): Middleware {
  const administrator = async (ctx: ParameterizedContext): Promise<Principal> => {
    const principal = await authenticate(ctx, verifier);
    if (!hasRole(principal, ['administrator'])) throw noSuchRoute(ctx);
    return principal;
  };

  const clientCaller = async (ctx: ParameterizedContext): Promise<ClientCaller> => {
    const principal = await authenticate(ctx, verifier);
    if (hasRole(principal, ['administrator'])) return { kind: 'administrator', actor: actorOf(principal) };
    if (isRegistrar(principal)) return { kind: 'registrar', actor: actorOf(principal) };
    throw noSuchRoute(ctx);
  };

  return problemApi(
    'identity admin API',
    (ctx) => ctx.path.startsWith('/admin/'),
    async (ctx) => {
      if (ctx.path === '/admin/staff' || ctx.path.startsWith('/admin/staff/'))
        await staffRoute(ctx, administrator, staff, audit);
      else await route(ctx, clientCaller, clients);
    },
  );
}

/** Parses `input` or answers 400 naming each field. */
function parsedOr400<T extends z.ZodTypeAny>(
  schema: T,
  input: unknown,
  what: string,
  where: 'body' | 'query',
): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new Problem(400, 'Bad Request', `invalid ${what}`, { errors: fieldErrors(parsed.error, where) });
  return parsed.data as z.output<T>;
}

async function route(
  ctx: ParameterizedContext,
  clientCaller: (ctx: ParameterizedContext) => Promise<ClientCaller>,
  clients: ClientStore,
): Promise<void> {
  const one = CLIENT_PATH.exec(ctx.path);
  const known = ctx.path === '/admin/clients' || one;
  if (!known) throw noSuchRoute(ctx);
  const caller = await clientCaller(ctx);
  const registrar = caller.kind === 'registrar';
  /** The registrar sees agencies' clients only: any other is as missing as an unknown id. */
  const visible = (c: ApiClient | undefined) => (c && (!registrar || c.agencyId !== null) ? c : undefined);
  if (ctx.path === '/admin/clients' && ctx.method === 'POST') {
    const body = await readJson(ctx.req);
    let registered: Awaited<ReturnType<ClientStore['register']>>;
    if (registrar) {
      const { requestedBy, ...input } = parsedOr400(RegistrarRegisterClientSchema, body, 'client', 'body');
      registered = await clients.register(input, throughRegistrar(requestedBy));
    } else {
      registered = await clients.register(
        parsedOr400(RegisterClientSchema, body, 'client', 'body'),
        caller.actor,
      );
    }
    const { client, secret } = registered;
    ctx.status = 201;
    ctx.set('cache-control', 'no-store');
    ctx.body = { ...clientView(client), clientSecret: secret };
    return;
  }
  if (ctx.path === '/admin/clients' && ctx.method === 'GET') {
    const query: z.output<typeof ListQuerySchema> = parsedOr400(
      registrar ? RegistrarListQuerySchema : ListQuerySchema,
      ctx.query,
      'query',
      'query',
    );
    const page = await clients.list({ ...query, limit: query.limit + 1 });
    const items = page.slice(0, query.limit);
    ctx.body = {
      items: items.map(clientView),
      next: page.length > query.limit ? items[items.length - 1]!.clientId : null,
    };
    return;
  }
  if (one && !one[2] && ctx.method === 'GET') {
    const client = visible(await clients.find(one[1]!));
    if (!client) throw new Problem(404, 'Not Found', `no client ${one[1]}`);
    ctx.body = clientView(client);
    return;
  }
  if (one?.[2] && ctx.method === 'POST') {
    const body = await readJson(ctx.req);
    let reason: string;
    let by: string;
    if (registrar) {
      const parsed = parsedOr400(RegistrarRevokeClientSchema, body, 'revocation', 'body');
      reason = parsed.reason;
      by = throughRegistrar(parsed.requestedBy);
    } else {
      reason = parsedOr400(RevokeClientSchema, body, 'revocation', 'body').reason;
      by = caller.actor;
    }
    if (!visible(await clients.find(one[1]!))) throw new Problem(404, 'Not Found', `no client ${one[1]}`);
    if (one[1] === ADMIN_CLIENT_ID)
      throw new Problem(
        409,
        'Conflict',
        `${ADMIN_CLIENT_ID} is configured, not registered: rotate IDENTITY_ADMIN_CLIENT_SECRET and restart to replace its secret`,
      );
    const client = await clients.revoke(one[1]!, reason, by);
    if (!client) throw new Problem(404, 'Not Found', `no client ${one[1]}`);
    ctx.body = clientView(client);
    return;
  }
  throw noSuchRoute(ctx);
}

/**
 * Staff accounts: `POST /admin/staff` (a generated one-time password is returned once when none
 * is given; a given one is never echoed), `GET /admin/staff` (pages), `GET /admin/staff/:id`,
 * `POST /admin/staff/:id/disabling` (`{reason}`), `POST /admin/staff/:id/password-reset`
 * (`{reason}`: a new one-time password, returned once, and the lock cleared; on the identity audit
 * chain). Who created or disabled an account is recorded on it, like a client's registration and
 * revocation.
 */
async function staffRoute(
  ctx: ParameterizedContext,
  administrator: (ctx: ParameterizedContext) => Promise<Principal>,
  staff: StaffStore,
  audit: AuditWriter,
): Promise<void> {
  const one = STAFF_PATH.exec(ctx.path);
  if (ctx.path !== '/admin/staff' && !one) throw noSuchRoute(ctx);
  const principal = await administrator(ctx);
  const actor = actorOf(principal);
  if (ctx.path === '/admin/staff' && ctx.method === 'POST') {
    const parsed = CreateStaffSchema.safeParse(await readJson(ctx.req));
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid staff account', {
        errors: fieldErrors(parsed.error, 'body'),
      });
    try {
      const { user, password } = await staff.create(parsed.data, actor);
      ctx.status = 201;
      ctx.set('cache-control', 'no-store');
      ctx.body = { ...staffView(user), ...(password ? { oneTimePassword: password } : {}) };
    } catch (e) {
      if (e instanceof UsernameTakenError)
        throw new Problem(409, 'Conflict', e.message, {
          errors: [{ field: 'body.username', message: 'taken' }],
        });
      throw e;
    }
    return;
  }
  if (ctx.path === '/admin/staff' && ctx.method === 'GET') {
    const parsed = StaffListQuerySchema.safeParse(ctx.query);
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid query', { errors: fieldErrors(parsed.error, 'query') });
    const page = await staff.list({ ...parsed.data, limit: parsed.data.limit + 1 });
    const items = page.slice(0, parsed.data.limit);
    ctx.body = {
      items: items.map(staffView),
      next: page.length > parsed.data.limit ? items[items.length - 1]!.userId : null,
    };
    return;
  }
  if (one && !one[2] && ctx.method === 'GET') {
    const user = await staff.find(one[1]!);
    if (!user) throw new Problem(404, 'Not Found', `no staff account ${one[1]}`);
    ctx.body = staffView(user);
    return;
  }
  if (one?.[2] === '/password-reset' && ctx.method === 'POST') {
    const parsed = ResetPasswordSchema.safeParse(await readJson(ctx.req));
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid password reset', {
        errors: fieldErrors(parsed.error, 'body'),
      });
    const draft: AuditDraft = {
      actor,
      clientId: principal.clientId,
      roles: [...principal.roles],
      purpose: null,
      subjectPerson: null,
      disclosedPersons: [],
      action: 'staff.password-reset',
      objectType: 'staff-account',
      objectId: one[1]!,
      outcome: 'allowed',
      reason: parsed.data.reason,
      httpMethod: 'POST',
      route: '/admin/staff/:id/password-reset',
      requestId: null,
    };
    let reset: Awaited<ReturnType<StaffStore['resetPassword']>>;
    try {
      // The record is written in the reset's own transaction: both or neither.
      reset = await staff.resetPassword(one[1]!, (manager) => audit.append(draft, manager));
    } catch (e) {
      if (!(e instanceof AuditUnavailableError)) throw e;
      console.error('identity: password reset refused, the audit trail is unavailable', e.cause);
      throw new Problem(
        503,
        'Service Unavailable',
        'the audit trail is unavailable: the password was not reset',
        {
          code: 'AUDIT_UNAVAILABLE',
        },
      );
    }
    if (!reset) throw new Problem(404, 'Not Found', `no enabled staff account ${one[1]}`);
    ctx.set('cache-control', 'no-store');
    ctx.body = { ...staffView(reset.user), oneTimePassword: reset.password };
    return;
  }
  if (one?.[2] === '/disabling' && ctx.method === 'POST') {
    const parsed = DisableStaffSchema.safeParse(await readJson(ctx.req));
    if (!parsed.success)
      throw new Problem(400, 'Bad Request', 'invalid disabling', {
        errors: fieldErrors(parsed.error, 'body'),
      });
    const user = await staff.disable(one[1]!, parsed.data.reason, actor);
    if (!user) throw new Problem(404, 'Not Found', `no staff account ${one[1]}`);
    ctx.body = staffView(user);
    return;
  }
  throw noSuchRoute(ctx);
}
