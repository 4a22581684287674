import type { LiberationActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { JourneyStageService } from './journey-stage.service';

/**
 * Liberation's Temporal activities (task queue `liberation`). Domain errors leave as
 * ApplicationFailures carrying their code: `EPISODE_NOT_FOUND` and `VALIDATION_FAILED` are
 * non-retryable.
 */
export function createLiberationActivities(stages: JourneyStageService): LiberationActivities {
  return withApplicationFailures({
    async recordEpisodeStage(input): Promise<void> {
      await stages.record(input);
    },
  } satisfies LiberationActivities);
}
