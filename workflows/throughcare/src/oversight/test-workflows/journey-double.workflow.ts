import { condition, setHandler } from '@temporalio/workflow';
import { planQuery, type PlanView } from '@throughcare/contracts';

/**
 * Test-only stand-in for a journey, of the journey's own workflow type (the lists select it by
 * type), started with the search attributes a test gives it: it answers the plan query and waits.
 */
export async function throughcareJourney(plan: PlanView): Promise<void> {
  setHandler(planQuery, () => plan);
  await condition(() => false);
}
