import type { ReferralOutcome } from './referral-outcome.entity';
import type { Referral } from './referral.entity';
import {
  ACKNOWLEDGEMENT_RANK,
  CLOCK_SKEW_MS,
  actionOfDecision,
  CLOSURE_RANK,
  live,
  referralAllowedActions,
  standingAttendance,
  statusWithAppointments,
  type LifecycleFact,
  type ReferralAppointmentFact,
  type ReferralStatus,
} from './referral.lifecycle';
import type {
  AwaitingAttendanceView,
  ClosureView,
  OutcomeView,
  ReferralAttendanceView,
  ReferralView,
} from './referral.schemas';

/** Tolerated clock skew between an agency's systems and ours when facts are dated "now". */
export { CLOCK_SKEW_MS } from './referral.lifecycle';

/** Orders facts of one instant after every stored one: a fact being recorded now. */
export const NEW_FACT_RANK = Number.MAX_SAFE_INTEGER;

/** A referral's stored facts as lifecycle facts: the acknowledgement, each decision, the referrer's withdrawal. */
export function lifecycleFacts(
  referral: Pick<Referral, 'acknowledgedAt' | 'withdrawnAt' | 'closedAt'>,
  outcomes: readonly Pick<ReferralOutcome, 'decision' | 'decidedAt' | 'sequence' | 'recordedAt'>[],
): LifecycleFact[] {
  return [
    ...(referral.acknowledgedAt
      ? [{ action: 'ACKNOWLEDGE' as const, at: referral.acknowledgedAt, rank: ACKNOWLEDGEMENT_RANK }]
      : []),
    ...outcomes.map((o) => ({
      action: actionOfDecision(o.decision),
      at: o.decidedAt,
      rank: Number(o.sequence),
      recordedAt: o.recordedAt,
    })),
    ...(referral.closedAt ? [{ action: 'CLOSE' as const, at: referral.closedAt, rank: CLOSURE_RANK }] : []),
    ...(referral.withdrawnAt
      ? [{ action: 'WITHDRAW_REFERRAL' as const, at: referral.withdrawnAt, rank: NEW_FACT_RANK }]
      : []),
  ];
}

/** The status the referral's facts and its appointments add up to (`referral.lifecycle.ts`). */
export function referralStatus(
  referral: Pick<Referral, 'acknowledgedAt' | 'withdrawnAt' | 'closedAt'>,
  outcomes: readonly Pick<ReferralOutcome, 'decision' | 'decidedAt' | 'sequence' | 'recordedAt'>[],
  appointments: readonly ReferralAppointmentFact[],
): ReferralStatus {
  return statusWithAppointments(lifecycleFacts(referral, outcomes), appointments);
}

export function toOutcomeView(outcome: ReferralOutcome): OutcomeView {
  return {
    decision: outcome.decision,
    reason: outcome.reason,
    decidedAt: outcome.decidedAt.toISOString(),
    recordedAt: outcome.recordedAt.toISOString(),
  };
}

/**
 * `outcomes`: this referral's decisions in decision order (`loadOutcomes`); `appointments`: those
 * booked against it (`loadAppointmentFacts`).
 */
export function toReferralView(
  referral: Referral,
  outcomes: ReferralOutcome[] = [],
  appointments: readonly ReferralAppointmentFact[] = [],
  now: Date = new Date(),
): ReferralView {
  const facts = lifecycleFacts(referral, outcomes);
  const status = statusWithAppointments(facts, appointments);
  const standing = standingAttendance(facts, appointments);
  return {
    id: referral.id,
    personId: referral.personId,
    episode: referral.episode,
    agencyId: referral.agencyId,
    pathways: referral.pathways,
    establishmentCode: referral.establishmentCode,
    sentAt: referral.sentAt.toISOString(),
    acknowledgeBy: referral.acknowledgeBy.toISOString(),
    liberationDate: referral.liberationDate,
    riskOfSeriousHarm: referral.riskOfSeriousHarm,
    status,
    allowedActions: referralAllowedActions(status, appointments, now),
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
    closure: closureOf(referral),
    attendance: attendanceOf(standing),
    awaitingAttendance: awaitingAttendance(appointments, now),
  };
}

/** Live appointments whose start went by (beyond the clock skew the agency may cancel within), earliest first. */
function awaitingAttendance(
  appointments: readonly ReferralAppointmentFact[],
  now: Date,
): AwaitingAttendanceView[] {
  return appointments
    .filter((a) => live(a) && a.startsAt.getTime() < now.getTime() - CLOCK_SKEW_MS)
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : 1))
    .map((a) => ({ appointmentId: a.id, startsAt: a.startsAt.toISOString() }));
}

function attendanceOf(appointment: ReferralAppointmentFact | undefined): ReferralAttendanceView | null {
  if (!appointment?.attendance || !appointment.attendedAt) return null;
  return {
    appointmentId: appointment.id,
    attendance: appointment.attendance,
    attendedAt: appointment.attendedAt.toISOString(),
    reason: appointment.nonAttendanceReason,
  };
}

function closureOf(referral: Referral): ClosureView | null {
  const { closedAt, closedBy, closureOutcome, closureRecordedAt } = referral;
  if (!closedAt || !closedBy || !closureOutcome || !closureRecordedAt) return null;
  return {
    outcome: closureOutcome,
    closedAt: closedAt.toISOString(),
    closedBy,
    summary: referral.closureSummary,
    recordedAt: closureRecordedAt.toISOString(),
  };
}
