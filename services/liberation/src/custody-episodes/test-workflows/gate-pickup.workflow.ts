import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { LiberationActivities } from '@throughcare/contracts';

const { bookGatePickup, cancelGatePickup } = proxyActivities<LiberationActivities>({
  taskQueue: 'liberation',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

export type GatePickupStep =
  | { book: Parameters<LiberationActivities['bookGatePickup']>[0] }
  | { cancel: Parameters<LiberationActivities['cancelGatePickup']>[0] };

export type GatePickupStepResult =
  | { bookingId: string }
  | { cancelled: true }
  | { failureType: string | undefined; nonRetryable: boolean };

/** Test-only: runs bookings and cancellations in order, the way the journey would, one result per step. */
export async function gatePickupStepsWorkflow(steps: GatePickupStep[]): Promise<GatePickupStepResult[]> {
  const results: GatePickupStepResult[] = [];
  for (const step of steps) {
    try {
      if ('book' in step) results.push(await bookGatePickup(step.book));
      else {
        await cancelGatePickup(step.cancel);
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
