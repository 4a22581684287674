import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  adminClient,
  clientToken,
  startApp,
  type AppProcess,
  type IdentityTarget,
} from '@throughcare/testing';
import { createSuiteDatabase } from './e2e.spec-support';
import { oddValues } from '@throughcare/testing';

/**
 * Property-based fuzzing of the identity provider's own HTTP API (issue 8: "every HTTP operation"),
 * which Schemathesis cannot reach: it is Koa in front of oidc-provider, with no OpenAPI document.
 * Its ten operations (clients, staff accounts, the auditor's records) are listed here from
 * admin-api.ts and audit-api.ts. Each gets IDENTITY_FUZZ_RUNS cases (default 1,000): a valid
 * request with one field of its body or query replaced, removed or added, a body that is any
 * JSON or not JSON at all, the wrong content type, odd path ids. Every answer must be below 500,
 * and every 4xx problem+json with its status; a 400 names the fields it refuses unless the body was
 * not JSON. Against a provider of its own, on a database of its own: the fuzzing registers,
 * revokes and disables freely.
 */

const RUNS = Number(process.env.IDENTITY_FUZZ_RUNS ?? 1000);
let identity: AppProcess;
let target: IdentityTarget;
let adminToken: string;
let auditorToken: string;
/** Ids that exist, so that some cases reach real objects. */
const known = { clientId: '', staffId: '', resetStaffId: '' };

beforeAll(async () => {
  const url = await createSuiteDatabase('identity_fuzz');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const adminSecret = randomBytes(32).toString('base64url');
  identity = await startApp('identity-fuzz', 'services/identity/src/main.ts', {
    DATABASE_URL: url,
    IDENTITY_JWKS: JSON.stringify({ keys: [{ ...key, kid: 'identity-fuzz', alg: 'ES256', use: 'sig' }] }),
    IDENTITY_COOKIE_SECRET: randomBytes(32).toString('base64url'),
    IDENTITY_ADMIN_CLIENT_SECRET: adminSecret,
    DIRECTORY_REGISTRAR_SECRET: randomBytes(32).toString('base64url'),
    IDENTITY_ACCESS_TOKEN_TTL_SECONDS: '3600',
    LOG_LEVEL: 'fatal',
  });
  target = { issuer: identity.baseUrl, adminSecret };
  adminToken = await clientToken(adminClient(target), 'urn:throughcare:identity', target);
  const auditor = await call('POST', '/admin/clients', adminToken, {
    json: { name: 'identity fuzz auditor', roles: ['auditor'] },
  });
  const { clientId, clientSecret } = auditor.body as { clientId: string; clientSecret: string };
  auditorToken = await clientToken({ clientId, clientSecret }, 'urn:throughcare:identity', target);
  // The known client is another one: the revocation cases revoke it.
  const other = await call('POST', '/admin/clients', adminToken, {
    json: { name: 'identity fuzz target', roles: ['manager'] },
  });
  known.clientId = (other.body as { clientId: string }).clientId;
  const staff = await call('POST', '/admin/staff', adminToken, {
    json: { username: 'fuzz-known', displayName: 'Fuzz known', roles: ['manager'] },
  });
  known.staffId = (staff.body as { userId: string }).userId;
  // Another for the password resets: the disabling cases disable the first.
  const reset = await call('POST', '/admin/staff', adminToken, {
    json: { username: 'fuzz-known-reset', displayName: 'Fuzz reset', roles: ['manager'] },
  });
  known.resetStaffId = (reset.body as { userId: string }).userId;
}, 120_000);

afterAll(async () => {
  await identity?.stop();
}, 60_000);

