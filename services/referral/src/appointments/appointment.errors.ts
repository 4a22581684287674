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

/** A move to a time that has already gone by (beyond the tolerated clock skew): a move goes ahead. */
export class StartsInPastError extends DomainError {
  constructor(startsAt: Date) {
    super(
      'STARTS_IN_PAST',
      'RULE_VIOLATED',
      `startsAt ${startsAt.toISOString()} has gone by: a move goes to a time to come (CORRECTION corrects the time of the same appointment)`,
      { details: { field: 'startsAt' } },
    );
  }
}

export class StartsBeforeBookedError extends DomainError {
  constructor(startsAt: Date, bookedAt: Date) {
    super(
      'STARTS_BEFORE_BOOKED',
      'RULE_VIOLATED',
      `startsAt ${startsAt.toISOString()} is before the appointment was booked (${bookedAt.toISOString()})`,
      { details: { field: 'startsAt', bookedAt: bookedAt.toISOString() } },
    );
  }
}

export class StartsTooFarAheadError extends DomainError {
  constructor(startsAt: Date, latest: Date) {
    super(
      'STARTS_TOO_FAR_AHEAD',
      'RULE_VIOLATED',
      `startsAt ${startsAt.toISOString()} is more than a year ahead (latest ${latest.toISOString()})`,
      { details: { field: 'startsAt' } },
    );
  }
}

/** Changing an appointment that has a time and place says why (a code; CORRECTION for a correction). */
export class RescheduleReasonRequiredError extends DomainError {
  constructor(currentStartsAt: Date) {
    super(
      'RESCHEDULE_REASON_REQUIRED',
      'RULE_VIOLATED',
      `the appointment is set for ${currentStartsAt.toISOString()}: changing it needs a reasonCode`,
      { details: { field: 'reasonCode' } },
    );
  }
}

/**
 * A move of an appointment whose time has gone by with no attendance recorded: what happened at
 * that time is recorded first (a missed appointment starts the journey's follow-up), or the time
 * is corrected (CORRECTION) if it was recorded wrongly.
 */
export class AttendanceDueFirstError extends ConflictError {
  constructor(id: string, currentStartsAt: Date, doing = 'moving it') {
    super(
      `appointment ${id} was set for ${currentStartsAt.toISOString()}, which has gone by: record its attendance (or correct its time with CORRECTION) before ${doing}`,
      'ATTENDANCE_DUE_FIRST',
      { details: { startsAt: currentStartsAt.toISOString() } },
    );
  }
}

/** A non-attendance recorded before the appointment's start: it has not been missed yet. */
export class NotAttendedBeforeStartError extends DomainError {
  constructor(attendedAt: Date, startsAt: Date) {
    super(
      'NOT_ATTENDED_BEFORE_START',
      'RULE_VIOLATED',
      `attendedAt ${attendedAt.toISOString()} is before the appointment starts (${startsAt.toISOString()}): it cannot have been missed yet`,
      { details: { field: 'attendedAt', startsAt: startsAt.toISOString() } },
    );
  }
}

/**
 * A referral appointment for a referral the agency has not (or no longer) taken on: with what the
 * lifecycle allows the agency there (as a refused transition answers).
 */
export class ReferralNotAcceptedError extends ConflictError {
  constructor(referralId: string, status: string, allowedActions: readonly string[]) {
    super(
      `referral ${referralId} is ${status}: an agency books appointments against a referral it has accepted (allowed now: ${allowedActions.length > 0 ? allowedActions.join(', ') : 'nothing'})`,
      'REFERRAL_NOT_ACCEPTED',
      {
        details: { status, allowedActions },
        extensions: { referralStatus: status, allowedActions: [...allowedActions] },
      },
    );
  }
}

/** A prison as the place of an appointment after release (the journey's own appointments). */
export class PrisonPlaceAfterReleaseError extends DomainError {
  constructor(id: string) {
    super(
      'PRISON_PLACE_AFTER_RELEASE',
      'RULE_VIOLATED',
      `appointment ${id} is the journey's appointment after release: it cannot take place in prison (placeKind PRISON is for appointments booked against a referral)`,
      { details: { field: 'placeKind' } },
    );
  }
}

/**
 * An agency's cancellation of the journey's own appointment (the first appointment after release,
 * a missed-appointment follow-up): the journey books and cancels those, and its clocks run on
 * them. The agency moves it (`/schedule`) or records what happened (`/attendance`).
 */
export class JourneyAppointmentError extends ConflictError {
  constructor(id: string, purpose: string) {
    super(
      `appointment ${id} is the journey's ${purpose}: the journey books and cancels it; move it with /schedule or record its attendance`,
      'JOURNEY_APPOINTMENT',
      { details: { purpose }, extensions: { purpose } },
    );
  }
}
