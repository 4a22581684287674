import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Access, CurrentPrincipal, PublicRoute } from './access.decorator';
import { AuthModule } from './auth.module';
import type { Principal } from './principal';
import { UndeclaredAccessError } from './route-policy-check';
import { TestIssuer } from './test-issuer.spec-helper';

@Controller('cases')
@Access('agency-system', 'agency-staff')
class CasesController {
  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return { id, agencyId: principal.agencyId };
  }

  @Get()
  @Access('manager')
  list() {
    return { items: [] };
  }
}

@Controller('open')
class OpenController {
  @Get()
  @PublicRoute('a test of public routes')
  get() {
    return { ok: true };
  }
}

@Controller('forgotten')
class ForgottenController {
  @Get()
  get() {
    return { leaked: true };
  }
}

async function appWith(issuer: string, controllers: (new () => object)[]): Promise<NestFastifyApplication> {
  @Module({ imports: [AuthModule.forRoot({ issuer, audience: 'urn:throughcare:test' })], controllers })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

// Each test builds Nest applications (a few seconds on a loaded 2-core machine): more than the unit
// project's 10 s default.
jest.setTimeout(60_000);

describe('AuthGuard and the startup check (deny by default)', () => {
  const issuer = new TestIssuer();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await issuer.start();
    await issuer.addKey('k1');
    app = await appWith(issuer.url, [CasesController, OpenController]);
  });
  afterAll(async () => {
    await app?.close();
    await issuer.stop();
  });

  const get = async (url: string, token?: string) => {
    const response = await app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.statusCode,
      body: response.json() as Record<string, unknown>,
      headers: response.headers,
    };
  };
  const token = (claims: Record<string, unknown>) => issuer.token(claims, { aud: 'urn:throughcare:test' });

  it('refuses to start while a route declares no access policy, naming it', async () => {
    const error = await appWith(issuer.url, [CasesController, ForgottenController]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndeclaredAccessError);
    expect((error as Error).message).toContain('ForgottenController.get');
    expect((error as Error).message).not.toContain('CasesController');
  });

  it('lets a role the route admits through, with its principal', async () => {
    const r = await get('/cases/42', await token({ roles: ['agency-staff'], agency_id: 'AG-1' }));
    expect(r).toMatchObject({ status: 200, body: { id: '42', agencyId: 'AG-1' } });
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    const lower = await app.inject({
      method: 'GET',
      url: '/cases/42',
      headers: { authorization: `bearer ${await token({ roles: ['agency-staff'], agency_id: 'AG-1' })}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('answers a missing or malformed token 401 with an RFC 6750 challenge', async () => {
    const missing = await get('/cases/42');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="throughcare"');
    const expired = await get(
      '/cases/42',
      await issuer.token(
        { roles: ['agency-staff'], agency_id: 'AG-1' },
        { aud: 'urn:throughcare:test', exp: 1 },
      ),
    );
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(
      /^Bearer realm="throughcare", error="invalid_token", error_description="token expired"$/,
    );
    const wrongAudience = await get(
      '/cases/42',
      await issuer.token({ roles: ['agency-staff'], agency_id: 'AG-1' }),
    );
    expect(wrongAudience.status).toBe(401);
    expect((await get('/cases/42', 'not a token')).status).toBe(401);
  });

  it('answers a role the route does not admit exactly as a route that does not exist', async () => {
    const manager = await token({ roles: ['manager'] });
    const denied = await get('/cases/42', manager);
    const missing = await get('/no-such-route/42', manager);
    expect(denied.status).toBe(404);
    // Nest's own error body here (the services render both as the same problem+json).
    expect(denied.body).toEqual({ ...missing.body, message: 'Cannot GET /cases/42' });
    expect(missing.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /no-such-route/42',
    });
    // The method-level policy replaces the controller's: the manager may list, an agency may not.
    expect((await get('/cases', manager)).status).toBe(200);
    expect((await get('/cases', await token({ roles: ['agency-system'], agency_id: 'AG-1' }))).status).toBe(
      404,
    );
  });

  it('serves public routes without a token', async () => {
    expect(await get('/open')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 503, not 401, while the issuer cannot be reached', async () => {
    const stranded = await appWith('http://127.0.0.1:1', [CasesController]);
    try {
      const r = await stranded.inject({
        method: 'GET',
        url: '/cases/1',
        headers: { authorization: `Bearer ${await token({ roles: ['manager'] })}` },
      });
      expect(r.statusCode).toBe(503);
    } finally {
      await stranded.close();
    }
  });
});
