import fc from 'fast-check';

import { jurisdictions } from '../property-arbitraries.spec-helper';
import { easterSunday, generateBankHolidays } from './bank-holiday-rules';
import { BANK_HOLIDAY_YEARS, bankHolidays, isBankHoliday } from './bank-holidays';
import { addDays, dayOfWeek, formatLocalDate, parseLocalDate } from './local-date';

const anyYear = fc.integer({ min: 1900, max: 2400 });
const calendarYear = fc.integer({ min: BANK_HOLIDAY_YEARS.first, max: BANK_HOLIDAY_YEARS.last });

/** The holiday with `title` (exactly, or as its substitute day) in a generated year. */
function holiday(holidays: readonly { date: string; title: string }[], title: string) {
  return holidays.find((h) => h.title === title || h.title === `${title} (substitute day)`);
}

describe('bank-holiday rules (properties)', () => {
  it('Easter Sunday is a Sunday from 22 March to 25 April', () => {
    fc.assert(
      fc.property(anyYear, (year) => {
        const easter = easterSunday(year);
        expect(dayOfWeek(easter)).toBe(7);
        expect(easter >= formatLocalDate(year, 3, 22) && easter <= formatLocalDate(year, 4, 25)).toBe(true);
      }),
    );
  });

  it('a generated year has 8 (England & Wales) or 9 (Scotland) distinct weekdays, in date order, in that year', () => {
    fc.assert(
      fc.property(jurisdictions, anyYear, (j, year) => {
        const holidays = generateBankHolidays(j, year);
        expect(holidays).toHaveLength(j === 'SCOTLAND' ? 9 : 8);
        holidays.forEach((h, i) => {
          expect(parseLocalDate(h.date).year).toBe(year);
          expect(dayOfWeek(h.date)).toBeLessThanOrEqual(5);
          if (i > 0) expect(h.date > (holidays[i - 1]?.date as string)).toBe(true);
        });
      }),
    );
  });

  it('places the movable holidays by the 1971 Act Sch. 1 rules of each jurisdiction', () => {
    fc.assert(
      fc.property(jurisdictions, anyYear, (j, year) => {
        const holidays = generateBankHolidays(j, year);
        const easter = easterSunday(year);
        const monday = (title: string, month: number, firstDay: number, lastDay: number) => {
          const h = holiday(holidays, title);
          expect(h).toBeDefined();
          const { month: m, day } = parseLocalDate(h?.date as string);
          expect([dayOfWeek(h?.date as string), m]).toEqual([1, month]);
          expect(day >= firstDay && day <= lastDay).toBe(true);
        };
        expect(holiday(holidays, 'Good Friday')?.date).toBe(addDays(easter, -2));
        expect(holiday(holidays, 'Easter Monday')?.date).toBe(
          j === 'ENGLAND_AND_WALES' ? addDays(easter, 1) : undefined,
        );
        monday('Early May bank holiday', 5, 1, 7);
        monday('Spring bank holiday', 5, 25, 31);
        if (j === 'SCOTLAND') monday('Summer bank holiday', 8, 1, 7);
        else monday('Summer bank holiday', 8, 25, 31);
      }),
    );
  });

  it('keeps a fixed-date holiday on its day on a weekday, else gives the first free weekday after it', () => {
    fc.assert(
      fc.property(jurisdictions, anyYear, (j, year) => {
        const holidays = generateBankHolidays(j, year);
        const fixed: [string, number, number][] = [
          ['New Year’s Day', 1, 1],
          ['Christmas Day', 12, 25],
          ['Boxing Day', 12, 26],
        ];
        if (j === 'SCOTLAND') fixed.push(['2nd January', 1, 2], ['St Andrew’s Day', 11, 30]);
        for (const [title, month, day] of fixed) {
          const date = formatLocalDate(year, month, day);
          const h = holiday(holidays, title);
          if (dayOfWeek(date) <= 5) {
            expect(h).toEqual({ date, title });
          } else {
            expect(h?.title).toBe(`${title} (substitute day)`);
            expect((h?.date as string) > date).toBe(true);
            // Every weekday between the holiday and its substitute is already a holiday.
            for (let d = addDays(date, 1); d < (h?.date as string); d = addDays(d, 1)) {
              if (dayOfWeek(d) <= 5) expect(holidays.some((x) => x.date === d)).toBe(true);
            }
          }
        }
      }),
    );
  });

  it('isBankHoliday is membership of the year’s calendar', () => {
    fc.assert(
      fc.property(jurisdictions, calendarYear, fc.integer({ min: 1, max: 365 }), (j, year, dayOfYear) => {
        const date = addDays(formatLocalDate(year, 1, 1), dayOfYear - 1);
        expect(isBankHoliday(j, date)).toBe(bankHolidays(j, year).some((h) => h.date === date));
      }),
    );
  });
});
