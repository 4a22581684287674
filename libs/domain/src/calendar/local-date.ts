import { InvalidLocalDateError } from '../errors';

/** A calendar date with no time or zone, `YYYY-MM-DD` (e.g. `2026-04-02`). */
export type LocalDate = string;

/** ISO day of week: 1 = Monday … 7 = Sunday. */
export type IsoDayOfWeek = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** Splits a `YYYY-MM-DD` date into numbers; throws {@link InvalidLocalDateError} for a non-date. */
export function parseLocalDate(date: LocalDate): DateParts {
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new InvalidLocalDateError(date);
  const parts = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (formatLocalDate(parts.year, parts.month, parts.day) !== date) throw new InvalidLocalDateError(date);
  return parts;
}

/** Formats year, month (1-12) and day as `YYYY-MM-DD`, normalising overflow (month 13 → next January). */
export function formatLocalDate(year: number, month: number, day: number): LocalDate {
  return fromEpochDay(Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY));
}

/** Days since 1970-01-01. */
export function toEpochDay(date: LocalDate): number {
  const { year, month, day } = parseLocalDate(date);
  return Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

export function fromEpochDay(epochDay: number): LocalDate {
  const d = new Date(epochDay * MS_PER_DAY);
  const yyyy = String(d.getUTCFullYear()).padStart(4, '0');
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${yyyy}-${mm}-${dd}`;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

export function dayOfWeek(date: LocalDate): IsoDayOfWeek {
  // 1970-01-01 was a Thursday (ISO 4).
  const mondayBased = (((toEpochDay(date) + 3) % 7) + 7) % 7;
  return (mondayBased + 1) as IsoDayOfWeek;
}

export function isWeekend(date: LocalDate): boolean {
  return dayOfWeek(date) >= 6;
}

export function yearOf(date: LocalDate): number {
  return parseLocalDate(date).year;
}

/**
 * The same day of the month `months` months later (or earlier, when negative), clamped to the
 * last day of a shorter month: 31 Aug + 6 months is 28/29 Feb.
 */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const { year, month, day } = parseLocalDate(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return formatLocalDate(y, m, Math.min(day, last));
}

/**
 * Whole years of age on `day` for someone born on `dateOfBirth` (both `YYYY-MM-DD`): a birthday
 * counts from its own day, and one on 29 February from 1 March in a common year.
 */
export function ageOn(dateOfBirth: LocalDate, day: LocalDate): number {
  const born = parseLocalDate(dateOfBirth);
  const on = parseLocalDate(day);
  const hadBirthday = on.month > born.month || (on.month === born.month && on.day >= born.day);
  return on.year - born.year - (hadBirthday ? 0 : 1);
}
