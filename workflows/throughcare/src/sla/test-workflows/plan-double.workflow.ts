import { condition, setHandler } from '@temporalio/workflow';
import { planQuery, type PlanView } from '@throughcare/contracts';

/**
 * Test-only stand-in for a journey, started under a journey's workflow id: it answers the plan
 * query with the plan it was started with (e.g. with or without an establishment) and waits.
 */
export async function planDoubleWorkflow(plan: PlanView): Promise<void> {
  setHandler(planQuery, () => plan);
  await condition(() => false);
}
