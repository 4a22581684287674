import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { CancelMeetingResult, LiberationActivities } from '@throughcare/contracts';

const liberation = proxyActivities<LiberationActivities>({
  taskQueue: 'liberation',
  startToCloseTimeout: '10 seconds',
  // Enough attempts for EPISODE_NOT_FOUND to become final (the first 7 are retried: it may be on its way).
  retry: { maximumAttempts: 10, initialInterval: '10 ms', backoffCoefficient: 1 },
});

/** A gate pick-up or meeting booking (`book`) or cancellation (`cancel`). */
export type GatePickupStep =
  | { book: Parameters<LiberationActivities['bookGatePickup']>[0] }
  | { cancel: Parameters<LiberationActivities['cancelGatePickup']>[0] };
export type MeetingStep =
  | { book: Parameters<LiberationActivities['bookMeeting']>[0] }
  | { cancel: Parameters<LiberationActivities['cancelMeeting']>[0] };

export type BookingStepResult =
  | { bookingId: string }
  | { cancelled: true }
  | CancelMeetingResult
  | { failureType: string | undefined; nonRetryable: boolean };

export type BookingSteps =
  | { kind: 'gatePickup'; steps: GatePickupStep[] }
  | { kind: 'meeting'; steps: MeetingStep[] };

/**
 * Test-only: runs gate pick-up or meeting bookings and cancellations in order, the way the
 * journey would, one result per step (a domain failure is returned, not thrown).
 */
export async function bookingStepsWorkflow(run: BookingSteps): Promise<BookingStepResult[]> {
  const results: BookingStepResult[] = [];
  const cancelled = { cancelled: true } as const;
  const steps: (() => Promise<BookingStepResult>)[] =
    run.kind === 'gatePickup'
      ? run.steps.map(
          (step) => () =>
            'book' in step
              ? liberation.bookGatePickup(step.book)
              : liberation.cancelGatePickup(step.cancel).then(() => cancelled),
        )
      : run.steps.map(
          (step) => () =>
            'book' in step
              ? liberation.bookMeeting(step.book)
              : liberation.cancelMeeting(step.cancel).then((r) => r ?? cancelled),
        );
  for (const step of steps) {
    try {
      results.push(await step());
    } catch (error) {
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        results.push({
          failureType: error.cause.type ?? undefined,
          nonRetryable: error.cause.nonRetryable === true,
        });
      } else throw error;
    }
  }
  return results;
}
