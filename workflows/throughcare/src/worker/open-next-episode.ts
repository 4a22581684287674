import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { log } from '@temporalio/activity';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  carriedHistorySignal,
  ErrorTypes,
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  TaskQueues,
  THROUGHCARE_WORKFLOW_TYPE,
  type PlanView,
  type ThroughcareActivities,
} from '@throughcare/contracts';

type OpenNextInput = Parameters<ThroughcareActivities['openNextEpisode']>[0];

/** The failure type of a hand-over to a next episode that was received in error before it came. */
export const NEXT_EPISODE_VOID = ErrorTypes.nextEpisodeVoid;

/**
 * The `openNextEpisode` activity: hands the closing journey's history to the next episode's
 * journey (signal-with-start: the bridge has usually started it already).
 *
 * Never a journey for a void episode (reviews of stop 39, S1): the hand-over is the closing
 * journey's last step, and the return's reception may have been reversed before it (the next
 * journey closed RECEIVED_IN_ERROR, or a tombstone holds its id). Started with REJECT_DUPLICATE
 * first; when a closed workflow holds the id and it is void, the hand-over fails for good with
 * NEXT_EPISODE_VOID, which the journey shows as an attention item: the person was not returned to
 * custody, yet this journey closed as if they were, and its follow-up is not started again (the
 * reversal came before the next journey knew it followed this one). Any other journey there
 * closed otherwise is left as it ended (since the review of stop 40, S2; before, a new run was
 * started from reception): the hand-over is done, with a warning in the worker's log; one terminated
 * or failed fails for good with NEXT_EPISODE_ENDED (an item: RETRY once repaired, or SKIP).
 */
export async function openNextEpisode(client: Client, i: OpenNextInput): Promise<void> {
  try {
    await client.workflow.signalWithStart(THROUGHCARE_WORKFLOW_TYPE, {
      workflowId: i.workflowId,
      taskQueue: TaskQueues.throughcare,
      args: [i.input],
      signal: carriedHistorySignal,
      signalArgs: [i.carried],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return;
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
  const handle = client.workflow.getHandle(i.workflowId);
  const { type, status } = await handle.describe();
  const voidBecause =
    type === RECEPTION_REVERSED_TOMBSTONE_TYPE
      ? 'a tombstone holds its id'
      : status.name === 'COMPLETED' && (await closedReceivedInError(handle.result()))
        ? 'its journey closed RECEIVED_IN_ERROR'
        : undefined;
  if (voidBecause)
    throw ApplicationFailure.nonRetryable(
      `episode ${i.input.episode}'s reception was reversed as recorded in error before this journey handed over to it (${voidBecause}): the person was not returned to custody, but this journey closed as if they had been and its follow-up is not started again. Check the person's episodes in the liberation service, arrange their follow-up outside the platform, then skip this item so that this journey ends`,
      NEXT_EPISODE_VOID,
    );
  // Terminated or failed (not closed by the journey): the person may be in custody with no journey.
  // Nothing is started from reception; an operator repairs it (a reset in the Temporal UI) and
  // retries, or skips (review of the stop-40 fixes, M1).
  if (status.name !== 'COMPLETED')
    throw ApplicationFailure.nonRetryable(
      `the journey of episode ${i.input.episode} (${i.workflowId}) ended ${status.name} before this journey handed its history over: it is not started again from reception. Repair it (reset it in the Temporal UI, or start it again), then retry this item to hand the history over; skip it if the history is not wanted`,
      ErrorTypes.nextEpisodeEnded,
    );
  // Closed otherwise (consent withdrawn at induction, deceased, closed by hand): that closure
  // stands. The history is not delivered, and no fresh journey is started from reception, which
  // would screen and refer the person anyway (review of stop 40, S2).
  log.warn(
    `${i.workflowId} had ended (${status.name}) before this journey handed over to it: no journey started, the history not delivered`,
  );
}

/**
 * Whether a completed journey closed RECEIVED_IN_ERROR, given its result (the returned plan, read
 * from history: no worker needed); a failed one did not. Shared with the bridge.
 */
export async function closedReceivedInError(result: Promise<unknown>): Promise<boolean> {
  try {
    return ((await result) as PlanView).closureReason === 'RECEIVED_IN_ERROR';
  } catch (e) {
    if (e instanceof WorkflowFailedError) return false;
    throw e;
  }
}
