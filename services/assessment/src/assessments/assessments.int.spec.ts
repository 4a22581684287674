import { runUnrestricted } from '@throughcare/platform-persistence';
import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AssessmentCompletedV1,
  AssessmentRequestedV1,
  ConsentWithdrawnV1,
  CoreScreenCompletedV1,
  CoreScreenRequestedV1,
  Pathway,
  Streams,
  subjectFor,
  type AssessmentKind,
} from '@throughcare/contracts';
import { connectBus } from '@throughcare/platform-messaging';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import {
  answerForNeeds,
  bearer,
  withSpecWorker,
  type TestPrincipal,
  requestBodyExamples,
} from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import { createAssessmentActivities } from './assessment.activities';
import type { AssessmentPage, AssessmentView, ConsentView } from './assessment.schemas';
import { AssessmentsService } from './assessments.service';
import type {
  requestAssessmentTwiceWorkflow,
  requestCoreScreenTwiceWorkflow,
} from './test-workflows/request-core-screen.workflow';

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const ASSESSMENT_AUDIENCE = 'urn:throughcare:assessment';

/** Prison staff at every establishment these specs open assessments at (BAR unless a test says otherwise). */
const PRISON_STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR', 'EDI', 'GRE', 'LEI'] };
/** Prison staff elsewhere: none of the establishments above. */
const STAFF_AT_SHOTTS: TestPrincipal = { roles: ['prison-staff'], establishments: ['SHO'] };

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
const laterRequest = (
  kind: AssessmentKind,
  overrides: Partial<{ personId: string; episode: number; establishmentCode: string; dueBy: string }> = {},
) => ({ ...coreScreenRequest(overrides), kind });
/** A later kind's completion: needs and when it was done (a moment ago, after the request). */
const laterCompletion = (overrides: Record<string, unknown> = {}) => ({
  needs: ['EDUCATION_SKILLS_AND_WORK', 'ACCOMMODATION'],
  completedAt: new Date().toISOString(),
  ...overrides,
});
/** The pathways on a completion event when answered by `answerForNeeds`: the needs required, every other asked pathway not (no sex recorded: all nine asked). */
const pathwaysGiving = (needs: readonly string[]) =>
  Pathway.options.map((pathway) => ({
    pathway,
    status: needs.includes(pathway) ? 'SUPPORT_REQUIRED' : 'SUPPORT_NOT_REQUIRED',
  }));
