import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { bearer, type TestPrincipal, mockActivityEnvironment } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { AgenciesService } from './agencies.service';
import type { AgencyPage, AgencyView } from './agency.schemas';
import { createDirectoryActivities } from './directory.activities';
import type { findAgencyWorkflow } from './test-workflows/find-agency.workflow';
import { directoryConfig, startDirectory } from './directory-app.spec-support';

const config = directoryConfig;
const EDINBURGH = 'S12000036';
const DIRECTORY_AUDIENCE = 'urn:throughcare:directory';

/** One principal per role: every one of them reads the directory. */
const EVERY_ROLE: Array<[string, TestPrincipal]> = [
  ['prison-staff', { roles: ['prison-staff'], establishments: ['BAR'] }],
  ['agency-staff', { roles: ['agency-staff'], agencyId: 'spec-agency-directory' }],
  ['agency-system', { roles: ['agency-system'], agencyId: 'spec-agency-directory' }],
  ['manager', { roles: ['manager'] }],
  ['operator', { roles: ['operator'] }],
  ['auditor', { roles: ['auditor'] }],
  ['administrator', { roles: ['administrator'] }],
  ['service', { roles: ['service'] }],
];
const READER: TestPrincipal = { roles: ['service'] };
const ADMINISTRATOR: TestPrincipal = { roles: ['administrator'] };

/** The `client_id` claim of the token in an Authorization header (the test trusts its own token). */
const clientIdIn = (headers: Record<string, string>): string => {
  const payload = (headers['authorization'] ?? '').split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { client_id: string }).client_id;
};

