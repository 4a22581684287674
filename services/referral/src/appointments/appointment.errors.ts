import { ConflictError, DomainError, NotFoundError } from '@throughcare/platform-errors';

/** Also what another agency's appointment answers: out of scope does not exist for the caller. */
export class AppointmentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no appointment with id ${id}`, 'APPOINTMENT_NOT_FOUND');
  }
}

export class AttendedBeforeBookedError extends DomainError {
  constructor(attendedAt: Date, bookedAt: Date) {
    super(
      'ATTENDED_BEFORE_BOOKED',
      'RULE_VIOLATED',
      `attendedAt ${attendedAt.toISOString()} is before the appointment was booked (${bookedAt.toISOString()})`,
      { details: { field: 'attendedAt', bookedAt: bookedAt.toISOString() } },
    );
  }
}

export class AttendedInFutureError extends DomainError {
  constructor(attendedAt: Date) {
    super('ATTENDED_IN_FUTURE', 'RULE_VIOLATED', `attendedAt ${attendedAt.toISOString()} is in the future`, {
      details: { field: 'attendedAt' },
    });
  }
}

export class AttendanceAlreadyRecordedError extends ConflictError {
  constructor(id: string, recorded: { attendance: string; attendedAt: string; reason: string | null }) {
    super(
      `appointment ${id} already has attendance ${recorded.attendance} at ${recorded.attendedAt}` +
        `${recorded.reason ? ` (${recorded.reason})` : ''}; a different outcome cannot replace it`,
      'ATTENDANCE_ALREADY_RECORDED',
    );
  }
}

/** Attendance for an appointment that was cancelled: it did not take place. */
export class AppointmentCancelledError extends ConflictError {
  constructor(id: string, cancelledAt: Date, reason: string) {
    super(
      `appointment ${id} was cancelled at ${cancelledAt.toISOString()} (${reason}); attendance cannot be recorded`,
      'APPOINTMENT_CANCELLED',
      { details: { cancelledAt: cancelledAt.toISOString(), reason } },
    );
  }
}

/** A cancellation of an appointment whose attendance is on record: it already took place (or was missed). */
export class AppointmentAttendanceOnRecordError extends ConflictError {
  constructor(id: string, attendance: string, attendedAt: Date) {
    super(
      `appointment ${id} already has attendance ${attendance} at ${attendedAt.toISOString()}; it cannot be cancelled`,
      'ATTENDANCE_ALREADY_RECORDED',
      { details: { attendance, attendedAt: attendedAt.toISOString() } },
    );
  }
}