const personReference = (personId: string) => ({
  identifiers: [{ type: 'THROUGHCARE_ID', value: personId }],
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

  /** Authorization for `as` (a real token from the identity provider), or none when `as` is null. */
  const authAs = async (as: TestPrincipal | null): Promise<Record<string, string>> =>
    as ? bearer(as, ASSESSMENT_AUDIENCE) : {};
  const get = async (path: string, as: TestPrincipal | null = PRISON_STAFF) =>
    fetch(`${base}${path}`, { headers: await authAs(as) });
  const post = async (
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    as: TestPrincipal | null = PRISON_STAFF,
  ) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authAs(as)), ...headers },
      body: JSON.stringify(body),
    });
  /**
   * Completes an assessment as staff do since the typed-needs cut-over (migration 1000): the answers
   * giving the body's needs are saved first (when none are), then the body is sent (its needs agree
   * with the answers; a completed assessment compares them with what it recorded).
   */
  const complete = async (
    assessmentId: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    as: TestPrincipal | null = PRISON_STAFF,
  ): Promise<Response> => {
    const needs = Array.isArray(body.needs) ? [...new Set(body.needs as string[])] : [];
    await answerForNeeds(
      async (method, path, answers) =>
        fetch(`${base}${path}`, {
          method,
          headers: {
            ...(answers === undefined ? {} : { 'content-type': 'application/json' }),
            ...(await authAs(as)),
          },
          ...(answers === undefined ? {} : { body: JSON.stringify(answers) }),
        }),
      assessmentId,
      needs,
    );
    return post(`/assessments/${assessmentId}/completion`, body, headers, as);
  };
  /** The spec's own look at the rows, as the platform (the service's connection is under row-level security). */
  const rowsOf = async (sql: string, params: unknown[]) =>
    runUnrestricted(() => app.get(DataSource).query(sql, params) as Promise<unknown[]>);

  /** Every event of `eventType` about `assessmentId` on the events stream since this file started, once the outbox has drained. */
  const eventsOnBus = (eventType: string, assessmentId: string) =>
    eventsWhere(
      eventType,
      (event) => (event as { data: { assessmentId?: string } }).data.assessmentId === assessmentId,
      `payload->'data'->>'assessmentId' = $1`,
      assessmentId,
    );

  /** Every event of `eventType` about the person on the events stream since this file started, once the outbox has drained. */
  const eventsOfPerson = (eventType: string, personId: string) =>
    eventsWhere(
      eventType,
      (event) =>
        (
          event as { personReference: { identifiers: Array<{ value: string }> } }
        ).personReference.identifiers.some((identifier) => identifier.value === personId),
      `payload->'personReference'->'identifiers'->0->>'value' = $1`,
      personId,
    );

  async function eventsWhere(
    eventType: string,
    keep: (event: unknown) => boolean,
    pendingWhere: string,
    pendingParam: string,
  ): Promise<unknown[]> {
    await waitFor(async () => {
      const pending = await rowsOf(
        `SELECT 1 FROM assessment.outbox WHERE published_at IS NULL AND ${pendingWhere}`,
        [pendingParam],
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
      const event: unknown = msg.json();
      if (keep(event)) found.push(event);
    }
    await reader.delete().catch(() => undefined);
    return found;
  }

  describe('requestCoreScreen', () => {
    it('through the running worker on task queue "assessment": the same key twice is one row and one event', async () => {
      const input = coreScreenRequest({ establishmentCode: 'LEI' });
      const results: Array<{ assessmentId: string }> = await withSpecWorker(
        { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
        require.resolve('./test-workflows/request-core-screen.workflow'),
        (worker) =>
          worker.execute<typeof requestCoreScreenTwiceWorkflow>('requestCoreScreenTwiceWorkflow', [input]),
      );

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
      expect((await complete(ids[0]!, completion())).status).toBe(200);

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

      const response = await complete(assessmentId, body);
      const repeated = await complete(assessmentId, body);

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

      const responses = await Promise.all([1, 2, 3].map(() => complete(assessmentId, completion())));

      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toHaveLength(1);
    });

    it('carries x-correlation-id and a given completedAt onto the event', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      const completedAt = new Date(Date.now() + 1000).toISOString().replace('Z', '+00:00');

      const response = await complete(assessmentId, completion({ needs: [], completedAt }), {
        'x-correlation-id': 'spec-reception-desk-1',
      });

      expect(response.status).toBe(200);
      const [event] = await eventsOnBus('assessment.core-screen.completed', assessmentId);
      expect(CoreScreenCompletedV1.parse(event)).toMatchObject({
        correlationId: 'spec-reception-desk-1',
        data: { needs: [], completedAt: new Date(completedAt).toISOString() },
      });
    });

    it('refuses a different completion of a completed assessment with 409 and emits nothing more', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      expect((await complete(assessmentId, completion())).status).toBe(200);

      const response = await complete(assessmentId, completion({ riskOfSeriousHarm: 'LOW' }));

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

      const response = await complete(assessmentId, completion({ completedAt: '2020-01-01T09:00:00Z' }));

      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ status: 422, code: 'COMPLETION_BEFORE_REQUEST' });
      expect(((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).status).toBe(
        'REQUESTED',
      );
    });

    it('answers a bad body with 400 problem+json naming each field', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());

      const response = await complete(assessmentId, {
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
      const response = await complete(assessmentId, completion({ needs: ['HEALTH', 'HEALTH'] }));
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).errors?.map((e) => e.field)).toEqual(['needs']);
    });

    it('answers an unknown id with 404 problem+json', async () => {
      const response = await post(`/assessments/${randomUUID()}/completion`, completion());
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'ASSESSMENT_NOT_FOUND' });
    });
  });

  describe('requestAssessment (comprehensive screen, standard review, summary review)', () => {
    it('through the running worker on task queue "assessment": the same key twice is one row and exactly one assessment.assessment.requested', async () => {
      const input = laterRequest('COMPREHENSIVE_SCREEN', { establishmentCode: 'LEI', episode: 2 });
      const results: Array<{ assessmentId: string }> = await withSpecWorker(
        { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
        require.resolve('./test-workflows/request-core-screen.workflow'),
        (worker) =>
          worker.execute<typeof requestAssessmentTwiceWorkflow>('requestAssessmentTwiceWorkflow', [input]),
      );

      const [first, second] = results;
      expect(second).toEqual(first);
      const assessmentId = first!.assessmentId;
      expect(
        await rowsOf(
          `SELECT id, kind, episode, establishment_code, correlation_id FROM assessment.assessment WHERE person_id = $1`,
          [input.personId],
        ),
      ).toEqual([
        {
          id: assessmentId,
          kind: 'COMPREHENSIVE_SCREEN',
          episode: 2,
          establishment_code: 'LEI',
          correlation_id: input.correlationId,
        },
      ]);
      const view = (await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView;
      expect(await eventsOnBus('assessment.assessment.requested', assessmentId)).toEqual([
        {
          eventType: 'assessment.assessment.requested',
          version: 1,
          eventId: expect.any(String),
          occurredAt: view.requestedAt,
          correlationId: input.correlationId,
          personReference: personReference(input.personId),
          data: {
            assessmentId,
            episode: 2,
            kind: 'COMPREHENSIVE_SCREEN',
            dueBy: new Date(input.dueBy).toISOString(),
          },
        },
      ]);
      expect(await eventsOnBus('assessment.core-screen.requested', assessmentId)).toEqual([]);
    });

    it.each(['COMPREHENSIVE_SCREEN', 'STANDARD_REVIEW', 'SUMMARY_REVIEW'] as const)(
      'stores a %s with its kind, beside the core screen of the same episode, and shows the kind',
      async (kind) => {
        const core = coreScreenRequest();
        const { assessmentId: coreId } = await activities.requestCoreScreen(core);
        const input = laterRequest(kind, { personId: core.personId, establishmentCode: 'GRE' });

        const { assessmentId } = await activities.requestAssessment(input);

        expect(assessmentId).not.toBe(coreId);
        const response = await get(`/assessments/${assessmentId}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          id: assessmentId,
          personId: input.personId,
          episode: 1,
          establishmentCode: 'GRE',
          kind,
          status: 'REQUESTED',
          requestedAt: expect.any(String),
          dueBy: new Date(input.dueBy).toISOString(),
          completion: null,
          consent: { state: 'NONE', status: 'NOT_WITHDRAWN', withdrawnAt: null },
        });
        const [event] = await eventsOnBus('assessment.assessment.requested', assessmentId);
        expect(AssessmentRequestedV1.parse(event).data.kind).toBe(kind);
        const byKind = (await (
          await get(`/assessments?personId=${input.personId}&kind=${kind}`)
        ).json()) as AssessmentPage;
        expect(byKind.items.map((a) => a.id)).toEqual([assessmentId]);
        const cores = (await (
          await get(`/assessments?personId=${input.personId}&kind=CORE_SCREEN`)
        ).json()) as AssessmentPage;
        expect(cores.items.map((a) => [a.id, a.kind])).toEqual([[coreId, 'CORE_SCREEN']]);
      },
    );

    it.each(['COMPREHENSIVE_SCREEN', 'SUMMARY_REVIEW'] as const)(
      'keeps one %s per person and episode even under a different key (one event)',
      async (kind) => {
        const input = laterRequest(kind);

        const first = await activities.requestAssessment(input);
        const sameKey = await activities.requestAssessment(input);
        const otherKey = await activities.requestAssessment({
          ...input,
          idempotencyKey: `spec:${randomUUID()}`,
        });

        expect(sameKey).toEqual(first);
        expect(otherKey).toEqual(first);
        expect(await eventsOnBus('assessment.assessment.requested', first.assessmentId)).toHaveLength(1);
        expect(
          await rowsOf(`SELECT id FROM assessment.assessment WHERE person_id = $1`, [input.personId]),
        ).toEqual([{ id: first.assessmentId }]);
      },
    );

    it('opens a new standard review per key (they recur), the same one for a repeated key', async () => {
      const personId = newPersonId();
      const sixMonths = laterRequest('STANDARD_REVIEW', { personId, dueBy: inDays(180) });
      const annual = laterRequest('STANDARD_REVIEW', { personId, dueBy: inDays(365) });

      const first = await activities.requestAssessment(sixMonths);
      const retried = await activities.requestAssessment(sixMonths);
      const second = await activities.requestAssessment(annual);

      expect(retried).toEqual(first);
      expect(second.assessmentId).not.toBe(first.assessmentId);
      expect(
        await rowsOf(`SELECT id, kind FROM assessment.assessment WHERE person_id = $1 ORDER BY due_by`, [
          personId,
        ]),
      ).toEqual([
        { id: first.assessmentId, kind: 'STANDARD_REVIEW' },
        { id: second.assessmentId, kind: 'STANDARD_REVIEW' },
      ]);
      expect(
        (await eventsOfPerson('assessment.assessment.requested', personId)).map(
          (e) => AssessmentRequestedV1.parse(e).data,
        ),
      ).toEqual([
        {
          assessmentId: first.assessmentId,
          episode: 1,
          kind: 'STANDARD_REVIEW',
          dueBy: new Date(sixMonths.dueBy).toISOString(),
        },
        {
          assessmentId: second.assessmentId,
          episode: 1,
          kind: 'STANDARD_REVIEW',
          dueBy: new Date(annual.dueBy).toISOString(),
        },
      ]);
    });

    it.each([
      ['kind', { kind: 'CORE_SCREEN' }],
      ['kind', { kind: undefined }],
      ['dueBy', { dueBy: 'next week' }],
      ['personId', { personId: 'A1234BC' }],
    ])(
      'fails an input with a bad %s with a non-retryable VALIDATION_FAILED and records nothing',
      async (field, overrides) => {
        const input = { ...laterRequest('SUMMARY_REVIEW'), ...overrides };

        const failure = activities.requestAssessment(input as never);

        await expect(failure).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
        await expect(failure).rejects.toThrow(field);
        expect(
          await rowsOf(`SELECT 1 FROM assessment.assessment WHERE person_id = $1`, [input.personId]),
        ).toEqual([]);
      },
    );
  });

  describe('POST /assessments/:id/completion of a comprehensive screen or review', () => {
    it('records needs and completedAt (200) and publishes exactly one assessment.assessment.completed with the kind, even when repeated', async () => {
      const input = laterRequest('COMPREHENSIVE_SCREEN', { episode: 3 });
      const { assessmentId } = await activities.requestAssessment(input);
      const completedAt = new Date().toISOString().replace('Z', '+00:00');
      const body = laterCompletion({ needs: ['HEALTH', 'FINANCE_AND_ID', 'ACCOMMODATION'], completedAt });

      const response = await complete(assessmentId, body);
      const repeated = await complete(assessmentId, body);

      expect(response.status).toBe(200);
      const completed = (await response.json()) as AssessmentView;
      const iso = new Date(completedAt).toISOString();
      expect(completed).toMatchObject({
        id: assessmentId,
        kind: 'COMPREHENSIVE_SCREEN',
        status: 'COMPLETED',
        completion: {
          needs: ['ACCOMMODATION', 'FINANCE_AND_ID', 'HEALTH'],
          riskOfSeriousHarm: null,
          completedBy: null,
          completedAt: iso,
          recordedAt: expect.any(String),
        },
      });
      expect(repeated.status).toBe(200);
      expect(await repeated.json()).toEqual(completed);
      expect(
        await rowsOf(
          `SELECT needs, risk_of_serious_harm, completed_by, completed_at FROM assessment.assessment WHERE id = $1`,
          [assessmentId],
        ),
      ).toEqual([
        {
          needs: ['ACCOMMODATION', 'FINANCE_AND_ID', 'HEALTH'],
          risk_of_serious_harm: null,
          completed_by: null,
          completed_at: new Date(iso),
        },
      ]);

      expect(await eventsOnBus('assessment.assessment.completed', assessmentId)).toEqual([
        {
          eventType: 'assessment.assessment.completed',
          version: 1,
          eventId: expect.any(String),
          occurredAt: iso,
          correlationId: input.correlationId,
          personReference: personReference(input.personId),
          data: {
            assessmentId,
            episode: 3,
            kind: 'COMPREHENSIVE_SCREEN',
            needs: ['ACCOMMODATION', 'FINANCE_AND_ID', 'HEALTH'],
            completedAt: iso,
            pathways: pathwaysGiving(['ACCOMMODATION', 'FINANCE_AND_ID', 'HEALTH']),
          },
        },
      ]);
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toEqual([]);
    });

    it.each(['STANDARD_REVIEW', 'SUMMARY_REVIEW'] as const)(
      'completes a %s with no needs, recording who did it and carrying x-correlation-id',
      async (kind) => {
        const { assessmentId } = await activities.requestAssessment(laterRequest(kind));

        const response = await complete(
          assessmentId,
          laterCompletion({ needs: [], completedBy: 'role:PERSONAL_OFFICER' }),
          { 'x-correlation-id': 'spec-review-board-7' },
        );

        expect(response.status).toBe(200);
        expect(((await response.json()) as AssessmentView).completion).toMatchObject({
          needs: [],
          completedBy: 'role:PERSONAL_OFFICER',
          riskOfSeriousHarm: null,
        });
        const events = await eventsOnBus('assessment.assessment.completed', assessmentId);
        expect(events).toHaveLength(1);
        expect(AssessmentCompletedV1.parse(events[0])).toMatchObject({
          correlationId: 'spec-review-board-7',
          data: { kind, needs: [] },
        });
      },
    );

    it('answers concurrent identical completions all with 200 and emits one event', async () => {
      const { assessmentId } = await activities.requestAssessment(laterRequest('SUMMARY_REVIEW'));
      const body = laterCompletion();

      const responses = await Promise.all([1, 2, 3].map(() => complete(assessmentId, body)));

      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      expect(await eventsOnBus('assessment.assessment.completed', assessmentId)).toHaveLength(1);
    });

    it.each([
      ['other needs', { needs: ['HEALTH'] }],
      ['another completedAt', { completedAt: new Date(Date.now() - 1).toISOString() }],
      ['a completedBy not recorded', { completedBy: 'role:PERSONAL_OFFICER' }],
    ])('refuses a second completion with %s with 409 and emits nothing more', async (_what, change) => {
      const { assessmentId } = await activities.requestAssessment(laterRequest('COMPREHENSIVE_SCREEN'));
      const body = laterCompletion({ completedAt: new Date(Date.now() + 2).toISOString() });
      const first = await complete(assessmentId, body);
      expect(first.status).toBe(200);

      const response = await complete(assessmentId, { ...body, ...change });

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 409, code: 'ASSESSMENT_ALREADY_COMPLETED' });
      expect(await (await get(`/assessments/${assessmentId}`)).json()).toEqual(await first.json());
      expect(await eventsOnBus('assessment.assessment.completed', assessmentId)).toHaveLength(1);
    });

    it('refuses a body that does not fit the kind with 400 naming each field, and records nothing', async () => {
      const { assessmentId } = await activities.requestAssessment(laterRequest('STANDARD_REVIEW'));

      const response = await complete(assessmentId, {
        needs: ['HEALTH'],
        riskOfSeriousHarm: 'LOW',
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as Problem;
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(problem.errors!.map((e) => e.field).sort()).toEqual(['completedAt', 'riskOfSeriousHarm']);
      expect(((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).status).toBe(
        'REQUESTED',
      );
      expect(
        await rowsOf(`SELECT 1 FROM assessment.outbox WHERE payload->'data'->>'assessmentId' = $1`, [
          assessmentId,
        ]),
      ).toHaveLength(1); // the request only
    });

    it('still requires riskOfSeriousHarm and completedBy of a core screen (400 naming both)', async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());

      const response = await complete(assessmentId, { needs: [] });

      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors!.map((e) => e.field).sort()).toEqual(['completedBy', 'riskOfSeriousHarm']);
    });

    it('refuses a completion before the request (422) or in the future (422)', async () => {
      const { assessmentId } = await activities.requestAssessment(laterRequest('SUMMARY_REVIEW'));

      const before = await complete(assessmentId, laterCompletion({ completedAt: '2020-01-01T09:00:00Z' }));
      const future = await complete(assessmentId, laterCompletion({ completedAt: inDays(1) }));

      expect(before.status).toBe(422);
      expect(await before.json()).toMatchObject({ code: 'COMPLETION_BEFORE_REQUEST' });
      expect(future.status).toBe(422);
      expect(await future.json()).toMatchObject({ code: 'COMPLETION_IN_FUTURE' });
      expect(await eventsOnBus('assessment.assessment.completed', assessmentId)).toEqual([]);
    });

    it('honours Idempotency-Key: same key answers the first result; same key with another request is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const personId = newPersonId();
      const { assessmentId } = await activities.requestAssessment(
        laterRequest('COMPREHENSIVE_SCREEN', { personId }),
      );
      const { assessmentId: otherId } = await activities.requestAssessment(
        laterRequest('SUMMARY_REVIEW', { personId }),
      );
      const key = `spec-${randomUUID()}`;
      const body = laterCompletion();

      const first = await complete(assessmentId, body, { 'idempotency-key': key });
      const retry = await complete(assessmentId, body, { 'idempotency-key': key });
      const reusedElsewhere = await complete(otherId, body, {
        'idempotency-key': key,
      });
      const reusedOtherBody = await complete(
        assessmentId,
        { ...body, needs: ['HEALTH'] },
        { 'idempotency-key': key },
      );

      expect(first.status).toBe(200);
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(await first.json());
      expect(reusedElsewhere.status).toBe(422);
      expect(await reusedElsewhere.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('assessmentId'),
      });
      expect(reusedOtherBody.status).toBe(422);
      expect(await reusedOtherBody.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('needs'),
      });
      expect(((await (await get(`/assessments/${otherId}`)).json()) as AssessmentView).status).toBe(
        'REQUESTED',
      );
      expect(await eventsOfPerson('assessment.assessment.completed', personId)).toHaveLength(1);
    });

    it('answers a malformed Idempotency-Key with 400 naming it', async () => {
      const { assessmentId } = await activities.requestAssessment(laterRequest('SUMMARY_REVIEW'));
      const response = await complete(assessmentId, laterCompletion(), {
        'idempotency-key': 'k'.repeat(201),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).errors?.map((e) => e.field)).toEqual(['idempotency-key']);
    });

    it('keeps a core screen completion publishing assessment.core-screen.completed as before (no kind), now with its pathways', async () => {
      const input = coreScreenRequest();
      const { assessmentId } = await activities.requestCoreScreen(input);

      const response = await complete(assessmentId, completion({ needs: ['HEALTH'] }));

      expect(response.status).toBe(200);
      const view = (await response.json()) as AssessmentView;
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toEqual([
        {
          eventType: 'assessment.core-screen.completed',
          version: 1,
          eventId: expect.any(String),
          occurredAt: view.completion!.completedAt,
          correlationId: input.correlationId,
          personReference: personReference(input.personId),
          data: {
            assessmentId,
            episode: 1,
            needs: ['HEALTH'],
            riskOfSeriousHarm: 'MEDIUM',
            completedAt: view.completion!.completedAt,
            pathways: pathwaysGiving(['HEALTH']),
          },
        },
      ]);
      expect(await eventsOnBus('assessment.assessment.completed', assessmentId)).toEqual([]);
    });
  });

  describe('POST /people/:personId/episodes/:episode/consent-withdrawal', () => {
    const withdraw = (personId: string, episode: number | string, body: unknown, headers = {}) =>
      post(`/people/${personId}/episodes/${episode}/consent-withdrawal`, body, headers);

    it('records the withdrawal (200), publishes exactly one assessment.consent.withdrawn, and a repeat answers the same', async () => {
      const input = coreScreenRequest({ episode: 2 });
      const { assessmentId } = await activities.requestCoreScreen(input);
      const { assessmentId: reviewId } = await activities.requestAssessment(
        laterRequest('STANDARD_REVIEW', { personId: input.personId, episode: 2 }),
      );
      const { assessmentId: otherEpisodeId } = await activities.requestCoreScreen(
        coreScreenRequest({ personId: input.personId, episode: 1 }),
      );
      const withdrawnAt = new Date(Date.now() - 3_600_000).toISOString();

      const response = await withdraw(input.personId, 2, { withdrawnAt });
      const repeated = await withdraw(input.personId, 2, { withdrawnAt: withdrawnAt.replace('Z', '+00:00') });

      expect(response.status).toBe(200);
      const recorded = (await response.json()) as ConsentView;
      expect(recorded).toEqual({
        personId: input.personId,
        episode: 2,
        state: 'WITHDRAWN',
        status: 'WITHDRAWN',
        withdrawnAt,
        recordedAt: expect.any(String),
      });
      expect(repeated.status).toBe(200);
      expect(await repeated.json()).toEqual(recorded);
      expect(
        await rowsOf(
          `SELECT episode, withdrawn_at, correlation_id FROM assessment.consent_withdrawal WHERE person_id = $1`,
          [input.personId],
        ),
      ).toEqual([{ episode: 2, withdrawn_at: new Date(withdrawnAt), correlation_id: input.correlationId }]);

      expect(await eventsOfPerson('assessment.consent.withdrawn', input.personId)).toEqual([
        {
          eventType: 'assessment.consent.withdrawn',
          version: 1,
          eventId: expect.any(String),
          occurredAt: withdrawnAt,
          correlationId: input.correlationId,
          personReference: personReference(input.personId),
          data: { episode: 2, withdrawnAt },
        },
      ]);

      // Every assessment of that episode shows it; another episode does not.
      const consentOf = async (id: string) =>
        ((await (await get(`/assessments/${id}`)).json()) as AssessmentView).consent;
      expect(await consentOf(assessmentId)).toEqual({ state: 'WITHDRAWN', status: 'WITHDRAWN', withdrawnAt });
      expect(await consentOf(reviewId)).toEqual({ state: 'WITHDRAWN', status: 'WITHDRAWN', withdrawnAt });
      expect(await consentOf(otherEpisodeId)).toEqual({
        state: 'NONE',
        status: 'NOT_WITHDRAWN',
        withdrawnAt: null,
      });
      const listed = (await (await get(`/assessments?personId=${input.personId}`)).json()) as AssessmentPage;
      expect(listed.items.map((a) => [a.episode, a.kind, a.consent.status])).toEqual([
        [2, 'CORE_SCREEN', 'WITHDRAWN'],
        [2, 'STANDARD_REVIEW', 'WITHDRAWN'],
        [1, 'CORE_SCREEN', 'NOT_WITHDRAWN'],
      ]);
      expect(await (await get(`/people/${input.personId}/episodes/2/consent`)).json()).toEqual(recorded);
      expect(await (await get(`/people/${input.personId}/episodes/1/consent`)).json()).toEqual({
        personId: input.personId,
        episode: 1,
        state: 'NONE',
        status: 'NOT_WITHDRAWN',
        withdrawnAt: null,
        recordedAt: null,
      });
    });

    it('answers concurrent identical withdrawals all with 200 and emits one event, carrying x-correlation-id', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(coreScreenRequest({ personId }));
      const body = { withdrawnAt: new Date().toISOString() };

      const responses = await Promise.all(
        [1, 2, 3].map(() => withdraw(personId, 1, body, { 'x-correlation-id': 'spec-wing-office-3' })),
      );

      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      const events = await eventsOfPerson('assessment.consent.withdrawn', personId);
      expect(events).toHaveLength(1);
      expect(ConsentWithdrawnV1.parse(events[0]).correlationId).toBe('spec-wing-office-3');
    });

    it('refuses another withdrawnAt for a withdrawn episode with 409 and emits nothing more', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(coreScreenRequest({ personId }));
      const withdrawnAt = new Date(Date.now() - 60_000).toISOString();
      expect((await withdraw(personId, 1, { withdrawnAt })).status).toBe(200);

      const response = await withdraw(personId, 1, { withdrawnAt: new Date().toISOString() });

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 409, code: 'CONSENT_ALREADY_WITHDRAWN' });
      expect(
        ((await (await get(`/people/${personId}/episodes/1/consent`)).json()) as ConsentView).withdrawnAt,
      ).toBe(withdrawnAt);
      expect(await eventsOfPerson('assessment.consent.withdrawn', personId)).toHaveLength(1);
    });

    it('answers an episode it holds no assessment of with 404 EPISODE_NOT_FOUND, on POST and GET', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(coreScreenRequest({ personId, episode: 1 }));

      const response = await withdraw(personId, 2, { withdrawnAt: new Date().toISOString() });
      const unknownPerson = await withdraw(newPersonId(), 1, { withdrawnAt: new Date().toISOString() });

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 404, code: 'EPISODE_NOT_FOUND' });
      expect(unknownPerson.status).toBe(404);
      expect((await get(`/people/${personId}/episodes/2/consent`)).status).toBe(404);
      expect(
        await rowsOf(`SELECT 1 FROM assessment.consent_withdrawal WHERE person_id = $1`, [personId]),
      ).toEqual([]);
    });

    it('refuses a withdrawal in the future with 422 WITHDRAWAL_IN_FUTURE', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(coreScreenRequest({ personId }));

      const response = await withdraw(personId, 1, { withdrawnAt: inDays(1) });

      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ status: 422, code: 'WITHDRAWAL_IN_FUTURE' });
      expect(
        ((await (await get(`/people/${personId}/episodes/1/consent`)).json()) as ConsentView).status,
      ).toBe('NOT_WITHDRAWN');
    });

    it('answers a bad path or body with 400 problem+json naming each field', async () => {
      const badPath = await withdraw('A1234BC', 0, { withdrawnAt: new Date().toISOString() });
      const badBody = await withdraw(newPersonId(), 1, { withdrawnAt: 'yesterday', reason: 'moved away' });
      const noBody = await withdraw(newPersonId(), 1, {});

      expect(badPath.status).toBe(400);
      expect(badPath.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await badPath.json()) as Problem).errors!.map((e) => e.field).sort()).toEqual([
        'episode',
        'personId',
      ]);
      expect(badBody.status).toBe(400);
      expect(((await badBody.json()) as Problem).errors!.map((e) => e.field).sort()).toEqual([
        '(root)',
        'withdrawnAt',
      ]);
      expect(noBody.status).toBe(400);
      expect(((await noBody.json()) as Problem).errors!.map((e) => e.field)).toEqual(['withdrawnAt']);
    });

    it('honours Idempotency-Key: same key answers the first result; same key for another episode is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(coreScreenRequest({ personId, episode: 1 }));
      await activities.requestCoreScreen(coreScreenRequest({ personId, episode: 2 }));
      const key = `spec-${randomUUID()}`;
      const body = { withdrawnAt: new Date().toISOString() };

      const first = await withdraw(personId, 1, body, { 'idempotency-key': key });
      const retry = await withdraw(personId, 1, body, { 'idempotency-key': key });
      const reused = await withdraw(personId, 2, body, { 'idempotency-key': key });

      expect(first.status).toBe(200);
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(await first.json());
      expect(reused.status).toBe(422);
      expect(await reused.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('episode'),
      });
      expect(
        ((await (await get(`/people/${personId}/episodes/2/consent`)).json()) as ConsentView).status,
      ).toBe('NOT_WITHDRAWN');
      expect(await eventsOfPerson('assessment.consent.withdrawn', personId)).toHaveLength(1);
    });
  });

  describe('access: prison staff only, scoped to the establishments their token names', () => {
    /** `problem` with every `from` replaced by `to`: an answer about one object, read as if about another. */
    const about = (problem: unknown, from: string, to: string): unknown =>
      JSON.parse(JSON.stringify(problem).split(from).join(to));

    /** Every route, for an assessment and an episode (the completion and withdrawal bodies are valid). */
    const everyRoute = (assessmentId: string, personId: string) =>
      [
        ['GET', '/assessments', undefined],
        ['GET', `/assessments/${assessmentId}`, undefined],
        ['POST', `/assessments/${assessmentId}/completion`, completion()],
        ['GET', `/people/${personId}/episodes/1/consent`, undefined],
        [
          'POST',
          `/people/${personId}/episodes/1/consent-withdrawal`,
          { withdrawnAt: new Date().toISOString() },
        ],
      ] as const;
    const call = (
      method: 'GET' | 'POST',
      path: string,
      body: unknown,
      as: TestPrincipal | null,
      headers: Record<string, string> = {},
    ) => (method === 'GET' ? get(path, as) : post(path, body, headers, as));

    it('answers 401 problem+json without a valid access token, on every route, before looking at the request', async () => {
      const { personId } = coreScreenRequest();
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest({ personId }));

      for (const [method, path, body] of everyRoute(assessmentId, personId)) {
        const response = await call(method, path, body, null);
        expect([method, path, response.status]).toEqual([method, path, 401]);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="throughcare"');
        expect(await response.json()).toMatchObject({
          status: 401,
          code: 'UNAUTHORIZED',
          title: 'Unauthorized',
        });
      }
      // Not even a malformed request is looked at without a token.
      expect((await post('/assessments/not-a-uuid/completion', { needs: 'x' }, {}, null)).status).toBe(401);

      const forged = await fetch(`${base}/assessments/${assessmentId}`, {
        headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
      });
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

      // A prison-staff token minted for another service is not one for this one.
      const forReferral = await bearer(PRISON_STAFF, 'urn:throughcare:referral');
      const elsewhere = await fetch(`${base}/assessments/${assessmentId}`, { headers: forReferral });
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

      expect(
        await rowsOf(`SELECT 1 FROM assessment.consent_withdrawal WHERE person_id = $1`, [personId]),
      ).toEqual([]);
      expect(((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).status).toBe(
        'REQUESTED',
      );
    });

    it.each<[string, TestPrincipal]>([
      ['agency-staff', { roles: ['agency-staff'], agencyId: 'spec-agency-assessment' }],
      ['agency-system', { roles: ['agency-system'], agencyId: 'spec-agency-assessment' }],
      ['manager', { roles: ['manager'] }],
      ['operator', { roles: ['operator'] }],
      ['auditor', { roles: ['auditor'] }],
      ['administrator', { roles: ['administrator'] }],
      ['service', { roles: ['service'] }],
    ])(
      'answers a %s token on every route exactly as a route that does not exist (404)',
      async (_role, principal) => {
        const { personId } = coreScreenRequest();
        const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest({ personId }));

        for (const [method, path, body] of everyRoute(assessmentId, personId)) {
          const denied = await call(method, path, body, principal);
          const unknownRoute = await call(method, `/no-such-route${path}`, body, principal);
          expect([method, path, denied.status]).toEqual([method, path, 404]);
          expect(unknownRoute.status).toBe(404);
          expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(await denied.json()).toEqual(
            about(await unknownRoute.json(), `/no-such-route${path}`, path),
          );
        }
        expect(
          await rowsOf(`SELECT 1 FROM assessment.consent_withdrawal WHERE person_id = $1`, [personId]),
        ).toEqual([]);
        expect(((await (await get(`/assessments/${assessmentId}`)).json()) as AssessmentView).status).toBe(
          'REQUESTED',
        );
      },
    );

    it('answers an assessment at another establishment exactly as a missing one (404 ASSESSMENT_NOT_FOUND), on GET and on completion, and records nothing', async () => {
      const input = coreScreenRequest({ establishmentCode: 'BAR' });
      const { assessmentId } = await activities.requestCoreScreen(input);
      const missingId = randomUUID();

      const outside = await get(`/assessments/${assessmentId}`, STAFF_AT_SHOTTS);
      const missing = await get(`/assessments/${missingId}`, STAFF_AT_SHOTTS);
      expect(outside.status).toBe(404);
      expect(outside.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const outsideProblem: unknown = await outside.json();
      expect(outsideProblem).toMatchObject({ status: 404, code: 'ASSESSMENT_NOT_FOUND' });
      expect(outsideProblem).toEqual(about(await missing.json(), missingId, assessmentId));

      const completing = await complete(assessmentId, completion(), {}, STAFF_AT_SHOTTS);
      const completingMissing = await complete(missingId, completion(), {}, STAFF_AT_SHOTTS);
      expect(completing.status).toBe(404);
      expect(await completing.json()).toEqual(about(await completingMissing.json(), missingId, assessmentId));
      // Not even a body that does not fit the kind tells it apart from a missing one.
      const misfit = await complete(assessmentId, { needs: [] }, {}, STAFF_AT_SHOTTS);
      expect(misfit.status).toBe(404);
      expect(await misfit.json()).toMatchObject({ code: 'ASSESSMENT_NOT_FOUND' });

      // Staff at the assessment's establishment (and only there) see it, still not completed.
      const atBarlinnie: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
      const seen = await get(`/assessments/${assessmentId}`, atBarlinnie);
      expect(seen.status).toBe(200);
      expect(((await seen.json()) as AssessmentView).status).toBe('REQUESTED');
      expect(await eventsOnBus('assessment.core-screen.completed', assessmentId)).toEqual([]);
    });

    it("does not replay another client's Idempotency-Key result for an assessment outside the caller's establishments", async () => {
      const { assessmentId } = await activities.requestCoreScreen(coreScreenRequest());
      const key = `spec-${randomUUID()}`;
      const body = completion();

      const first = await complete(assessmentId, body, { 'idempotency-key': key });
      const replayElsewhere = await complete(assessmentId, body, { 'idempotency-key': key }, STAFF_AT_SHOTTS);

      expect(first.status).toBe(200);
      expect(replayElsewhere.status).toBe(404);
      expect(await replayElsewhere.json()).toMatchObject({ status: 404, code: 'ASSESSMENT_NOT_FOUND' });
    });

    it("lists only assessments at the caller's establishments; an establishment filter outside them finds nothing", async () => {
      const personId = newPersonId();
      const ids: Record<string, string> = {};
      for (const [episode, establishmentCode] of [
        [1, 'BAR'],
        [2, 'EDI'],
        [3, 'BAR'],
      ] as const) {
        const { assessmentId } = await activities.requestCoreScreen(
          coreScreenRequest({ personId, episode, establishmentCode }),
        );
        ids[episode] = assessmentId;
        await new Promise((r) => setTimeout(r, 2)); // distinct requestedAt
      }
      const atEdinburgh: TestPrincipal = { roles: ['prison-staff'], establishments: ['EDI'] };
      const listed = async (query: string, as: TestPrincipal) => {
        const response = await get(`/assessments?personId=${personId}${query}`, as);
        expect(response.status).toBe(200);
        return ((await response.json()) as AssessmentPage).items.map((a) => a.id);
      };

      expect(await listed('', PRISON_STAFF)).toEqual([ids[1], ids[2], ids[3]]);
      expect(await listed('', atEdinburgh)).toEqual([ids[2]]);
      expect(await listed('&establishment=EDI', atEdinburgh)).toEqual([ids[2]]);
      expect(await listed('&establishment=BAR', atEdinburgh)).toEqual([]);
      expect(await listed('', STAFF_AT_SHOTTS)).toEqual([]);
      expect(await listed('&establishment=BAR', STAFF_AT_SHOTTS)).toEqual([]);
      // Paging stays within the scope too.
      const firstPage = (await (
        await get(`/assessments?personId=${personId}&limit=1`, atEdinburgh)
      ).json()) as AssessmentPage;
      expect(firstPage).toEqual({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    });

    it("answers an episode with no assessment at the caller's establishments exactly as an unknown one (404 EPISODE_NOT_FOUND), and records nothing", async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(
        coreScreenRequest({ personId, episode: 1, establishmentCode: 'BAR' }),
      );
      const unknownPerson = newPersonId();
      const body = { withdrawnAt: new Date(Date.now() - 60_000).toISOString() };

      const read = await get(`/people/${personId}/episodes/1/consent`, STAFF_AT_SHOTTS);
      const readUnknown = await get(`/people/${unknownPerson}/episodes/1/consent`, STAFF_AT_SHOTTS);
      expect(read.status).toBe(404);
      expect(read.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const readProblem: unknown = await read.json();
      expect(readProblem).toMatchObject({ status: 404, code: 'EPISODE_NOT_FOUND' });
      expect(readProblem).toEqual(about(await readUnknown.json(), unknownPerson, personId));

      const withdrawal = await post(
        `/people/${personId}/episodes/1/consent-withdrawal`,
        body,
        {},
        STAFF_AT_SHOTTS,
      );
      const withdrawalUnknown = await post(
        `/people/${unknownPerson}/episodes/1/consent-withdrawal`,
        body,
        {},
        STAFF_AT_SHOTTS,
      );
      expect(withdrawal.status).toBe(404);
      expect(await withdrawal.json()).toEqual(about(await withdrawalUnknown.json(), unknownPerson, personId));
      // Not even a withdrawal in the future tells it apart from an unknown episode.
      const future = await post(
        `/people/${personId}/episodes/1/consent-withdrawal`,
        { withdrawnAt: inDays(1) },
        {},
        STAFF_AT_SHOTTS,
      );
      expect(future.status).toBe(404);
      expect(await future.json()).toMatchObject({ code: 'EPISODE_NOT_FOUND' });

      expect(
        await rowsOf(`SELECT 1 FROM assessment.consent_withdrawal WHERE person_id = $1`, [personId]),
      ).toEqual([]);
      expect(await eventsOfPerson('assessment.consent.withdrawn', personId)).toEqual([]);

      // A key another client used for that episode replays nothing to a caller outside it.
      const key = `spec-${randomUUID()}`;
      expect(
        (await post(`/people/${personId}/episodes/1/consent-withdrawal`, body, { 'idempotency-key': key }))
          .status,
      ).toBe(200);
      const replayElsewhere = await post(
        `/people/${personId}/episodes/1/consent-withdrawal`,
        body,
        { 'idempotency-key': key },
        STAFF_AT_SHOTTS,
      );
      expect(replayElsewhere.status).toBe(404);
      expect(await replayElsewhere.json()).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
    });

    it('puts an episode in scope at every establishment one of its assessments is at (a person transferred mid-episode)', async () => {
      const { personId } = coreScreenRequest();
      await activities.requestCoreScreen(
        coreScreenRequest({ personId, episode: 1, establishmentCode: 'BAR' }),
      );
      await activities.requestAssessment(
        laterRequest('STANDARD_REVIEW', { personId, episode: 1, establishmentCode: 'EDI' }),
      );
      const atBarlinnie: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
      const atEdinburgh: TestPrincipal = { roles: ['prison-staff'], establishments: ['EDI'] };
      const withdrawnAt = new Date(Date.now() - 60_000).toISOString();

      const withdrawn = await post(
        `/people/${personId}/episodes/1/consent-withdrawal`,
        { withdrawnAt },
        {},
        atEdinburgh,
      );

      expect(withdrawn.status).toBe(200);
      const recorded = (await withdrawn.json()) as ConsentView;
      expect(recorded).toMatchObject({ status: 'WITHDRAWN', withdrawnAt });
      for (const as of [atBarlinnie, atEdinburgh]) {
        const consent = await get(`/people/${personId}/episodes/1/consent`, as);
        expect(consent.status).toBe(200);
        expect(await consent.json()).toEqual(recorded);
      }
      expect((await get(`/people/${personId}/episodes/1/consent`, STAFF_AT_SHOTTS)).status).toBe(404);
      expect((await get(`/people/${personId}/episodes/2/consent`, atEdinburgh)).status).toBe(404);
    });
  });

  it('documents named examples for every request body (issue 10)', async () => {
    const bodies = requestBodyExamples(await (await get('/docs-json', null)).json());
    expect(bodies.length).toBeGreaterThan(3);
    expect(bodies.filter((b) => b.examples === 0)).toEqual([]);
  });

  it('serves /health UP and OpenAPI documenting the completion body from zod, both without a token', async () => {
    const health = await get('/health', null);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'UP',
      components: {
        db: { status: 'UP' },
        nats: { status: 'UP' },
        temporal: { status: 'UP' },
        worker: { status: 'UP' }, // the activity worker (WorkerMonitor)
      },
    });
    const doc = (await (await get('/docs-json', null)).json()) as {
      paths: Record<
        string,
        {
          post?: {
            requestBody?: {
              content: Record<
                string,
                { schema: { required?: string[]; properties?: Record<string, unknown> } }
              >;
            };
          };
        }
      >;
    };
    const schema =
      doc.paths['/assessments/{id}/completion']?.post?.requestBody?.content['application/json']?.schema;
    // One body for every kind: which of the optional fields a kind needs is checked against the
    // assessment; needs too, since issue 10 derives them from the answers when those are saved.
    expect(schema?.required).toBeUndefined();
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual([
      'completedAt',
      'completedBy',
      'needs',
      'riskOfSeriousHarm',
    ]);
    expect(doc.paths['/people/{personId}/episodes/{episode}/consent-withdrawal']?.post).toBeDefined();
    expect((await get('/docs', null)).status).toBe(200);
  });

  it('documents the bearer access token in OpenAPI on every assessment and consent route', async () => {
    const doc = (await (await get('/docs-json', null)).json()) as {
      paths: Record<
        string,
        Record<string, { security?: Record<string, string[]>[]; responses?: Record<string, unknown> }>
      >;
      components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
    };
    expect(doc.components.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [
      ['/assessments', 'get'],
      ['/assessments/{id}', 'get'],
      ['/assessments/{id}/completion', 'post'],
      ['/people/{personId}/episodes/{episode}/consent', 'get'],
      ['/people/{personId}/episodes/{episode}/consent-withdrawal', 'post'],
    ] as const) {
      const operation = doc.paths[path]?.[method];
      expect([path, operation?.security]).toEqual([path, [{ bearer: [] }]]);
      expect(operation?.responses?.['401']).toBeDefined();
    }
    expect(doc.paths['/health']?.['get']?.security).toBeUndefined();
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