describe('directory service (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, base } = await startDirectory());
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Authorization for `as` (a real token from the identity provider), or none when `as` is null. */
  const authAs = async (as: TestPrincipal | null): Promise<Record<string, string>> =>
    as ? bearer(as, DIRECTORY_AUDIENCE) : {};
  const get = async (path: string, as: TestPrincipal | null = READER) =>
    fetch(`${base}${path}`, { headers: await authAs(as) });
  const post = async (path: string, body: unknown, as: TestPrincipal | null = ADMINISTRATOR) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authAs(as)) },
      body: JSON.stringify(body),
    });
  const agenciesNamed = (name: string) =>
    app.get(DataSource).query(`SELECT id FROM directory.agency WHERE name = $1`, [name]) as Promise<
      unknown[]
    >;
  const anAgencyBody = () => ({
    name: `Spec Housing Options ${randomUUID().slice(0, 8)}`,
    kind: 'HOUSING',
    localAuthority: EDINBURGH,
    contactPoint: 'Housing options duty desk',
  });

  it('pages through all 32 Scottish CJSW services without gaps or repeats', async () => {
    const seen: AgencyView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/agencies?kind=CJSW&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await get(query);
      expect(response.status).toBe(200);
      const page = (await response.json()) as AgencyPage;
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    const scottish = seen.filter(
      (a) => a.localAuthority.startsWith('S12') && a.createdBy === 'seed:directory',
    );
    expect(scottish).toHaveLength(32);
    expect(new Set(seen.map((a) => a.id)).size).toBe(seen.length);
    expect(seen.map((a) => a.name)).toEqual(
      [...seen.map((a) => a.name)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    );
    expect(pages).toBeGreaterThanOrEqual(4);
  });

  it('filters by local authority', async () => {
    const response = await get(`/agencies?localAuthority=${EDINBURGH}&kind=CJSW`);
    const page = (await response.json()) as AgencyPage;
    expect(page.items[0]).toMatchObject({
      name: 'City of Edinburgh Council Justice Social Work',
      contactPoint: 'Justice Social Work duty team',
    });
  });

  it('answers a bad query with 400 problem+json naming each field', async () => {
    const response = await get('/agencies?limit=0&localAuthority=Edinburgh');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as {
      status: number;
      code: string;
      errors: Array<{ field: string }>;
    };
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request' });
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['limit', 'localAuthority']);
  });

  it('rejects a cursor it did not issue', async () => {
    const response = await get('/agencies?cursor=not-a-cursor');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('cursor');
  });

  it('answers an unknown agency with 404 problem+json', async () => {
    const response = await get(`/agencies/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 404,
      code: 'AGENCY_NOT_FOUND',
      type: 'urn:throughcare:problem:agency-not-found',
    });
  });

  it("creates an agency (201) recorded as created by the administrator's client, finds it by id, and refuses a duplicate (409)", async () => {
    const body = anAgencyBody();

    const created = await post('/agencies', body);
    expect(created.status).toBe(201);
    const agency = (await created.json()) as AgencyView;
    const administratorClient = clientIdIn(await bearer(ADMINISTRATOR, DIRECTORY_AUDIENCE));
    expect(agency).toMatchObject({ ...body, createdBy: `client:${administratorClient}` });

    const fetched = await get(`/agencies/${agency.id}`);
    expect(await fetched.json()).toEqual(agency);
    const duplicate = await post('/agencies', body);
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: 'AGENCY_ALREADY_EXISTS' });
  });

  it("replaces an agency's details and services (PUT): kept id and creation, recorded updater; 404, 409 and 400 as for adding", async () => {
    const put = async (path: string, body: unknown, as: TestPrincipal | null = ADMINISTRATOR) =>
      fetch(`${base}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(await authAs(as)) },
        body: JSON.stringify(body),
      });
    const first = (await (await post('/agencies', anAgencyBody())).json()) as AgencyView;
    const other = anAgencyBody();
    expect((await post('/agencies', other)).status).toBe(201);
    const replacement = {
      ...anAgencyBody(),
      contactPoint: 'Housing options, evenings',
      catchment: [EDINBURGH, 'S12000019'],
      services: [{ pathway: 'ACCOMMODATION', name: 'Tenancy sustainment', sex: 'WOMEN' }],
    };

    const replaced = await put(`/agencies/${first.id}`, replacement);
    expect(replaced.status).toBe(200);
    const view = (await replaced.json()) as AgencyView;
    const administratorClient = clientIdIn(await bearer(ADMINISTRATOR, DIRECTORY_AUDIENCE));
    expect(view).toMatchObject({
      id: first.id,
      name: replacement.name,
      contactPoint: 'Housing options, evenings',
      catchment: [EDINBURGH, 'S12000019'],
      createdAt: first.createdAt,
      createdBy: first.createdBy,
      updatedBy: `client:${administratorClient}`,
    });
    expect(view.services.map((s) => [s.pathway, s.name, s.sex])).toEqual([
      ['ACCOMMODATION', 'Tenancy sustainment', 'WOMEN'],
    ]);
    expect(await (await get(`/agencies/${first.id}`)).json()).toEqual(view);

    // Taking another agency's name in its area: 409, and nothing changed.
    const clash = await put(`/agencies/${first.id}`, { ...replacement, name: other.name });
    expect(clash.status).toBe(409);
    expect(await clash.json()).toMatchObject({ code: 'AGENCY_ALREADY_EXISTS' });
    expect(await (await get(`/agencies/${first.id}`)).json()).toEqual(view);

    const missing = await put(`/agencies/${randomUUID()}`, replacement);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'AGENCY_NOT_FOUND' });
    const invalid = await put(`/agencies/${first.id}`, { ...replacement, kind: 'BAKERY' });
    expect(invalid.status).toBe(400);
    expect(
      ((await invalid.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field),
    ).toEqual(['kind']);
    // Only administrators replace: another role meets the route as if it did not exist.
    const refused = await put(`/agencies/${first.id}`, replacement, { roles: ['manager'] });
    expect(refused.status).toBe(404);
  });

  it('answers a bad body with 400 problem+json naming each field', async () => {
    const response = await post('/agencies', { name: '', kind: 'CJSW', localAuthority: 'nowhere' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['contactPoint', 'localAuthority', 'name']);
  });

  describe('access: every role reads, only administrators add', () => {
    it('answers 401 problem+json without a valid access token, on every route, before looking at the request', async () => {
      const seeded = (
        (await (await get(`/agencies?localAuthority=${EDINBURGH}&kind=CJSW`)).json()) as AgencyPage
      ).items[0]!;
      const body = anAgencyBody();
      for (const response of [
        await get('/agencies', null),
        await get(`/agencies/${seeded.id}`, null),
        await post('/agencies', body, null),
        await post('/agencies', { name: '' }, null),
        await get('/agencies/not-a-uuid', null),
      ]) {
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="throughcare"');
        expect(await response.json()).toMatchObject({
          status: 401,
          code: 'UNAUTHORIZED',
          title: 'Unauthorized',
        });
      }

      // The old stand-in header names somebody but proves nothing.
      const standIn = await fetch(`${base}/agencies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'throughcare-actor': 'spec:agencies' },
        body: JSON.stringify(body),
      });
      expect(standIn.status).toBe(401);
      const forged = await fetch(`${base}/agencies`, {
        headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
      });
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      // An administrator's token minted for another service is not one for this one.
      const forReferral = await bearer(ADMINISTRATOR, 'urn:throughcare:referral');
      const elsewhere = await fetch(`${base}/agencies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...forReferral },
        body: JSON.stringify(body),
      });
      expect(elsewhere.status).toBe(401);

      expect(await agenciesNamed(body.name)).toEqual([]);
    });

    it.each(EVERY_ROLE)('lets a %s token list agencies and read one', async (_role, principal) => {
      const list = await get(`/agencies?localAuthority=${EDINBURGH}&kind=CJSW`, principal);
      expect(list.status).toBe(200);
      const [agency] = ((await list.json()) as AgencyPage).items;
      expect(agency).toMatchObject({ name: 'City of Edinburgh Council Justice Social Work' });

      const one = await get(`/agencies/${agency!.id}`, principal);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual(agency);
    });

    it.each(EVERY_ROLE.filter(([role]) => role !== 'administrator'))(
      'answers POST /agencies with a %s token exactly as a route that does not exist (404), and adds nothing',
      async (_role, principal) => {
        const body = anAgencyBody();

        const denied = await post('/agencies', body, principal);
        const unknownRoute = await post('/no-such-route/agencies', body, principal);

        expect(denied.status).toBe(404);
        expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(unknownRoute.status).toBe(404);
        const missing = (await unknownRoute.json()) as Record<string, unknown>;
        expect(await denied.json()).toEqual({
          ...missing,
          detail: 'Cannot POST /agencies',
          instance: '/agencies',
        });
        expect(missing).toMatchObject({
          detail: 'Cannot POST /no-such-route/agencies',
          instance: '/no-such-route/agencies',
        });
        expect(await agenciesNamed(body.name)).toEqual([]);
      },
    );

    it('documents the bearer access token on every agency route, and no stand-in actor header', async () => {
      const doc = (await (await get('/docs-json', null)).json()) as {
        paths: Record<
          string,
          Record<
            string,
            {
              security?: Record<string, string[]>[];
              parameters?: Array<{ name: string; in: string }>;
              responses?: Record<string, unknown>;
            }
          >
        >;
        components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
      };
      expect(doc.components.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const [path, method] of [
        ['/agencies', 'get'],
        ['/agencies/{id}', 'get'],
        ['/agencies', 'post'],
      ] as const) {
        const operation = doc.paths[path]?.[method];
        expect([path, method, operation?.security]).toEqual([path, method, [{ bearer: [] }]]);
        expect(operation?.responses?.['401']).toBeDefined();
        expect((operation?.parameters ?? []).filter((p) => p.in === 'header')).toEqual([]);
      }
    });
  });

  it('serves OpenAPI with the request body schema taken from zod, without a token', async () => {
    const doc = (await (await get('/docs-json', null)).json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    const schema = doc.paths['/agencies']?.post?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).toEqual(
      expect.arrayContaining(['name', 'kind', 'localAuthority', 'contactPoint']),
    );
    expect((await get('/docs', null)).status).toBe(200);
  });

  it('findAgency fails with a non-retryable AGENCY_NOT_FOUND when nobody serves the area', async () => {
    const activities = createDirectoryActivities(app.get(AgenciesService));

    const attempt = mockActivityEnvironment().run(() =>
      // A kind and area no spec lists an agency for (specs share the database).
      activities.findAgency({ localAuthority: 'S12000023', kind: 'FAMILY_SUPPORT' }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'AGENCY_NOT_FOUND', nonRetryable: true });
  });

  it('answers findAgency through the running activity worker on task queue "directory"', async () => {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const dataConverter = dataConverterFrom(config);
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
    const taskQueue = `directory-spec-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const workflowWorker = await Worker.create({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter,
      taskQueue,
      workflowsPath: require.resolve('./test-workflows/find-agency.workflow'),
    });
    try {
      const [found, missing] = await workflowWorker.runUntil(
        Promise.all([
          client.workflow.execute<typeof findAgencyWorkflow>('findAgencyWorkflow', {
            taskQueue,
            workflowId: `spec-find-${randomUUID()}`,
            args: [{ localAuthority: EDINBURGH, kind: 'CJSW' }],
          }),
          client.workflow.execute<typeof findAgencyWorkflow>('findAgencyWorkflow', {
            taskQueue,
            workflowId: `spec-miss-${randomUUID()}`,
            args: [{ localAuthority: EDINBURGH, kind: 'MENTORING' }],
          }),
        ]),
      );
      expect(found).toMatchObject({
        found: { name: 'City of Edinburgh Council Justice Social Work', kind: 'CJSW' },
      });
      expect(missing).toEqual({ failureType: 'AGENCY_NOT_FOUND', nonRetryable: true });
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });

  it('reports UP with every component, then DOWN (503) when NATS is unreachable, without a token', async () => {
    const up = await get('/health', null);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({
      status: 'UP',
      components: {
        db: { status: 'UP' },
        nats: { status: 'UP' },
        temporal: { status: 'UP' },
        worker: { status: 'UP' }, // the activity worker (WorkerMonitor)
      },
    });

    await app.get<NatsConnection>(NATS_CONNECTION).close();

    const down = await get('/health', null);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'DOWN',
      components: {
        db: { status: 'UP' },
        nats: { status: 'DOWN' },
        temporal: { status: 'UP' },
        worker: { status: 'UP' }, // the activity worker (WorkerMonitor)
      },
    });
  });
});
