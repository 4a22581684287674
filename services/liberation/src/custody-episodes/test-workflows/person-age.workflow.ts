import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { LiberationActivities } from '@throughcare/contracts';

const { personAgeOn } = proxyActivities<LiberationActivities>({
  taskQueue: 'liberation',
  startToCloseTimeout: '10 seconds',
  // Enough attempts for EPISODE_NOT_FOUND to become final (the first 7 are retried: it may be on its way).
  retry: { maximumAttempts: 10, initialInterval: '10 ms', backoffCoefficient: 1 },
});

type AgeInput = Parameters<LiberationActivities['personAgeOn']>[0];
type AgeAnswer = { age?: number } | { failureType: string | undefined; nonRetryable: boolean };

/** Test-only: asks each person's age as the journey does, answering each question in order. */
export async function personAgesWorkflow(inputs: AgeInput[]): Promise<AgeAnswer[]> {
  const answers: AgeAnswer[] = [];
  for (const input of inputs) {
    try {
      answers.push(await personAgeOn(input));
    } catch (error) {
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
      answers.push({
        failureType: error.cause.type ?? undefined,
        nonRetryable: error.cause.nonRetryable === true,
      });
    }
  }
  return answers;
}
