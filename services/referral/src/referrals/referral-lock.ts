import type { EntityManager } from 'typeorm';
import { Referral } from './referral.entity';
import { ReferralNotFoundError, ReferralWithdrawnError } from './referral.errors';

/**
 * The agency's referral under its row lock (which serialises its facts), or REFERRAL_NOT_FOUND;
 * a withdrawn referral takes no fact from the agency (REFERRAL_WITHDRAWN).
 */
export async function lockedOpenReferral(
  manager: EntityManager,
  agencyId: string,
  id: string,
): Promise<Referral> {
  const referral = await lockedReferral(manager, agencyId, id);
  refuseIfWithdrawn(referral);
  return referral;
}

/** The agency's referral under its row lock, withdrawn or not, or REFERRAL_NOT_FOUND. */
export async function lockedReferral(
  manager: EntityManager,
  agencyId: string,
  id: string,
): Promise<Referral> {
  const referral = await manager.getRepository(Referral).findOne({
    where: { id, agencyId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!referral) throw new ReferralNotFoundError(id);
  return referral;
}

/** REFERRAL_WITHDRAWN (with the reason) when the journey withdrew the referral. */
export function refuseIfWithdrawn(referral: Referral): void {
  if (referral.withdrawnAt && referral.withdrawalReason)
    throw new ReferralWithdrawnError(referral.id, referral.withdrawnAt, referral.withdrawalReason);
}
