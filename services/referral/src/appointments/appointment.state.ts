import { CLOCK_SKEW_MS } from '../referrals/referral.state';
import type { AppointmentSchedule } from './appointment-schedule.entity';
import type { Appointment } from './appointment.entity';
import type {
  AppointmentStatus,
  AppointmentView,
  RecordAttendanceBody,
  ScheduleView,
} from './appointment.schemas';

export function appointmentStatus(
  appointment: Pick<Appointment, 'attendance' | 'cancelledAt'>,
): AppointmentStatus {
  if (appointment.cancelledAt) return 'CANCELLED';
  switch (appointment.attendance) {
    case null:
      return 'AWAITING_ATTENDANCE';
    case 'NO':
      return 'DID_NOT_ATTEND';
    default:
      return 'ATTENDED';
  }
}

/** Same outcome as the one on record (who recorded it is not part of the outcome). */
export function sameOutcome(appointment: Appointment, body: RecordAttendanceBody): boolean {
  return (
    appointment.attendance === body.attendance &&
    appointment.attendedAt?.getTime() === new Date(body.attendedAt).getTime() &&
    appointment.nonAttendanceReason === (body.reason ?? null)
  );
}

function toScheduleView(appointment: Appointment, schedule: AppointmentSchedule): ScheduleView {
  return {
    startsAt: schedule.startsAt.toISOString(),
    durationMinutes: schedule.durationMinutes,
    placeKind: schedule.placeKind,
    place: schedule.place,
    change: schedule.change,
    reasonCode: schedule.reasonCode,
    reason: schedule.reason,
    retrospective: schedule.scheduledAt.getTime() - CLOCK_SKEW_MS > schedule.startsAt.getTime(),
    scheduledAt: schedule.scheduledAt.toISOString(),
    scheduledBy: schedule.scheduledBy,
    withinDueBy: schedule.startsAt <= appointment.dueBy,
  };
}

/**
 * `schedules`: this appointment's, in recording order (`loadSchedules`). `history`: the earlier
 * ones too (one appointment's answers; a list shows the current only).
 */
export function toAppointmentView(
  appointment: Appointment,
  schedules: AppointmentSchedule[] = [],
  { history = true }: { history?: boolean } = {},
): AppointmentView {
  const views = schedules.map((s) => toScheduleView(appointment, s));
  const { attendance, attendedAt, attendanceRecordedAt, attendanceRecordedBy } = appointment;
  return {
    id: appointment.id,
    personId: appointment.personId,
    episode: appointment.episode,
    agencyId: appointment.agencyId,
    purpose: appointment.purpose,
    referralId: appointment.referralId,
    dueBy: appointment.dueBy.toISOString(),
    bookedAt: appointment.bookedAt.toISOString(),
    status: appointmentStatus(appointment),
    attendance:
      attendance && attendedAt && attendanceRecordedAt && attendanceRecordedBy
        ? {
            attendance,
            attendedAt: attendedAt.toISOString(),
            reason: appointment.nonAttendanceReason,
            recordedAt: attendanceRecordedAt.toISOString(),
            recordedBy: attendanceRecordedBy,
          }
        : null,
    cancellation:
      appointment.cancelledAt && appointment.cancellationReason
        ? {
            cancelledAt: appointment.cancelledAt.toISOString(),
            reason: appointment.cancellationReason,
            cancelledBy: appointment.cancelledBy ?? null,
          }
        : null,
    schedule: views[views.length - 1] ?? null,
    ...(history ? { schedules: views } : {}),
  };
}
