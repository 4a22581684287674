import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  auditedCaller,
  auditRecordsAbout,
  withAuditStoreAway,
} from '@throughcare/platform-audit/src/testing';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { answerForNeeds, bearer, type TestPrincipal } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import { createAssessmentActivities } from './assessment.activities';
import type { AssessmentPage, AssessmentView } from './assessment.schemas';
import { AssessmentsService } from './assessments.service';

// Issue 8, audit: every read, list and change of an assessment writes one record to the
// assessment chain (audit.audit_record), including attempts by prison staff of another
// establishment. The app is booted as in assessments.int.spec.ts (the whole service).

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const ASSESSMENT_AUDIENCE = 'urn:throughcare:assessment';
const STAFF_AT_BARLINNIE: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const STAFF_AT_SHOTTS: TestPrincipal = { roles: ['prison-staff'], establishments: ['SHO'] };

const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const coreScreenRequest = (personId: string) => ({
  idempotencyKey: `spec:${randomUUID()}`,
  personId,
  episode: 1,
  establishmentCode: 'BAR',
  dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
  correlationId: `spec-corr-${randomUUID()}`,
});
const completion = {
  needs: ['HEALTH', 'ACCOMMODATION'],
  riskOfSeriousHarm: 'MEDIUM',
  completedBy: 'role:RECEPTION_OFFICER',
};

describe('assessment audit trail (real Postgres, NATS, Temporal, identity provider)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let db: DataSource;
  let activities: ReturnType<typeof createAssessmentActivities>;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'assessment',
      port: 0,
      // The audit-store-away cases' 503s are logged at error level by design: asserted, not printed.
      logLevels: ['fatal'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    db = app.get(DataSource);
    activities = createAssessmentActivities(app.get(AssessmentsService));
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A core screen of the person at BAR, requested as the journey's activity does (the platform acting for itself). */
  const requested = (personId: string) =>
    runUnrestricted(() => activities.requestCoreScreen(coreScreenRequest(personId)));
  const get = async (path: string, as: TestPrincipal) =>
    fetch(`${base}${path}`, { headers: await bearer(as, ASSESSMENT_AUDIENCE) });
  const post = async (path: string, body: unknown, as: TestPrincipal) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearer(as, ASSESSMENT_AUDIENCE)) },
      body: JSON.stringify(body),
    });

  /** The record fields of a request by `principal`: its client (from its real token), roles, default purpose. */
  const byCaller = async (principal: TestPrincipal) => ({
    ...auditedCaller(await bearer(principal, ASSESSMENT_AUDIENCE)),
    roles: ['prison-staff'],
    purpose: 'case-work',
  });

  const recordsOf = (personId: string) => auditRecordsAbout(db, 'assessment', personId);

  it('records a read, a list (once, naming the people disclosed) and a completion, each with the person', async () => {
    const personId = newPersonId();
    const { assessmentId } = await requested(personId);
    // Completed from its answers (typed needs are refused since migration 1000): saved first.
    await answerForNeeds(
      async (method, path, body) =>
        fetch(`${base}${path}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(await bearer(STAFF_AT_BARLINNIE, ASSESSMENT_AUDIENCE)),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      assessmentId,
      completion.needs,
    );

    expect((await get(`/assessments/${assessmentId}`, STAFF_AT_BARLINNIE)).status).toBe(200);
    const listed = await get(`/assessments?personId=${personId}`, STAFF_AT_BARLINNIE);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as AssessmentPage).items.map((a) => a.id)).toEqual([assessmentId]);
    const completed = await post(`/assessments/${assessmentId}/completion`, completion, STAFF_AT_BARLINNIE);
    expect(completed.status).toBe(200);

    const caller = await byCaller(STAFF_AT_BARLINNIE);
    const records = await recordsOf(personId);
    // Answering: each read and the save recorded with the person.
    expect(records.slice(0, 3)).toEqual(
      ['assessment.read-answers', 'assessment.read-questions', 'assessment.record-answers'].map((action) =>
        expect.objectContaining({ ...caller, subject_person: personId, action, object_id: assessmentId }),
      ),
    );
    expect(records.slice(3)).toEqual([
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [],
        action: 'assessment.read',
        object_type: 'assessment',
        object_id: assessmentId,
        outcome: 'allowed',
        reason: null,
        http_method: 'GET',
        route: '/assessments/:id',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [personId],
        action: 'assessment.list',
        object_type: 'assessment',
        object_id: null,
        outcome: 'allowed',
        reason: null,
        http_method: 'GET',
        route: '/assessments',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [],
        action: 'assessment.record-completion',
        object_type: 'assessment',
        object_id: assessmentId,
        outcome: 'allowed',
        reason: null,
        http_method: 'POST',
        route: '/assessments/:id/completion',
      }),
    ]);
  });

  it("records prison staff of another establishment: read and completion 'not-found' with the person, the list 'allowed' with nobody disclosed", async () => {
    const personId = newPersonId();
    const { assessmentId } = await requested(personId);

    expect((await get(`/assessments/${assessmentId}`, STAFF_AT_SHOTTS)).status).toBe(404);
    expect((await post(`/assessments/${assessmentId}/completion`, completion, STAFF_AT_SHOTTS)).status).toBe(
      404,
    );
    // The list filters by the caller's establishments: an empty page, which discloses nobody.
    const listed = await get(`/assessments?personId=${personId}`, STAFF_AT_SHOTTS);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as AssessmentPage).items).toEqual([]);

    const caller = await byCaller(STAFF_AT_SHOTTS);
    expect(await recordsOf(personId)).toEqual([
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        action: 'assessment.read',
        object_id: assessmentId,
        outcome: 'not-found',
        reason: 'ASSESSMENT_NOT_FOUND',
        http_method: 'GET',
        route: '/assessments/:id',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        action: 'assessment.record-completion',
        object_id: assessmentId,
        outcome: 'not-found',
        reason: 'ASSESSMENT_NOT_FOUND',
        http_method: 'POST',
        route: '/assessments/:id/completion',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [],
        action: 'assessment.list',
        outcome: 'allowed',
        route: '/assessments',
      }),
    ]);
    // Nothing was completed.
    const view = (await (
      await get(`/assessments/${assessmentId}`, STAFF_AT_BARLINNIE)
    ).json()) as AssessmentView;
    expect(view.completion).toBeNull();
  });

  it('fails closed: with the audit store away a completion answers 503 and is not recorded', async () => {
    const personId = newPersonId();
    const { assessmentId } = await requested(personId);
    const response = await withAuditStoreAway(() =>
      post(`/assessments/${assessmentId}/completion`, completion, STAFF_AT_BARLINNIE),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 503, code: 'AUDIT_UNAVAILABLE' });
    const view = (await (
      await get(`/assessments/${assessmentId}`, STAFF_AT_BARLINNIE)
    ).json()) as AssessmentView;
    expect(view.completion).toBeNull();
    expect((await recordsOf(personId)).map((r) => [r.action, r.outcome])).toEqual([
      ['assessment.read', 'allowed'],
    ]);
  });
});
