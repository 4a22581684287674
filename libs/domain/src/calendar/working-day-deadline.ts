import type { Jurisdiction } from '@throughcare/contracts';

import { InvalidArgumentError } from '../errors';
import {
  endOfLocalDay,
  localDateOf,
  localTimeOf,
  londonInstant,
  type LocalTimeOfDay,
  minutesOfDay,
} from '../time/london';
import type { LocalDate } from './local-date';
import { addWorkingDays, isWorkingDay, nextWorkingDay } from './working-days';

/** Office hours that decide which day a working-day clock starts on (Europe/London times). */
export interface WorkingDayClockOptions {
  /** Work arriving at or after this time counts from the next working day, e.g. `'13:00'`. */
  readonly cutOff: LocalTimeOfDay;
  /** When the working day starts, e.g. `'09:00'`; must be before `cutOff`. */
  readonly dayStart: LocalTimeOfDay;
}

export interface WorkingDayClockStart {
  /** The working day the clock counts from (day 0). */
  readonly startDay: LocalDate;
  /** When the clock is taken to start: `base` itself, or `dayStart` on `startDay` if later. */
  readonly startsAt: Date;
}

/**
 * Which working day a clock started at `base` counts from. With `d` the Europe/London
 * date of `base`:
 * - `d` is a working day and `base` is before `cutOff` → `startDay = d`;
 * - otherwise (non-working day, or at/after `cutOff`) → the next working day after `d`.
 * `startsAt` is `base` if it falls within/after the start of `startDay`'s office day,
 * else `dayStart` on `startDay` (work arriving at 07:00 starts at 09:00).
 */
export function workingDayClockStart(
  jurisdiction: Jurisdiction,
  base: Date,
  opts: WorkingDayClockOptions,
): WorkingDayClockStart {
  const cutOff = minutesOfDay(opts.cutOff);
  if (minutesOfDay(opts.dayStart) >= cutOff) {
    throw new InvalidArgumentError(`dayStart ${opts.dayStart} must be before cutOff ${opts.cutOff}`);
  }
  const arrivalDay = localDateOf(base);
  const countsToday = isWorkingDay(jurisdiction, arrivalDay) && minutesOfDay(localTimeOf(base)) < cutOff;
  const startDay = countsToday ? arrivalDay : nextWorkingDay(jurisdiction, arrivalDay);
  const officeOpens = londonInstant(startDay, opts.dayStart);
  return { startDay, startsAt: base.getTime() > officeOpens.getTime() ? base : officeOpens };
}

/**
 * The due instant of a clock of `workingDays` working days started at `base`:
 * 23:59:59.999 Europe/London at the end of the `workingDays`th working day after the
 * start day chosen by {@link workingDayClockStart} (0 → end of the start day itself).
 *
 * Examples (09:00 start, 13:00 cut-off, England & Wales):
 * - 1 working day from Monday 10:00 → end of Tuesday;
 * - 1 working day from Friday 15:00 (after cut-off) → start Monday, due end of Tuesday;
 * - 1 working day from Saturday → start Monday, due end of Tuesday;
 * - 5 working days from Thursday 2 April 2026 10:00 → Good Friday and Easter Monday are
 *   skipped, due end of Monday 13 April (Scotland, with no Easter Monday: end of Friday 10 April).
 *
 * `dayStart` never moves the due instant; it only sets `startsAt` for reporting.
 */
export function workingDayDeadline(
  jurisdiction: Jurisdiction,
  base: Date,
  workingDays: number,
  opts: WorkingDayClockOptions,
): Date {
  const { startDay } = workingDayClockStart(jurisdiction, base, opts);
  return endOfLocalDay(addWorkingDays(jurisdiction, startDay, workingDays));
}
