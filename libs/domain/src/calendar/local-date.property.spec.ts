import fc from 'fast-check';

import { localDate } from '../property-arbitraries.spec-helper';
import {
  addDays,
  addMonths,
  dayOfWeek,
  daysBetween,
  formatLocalDate,
  fromEpochDay,
  parseLocalDate,
  toEpochDay,
} from './local-date';

const anyDate = localDate('1900-01-01', '2400-12-31');
const days = fc.integer({ min: -3000, max: 3000 });

describe('local dates (properties)', () => {
  it('parse and format are inverse, and epoch days round-trip', () => {
    fc.assert(
      fc.property(anyDate, (d) => {
        const { year, month, day } = parseLocalDate(d);
        expect(formatLocalDate(year, month, day)).toBe(d);
        expect(fromEpochDay(toEpochDay(d))).toBe(d);
        expect(month >= 1 && month <= 12 && day >= 1 && day <= 31).toBe(true);
      }),
    );
  });

  it('addDays and daysBetween invert each other, and the weekday advances with the days', () => {
    fc.assert(
      fc.property(anyDate, days, (d, n) => {
        const moved = addDays(d, n);
        expect(daysBetween(d, moved)).toBe(n);
        expect(addDays(moved, -n)).toBe(d);
        expect(n > 0 ? moved > d : n < 0 ? moved < d : moved === d).toBe(true);
        expect(dayOfWeek(moved)).toBe(((((dayOfWeek(d) - 1 + n) % 7) + 7) % 7) + 1);
      }),
    );
  });

  it('addMonths keeps the day of the month, clamped to the last day of a shorter month', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -60, max: 60 }), (d, m) => {
        const from = parseLocalDate(d);
        const to = parseLocalDate(addMonths(d, m));
        expect((to.year - from.year) * 12 + (to.month - from.month)).toBe(m);
        const lastOfMonth = parseLocalDate(addDays(formatLocalDate(to.year, to.month + 1, 1), -1)).day;
        expect(to.day).toBe(Math.min(from.day, lastOfMonth));
      }),
    );
  });
});
