import { Context } from '@temporalio/activity';
import type { CancelMeetingResult, LiberationActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { GatePickupService } from './gate-pickup.service';
import type { JourneyStageService } from './journey-stage.service';
import type { MeetingService } from './meeting.service';

/** Who records a fact from an activity: the calling workflow (recorded as `*_by`). */
function workflowActor(): string {
  try {
    const { workflowType, workflowExecution } = Context.current().info;
    return `workflow:${workflowType ?? 'unknown'}/${workflowExecution?.workflowId ?? 'unknown'}`;
  } catch {
    return 'workflow:unknown'; // called outside an activity (a direct call in a test)
  }
}

/**
 * Liberation's Temporal activities (task queue `liberation`). Domain errors leave as
 * ApplicationFailures carrying their code: `EPISODE_NOT_FOUND`, `GATE_PICKUP_NOT_FOUND`,
 * `MEETING_NOT_FOUND` and `VALIDATION_FAILED` are non-retryable.
 */
export function createLiberationActivities(
  stages: JourneyStageService,
  gatePickups: GatePickupService,
  meetings: MeetingService,
): LiberationActivities {
  return withApplicationFailures({
    async recordEpisodeStage(input): Promise<void> {
      await stages.record(input);
    },
    async bookGatePickup(input): Promise<{ bookingId: string }> {
      return gatePickups.book(input, workflowActor());
    },
    async cancelGatePickup(input): Promise<void> {
      await gatePickups.cancel(input, workflowActor());
    },
    async bookMeeting(input): Promise<{ bookingId: string }> {
      return meetings.book(input, workflowActor());
    },
    async cancelMeeting(input): Promise<CancelMeetingResult> {
      const { cancelled, outcome } = await meetings.cancel(input, workflowActor());
      // A result kept from before outcomes were recorded has only `cancelled`.
      return { outcome: outcome ?? (cancelled ? 'CANCELLED' : 'ALREADY_CANCELLED') };
    },
  } satisfies LiberationActivities);
}
