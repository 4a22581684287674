import { randomBytes, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CaseClosedV1, SlaBreachedV1, type SlaBreachRecord } from '@throughcare/contracts';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { DataSource } from 'typeorm';
import { loadOrchestratorConfig, THROUGHCARE_SCHEMA } from '../config';
import { CaseClosure } from './case-closure.entity';
import { SlaBreach } from './sla-breach.entity';
import { SlaController } from './sla.controller';
import { BreachPageSchema, type BreachPage } from './sla.schemas';
import {
  expectNoSuchRoute,
  expectUnauthenticated,
  operatorAuth,
  orchestratorAuth,
} from '../orchestrator-auth.spec-support';
import { orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { SlaService } from './sla.service';

// The SLA store derives no person ids: any secret of the right length will do.
const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'sla-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});

/**
 * The orchestrator's SLA store and `/breaches` API on real Postgres (migrations at boot), without
 * the journey worker or the bridge: this suite does not depend on the workflow code.
 */
@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-sla-int-spec', [SlaBreach, CaseClosure])],
  controllers: [SlaController],
  providers: [SlaService],
})
class SlaTestModule {}

// Every test owns its person, so no test reads another's rows.
const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const breach = (overrides: Partial<SlaBreachRecord> = {}): SlaBreachRecord => ({
  idempotencyKey: `spec:${randomUUID()}:breach:preReleaseMeeting`,
  personId: newPersonId(),
  episode: 1,
  clock: 'preReleaseMeeting',
  owedBy: 'establishment:BAR',
  owedTo: 'cjsw-s12000036',
  dueAt: '2027-05-20T16:59:59.999Z',
  breachedAt: '2027-05-20T17:00:00.000Z',
  correlationId: `spec-corr-${randomUUID()}`,
  ...overrides,
});

