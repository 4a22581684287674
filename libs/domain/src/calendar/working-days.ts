import type { Jurisdiction } from '@throughcare/contracts';

import { InvalidArgumentError } from '../errors';
import { isBankHoliday } from './bank-holidays';
import { addDays, isWeekend, type LocalDate, parseLocalDate } from './local-date';

/** Monday to Friday and not a bank holiday of the jurisdiction. */
export function isWorkingDay(jurisdiction: Jurisdiction, date: LocalDate): boolean {
  return !isWeekend(date) && !isBankHoliday(jurisdiction, date);
}

/** The first working day strictly after `date`. */
export function nextWorkingDay(jurisdiction: Jurisdiction, date: LocalDate): LocalDate {
  let day = addDays(date, 1);
  while (!isWorkingDay(jurisdiction, day)) day = addDays(day, 1);
  return day;
}

/** The last working day strictly before `date`. */
export function previousWorkingDay(jurisdiction: Jurisdiction, date: LocalDate): LocalDate {
  let day = addDays(date, -1);
  while (!isWorkingDay(jurisdiction, day)) day = addDays(day, -1);
  return day;
}

/**
 * The `n`th working day after `date`, counting from `date` itself when it is a working
 * day and from the next working day otherwise. `n = 0` returns `date` if it is a working
 * day, else the next working day. `n` must be a whole number ≥ 0.
 */
export function addWorkingDays(jurisdiction: Jurisdiction, date: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`Working days must be a whole number ≥ 0, got ${n}`);
  let day = isWorkingDay(jurisdiction, date) ? date : nextWorkingDay(jurisdiction, date);
  for (let i = 0; i < n; i++) day = nextWorkingDay(jurisdiction, day);
  return day;
}

/**
 * Working days after `from` up to and including `to`, so that
 * `workingDaysBetween(j, d, addWorkingDays(j, d, n)) === n` for a working day `d`.
 * Negative when `to` is before `from`; 0 when they are equal.
 */
export function workingDaysBetween(jurisdiction: Jurisdiction, from: LocalDate, to: LocalDate): number {
  parseLocalDate(from);
  parseLocalDate(to);
  if (to < from) return -workingDaysBetween(jurisdiction, to, from);
  let count = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) {
    if (isWorkingDay(jurisdiction, day)) count++;
  }
  return count;
}

/**
 * The `n`th working day strictly before `date` (n ≥ 1): `subtractWorkingDays(j, Tue, 1)` is the
 * Monday before (or the Friday before that Monday when it is a bank holiday).
 */
export function subtractWorkingDays(jurisdiction: Jurisdiction, date: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`Working days before must be a whole number ≥ 1, got ${n}`);
  let day = date;
  for (let i = 0; i < n; i++) day = previousWorkingDay(jurisdiction, day);
  return day;
}
