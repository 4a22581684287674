import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { CoreScreenCompletedV1, CoreScreenRequestedV1, Streams, subjectFor } from '@throughcare/contracts';
import { connectBus } from '@throughcare/platform-messaging';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import { createAssessmentActivities } from './assessment.activities';
import type { AssessmentPage, AssessmentView } from './assessment.schemas';
import { AssessmentsService } from './assessments.service';
import type { requestCoreScreenTwiceWorkflow } from './test-workflows/request-core-screen.workflow';

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });

// Builders: every test owns its person (so no test reads another's rows).
const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const coreScreenRequest = (
  overrides: Partial<{ personId: string; episode: number; establishmentCode: string; dueBy: string }> = {},
) => ({
  idempotencyKey: `spec:${randomUUID()}`,
  personId: newPersonId(),
  episode: 1,
  establishmentCode: 'BAR',
  dueBy: inDays(3),
  correlationId: `spec-corr-${randomUUID()}`,
  ...overrides,
});
const completion = (overrides: Record<string, unknown> = {}) => ({
  needs: ['HEALTH', 'ACCOMMODATION'],
  riskOfSeriousHarm: 'MEDIUM',
  completedBy: 'role:RECEPTION_OFFICER',
  ...overrides,
});

interface Problem {
  status: number;
  code: string;
  type: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('assessment service (real Postgres, NATS, Temporal)', () => {
  const startedAt = new Date();
  let app: NestFastifyApplication;
  let base: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let activities: ReturnType<typeof createAssessmentActivities>;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    nc = await connectBus(config.NATS_URL, 'assessment-int-spec');
    js = jetstream(nc);
    activities = createAssessmentActivities(app.get(AssessmentsService));
  });

  afterAll(async () => {
    await nc?.drain();
    await app?.close();
  });

  const get = (path: string) => fetch(`${base}${path}`);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const rowsOf = async (sql: string, params: unknown[]) =>
    app.get(DataSource).query(sql, params) as Promise<unknown[]>;

