import type { AssessmentActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { AssessmentsService } from './assessments.service';

/**
 * The assessment context's Temporal activities (task queue `assessment`). Input is validated
 * here, at the trust boundary: a bad input fails with a non-retryable `VALIDATION_FAILED`.
 */
export function createAssessmentActivities(assessments: AssessmentsService): AssessmentActivities {
  return withApplicationFailures({
    requestCoreScreen: (input) => assessments.requestCoreScreen(input),
    requestAssessment: (input) => assessments.requestAssessment(input),
  } satisfies AssessmentActivities);
}
