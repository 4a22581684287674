import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from '@temporalio/client';
import { Stages, type PlanView } from '@throughcare/contracts';
import { bootstrapService, listeningPort, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { AttentionService } from '../attention/attention.service';
import { JOURNEY_LOOKUP_OPTIONS } from '../oversight/journey-list';
import { loadOrchestratorConfig } from '../config';
import {
  expectNoSuchRoute,
  expectUnauthenticated,
  operatorAuth,
  orchestratorAuth,
} from '../orchestrator-auth.spec-support';
import { JourneyDoubles, orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { DashboardController } from './dashboard.controller';
import { FunnelService } from '../oversight/funnel.service';
import { OutcomesService } from '../oversight/outcomes.service';
import { LedgerService } from '../oversight/ledger.service';
import { JourneysController } from './sla.controller';
import { SlaService } from './sla.service';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'plan-and-dashboard-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});

/**
 * Who may see a journey's plan and the dashboard (issue 8), on real Postgres and Temporal. The
 * journeys are doubles (test-workflows/plan-double) under journeys' workflow ids, on this file's
 * own task queue, answering the plan query with the plan they were started with.
 */
@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-plan-dashboard-int-spec')],
  controllers: [JourneysController, DashboardController],
  providers: [
    SlaService,
    AttentionService,
    LedgerService,
    FunnelService,
    OutcomesService,
    { provide: JOURNEY_LOOKUP_OPTIONS, useValue: { personIdSecret: config.PERSON_ID_SECRET } },
  ],
})
class PlanAndDashboardTestModule {}

const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const planOf = (personId: string, establishmentCode?: string): PlanView => ({
  personId,
  episode: 1,
  stage: 'RECEPTION',
  stagesDone: [],
  policy: { id: 'spec-policy', version: 1 },
  deadlines: [],
  waitingOn: 'prison: core screen',
  ...(establishmentCode ? { establishmentCode } : {}),
});

