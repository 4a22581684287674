import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AssessmentCompletedV1,
  CoreScreenCompletedV1,
  Pathway,
  Streams,
  subjectFor,
  type AssessmentKind,
} from '@throughcare/contracts';
import { connectBus } from '@throughcare/platform-messaging';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { answersGiving, bearer, type ServedQuestions, type TestPrincipal } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import type { AnswersView, QuestionSetView } from './assessment-answers.schemas';
import { createAssessmentActivities } from './assessment.activities';
import type { AssessmentView } from './assessment.schemas';
import { AssessmentsService } from './assessments.service';

// Issue 10: answers by pathway; needs and statuses derived from them, never typed in.

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const ELSEWHERE: TestPrincipal = { roles: ['prison-staff'], establishments: ['SHO'] };

describe('assessment answers by pathway (real Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let activities: ReturnType<typeof createAssessmentActivities>;
  let nc: NatsConnection;
  const startedAt = new Date();

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    activities = createAssessmentActivities(app.get(AssessmentsService));
    nc = await connectBus(config.NATS_URL, 'assessment-answers-int-spec');
  });
  afterAll(async () => {
    await nc?.drain();
    await app?.close();
  });

  /** The events of `eventType` about the assessment on the events stream (as consumers read them), once its outbox rows are published. */
  async function onBus(eventType: string, assessmentId: string): Promise<unknown[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const pending = (await runUnrestricted(() =>
        app
          .get(DataSource)
          .query(
            `SELECT 1 FROM assessment.outbox WHERE published_at IS NULL AND payload->'data'->>'assessmentId' = $1`,
            [assessmentId],
          ),
      )) as unknown[];
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`outbox of ${assessmentId} not published in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const reader = await jetstream(nc).consumers.get(Streams.events.name, {
      filter_subjects: [subjectFor(eventType)],
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: startedAt.toISOString(),
    });
    const found: unknown[] = [];
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      const event = msg.json<{ data: { assessmentId?: string } }>();
      if (event.data.assessmentId === assessmentId) found.push(event);
    }
    await reader.delete().catch(() => undefined);
    return found;
  }

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    as = STAFF,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await bearer(as, 'urn:throughcare:assessment')),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async <T>(r: Response) => (await r.json()) as T;

  async function aCoreScreen(sex?: 'FEMALE' | 'MALE'): Promise<string> {
    const { assessmentId } = await activities.requestCoreScreen({
      idempotencyKey: `spec:${randomUUID()}`,
      personId: `p${randomBytes(10).toString('hex')}`,
      episode: 1,
      establishmentCode: 'BAR',
      dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      ...(sex ? { sex } : {}),
      correlationId: `spec-${randomUUID()}`,
    });
    return assessmentId;
  }

  /** Every required question of the core screen answered no, then `overrides`. */
  async function allNo(id: string, overrides: Record<string, boolean | string> = {}) {
    const set = await json<QuestionSetView>(await call('GET', `/assessments/${id}/questions`));
    return {
      ...Object.fromEntries(
        set.pathways.flatMap((p) => p.questions.filter((q) => q.required).map((q) => [q.id, false])),
      ),
      ...overrides,
    };
  }

  it('asks the women-specific pathways by the sex the journey gave: of a woman, not of a man, and of everyone when not recorded (saying why)', async () => {
    const women = (q: QuestionSetView) => q.pathways.filter((p) => p.onlyFor === 'FEMALE');
    const unknown = await aCoreScreen();
    const asUnknown = await json<QuestionSetView>(await call('GET', `/assessments/${unknown}/questions`));
    expect(asUnknown.personSex).toBeNull();
    expect(women(asUnknown).map((p) => p.asked)).toEqual([true, true]);
    const unknownView = await json<AnswersView>(await call('GET', `/assessments/${unknown}/answers`));
    expect(unknownView.pathways.find((p) => p.pathway === 'WOMEN_ABUSE_AND_VIOLENCE')?.reasons).toContain(
      'asked because the person’s sex is not recorded (a pathway for women)',
    );

    const woman = await aCoreScreen('FEMALE');
    const asWoman = await json<QuestionSetView>(await call('GET', `/assessments/${woman}/questions`));
    expect(asWoman.personSex).toBe('FEMALE');
    expect(women(asWoman).map((p) => p.asked)).toEqual([true, true]);
    const womanView = await json<AnswersView>(await call('GET', `/assessments/${woman}/answers`));
    expect(womanView.unfinished).toHaveLength(9);
    expect(womanView.pathways.find((p) => p.pathway === 'WOMEN_ABUSE_AND_VIOLENCE')?.reasons).toEqual([]);

    const man = await aCoreScreen('MALE');
    const asMan = await json<QuestionSetView>(await call('GET', `/assessments/${man}/questions`));
    expect(asMan.personSex).toBe('MALE');
    expect(women(asMan).map((p) => p.asked)).toEqual([false, false]);
    const manView = await json<AnswersView>(await call('GET', `/assessments/${man}/answers`));
    expect(manView.unfinished).toHaveLength(7);
    expect(manView.pathways.map((p) => p.pathway).filter((p) => p.startsWith('WOMEN_'))).toEqual([]);
    // A women's pathway question answered for him is refused, naming the field.
    const womenQuestion = women(asMan)[0]!.questions[0]!.id;
    const refused = await call('PUT', `/assessments/${man}/answers`, { answers: { [womenQuestion]: false } });
    expect(refused.status).toBe(400);
    expect(await json<{ errors: { field: string }[] }>(refused)).toMatchObject({
      errors: [{ field: `answers.${womenQuestion}` }],
    });
    // His core screen completes from the seven pathways asked.
    const answers = await allNo(man);
    for (const p of women(asMan)) for (const q of p.questions) delete answers[q.id];
    expect((await call('PUT', `/assessments/${man}/answers`, { answers })).status).toBe(200);
    const done = await call('POST', `/assessments/${man}/completion`, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(done.status).toBe(200);
  });

  it('serves the questions, saves answers as versions (If-Match), derives statuses and needs, and completes from them', async () => {
    const id = await aCoreScreen();
    const questions = await json<QuestionSetView>(await call('GET', `/assessments/${id}/questions`));
    expect(questions).toMatchObject({ kind: 'CORE_SCREEN', version: 1 });
    expect(questions.pathways.map((p) => p.pathway)).toContain('WOMEN_ABUSE_AND_VIOLENCE');

    const empty = await json<AnswersView>(await call('GET', `/assessments/${id}/answers`));
    expect(empty).toMatchObject({ version: null, etag: null, needs: [] });
    expect(empty.unfinished).toHaveLength(9);

    const first = await call('PUT', `/assessments/${id}/answers`, { answers: { ACC_NO_ADDRESS: true } });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"answers-v1"');
    const v1 = await json<AnswersView>(first);
    expect(v1.pathways.find((p) => p.pathway === 'ACCOMMODATION')?.status).toBe('IN_PROGRESS');

    // Completion while pathways are unfinished is refused.
    const early = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'MEDIUM',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(early.status).toBe(422);
    expect(await json<{ code: string }>(early)).toMatchObject({ code: 'PATHWAYS_UNFINISHED' });

    const answers = await allNo(id, {
      ACC_NO_ADDRESS: true,
      ACC_WANTS_SUPPORT: true,
      DRA_WITHDRAWAL: true,
      DRA_WANTS_SUPPORT: false,
      HLT_NOTE: 'sees the nurse weekly',
    });
    const stale = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers },
      { 'if-match': '"answers-v0"' },
    );
    expect(stale.status).toBe(412);
    const saved = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers, skips: [{ pathway: 'EDUCATION_SKILLS_AND_WORK', reason: 'COMPLETED_IN_ANOTHER_PRISON' }] },
      { 'if-match': '"answers-v1"' },
    );
    expect(saved.status).toBe(200);
    const v2 = await json<AnswersView>(saved);
    expect(v2).toMatchObject({ version: 2, needs: ['ACCOMMODATION'], unfinished: [] });
    const status = Object.fromEntries(v2.pathways.map((p) => [p.pathway, p.status]));
    expect(status).toMatchObject({
      ACCOMMODATION: 'SUPPORT_REQUIRED',
      DRUGS_AND_ALCOHOL: 'SUPPORT_DECLINED',
      HEALTH: 'SUPPORT_NOT_REQUIRED',
    });
    expect(v2.pathways.find((p) => p.pathway === 'EDUCATION_SKILLS_AND_WORK')?.skipped).toMatchObject({
      reason: 'COMPLETED_IN_ANOTHER_PRISON',
    });
    // A retry of that PUT (its answer lost), with the If-Match it was sent with: the same version,
    // nothing new recorded.
    const retried = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers, skips: [{ pathway: 'EDUCATION_SKILLS_AND_WORK', reason: 'COMPLETED_IN_ANOTHER_PRISON' }] },
      { 'if-match': '"answers-v1"' },
    );
    expect(retried.status).toBe(200);
    expect(await json<AnswersView>(retried)).toMatchObject({ version: 2 });
    // A skip cannot hide a need the answers show (400 naming the skip).
    const hidden = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers, skips: [{ pathway: 'ACCOMMODATION', reason: 'TRANSFER' }] },
      { 'if-match': '"answers-v2"' },
    );
    expect(hidden.status).toBe(400);
    expect(await json<{ errors: { field: string }[] }>(hidden)).toMatchObject({
      errors: [{ field: 'skips.0.pathway' }],
    });

    // A typed list that disagrees is refused; none typed: the needs come from the answers.
    const disagree = await call('POST', `/assessments/${id}/completion`, {
      needs: ['HEALTH'],
      riskOfSeriousHarm: 'MEDIUM',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(disagree.status).toBe(422);
    expect(await json<{ code: string }>(disagree)).toMatchObject({ code: 'NEEDS_DISAGREE_WITH_ANSWERS' });
    const completed = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'MEDIUM',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(completed.status).toBe(200);
    expect((await json<AssessmentView>(completed)).completion).toMatchObject({ needs: ['ACCOMMODATION'] });
    const event = (await runUnrestricted(() =>
      app
        .get(DataSource)
        .query(
          `SELECT payload FROM assessment.outbox WHERE payload->'data'->>'assessmentId' = $1 AND subject LIKE '%completed%'`,
          [id],
        ),
    )) as Array<{ payload: { data: { needs: string[] } } }>;
    expect(event.map((e) => e.payload.data.needs)).toEqual([['ACCOMMODATION']]);
    // On the bus: each pathway's status from the answers, the skip with its reason (no note, no
    // reasons in words), a declined pathway as SUPPORT_DECLINED.
    const [published] = (await onBus('assessment.core-screen.completed', id)).map((e) =>
      CoreScreenCompletedV1.parse(e),
    );
    expect(published!.data.needs).toEqual(['ACCOMMODATION']);
    expect(published!.data.pathways).toEqual([
      { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
      { pathway: 'ATTITUDES_THINKING_AND_BEHAVIOUR', status: 'SUPPORT_NOT_REQUIRED' },
      { pathway: 'CHILDREN_FAMILIES_AND_COMMUNITY', status: 'SUPPORT_NOT_REQUIRED' },
      { pathway: 'DRUGS_AND_ALCOHOL', status: 'SUPPORT_DECLINED' },
      {
        pathway: 'EDUCATION_SKILLS_AND_WORK',
        status: 'SUPPORT_NOT_REQUIRED',
        skipped: { reason: 'COMPLETED_IN_ANOTHER_PRISON' },
      },
      { pathway: 'FINANCE_AND_ID', status: 'SUPPORT_NOT_REQUIRED' },
      { pathway: 'HEALTH', status: 'SUPPORT_NOT_REQUIRED' },
      { pathway: 'WOMEN_ABUSE_AND_VIOLENCE', status: 'SUPPORT_NOT_REQUIRED' },
      { pathway: 'WOMEN_SEX_WORK', status: 'SUPPORT_NOT_REQUIRED' },
    ]);

    // Every version stays readable: listed newest first (paged), each one by its number.
    const page1 = await call('GET', `/assessments/${id}/answers/versions?limit=1`);
    expect(page1.status).toBe(200);
    const newest = await json<{ items: unknown[]; nextCursor: string | null }>(page1);
    expect(newest.items).toEqual([
      {
        version: 2,
        recordedAt: v2.recordedAt,
        recordedBy: v2.recordedBy,
        questionSet: { kind: 'CORE_SCREEN', version: 1 },
      },
    ]);
    expect(newest.nextCursor).toEqual(expect.any(String));
    const page2 = await json<{ items: Array<{ version: number }>; nextCursor: string | null }>(
      await call('GET', `/assessments/${id}/answers/versions?limit=1&cursor=${newest.nextCursor}`),
    );
    expect(page2).toMatchObject({ items: [{ version: 1, recordedAt: v1.recordedAt }], nextCursor: null });
    const old = await call('GET', `/assessments/${id}/answers/versions/1`);
    expect(old.status).toBe(200);
    expect(await json<AnswersView>(old)).toMatchObject({
      version: 1,
      answers: { ACC_NO_ADDRESS: true },
      needs: [],
      recordedAt: v1.recordedAt,
    });
    const none = await call('GET', `/assessments/${id}/answers/versions/3`);
    expect(none.status).toBe(404);
    expect(await json<{ code: string }>(none)).toMatchObject({ code: 'ANSWERS_VERSION_NOT_FOUND' });
    const badVersion = await call('GET', `/assessments/${id}/answers/versions/first`);
    expect(badVersion.status).toBe(400);
    expect(await json<{ errors: { field: string }[] }>(badVersion)).toMatchObject({
      errors: [{ field: 'version' }],
    });
    const badCursor = await call('GET', `/assessments/${id}/answers/versions?cursor=nope`);
    expect(badCursor.status).toBe(400);
    for (const path of [`/assessments/${id}/answers/versions`, `/assessments/${id}/answers/versions/1`]) {
      const elsewhere = await call('GET', path, undefined, {}, ELSEWHERE);
      expect([path, elsewhere.status]).toEqual([path, 404]);
      expect(await json<{ code: string }>(elsewhere)).toMatchObject({ code: 'ASSESSMENT_NOT_FOUND' });
    }

    // Fixed once completed.
    const after = await call('PUT', `/assessments/${id}/answers`, { answers });
    expect(after.status).toBe(409);
    expect(await json<{ code: string }>(after)).toMatchObject({ code: 'ASSESSMENT_ALREADY_COMPLETED' });
  });

  it('re-checks the saved answers at completion (422 naming the skip) and on a retry; skips compare in any order', async () => {
    const id = await aCoreScreen();
    const answers = await allNo(id, { ACC_NO_ADDRESS: true, ACC_WANTS_SUPPORT: true });
    // A version saved before skip validation existed: the ACCOMMODATION need hidden by a skip.
    const hiding = [{ pathway: 'ACCOMMODATION', reason: 'TRANSFER' }];
    await runUnrestricted(() =>
      app.get(DataSource).query(
        `INSERT INTO assessment.assessment_answers
           (assessment_id, version, establishment_code, question_set_version, answers, skips, recorded_at, recorded_by)
         VALUES ($1, 1, 'BAR', 1, $2, $3, now(), 'spec:before-skip-validation')`,
        [id, JSON.stringify(answers), JSON.stringify(hiding)],
      ),
    );
    const refused = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await json<{ code: string; errors: { field: string }[] }>(refused)).toMatchObject({
      code: 'SAVED_ANSWERS_INVALID',
      errors: [{ field: 'skips.0.pathway' }],
    });
    expect(await json<AssessmentView>(await call('GET', `/assessments/${id}`))).toMatchObject({
      completion: null,
    });
    // The same body again is not a retry of that version: the PUT's own 400 naming the skip.
    const again = await call('PUT', `/assessments/${id}/answers`, { answers, skips: hiding });
    expect(again.status).toBe(400);
    expect(await json<{ errors: { field: string }[] }>(again)).toMatchObject({
      errors: [{ field: 'skips.0.pathway' }],
    });

    // Corrected (two skips); the same skips in the other order are a retry of it (200, no v3).
    const noNeed = await allNo(id);
    const skips = [
      { pathway: 'EDUCATION_SKILLS_AND_WORK', reason: 'COMPLETED_IN_ANOTHER_PRISON' },
      { pathway: 'FINANCE_AND_ID', reason: 'COMPLETED_IN_ANOTHER_PRISON' },
    ];
    const fixed = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers: noNeed, skips },
      { 'if-match': '"answers-v1"' },
    );
    expect(fixed.status).toBe(200);
    expect(fixed.headers.get('etag')).toBe('"answers-v2"');
    const reordered = await call(
      'PUT',
      `/assessments/${id}/answers`,
      { answers: noNeed, skips: [...skips].reverse() },
      { 'if-match': '"answers-v1"' },
    );
    expect(reordered.status).toBe(200);
    expect(await json<AnswersView>(reordered)).toMatchObject({ version: 2 });
    const completed = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(completed.status).toBe(200);
    expect((await json<AssessmentView>(completed)).completion).toMatchObject({ needs: [] });
  });

  it('refuses answers that do not fit (400 naming the field), hides other prisons’ assessments (404), refuses typed needs without answers (422 ANSWERS_REQUIRED)', async () => {
    const id = await aCoreScreen();
    const unknown = await call('PUT', `/assessments/${id}/answers`, { answers: { NOT_A_QUESTION: true } });
    expect(unknown.status).toBe(400);
    expect((await json<{ errors: Array<{ field: string }> }>(unknown)).errors).toEqual([
      expect.objectContaining({ field: 'answers.NOT_A_QUESTION' }),
    ]);
    const wrongType = await call('PUT', `/assessments/${id}/answers`, { answers: { ACC_NO_ADDRESS: 'yes' } });
    expect(wrongType.status).toBe(400);
    const otherNoNote = await call('PUT', `/assessments/${id}/answers`, {
      answers: {},
      skips: [{ pathway: 'HEALTH', reason: 'OTHER' }],
    });
    expect(otherNoNote.status).toBe(400);
    expect((await call('GET', `/assessments/${id}/answers`, undefined, {}, ELSEWHERE)).status).toBe(404);
    expect((await call('PUT', `/assessments/${id}/answers`, { answers: {} }, {}, ELSEWHERE)).status).toBe(
      404,
    );

    // No answers saved: an assessment requested since the cut-over (migration 1000) is refused,
    // naming the field: typed needs, or the missing answers.
    const typedNow = await call('POST', `/assessments/${id}/completion`, {
      needs: ['HEALTH'],
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(typedNow.status).toBe(422);
    expect(await json<{ code: string; errors: { field: string }[] }>(typedNow)).toMatchObject({
      code: 'ANSWERS_REQUIRED',
      errors: [{ field: 'needs' }],
    });
    const missingNow = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(missingNow.status).toBe(422);
    expect(await json<{ code: string; errors: { field: string }[] }>(missingNow)).toMatchObject({
      code: 'ANSWERS_REQUIRED',
      errors: [{ field: 'answers' }],
    });
    expect((await json<AssessmentView>(await call('GET', `/assessments/${id}`))).completion).toBeNull();
  });

  it('keeps typed needs for an assessment requested before the cut-over (no pathways on its event)', async () => {
    const id = await aCoreScreen();
    // As migration 1000 left every assessment already requested.
    await runUnrestricted(() =>
      app
        .get(DataSource)
        .query(`UPDATE assessment.assessment SET typed_needs_allowed = true WHERE id = $1`, [id]),
    );
    const missing = await call('POST', `/assessments/${id}/completion`, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(missing.status).toBe(400);
    expect(await json<{ errors: { field: string }[] }>(missing)).toMatchObject({
      errors: [{ field: 'needs' }],
    });
    const typed = await call('POST', `/assessments/${id}/completion`, {
      needs: ['HEALTH'],
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(typed.status).toBe(200);
    expect((await json<AssessmentView>(typed)).completion).toMatchObject({ needs: ['HEALTH'] });
    const [event] = (await onBus('assessment.core-screen.completed', id)).map((e) =>
      CoreScreenCompletedV1.parse(e),
    );
    expect(event!.data.needs).toEqual(['HEALTH']);
    expect(event!.data).not.toHaveProperty('pathways');
  });

  // Issue 10 (audit A1/D2): the three later kinds, each requested as the journey's activity does,
  // answered by its own questions and completed from them.
  it.each<[AssessmentKind, Record<string, 'SUPPORT_REQUIRED' | 'SUPPORT_DECLINED' | 'DONE'>, string[]]>([
    [
      'COMPREHENSIVE_SCREEN',
      { ACCOMMODATION: 'SUPPORT_REQUIRED', FINANCE_AND_ID: 'SUPPORT_REQUIRED', HEALTH: 'SUPPORT_DECLINED' },
      ['ACCOMMODATION', 'FINANCE_AND_ID'],
    ],
    [
      'STANDARD_REVIEW',
      { EDUCATION_SKILLS_AND_WORK: 'SUPPORT_REQUIRED', DRUGS_AND_ALCOHOL: 'SUPPORT_DECLINED' },
      ['EDUCATION_SKILLS_AND_WORK'],
    ],
    // Support in place for release: DONE, not a need; support not in place: still a need.
    [
      'SUMMARY_REVIEW',
      { ACCOMMODATION: 'DONE', HEALTH: 'DONE', FINANCE_AND_ID: 'SUPPORT_REQUIRED' },
      ['FINANCE_AND_ID'],
    ],
  ])(
    '%s: GET its questions, PUT answers, complete without needs; the event carries the derived needs and statuses',
    async (kind, wanted, needs) => {
      const { assessmentId: id } = await activities.requestAssessment({
        idempotencyKey: `spec:${randomUUID()}`,
        personId: `p${randomBytes(10).toString('hex')}`,
        episode: 1,
        establishmentCode: 'BAR',
        dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        sex: 'MALE',
        kind,
        correlationId: `spec-${randomUUID()}`,
      });
      const questions = await json<QuestionSetView>(await call('GET', `/assessments/${id}/questions`));
      expect(questions).toMatchObject({ kind, version: 1 });
      const asked = questions.pathways.filter((p) => p.asked).map((p) => p.pathway);
      expect(asked).toHaveLength(7);
      const answers = answersGiving(questions as unknown as ServedQuestions, wanted);
      // One pathway skipped with a reason (its answers show no need).
      const skips = [{ pathway: 'CHILDREN_FAMILIES_AND_COMMUNITY', reason: 'TRANSFER' }];
      const saved = await call('PUT', `/assessments/${id}/answers`, { answers, skips });
      expect(saved.status).toBe(200);
      expect(await json<AnswersView>(saved)).toMatchObject({ version: 1, needs, unfinished: [] });

      const completed = await call('POST', `/assessments/${id}/completion`, {
        completedAt: new Date().toISOString(),
        completedBy: 'role:PERSONAL_OFFICER',
      });
      expect(completed.status).toBe(200);
      expect((await json<AssessmentView>(completed)).completion).toMatchObject({ needs });

      const events = (await onBus('assessment.assessment.completed', id)).map((e) =>
        AssessmentCompletedV1.parse(e),
      );
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ kind, needs });
      // In the contracts' Pathway order (as the needs are), whatever the set's reading order.
      expect(events[0]!.data.pathways).toEqual(
        Pathway.options
          .filter((p) => asked.includes(p))
          .map((pathway) => ({
            pathway,
            status: wanted[pathway] ?? 'SUPPORT_NOT_REQUIRED',
            ...(pathway === 'CHILDREN_FAMILIES_AND_COMMUNITY' ? { skipped: { reason: 'TRANSFER' } } : {}),
          })),
      );
    },
  );
});