  /** Every event of `eventType` about `assessmentId` on the events stream since this file started, once the outbox has drained. */
  async function eventsOnBus(eventType: string, assessmentId: string): Promise<unknown[]> {
    await waitFor(async () => {
      const pending = await rowsOf(
        `SELECT 1 FROM assessment.outbox WHERE published_at IS NULL AND payload->'data'->>'assessmentId' = $1`,
        [assessmentId],
      );
      return pending.length === 0;
    });
    const reader = await js.consumers.get(Streams.events.name, {
      filter_subjects: [subjectFor(eventType)],
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: startedAt.toISOString(),
    });
    const found: unknown[] = [];
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      const event = msg.json() as { data: { assessmentId: string } };
      if (event.data.assessmentId === assessmentId) found.push(event);
    }
    await reader.delete().catch(() => undefined);
    return found;
  }

  describe('requestCoreScreen', () => {
    it('through the running worker on task queue "assessment": the same key twice is one row and one event', async () => {
      const input = coreScreenRequest({ establishmentCode: 'LEI' });
      const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
      const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      const taskQueue = `assessment-spec-${randomUUID()}`;
      const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const workflowWorker = await Worker.create({
        connection: workerConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue,
        workflowsPath: require.resolve('./test-workflows/request-core-screen.workflow'),
      });
      let results: Array<{ assessmentId: string }>;
      try {
        results = await workflowWorker.runUntil(
          client.workflow.execute<typeof requestCoreScreenTwiceWorkflow>('requestCoreScreenTwiceWorkflow', {
            taskQueue,
            workflowId: `spec-core-screen-${randomUUID()}`,
            args: [input],
          }),
        );
      } finally {
        await connection.close();
        await workerConnection.close();
      }

      const [first, second] = results;
      expect(second).toEqual(first);
      const rows = await rowsOf(`SELECT id FROM assessment.assessment WHERE person_id = $1`, [
        input.personId,
      ]);
      expect(rows).toEqual([{ id: first!.assessmentId }]);
      const events = await eventsOnBus('assessment.core-screen.requested', first!.assessmentId);
      expect(events).toHaveLength(1);
      const event = CoreScreenRequestedV1.parse(events[0]);
      expect(event).toMatchObject({
        correlationId: input.correlationId,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
        data: { assessmentId: first!.assessmentId, episode: 1, dueBy: new Date(input.dueBy).toISOString() },
      });
    });

    it('keeps one core screen per person and episode even under a different key', async () => {
      const input = coreScreenRequest();

      const first = await activities.requestCoreScreen(input);
      const again = await activities.requestCoreScreen({ ...input, idempotencyKey: `spec:${randomUUID()}` });

      expect(again).toEqual(first);
      const outbox = await rowsOf(
        `SELECT 1 FROM assessment.outbox WHERE payload->'data'->>'assessmentId' = $1`,
        [first.assessmentId],
      );
      expect(outbox).toHaveLength(1);
    });

    it('fails a malformed input with a non-retryable VALIDATION_FAILED', async () => {
      await expect(
        activities.requestCoreScreen({ ...coreScreenRequest(), personId: 'A1234BC' }),
      ).rejects.toMatchObject({
        type: 'VALIDATION_FAILED',
        nonRetryable: true,
      });
    });
  });

  describe('GET /assessments', () => {
    it("pages through one person's assessments in request order without gaps or repeats, and filters by establishment and status", async () => {
      const personId = newPersonId();
      const ids: string[] = [];
      for (let episode = 1; episode <= 5; episode += 1) {
        const { assessmentId } = await activities.requestCoreScreen(
          coreScreenRequest({
            personId,
            episode,
            establishmentCode: episode % 2 === 0 ? 'EDI' : 'BAR',
            dueBy: episode === 5 ? inDays(-1) : inDays(3),
          }),
        );
        ids.push(assessmentId);
        await new Promise((r) => setTimeout(r, 2)); // distinct requestedAt, so request order is the id order
      }
      expect((await post(`/assessments/${ids[0]}/completion`, completion())).status).toBe(200);

      const seen: AssessmentView[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await get(
          `/assessments?personId=${personId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(response.status).toBe(200);
        const page = (await response.json()) as AssessmentPage;
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((a) => a.id)).toEqual(ids);
      expect(seen.map((a) => a.status)).toEqual([
        'COMPLETED',
        'REQUESTED',
        'REQUESTED',
        'REQUESTED',
        'OVERDUE',
      ]);

      const atEdinburgh = (await (
        await get(`/assessments?personId=${personId}&establishment=EDI`)
      ).json()) as AssessmentPage;
      expect(atEdinburgh.items.map((a) => a.episode)).toEqual([2, 4]);
      const byStatus = async (status: string) =>
        (
          (await (await get(`/assessments?personId=${personId}&status=${status}`)).json()) as AssessmentPage
        ).items.map((a) => a.episode);
      expect(await byStatus('COMPLETED')).toEqual([1]);
      expect(await byStatus('REQUESTED')).toEqual([2, 3, 4]);
      expect(await byStatus('OVERDUE')).toEqual([5]);
    });

    it('answers a bad query with 400 problem+json naming each field', async () => {
      const response = await get(
        '/assessments?limit=0&status=LATE&establishment=barlinnie&personId=A1234BC&colour=red',
      );

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as Problem;
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(problem.errors!.map((e) => e.field).sort()).toEqual([
        '(root)',
        'establishment',
        'limit',
        'personId',
        'status',
      ]);
    });

    it('rejects a cursor it did not issue', async () => {
      const response = await get('/assessments?cursor=not-a-cursor');
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).errors?.[0]?.field).toBe('cursor');
    });
  });

  describe('GET /assessments/:id', () => {
    it('returns the requested assessment', async () => {
      const input = coreScreenRequest({ establishmentCode: 'GRE' });
      const { assessmentId } = await activities.requestCoreScreen(input);

      const response = await get(`/assessments/${assessmentId}`);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: assessmentId,
        personId: input.personId,
        episode: 1,
        establishmentCode: 'GRE',
        kind: 'CORE_SCREEN',
        status: 'REQUESTED',
        dueBy: new Date(input.dueBy).toISOString(),
        completion: null,
      });
    });

    it('answers an unknown id with 404 problem+json', async () => {
      const response = await get(`/assessments/${randomUUID()}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        status: 404,
        code: 'ASSESSMENT_NOT_FOUND',
        type: 'urn:throughcare:problem:assessment-not-found',
      });
    });

    it('answers an id that is not a uuid with 400 naming it', async () => {
      const response = await get('/assessments/42');
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).errors?.map((e) => e.field)).toEqual(['id']);
    });
  });

  describe('POST /assessments/:id/completion', () => {
    it('records the completion (200) and publishes assessment.core-screen.completed once, even when repeated', async () => {
      const input = coreScreenRequest({ episode: 2 });
      const { assessmentId } = await activities.requestCoreScreen(input);
      const body = completion({
        needs: ['HEALTH', 'ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
        riskOfSeriousHarm: 'HIGH',
      });

      const response = await post(`/assessments/${assessmentId}/completion`, body);
      const repeated = await post(`/assessments/${assessmentId}/completion`, body);

      expect(response.status).toBe(200);
      const completed = (await response.json()) as AssessmentView;
      expect(completed).toMatchObject({
        id: assessmentId,
        status: 'COMPLETED',
        completion: {
          needs: ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL', 'HEALTH'],
          riskOfSeriousHarm: 'HIGH',
          completedBy: 'role:RECEPTION_OFFICER',
        },
      });
      expect(repeated.status).toBe(200);
      expect(await repeated.json()).toEqual(completed);

      const events = await eventsOnBus('assessment.core-screen.completed', assessmentId);
      expect(events).toHaveLength(1);
      const event = CoreScreenCompletedV1.parse(events[0]);
      expect(event).toMatchObject({
        correlationId: input.correlationId,
        occurredAt: completed.completion!.completedAt,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
        data: {
          assessmentId,
          episode: 2,
          needs: ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL', 'HEALTH'],
          riskOfSeriousHarm: 'HIGH',
          completedAt: completed.completion!.completedAt,
        },
      });
    });

    it('answers concurrent identical completions all with 200 and emits one event', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());

      const responses = await Promise.all(
        [1, 2, 3].map(() => post(`/assessments/${assessmentId}/completion`, completion())),
      );

      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toHaveLength(1);
    });

    it('carries x-correlation-id and a given completedAt onto the event', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      const completedAt = new Date(Date.now() + 1000).toISOString().replace('Z', '+00:00');

      const response = await post(
        `/assessments/${assessmentId}/completion`,
        completion({ needs: [], completedAt }),
        {
          'x-correlation-id': 'spec-reception-desk-1',
        },
      );

      expect(response.status).toBe(200);
      const [event] = await eventsOnBus('assessment.core-screen.completed', assessmentId);
      expect(CoreScreenCompletedV1.parse(event)).toMatchObject({
        correlationId: 'spec-reception-desk-1',
        data: { needs: [], completedAt: new Date(completedAt).toISOString() },
      });
    });

    it('refuses a different completion of a completed assessment with 409 and emits nothing more', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      expect((await post(`/assessments/${assessmentId}/completion`, completion())).status).toBe(200);

      const response = await post(
        `/assessments/${assessmentId}/completion`,
        completion({ riskOfSeriousHarm: 'LOW' }),
      );

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 409, code: 'ASSESSMENT_ALREADY_COMPLETED' });
      expect(
        ((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).completion
          ?.riskOfSeriousHarm,
      ).toBe('MEDIUM');
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toHaveLength(1);
    });

    it('refuses a completion dated before the request with 422 COMPLETION_BEFORE_REQUEST', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());

      const response = await post(
        `/assessments/${assessmentId}/completion`,
        completion({ completedAt: '2020-01-01T09:00:00Z' }),
      );

      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ status: 422, code: 'COMPLETION_BEFORE_REQUEST' });
      expect(((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).status).toBe(
        'REQUESTED',
      );
    });

    it('answers a bad body with 400 problem+json naming each field', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());

      const response = await post(`/assessments/${assessmentId}/completion`, {
        needs: ['NOT_A_PATHWAY'],
        riskOfSeriousHarm: 'SEVERE',
        completedBy: 'Jane Smith',
        completedAt: 'yesterday',
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as Problem;
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(problem.errors!.map((e) => e.field).sort()).toEqual([
        'completedAt',
        'completedBy',
        'needs.0',
        'riskOfSeriousHarm',
      ]);
    });

    it('refuses a pathway named twice', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      const response = await post(
        `/assessments/${assessmentId}/completion`,
        completion({ needs: ['HEALTH', 'HEALTH'] }),
      );
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).errors?.map((e) => e.field)).toEqual(['needs']);
    });

    it('answers an unknown id with 404 problem+json', async () => {
      const response = await post(`/assessments/${randomUUID()}/completion`, completion());
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'ASSESSMENT_NOT_FOUND' });
    });
  });

  it('serves /health UP and OpenAPI documenting the completion body from zod', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'UP',
      components: { db: { status: 'UP' }, nats: { status: 'UP' }, temporal: { status: 'UP' } },
    });
    const doc = (await (await get('/docs-json')).json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    const schema =
      doc.paths['/assessments/{id}/completion']?.post?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).toEqual(expect.arrayContaining(['needs', 'riskOfSeriousHarm', 'completedBy']));
    expect((await get('/docs')).status).toBe(200);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
