import type { Client } from '@temporalio/client';
import { SearchAttributes, Stages, THROUGHCARE_WORKFLOW_TYPE, type Stage } from '@throughcare/contracts';

/** Running journeys only: a journey that continued as new has one running execution. */
const RUNNING_JOURNEYS = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;

/**
 * Running journeys per stage, from Temporal visibility (one count per stage). Closed executions of
 * a journey's earlier runs are not counted, so a journey that continued as new counts once.
 */
export async function runningJourneysByStage(client: Client): Promise<Record<Stage, number>> {
  const counts = await Promise.all(
    Stages.map(async (stage) => {
      const q = `${RUNNING_JOURNEYS} AND ${SearchAttributes.stage.name} = '${stage}'`;
      return [stage, (await client.workflow.count(q)).count] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Stage, number>;
}

/** Running journeys whose needs-attention search attribute is set. */
export async function runningJourneysNeedingAttention(client: Client): Promise<number> {
  return (
    await client.workflow.count(`${RUNNING_JOURNEYS} AND ${SearchAttributes.needsAttention.name} = true`)
  ).count;
}
