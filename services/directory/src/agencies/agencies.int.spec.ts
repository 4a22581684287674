import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { bootstrapService, listeningPort, NATS_CONNECTION } from '@throughcare/platform-http';
import { AppModule } from '../app.module';
import { loadDirectoryConfig } from '../config';
import { AgenciesService } from './agencies.service';
import type { AgencyPage, AgencyView } from './agency.schemas';
import { createDirectoryActivities } from './directory.activities';
import type { findAgencyWorkflow } from './test-workflows/find-agency.workflow';

const config = loadDirectoryConfig({ ...process.env, PORT: '0' });
const EDINBURGH = 'S12000036';

describe('directory service (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'directory',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string) => fetch(`${base}${path}`);
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'throughcare-actor': 'spec:agencies' },
      body: JSON.stringify(body),
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

  it('creates an agency (201), finds it by id, and refuses a duplicate (409)', async () => {
    const body = {
      name: `Spec Housing Options ${randomUUID().slice(0, 8)}`,
      kind: 'HOUSING',
      localAuthority: EDINBURGH,
      contactPoint: 'Housing options duty desk',
    };

    const created = await post('/agencies', body);
    expect(created.status).toBe(201);
    const agency = (await created.json()) as AgencyView;
    expect(agency).toMatchObject({ ...body, createdBy: 'spec:agencies' });

    const fetched = await get(`/agencies/${agency.id}`);
    expect(await fetched.json()).toEqual(agency);
    const duplicate = await post('/agencies', body);
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: 'AGENCY_ALREADY_EXISTS' });
  });

  it('answers a bad body with 400 problem+json naming each field', async () => {
    const response = await post('/agencies', { name: '', kind: 'CJSW', localAuthority: 'nowhere' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['contactPoint', 'localAuthority', 'name']);
  });

  it('serves OpenAPI with the request body schema taken from zod', async () => {
    const doc = (await (await get('/docs-json')).json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    const schema = doc.paths['/agencies']?.post?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).toEqual(
      expect.arrayContaining(['name', 'kind', 'localAuthority', 'contactPoint']),
    );
    expect((await get('/docs')).status).toBe(200);
  });

  it('findAgency fails with a non-retryable AGENCY_NOT_FOUND when nobody serves the area', async () => {
    const activities = createDirectoryActivities(app.get(AgenciesService));

    const attempt = new MockActivityEnvironment().run(() =>
      activities.findAgency({ localAuthority: EDINBURGH, kind: 'WOMENS_SERVICE' }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'AGENCY_NOT_FOUND', nonRetryable: true });
  });

  it('answers findAgency through the running activity worker on task queue "directory"', async () => {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const taskQueue = `directory-spec-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const workflowWorker = await Worker.create({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
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

  it('reports UP with every component, then DOWN (503) when NATS is unreachable', async () => {
    const up = await get('/health');
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

    const down = await get('/health');
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
