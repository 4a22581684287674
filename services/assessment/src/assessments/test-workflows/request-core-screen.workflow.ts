import { proxyActivities } from '@temporalio/workflow';
import type { AssessmentActivities } from '@throughcare/contracts';

const { requestCoreScreen, requestAssessment } = proxyActivities<AssessmentActivities>({
  taskQueue: 'assessment',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

type Input = Parameters<AssessmentActivities['requestCoreScreen']>[0];
type AssessmentInput = Parameters<AssessmentActivities['requestAssessment']>[0];

/** Test-only: asks the assessment worker twice with the same input, as a retried journey would. */
export async function requestCoreScreenTwiceWorkflow(input: Input): Promise<Array<{ assessmentId: string }>> {
  const first = await requestCoreScreen(input);
  const second = await requestCoreScreen(input);
  return [first, second];
}

/** Test-only: the same for a later assessment (comprehensive screen, standard or summary review). */
export async function requestAssessmentTwiceWorkflow(
  input: AssessmentInput,
): Promise<Array<{ assessmentId: string }>> {
  const first = await requestAssessment(input);
  const second = await requestAssessment(input);
  return [first, second];
}
