/**
 * Which of a run's activities are pending, by activity id: what the journey needs to keep
 * `FailingActivities` true (failing-activity-1). A worker reports an activity still failing by its
 * id (`activityFailing`); the journey lists it only while that activity is pending here, and drops
 * it when it settles (succeeds, fails for good, times out or is cancelled), which only this side
 * sees. Loaded as a workflow interceptor module (journeyBundleOptions), one instance per run.
 *
 * Replay-safe: the command and its input pass unchanged and the call's own promise is returned
 * (the settlement is observed by a reaction added beside the workflow's own, which changes
 * nothing the journey awaits).
 */
import type {
  ActivityInput,
  Next,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export class PendingActivities {
  private readonly pending = new Map<string, string>();
  private settled: (activityId: string) => void = () => undefined;

  /** The type of the pending activity with this id, if one is pending. */
  typeOf(activityId: string): string | undefined {
    return this.pending.get(activityId);
  }

  /** Called with each activity's id when it settles (one listener: the journey's). */
  onSettled(listener: (activityId: string) => void): void {
    this.settled = listener;
  }

  track(activityId: string, activityType: string, result: Promise<unknown>): void {
    this.pending.set(activityId, activityType);
    const settle = () => {
      this.pending.delete(activityId);
      this.settled(activityId);
    };
    // Both outcomes observed, so this reaction never leaves a rejection unhandled. It also marks
    // every activity's rejection handled: a rejection the journey dropped would no longer fail its
    // workflow task (the journey awaits or tracks every activity it starts).
    result.then(settle, settle);
  }
}

let current: PendingActivities | undefined;

/** This run's pending activities (undefined in a bundle built without this module). */
export function pendingActivities(): PendingActivities | undefined {
  return current;
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly pending: PendingActivities) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const result = next(input);
    // The SDK's default activity id is the command's sequence number.
    this.pending.track(input.options.activityId ?? `${input.seq}`, input.activityType, result);
    return result;
  }
}

/** One instance per run: the SDK evaluates this module and calls the factory for each workflow. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  current = new PendingActivities();
  return { outbound: [new Outbound(current)] };
};
