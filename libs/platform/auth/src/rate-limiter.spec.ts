import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Access, PublicRoute } from './access.decorator';
import { AuthModule } from './auth.module';
import { TestIssuer } from './test-issuer.spec-helper';

@Controller('cases')
@Access('agency-system')
class CasesController {
  @Get()
  list() {
    return { items: [] };
  }

  @Get('managers-only')
  @Access('manager')
  managersOnly() {
    return { items: [] };
  }
}

@Controller('health')
class HealthController {
  @Get()
  @PublicRoute('liveness')
  get() {
    return { status: 'ok' };
  }
}

jest.setTimeout(60_000);

describe('the rate limit (per caller, spent by AuthGuard after verification)', () => {
  const issuer = new TestIssuer();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await issuer.start();
    await issuer.addKey('k1');
    @Module({
      imports: [
        AuthModule.forRoot({ issuer: issuer.url, audience: 'urn:throughcare:test', requestsPerMinute: 3 }),
      ],
      controllers: [CasesController, HealthController],
    })
    class TestModule {}
    app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    await issuer.stop();
  });

  const tokenFor = (clientId: string) =>
    issuer.token(
      { roles: ['agency-system'], agency_id: 'AG-1', client_id: clientId },
      { aud: 'urn:throughcare:test' },
    );
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 429 with Retry-After once a client has spent its minute, and only that client', async () => {
    const busy = await tokenFor('busy-client');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/cases', busy)).statusCode);
    expect(statuses).toEqual([200, 200, 200]);

    const refused = await get('/cases', busy);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    // (Services render this as problem+json, code TOO_MANY_REQUESTS: ProblemDetailsFilter.)
    expect(refused.json()).toMatchObject({
      statusCode: 429,
      message: expect.stringContaining('retry after'),
    });

    // Another client of the same agency has its own budget.
    const other = await get('/cases', await tokenFor('other-client'));
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe('2');
  });

  it('counts requests refused for their role (each is audited, so none is free)', async () => {
    const prober = await tokenFor('prober');
    for (let i = 0; i < 3; i++) expect((await get('/cases/managers-only', prober)).statusCode).toBe(404);
    expect((await get('/cases/managers-only', prober)).statusCode).toBe(429);
    expect((await get('/cases', prober)).statusCode).toBe(429);
  });

  it('gives each user of a shared client a budget of their own', async () => {
    const asUser = (sub: string) =>
      issuer.token(
        { roles: ['agency-system'], agency_id: 'AG-1', client_id: 'dashboard', sub },
        { aud: 'urn:throughcare:test' },
      );
    const alice = await asUser('alice');
    for (let i = 0; i < 3; i++) expect((await get('/cases', alice)).statusCode).toBe(200);
    expect((await get('/cases', alice)).statusCode).toBe(429);
    expect((await get('/cases', await asUser('bob'))).statusCode).toBe(200);
  });

  it('spends nothing on requests refused before authentication, and leaves public routes alone', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/cases')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await get('/health')).statusCode).toBe(200);
    const fresh = await get('/cases', await tokenFor('fresh-client'));
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers['ratelimit-remaining']).toBe('2');
  });
});
