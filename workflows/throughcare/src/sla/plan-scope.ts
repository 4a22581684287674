import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { planQuery, THROUGHCARE_WORKFLOW_TYPE, type PlanView } from '@throughcare/contracts';
import { hasRole, type Principal } from '@throughcare/platform-auth';
import { NotFoundError } from '@throughcare/platform-errors';

/**
 * Whether `principal` may see a journey's plan. Operators see every journey. Prison staff see the
 * journeys of people held in one of their establishments: the plan's `establishmentCode`, which
 * journey v2 derives from the reception and the transfers that have settled. A plan naming no
 * establishment (a journey v1, or a plan the journey could not derive) is for operators only:
 * without the establishment the scope cannot be checked, so it is refused rather than assumed.
 */
export function mayViewPlan(principal: Principal, plan: Pick<PlanView, 'establishmentCode'>): boolean {
  return hasRole(principal, ['operator']) || isPrisonStaffOf(principal, plan);
}

/** Whether `principal` is prison staff of the establishment holding the person (as the plan says). */
export function isPrisonStaffOf(principal: Principal, plan: Pick<PlanView, 'establishmentCode'>): boolean {
  const held = plan.establishmentCode;
  return (
    hasRole(principal, ['prison-staff']) && held !== undefined && principal.establishments.includes(held)
  );
}

/**
 * The journey's plan, if `principal` may see it; else the same 404 JOURNEY_NOT_FOUND as for no
 * journey. Only an operator may learn that a journey exists but cannot answer (its error is
 * rethrown); anyone else gets the 404, as the scope check cannot run without a plan. A workflow
 * under the id that is not a journey (a reception-reversed tombstone) is the 404 for everyone.
 */
export async function planInScope(handle: WorkflowHandle, principal: Principal): Promise<PlanView> {
  const notFound = () => new NotFoundError(`no journey ${handle.workflowId}`, 'JOURNEY_NOT_FOUND');
  let plan: PlanView;
  try {
    plan = await handle.query(planQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError || !hasRole(principal, ['operator'])) throw notFound();
    // Not a journey under that id (a tombstone: the episode's reception was reversed before its
    // journey started): no journey, for operators too. A journey that cannot answer is rethrown.
    const type = await handle.describe().then(
      (d) => d.type,
      () => undefined,
    );
    if (type !== undefined && type !== THROUGHCARE_WORKFLOW_TYPE) throw notFound();
    throw e;
  }
  if (!mayViewPlan(principal, plan)) throw notFound();
  return plan;
}
