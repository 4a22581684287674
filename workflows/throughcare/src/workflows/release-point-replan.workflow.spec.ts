import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { tsToMs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  RELEASE_POINT_REPLAN_WORKFLOW,
  TaskQueues,
  type ReplanActivities,
  type ReplanCursor,
  type ReplanWorkflowInput,
} from '@throughcare/contracts';
import { createTimeSkippingTestEnv } from '@throughcare/testing';
import { hasPatchMarker, journeyBundle } from './journey-harness';
import { REPLAN_PAUSE_PATCH } from './release-point-replan.workflow';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Where the re-plan's recorded histories are kept (replayed by throughcare.replay.workflow.spec.ts). */
const REPLAN_HISTORIES = path.resolve(__dirname, '../../../../test/fixtures/histories/replan');

/** Five episodes, paged by person id as the liberation service pages them; every one moves. */
const EPISODES: ReplanCursor[] = ['p1', 'p2', 'p3', 'p4', 'p5'].map((personId) => ({ personId, episode: 1 }));
const page: ReplanActivities['replanApplyPage'] = async ({ after, limit }) => {
  const rest = EPISODES.filter((e) => after === null || e.personId > after.personId).slice(0, limit);
  return {
    next: rest.length < limit ? null : rest[rest.length - 1]!,
    scanned: rest.length,
    changed: rest.length,
    skipped: 0,
  };
};
const activities: ReplanActivities = {
  replanDryRunPage: page,
  replanApplyPage: page,
  replanAdoptPolicy: async () => undefined,
  replanFinishPhase: async () => undefined,
};

describe('releasePointReplan: the throttle (time-skipping server, the activities as in-memory pages)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Every execution of the handle's workflow (one a continue-as-new), oldest first, with its history. */
  async function historiesOf(handle: WorkflowHandleWithFirstExecutionRunId): Promise<History[]> {
    const histories: History[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId; ) {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      histories.push(history);
      runId =
        history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ??
        undefined;
    }
    return histories;
  }

  it('pauses pauseMs after every page but the last, also before it continues as new (issue 10: a steady throttle)', async () => {
    const queue = `replan-${randomUUID()}`;
    const workflowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowBundle: await journeyBundle(),
    });
    const activityWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TaskQueues.liberation,
      activities,
    });
    const input: ReplanWorkflowInput = {
      runId: 'spec-run',
      phase: 'APPLY',
      pageSize: 1,
      pauseMs: 5_000,
      pagesPerRun: 2,
    };
    const handle = await env.client.workflow.start(RELEASE_POINT_REPLAN_WORKFLOW, {
      taskQueue: queue,
      workflowId: `replan-${randomUUID()}-apply`,
      args: [input],
    });
    const done = handle.result();
    await Promise.all([workflowWorker.runUntil(done), activityWorker.runUntil(done)]);
    expect(await done).toEqual({ scanned: 5, changed: 5, skipped: 0, pages: 6 });

    const histories = await historiesOf(handle);
    // The first run's history (it continued as new): evidence of the branch this code takes there.
    if (process.env.RECORD_HISTORIES) {
      const branch = hasPatchMarker(histories[0]!, REPLAN_PAUSE_PATCH)
        ? 'pause-before-continue-as-new'
        : 'no-pause-before-continue-as-new';
      const file = path.join(REPLAN_HISTORIES, `release-point-replan.${branch}.json`);
      await mkdir(REPLAN_HISTORIES, { recursive: true });
      if (process.env.RECORD_HISTORIES === 'overwrite' || !existsSync(file))
        await writeFile(file, historyToJSON(histories[0]!));
    }

    // Six pages (five episodes, then none), two a run: three runs, and a pause after each page but
    // the last, wherever the page falls.
    const steps = histories.flatMap((history) =>
      (history.events ?? []).flatMap((e) => {
        if (e.activityTaskCompletedEventAttributes) return ['page'];
        if (e.timerStartedEventAttributes)
          return [`pause ${tsToMs(e.timerStartedEventAttributes.startToFireTimeout)} ms`];
        if (e.workflowExecutionContinuedAsNewEventAttributes) return ['continue as new'];
        return [];
      }),
    );
    const pageThenPause = ['page', 'pause 5000 ms'];
    expect(steps).toEqual([
      'page', // adopt the policy
      ...pageThenPause,
      ...pageThenPause,
      'continue as new',
      ...pageThenPause,
      ...pageThenPause,
      'continue as new',
      ...pageThenPause,
      'page', // the empty page
      'page', // finish the phase
    ]);
    expect(histories.map((h) => hasPatchMarker(h, REPLAN_PAUSE_PATCH))).toEqual([true, true, false]);
  });
});
