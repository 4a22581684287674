import {
  CalendarOutOfRangeError,
  ClockNotInPolicyError,
  DomainError,
  InvalidArgumentError,
  InvalidLocalDateError,
  InvalidLocalTimeError,
  UnknownPolicyError,
} from './errors';

// Every edge (HTTP problem+json, activity ApplicationFailure, consumer nak) translates a domain
// error by its stable `code`, never by parsing the message: the codes are part of the contract.
describe('domain errors', () => {
  // Built inside the test (not in the table) so that the error is constructed while it runs.
  it.each([
    ['InvalidLocalDateError', 'DOMAIN_INVALID_LOCAL_DATE', () => new InvalidLocalDateError('2026-02-30')],
    ['InvalidLocalTimeError', 'DOMAIN_INVALID_LOCAL_TIME', () => new InvalidLocalTimeError('25:00')],
    [
      'CalendarOutOfRangeError',
      'DOMAIN_CALENDAR_OUT_OF_RANGE',
      () => new CalendarOutOfRangeError(2099, 2024, 2045),
    ],
    ['InvalidArgumentError', 'DOMAIN_INVALID_ARGUMENT', () => new InvalidArgumentError('bad')],
    ['UnknownPolicyError', 'DOMAIN_UNKNOWN_POLICY', () => new UnknownPolicyError('none')],
    [
      'ClockNotInPolicyError',
      'DOMAIN_CLOCK_NOT_IN_POLICY',
      () => new ClockNotInPolicyError('scotland-2026', 1, 'summaryReview'),
    ],
  ])('%s carries the stable code %s', (name, code, make) => {
    const error: DomainError = make();
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
  });

  it('says what was wrong and with which value', () => {
    expect(new InvalidLocalDateError('2026-02-30').message).toBe(
      'Not a calendar date in YYYY-MM-DD form: "2026-02-30"',
    );
    expect(new InvalidLocalTimeError('25:00').message).toBe('Not a time of day in HH:MM form: "25:00"');
    expect(new CalendarOutOfRangeError(2099, 2024, 2045).message).toBe(
      'No bank-holiday data for 2099: the calendar covers 2024-2045',
    );
    expect(new ClockNotInPolicyError('scotland-2026', 1, 'summaryReview').message).toBe(
      'Policy scotland-2026 v1 defines no clock "summaryReview"',
    );
  });
});
