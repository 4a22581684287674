import { ApplicationFailure, Context } from '@temporalio/activity';
import { isDomainError } from '@throughcare/platform-errors';
import type { CancelMeetingResult, LiberationActivities, ReplanActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import { unrestrictedActivities } from '@throughcare/platform-persistence';
import type { GatePickupService } from './gate-pickup.service';
import type { JourneyStageService } from './journey-stage.service';
import type { MeetingService } from './meeting.service';
import type { PersonAgeService } from './person-age.service';
import type { ReplanService } from './replan.service';

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
 * When the activity was asked: its first attempt's scheduled time (the server's, which a caller
 * cannot choose); now for a direct call outside an activity (a test).
 */
function askedAt(): Date {
  try {
    return new Date(Context.current().info.scheduledTimestampMs);
  } catch {
    return new Date();
  }
}

/**
 * Attempts during which an episode the service has not recorded yet is taken to be on its way
 * (a reception published straight onto the bus reaches this service's movement consumer a moment
 * after the journey starts): with the journeys' retry policy (1 s, doubling, at most 5 minutes)
 * eight attempts span about two minutes (1 + 2 + … + 64 s). After them EPISODE_NOT_FOUND is final.
 */
export const EPISODE_LATE_ATTEMPTS = 8;

/** Lets the first attempts of an activity retry an episode not found yet (see EPISODE_LATE_ATTEMPTS). */
async function episodeMayBeLate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    let attempt = EPISODE_LATE_ATTEMPTS;
    try {
      attempt = Context.current().info.attempt;
    } catch {
      // a direct call outside an activity (a test): final at once
    }
    if (isDomainError(error) && error.code === 'EPISODE_NOT_FOUND' && attempt < EPISODE_LATE_ATTEMPTS)
      throw ApplicationFailure.create({
        type: error.code,
        message: `${error.message} (attempt ${attempt}: it may still be on its way from the bus)`,
        nonRetryable: false,
      });
    throw error;
  }
}

/**
 * Liberation's Temporal activities (task queue `liberation`). Domain errors leave as
 * ApplicationFailures carrying their code: `EPISODE_NOT_FOUND`, `GATE_PICKUP_NOT_FOUND`,
 * `MEETING_NOT_FOUND` and `VALIDATION_FAILED` are non-retryable (EPISODE_NOT_FOUND after
 * EPISODE_LATE_ATTEMPTS).
 */
export function createLiberationActivities(
  stages: JourneyStageService,
  gatePickups: GatePickupService,
  meetings: MeetingService,
  ages: PersonAgeService,
): LiberationActivities {
  // The journey's work, not a caller's: unrestricted row-level security scope.
  return unrestrictedActivities(
    withApplicationFailures({
      async recordEpisodeStage(input): Promise<void> {
        await episodeMayBeLate(() => stages.record(input));
      },
      async bookGatePickup(input): Promise<{ bookingId: string }> {
        return episodeMayBeLate(() => gatePickups.book(input, workflowActor()));
      },
      async cancelGatePickup(input): Promise<void> {
        await gatePickups.cancel(input, workflowActor());
      },
      async bookMeeting(input): Promise<{ bookingId: string }> {
        return episodeMayBeLate(() => meetings.book(input, workflowActor()));
      },
      async cancelMeeting(input): Promise<CancelMeetingResult> {
        const { cancelled, outcome, heldAt } = await meetings.cancel(input, workflowActor());
        // A result kept from before outcomes were recorded has only `cancelled` (and before held
        // instants were given, no `heldAt`).
        return {
          outcome: outcome ?? (cancelled ? 'CANCELLED' : 'ALREADY_CANCELLED'),
          ...(heldAt !== undefined && { heldAt }),
        };
      },
      async personAgeOn(input): Promise<{ age?: number }> {
        return episodeMayBeLate(() => ages.ageOn(input, askedAt()));
      },
    } satisfies LiberationActivities),
  );
}

/**
 * The activities of a release-point re-plan (issue 10; the workflow `releasePointReplan` runs on
 * the orchestrator's worker). The platform's own work: unrestricted row-level security scope.
 */
/** A heartbeat of the activity running now (review M3: a page heartbeats once an episode). */
const heartbeat = () => Context.current().heartbeat();

export function createReplanActivities(replans: ReplanService): ReplanActivities {
  return unrestrictedActivities(
    withApplicationFailures({
      replanDryRunPage: (input) => replans.dryRunPage(input, heartbeat),
      replanAdoptPolicy: (input) => replans.adoptPolicy(input),
      replanApplyPage: (input) => replans.applyPage(input, heartbeat),
      replanFinishPhase: (input) => replans.finishPhase(input),
    } satisfies ReplanActivities),
  );
}
