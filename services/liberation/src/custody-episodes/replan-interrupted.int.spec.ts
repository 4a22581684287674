import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { ReleaseDateChangedV1, replanWorkflowId, type ReplanProgress } from '@throughcare/contracts';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import type { ReplanRunView } from './replan.schemas';
import { ReplanService } from './replan.service';
import {
  aReception,
  config,
  daysFrom,
  eventually,
  personIdOf,
  prisonStaff,
  startLiberation,
  type LiberationHarness,
} from './spec-support';

// Issue 10: a bulk re-plan is "resumable if interrupted, and idempotent when run twice". The
// workflow is the orchestrator's (workflows/throughcare), run here by a worker of this spec's on a
// task queue of its own; its activities run in the liberation service (its activity worker, task
// queue "liberation"). Both are stopped mid-apply and started again, as in a deploy.
//
// As in replans.int.spec.ts, an applied re-plan adopts its record for every later calculation in
// this shared database: the records here reach only sentences imposed from five days ahead and are
// removed after each test. Each test has an establishment of its own (no other spec receives
// anyone there), so a run with one episode a page looks only at this spec's people. A 300-day
// Scottish short-term sentence imposed on day 5 is released on day 124 at 40%, on day 94 at 30%.

const REPLAN_QUEUE = `spec-replan-resume-${randomUUID()}`;
/** The shared database holds Scottish episodes outside this spec's establishment (review stop 45, B1). */
const NATIONAL = { adoptForAllEstablishments: true };
// A path, not an import: the workflow belongs to the orchestrator's project, and its worker bundles it.
const WORKFLOW_FILE = join(
  __dirname,
  ...['..', '..', '..', '..', 'workflows', 'throughcare', 'src', 'workflows'],
  'release-point-replan.workflow.ts',
);

