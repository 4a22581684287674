import { randomBytes, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { throughcareWorkflowId, THROUGHCARE_WORKFLOW_TYPE } from '@throughcare/contracts';
import { bootstrapService, listeningPort, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { loadOrchestratorConfig } from '../config';
import { expectNoSuchRoute, operatorAuth, orchestratorAuth } from '../orchestrator-auth.spec-support';
import { eventually, orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { JourneyRepairController } from './journey-repair.controller';
import { RepairPageSchema, type RepairView } from './journey-repair.schemas';
import {
  JOURNEY_REPAIR_OPTIONS,
  JourneyRepairService,
  type JourneyRepairOptions,
} from './journey-repair.service';
import { factSignal, factsQuery, factUpdate, poke, ready } from './test-workflows/messages';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'journey-repair-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});
/** The build of "this process's journey worker", as the repair sees it. */
const BUILD = `spec-build-${randomUUID()}`;

@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-journey-repair-int-spec')],
  controllers: [JourneyRepairController],
  providers: [
    JourneyRepairService,
    {
      provide: JOURNEY_REPAIR_OPTIONS,
      useValue: { buildId: () => BUILD, sweepMs: 300, verifyAfterMs: 500 } satisfies JourneyRepairOptions,
    },
  ],
})
class RepairTestModule {}

/**
 * A journey its own worker cannot replay, on the real dev server and Postgres, through the core's
 * real log. A stand-in journey (test-workflows/v1) writes a history that a worker of other code
 * (v2) fails to replay. The SDK defect is a history the same build cannot replay; here it is
 * stood in for by v1 and v2 sharing one build id (the repair trusts the build id, not the code).
 * - The failing task accepted an update, same build: reset; the new run takes the first update
 *   and refuses the second until it is ready, then takes it when the repair sends it again.
 * - The failing task accepted no update: refused (NOT_UPDATE_ORDERING).
 * - The history was written by another build: refused (CODE_CHANGED).
 */
describe('journey repair: a journey its worker cannot replay (real Temporal, Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let client: Client;
  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];
  const handles: WorkflowHandle[] = [];
  const runs: string[] = [];

  const startWorker = async (version: 'v1' | 'v2', taskQueue: string, buildId: string) => {
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
      taskQueue,
      buildId,
      workflowsPath: require.resolve(`./test-workflows/${version}`),
    });
    const w = { worker, running: worker.run(), connection };
    workers.push(w);
    return w;
  };
  const stopWorker = async (w: (typeof workers)[number]) => {
    if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
    await w.running;
    await w.connection.close();
  };
  const start = async (taskQueue: string) => {
    const personId = `p${randomBytes(10).toString('hex')}`;
    const h = await client.workflow.start(THROUGHCARE_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: throughcareWorkflowId(personId, 1),
    });
    handles.push(h);
    runs.push(h.firstExecutionRunId);
    return { h, personId, runId: h.firstExecutionRunId };
  };
  const timerStarted = async (...hs: WorkflowHandle[]) =>
    eventually('timers started', async () => {
      for (const h of hs)
        if (!((await h.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes))
          throw new Error(`no timer in ${h.workflowId}`);
    });
  /** This spec's repairs (the table is shared with other specs). */
  const repairs = async (query = 'limit=100'): Promise<RepairView[]> => {
    const res = await fetch(`${base}/journey-repairs?${query}`, { headers: await operatorAuth() });
    expect(res.status).toBe(200);
    return RepairPageSchema.parse(await res.json()).items.filter((r) => runs.includes(r.runId));
  };
  const repairOf = (runId: string, statuses: string[]) =>
    eventually(
      `repair of ${runId} in ${statuses.join(' or ')}`,
      async () => {
        const r = (await repairs()).find((x) => x.runId === runId);
        if (!r || !statuses.includes(r.status)) throw new Error(`now ${r ? JSON.stringify(r) : 'none'}`);
        return r;
      },
      60_000,
    );

  beforeAll(async () => {
    app = await bootstrapService({
      module: RepairTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['fatal'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    client = app.get<Client>(TEMPORAL_CLIENT);
  });
  afterAll(async () => {
    for (const h of handles)
      await client.workflow
        .getHandle(h.workflowId)
        .terminate('spec done')
        .catch(() => undefined);
    for (const w of workers) await stopWorker(w).catch(() => undefined);
    await app?.close();
  });

  it('resets the journey whose failing task accepted an update, and carries every update to the new run', async () => {
    const queue = `journey-repair-spec-${randomUUID()}`;
    const old = await startWorker('v1', queue, BUILD);
    const byUpdate = await start(queue);
    const bySignal = await start(queue);
    const [first, second] = [randomUUID(), randomUUID()];
    await byUpdate.h.executeUpdate(factUpdate, { args: ['referral accepted'], updateId: first });
    await bySignal.h.signal(factSignal, 'referral accepted');
    await timerStarted(byUpdate.h, bySignal.h);
    // A later fact, in a task of its own: the reset must carry it to the new run as well.
    await byUpdate.h.executeUpdate(factUpdate, {
      args: ['after-ready: appointment booked'],
      updateId: second,
    });
    await stopWorker(old);

    // The same build, other code: a query (as the plan's) and a task each need a replay, which
    // fails at the TimerStarted.
    await startWorker('v2', queue, BUILD);
    await expect(byUpdate.h.query(factsQuery)).rejects.toThrow(/TMPRL1100/);
    await bySignal.h.signal(poke);

    const refused = await repairOf(bySignal.runId, ['REFUSED']);
    expect(refused).toMatchObject({
      workflowId: bySignal.h.workflowId,
      refused: 'NOT_UPDATE_ORDERING',
      why: expect.stringMatching(/^the workflow task completed at \d+ accepted no update$/),
      newRunId: null,
    });
    expect(await client.workflow.getHandle(bySignal.h.workflowId).describe()).toMatchObject({
      runId: bySignal.runId,
      status: { name: 'RUNNING' },
    });

    // Reset: the new run took the first update and refused the second (not ready).
    const resetting = await repairOf(byUpdate.runId, ['RESETTING']);
    expect(resetting).toMatchObject({
      workflowId: byUpdate.h.workflowId,
      personId: byUpdate.personId,
      episode: 1,
      refused: null,
      failure: expect.stringMatching(
        /^\[TMPRL1100\] Nondeterminism error: .*HistoryEvent\(id: \d+, TimerStarted\)/,
      ),
      updateIds: [first, second],
      newRunId: expect.any(String),
    });
    expect(resetting.resetToEventId).toBeLessThan(resetting.failingEventId!);
    const current = client.workflow.getHandle(byUpdate.h.workflowId);
    expect((await current.describe()).runId).toBe(resetting.newRunId);
    await eventually('the first update taken', async () =>
      expect(await current.query(factsQuery)).toEqual(['referral accepted']),
    );
    await eventually('the second update found missing', async () =>
      expect((await repairOf(byUpdate.runId, ['RESETTING'])).updatesMissing).toEqual([second]),
    );

    // Ready: the repair's next re-send of the second update is taken.
    await current.signal(ready);
    const done = await repairOf(byUpdate.runId, ['RESET']);
    expect(done).toMatchObject({
      updateIds: [first, second],
      updatesMissing: [],
      newRunId: resetting.newRunId,
    });
    expect(await current.query(factsQuery)).toEqual(['referral accepted', 'after-ready: appointment booked']);
  }, 180_000);

  it('refuses a history another build wrote: a code change, not the SDK defect', async () => {
    const queue = `journey-repair-spec-${randomUUID()}`;
    const old = await startWorker('v1', queue, `${BUILD}-before`);
    const journey = await start(queue);
    await journey.h.executeUpdate(factUpdate, { args: ['referral accepted'] });
    await timerStarted(journey.h);
    await stopWorker(old);
    await startWorker('v2', queue, BUILD);
    await journey.h.signal(poke);
    expect(await repairOf(journey.runId, ['REFUSED'])).toMatchObject({
      refused: 'CODE_CHANGED',
      why: `the task was completed by build ${BUILD}-before, the worker that cannot replay it is ${BUILD}: a code change, not the SDK defect`,
      newRunId: null,
    });
    expect((await client.workflow.getHandle(journey.h.workflowId).describe()).runId).toBe(journey.runId);
  }, 180_000);

  it('lists repairs for operators only (newest first, keyset pages), with a 400 for a bad query', async () => {
    const all = await repairs();
    expect(all.map((r) => r.runId).sort()).toEqual([...runs].sort());
    expect(all.map((r) => r.detectedAt)).toEqual(
      all
        .map((r) => r.detectedAt)
        .sort()
        .reverse(),
    );
    // Page by page, one at a time, gives the same rows in the same order.
    const paged: RepairView[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(`${base}/journey-repairs?limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: await operatorAuth(),
      });
      const page = RepairPageSchema.parse(await res.json());
      expect(page.items.length).toBeLessThanOrEqual(1);
      paged.push(...page.items.filter((r) => runs.includes(r.runId)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);

    const refusedOnly = await repairs('status=REFUSED&limit=100');
    expect(refusedOnly.map((r) => r.status)).toEqual(['REFUSED', 'REFUSED']);

    const bad = await fetch(`${base}/journey-repairs?status=MAYBE&limit=0&cursor=x`, {
      headers: await operatorAuth(),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(),
    ).toEqual(['cursor', 'limit', 'status']);

    const manager = await fetch(`${base}/journey-repairs`, {
      headers: await orchestratorAuth({ roles: ['manager'] }),
    });
    await expectNoSuchRoute(base, manager, 'GET', '/journey-repairs');
  });
});
