import 'reflect-metadata';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService } from './bootstrap';
import { findUnstorableText, jsonDepthExceeds, MAX_JSON_DEPTH } from './hardening';

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() body: unknown) {
    return { received: body };
  }

  @Get()
  list() {
    return { items: [] };
  }

  @Get(':id')
  one(@Param('id') id: string) {
    return { id };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

jest.setTimeout(60_000);

describe('jsonDepthExceeds', () => {
  it('counts brackets outside strings only', () => {
    expect(jsonDepthExceeds('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":[1,{"b":[]},{"c":{}}]}', 4)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(100)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"${'{'.repeat(100)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(200_000), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('findUnstorableText', () => {
  it('names the first field holding NUL or an unpaired surrogate, keys included', () => {
    expect(findUnstorableText({ a: 'fine', b: ['ok', { c: 'x\u0000y' }] })).toEqual({
      field: 'b.1.c',
      message: 'contains a NUL character (U+0000)',
    });
    expect(findUnstorableText({ name: 'a\ud800b' })).toEqual({
      field: 'name',
      message: 'is not valid Unicode (an unpaired surrogate)',
    });
    expect(findUnstorableText({ ['k\udc00']: 1 })?.field).toBe('k\udc00');
    expect(findUnstorableText('\u0000')?.field).toBe('(root)');
    // A query `?=a%00`: the empty name is shown, so the error still names a field (HTTP fuzzing).
    expect(findUnstorableText({ '': 'a\u0000' })?.field).toBe('""');
    expect(findUnstorableText({ q: { '': 'a\u0000' } })?.field).toBe('q.""');
    // A well-formed pair (an emoji) and ordinary accents are fine.
    expect(findUnstorableText({ name: 'Zoë 😀', list: [1, null, true] })).toBeUndefined();
  });
});

describe('the hardened HTTP edge (bootstrapService)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await bootstrapService({
      module: ThingsModule,
      name: 'hardening-spec',
      port: 0,
      host: '127.0.0.1',
      logLevels: [],
      bodyLimitBytes: 64 * 1024,
    });
  });
  afterAll(() => app?.close());

  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/things', headers: { 'content-type': contentType }, payload });

  it('refuses a body over the limit with 413 problem+json, before parsing it', async () => {
    const r = await post(JSON.stringify({ note: 'x'.repeat(70 * 1024) }));
    expect(r.statusCode).toBe(413);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ status: 413, title: 'Content Too Large', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses JSON nested deeper than the limit with 400, and accepts ordinary nesting', async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    const r = await post(deep);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ status: 400, detail: expect.stringContaining('nested deeper') });
    // 30,000 levels: still a clear 400, not a stack overflow.
    expect((await post(`${'['.repeat(30_000)}${']'.repeat(30_000)}`)).statusCode).toBe(400);
    const ok = await post(JSON.stringify({ a: { b: [{ c: 1 }] } }));
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ received: { a: { b: [{ c: 1 }] } } });
  });

  it('answers malformed JSON, prototype poisoning and a wrong content type with problem+json 4xx', async () => {
    const malformed = await post('{"a": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const poisoned = await post('{"__proto__": {"admin": true}}');
    expect(poisoned.statusCode).toBe(400);
    const text = await post('hello', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('refuses text Postgres cannot keep, in the body, the query and the path, naming the field', async () => {
    const body = await post(JSON.stringify({ person: { name: 'A\u0000B' } }));
    expect(body.statusCode).toBe(400);
    expect(body.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'person.name', message: expect.stringContaining('NUL') }],
    });
    const surrogate = await post('{"name": "\\udaad"}');
    expect(surrogate.statusCode).toBe(400);
    expect(surrogate.json()).toMatchObject({ errors: [{ field: 'name' }] });
    const query = await app.inject({ method: 'GET', url: '/things?personId=a%00b' });
    expect(query.statusCode).toBe(400);
    expect(query.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'personId' }] });
    const path = await app.inject({ method: 'GET', url: '/things/a%00b' });
    expect(path.statusCode).toBe(400);
    expect(path.json()).toMatchObject({ errors: [{ field: 'id' }] });
    expect((await app.inject({ method: 'GET', url: '/things/Zo%C3%AB' })).json()).toEqual({ id: 'Zoë' });
  });

  it('sends security headers and no-store on every answer, and no CORS grant', async () => {
    const r = await app.inject({
      method: 'GET',
      url: '/things',
      headers: { origin: 'https://evil.example' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['strict-transport-security']).toBeDefined();
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/things',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.statusCode).toBe(404);
    const problem = await post('{');
    expect(problem.headers['cache-control']).toBe('no-store');
    expect(problem.headers['x-content-type-options']).toBe('nosniff');
  });
});
