import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  carriedHistorySignal,
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  TaskQueues,
  THROUGHCARE_WORKFLOW_TYPE,
  type PlanView,
  type ThroughcareActivities,
} from '@throughcare/contracts';

type OpenNextInput = Parameters<ThroughcareActivities['openNextEpisode']>[0];

/** The failure type of a hand-over to a next episode that was received in error before it came. */
export const NEXT_EPISODE_VOID = 'NEXT_EPISODE_VOID';

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
 * reversal came before the next journey knew it followed this one). Any other closed journey there
 * gets a new run as before (ALLOW_DUPLICATE, the SDK's default).
 */
export async function openNextEpisode(client: Client, i: OpenNextInput): Promise<void> {
  const start = (workflowIdReusePolicy: WorkflowIdReusePolicy) =>
    client.workflow.signalWithStart(THROUGHCARE_WORKFLOW_TYPE, {
      workflowId: i.workflowId,
      taskQueue: TaskQueues.throughcare,
      args: [i.input],
      signal: carriedHistorySignal,
      signalArgs: [i.carried],
      workflowIdReusePolicy,
    });
  try {
    await start(WorkflowIdReusePolicy.REJECT_DUPLICATE);
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
      `episode ${i.input.episode}'s reception was reversed as recorded in error before this journey handed over to it (${voidBecause}): the person was not returned to custody, but this journey closed as if they had been and its follow-up is not started again. Check the person's episodes in the liberation service and arrange their follow-up outside the platform`,
      NEXT_EPISODE_VOID,
    );
  await start(WorkflowIdReusePolicy.ALLOW_DUPLICATE);
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
