import type { Referral } from './referral.entity';
import type { ReferralStatus, ReferralView } from './referral.schemas';

/** Tolerated clock skew between an agency's systems and ours when facts are dated "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

export function referralStatus(referral: Pick<Referral, 'acknowledgedAt'>): ReferralStatus {
  return referral.acknowledgedAt ? 'ACKNOWLEDGED' : 'AWAITING_ACKNOWLEDGEMENT';
}

export function toReferralView(referral: Referral): ReferralView {
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
  };
}
