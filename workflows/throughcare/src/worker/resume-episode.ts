import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  TaskQueues,
  THROUGHCARE_WORKFLOW_TYPE,
  type PlanView,
  type ThroughcareActivities,
  type ThroughcareInput,
} from '@throughcare/contracts';
import { startInputOfRun } from './run-start-input';

type ResumeInput = Parameters<ThroughcareActivities['resumeEpisode']>[0];
type ResumeAnswer = Awaited<ReturnType<ThroughcareActivities['resumeEpisode']>>;

/**
 * The `resumeEpisode` activity (return-reversal-1): starts the journey of the episode before again,
 * a new run of its workflow id (ALLOW_DUPLICATE: it completed when the return closed it).
 *
 * Its facts are the closed journey's own: the input of its latest run (its first event, decoded
 * through the client's data converter, which holds the payload codec), without `continued` (the new
 * run starts afresh) nor a date of birth (no new run has one since need-age-asked-1). That input is
 * what the journey was started with, whatever it did since; its returned plan is only checked (it
 * closed RECALLED or NEW_SENTENCE handing over to the reversed episode), as it lacks most facts
 * (jurisdiction, sentence, home local authority). The release's event id comes from the state that
 * run started with when it holds the release resumed (usually: a journey continues as new when it
 * enters follow-up), or from a liberation from court; else the journey makes one up (a later
 * reversal of that release is then refused by the journey, dead-lettered by the bridge).
 */
