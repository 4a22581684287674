import { addDays, fromEpochDay, type LocalDate, parseLocalDate } from '../calendar/local-date';
import { InvalidArgumentError, InvalidLocalTimeError } from '../errors';

/**
 * Europe/London wall-clock time by the UK/EU summer-time rule (Summer Time Order 2002,
 * in line with Directive 2000/84/EC): BST (UTC+1) from 01:00 UTC on the last Sunday of
 * March to 01:00 UTC on the last Sunday of October, GMT otherwise. Pure arithmetic, no
 * tz database, so it is safe in Temporal workflow code. Valid from 1996 onwards; if
 * Parliament changes the rule this module must change with it.
 */

/** A local time of day, `HH:MM` (24-hour). */
export type LocalTimeOfDay = string;

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

function lastSundayAt0100Utc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month, 0); // day 0 of the next month
  const weekday = new Date(lastDay).getUTCDay(); // 0 = Sunday
  return lastDay - weekday * MS_PER_DAY + MS_PER_HOUR;
}

function epochMs(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new InvalidArgumentError('Invalid Date');
  return ms;
}

/** True while British Summer Time is in force at `instant`. */
export function isBritishSummerTime(instant: Date): boolean {
  const ms = epochMs(instant);
  const year = new Date(ms).getUTCFullYear();
  return ms >= lastSundayAt0100Utc(year, 3) && ms < lastSundayAt0100Utc(year, 10);
}

/** Minutes Europe/London is ahead of UTC at `instant`: 0 (GMT) or 60 (BST). */
export function londonOffsetMinutes(instant: Date): 0 | 60 {
  return isBritishSummerTime(instant) ? 60 : 0;
}

function wallClockMs(instant: Date): number {
  return epochMs(instant) + londonOffsetMinutes(instant) * MS_PER_MINUTE;
}

/** The Europe/London calendar date of an instant. */
export function localDateOf(instant: Date): LocalDate {
  return fromEpochDay(Math.floor(wallClockMs(instant) / MS_PER_DAY));
}

/** The Europe/London wall-clock time of an instant, `HH:MM:SS` (milliseconds dropped). */
export function localTimeOf(instant: Date): string {
  const msOfDay = ((wallClockMs(instant) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  const d = new Date(msOfDay);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Minutes after local midnight for `HH:MM` or `HH:MM:SS` (seconds count as fractions). */
export function minutesOfDay(time: string): number {
  const match = TIME_OF_DAY.exec(time);
  if (!match) throw new InvalidLocalTimeError(time);
  return Number(match[1]) * 60 + Number(match[2]) + Number(match[3] ?? 0) / 60;
}

/**
 * The instant at which Europe/London clocks show `time` on `date`. In the autumn hour
 * that happens twice (01:00–01:59) the first (BST) occurrence is returned; a time in the
 * spring gap (01:00–01:59, which never shows) is read as GMT, i.e. 02:xx BST.
 */
export function londonInstant(date: LocalDate, time: LocalTimeOfDay): Date {
  const { year, month, day } = parseLocalDate(date);
  const wallMs = Date.UTC(year, month - 1, day) + Math.round(minutesOfDay(time) * MS_PER_MINUTE);
  const asBst = new Date(wallMs - MS_PER_HOUR);
  return isBritishSummerTime(asBst) ? asBst : new Date(wallMs);
}

/** 00:00:00.000 Europe/London on `date` (midnight is never skipped or repeated in the UK). */
export function startOfLocalDay(date: LocalDate): Date {
  return londonInstant(date, '00:00');
}

/** 23:59:59.999 Europe/London on `date`: the last millisecond before the next local midnight. */
export function endOfLocalDay(date: LocalDate): Date {
  return new Date(startOfLocalDay(addDays(date, 1)).getTime() - 1);
}
