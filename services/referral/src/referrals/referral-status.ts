import { In, type EntityManager } from 'typeorm';
import { AppointmentSchedule } from '../appointments/appointment-schedule.entity';
import { Appointment } from '../appointments/appointment.entity';
import { ReferralOutcome } from './referral-outcome.entity';
import { Referral } from './referral.entity';
import type { ReferralAppointmentFact, ReferralStatus } from './referral.lifecycle';
import { referralStatus } from './referral.state';

/** Each referral's decisions, in decision order (when decided, then when recorded). */
export async function loadOutcomes(
  manager: EntityManager,
  referralIds: string[],
): Promise<Map<string, ReferralOutcome[]>> {
  const byReferral = new Map<string, ReferralOutcome[]>();
  if (referralIds.length === 0) return byReferral;
  const outcomes = await manager.getRepository(ReferralOutcome).find({
    where: { referralId: In(referralIds) },
    order: { decidedAt: 'ASC', sequence: 'ASC' },
  });
  for (const outcome of outcomes) {
    const list = byReferral.get(outcome.referralId) ?? [];
    list.push(outcome);
    byReferral.set(outcome.referralId, list);
  }
  return byReferral;
}

/** The appointments booked against each referral, as the lifecycle fold reads them. */
export async function loadAppointmentFacts(
  manager: EntityManager,
  referralIds: string[],
): Promise<Map<string, ReferralAppointmentFact[]>> {
  const byReferral = new Map<string, ReferralAppointmentFact[]>();
  if (referralIds.length === 0) return byReferral;
  const appointments = await manager.getRepository(Appointment).find({
    select: {
      id: true,
      referralId: true,
      attendance: true,
      attendedAt: true,
      nonAttendanceReason: true,
      attendanceRecordedAt: true,
      cancelledAt: true,
      dueBy: true,
    },
    where: { referralId: In(referralIds) },
    order: { bookedAt: 'ASC', id: 'ASC' },
  });
  const startsAt = await latestStarts(
    manager,
    appointments.map((a) => a.id),
  );
  for (const a of appointments) {
    const list = byReferral.get(a.referralId!) ?? [];
    list.push({
      id: a.id,
      attendance: a.attendance,
      attendedAt: a.attendedAt,
      nonAttendanceReason: a.nonAttendanceReason,
      attendanceRecordedAt: a.attendanceRecordedAt,
      cancelledAt: a.cancelledAt,
      startsAt: startsAt.get(a.id) ?? a.dueBy,
    });
    byReferral.set(a.referralId!, list);
  }
  return byReferral;
}

/** When each appointment starts by its latest schedule (none yet: absent). */
async function latestStarts(manager: EntityManager, appointmentIds: string[]): Promise<Map<string, Date>> {
  if (appointmentIds.length === 0) return new Map();
  const rows = await manager
    .getRepository(AppointmentSchedule)
    .createQueryBuilder('s')
    .select('DISTINCT ON (s.appointment_id) s.appointment_id', 'appointmentId')
    .addSelect('s.starts_at', 'startsAt')
    .where('s.appointment_id IN (:...ids)', { ids: appointmentIds })
    .orderBy('s.appointment_id')
    .addOrderBy('s.sequence', 'DESC')
    .getRawMany<{ appointmentId: string; startsAt: Date }>();
  return new Map(rows.map((r) => [r.appointmentId, r.startsAt]));
}

/** One referral's decisions and appointments. */
export async function loadReferralFacts(
  manager: EntityManager,
  referralId: string,
): Promise<{ outcomes: ReferralOutcome[]; appointments: ReferralAppointmentFact[] }> {
  // One after the other: a transaction's manager holds one connection.
  const outcomes = await loadOutcomes(manager, [referralId]);
  const appointments = await loadAppointmentFacts(manager, [referralId]);
  return {
    outcomes: outcomes.get(referralId) ?? [],
    appointments: appointments.get(referralId) ?? [],
  };
}

/**
 * Rewrites the referral's `status` column to what its facts add up to now, in the caller's
 * transaction: called after an appointment fact (a booking, a cancellation, an attendance) under
 * the referral's row lock, so the column and the fact commit together.
 */
export async function refreshReferralStatus(
  manager: EntityManager,
  referral: Referral,
): Promise<ReferralStatus> {
  const { outcomes, appointments } = await loadReferralFacts(manager, referral.id);
  const status = referralStatus(referral, outcomes, appointments);
  if (status !== referral.status) {
    await manager.getRepository(Referral).update({ id: referral.id }, { status });
    referral.status = status;
  }
  return status;
}
