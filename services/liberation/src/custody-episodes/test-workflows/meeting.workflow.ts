import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { LiberationActivities } from '@throughcare/contracts';

const { bookMeeting, cancelMeeting } = proxyActivities<LiberationActivities>({
  taskQueue: 'liberation',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

export type MeetingStep =
  | { book: Parameters<LiberationActivities['bookMeeting']>[0] }
  | { cancel: Parameters<LiberationActivities['cancelMeeting']>[0] };

export type MeetingStepResult =
  | { bookingId: string }
  | { cancelled: true }
  | { failureType: string | undefined; nonRetryable: boolean };

/** Test-only: runs meeting bookings and cancellations in order, the way the journey would, one result per step. */
export async function meetingStepsWorkflow(steps: MeetingStep[]): Promise<MeetingStepResult[]> {
  const results: MeetingStepResult[] = [];
  for (const step of steps) {
    try {
      if ('book' in step) results.push(await bookMeeting(step.book));
      else {
        await cancelMeeting(step.cancel);
        results.push({ cancelled: true });
      }
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
