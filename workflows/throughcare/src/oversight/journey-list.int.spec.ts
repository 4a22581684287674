import { randomInt } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { SearchAttributes, THROUGHCARE_WORKFLOW_TYPE, throughcareWorkflowId } from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { bootstrapService, listeningPort, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { loadOrchestratorConfig } from '../config';
import { expectNoSuchRoute, operatorAuth, orchestratorAuth } from '../orchestrator-auth.spec-support';
import {
  doublePlan,
  eventually,
  JourneyDoubles,
  orchestratorSpecPlatform,
} from '../orchestrator-platform.spec-support';
import { JourneysController } from '../sla/sla.controller';
import { JOURNEY_LOOKUP_OPTIONS } from './journey-list';
import { JourneyLookupSchema, JourneyPageSchema, type JourneyPage } from './journey-list.schemas';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'journey-list-int-spec-secret-of-32-chars!!',
  ...process.env,
  PORT: '0',
});

@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-journey-list-int-spec')],
  controllers: [JourneysController],
  providers: [{ provide: JOURNEY_LOOKUP_OPTIONS, useValue: { personIdSecret: config.PERSON_ID_SECRET } }],
})
class JourneyListTestModule {}

const prisonNumber = () =>
  `A${String(randomInt(10_000)).padStart(4, '0')}${String.fromCharCode(65 + randomInt(26), 65 + randomInt(26))}`;

/**
 * Operators and staff find journeys (issue 11): `GET /journeys` over Temporal visibility and the
 * prison-number lookup, on the real dev server. The journeys are doubles of the journey's own
 * workflow type, started with the search attributes a journey keeps; every test's journeys are in
 * a local authority of this run's own, so other files' journeys never show.
 */
