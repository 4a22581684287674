import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from '@temporalio/client';
import {
  planQuery,
  throughcareWorkflowId,
  type AttentionItemView,
  type PlanView,
} from '@throughcare/contracts';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { bootstrapService, listeningPort, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import type { TestPrincipal } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { loadOrchestratorConfig } from '../config';
import { orchestratorAuth } from '../orchestrator-auth.spec-support';
import { JourneyDoubles, orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { JourneyNeedsController } from './journey-needs.controller';

// Review of stop 41 (pathway-hold M2): the journey holds a need its latest assessment no longer
// indicates behind an item for prison staff (NEED_REFERRAL_HELD), and keeps asking about one still
// referred (NEED_NO_LONGER_INDICATED); items are resolved by operators only, so prison staff answer
// "refer it all the same" through POST …/needs/:pathway/keep. Real Postgres (audit), Temporal and
// identity provider; the journeys are doubles (attention-double) under journeys' workflow ids.

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'keep-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});
const CHAIN = 'orchestrator-keep-int-spec';

@Module({ imports: [orchestratorSpecPlatform(config, CHAIN)], controllers: [JourneyNeedsController] })
class KeepTestModule {}

const STAFF_AT_BAR: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const STAFF_AT_LEI: TestPrincipal = { roles: ['prison-staff'], establishments: ['LEI'] };
const OPERATOR: TestPrincipal = { roles: ['operator'] };
const MANAGER: TestPrincipal = { roles: ['manager'] };

const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const item = (id: string, action: string, errorType: string, status: 'OPEN' | 'RESOLVED' = 'OPEN') =>
  ({
    id,
    action,
    what: `${errorType}: the COMPREHENSIVE_SCREEN asm-1 shows HEALTH SUPPORT_DECLINED`,
    errorType,
    mustAct: 'prison:BAR',
    since: '2027-03-01T09:00:00.000Z',
    options: ['SKIP'],
    status,
  }) satisfies AttentionItemView;
const planOf = (personId: string, attention: AttentionItemView[], stopped = false): PlanView => ({
  personId,
  episode: 1,
  stage: 'SUMMARY_REVIEW',
  stagesDone: ['RECEPTION', 'CORE_SCREEN'],
  policy: { id: 'spec-policy', version: 1 },
  deadlines: [],
  waitingOn: 'prison: summary review',
  establishmentCode: 'BAR',
  attention,
  needReferrals: [
    {
      pathway: 'HEALTH',
      status: stopped ? 'NOT_REFERRED' : 'NEEDS_ATTENTION',
      tried: [],
      ...(stopped
        ? {
            stopped: {
              by: 'officer-1',
              as: 'PRISON_STAFF',
              at: '2027-03-01T10:00:00.000Z',
              reason: 'refused',
            },
          }
        : {}),
    },
    { pathway: 'ACCOMMODATION', status: 'SENT', agencyId: 'housing-1', referralId: 'ref-1', tried: [] },
  ],
});

describe('prison staff keep referring a need the assessment no longer indicates (POST …/needs/:pathway/keep)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let db: DataSource;
  let doubles: JourneyDoubles;

  beforeAll(async () => {
    app = await bootstrapService({
      module: KeepTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['fatal'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    db = app.get(DataSource);
    doubles = await JourneyDoubles.start(
      config,
      app.get<Client>(TEMPORAL_CLIENT),
      require.resolve('../attention/test-workflows/attention-double.workflow'),
      'keep-spec',
    );
  }, 120_000);

  afterAll(async () => {
    await doubles?.stop();
    await app?.close();
  }, 60_000);

  const keep = async (
    personId: string,
    pathway: string,
    as: TestPrincipal,
    body: unknown = { reason: 'asked for it' },
  ) => {
    const res = await fetch(`${base}/journeys/${personId}/episodes/1/needs/${pathway}/keep`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await orchestratorAuth(as)) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const itemsOf = async (personId: string) =>
    (
      await app
        .get<Client>(TEMPORAL_CLIENT)
        .workflow.getHandle(throughcareWorkflowId(personId, 1))
        .query(planQuery)
    ).attention!;

  it('answers the open hold for prison staff of the establishment (SKIP, by them, with the reason); audited; a repeat changes nothing', async () => {
    const personId = newPersonId();
    await doubles.journey(
      'attentionDoubleWorkflow',
      planOf(personId, [
        item('att-1', 'need:ACCOMMODATION:gap:2027-03-01', 'NEED_GAP'),
        item('att-2', 'need:HEALTH:hold:1:asm-1', 'NEED_REFERRAL_HELD'),
      ]),
    );
    const kept = await keep(personId, 'HEALTH', STAFF_AT_BAR, {
      reason: 'the person asked for the GP referral after all',
    });
    expect(kept).toMatchObject({ status: 200, body: { pathway: 'HEALTH', answered: 'att-2' } });
    const items = await itemsOf(personId);
    expect(items.find((a) => a.id === 'att-2')).toMatchObject({
      status: 'RESOLVED',
      resolution: {
        option: 'SKIP',
        by: expect.any(String),
        reason: 'kept by prison staff: the person asked for the GP referral after all',
      },
    });
    // Only the need's own question: the accommodation gap is not touched.
    expect(items.find((a) => a.id === 'att-1')?.status).toBe('OPEN');
    const again = await keep(personId, 'HEALTH', STAFF_AT_BAR, {
      reason: 'the person asked for the GP referral after all',
    });
    expect(again.status).toBe(200);
    expect(again.body['answered']).toBeUndefined();
    expect(
      (await auditRecordsAbout(db, CHAIN, personId))
        .filter((r) => r.action === 'journey-need.keep')
        .map((r) => r.outcome),
    ).toEqual(['allowed', 'allowed']);
  });

  it('answers a "still referred" question too, by an operator; nothing open answers the need as it stands', async () => {
    const personId = newPersonId();
    await doubles.journey(
      'attentionDoubleWorkflow',
      planOf(personId, [item('att-1', 'need:HEALTH:no-longer-indicated:asm-1', 'NEED_NO_LONGER_INDICATED')]),
    );
    const kept = await keep(personId, 'HEALTH', OPERATOR);
    expect(kept).toMatchObject({ status: 200, body: { answered: 'att-1' } });
    expect((await itemsOf(personId))[0]?.resolution?.reason).toBe('kept by an operator: asked for it');
    // Another need, with nothing asked about it: 200, unchanged.
    const other = await keep(personId, 'ACCOMMODATION', OPERATOR);
    expect(other).toMatchObject({ status: 200, body: { pathway: 'ACCOMMODATION', status: 'SENT' } });
    expect(other.body['answered']).toBeUndefined();
  });

  it('refuses a pathway that is no need (409), a stopped need (409), a bad body or pathway (400), another prison (404) and other roles (404)', async () => {
    const personId = newPersonId();
    await doubles.journey(
      'attentionDoubleWorkflow',
      planOf(personId, [item('att-1', 'need:HEALTH:hold:1:asm-1', 'NEED_REFERRAL_HELD')]),
    );
    expect(await keep(personId, 'FINANCE_AND_ID', STAFF_AT_BAR)).toMatchObject({
      status: 409,
      body: { code: 'NEED_KEEP_REFUSED' },
    });
    const invalid = await keep(personId, 'HEALTH', STAFF_AT_BAR, { reason: ' ' });
    expect([invalid.status, (invalid.body['errors'] as { field: string }[]).map((e) => e.field)]).toEqual([
      400,
      ['reason'],
    ]);
    const badPathway = await keep(personId, 'HOUSING', STAFF_AT_BAR);
    expect([
      badPathway.status,
      (badPathway.body['errors'] as { field: string }[]).map((e) => e.field),
    ]).toEqual([400, ['pathway']]);
    expect(await keep(personId, 'HEALTH', STAFF_AT_LEI)).toMatchObject({
      status: 404,
      body: { code: 'JOURNEY_NOT_FOUND' },
    });
    expect((await keep(personId, 'HEALTH', MANAGER)).status).toBe(404);
    expect((await itemsOf(personId))[0]?.status).toBe('OPEN');

    const stoppedId = newPersonId();
    await doubles.journey(
      'attentionDoubleWorkflow',
      planOf(stoppedId, [item('att-1', 'need:HEALTH:hold:1:asm-1', 'NEED_REFERRAL_HELD', 'RESOLVED')], true),
    );
    const stopped = await keep(stoppedId, 'HEALTH', STAFF_AT_BAR);
    expect([stopped.status, stopped.body['code']]).toEqual([409, 'NEED_KEEP_REFUSED']);
    expect(String(stopped.body['detail'])).toContain('was stopped (refused)');
  });
});