describe('orchestrator SLA store (real Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let sla: SlaService;

  beforeAll(async () => {
    app = await bootstrapService({
      module: SlaTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    sla = app.get(SlaService);
  });

  afterAll(async () => {
    await app?.close();
  });

  const rowsOf = async <T>(sql: string, params: unknown[]) =>
    app.get(DataSource).query(sql, params) as Promise<T[]>;
  const breachesOf = async (personId: string): Promise<BreachPage> => {
    const res = await fetch(`${base}/breaches?personId=${personId}`, { headers: await operatorAuth() });
    expect(res.status).toBe(200);
    return BreachPageSchema.parse(await res.json());
  };
  /** The events written to the outbox about a person, whether or not the relay has published them yet. */
  const outboxEventsOf = async (personId: string, eventType: string) =>
    (
      await rowsOf<{ payload: unknown }>(
        `SELECT payload FROM "${THROUGHCARE_SCHEMA}".outbox
          WHERE payload->>'eventType' = $1 AND payload->'personReference'->'identifiers'->0->>'value' = $2
          ORDER BY created_at`,
        [eventType, personId],
      )
    ).map((r) => r.payload);

  describe('recordSlaBreach', () => {
    it('stores the note of a breach known without waiting, and /breaches shows it', async () => {
      const input = breach({
        note: 'release brought forward: no working day left for the pre-release meeting',
      });
      const { breachId } = await sla.recordSlaBreach(input);

      const [row] = await rowsOf<{ note: string | null }>(
        `SELECT note FROM "${THROUGHCARE_SCHEMA}".sla_breach WHERE id = $1`,
        [breachId],
      );
      expect(row?.note).toBe(input.note);
      const page = await breachesOf(input.personId);
      expect(page.items).toEqual([
        expect.objectContaining({
          id: breachId,
          clock: 'preReleaseMeeting',
          status: 'OPEN',
          note: 'release brought forward: no working day left for the pre-release meeting',
        }),
      ]);
      // The event still validates against its contract (which has no note field).
      const events = await outboxEventsOf(input.personId, 'throughcare.sla.breached');
      expect(events).toHaveLength(1);
      expect(SlaBreachedV1.parse(events[0]).data).toMatchObject({ breachId, clock: 'preReleaseMeeting' });
    });

    it('a breach found at its deadline has no note (null in the API)', async () => {
      const input = breach({ clock: 'referralAcknowledgement' });
      const { breachId } = await sla.recordSlaBreach(input);
      const page = await breachesOf(input.personId);
      expect(page.items).toEqual([expect.objectContaining({ id: breachId, note: null })]);
    });

    it('the same key twice is one row, one event and the first note', async () => {
      const input = breach({ note: 'first' });
      const first = await sla.recordSlaBreach(input);
      const second = await sla.recordSlaBreach({ ...input, note: 'second' });
      expect(second).toEqual(first);
      const page = await breachesOf(input.personId);
      expect(page.items.map((b) => b.note)).toEqual(['first']);
      expect(await outboxEventsOf(input.personId, 'throughcare.sla.breached')).toHaveLength(1);
    });

    it('a note met late keeps its note alongside the lateness', async () => {
      const input = breach({ note: 'meeting impossible before release' });
      await sla.recordSlaBreach(input);
      await sla.recordBreachMet({ idempotencyKey: input.idempotencyKey, metAt: '2027-05-21T16:59:59.999Z' });
      const page = await breachesOf(input.personId);
      expect(page.items).toEqual([
        expect.objectContaining({
          status: 'MET_LATE',
          latenessMinutes: 1440,
          note: 'meeting impossible before release',
        }),
      ]);
    });

    it('documents note in the /breaches response schema (OpenAPI)', async () => {
      const docs = (await (await fetch(`${base}/docs-json`)).json()) as {
        paths: Record<
          string,
          { get?: { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } }
        >;
      };
      const schema = JSON.stringify(
        docs.paths['/breaches']?.get?.responses?.['200']?.content?.['application/json'],
      );
      expect(schema).toContain('"note"');
      expect(schema).toContain('"nextCursor"');
    });
  });

  describe('who may read /breaches', () => {
    it('managers and operators read the breaches and their summary', async () => {
      const input = breach();
      const { breachId } = await sla.recordSlaBreach(input);
      for (const roles of [['manager'], ['operator']]) {
        const auth = await orchestratorAuth({ roles });
        const page = await fetch(`${base}/breaches?personId=${input.personId}`, { headers: auth });
        expect(page.status).toBe(200);
        expect(BreachPageSchema.parse(await page.json()).items).toEqual([
          expect.objectContaining({ id: breachId }),
        ]);
        const summary = await fetch(`${base}/breaches/summary`, { headers: auth });
        expect(summary.status).toBe(200);
        expect(await summary.json()).toEqual(
          expect.arrayContaining([expect.objectContaining({ clock: 'preReleaseMeeting' })]),
        );
      }
    });

    it('answers 401 without a valid access token, before looking at the query', async () => {
      await expectUnauthenticated(await fetch(`${base}/breaches`));
      await expectUnauthenticated(await fetch(`${base}/breaches?limit=0`));
      await expectUnauthenticated(await fetch(`${base}/breaches/summary`));
      const forged = { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' };
      await expectUnauthenticated(await fetch(`${base}/breaches/summary`, { headers: forged }));
    });

    it('answers other roles as if the routes did not exist', async () => {
      for (const principal of [
        { roles: ['prison-staff'], establishments: ['BAR'] },
        { roles: ['agency-staff'], agencyId: 'cjsw-s12000036' },
        { roles: ['auditor'] },
      ]) {
        const auth = await orchestratorAuth(principal);
        for (const path of ['/breaches', '/breaches/summary'])
          await expectNoSuchRoute(base, await fetch(`${base}${path}`, { headers: auth }), 'GET', path);
      }
    });

    it('documents the bearer access token in OpenAPI', async () => {
      const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      expect(doc.paths['/breaches']?.['get']?.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/breaches/summary']?.['get']?.security).toEqual([{ bearer: [] }]);
    });
  });

  describe('recordCaseClosed', () => {
    it.each(['FOLLOW_UP_COMPLETE', 'CONSENT_WITHDRAWN', 'RECALLED', 'DEPORTED'])(
      'stores the reason %s and publishes it on throughcare.case.closed',
      async (reason) => {
        const personId = newPersonId();
        const input = {
          idempotencyKey: `spec:${randomUUID()}:closed`,
          personId,
          episode: 2,
          closedAt: '2027-09-01T10:00:00.000Z',
          reason,
          correlationId: `spec-corr-${randomUUID()}`,
        };
        await sla.recordCaseClosed(input);
        await sla.recordCaseClosed(input); // an activity retry: one row, one event

        const rows = await rowsOf<{ episode: number; reason: string; closed_at: Date }>(
          `SELECT episode, reason, closed_at FROM "${THROUGHCARE_SCHEMA}".case_closure WHERE person_id = $1`,
          [personId],
        );
        expect(rows).toEqual([{ episode: 2, reason, closed_at: new Date(input.closedAt) }]);
        const events = await outboxEventsOf(personId, 'throughcare.case.closed');
        expect(events).toHaveLength(1);
        expect(CaseClosedV1.parse(events[0]).data).toEqual({ episode: 2, closedAt: input.closedAt, reason });
      },
    );

    it('a journey started again closes its episode again (return-reversal-1): the latest closure is the row, each published', async () => {
      const personId = newPersonId();
      const first = {
        idempotencyKey: `spec:${randomUUID()}:closed`,
        personId,
        episode: 1,
        closedAt: '2027-09-01T10:00:00.000Z',
        reason: 'RECALLED',
        correlationId: `spec-corr-${randomUUID()}`,
      };
      await sla.recordCaseClosed(first);
      const again = {
        ...first,
        idempotencyKey: `spec:${randomUUID()}:resumed:reversal-1:closed`,
        closedAt: '2027-12-01T10:00:00.000Z',
        reason: 'FOLLOW_UP_COMPLETE',
      };
      await sla.recordCaseClosed(again);
      await sla.recordCaseClosed(again);
      const rows = await rowsOf<{ episode: number; reason: string; closed_at: Date }>(
        `SELECT episode, reason, closed_at FROM "${THROUGHCARE_SCHEMA}".case_closure WHERE person_id = $1`,
        [personId],
      );
      expect(rows).toEqual([
        { episode: 1, reason: 'FOLLOW_UP_COMPLETE', closed_at: new Date(again.closedAt) },
      ]);
      const events = await outboxEventsOf(personId, 'throughcare.case.closed');
      expect(events.map((e) => CaseClosedV1.parse(e).data.reason)).toEqual([
        'RECALLED',
        'FOLLOW_UP_COMPLETE',
      ]);
    });
    it('an episode started again is open again (review of stop 39, N6): its closure by the return goes, until the run started again closes it; another closure is kept', async () => {
      const personId = newPersonId();
      const closure = async () =>
        rowsOf<{ episode: number; reason: string }>(
          `SELECT episode, reason FROM "${THROUGHCARE_SCHEMA}".case_closure WHERE person_id = $1 ORDER BY episode`,
          [personId],
        );
      const recalled = {
        idempotencyKey: `spec:${randomUUID()}:closed`,
        personId,
        episode: 1,
        closedAt: '2027-09-01T10:00:00.000Z',
        reason: 'RECALLED',
        correlationId: `spec-corr-${randomUUID()}`,
      };
      await sla.recordCaseClosed(recalled);
      await sla.recordCaseClosed({
        ...recalled,
        idempotencyKey: `spec:${randomUUID()}:2`,
        episode: 2,
        reason: 'DECEASED',
      });
      // Another instant than the closure's (the run started again closed the episode since): kept.
      await sla.recordCaseReopened({ personId, episode: 1, closedAt: '2027-10-01T10:00:00.000Z' });
      expect(await closure()).toEqual([
        { episode: 1, reason: 'RECALLED' },
        { episode: 2, reason: 'DECEASED' },
      ]);
      await sla.recordCaseReopened({ personId, episode: 1, closedAt: recalled.closedAt });
      await sla.recordCaseReopened({ personId, episode: 1, closedAt: recalled.closedAt }); // a retry
      // Episode 2 closed otherwise: not a return's closure, kept.
      await sla.recordCaseReopened({ personId, episode: 2, closedAt: recalled.closedAt });
      expect(await closure()).toEqual([{ episode: 2, reason: 'DECEASED' }]);
      await sla.recordCaseClosed({
        ...recalled,
        idempotencyKey: `spec:${randomUUID()}:resumed:reversal-1:closed`,
        closedAt: '2027-12-01T10:00:00.000Z',
        reason: 'FOLLOW_UP_COMPLETE',
      });
      expect(await closure()).toEqual([
        { episode: 1, reason: 'FOLLOW_UP_COMPLETE' },
        { episode: 2, reason: 'DECEASED' },
      ]);
    });
  });
});
