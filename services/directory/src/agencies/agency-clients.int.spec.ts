import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bearer, clientToken, registerClient, requireEnv, type TestPrincipal } from '@throughcare/testing';
import { directoryConfig, startDirectory } from './directory-app.spec-support';

// Agencies' API clients registered through the directory (issue 8): the directory in process,
// the test infrastructure's identity provider as the registrar's counterpart, real tokens.

const config = directoryConfig;
const issuer = requireEnv('AUTH_ISSUER');
const DIRECTORY = 'urn:throughcare:directory';
const ADMINISTRATOR: TestPrincipal = { roles: ['administrator'], label: 'agency clients spec' };
const EDINBURGH = 'S12000036';

interface ClientBody {
  clientId: string;
  clientSecret?: string;
  agencyId: string;
  name: string;
  roles: string[];
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}
interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

const tokenStatus = async (clientId: string, clientSecret: string) =>
  (
    await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: DIRECTORY }).toString(),
    })
  ).status;

describe('agencies’ API clients through the directory (real identity provider, Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let agencyA: string;
  let agencyB: string;
  let admin: string;

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    as: TestPrincipal = ADMINISTRATOR,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(await bearer(as, DIRECTORY)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const newAgency = async () => {
    const response = await call('POST', '/agencies', {
      name: `Spec mentoring ${randomUUID().slice(0, 8)}`,
      kind: 'MENTORING',
      localAuthority: EDINBURGH,
      contactPoint: 'Mentoring duty line',
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    expect(config.DIRECTORY_REGISTRAR_SECRET).toBeDefined();
    ({ app, base } = await startDirectory());
    agencyA = await newAgency();
    agencyB = await newAgency();
    const token = (await bearer(ADMINISTRATOR, DIRECTORY))['authorization']!.slice('Bearer '.length);
    admin = `client:${String(decodeJwt(token)['client_id'])}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('registers several clients for an agency; each gets tokens acting for that agency only', async () => {
    const system = await call('POST', `/agencies/${agencyA}/clients`, { name: 'Case-management system' });
    expect(system.status).toBe(201);
    expect(system.headers.get('cache-control')).toBe('no-store');
    const one = (await system.json()) as ClientBody;
    expect(one).toMatchObject({
      agencyId: agencyA,
      name: 'Case-management system',
      roles: ['agency-system'],
      createdBy: `${admin} via client:throughcare-directory`,
      revokedAt: null,
    });
    expect(one.clientSecret).toMatch(/^\S{32,}$/);

    const staffTool = await call('POST', `/agencies/${agencyA}/clients`, {
      name: 'Caseworkers’ portal',
      roles: ['agency-staff', 'agency-system'],
    });
    expect(staffTool.status).toBe(201);
    const two = (await staffTool.json()) as ClientBody;
    expect(two.clientId).not.toBe(one.clientId);

    // A real client-credentials token, scoped by the identity provider to the agency.
    const token = await clientToken({ clientId: one.clientId, clientSecret: one.clientSecret! }, DIRECTORY);
    expect(decodeJwt(token)).toMatchObject({
      client_id: one.clientId,
      roles: ['agency-system'],
      agency_id: agencyA,
    });
    const read = await fetch(`${base}/agencies/${agencyA}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    // It is an agency's client, not an administrator: the client routes are not there for it.
    const denied = await fetch(`${base}/agencies/${agencyA}/clients`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const nowhere = await fetch(`${base}/agencies/${agencyA}/no-such-route`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(404);
    expect(((await denied.json()) as Problem).code).toBe(((await nowhere.json()) as Problem).code);
  });

  it('lists an agency’s own clients a page at a time, and hides every other agency’s', async () => {
    const other = (await (
      await call('POST', `/agencies/${agencyB}/clients`, { name: 'Other agency system' })
    ).json()) as ClientBody;
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', `/agencies/${agencyA}/clients`, { name: `Paged ${i}` });
      mine.push(((await r.json()) as ClientBody).clientId);
    }
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = (await (
        await call('GET', `/agencies/${agencyA}/clients?limit=2${after ? `&after=${after}` : ''}`)
      ).json()) as { items: ClientBody[]; next: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const c of page.items) {
        expect(c.agencyId).toBe(agencyA);
        expect(c).not.toHaveProperty('clientSecret');
      }
      seen.push(...page.items.map((c) => c.clientId));
      after = page.next;
    } while (after);
    expect(seen).toEqual(expect.arrayContaining(mine));
    expect(seen).not.toContain(other.clientId);
    expect(new Set(seen).size).toBe(seen.length);

    // Another agency's client under this agency is as missing as an unknown one.
    for (const path of [
      `/agencies/${agencyA}/clients/${other.clientId}`,
      `/agencies/${agencyA}/clients/tc-${'0'.repeat(24)}`,
    ]) {
      const r = await call('GET', path);
      expect(r.status).toBe(404);
      expect(((await r.json()) as Problem).code).toBe('AGENCY_CLIENT_NOT_FOUND');
    }
    const own = await call('GET', `/agencies/${agencyB}/clients/${other.clientId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ clientId: other.clientId, agencyId: agencyB });
    const revokeAcross = await call('POST', `/agencies/${agencyA}/clients/${other.clientId}/revocation`, {
      reason: 'wrong agency',
    });
    expect(revokeAcross.status).toBe(404);
    // The attempt changed nothing: the other agency's client still gets tokens.
    expect(await tokenStatus(other.clientId, other.clientSecret!)).toBe(200);
  });

  it('revokes a client: it gets no more tokens, and revoking again keeps the first revocation', async () => {
    const created = (await (
      await call('POST', `/agencies/${agencyA}/clients`, { name: 'Retired system' })
    ).json()) as ClientBody;
    expect(await tokenStatus(created.clientId, created.clientSecret!)).toBe(200);
    const revoked = await call('POST', `/agencies/${agencyA}/clients/${created.clientId}/revocation`, {
      reason: 'contract ended',
    });
    expect(revoked.status).toBe(200);
    const body = (await revoked.json()) as ClientBody;
    expect(body).toMatchObject({
      revokedReason: 'contract ended',
      revokedBy: `${admin} via client:throughcare-directory`,
    });
    expect(body.revokedAt).not.toBeNull();
    expect(await tokenStatus(created.clientId, created.clientSecret!)).toBe(401);
    const again = (await (
      await call('POST', `/agencies/${agencyA}/clients/${created.clientId}/revocation`, { reason: 'twice' })
    ).json()) as ClientBody;
    expect(again).toMatchObject({ revokedReason: 'contract ended', revokedAt: body.revokedAt });

    // Both changes are on the identity audit chain, as who asked through the directory.
    const db = new Client({ connectionString: requireEnv('DATABASE_URL') });
    await db.connect();
    try {
      const { rows } = await db.query<{
        action: string;
        actor: string;
        client_id: string;
        reason: string | null;
      }>(
        `SELECT action, actor, client_id, reason FROM audit.audit_record
         WHERE chain = 'identity' AND object_type = 'api-client' AND object_id = $1 ORDER BY seq`,
        [created.clientId],
      );
      expect(rows).toEqual([
        {
          action: 'client.registered',
          actor: `${admin} via client:throughcare-directory`,
          client_id: 'throughcare-directory',
          reason: null,
        },
        {
          action: 'client.revoked',
          actor: `${admin} via client:throughcare-directory`,
          client_id: 'throughcare-directory',
          reason: 'contract ended',
        },
      ]);
    } finally {
      await db.end();
    }
  });

  it('refuses bad input with a problem naming the field, and an unknown agency with 404', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', `/agencies/${agencyA}/clients`, { name: 'x', roles: ['administrator'] }, 'roles.0'],
      ['POST', `/agencies/${agencyA}/clients`, { name: '   ' }, 'name'],
      ['POST', `/agencies/${agencyA}/clients`, { name: 'x', agencyId: agencyB }, '(root)'],
      [
        'POST',
        `/agencies/${agencyA}/clients`,
        { name: 'x', roles: ['agency-staff', 'agency-staff'] },
        'roles',
      ],
      ['GET', `/agencies/${agencyA}/clients?limit=0`, undefined, 'limit'],
      ['GET', `/agencies/${agencyA}/clients/not-a-client`, undefined, '(root)'],
      ['GET', `/agencies/not-a-uuid/clients`, undefined, '(root)'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method as 'GET' | 'POST', path, body);
      const problem = (await r.json()) as Problem;
      expect({ path, body, status: r.status, code: problem.code }).toEqual({
        path,
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    }
    const missing = await call('POST', `/agencies/${randomUUID()}/clients`, { name: 'Nobody’s system' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Problem).code).toBe('AGENCY_NOT_FOUND');
  });

  describe('the registrar at the identity provider', () => {
    const registrar = { clientId: 'throughcare-directory', clientSecret: config.DIRECTORY_REGISTRAR_SECRET! };
    const asRegistrar = async (method: 'GET' | 'POST', path: string, body?: unknown) =>
      fetch(`${issuer}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await clientToken(registrar, 'urn:throughcare:identity')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    it('may touch agencies’ clients only: no other role, no other client, no staff', async () => {
      const requestedBy = 'user:spec';
      const administratorClient = await asRegistrar('POST', '/admin/clients', {
        name: 'escalation attempt',
        roles: ['administrator'],
        agencyId: agencyA,
        requestedBy,
      });
      expect(administratorClient.status).toBe(400);
      const noAgency = await asRegistrar('POST', '/admin/clients', {
        name: 'no agency',
        roles: ['agency-system'],
        requestedBy,
      });
      expect(noAgency.status).toBe(400);
      const unnamed = await asRegistrar('POST', '/admin/clients', {
        name: 'who asked?',
        roles: ['agency-system'],
        agencyId: agencyA,
      });
      expect(unnamed.status).toBe(400);
      // Every client at once, the bootstrap administrator, itself: not for the registrar.
      expect((await asRegistrar('GET', '/admin/clients')).status).toBe(400);
      expect((await asRegistrar('GET', '/admin/clients/throughcare-admin')).status).toBe(404);
      expect((await asRegistrar('GET', '/admin/clients/throughcare-directory')).status).toBe(404);
      expect(
        (
          await asRegistrar('POST', '/admin/clients/throughcare-admin/revocation', {
            reason: 'x',
            requestedBy,
          })
        ).status,
      ).toBe(404);
      expect((await asRegistrar('GET', '/admin/staff')).status).toBe(404);
      expect((await asRegistrar('GET', '/audit/records?limit=1')).status).toBe(404);
      for (const body of [
        { name: 'x', roles: ['service'], agencyId: agencyA, requestedBy },
        { name: 'x', roles: ['prison-staff'], establishments: ['BAR'], agencyId: agencyA, requestedBy },
        { name: 'x', roles: ['agency-system', 'manager'], agencyId: agencyA, requestedBy },
        { name: 'x', roles: ['agency-system'], agencyId: agencyA, requestedBy: 'user:a b' },
        { name: 'x', roles: ['agency-system'], agencyId: agencyA, requestedBy: 'user:a\nforged line' },
      ])
        expect({ body, status: (await asRegistrar('POST', '/admin/clients', body)).status }).toEqual({
          body,
          status: 400,
        });
    });

    it('sees no client that is not purely an agency’s: not another role’s, not a mixed one', async () => {
      const requestedBy = 'user:spec';
      const manager = await registerClient({ roles: ['manager'], label: 'not an agency client' });
      // An administrator may register an agency client with another role beside it, directly.
      const mixed = await registerClient({
        roles: ['agency-system', 'manager'],
        agencyId: agencyA,
        label: 'mixed',
      });
      for (const id of [manager.clientId, mixed.clientId]) {
        const read = await asRegistrar('GET', `/admin/clients/${id}`);
        expect(read.status).toBe(404);
        expect(((await read.json()) as Problem).code).toBe('CLIENT_NOT_FOUND');
        const revoke = await asRegistrar('POST', `/admin/clients/${id}/revocation`, {
          reason: 'x',
          requestedBy,
        });
        expect(revoke.status).toBe(404);
      }
      const listed = (await (await call('GET', `/agencies/${agencyA}/clients?limit=200`)).json()) as {
        items: ClientBody[];
      };
      expect(listed.items.map((c) => c.clientId)).not.toContain(mixed.clientId);
      // Both still get tokens: the refusals changed nothing.
      expect(await tokenStatus(manager.clientId, manager.clientSecret)).toBe(200);
    });

    it('gets tokens for the provider’s administration API only', async () => {
      expect(await tokenStatus(registrar.clientId, registrar.clientSecret)).toBe(400); // resource: the directory
    });
  });
});
