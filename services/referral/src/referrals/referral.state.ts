import type { ReferralOutcome } from './referral-outcome.entity';
import type { Referral } from './referral.entity';
import type { OutcomeView, ReferralStatus, ReferralView } from './referral.schemas';

/** Tolerated clock skew between an agency's systems and ours when facts are dated "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

export function referralStatus(referral: Pick<Referral, 'acknowledgedAt' | 'withdrawnAt'>): ReferralStatus {
  if (referral.withdrawnAt) return 'WITHDRAWN';
  return referral.acknowledgedAt ? 'ACKNOWLEDGED' : 'AWAITING_ACKNOWLEDGEMENT';
}

export function toOutcomeView(outcome: ReferralOutcome): OutcomeView {
  return {
    decision: outcome.decision,
    reason: outcome.reason,
    decidedAt: outcome.decidedAt.toISOString(),
    recordedAt: outcome.recordedAt.toISOString(),
  };
}

/** `outcomes`: this referral's decisions in decision order (`loadOutcomes`). */
export function toReferralView(referral: Referral, outcomes: ReferralOutcome[] = []): ReferralView {
  return {
    id: referral.id,
    personId: referral.personId,
    episode: referral.episode,
    agencyId: referral.agencyId,
    pathways: referral.pathways,
    sentAt: referral.sentAt.toISOString(),
    acknowledgeBy: referral.acknowledgeBy.toISOString(),
    status: referralStatus(referral),
    acknowledgement:
      referral.acknowledgedAt && referral.acknowledgedBy && referral.acknowledgementRecordedAt
        ? {
            acknowledgedAt: referral.acknowledgedAt.toISOString(),
            acknowledgedBy: referral.acknowledgedBy,
            recordedAt: referral.acknowledgementRecordedAt.toISOString(),
          }
        : null,
    outcomes: outcomes.map(toOutcomeView),
    withdrawal:
      referral.withdrawnAt && referral.withdrawalReason
        ? { withdrawnAt: referral.withdrawnAt.toISOString(), reason: referral.withdrawalReason }
        : null,
  };
}