describe('liberation: a release-point re-plan interrupted mid-apply resumes and changes each person once', () => {
  const day = daysFrom(Date.now());
  const owner = new PgClient({ connectionString: config.DATABASE_URL });
  const policyIds: string[] = [];
  let lib: LiberationHarness | undefined;
  // Bundled once (review of stop 41, M7): webpack inside a test starves a loaded 2-core machine.
  let bundle: WorkflowBundleWithSourceMap | undefined;

  let workflows: { worker: Worker; running: Promise<void>; connection: NativeConnection } | undefined;
  let temporal: Client;

  const service = (): LiberationHarness => {
    if (!lib) throw new Error('the liberation service is stopped');
    return lib;
  };
  const startService = async () => {
    // No timer: the spec runs the stop check itself (checkStoppedApplies), and the read path too.
    lib = await startLiberation({
      config: { REPLAN_WORKFLOW_TASK_QUEUE: REPLAN_QUEUE, REPLAN_STOP_CHECK_SECONDS: 0 },
    });
  };
  const stopService = async () => {
    const stopping = lib;
    lib = undefined;
    await stopping?.close();
  };
  const startWorkflowWorker = async () => {
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: REPLAN_QUEUE,
      workflowBundle: bundle!,
      dataConverter: dataConverterFrom(config),
    });
    workflows = { worker, running: worker.run(), connection };
  };
  const stopWorkflowWorker = async () => {
    const stopping = workflows;
    workflows = undefined;
    if (!stopping) return;
    stopping.worker.shutdown();
    await stopping.running;
    await stopping.connection.close();
  };

  beforeAll(async () => {
    // With the data converter's failure converter, as a worker given the workflows path bundles.
    const { failureConverterPath } = dataConverterFrom(config);
    bundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOW_FILE,
      ...(failureConverterPath ? { failureConverterPath } : {}),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await owner.connect();
    await startService();
    await startWorkflowWorker();
    temporal = new Client({
      connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
    });
  }, 120_000);

  // Leave the shared policy table as it was (see the note at the top), before the next test's
  // people are sentenced.
  afterEach(async () => {
    await owner.query(`DELETE FROM liberation.adopted_release_point WHERE policy_id = ANY($1)`, [policyIds]);
  });

  afterAll(async () => {
    await stopWorkflowWorker();
    await stopService();
    await temporal?.connection.close();
    await owner.end();
  });

  const policyAdmin = (establishment: string) => ({
    roles: ['policy-admin'],
    establishments: [establishment],
  });

  /** People received at `establishment`, each with a 300-day sentence imposed on day 5 recorded. */
  async function sentencedAt(establishment: string, count: number): Promise<string[]> {
    const staff = prisonStaff(establishment);
    const people: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const reception = aReception({
        establishmentCode: establishment,
        sentenceDate: day(-10),
        expectedReleaseDate: day(200),
      });
      expect((await service().post('/receptions', reception, {}, staff)).status).toBe(201);
      const personId = personIdOf(reception.prisonNumber);
      const recorded = await service().post(
        `/people/${personId}/episodes/1/sentence-calculations`,
        { sentences: [{ id: 'charge-1', sentenceDate: day(5), term: { days: 300 } }] },
        {},
        staff,
      );
      expect(recorded.status).toBe(201);
      people.push(personId);
    }
    return people.sort();
  }

  /** Proposes 30% from day 5 for `establishment`, one episode a page, and waits for its dry run. */
  async function dryRunDone(
    establishment: string,
    throttle: { pauseMs: number; pagesPerRun: number },
  ): Promise<string> {
    const policyId = `SPEC_RESUME_THIRTY_${randomUUID().slice(0, 8).toUpperCase()}`;
    policyIds.push(policyId);
    const created = await service().post(
      '/release-point-replans',
      {
        reason: 'Spec: short-term release point from 40% to 30% for new sentences',
        establishments: [establishment],
        policy: {
          id: policyId,
          sentenceClass: 'SCOTLAND_SHORT_TERM',
          proportion: { num: 3, den: 10 },
          inForceFrom: day(5),
          appliesTo: { kind: 'SENTENCED_ON_OR_AFTER' },
          excludedOffenceCategories: [{ category: 'SCOTLAND_DOMESTIC_ABUSE' }],
          source: { citation: 'Spec instrument reg.2', url: 'https://www.legislation.gov.uk/ssi/2026' },
        },
        pageSize: 1,
        ...throttle,
      },
      {},
      policyAdmin(establishment),
    );
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as ReplanRunView;
    await untilStatus(id, establishment, 'DRY_RUN_DONE');
    return id;
  }

  const runView = async (id: string, establishment: string) =>
    (await (
      await service().get(`/release-point-replans/${id}`, policyAdmin(establishment))
    ).json()) as ReplanRunView;
  const untilStatus = (id: string, establishment: string, status: ReplanRunView['status']) =>
    eventually(async () => ((await runView(id, establishment)).status === status ? true : undefined), 60_000);

  // Read as the tables' owner: these work while the service is stopped.
  const items = async (runId: string) =>
    (
      await owner.query<{ person_id: string; status: string; applied_version: number | null }>(
        `SELECT person_id, status, applied_version FROM liberation.replan_item WHERE run_id = $1`,
        [runId],
      )
    ).rows.sort((a, b) => a.person_id.localeCompare(b.person_id));
  const appliedCount = async (runId: string) =>
    (await items(runId)).filter((i) => i.status === 'APPLIED').length;
  const firstApplied = (runId: string) =>
    eventually(async () => ((await appliedCount(runId)) >= 1 ? true : undefined), 30_000);

  /**
   * What the apply did to each person, exactly once: the re-plan's calculation recorded as
   * version 2 (after the one sentencing recorded), one change of the date (124 to 94, after the
   * sentencing's 200 to 124), and one event of it on the bus.
   */
  async function movedOnce(runId: string, people: string[]): Promise<void> {
    expect(await items(runId)).toEqual(
      people.map((p) => ({ person_id: p, status: 'APPLIED', applied_version: 2 })),
    );
    for (const person of people) {
      const versions = await owner.query(
        `SELECT version, recorded_by FROM liberation.sentence_calculation
          WHERE person_id = $1 AND episode = 1 ORDER BY version`,
        [person],
      );
      expect(versions.rows).toEqual([
        { version: 1, recorded_by: expect.not.stringMatching(/^replan:/) },
        { version: 2, recorded_by: `replan:${runId}` },
      ]);
      const changes = await owner.query(
        `SELECT previous_expected_release_date::text AS "from", expected_release_date::text AS "to"
           FROM liberation.release_date_change WHERE person_id = $1 AND episode = 1 ORDER BY change_number`,
        [person],
      );
      expect(changes.rows).toEqual([
        { from: day(200), to: day(5 + 119) },
        { from: day(5 + 119), to: day(5 + 89) },
      ]);
      const events = (await service().eventsOnBus('custody.release-date.changed', person)).map(
        (e) => ReleaseDateChangedV1.parse(e).data,
      );
      expect(events).toMatchObject([
        { previousExpectedReleaseDate: day(200), expectedReleaseDate: day(5 + 119) },
        {
          previousExpectedReleaseDate: day(5 + 119),
          expectedReleaseDate: day(5 + 89),
          reason: 'RECALCULATION',
        },
      ]);
      expect(events).toHaveLength(2);
    }
  }

  /** Every execution of a workflow id (one a continue-as-new), oldest first. */
  async function executionsOf(workflowId: string): Promise<WorkflowExecutionInfo[]> {
    const found: WorkflowExecutionInfo[] = [];
    for await (const e of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) found.push(e);
    return found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }

  /** When each page activity was scheduled and completed, in order, over the executions' histories. */
  async function pageTimes(
    workflowId: string,
    executions: WorkflowExecutionInfo[],
  ): Promise<Array<{ scheduled: number; completed: number }>> {
    const pages: Array<{ scheduled: number; completed: number }> = [];
    for (const execution of executions) {
      const history = await temporal.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      const scheduled = new Map<string, number>();
      for (const event of history.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'replanApplyPage')
          scheduled.set(String(event.eventId), tsToMs(event.eventTime));
        const done = event.activityTaskCompletedEventAttributes;
        const at = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
        if (at !== undefined) pages.push({ scheduled: at, completed: tsToMs(event.eventTime) });
      }
    }
    return pages;
  }

  it('stopped after its first page (workflow worker and service, as in a deploy), resumes on new ones: every item APPLIED, one event a person, throttled, and a second apply is a no-op', async () => {
    const PAUSE_MS = 1_500;
    const establishment = 'RPQ';
    const admin = policyAdmin(establishment);
    const people = await sentencedAt(establishment, 5);
    // Two pages a workflow run: the apply continues as new twice (6 pages: 5 episodes, then none).
    const id = await dryRunDone(establishment, { pauseMs: PAUSE_MS, pagesPerRun: 2 });
    expect((await items(id)).map((i) => [i.person_id, i.status])).toEqual(people.map((p) => [p, 'PROPOSED']));
    const workflowId = replanWorkflowId(id, 'APPLY');

    expect((await service().post(`/release-point-replans/${id}/apply`, NATIONAL, {}, admin)).status).toBe(
      202,
    );
    // The first page (one episode) applied: the workflow now pauses PAUSE_MS before the next.
    await firstApplied(id);
    await Promise.all([stopWorkflowWorker(), stopService()]);
    const atInterruption = await appliedCount(id);
    expect(atInterruption).toBeGreaterThanOrEqual(1);
    expect(atInterruption).toBeLessThan(people.length);
    // Down: nothing moves (the next page waits in the task queue), and the run is not lost.
    await sleep(2 * PAUSE_MS);
    expect(await appliedCount(id)).toBe(atInterruption);
    expect((await temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');

    // A new service (activity worker, outbox relay) and a new workflow worker.
    await Promise.all([startService(), startWorkflowWorker()]);
    await untilStatus(id, establishment, 'APPLIED');
    await movedOnce(id, people);
    const applied = await runView(id, establishment);
    expect(applied.apply).toMatchObject({ applied: people.length, skipped: 0, needsReview: 0 });

    // The throttle, from the workflow's own history: each page is scheduled at least PAUSE_MS
    // after the one before it completed, across continue-as-new too, so the apply took at least
    // (pages - 1) x PAUSE_MS. A lower bound only: the interruption made this one longer.
    await temporal.workflow.getHandle(workflowId).result();
    const final = await temporal.workflow.getHandle(workflowId).describe();
    expect(final.status.name).toBe('COMPLETED');
    const progress = final.memo?.['progress'] as ReplanProgress;
    expect(progress).toMatchObject({ pages: people.length + 1, scanned: people.length });
    const executions = await eventually(async () => {
      const all = await executionsOf(workflowId);
      return all.length === 3 &&
        all.every((e) => e.status.name === 'COMPLETED' || e.status.name === 'CONTINUED_AS_NEW')
        ? all
        : undefined;
    }, 10_000);
    const pages = await pageTimes(workflowId, executions);
    expect(pages).toHaveLength(progress.pages);
    for (let k = 1; k < pages.length; k += 1)
      expect(pages[k]!.scheduled - pages[k - 1]!.completed).toBeGreaterThanOrEqual(PAUSE_MS);
    expect(pages.at(-1)!.scheduled - pages[0]!.scheduled).toBeGreaterThanOrEqual(
      (progress.pages - 1) * PAUSE_MS,
    );
    expect(
      Date.parse(applied.apply!.doneAt!) - Date.parse(applied.apply!.requestedAt),
    ).toBeGreaterThanOrEqual((progress.pages - 1) * PAUSE_MS);

    // Asked again: answered (200), not started again, nothing recorded twice.
    const again = await service().post(`/release-point-replans/${id}/apply`, NATIONAL, {}, admin);
    expect(again.status).toBe(200);
    expect((await temporal.workflow.getHandle(workflowId).describe()).runId).toBe(final.runId);
    await movedOnce(id, people);
    for (const person of people)
      expect(await service().outboxRows('custody.release-date.changed', person)).toHaveLength(2);
  }, 150_000);

  it('an apply stopped by an operator (terminated) reads FAILED with the reason and the cursor reached; resumed, a new run goes on from that cursor and every person is applied exactly once', async () => {
    const establishment = 'RPR';
    const admin = policyAdmin(establishment);
    const people = await sentencedAt(establishment, 4);
    const id = await dryRunDone(establishment, { pauseMs: 3_000, pagesPerRun: 50 });
    const handle = temporal.workflow.getHandle(replanWorkflowId(id, 'APPLY'));
    const resume = (headers: Record<string, string> = {}) =>
      service().post(`/release-point-replans/${id}/resume`, {}, headers, admin);
    const listed = async (status: string) =>
      (
        (await (await service().get(`/release-point-replans?status=${status}&limit=100`, admin)).json()) as {
          items: ReplanRunView[];
        }
      ).items.map((r) => r.id);

    // Nothing to resume before an apply: 409 REPLAN_NOT_FAILED (problem+json).
    const early = await resume();
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: 'REPLAN_NOT_FAILED' });

    const applyKey = { 'Idempotency-Key': `spec-apply-${id}` };
    expect(
      (await service().post(`/release-point-replans/${id}/apply`, NATIONAL, applyKey, admin)).status,
    ).toBe(202);
    await firstApplied(id);
    // Terminated in a pause between pages (no page in flight: review of stop 41, M6), so what was
    // applied is final when it is read.
    for (let n = 0; n < 100 && ((await handle.describe()).raw.pendingActivities ?? []).length > 0; n++)
      await sleep(50);
    const stopped = await handle.describe();
    expect(stopped.raw.pendingActivities ?? []).toEqual([]);
    await handle.terminate('spec: an operator stops the apply');
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const done = await appliedCount(id);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(people.length);

    // Found by the service's own check (REPLAN_STOP_CHECK_SECONDS runs it), before anyone reads
    // the run; a second pass finds it recorded and records nothing again.
    const check = () => lib!.app.get(ReplanService).checkStoppedApplies();
    expect(await check()).toBeGreaterThanOrEqual(1);
    const recordedFirst = (
      await owner.query(
        `SELECT apply_failed_at, apply_failed_workflow_run_id FROM liberation.replan_run WHERE id = $1`,
        [id],
      )
    ).rows as Array<{ apply_failed_at: Date | null; apply_failed_workflow_run_id: string | null }>;
    expect(recordedFirst).toEqual([
      { apply_failed_at: expect.any(Date), apply_failed_workflow_run_id: stopped.runId },
    ]);
    await check();
    expect(
      (await owner.query(`SELECT apply_failed_at FROM liberation.replan_run WHERE id = $1`, [id])).rows,
    ).toEqual([{ apply_failed_at: recordedFirst[0]!.apply_failed_at }]);

    // Read: FAILED, with how and why it stopped and where its pages had reached (one person a page,
    // by person id: the last one done).
    const failed = await runView(id, establishment);
    const reached = { personId: people[done - 1], episode: 1 };
    const counts = { scanned: done, changed: done, skipped: 0, pages: done };
    expect(failed).toMatchObject({
      status: 'FAILED',
      progress: null,
      apply: {
        doneAt: null,
        cursor: reached,
        failure: {
          workflowStatus: 'TERMINATED',
          workflowRunId: stopped.runId,
          reason: expect.stringContaining('spec: an operator stops the apply'),
          cursor: reached,
          progress: counts,
        },
        resumedAt: null,
        resumes: 0,
      },
    });
    // Recorded once: read again, the same record.
    expect((await runView(id, establishment)).apply!.failure).toEqual(failed.apply!.failure);
    expect(await listed('FAILED')).toContain(id);
    expect(await listed('APPLYING')).not.toContain(id);
    expect(
      (
        await owner.query(`SELECT apply_failed_workflow_run_id FROM liberation.replan_run WHERE id = $1`, [
          id,
        ])
      ).rows,
    ).toEqual([{ apply_failed_workflow_run_id: stopped.runId }]);

    // Asked to apply again: refused, it is resumed, never started afresh.
    const again = await service().post(`/release-point-replans/${id}/apply`, NATIONAL, {}, admin);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'REPLAN_APPLY_FAILED' });
    // The first apply's key too: never started afresh by a replayed answer (review stop 45b, S1).
    const replayed = await service().post(`/release-point-replans/${id}/apply`, NATIONAL, applyKey, admin);
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toMatchObject({ code: 'REPLAN_APPLY_FAILED' });

    // Resumed (202); asked again with the same key, the first answer (202); without, already
    // resumed (200): one resume.
    const key = { 'Idempotency-Key': `spec-resume-${id}` };
    const resumed = await resume(key);
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toMatchObject({ status: 'APPLYING', apply: { resumes: 1 } });
    expect((await resume(key)).status).toBe(202);
    const retried = await resume();
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ apply: { resumes: 1 } });
    await untilStatus(id, establishment, 'APPLIED');
    // APPLIED is recorded by the last page's activity, a moment before the run completes.
    await handle.result();
    const restarted = await handle.describe();
    expect(restarted.runId).not.toBe(stopped.runId);
    expect(restarted.status.name).toBe('COMPLETED');
    // It went on from the cursor with the stopped run's counts: the people already done were not
    // read again (a run from the start would have looked at them again: scanned done + 4).
    expect(restarted.memo?.['progress']).toEqual({
      scanned: people.length,
      changed: people.length,
      skipped: 0,
      pages: people.length + 1,
    });
    await movedOnce(id, people);
    const applied = await runView(id, establishment);
    expect(applied).toMatchObject({
      status: 'APPLIED',
      apply: { applied: people.length, skipped: 0, resumes: 1, failure: failed.apply!.failure },
    });
    // Resumed once it is applied: answered as it stands.
    expect((await resume()).status).toBe(200);
    expect((await handle.describe()).runId).toBe(restarted.runId);
  }, 150_000);
});
