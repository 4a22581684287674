import fc from 'fast-check';

import { addDays, dayOfWeek, parseLocalDate } from '../calendar/local-date';
import { localDate } from '../property-arbitraries.spec-helper';
import {
  endOfLocalDay,
  isBritishSummerTime,
  localDateOf,
  localTimeOf,
  londonInstant,
  londonOffsetMinutes,
  startOfLocalDay,
} from './london';

/** The rule is valid from 1996 (Summer Time Order 2002, in line with the EU directive). */
const anyDate = localDate('1996-01-01', '2099-12-31');
const timeOfDay = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const HOUR = 3_600_000;

/** The last Sunday of March, when clocks skip 01:00–01:59. */
function isSpringForwardDay(date: string): boolean {
  const { month, day } = parseLocalDate(date);
  return month === 3 && day >= 25 && dayOfWeek(date) === 7;
}

describe('Europe/London time (properties)', () => {
  it('londonInstant shows the date and time asked for, except in the skipped spring hour (an hour on)', () => {
    fc.assert(
      fc.property(anyDate, timeOfDay, (date, time) => {
        const instant = londonInstant(date, time);
        expect(localDateOf(instant)).toBe(date);
        const skipped = isSpringForwardDay(date) && time.startsWith('01:');
        expect(localTimeOf(instant)).toBe(skipped ? `02:${time.slice(3)}:00` : `${time}:00`);
      }),
    );
  });

  it('the offset is 60 minutes exactly in British Summer Time, else 0', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1996-01-01T00:00:00Z'),
          max: new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (instant) => {
          expect(londonOffsetMinutes(instant)).toBe(isBritishSummerTime(instant) ? 60 : 0);
          const { month } = parseLocalDate(localDateOf(instant));
          if (month >= 4 && month <= 9) expect(isBritishSummerTime(instant)).toBe(true);
          if (month <= 2 || month >= 11) expect(isBritishSummerTime(instant)).toBe(false);
        },
      ),
    );
  });

  it('a local day runs from local midnight to the millisecond before the next: 24 hours, 23 or 25 on clock-change Sundays', () => {
    fc.assert(
      fc.property(anyDate, (date) => {
        const start = startOfLocalDay(date);
        const end = endOfLocalDay(date);
        expect(localDateOf(start)).toBe(date);
        expect(localTimeOf(start)).toBe('00:00:00');
        expect(localDateOf(end)).toBe(date);
        expect(localTimeOf(end)).toBe('23:59:59');
        expect(end.getTime() + 1).toBe(startOfLocalDay(addDays(date, 1)).getTime());
        expect(localDateOf(new Date(start.getTime() - 1))).toBe(addDays(date, -1));
        const { month, day } = parseLocalDate(date);
        const clockChange = dayOfWeek(date) === 7 && day >= 25 && (month === 3 || month === 10);
        const hours = (end.getTime() + 1 - start.getTime()) / HOUR;
        expect(hours).toBe(clockChange ? (month === 3 ? 23 : 25) : 24);
      }),
    );
  });
});
