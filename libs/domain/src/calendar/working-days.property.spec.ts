import fc from 'fast-check';

import { calendarDate, daysStrictlyBetween, jurisdictions } from '../property-arbitraries.spec-helper';
import { addDays, isWeekend } from './local-date';
import { isBankHoliday } from './bank-holidays';
import {
  addWorkingDays,
  isWorkingDay,
  nextWorkingDay,
  previousWorkingDay,
  subtractWorkingDays,
  workingDaysBetween,
} from './working-days';

const count = fc.integer({ min: 0, max: 25 });

describe('working days (properties)', () => {
  it('a working day is exactly a weekday that is not a bank holiday of the jurisdiction', () => {
    fc.assert(
      fc.property(jurisdictions, calendarDate, (j, d) => {
        expect(isWorkingDay(j, d)).toBe(!isWeekend(d) && !isBankHoliday(j, d));
      }),
    );
  });

  it('addWorkingDays(d, n) is a working day, not before d, and strictly increasing in n', () => {
    fc.assert(
      fc.property(jurisdictions, calendarDate, count, count, (j, d, n, m) => {
        const atN = addWorkingDays(j, d, n);
        expect(isWorkingDay(j, atN)).toBe(true);
        expect(atN >= d).toBe(true);
        const atM = addWorkingDays(j, d, m);
        if (n < m) expect(atN < atM).toBe(true);
        if (n === m) expect(atN).toBe(atM);
      }),
    );
  });

  it('workingDaysBetween inverts addWorkingDays (one more when d itself is not a working day)', () => {
    fc.assert(
      fc.property(jurisdictions, calendarDate, count, (j, d, n) => {
        const offset = isWorkingDay(j, d) ? 0 : 1;
        expect(workingDaysBetween(j, d, addWorkingDays(j, d, n))).toBe(n + offset);
      }),
    );
  });

  it('workingDaysBetween is antisymmetric and additive', () => {
    const near = fc.integer({ min: -40, max: 40 });
    fc.assert(
      fc.property(jurisdictions, calendarDate, near, near, (j, a, db, dc) => {
        const b = addDays(a, db);
        const c = addDays(a, dc);
        // `+ 0` reads -0 (from negating an empty count, e.g. Sunday back to Saturday) as 0.
        expect(workingDaysBetween(j, a, b) + workingDaysBetween(j, b, a) + 0).toBe(0);
        expect(workingDaysBetween(j, a, b) + workingDaysBetween(j, b, c) + 0).toBe(
          workingDaysBetween(j, a, c) + 0,
        );
      }),
    );
  });

  it('nextWorkingDay / previousWorkingDay skip exactly the non-working days in between', () => {
    fc.assert(
      fc.property(jurisdictions, calendarDate, (j, d) => {
        const next = nextWorkingDay(j, d);
        expect(next > d && isWorkingDay(j, next)).toBe(true);
        expect(daysStrictlyBetween(d, next).filter((x) => isWorkingDay(j, x))).toEqual([]);
        const previous = previousWorkingDay(j, d);
        expect(previous < d && isWorkingDay(j, previous)).toBe(true);
        expect(daysStrictlyBetween(previous, d).filter((x) => isWorkingDay(j, x))).toEqual([]);
        // Back and forth: the previous working day before the next one is d itself when d works.
        expect(previousWorkingDay(j, next)).toBe(isWorkingDay(j, d) ? d : previous);
      }),
    );
  });

  it('subtractWorkingDays(d, n) is the nth working day strictly before d', () => {
    fc.assert(
      fc.property(jurisdictions, calendarDate, fc.integer({ min: 1, max: 25 }), (j, d, n) => {
        const back = subtractWorkingDays(j, d, n);
        expect(back < d && isWorkingDay(j, back)).toBe(true);
        const strictlyBetween = daysStrictlyBetween(back, d).filter((x) => isWorkingDay(j, x));
        expect(strictlyBetween).toHaveLength(n - 1);
        if (isWorkingDay(j, d)) expect(addWorkingDays(j, back, n)).toBe(d);
      }),
    );
  });
});