describe('orchestrator: who may see a journey plan and the dashboard (real Postgres, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let client: Client;
  let doubles: JourneyDoubles;

  beforeAll(async () => {
    app = await bootstrapService({
      module: PlanAndDashboardTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    client = app.get<Client>(TEMPORAL_CLIENT);
    doubles = await JourneyDoubles.start(
      config,
      client,
      require.resolve('./test-workflows/plan-double.workflow'),
      'plan-dashboard-spec',
    );
  }, 120_000);

  afterAll(async () => {
    await doubles?.stop();
    await app?.close();
  }, 60_000);

  /** A journey (episode 1) whose plan is `plan`, once it answers the plan query. */
  const journey = async (plan: PlanView): Promise<string> => {
    await doubles.journey('planDoubleWorkflow', plan);
    return `/journeys/${plan.personId}/episodes/${plan.episode}`;
  };
  const get = async (path: string, auth: Record<string, string>) =>
    fetch(`${base}${path}`, { headers: auth });
  const staffOf = (...establishments: string[]) =>
    orchestratorAuth({ roles: ['prison-staff'], establishments });

  describe('GET /journeys/:personId/episodes/:episode', () => {
    it("shows an operator any journey's plan, and prison staff the plans of people held in their establishments", async () => {
      const personId = newPersonId();
      const path = await journey(planOf(personId, 'BAR'));

      const asOperator = await get(path, await operatorAuth());
      expect(asOperator.status).toBe(200);
      expect(await asOperator.json()).toMatchObject({ personId, episode: 1, establishmentCode: 'BAR' });
      const asStaff = await get(path, await staffOf('BAR', 'GMI'));
      expect(asStaff.status).toBe(200);
      expect(await asStaff.json()).toMatchObject({ personId, establishmentCode: 'BAR' });
    });

    it('answers prison staff a journey outside their establishments exactly like a journey that does not exist', async () => {
      const personId = newPersonId();
      const path = `/journeys/${personId}/episodes/1`;
      // Before the journey exists: the not-found answer, to the operator and to the staff alike.
      const missing = await get(path, await operatorAuth());
      expect(missing.status).toBe(404);
      const missingBody = (await missing.json()) as Record<string, unknown>;
      expect(missingBody).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
      const missingToStaff = await get(path, await staffOf('LEI'));
      expect(missingToStaff.status).toBe(404);
      expect(await missingToStaff.json()).toEqual(missingBody);

      await journey(planOf(personId, 'BAR'));
      const hidden = await get(path, await staffOf('LEI'));
      expect(hidden.status).toBe(404);
      expect(hidden.headers.get('content-type')).toBe(missing.headers.get('content-type'));
      expect(await hidden.json()).toEqual(missingBody);
      expect((await get(path, await operatorAuth())).status).toBe(200);
    });

    it('keeps a plan that names no establishment to operators: prison staff get the not-found answer', async () => {
      const personId = newPersonId();
      const path = `/journeys/${personId}/episodes/1`;
      const missingBody = (await (await get(path, await operatorAuth())).json()) as Record<string, unknown>;
      expect(missingBody).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });

      await journey(planOf(personId));
      expect((await get(path, await operatorAuth())).status).toBe(200);
      const refused = await get(path, await staffOf('BAR'));
      expect(refused.status).toBe(404);
      expect(await refused.json()).toEqual(missingBody);
    });

    it('answers 401 without a valid access token, and other roles as if the route did not exist', async () => {
      const personId = newPersonId();
      const path = await journey(planOf(personId, 'BAR'));
      await expectUnauthenticated(await get(path, {}));
      await expectUnauthenticated(await get('/journeys/not-a-person/episodes/0', {}));
      await expectUnauthenticated(
        await get(path, { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }),
      );
      for (const principal of [
        { roles: ['manager'] },
        { roles: ['agency-system'], agencyId: 'cjsw-s12000036' },
        { roles: ['auditor'] },
      ])
        await expectNoSuchRoute(base, await get(path, await orchestratorAuth(principal)), 'GET', path);
    });
  });

  describe('GET /journeys/:personId/episodes/:episode/involvement', () => {
    it('shows who else is involved, with warnings, to whoever may see the plan; anyone else gets the not-found answer', async () => {
      const personId = newPersonId();
      await journey({
        ...planOf(personId, 'BAR'),
        referralId: 'ref-cjsw',
        agencyId: 'cjsw-s12000036',
        referralAcknowledgedAt: '2027-01-02T10:00:00Z',
        referralOutcomes: [],
        needReferrals: [
          {
            pathway: 'ACCOMMODATION',
            status: 'ACCEPTED',
            agencyId: 'housing-1',
            tried: [
              { agencyId: 'housing-1', referralId: 'r1', rule: 'eligibility-v1', status: 'ACCEPTED' },
              { agencyId: 'housing-2', referralId: 'r2', rule: 'eligibility-v1', status: 'ACCEPTED' },
            ],
          },
          { pathway: 'HEALTH', status: 'GAP', tried: [] },
        ],
      });
      const path = `/journeys/${personId}/episodes/1/involvement`;
      for (const auth of [await operatorAuth(), await staffOf('BAR')]) {
        const response = await get(path, auth);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          personId,
          supervision: { agencyId: 'cjsw-s12000036', status: 'ACKNOWLEDGED', warnings: [] },
          referredPerNeed: true,
          pathways: [
            { pathway: 'ACCOMMODATION', warnings: [{ code: 'DUPLICATION' }] },
            { pathway: 'HEALTH', open: [], warnings: [{ code: 'GAP' }] },
          ],
          warnings: { duplication: 1, gap: 1 },
        });
      }
      const missing = await get(`/journeys/${newPersonId()}/episodes/1/involvement`, await operatorAuth());
      expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
        404,
        'JOURNEY_NOT_FOUND',
      ]);
      const hidden = await get(path, await staffOf('LEI'));
      expect(await hidden.json()).toMatchObject({ status: 404, code: 'JOURNEY_NOT_FOUND' });
      await expectNoSuchRoute(
        base,
        await get(path, await orchestratorAuth({ roles: ['manager'] })),
        'GET',
        path,
      );
      await expectUnauthenticated(await get(path, {}));
    });

    it('answers 409 INVOLVEMENT_UNAVAILABLE for a plan that does not say who is involved (the journey could not derive it)', async () => {
      const personId = newPersonId();
      await journey({ ...planOf(personId, 'BAR'), waitingOn: 'operator: the plan cannot be derived (spec)' });
      const response = await get(`/journeys/${personId}/episodes/1/involvement`, await operatorAuth());
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        code: 'INVOLVEMENT_UNAVAILABLE',
        detail: expect.stringContaining('the plan cannot be derived') as string,
      });
    });
  });

  describe('the dashboard', () => {
    it('serves the page of counts to managers and operators only (browser sign-in: dashboard-sign-in.int.spec.ts)', async () => {
      for (const roles of [['manager'], ['operator']]) {
        const page = await get('/dashboard', await orchestratorAuth({ roles }));
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const html = await page.text();
        expect(html).toContain('Journeys by stage');
        expect(html).toContain('SLA breaches by clock');
      }
      // Sign-in is not configured in this module: no token, 401; prison staff, the unknown route's 404.
      await expectUnauthenticated(await get('/dashboard', {}));
      await expectNoSuchRoute(base, await get('/dashboard', await staffOf('BAR')), 'GET', '/dashboard');
    });

    it('serves the JSON to managers and operators only', async () => {
      for (const roles of [['manager'], ['operator']]) {
        const data = await get('/dashboard/data', await orchestratorAuth({ roles }));
        expect(data.status).toBe(200);
        const body = (await data.json()) as { journeysByStage: Record<string, number> };
        expect(Object.keys(body.journeysByStage).sort()).toEqual([...Stages].sort());
      }
      await expectUnauthenticated(await get('/dashboard/data', {}));
      for (const principal of [
        { roles: ['prison-staff'], establishments: ['BAR'] },
        { roles: ['agency-staff'], agencyId: 'cjsw-s12000036' },
        { roles: ['auditor'] },
      ])
        await expectNoSuchRoute(
          base,
          await get('/dashboard/data', await orchestratorAuth(principal)),
          'GET',
          '/dashboard/data',
        );
    });

    it('documents which routes need a bearer token (OpenAPI)', async () => {
      const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      expect(doc.paths['/dashboard/data']?.['get']?.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/journeys/{personId}/episodes/{episode}']?.['get']?.security).toEqual([
        { bearer: [] },
      ]);
      expect(doc.paths['/dashboard']?.['get']?.security).toEqual([{ bearer: [] }]);
    });
  });
});
