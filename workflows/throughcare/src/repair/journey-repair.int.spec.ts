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
import { JourneyRepairService } from './journey-repair.service';
import { factSignal, factsQuery, factUpdate, poke } from './test-workflows/messages';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'journey-repair-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});

@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-journey-repair-int-spec')],
  controllers: [JourneyRepairController],
  providers: [JourneyRepairService],
})
class RepairTestModule {}

/**
 * A journey its own worker cannot replay, on the real dev server and Postgres, through the core's
 * real log: a stand-in journey (test-workflows/v1) writes a history, a worker of different code
 * (v2) fails to replay it. Where the failing task had accepted an update (the SDK defect's shape),
 * the orchestrator resets it and the new run has the update; where it had not (a code change),
 * it refuses, and both are listed for operators.
 */
describe('journey repair: a journey its worker cannot replay (real Temporal, Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let client: Client;
  const taskQueue = `journey-repair-spec-${randomUUID()}`;
  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];
  const handles: WorkflowHandle[] = [];

  const startWorker = async (version: 'v1' | 'v2') => {
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
      taskQueue,
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
  const hasTimer = async (h: WorkflowHandle) =>
    ((await h.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes);
  const repairs = async (): Promise<RepairView[]> => {
    const res = await fetch(`${base}/journey-repairs?limit=100`, { headers: await operatorAuth() });
    expect(res.status).toBe(200);
    return RepairPageSchema.parse(await res.json()).items;
  };

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
    for (const h of handles) await h.terminate('spec done').catch(() => undefined);
    for (const w of workers) await stopWorker(w).catch(() => undefined);
    await app?.close();
  });

  it('resets the one whose failing task accepted an update, with the update kept; refuses the other', async () => {
    const start = async () => {
      const personId = `p${randomBytes(10).toString('hex')}`;
      const h = await client.workflow.start(THROUGHCARE_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: throughcareWorkflowId(personId, 1),
      });
      handles.push(h);
      return { h, personId, firstRunId: h.firstExecutionRunId };
    };
    const v1 = await startWorker('v1');
    const byUpdate = await start();
    const bySignal = await start();
    expect(await byUpdate.h.executeUpdate(factUpdate, { args: ['referral accepted'] })).toBe(1);
    await bySignal.h.signal(factSignal, 'referral accepted');
    await eventually('both timers started', async () => {
      if (!((await hasTimer(byUpdate.h)) && (await hasTimer(bySignal.h)))) throw new Error('not yet');
    });
    await stopWorker(v1);

    // The new code: a query (as the plan's) and a journey's next task each need a replay, which
    // fails at the TimerStarted.
    await startWorker('v2');
    await expect(byUpdate.h.query(factsQuery)).rejects.toThrow(/TMPRL1100/);
    await bySignal.h.signal(poke);

    const found = await eventually(
      'both runs handled',
      async () => {
        const all = await repairs();
        const a = all.find((r) => r.runId === byUpdate.firstRunId && r.outcome !== 'CLAIMED');
        const b = all.find((r) => r.runId === bySignal.firstRunId && r.outcome !== 'CLAIMED');
        if (!a || !b) throw new Error(`handled: ${all.map((r) => `${r.runId}:${r.outcome}`).join(', ')}`);
        return { a, b };
      },
      60_000,
    );
    expect(found.a).toMatchObject({
      workflowId: byUpdate.h.workflowId,
      personId: byUpdate.personId,
      episode: 1,
      outcome: 'RESET',
      refused: null,
      failure: expect.stringMatching(
        /^\[TMPRL1100\] Nondeterminism error: .*HistoryEvent\(id: \d+, TimerStarted\)/,
      ),
      updateIds: [expect.any(String)],
      newRunId: expect.any(String),
    });
    expect(found.a.resetToEventId).toBeLessThan(found.a.failingEventId!);
    expect(found.b).toMatchObject({
      workflowId: bySignal.h.workflowId,
      outcome: 'REFUSED',
      refused: 'NOT_UPDATE_ORDERING',
      newRunId: null,
      resetToEventId: null,
    });

    // The reset run is the running one, replays on the new code, and kept the update's fact.
    const current = client.workflow.getHandle(byUpdate.h.workflowId);
    expect((await current.describe()).runId).toBe(found.a.newRunId);
    expect(await current.query(factsQuery)).toEqual(['referral accepted']);
    expect(await current.executeUpdate(factUpdate, { args: ['appointment booked'] })).toBe(2);
    await current.result();
    expect((await current.describe()).status.name).toBe('COMPLETED');

    // The refused one is left as it was, for an operator.
    const left = await client.workflow.getHandle(bySignal.h.workflowId).describe();
    expect(left).toMatchObject({ runId: bySignal.firstRunId, status: { name: 'RUNNING' } });
  }, 180_000);

  it('lists repairs for operators only (newest first, keyset pages), with a 400 for a bad query', async () => {
    const first = await fetch(`${base}/journey-repairs?limit=1`, { headers: await operatorAuth() });
    expect(first.status).toBe(200);
    const page1 = RepairPageSchema.parse(await first.json());
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).not.toBeNull();
    const second = await fetch(`${base}/journey-repairs?limit=100&cursor=${page1.nextCursor}`, {
      headers: await operatorAuth(),
    });
    const page2 = RepairPageSchema.parse(await second.json());
    const all = await repairs();
    expect([...page1.items, ...page2.items]).toEqual(all);
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort().reverse());

    const refused = await fetch(`${base}/journey-repairs?outcome=REFUSED`, { headers: await operatorAuth() });
    expect(RepairPageSchema.parse(await refused.json()).items.every((r) => r.outcome === 'REFUSED')).toBe(
      true,
    );

    const bad = await fetch(`${base}/journey-repairs?outcome=MAYBE&limit=0&cursor=x`, {
      headers: await operatorAuth(),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(),
    ).toEqual(['cursor', 'limit', 'outcome']);

    const manager = await fetch(`${base}/journey-repairs`, {
      headers: await orchestratorAuth({ roles: ['manager'] }),
    });
    await expectNoSuchRoute(base, manager, 'GET', '/journey-repairs');
  });
});
