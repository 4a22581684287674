import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const T = temporal.api.enums.v1.EventType;

/** Events a workflow task's commands write, in one batch right after its WorkflowTaskCompleted. */
const COMMAND_EVENTS = new Set<temporal.api.enums.v1.EventType>([
  T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  T.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
  T.EVENT_TYPE_TIMER_STARTED,
  T.EVENT_TYPE_TIMER_CANCELED,
  T.EVENT_TYPE_MARKER_RECORDED,
  T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
  T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
  T.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

export type RepairPoint =
  | {
      /** The WorkflowTaskCompleted to reset to: that task and everything after it run again. */
      resetTo: number;
      /** The build of the worker that completed that task (a build other than the replaying one's is a code change). */
      buildId: string | undefined;
      /** Every update accepted from that task on, in order: the reset must carry each to the new run. */
      updateIds: string[];
    }
  | { refused: 'EVENT_NOT_IN_HISTORY' | 'NOT_UPDATE_ORDERING'; why: string };

/**
 * Where to reset a journey its own worker cannot replay, if the failure is the SDK's
 * update-ordering defect (test/chaos/results/README.md §4, the family of
 * temporalio/sdk-typescript#1966): the event the replay could not match (`failingEventId`) is one
 * of the commands of a workflow task that also accepted an update; live, the worker ordered the
 * update and the task's other work one way, a replay orders them the other. Resetting to that
 * task's completion runs it again with the update reapplied as an event, which replays the same
 * way each time. Any other non-determinism (a deploy that changed the workflow's code, say) is
 * refused: resetting would hide it, and its fix is a rollback or a `patched()` branch.
 */
export function repairPointOf(events: readonly HistoryEvent[], failingEventId: number): RepairPoint {
  const id = (e: HistoryEvent) => Number(e.eventId);
  const at = events.findIndex((e) => id(e) === failingEventId);
  if (at < 0)
    return { refused: 'EVENT_NOT_IN_HISTORY', why: `event ${failingEventId} is not in the history` };
  let completed = at - 1;
  while (completed >= 0 && events[completed]!.eventType !== T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) completed--;
  if (completed < 0)
    return {
      refused: 'NOT_UPDATE_ORDERING',
      why: `no workflow task completed before event ${failingEventId}`,
    };
  const batch: HistoryEvent[] = [];
  for (let i = completed + 1; i < events.length && COMMAND_EVENTS.has(events[i]!.eventType!); i++)
    batch.push(events[i]!);
  if (!batch.some((e) => id(e) === failingEventId))
    return {
      refused: 'NOT_UPDATE_ORDERING',
      why: `event ${failingEventId} is not a command of the workflow task completed at ${id(events[completed]!)}`,
    };
  const accepted = batch.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  if (!accepted.length)
    return {
      refused: 'NOT_UPDATE_ORDERING',
      why: `the workflow task completed at ${id(events[completed]!)} accepted no update`,
    };
  const task = events[completed]!;
  return {
    resetTo: id(task),
    buildId:
      task.workflowTaskCompletedEventAttributes?.workerVersion?.buildId ??
      task.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId ??
      undefined,
    updateIds: [...acceptedUpdates(events.slice(completed))].map(([updateId]) => updateId),
  };
}

/**
 * The updates a history accepted, by update id, in order, with their requests as the server kept
 * them: on the UpdateAccepted event, or, for an update admitted first (one a reset reapplied), on
 * its UpdateAdmitted event (the request is null if neither has it).
 */
export function acceptedUpdates(
  events: readonly HistoryEvent[],
): Map<string, temporal.api.update.v1.IRequest | null> {
  const admitted = new Map<string, temporal.api.update.v1.IRequest>();
  const accepted = new Map<string, temporal.api.update.v1.IRequest | null>();
  for (const e of events) {
    const request = e.workflowExecutionUpdateAdmittedEventAttributes?.request;
    if (request?.meta?.updateId) admitted.set(request.meta.updateId, request);
    const a = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (e.eventType !== T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED || !a) continue;
    const updateId = a.acceptedRequest?.meta?.updateId || a.protocolInstanceId;
    if (updateId) accepted.set(updateId, a.acceptedRequest ?? admitted.get(updateId) ?? null);
  }
  return accepted;
}

/** Whether a run's history starts from a reset of `baseRunId` (ours, or an operator's). */
export function isResetOf(events: readonly HistoryEvent[], baseRunId: string): boolean {
  return events.some(
    (e) =>
      e.workflowTaskFailedEventAttributes?.cause ===
        temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW &&
      e.workflowTaskFailedEventAttributes.baseRunId === baseRunId,
  );
}
