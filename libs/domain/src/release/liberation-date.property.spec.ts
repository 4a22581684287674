import fc from 'fast-check';

import { isBankHoliday } from '../calendar/bank-holidays';
import { addDays, dayOfWeek } from '../calendar/local-date';
import { daysStrictlyBetween, localDate } from '../property-arbitraries.spec-helper';
import { isExceptedReleaseDay, scottishLiberation, scottishLiberationDate } from './liberation-date';

/**
 * The rule as liberation-date.ts states it (1993 Act s.27(7)–(7B) as substituted by the 2023 Act
 * s.8): (7)(a) a release due on an excepted day (s.27(7B): Friday, Saturday, Sunday, a public
 * holiday or the day before one) takes place on the last preceding day that is not excepted;
 * (7)(b) one due on a Thursday that is not excepted takes place on the last preceding day that is
 * neither excepted nor a Thursday; s.27(7A): a Thursday reached under (a) stays a Thursday.
 * Due dates stay a few weeks clear of the calendar's ends (2024–2045), since the walk back and
 * the day-after check both read it.
 */
const dueDate = localDate('2024-02-01', '2045-12-15');

describe('Scottish liberation date (properties)', () => {
  it('an excepted day is exactly Friday to Sunday, a Scottish bank holiday, or the day before one', () => {
    fc.assert(
      fc.property(dueDate, (d) => {
        const excepted =
          dayOfWeek(d) >= 5 || isBankHoliday('SCOTLAND', d) || isBankHoliday('SCOTLAND', addDays(d, 1));
        expect(isExceptedReleaseDay(d)).toBe(excepted);
      }),
    );
  });

  it('the liberation day is never after the due day and is never an excepted day', () => {
    fc.assert(
      fc.property(dueDate, (due) => {
        const liberation = scottishLiberationDate(due);
        expect(liberation <= due).toBe(true);
        expect(isExceptedReleaseDay(liberation)).toBe(false);
        expect(dayOfWeek(liberation)).toBeLessThanOrEqual(4);
        expect(isBankHoliday('SCOTLAND', liberation)).toBe(false);
        expect(isBankHoliday('SCOTLAND', addDays(liberation, 1))).toBe(false);
      }),
    );
  });

  it('applies the limb the due day calls for, moving to the last suitable preceding day', () => {
    fc.assert(
      fc.property(dueDate, (due) => {
        const { dueDate: echoed, liberationDate, adjustment } = scottishLiberation(due);
        expect(echoed).toBe(due);
        const skipped = daysStrictlyBetween(liberationDate, due);
        if (isExceptedReleaseDay(due)) {
          // (7)(a): every day skipped is excepted, so the liberation day is the last one that is not.
          expect(adjustment).toBe('EXCEPTED_DAY');
          expect(liberationDate < due).toBe(true);
          expect(skipped.every(isExceptedReleaseDay)).toBe(true);
        } else if (dayOfWeek(due) === 4) {
          // (7)(b): every day skipped is excepted or a Thursday.
          expect(adjustment).toBe('THURSDAY');
          expect(liberationDate < due).toBe(true);
          expect(dayOfWeek(liberationDate)).not.toBe(4);
          expect(skipped.every((d) => isExceptedReleaseDay(d) || dayOfWeek(d) === 4)).toBe(true);
        } else {
          expect(adjustment).toBe('NONE');
          expect(liberationDate).toBe(due);
        }
      }),
    );
  });

  it('a liberation day is a Thursday only when reached from an excepted day (s.27(7A))', () => {
    fc.assert(
      fc.property(dueDate, (due) => {
        const { liberationDate, adjustment } = scottishLiberation(due);
        if (dayOfWeek(liberationDate) === 4) expect(adjustment).toBe('EXCEPTED_DAY');
      }),
    );
  });

  // Applying the rule again to its own result changes nothing, except on a Thursday reached under
  // (7)(a): read afresh as a due date, that Thursday would fall under (7)(b) and move again. That is
  // why s.27(7A) keeps it: the rule is applied once, to the due date.
  it('is idempotent except on a Thursday reached from an excepted day', () => {
    fc.assert(
      fc.property(dueDate, (due) => {
        const liberation = scottishLiberationDate(due);
        const again = scottishLiberation(liberation);
        if (dayOfWeek(liberation) === 4) {
          expect(again.adjustment).toBe('THURSDAY');
          expect(again.liberationDate < liberation).toBe(true);
        } else {
          expect(again).toEqual({ dueDate: liberation, liberationDate: liberation, adjustment: 'NONE' });
        }
      }),
    );
  });
});
