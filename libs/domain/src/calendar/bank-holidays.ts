import type { Jurisdiction } from '@throughcare/contracts';

import { CalendarOutOfRangeError } from '../errors';
import { type BankHoliday, generateBankHolidays } from './bank-holiday-rules';
import { GOV_UK_BANK_HOLIDAYS, GOV_UK_BANK_HOLIDAYS_SOURCE } from './gov-uk-bank-holidays';
import { type LocalDate, yearOf } from './local-date';

/** Years the calendar answers for; anything else throws {@link CalendarOutOfRangeError}. */
export const BANK_HOLIDAY_YEARS = { first: 2024, last: 2035 } as const;

export const BANK_HOLIDAY_CALENDAR_SOURCE =
  `${GOV_UK_BANK_HOLIDAYS_SOURCE} (2025–2027 literal); other years generated from the Banking and ` +
  'Financial Dealings Act 1971 Sch. 1, the St Andrew’s Day Bank Holiday (Scotland) Act 2007 and the ' +
  'customary substitute-day proclamations';

const JURISDICTIONS: readonly Jurisdiction[] = ['SCOTLAND', 'ENGLAND_AND_WALES'];

function buildCalendar(jurisdiction: Jurisdiction): ReadonlyMap<number, readonly BankHoliday[]> {
  const years = new Map<number, readonly BankHoliday[]>();
  for (let year = BANK_HOLIDAY_YEARS.first; year <= BANK_HOLIDAY_YEARS.last; year++) {
    years.set(year, GOV_UK_BANK_HOLIDAYS[jurisdiction][year] ?? generateBankHolidays(jurisdiction, year));
  }
  return years;
}

const CALENDAR = new Map(JURISDICTIONS.map((j) => [j, buildCalendar(j)] as const));
const DATES = new Map(
  JURISDICTIONS.map(
    (j) => [j, new Map([...(CALENDAR.get(j)?.values() ?? [])].flat().map((h) => [h.date, h]))] as const,
  ),
);

/** The bank holidays of one year, in date order (the gov.uk table where it has the year). */
export function bankHolidays(jurisdiction: Jurisdiction, year: number): readonly BankHoliday[] {
  const holidays = CALENDAR.get(jurisdiction)?.get(year);
  if (!holidays) throw new CalendarOutOfRangeError(year, BANK_HOLIDAY_YEARS.first, BANK_HOLIDAY_YEARS.last);
  return holidays;
}

/** The bank holiday on `date`, or undefined when it is not one. Throws outside {@link BANK_HOLIDAY_YEARS}. */
export function bankHolidayOn(jurisdiction: Jurisdiction, date: LocalDate): BankHoliday | undefined {
  bankHolidays(jurisdiction, yearOf(date));
  return DATES.get(jurisdiction)?.get(date);
}

export function isBankHoliday(jurisdiction: Jurisdiction, date: LocalDate): boolean {
  return bankHolidayOn(jurisdiction, date) !== undefined;
}