interface Answer {
  status: number;
  type: string;
  body: unknown;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  token: string,
  send: { json?: unknown; raw?: string; contentType?: string } = {},
): Promise<Answer> {
  const body = send.raw ?? (send.json === undefined ? undefined : JSON.stringify(send.json));
  const res = await fetch(`${identity.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': send.contentType ?? 'application/json' }),
    },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
}

const oddValue = oddValues(
  ['', '\u0000', '\ud800', 'x'.repeat(20_000), 'tc-000000000000000000000000', '__proto__'],
  { dates: false },
);
const oddId = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^tc-[0-9a-f]{24}$/),
  fc.stringMatching(/^st-[0-9a-f]{24}$/),
  fc.constantFrom('throughcare-admin', 'throughcare-directory', '%00', '..', 'a/b'),
);

/** One operation: its method, path (with an id or not), who calls it, and a valid body or query. */
interface Operation {
  name: string;
  method: 'GET' | 'POST';
  path: (id: string) => string;
  token: () => string;
  /** A valid body (POST) or query (GET). */
  valid: () => Record<string, unknown>;
  /** Whether the path takes an id. */
  id?: 'client' | 'staff' | 'reset-staff';
}

let counter = 0;
const OPERATIONS: Operation[] = [
  {
    name: 'GET /admin/clients',
    method: 'GET',
    path: () => '/admin/clients',
    token: () => adminToken,
    valid: () => ({ limit: '20' }),
  },
  {
    name: 'POST /admin/clients',
    method: 'POST',
    path: () => '/admin/clients',
    token: () => adminToken,
    valid: () => ({ name: 'fuzz client', roles: ['manager'] }),
  },
  {
    name: 'GET /admin/clients/{clientId}',
    method: 'GET',
    path: (id) => `/admin/clients/${id}`,
    token: () => adminToken,
    valid: () => ({}),
    id: 'client',
  },
  {
    name: 'POST /admin/clients/{clientId}/revocation',
    method: 'POST',
    path: (id) => `/admin/clients/${id}/revocation`,
    token: () => adminToken,
    valid: () => ({ reason: 'fuzzing' }),
    id: 'client',
  },
  {
    name: 'GET /admin/staff',
    method: 'GET',
    path: () => '/admin/staff',
    token: () => adminToken,
    valid: () => ({ limit: '20' }),
  },
  {
    name: 'POST /admin/staff',
    method: 'POST',
    path: () => '/admin/staff',
    token: () => adminToken,
    valid: () => ({ username: `fuzz-${++counter}`, displayName: 'Fuzz', roles: ['operator'] }),
  },
  {
    name: 'GET /admin/staff/{userId}',
    method: 'GET',
    path: (id) => `/admin/staff/${id}`,
    token: () => adminToken,
    valid: () => ({}),
    id: 'staff',
  },
  {
    name: 'POST /admin/staff/{userId}/disabling',
    method: 'POST',
    path: (id) => `/admin/staff/${id}/disabling`,
    token: () => adminToken,
    valid: () => ({ reason: 'fuzzing' }),
    id: 'staff',
  },
  {
    name: 'POST /admin/staff/{userId}/password-reset',
    method: 'POST',
    path: (id) => `/admin/staff/${id}/password-reset`,
    token: () => adminToken,
    valid: () => ({ reason: 'fuzzing' }),
    id: 'reset-staff',
  },
  {
    name: 'GET /audit/records',
    method: 'GET',
    path: () => '/audit/records',
    token: () => auditorToken,
    valid: () => ({ subject: `p${'0'.repeat(20)}`, limit: '10' }),
  },
];

/** What is wrong with an answer (empty when it is one the API may give). */
function problems(a: Answer, notJson: boolean): string[] {
  const out: string[] = [];
  if (a.status >= 500) out.push(`${a.status}: ${JSON.stringify(a.body).slice(0, 300)}`);
  if (a.status >= 400 && a.status < 500) {
    if (!a.type.startsWith('application/problem+json'))
      out.push(`${a.status} is ${a.type}, not problem+json`);
    const p = a.body as { status?: unknown; detail?: unknown; errors?: Array<{ field?: unknown }> };
    if (p?.status !== a.status) out.push(`${a.status}: problem status ${String(p?.status)}`);
    if (
      a.status === 400 &&
      !notJson &&
      !(p?.errors ?? []).some((e) => typeof e.field === 'string' && e.field)
    )
      out.push(`400 names no field: ${JSON.stringify(a.body).slice(0, 300)}`);
  }
  return out;
}

describe(`the identity provider's API, fuzzed (${RUNS} cases per operation): no 5xx, every refusal problem+json`, () => {
  it.each(OPERATIONS.map((o) => [o.name, o] as const))(
    '%s',
    async (_name, op) => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('replace', 'remove', 'add', 'any-json', 'not-json', 'wrong-type', 'valid'),
          fc.nat(),
          oddValue,
          fc.option(oddId, { nil: undefined }),
          async (how, pick, value, id) => {
            const objectId =
              id ??
              { client: known.clientId, staff: known.staffId, 'reset-staff': known.resetStaffId, none: '' }[
                op.id ?? 'none'
              ];
            const path = op.path(encodeURIComponent(objectId));
            const valid = op.valid();
            const fields = Object.keys(valid);
            const mutated: Record<string, unknown> = { ...valid };
            const field = fields.length ? fields[pick % fields.length]! : `x${pick}`;
            if (how === 'replace') mutated[field] = value;
            else if (how === 'remove') delete mutated[field];
            else if (how === 'add') mutated[`x${pick % 97}`] = value;
            let answer: Answer;
            let notJson = false;
            if (op.method === 'GET') {
              const query = new URLSearchParams();
              // Bounded: Node itself answers a request line over 16 KiB with an empty 431, before
              // any code of the provider runs (bodies carry the long values instead).
              for (const [k, v] of Object.entries(how === 'any-json' ? { q: value } : mutated))
                if (v !== undefined)
                  query.append(k, (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')).slice(0, 2000));
              const qs = query.toString();
              answer = await call('GET', `${path}${qs ? `?${qs}` : ''}`, op.token());
            } else if (how === 'not-json') {
              notJson = true;
              // (JSON text after a brace is never JSON; String() throws on an object whose toString is not a function.)
              answer = await call('POST', path, op.token(), { raw: `{${JSON.stringify(value) ?? ''}` });
            } else if (how === 'wrong-type') {
              notJson = true;
              answer = await call('POST', path, op.token(), { raw: 'reason=x', contentType: 'text/plain' });
            } else {
              answer = await call('POST', path, op.token(), { json: how === 'any-json' ? value : mutated });
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            expect({ case: [how, path, value], problems: problems(answer, notJson) }).toEqual({
              case: [how, path, value],
              problems: [],
            });
          },
        ),
        { numRuns: RUNS },
      );
      // The generator reaches both sides: some cases are refused, and valid ones are answered 2xx
      // (the fuzzing is not only knocking on a locked door).
      const refused = [...statuses].filter(([s]) => s >= 400).length;
      const served = [...statuses].filter(([s]) => s >= 200 && s < 300).length;
      expect({ refused: refused > 0, served: served > 0, statuses: [...statuses] }).toEqual({
        refused: true,
        served: true,
        statuses: [...statuses],
      });
    },
    600_000,
  );
});
