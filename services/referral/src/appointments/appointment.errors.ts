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

/** Attendance for (or a new time for) an appointment that was cancelled: it does not take place. */
export class AppointmentCancelledError extends ConflictError {
  constructor(id: string, cancelledAt: Date, reason: string, refused = 'attendance cannot be recorded') {
    super(
      `appointment ${id} was cancelled at ${cancelledAt.toISOString()} (${reason}); ${refused}`,
      'APPOINTMENT_CANCELLED',
      { details: { cancelledAt: cancelledAt.toISOString(), reason } },
    );
  }
}

/** A cancellation (or a new time) of an appointment whose attendance is on record: it already took place (or was missed). */
export class AppointmentAttendanceOnRecordError extends ConflictError {
  constructor(id: string, attendance: string, attendedAt: Date, refused = 'it cannot be cancelled') {
    super(
      `appointment ${id} already has attendance ${attendance} at ${attendedAt.toISOString()}; ${refused}`,
      'ATTENDANCE_ALREADY_RECORDED',
      { details: { attendance, attendedAt: attendedAt.toISOString() } },
    );
  }
}

/** A time set for an appointment that has already gone by (beyond the tolerated clock skew). */
export class StartsInPastError extends DomainError {
  constructor(startsAt: Date) {
    super('STARTS_IN_PAST', 'RULE_VIOLATED', `startsAt ${startsAt.toISOString()} has gone by`, {
      details: { field: 'startsAt' },
    });
  }
}

/** Moving an appointment that has a time and place says why (the person and the prison read it). */
export class RescheduleReasonRequiredError extends DomainError {
  constructor(current: { startsAt: Date; place: string }) {
    super(
      'RESCHEDULE_REASON_REQUIRED',
      'RULE_VIOLATED',
      `the appointment is set for ${current.startsAt.toISOString()}: moving it needs a reason`,
      { details: { field: 'reason' } },
    );
  }
}
