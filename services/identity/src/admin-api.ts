import type { IncomingMessage } from 'node:http';
import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import { AuditUnavailableError, type AuditDraft, type AuditWriter } from '@throughcare/platform-audit';
import { actorOf, hasRole, type AccessTokenVerifier, type Principal } from '@throughcare/platform-auth';
import { authenticate, fieldErrors, noSuchRoute, Problem, problemApi, refuseUnstorable } from './koa-problem';
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
  AGENCY_ROLES,
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
type ClientCaller = { kind: 'administrator' | 'registrar'; principal: Principal };

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
  /**
   * The caller, checked against this provider's own stores as well as the token: the API changes
   * credentials, so a revoked client or a disabled staff account is refused at once (401), not
   * when its token lapses.
   */
  const caller = async (ctx: ParameterizedContext): Promise<Principal> => {
    const principal = await authenticate(ctx, verifier);
    const active =
      principal.subject === principal.clientId
        ? (await clients.find(principal.clientId))?.revokedAt === null
        : (await staff.findActive(principal.subject)) !== undefined;
    if (!active) {
      ctx.set('www-authenticate', `Bearer realm="throughcare", error="invalid_token"`);
      throw new Problem(
        401,
        'Unauthorized',
        'invalid access token: its client or account is no longer active',
      );
    }
    return principal;
  };

  const administrator = async (ctx: ParameterizedContext): Promise<Principal> => {
    const principal = await caller(ctx);
    if (!hasRole(principal, ['administrator'])) {
      // Staff accounts are people's details: a refused attempt is on the record too. The caller
      // gets the unknown path's 404 either way (a 503 would confirm the route); a record that
      // cannot be written is logged as an error for the operators' alerting.
      const staffId = STAFF_PATH.exec(ctx.path)?.[1] ?? null;
      await audit
        .append({
          ...readRecord(
            principal,
            actorOf(principal),
            staffId ? 'staff.read' : 'staff.list',
            staffId,
            ctx.path.replace(/st-[0-9a-f]{24}/, ':id'),
            'refused',
            'ROLE_NOT_ADMITTED',
          ),
          httpMethod: ctx.method,
        })
        .catch((e: unknown) =>
          console.error(
            `identity admin API: the refusal of ${principal.clientId} could not be audited (audit store unavailable)`,
            e,
          ),
        );
      throw noSuchRoute(ctx);
    }
    return principal;
  };

  const clientCaller = async (ctx: ParameterizedContext): Promise<ClientCaller> => {
    const principal = await caller(ctx);
    if (hasRole(principal, ['administrator'])) return { kind: 'administrator', principal };
    if (isRegistrar(principal)) return { kind: 'registrar', principal };
    throw noSuchRoute(ctx);
  };

  return problemApi(
    'identity admin API',
    (ctx) => ctx.path.startsWith('/admin/'),
    async (ctx) => {
      if (ctx.path === '/admin/staff' || ctx.path.startsWith('/admin/staff/'))
        await staffRoute(ctx, administrator, staff, audit);
      else await route(ctx, clientCaller, clients, audit);
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
  refuseUnstorable(input, where);
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new Problem(400, 'Bad Request', `invalid ${what}`, { errors: fieldErrors(parsed.error, where) });
  return parsed.data as z.output<T>;
}

/** The audit record of an administrative change (a client, a staff account), on the identity chain. */
function changeRecord(
  principal: Principal,
  actor: string,
  action: string,
  objectType: 'api-client' | 'staff-account',
  objectId: string,
  route: string,
  reason: string | null,
): AuditDraft {
  return {
    actor,
    clientId: principal.clientId,
    roles: [...principal.roles],
    purpose: null,
    subjectPerson: null,
    disclosedPersons: [],
    action,
    objectType,
    objectId,
    outcome: 'allowed',
    reason,
    httpMethod: 'POST',
    route,
    requestId: null,
  };
}

/** The audit record of a read of staff accounts (one, or a page of them), on the identity chain. */
function readRecord(
  principal: Principal,
  actor: string,
  action: 'staff.list' | 'staff.read',
  objectId: string | null,
  route: string,
  outcome: 'allowed' | 'not-found' | 'refused',
  reason: string | null,
): AuditDraft {
  return {
    ...changeRecord(principal, actor, action, 'staff-account', objectId ?? '', route, reason),
    objectId,
    outcome,
    httpMethod: 'GET',
  };
}

const clientChange = (
  caller: ClientCaller,
  actor: string,
  action: 'client.registered' | 'client.revoked',
  client: ApiClient,
  route: string,
  reason: string | null,
): AuditDraft => changeRecord(caller.principal, actor, action, 'api-client', client.clientId, route, reason);

/** A change whose audit record could not be written was not made: 503. */
async function audited<T>(what: string, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (e) {
    if (!(e instanceof AuditUnavailableError)) throw e;
    console.error(`identity: ${what} refused, the audit trail is unavailable`, e.cause);
    throw new Problem(503, 'Service Unavailable', `the audit trail is unavailable: ${what} was not done`, {
      code: 'AUDIT_UNAVAILABLE',
    });
  }
}

/** The registrar sees agencies' clients only: an agency, and nothing but agency roles. */
const agencyClient = (c: ApiClient) =>
  c.agencyId !== null && c.roles.every((r) => (AGENCY_ROLES as readonly string[]).includes(r));

const noSuchClient = (clientId: string) =>
  new Problem(404, 'Not Found', `no client ${clientId}`, { code: 'CLIENT_NOT_FOUND' });

async function route(
  ctx: ParameterizedContext,
  clientCaller: (ctx: ParameterizedContext) => Promise<ClientCaller>,
  clients: ClientStore,
  audit: AuditWriter,
): Promise<void> {
  const one = CLIENT_PATH.exec(ctx.path);
  const known = ctx.path === '/admin/clients' || one;
  if (!known) throw noSuchRoute(ctx);
  const caller = await clientCaller(ctx);
  const registrar = caller.kind === 'registrar';
  /** Any other client is as missing to the registrar as an unknown id. */
  const visible = (c: ApiClient | undefined) => (c && (!registrar || agencyClient(c)) ? c : undefined);
  if (ctx.path === '/admin/clients' && ctx.method === 'POST') {
    const body = await readJson(ctx.req);
    let input: z.output<typeof RegisterClientSchema>;
    let by: string;
    if (registrar) {
      const { requestedBy, ...rest } = parsedOr400(RegistrarRegisterClientSchema, body, 'client', 'body');
      input = rest;
      by = throughRegistrar(requestedBy);
    } else {
      input = parsedOr400(RegisterClientSchema, body, 'client', 'body');
      by = actorOf(caller.principal);
    }
    const registered = await audited('the registration', () =>
      clients.register(input, by, (manager, client) =>
        audit.append(clientChange(caller, by, 'client.registered', client, '/admin/clients', null), manager),
      ),
    );
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
      items: items.filter((c) => visible(c)).map(clientView),
      next: page.length > query.limit ? items[items.length - 1]!.clientId : null,
    };
    return;
  }
  if (one && !one[2] && ctx.method === 'GET') {
    const client = visible(await clients.find(one[1]!));
    if (!client) throw noSuchClient(one[1]!);
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
      by = actorOf(caller.principal);
    }
    if (!visible(await clients.find(one[1]!))) throw noSuchClient(one[1]!);
    if (one[1] === ADMIN_CLIENT_ID)
      throw new Problem(
        409,
        'Conflict',
        `${ADMIN_CLIENT_ID} is configured, not registered: rotate IDENTITY_ADMIN_CLIENT_SECRET and restart to replace its secret`,
      );
    const client = await audited('the revocation', () =>
      clients.revoke(one[1]!, reason, by, (manager, revoked) =>
        audit.append(
          clientChange(caller, by, 'client.revoked', revoked, '/admin/clients/:clientId/revocation', reason),
          manager,
        ),
      ),
    );
    if (!client) throw noSuchClient(one[1]!);
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
    const input = parsedOr400(CreateStaffSchema, await readJson(ctx.req), 'staff account', 'body');
    try {
      const { user, password } = await audited('the account creation', () =>
        staff.create(input, actor, (manager, created) =>
          audit.append(
            changeRecord(
              principal,
              actor,
              'staff.created',
              'staff-account',
              created.userId,
              '/admin/staff',
              null,
            ),
            manager,
          ),
        ),
      );
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
    const query = parsedOr400(StaffListQuerySchema, ctx.query, 'query', 'query');
    const page = await staff.list({ ...query, limit: query.limit + 1 });
    const items = page.slice(0, query.limit);
    // Staff accounts are people's names and roles: the read is on the record before the answer.
    await audited('the list of staff accounts', () =>
      audit.append(
        // Which accounts the page showed: their ids, as the object (a page holds at most 200).
        readRecord(
          principal,
          actor,
          'staff.list',
          items.map((u) => u.userId).join(',') || null,
          '/admin/staff',
          'allowed',
          null,
        ),
      ),
    );
    ctx.body = {
      items: items.map(staffView),
      next: page.length > query.limit ? items[items.length - 1]!.userId : null,
    };
    return;
  }
  if (one && !one[2] && ctx.method === 'GET') {
    const user = await staff.find(one[1]!);
    await audited('the staff account read', () =>
      audit.append(
        readRecord(
          principal,
          actor,
          'staff.read',
          one[1]!,
          '/admin/staff/:id',
          user ? 'allowed' : 'not-found',
          user ? null : 'STAFF_NOT_FOUND',
        ),
      ),
    );
    if (!user) throw new Problem(404, 'Not Found', `no staff account ${one[1]}`);
    ctx.body = staffView(user);
    return;
  }
  if (one?.[2] === '/password-reset' && ctx.method === 'POST') {
    const { reason } = parsedOr400(ResetPasswordSchema, await readJson(ctx.req), 'password reset', 'body');
    const draft = changeRecord(
      principal,
      actor,
      'staff.password-reset',
      'staff-account',
      one[1]!,
      '/admin/staff/:id/password-reset',
      reason,
    );
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
    const { reason } = parsedOr400(DisableStaffSchema, await readJson(ctx.req), 'disabling', 'body');
    const user = await audited('the disabling', () =>
      staff.disable(one[1]!, reason, actor, (manager) =>
        audit.append(
          changeRecord(
            principal,
            actor,
            'staff.disabled',
            'staff-account',
            one[1]!,
            '/admin/staff/:id/disabling',
            reason,
          ),
          manager,
        ),
      ),
    );
    if (!user) throw new Problem(404, 'Not Found', `no staff account ${one[1]}`);
    ctx.body = staffView(user);
    return;
  }
  throw noSuchRoute(ctx);
}
