import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { LiberationActivities } from '@throughcare/contracts';

const { recordEpisodeStage } = proxyActivities<LiberationActivities>({
  taskQueue: 'liberation',
  startToCloseTimeout: '10 seconds',
  // Enough attempts for EPISODE_NOT_FOUND to become final (the first 7 are retried: it may be on its way).
  retry: { maximumAttempts: 10, initialInterval: '10 ms', backoffCoefficient: 1 },
});

type StageInput = Parameters<LiberationActivities['recordEpisodeStage']>[0];

/** Test-only: records stages in the given order, the way the journey workflow would (retries included). */
export async function recordEpisodeStagesWorkflow(
  inputs: StageInput[],
): Promise<{ recorded: number } | { failureType: string | undefined; nonRetryable: boolean }> {
  try {
    for (const input of inputs) await recordEpisodeStage(input);
    return { recorded: inputs.length };
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
      return { failureType: error.cause.type ?? undefined, nonRetryable: error.cause.nonRetryable === true };
    }
    throw error;
  }
}
