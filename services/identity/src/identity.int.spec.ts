import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { AccessTokenVerifier, TokenRejectedError } from '@throughcare/platform-auth';
import {
  adminClient,
  clientToken,
  registerClient,
  requireEnv,
  startApp,
  testIdentity,
  type AppProcess,
  type RegisteredClient,
} from '@throughcare/testing';
import { AuditWriter } from '@throughcare/platform-audit';
import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { IDENTITY_AUDIT_CHAIN } from './audit-api';
import { ADMIN_CLIENT_ID, ClientStore, configuredClientRecorder, REGISTRAR_CLIENT_ID } from './client-store';

// The identity provider the test infrastructure started (AUTH_ISSUER), plus a second instance
// with a 2-second token lifetime for the revocation test. Both real processes, real HTTP.

const issuer = requireEnv('AUTH_ISSUER');

const tokenRequest = (client: RegisteredClient, params: Record<string, string>, base = issuer) =>
  fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
  });

const admin = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const token = await clientToken(adminClient(), 'urn:throughcare:identity');
  return fetch(`${issuer}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
};

describe('identity provider (services/identity, oidc-provider)', () => {
  it('publishes OpenID Connect discovery and its public keys', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
    });
    // The provider supports more grants; every client it registers has client_credentials only.
    expect(discovery['grant_types_supported']).toContain('client_credentials');
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d'); // never the private part
  });

  it("issues a registered client a JWT for the service it names, carrying the client's roles and agency", async () => {
    const client = await registerClient({ roles: ['agency-system'], agencyId: 'AG-identity-spec' });
    const response = await tokenRequest(client, { resource: 'urn:throughcare:referral' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(decodeJwt(body.access_token)).toMatchObject({
      iss: issuer,
      aud: 'urn:throughcare:referral',
      sub: client.clientId,
      client_id: client.clientId,
      roles: ['agency-system'],
      agency_id: 'AG-identity-spec',
    });
    const principal = await new AccessTokenVerifier({ issuer, audience: 'urn:throughcare:referral' }).verify(
      body.access_token,
    );
    expect(principal).toMatchObject({
      clientId: client.clientId,
      roles: ['agency-system'],
      agencyId: 'AG-identity-spec',
    });
  });

  it('offers no userinfo or pushed authorization endpoints (staff sign-in and logout: staff-sign-in.int.spec.ts)', async () => {
    for (const path of ['/me', '/request']) {
      const response = await fetch(`${issuer}${path}`, { method: path === '/request' ? 'POST' : 'GET' });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });

  it('refuses a wrong secret, an unknown client, a missing or unknown resource', async () => {
    const client = await registerClient({ roles: ['manager'] });
    const wrong = await tokenRequest(
      { ...client, clientSecret: `${client.clientSecret}x` },
      { resource: 'urn:throughcare:referral' },
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const unknown = await tokenRequest(
      { clientId: 'tc-000000000000000000000000', clientSecret: 'x' },
      { resource: 'urn:throughcare:referral' },
    );
    expect(unknown.status).toBe(401);
    const noResource = await tokenRequest(client, {});
    expect(noResource.status).toBe(400);
    expect(await noResource.json()).toMatchObject({ error: 'invalid_target' });
    const elsewhere = await tokenRequest(client, { resource: 'https://example.org/api' });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.json()).toMatchObject({ error: 'invalid_target' });
  });

  describe('administration API', () => {
    it('answers without a token 401, and to a role other than administrator like an unknown path', async () => {
      expect((await fetch(`${issuer}/admin/clients`)).status).toBe(401);
      const manager = await registerClient({ roles: ['manager'] });
      const token = await clientToken(manager, 'urn:throughcare:identity');
      const denied = await fetch(`${issuer}/admin/clients`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const unknown = await fetch(`${issuer}/admin/no-such-thing`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(denied.status).toBe(404);
      expect(unknown.status).toBe(404);
      // A token for another audience is not an administration token.
      const referralToken = await clientToken(adminClient(), 'urn:throughcare:referral');
      expect(
        (await fetch(`${issuer}/admin/clients`, { headers: { authorization: `Bearer ${referralToken}` } }))
          .status,
      ).toBe(401);
    });

    it('validates registrations field by field (problem+json), and refuses other media types and large bodies', async () => {
      const invalid = await admin('POST', '/admin/clients', {
        name: '',
        roles: ['agency-staff', 'root'],
        extra: 1,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const fields = ((await invalid.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.roles.1', 'body']));
      const agencyless = await admin('POST', '/admin/clients', { name: 'x', roles: ['agency-staff'] });
      expect(
        ((await agencyless.json()) as { errors: { field: string }[] }).errors.map((e) => e.field),
      ).toEqual(['body.agencyId']);
      expect((await admin('POST', '/admin/clients', 'name=x', { 'content-type': 'text/plain' })).status).toBe(
        415,
      );
      expect((await admin('POST', '/admin/clients', '{"name":')).status).toBe(400);
      expect(
        (await admin('POST', '/admin/clients', { name: 'x'.repeat(20_000), roles: ['manager'] })).status,
      ).toBe(413);
    });

    it('shows a client without its secret, lists an agency’s clients a page at a time, and revokes once', async () => {
      const agencyId = `AG-${randomBytes(6).toString('hex')}`;
      const first = await admin('POST', '/admin/clients', {
        name: 'Case system',
        roles: ['agency-system'],
        agencyId,
      });
      expect(first.status).toBe(201);
      expect(first.headers.get('cache-control')).toBe('no-store');
      const created = (await first.json()) as { clientId: string; clientSecret: string };
      expect(created.clientSecret).toHaveLength(43);
      await admin('POST', '/admin/clients', { name: 'Case worker', roles: ['agency-staff'], agencyId });
      const read = (await (await admin('GET', `/admin/clients/${created.clientId}`)).json()) as Record<
        string,
        unknown
      >;
      expect(read).toMatchObject({
        clientId: created.clientId,
        agencyId,
        roles: ['agency-system'],
        revokedAt: null,
      });
      expect(JSON.stringify(read)).not.toMatch(/secret|sha256/i);

      const page1 = (await (await admin('GET', `/admin/clients?agencyId=${agencyId}&limit=1`)).json()) as {
        items: { clientId: string }[];
        next: string | null;
      };
      expect(page1.items).toHaveLength(1);
      const page2 = (await (
        await admin('GET', `/admin/clients?agencyId=${agencyId}&limit=1&after=${page1.next}`)
      ).json()) as { items: { clientId: string }[]; next: string | null };
      expect(page2.items).toHaveLength(1);
      expect(page2.next).toBeNull();
      expect(new Set([...page1.items, ...page2.items].map((c) => c.clientId)).size).toBe(2);

      expect((await admin('POST', `/admin/clients/${created.clientId}/revocation`, {})).status).toBe(400);
      const revoked = (await (
        await admin('POST', `/admin/clients/${created.clientId}/revocation`, { reason: 'contract ended' })
      ).json()) as Record<string, unknown>;
      expect(revoked).toMatchObject({
        revokedReason: 'contract ended',
        revokedBy: 'client:throughcare-admin',
      });
      const again = (await (
        await admin('POST', `/admin/clients/${created.clientId}/revocation`, { reason: 'twice' })
      ).json()) as Record<string, unknown>;
      expect(again).toMatchObject({ revokedReason: 'contract ended', revokedAt: revoked['revokedAt'] });
      expect(
        (await admin('POST', '/admin/clients/tc-000000000000000000000000/revocation', { reason: 'x' }))
          .status,
      ).toBe(404);
    });

    it('refuses a revoked client at the administration API at once, not when its token lapses', async () => {
      const second = await registerClient({ roles: ['administrator'], label: 'soon revoked administrator' });
      const token = await clientToken(second, 'urn:throughcare:identity');
      const list = () =>
        fetch(`${issuer}/admin/clients?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      expect((await list()).status).toBe(200);
      expect(
        (await admin('POST', `/admin/clients/${second.clientId}/revocation`, { reason: 'spec' })).status,
      ).toBe(200);
      const refused = await list();
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('keeps a revoked directory registrar revoked across starts with the same secret; a rotated secret reinstates it, on the audit chain', async () => {
      const db = new DataSource({ type: 'postgres', url: requireEnv('DATABASE_URL') });
      await db.initialize();
      const store = new ClientStore(db);
      const secret = requireEnv('DIRECTORY_REGISTRAR_SECRET');
      // As the service records a start's changes to its configured clients (identity-service.ts).
      const audit = new AuditWriter(
        db,
        IDENTITY_AUDIT_CHAIN,
        auditSealKeyringFrom({
          AUDIT_SEAL_KEYS: requireEnv('AUDIT_SEAL_KEYS'),
          AUDIT_SEAL_KEY_ID: requireEnv('AUDIT_SEAL_KEY_ID'),
        }),
      );
      const record = configuredClientRecorder(audit)('DIRECTORY_REGISTRAR_SECRET');
      const records = async () =>
        (await db.query(
          `SELECT "action", "actor", "reason", "outcome" FROM "audit"."audit_record"
           WHERE "chain" = $1 AND "object_id" = $2 AND "action" LIKE 'client.%' ORDER BY "seq"`,
          [IDENTITY_AUDIT_CHAIN, REGISTRAR_CLIENT_ID],
        )) as Array<Record<string, string>>;
      const before = (await records()).length;
      try {
        await store.revoke(REGISTRAR_CLIENT_ID, 'leaked (spec)', 'client:spec');
        await store.ensureRegistrar(secret, record); // a restart, same configuration
        expect((await store.find(REGISTRAR_CLIENT_ID))?.revokedReason).toBe('leaked (spec)');
        expect((await records()).length).toBe(before); // nothing changed, nothing recorded
        await store.ensureRegistrar(randomBytes(32).toString('base64url'), record); // the secret rotated
        expect((await store.find(REGISTRAR_CLIENT_ID))?.revokedAt).toBeNull();
        expect((await records()).slice(before)).toEqual([
          {
            action: 'client.rekeyed',
            actor: 'identity-service',
            reason: 'at start, from DIRECTORY_REGISTRAR_SECRET; its revocation lifted',
            outcome: 'allowed',
          },
        ]);
        // The bootstrap administrator revoked in the database (the API cannot): the next start
        // reinstates it, and says so; a start that finds it as configured writes nothing.
        const adminRecords = async () =>
          (await db.query(
            `SELECT "action", "reason" FROM "audit"."audit_record"
             WHERE "chain" = $1 AND "object_id" = $2 AND "action" LIKE 'client.%' ORDER BY "seq"`,
            [IDENTITY_AUDIT_CHAIN, ADMIN_CLIENT_ID],
          )) as Array<Record<string, string>>;
        const adminBefore = (await adminRecords()).length;
        const recordAdmin = configuredClientRecorder(audit)('IDENTITY_ADMIN_CLIENT_SECRET');
        await store.revoke(ADMIN_CLIENT_ID, 'spec', 'client:spec');
        await store.ensureAdmin(adminClient().clientSecret, recordAdmin);
        await store.ensureAdmin(adminClient().clientSecret, recordAdmin);
        expect((await store.find(ADMIN_CLIENT_ID))?.revokedAt).toBeNull();
        expect((await adminRecords()).slice(adminBefore)).toEqual([
          {
            action: 'client.reinstated',
            reason: 'at start, from IDENTITY_ADMIN_CLIENT_SECRET; its revocation lifted',
          },
        ]);
      } finally {
        // The run's secret again, unrevoked, for the specs after this one.
        await store.ensureRegistrar(secret, record);
        await db.destroy();
      }
      expect(
        (
          await tokenRequest(
            { clientId: REGISTRAR_CLIENT_ID, clientSecret: secret },
            { resource: 'urn:throughcare:identity' },
          )
        ).status,
      ).toBe(200);
    });
  });

  describe('revocation with a short token lifetime (a second provider instance, 2 s tokens)', () => {
    let shortLived: AppProcess;
    beforeAll(async () => {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      shortLived = await startApp('identity-2s', 'services/identity/src/main.ts', {
        IDENTITY_JWKS: JSON.stringify({ keys: [{ ...key, kid: 'spec-2s', alg: 'ES256', use: 'sig' }] }),
        IDENTITY_COOKIE_SECRET: randomBytes(32).toString('base64url'),
        IDENTITY_ADMIN_CLIENT_SECRET: testIdentity().adminSecret,
        IDENTITY_ACCESS_TOKEN_TTL_SECONDS: '2',
        LOG_LEVEL: 'error',
      });
    }, 120_000);
    afterAll(() => shortLived?.stop());

    it('stops a revoked client getting tokens at once, and its issued token works at most until it expires', async () => {
      const client = await registerClient({ roles: ['manager'] });
      const response = await tokenRequest(
        client,
        { resource: 'urn:throughcare:orchestrator' },
        shortLived.baseUrl,
      );
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      const verifier = new AccessTokenVerifier({
        issuer: shortLived.baseUrl,
        audience: 'urn:throughcare:orchestrator',
        clockToleranceSeconds: 0,
      });
      await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: client.clientId });

      expect(
        (await admin('POST', `/admin/clients/${client.clientId}/revocation`, { reason: 'spec' })).status,
      ).toBe(200);
      // Both provider instances share the client store: neither issues it anything now.
      expect(
        (await tokenRequest(client, { resource: 'urn:throughcare:orchestrator' }, shortLived.baseUrl)).status,
      ).toBe(401);
      expect((await tokenRequest(client, { resource: 'urn:throughcare:orchestrator' })).status).toBe(401);

      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRejectedError);
      expect((error as TokenRejectedError).reason).toBe('token expired');
    });
  });
});
