/**
 * Errors raised by the domain library. Each carries a stable `code` so every edge
 * (HTTP problem+json, activity ApplicationFailure, consumer nak) can translate it
 * without parsing messages.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A calendar date was not a real `YYYY-MM-DD` date. */
export class InvalidLocalDateError extends DomainError {
  readonly code = 'DOMAIN_INVALID_LOCAL_DATE';

  constructor(readonly value: string) {
    super(`Not a calendar date in YYYY-MM-DD form: "${value}"`);
  }
}

/** A time of day was not a real `HH:MM` (or `HH:MM:SS`) time. */
export class InvalidLocalTimeError extends DomainError {
  readonly code = 'DOMAIN_INVALID_LOCAL_TIME';

  constructor(readonly value: string) {
    super(`Not a time of day in HH:MM form: "${value}"`);
  }
}

/** The bank-holiday calendar holds no data for the year asked about. */
export class CalendarOutOfRangeError extends DomainError {
  readonly code = 'DOMAIN_CALENDAR_OUT_OF_RANGE';

  constructor(
    readonly year: number,
    readonly firstYear: number,
    readonly lastYear: number,
  ) {
    super(`No bank-holiday data for ${year}: the calendar covers ${firstYear}-${lastYear}`);
  }
}

/** An argument was outside what the operation accepts (negative count, invalid Date, …). */
export class InvalidArgumentError extends DomainError {
  readonly code = 'DOMAIN_INVALID_ARGUMENT';
}

/** No SLA policy matches the jurisdiction/date or id/version asked for. */
export class UnknownPolicyError extends DomainError {
  readonly code = 'DOMAIN_UNKNOWN_POLICY';
}

/** The policy does not define the clock asked for. */
export class ClockNotInPolicyError extends DomainError {
  readonly code = 'DOMAIN_CLOCK_NOT_IN_POLICY';

  constructor(
    readonly policyId: string,
    readonly policyVersion: number,
    readonly clock: string,
  ) {
    super(`Policy ${policyId} v${policyVersion} defines no clock "${clock}"`);
  }
}
