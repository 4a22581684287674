import type { AssessmentActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import { unrestrictedActivities } from '@throughcare/platform-persistence';
import type { AssessmentsService } from './assessments.service';

/**
 * The assessment context's Temporal activities (task queue `assessment`). Input is validated
 * here, at the trust boundary: a bad input fails with a non-retryable `VALIDATION_FAILED`.
 */
export function createAssessmentActivities(assessments: AssessmentsService): AssessmentActivities {
  // The journey's work, not a caller's: unrestricted row-level security scope.
  return unrestrictedActivities(
    withApplicationFailures({
      requestCoreScreen: (input) => assessments.requestCoreScreen(input),
      requestAssessment: (input) => assessments.requestAssessment(input),
    } satisfies AssessmentActivities),
  );
}
