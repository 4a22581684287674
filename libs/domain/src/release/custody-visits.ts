import type { Jurisdiction } from '@throughcare/contracts';

import { InvalidArgumentError } from '../errors';
import type { LocalDate } from '../calendar/local-date';
import { addWorkingDays, isWorkingDay, nextWorkingDay, workingDaysBetween } from '../calendar/working-days';

/**
 * Days for `count` community-worker visits in custody, spread evenly over the working days
 * strictly after `after` and strictly before `before` (the pre-release meeting): with room, the
 * k-th of n visits falls k/(n+1) of the way through; with too little room, every working day
 * there is (fewer than `count`, possibly none: the caller reports the shortfall).
 */
export function custodyVisitDates(
  jurisdiction: Jurisdiction,
  after: LocalDate,
  before: LocalDate,
  count: number,
): LocalDate[] {
  if (!Number.isInteger(count) || count < 0)
    throw new InvalidArgumentError(`Visit count must be a whole number ≥ 0, got ${count}`);
  if (before <= after) return [];
  const available =
    workingDaysBetween(jurisdiction, after, before) - (isWorkingDay(jurisdiction, before) ? 1 : 0);
  if (available <= 0 || count === 0) return [];
  const first = nextWorkingDay(jurisdiction, after);
  const nth = (m: number) => addWorkingDays(jurisdiction, first, m - 1);
  if (available <= count) return Array.from({ length: available }, (_, i) => nth(i + 1));
  return Array.from({ length: count }, (_, i) =>
    nth(Math.max(1, Math.floor(((i + 1) * available) / (count + 1)))),
  );
}
