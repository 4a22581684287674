import {
  continueAsNew,
  type ActivityOptions,
  defineQuery,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  NO_REPLAN_PROGRESS,
  TaskQueues,
  type ReplanActivities,
  type ReplanCursor,
  type ReplanProgress,
  type ReplanWorkflowInput,
} from '@throughcare/contracts';

const ACTIVITY_OPTIONS: ActivityOptions = {
  taskQueue: TaskQueues.liberation,
  // A page is at most a few hundred calculations and transactions.
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // A page keeps failing only for a reason someone must look at: the run then waits in the UI,
    // retrying, rather than ending half done.
    nonRetryableErrorTypes: ['REPLAN_NOT_FOUND', 'VALIDATION_FAILED'],
  },
};

const replan = proxyActivities<ReplanActivities>(ACTIVITY_OPTIONS);

/**
 * Pages heartbeat once an episode (review M3): a worker lost mid-page is noticed in 30 s, not
 * at the 5-minute start-to-close timeout. Behind {@link REPLAN_HEARTBEAT_PATCH}: a run already
 * in flight when this shipped keeps scheduling its pages as before.
 */
const heartbeating = proxyActivities<ReplanActivities>({
  ...ACTIVITY_OPTIONS,
  heartbeatTimeout: '30 seconds',
});

export const REPLAN_HEARTBEAT_PATCH = 'replan-page-heartbeat';

/**
 * The pause between pages kept when a run continues as new (issue 10: the throttle measured by
 * replan-interrupted.int.spec.ts). Recorded histories of both branches: test/fixtures/histories/replan.
 */
export const REPLAN_PAUSE_PATCH = 'replan-pause-before-continue-as-new';

export interface ReplanStatus {
  runId: string;
  phase: ReplanWorkflowInput['phase'];
  progress: ReplanProgress;
  cursor: ReplanCursor | null;
  done: boolean;
}

export const replanStatusQuery = defineQuery<ReplanStatus>('status');

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_PAUSE_MS = 200;
const DEFAULT_PAGES_PER_RUN = 50;

/**
 * One phase of a release-point re-plan (issue 10): pages through the affected episodes, one
 * activity call per page with a pause between pages (the platform stays responsive), and
 * continues as new every `pagesPerRun` pages (or when the server suggests it) carrying its cursor
 * and counts, so a national cohort never makes one long history. Progress is visible in the
 * Temporal UI (memo `progress`, current details) and by the `status` query. Interrupted (a worker
 * lost, a deploy), it resumes from the last finished page; each page is idempotent, so a page
 * done twice changes nothing.
 */
export async function releasePointReplan(input: ReplanWorkflowInput): Promise<ReplanProgress> {
  const { runId, phase } = input;
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const pauseMs = input.pauseMs ?? DEFAULT_PAUSE_MS;
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  let cursor: ReplanCursor | null = input.cursor ?? null;
  let progress: ReplanProgress = input.progress ?? NO_REPLAN_PROGRESS;
  let done = false;
  setHandler(replanStatusQuery, () => ({ runId, phase, progress, cursor, done }));

  const show = () => {
    upsertMemo({ progress });
    setCurrentDetails(
      `${phase === 'DRY_RUN' ? 'Dry run' : 'Apply'} of re-plan ${runId}: ${progress.scanned} looked at, ` +
        `${progress.changed} ${phase === 'DRY_RUN' ? 'would change' : 'changed'}` +
        (phase === 'APPLY' ? `, ${progress.skipped} skipped` : '') +
        `, ${progress.pages} pages${done ? ' (done)' : ''}`,
    );
  };
  show();

  if (phase === 'APPLY' && cursor === null && progress.pages === 0) await replan.replanAdoptPolicy({ runId });

  const pages = patched(REPLAN_HEARTBEAT_PATCH) ? heartbeating : replan;
  for (let pagesThisRun = 0; ; ) {
    const page =
      phase === 'DRY_RUN'
        ? await pages.replanDryRunPage({ runId, after: cursor, limit: pageSize })
        : await pages.replanApplyPage({ runId, after: cursor, limit: pageSize });
    pagesThisRun += 1;
    progress = {
      scanned: progress.scanned + page.scanned,
      changed: progress.changed + page.changed,
      skipped: progress.skipped + page.skipped,
      pages: progress.pages + 1,
    };
    cursor = page.next;
    show();
    if (cursor === null) break;
    const continuing = pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested;
    // The pause comes before continuing as new too (a run continued without it went straight on
    // to its next page: one missed pause every `pagesPerRun` pages). Behind REPLAN_PAUSE_PATCH:
    // a run in flight when this shipped continues as it did.
    if (pauseMs > 0 && (!continuing || patched(REPLAN_PAUSE_PATCH))) await sleep(pauseMs);
    if (continuing) return await continueAsNew<typeof releasePointReplan>({ ...input, cursor, progress });
  }

  await replan.replanFinishPhase({ runId, phase, progress });
  done = true;
  show();
  return progress;
}
