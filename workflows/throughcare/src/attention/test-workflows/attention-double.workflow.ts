import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { ErrorTypes, planQuery, resolveAttentionUpdate, type PlanView } from '@throughcare/contracts';

/**
 * Test-only stand-in for a journey, started under a journey's workflow id: it answers the plan
 * query with the plan it was started with (its attention items included), and takes the
 * operator's resolveAttention update as a journey validates it (the item must exist and be open;
 * a missing one is refused as NOT_FOUND), marking the item resolved. The journey's own handling
 * of the update is tested in the workflow specs (journey.attention.workflow.spec.ts).
 */
export async function attentionDoubleWorkflow(start: PlanView): Promise<void> {
  const plan: PlanView = {
    ...start,
    attention: (start.attention ?? []).map((a) => ({ ...a, options: [...a.options] })),
  };
  setHandler(planQuery, () => plan);
  setHandler(
    resolveAttentionUpdate,
    (f) => {
      const item = plan.attention!.find((a) => a.id === f.itemId)!;
      item.status = 'RESOLVED';
      item.resolution = {
        option: f.option,
        by: f.by,
        ...(f.reason ? { reason: f.reason } : {}),
        at: f.resolvedAt,
      };
    },
    {
      validator: (f) => {
        const item = plan.attention!.find((a) => a.id === f.itemId);
        if (!item)
          throw ApplicationFailure.create({
            type: ErrorTypes.notFound,
            message: `no attention item ${f.itemId} in this journey`,
            nonRetryable: true,
          });
        if (item.status !== 'OPEN') throw new Error(`attention item ${f.itemId} is already resolved`);
      },
    },
  );
  await condition(() => false);
}
