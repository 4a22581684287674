/**
 * fast-check arbitraries shared by the `*.property.spec.ts` files of libs/domain (test code only:
 * not exported from the library, not mutated by Stryker).
 */
import fc from 'fast-check';

import { addDays, fromEpochDay, type LocalDate, toEpochDay } from './calendar/local-date';

export const jurisdictions = fc.constantFrom('SCOTLAND' as const, 'ENGLAND_AND_WALES' as const);

/** A `YYYY-MM-DD` date from `first` to `last` inclusive. */
export function localDate(first: LocalDate, last: LocalDate): fc.Arbitrary<LocalDate> {
  return fc.integer({ min: toEpochDay(first), max: toEpochDay(last) }).map(fromEpochDay);
}

/**
 * Dates well inside the bank-holiday calendar (2024–2045), with room on both sides for the
 * walks a property makes (next/previous working days, a few weeks of working days).
 */
export const calendarDate = localDate('2024-03-01', '2045-10-31');

/** An instant inside the calendar with room for a year of clock either side. */
export const calendarInstant = fc.date({
  min: new Date('2025-01-01T00:00:00Z'),
  max: new Date('2044-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

/** The days strictly between `from` and `to`, in order ([] unless from < to). */
export function daysStrictlyBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const days: LocalDate[] = [];
  for (let d = addDays(from, 1); d < to; d = addDays(d, 1)) days.push(d);
  return days;
}