describe('orchestrator: GET /journeys and POST /journeys/lookup (real Temporal visibility)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let client: Client;
  let doubles: JourneyDoubles;
  const area = `S9${String(randomInt(10_000_000)).padStart(7, '0')}`;
  const numbers = { a: prisonNumber(), b: prisonNumber(), c: prisonNumber() };
  const person = (n: string) => derivePersonId(config.PERSON_ID_SECRET, n);

  beforeAll(async () => {
    app = await bootstrapService({
      module: JourneyListTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    client = app.get<Client>(TEMPORAL_CLIENT);
    doubles = await JourneyDoubles.start(
      config,
      client,
      require.resolve('./test-workflows/journey-double.workflow'),
      'journey-list-spec',
    );
    const start = async (n: string, episode: number, attributes: SearchAttributePair[]) => {
      const personId = person(n);
      await doubles.journey(THROUGHCARE_WORKFLOW_TYPE, doublePlan(personId, episode), [
        { key: SearchAttributes.localAuthority, value: area },
        ...attributes,
      ]);
    };
    // A: at BAR, core screen; B: at GLE, referral, needing attention with two open breaches;
    // C: ended (its journey terminated): never listed as running, but the lookup finds it.
    await start(numbers.a, 1, [
      { key: SearchAttributes.stage, value: 'CORE_SCREEN' },
      { key: SearchAttributes.establishment, value: 'BAR' },
      { key: SearchAttributes.jurisdiction, value: 'SCOTLAND' },
      { key: SearchAttributes.openBreaches, value: 0 },
      { key: SearchAttributes.needsAttention, value: false },
    ]);
    await start(numbers.b, 2, [
      { key: SearchAttributes.stage, value: 'REFERRAL' },
      { key: SearchAttributes.establishment, value: 'GLE' },
      { key: SearchAttributes.jurisdiction, value: 'SCOTLAND' },
      { key: SearchAttributes.slaPolicy, value: 'scotland-2026 v3' },
      { key: SearchAttributes.openBreaches, value: 2 },
      { key: SearchAttributes.needsAttention, value: true },
    ]);
    await start(numbers.c, 1, [
      { key: SearchAttributes.stage, value: 'FOLLOW_UP' },
      { key: SearchAttributes.establishment, value: 'BAR' },
    ]);
    await client.workflow.getHandle(throughcareWorkflowId(person(numbers.c), 1)).terminate('spec: ended');
  }, 120_000);

  afterAll(async () => {
    await doubles?.stop();
    await app?.close();
  }, 60_000);

  const list = async (query: string, headers?: Record<string, string>): Promise<JourneyPage> => {
    const res = await fetch(`${base}/journeys?localAuthority=${area}&${query}`, {
      headers: headers ?? (await operatorAuth()),
    });
    expect([query, res.status]).toEqual([query, 200]);
    return JourneyPageSchema.parse(await res.json());
  };
  const people = (p: JourneyPage) => p.items.map((i) => i.personId).sort();
  /** Visibility is eventually consistent: the first answer with both running journeys in it. */
  const settled = () =>
    eventually('visibility has both running journeys', async () => {
      const p = await list('');
      if (p.items.length !== 2) throw new Error(`${p.items.length} listed`);
      return p;
    });

  it('lists running journeys with their attributes, filtered by stage, establishment, attention and breaches', async () => {
    const all = await settled();
    expect(people(all)).toEqual([person(numbers.a), person(numbers.b)].sort());
    expect(all.items.find((i) => i.personId === person(numbers.b))).toMatchObject({
      episode: 2,
      workflowId: throughcareWorkflowId(person(numbers.b), 2),
      status: 'RUNNING',
      stage: 'REFERRAL',
      establishmentCode: 'GLE',
      localAuthority: area,
      jurisdiction: 'SCOTLAND',
      slaPolicy: 'scotland-2026 v3',
      needsAttention: true,
      openBreaches: 2,
    });
    expect(people(await list('stage=CORE_SCREEN'))).toEqual([person(numbers.a)]);
    expect(people(await list('establishment=GLE'))).toEqual([person(numbers.b)]);
    expect(people(await list('needsAttention=true'))).toEqual([person(numbers.b)]);
    expect(people(await list('breached=true'))).toEqual([person(numbers.b)]);
    expect(people(await list('breached=false'))).toEqual([person(numbers.a)]);
    expect(people(await list('jurisdiction=ENGLAND_AND_WALES'))).toEqual([]);

    // One a page: the cursor gives the other, then no more.
    const first = await list('limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(`limit=1&cursor=${first.nextCursor}`);
    expect([...people(first), ...people(second)].sort()).toEqual(people(all));
  });

  it('gives prison staff their establishments’ journeys only; refuses bad queries; other roles: no such route', async () => {
    await settled();
    const bar = await orchestratorAuth({ roles: ['prison-staff'], establishments: ['BAR'] });
    expect(people(await list('', bar))).toEqual([person(numbers.a)]);
    expect(people(await list('establishment=GLE', bar))).toEqual([]);
    for (const q of [
      'stage=NOWHERE',
      'establishment=bar',
      'breached=yes',
      'limit=500',
      'cursor=%21%21',
      'x=1',
    ]) {
      const res = await fetch(`${base}/journeys?${q}`, { headers: await operatorAuth() });
      expect([q, res.status]).toEqual([q, 400]);
    }
    // A cursor of the right shape that this API did not sign, and a real one given with other filters.
    const forged = `${Buffer.from('not a token').toString('base64url')}.${'A'.repeat(22)}`;
    const bogus = await fetch(`${base}/journeys?localAuthority=${area}&cursor=${forged}`, {
      headers: await operatorAuth(),
    });
    expect(bogus.status).toBe(400);
    const issued = (await list('limit=1')).nextCursor!;
    const moved = await fetch(
      `${base}/journeys?localAuthority=${area}&limit=1&stage=REFERRAL&cursor=${issued}`,
      {
        headers: await operatorAuth(),
      },
    );
    expect(moved.status).toBe(400);
    const manager = await fetch(`${base}/journeys`, {
      headers: await orchestratorAuth({ roles: ['manager'] }),
    });
    await expectNoSuchRoute(base, manager, 'GET', '/journeys');
  });

  it('looks a prison number up: the pseudonym and every episode for operators, in-scope ones for prison staff, else 404', async () => {
    await settled();
    const lookup = async (prisonNumber: string, headers: Record<string, string>) =>
      fetch(`${base}/journeys/lookup`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ prisonNumber }),
      });
    const found = await eventually('the ended journey in visibility', async () => {
      const res = await lookup(numbers.c, await operatorAuth());
      if (res.status !== 200) throw new Error(String(res.status));
      return JourneyLookupSchema.parse(await res.json());
    });
    expect(found.personId).toBe(person(numbers.c));
    expect(found.journeys).toEqual([
      expect.objectContaining({ episode: 1, status: 'TERMINATED', establishmentCode: 'BAR' }),
    ]);
    const b = JourneyLookupSchema.parse(await (await lookup(numbers.b, await operatorAuth())).json());
    expect(b.journeys.map((j) => j.episode)).toEqual([2]);
    // Prison staff: their establishments only; a person held elsewhere is as unknown as nobody.
    const bar = await orchestratorAuth({ roles: ['prison-staff'], establishments: ['BAR'] });
    expect((await lookup(numbers.a, bar)).status).toBe(200);
    const elsewhere = await lookup(numbers.b, bar);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ code: 'PERSON_NOT_FOUND' });
    expect((await lookup(prisonNumber(), await operatorAuth())).status).toBe(404);
    const bad = await lookup('Z99', await operatorAuth());
    expect(bad.status).toBe(400);
  });
});