export async function resumeEpisode(client: Client, i: ResumeInput): Promise<ResumeAnswer> {
  const handle = client.workflow.getHandle(i.workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError)
      return { outcome: 'NOT_RESUMABLE', reason: `no journey ${i.workflowId} on record (past retention?)` };
    throw e;
  }
  const { type, runId, status } = description;
  if (type !== THROUGHCARE_WORKFLOW_TYPE)
    return { outcome: 'NOT_RESUMABLE', reason: `${i.workflowId} holds a ${type}, not a journey` };
  const started = (await startInputOfRun(client, i.workflowId, runId)) as ThroughcareInput | undefined;
  if (!started) return { outcome: 'NOT_RESUMABLE', reason: `${i.workflowId}: its latest run has no input` };
  // A retry (the run started already, maybe continued as new since): done.
  if (started.resumed?.eventId === i.resumed.eventId)
    return {
      outcome: 'ALREADY_RESUMED',
      ...(started.resumed.reopensClosureAt ? { closedAt: started.resumed.reopensClosureAt } : {}),
    };
  if (status.name === 'RUNNING')
    // It may be closing on the return (the hand-over is its last step): asked again later.
    throw ApplicationFailure.retryable(
      `${i.workflowId} is still running: the journey of episode ${started.episode} is started again once it has closed`,
      'JOURNEY_STILL_RUNNING',
    );
  if (status.name !== 'COMPLETED')
    return {
      outcome: 'NOT_RESUMABLE',
      reason: `${i.workflowId} ended ${status.name}, not closed by the return`,
    };
  // Its returned plan: its close event alone (COMPLETED: the result is there, nothing is waited on).
  const plan = (await client.workflow.getHandle(i.workflowId, runId, { followRuns: false }).result()) as
    | PlanView
    | undefined;
  if (
    !plan ||
    (plan.closureReason !== 'RECALLED' && plan.closureReason !== 'NEW_SENTENCE') ||
    plan.nextEpisode !== i.resumed.reversedEpisode
  )
    return {
      outcome: 'NOT_RESUMABLE',
      reason: `${i.workflowId} did not close by the return into episode ${i.resumed.reversedEpisode} (closure ${plan?.closureReason ?? 'unknown'}, next episode ${plan?.nextEpisode ?? 'none'})`,
    };
  // The history handed over names the release and the needs still open; a reversal that came
  // before the hand-over has neither, and reads them from the plan the journey returned (the
  // same values: its release, and `needs()` at its closure).
  const releasedAt = i.resumed.releasedAt ?? plan.releasedAt;
  if (releasedAt === undefined)
    return { outcome: 'NOT_RESUMABLE', reason: `${i.workflowId} closed with no release on record` };
  const openNeeds = i.resumed.openNeeds ?? plan.needs ?? [];
  // Each pathway's latest assessed result, so a need they no longer indicate stays held (pathway-hold-1).
  const pathways = i.resumed.pathways ?? plan.pathways?.filter((o) => o.skipped === undefined);
  // What the return was (the notice names it), from how the journey closed when not handed over.
  const returnReason =
    i.resumed.returnReason ?? (plan.closureReason === 'RECALLED' ? 'RECALL' : 'NEW_SENTENCE');
  const { continued, dateOfBirth: _born, ...facts } = started;
  const release = releaseOf(continued);
  const releaseEventId =
    started.liberatedFromCourt?.eventId ?? (release?.releasedAt === releasedAt ? release.eventId : undefined);
  // Facts the closed journey learned after its latest run started (review of stop 39, M4): the sex
  // the prison recorded, if the input had none (services for one sex only).
  const sex = facts.sex ?? sexOf(continued);
  // Its items' numbers, so this run's do not reuse one (review of stop 39, S2).
  const attentionFrom = Math.max(
    0,
    ...(plan.attention ?? []).map((a) => Number(/^att-(\d+)$/.exec(a.id)?.[1] ?? 0)),
  );
  const input: ThroughcareInput = {
    ...facts,
    ...(sex !== undefined ? { sex } : {}),
    resumed: {
      ...i.resumed,
      releasedAt,
      openNeeds: [...openNeeds],
      ...(pathways && pathways.length > 0 ? { pathways: pathways.map((o) => ({ ...o })) } : {}),
      returnReason,
      ...(plan.closedAt ? { reopensClosureAt: plan.closedAt } : {}),
      ...(attentionFrom > 0 ? { attentionFrom } : {}),
      ...(releaseEventId !== undefined ? { releaseEventId } : {}),
      ...(release?.releasedAt === releasedAt && release.establishmentCode
        ? { releaseEstablishmentCode: release.establishmentCode }
        : plan.establishmentCode
          ? { releaseEstablishmentCode: plan.establishmentCode }
          : {}),
    },
  };
  try {
    await client.workflow.start(THROUGHCARE_WORKFLOW_TYPE, {
      workflowId: i.workflowId,
      taskQueue: TaskQueues.throughcare,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
  } catch (e) {
    // Started meanwhile (a retry racing this one, or the bridge): asked again, which tells which.
    if (e instanceof WorkflowExecutionAlreadyStartedError)
      throw ApplicationFailure.retryable(`${i.workflowId} was started meanwhile`, 'JOURNEY_STILL_RUNNING');
    throw e;
  }
  return { outcome: 'STARTED', ...(plan.closedAt ? { closedAt: plan.closedAt } : {}) };
}

/** The sex the prison recorded, as a journey's carried state holds it (`personFacts`), if any. */
function sexOf(continued: unknown): ThroughcareInput['sex'] {
  if (typeof continued !== 'object' || continued === null || !('personFacts' in continued)) return undefined;
  const facts = (continued as { personFacts?: { sex?: unknown } }).personFacts;
  const sex = facts?.sex;
  return sex === 'MALE' || sex === 'FEMALE' ? sex : undefined;
}

/** The release in a journey's carried state (opaque outside the workflow), if it holds one. */
function releaseOf(
  continued: unknown,
): { releasedAt?: string; eventId?: string; establishmentCode?: string } | undefined {
  if (typeof continued !== 'object' || continued === null || !('release' in continued)) return undefined;
  const release = (continued as { release?: unknown }).release;
  if (typeof release !== 'object' || release === null) return undefined;
  const r = release as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    releasedAt: text(r.releasedAt),
    eventId: text(r.eventId),
    establishmentCode: text(r.establishmentCode),
  };
}
