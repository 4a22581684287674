import { SignJWT } from 'jose';
import { AccessTokenVerifier, IssuerUnavailableError, TokenRejectedError } from './access-token-verifier';
import { TestIssuer } from './test-issuer.spec-helper';

const agencySystem = { roles: ['agency-system'], agency_id: 'AG-1' };

describe('AccessTokenVerifier', () => {
  const issuer = new TestIssuer();
  let verifier: AccessTokenVerifier;

  beforeAll(async () => {
    await issuer.start();
    await issuer.addKey('k1');
  });
  afterAll(() => issuer.stop());
  beforeEach(() => {
    issuer.discoveryIssuer = undefined;
    issuer.discoveryJwksUri = undefined;
    issuer.jwksFailure = undefined;
    verifier = new AccessTokenVerifier({
      issuer: issuer.url,
      audience: 'urn:throughcare:referral',
      jwksCooldownMs: 0,
    });
  });

  const rejected = async (token: string, reason: RegExp) => {
    const error = await verifier.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRejectedError);
    expect((error as TokenRejectedError).reason).toMatch(reason);
  };

  it('turns a valid token into its principal, keys found through discovery', async () => {
    const principal = await verifier.verify(await issuer.token({ ...agencySystem, jti: 't-1' }));
    expect(principal).toEqual({
      subject: 'c1',
      clientId: 'c1',
      roles: ['agency-system'],
      agencyId: 'AG-1',
      establishments: [],
      tokenId: 't-1',
    });
  });

  it('refuses expiry and not-before beyond the 30 s leeway, and allows them within it', async () => {
    // Whole seconds, read before signing and verifying: the verifier's clock is later by the time
    // those take, which on a loaded machine crosses a second boundary. That only deepens an expiry
    // (so exp 31 s ago stays refused), but it would bring an nbf 31 s ahead within the leeway, so
    // the not-before case keeps a 15 s margin past it; the accepted cases have 10 s each way.
    const now = Math.floor(Date.now() / 1000);
    await rejected(await issuer.token(agencySystem, { exp: now - 31 }), /expired/);
    await expect(verifier.verify(await issuer.token(agencySystem, { exp: now - 20 }))).resolves.toBeDefined();
    await rejected(await issuer.token(agencySystem, { nbf: now + 45 }), /"nbf"/);
    await expect(verifier.verify(await issuer.token(agencySystem, { nbf: now + 20 }))).resolves.toBeDefined();
  });

  it('refuses another issuer, another audience and a tampered signature or payload', async () => {
    await rejected(await issuer.token(agencySystem, { iss: 'http://elsewhere' }), /"iss"/);
    await rejected(await issuer.token(agencySystem, { aud: 'urn:throughcare:liberation' }), /"aud"/);
    const [header, payload, signature] = (await issuer.token(agencySystem)).split('.');
    const flipped = signature!.startsWith('A') ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    await rejected(`${header}.${payload}.${flipped}`, /signature/);
    const widened = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), agency_id: 'AG-2' }),
    ).toString('base64url');
    await rejected(`${header}.${widened}.${signature}`, /signature/);
  });

  it('refuses unsigned and HMAC tokens (algorithm confusion)', async () => {
    const unsigned = (claims: object, alg: string) =>
      [
        Buffer.from(JSON.stringify({ alg, kid: 'k1' })).toString('base64url'),
        Buffer.from(
          JSON.stringify({
            ...claims,
            sub: 'c1',
            client_id: 'c1',
            iss: issuer.url,
            aud: 'urn:throughcare:referral',
            exp: Math.floor(Date.now() / 1000) + 60,
          }),
        ).toString('base64url'),
        '',
      ].join('.');
    await rejected(unsigned(agencySystem, 'none'), /algorithm not allowed|malformed/);
    const hmac = await new SignJWT({ ...agencySystem, client_id: 'c1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('c1')
      .setIssuer(issuer.url)
      .setAudience('urn:throughcare:referral')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(JSON.stringify(issuer.keys[0]!.publicJwk)));
    await rejected(hmac, /algorithm not allowed/);
    expect(
      () => new AccessTokenVerifier({ issuer: issuer.url, audience: 'a', algorithms: ['HS256'] }),
    ).toThrow(/never accepted/);
  });

  it('refuses claims the platform cannot scope: no roles, an unknown role, an agency role without its agency', async () => {
    await rejected(await issuer.token({}), /roles/);
    await rejected(await issuer.token({ roles: ['superuser'] }), /roles/);
    await rejected(await issuer.token({ roles: ['agency-staff'] }), /agency_id/);
    await rejected(await issuer.token({ roles: ['prison-staff'] }), /establishments/);
    const prison = await verifier.verify(
      await issuer.token({ roles: ['prison-staff'], establishments: ['BAR', 'BAR', 'LOW'] }),
    );
    expect(prison.establishments).toEqual(['BAR', 'LOW']);
    // policy-admin (re-plans) reaches its establishments, as prison-staff does.
    await rejected(await issuer.token({ roles: ['policy-admin'] }), /establishments/);
    const admin = await verifier.verify(
      await issuer.token({ roles: ['policy-admin'], establishments: ['BAR'] }),
    );
    expect(admin).toMatchObject({ roles: ['policy-admin'], establishments: ['BAR'] });
  });

  it('follows a key rotation: a token signed by a new key id refetches the key set', async () => {
    await verifier.verify(await issuer.token(agencySystem));
    const before = issuer.jwksFetches;
    await issuer.addKey('k2');
    await expect(verifier.verify(await issuer.token(agencySystem, { kid: 'k2' }))).resolves.toBeDefined();
    expect(issuer.jwksFetches).toBe(before + 1);
    // The old key, still published, keeps verifying its unexpired tokens.
    await expect(verifier.verify(await issuer.token(agencySystem, { kid: 'k1' }))).resolves.toBeDefined();
    // A key withdrawn from the set no longer verifies anything.
    const retired = await issuer.token(agencySystem, { kid: 'k1' });
    issuer.keys = issuer.keys.filter((k) => k.kid !== 'k1');
    const stale = new AccessTokenVerifier({ issuer: issuer.url, audience: 'urn:throughcare:referral' });
    await expect(stale.verify(retired).catch((e: unknown) => e)).resolves.toBeInstanceOf(TokenRejectedError);
  });

  it('refuses a JWT that is not an access token (RFC 9068 typ at+jwt), unless configured for such a provider', async () => {
    await rejected(await issuer.token(agencySystem, { typ: 'JWT' }), /"typ"/);
    const lenient = new AccessTokenVerifier({
      issuer: issuer.url,
      audience: 'urn:throughcare:referral',
      tokenType: undefined,
    });
    await expect(lenient.verify(await issuer.token(agencySystem, { typ: 'JWT' }))).resolves.toBeDefined();
  });

  it("takes keys only from the issuer's own origin, and calls a failing key set unavailable", async () => {
    issuer.discoveryJwksUri = 'http://evil.example:443/jwks';
    const poisoned = await verifier.verify(await issuer.token(agencySystem)).catch((e: unknown) => e);
    expect(poisoned).toBeInstanceOf(IssuerUnavailableError);
    expect((poisoned as Error).message).toMatch(/not on the issuer's origin/);
    issuer.discoveryJwksUri = undefined;
    issuer.jwksFailure = 500;
    const fresh = new AccessTokenVerifier({ issuer: issuer.url, audience: 'urn:throughcare:referral' });
    await expect(
      fresh.verify(await issuer.token(agencySystem)).catch((e: unknown) => e),
    ).resolves.toBeInstanceOf(IssuerUnavailableError);
  });

  it('answers "unavailable", not "invalid", when the issuer cannot be reached or names another issuer', async () => {
    const down = new AccessTokenVerifier({
      issuer: 'http://127.0.0.1:1',
      audience: 'urn:throughcare:referral',
    });
    await expect(
      down.verify(await issuer.token(agencySystem)).catch((e: unknown) => e),
    ).resolves.toBeInstanceOf(IssuerUnavailableError);
    issuer.discoveryIssuer = 'http://impostor';
    await expect(
      verifier.verify(await issuer.token(agencySystem)).catch((e: unknown) => e),
    ).resolves.toBeInstanceOf(IssuerUnavailableError);
    // Discovery is retried once the issuer answers properly again.
    issuer.discoveryIssuer = undefined;
    await expect(verifier.verify(await issuer.token(agencySystem))).resolves.toBeDefined();
  });
});
