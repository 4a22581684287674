import type { Jurisdiction } from '@throughcare/contracts';

import { addDays, dayOfWeek, formatLocalDate, isWeekend, type LocalDate } from './local-date';

/** One bank holiday as gov.uk lists it (gov.uk's own titles, curly apostrophes included). */
export interface BankHoliday {
  readonly date: LocalDate;
  readonly title: string;
}

/**
 * Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
 */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatLocalDate(year, month, day);
}

function firstMonday(year: number, month: number): LocalDate {
  const first = formatLocalDate(year, month, 1);
  return addDays(first, (8 - dayOfWeek(first)) % 7);
}

function lastMonday(year: number, month: number): LocalDate {
  const last = formatLocalDate(year, month + 1, 0);
  return addDays(last, -((dayOfWeek(last) + 6) % 7));
}

/**
 * The standing rules of the Banking and Financial Dealings Act 1971 (Sch. 1), the
 * St Andrew's Day Bank Holiday (Scotland) Act 2007 and the customary annual proclamation
 * of substitute days. They cannot know one-off changes (e.g. 8 May 2020, June 2022,
 * 19 Sep 2022, 8 May 2023): the gov.uk table overrides them where it has data.
 *
 * Substitutes: a fixed-date holiday on a Saturday or Sunday moves to the next weekday
 * that is not already a holiday, taken in date order. That yields Christmas Sat →
 * Mon 27 / Boxing Day Sun → Tue 28, Christmas Sun → Tue 27 (Boxing Day keeps Mon 26),
 * New Year Sun → Tue 3 in Scotland (2 January keeps Mon 2), and St Andrew's Day on a
 * weekend → the following Monday.
 */
export function generateBankHolidays(jurisdiction: Jurisdiction, year: number): readonly BankHoliday[] {
  const easter = easterSunday(year);
  const movable: BankHoliday[] = [
    { date: addDays(easter, -2), title: 'Good Friday' },
    { date: firstMonday(year, 5), title: 'Early May bank holiday' },
    { date: lastMonday(year, 5), title: 'Spring bank holiday' },
  ];
  const fixed: BankHoliday[] = [{ date: formatLocalDate(year, 1, 1), title: 'New Year’s Day' }];

  if (jurisdiction === 'SCOTLAND') {
    fixed.push({ date: formatLocalDate(year, 1, 2), title: '2nd January' });
    movable.push({ date: firstMonday(year, 8), title: 'Summer bank holiday' });
    fixed.push({ date: formatLocalDate(year, 11, 30), title: 'St Andrew’s Day' });
  } else {
    movable.push({ date: addDays(easter, 1), title: 'Easter Monday' });
    movable.push({ date: lastMonday(year, 8), title: 'Summer bank holiday' });
  }
  fixed.push({ date: formatLocalDate(year, 12, 25), title: 'Christmas Day' });
  fixed.push({ date: formatLocalDate(year, 12, 26), title: 'Boxing Day' });

  const holidays = [...movable, ...fixed.filter((h) => !isWeekend(h.date))];
  const taken = new Set(holidays.map((h) => h.date));
  for (const onWeekend of fixed.filter((h) => isWeekend(h.date))) {
    let substitute = addDays(onWeekend.date, 1);
    while (isWeekend(substitute) || taken.has(substitute)) substitute = addDays(substitute, 1);
    taken.add(substitute);
    holidays.push({ date: substitute, title: `${onWeekend.title} (substitute day)` });
  }
  return holidays.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}
