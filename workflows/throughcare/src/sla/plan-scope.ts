import type { PlanView } from '@throughcare/contracts';
import { hasRole, type Principal } from '@throughcare/platform-auth';

/**
 * Whether `principal` may see a journey's plan. Operators see every journey. Prison staff see the
 * journeys of people held in one of their establishments: the plan's `establishmentCode`, which
 * journey v2 derives from the reception and the transfers that have settled. A plan naming no
 * establishment (a journey v1, or a plan the journey could not derive) is for operators only:
 * without the establishment the scope cannot be checked, so it is refused rather than assumed.
 */
export function mayViewPlan(principal: Principal, plan: Pick<PlanView, 'establishmentCode'>): boolean {
  if (hasRole(principal, ['operator'])) return true;
  if (!hasRole(principal, ['prison-staff'])) return false;
  const held = plan.establishmentCode;
  return held !== undefined && principal.establishments.includes(held);
}
