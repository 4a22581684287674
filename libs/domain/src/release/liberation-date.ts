import { isBankHoliday } from '../calendar/bank-holidays';
import { addDays, dayOfWeek, type LocalDate } from '../calendar/local-date';

/**
 * Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7)–(7B) as substituted by
 * the Bail and Release from Custody (Scotland) Act 2023 s.8
 * (https://www.legislation.gov.uk/asp/2023/4/section/8; explanatory notes paras 35–38).
 */
export const SCOTTISH_LIBERATION_RULE_SOURCE =
  'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7)-(7B), as substituted by the Bail and Release from Custody (Scotland) Act 2023 s.8';

export type LiberationAdjustment = 'NONE' | 'EXCEPTED_DAY' | 'THURSDAY';

export interface ScottishLiberation {
  /** The day the prisoner would otherwise fall to be released. */
  readonly dueDate: LocalDate;
  /** The day release actually takes place. */
  readonly liberationDate: LocalDate;
  /** Which limb of s.27(7) moved it: (a) an excepted day, (b) a Thursday, or none. */
  readonly adjustment: LiberationAdjustment;
}

/**
 * s.27(7B)(a): Friday, Saturday, Sunday, a public holiday, or the day before a public
 * holiday. Public holidays are taken as the Scottish bank holidays of this library's calendar;
 * local public holidays (which vary by council) are not modelled.
 */
export function isExceptedReleaseDay(date: LocalDate): boolean {
  const weekday = dayOfWeek(date);
  return weekday >= 5 || isBankHoliday('SCOTLAND', date) || isBankHoliday('SCOTLAND', addDays(date, 1));
}

function lastPrecedingDay(date: LocalDate, suitable: (day: LocalDate) => boolean): LocalDate {
  let day = addDays(date, -1);
  while (!suitable(day)) day = addDays(day, -1);
  return day;
}

/**
 * Applies the Scottish no-Friday-release rule to a due release date:
 * - (7)(a) due on an excepted day → the last preceding day that is not excepted (which may
 *   be a Thursday: a Friday, weekend or holiday-Monday release becomes the Thursday before);
 * - (7)(b) due on an ordinary Thursday → the last preceding day that is neither excepted nor
 *   a Thursday (normally the Wednesday);
 * - otherwise unchanged.
 * A Thursday reached under (7)(a) stays a Thursday (s.27(7A)).
 *
 * Note s.8 was "prospective" at Royal Assent (commenced by regulations under s.18(2)):
 * callers decide from which date the rule applies.
 */
export function scottishLiberation(dueDate: LocalDate): ScottishLiberation {
  if (isExceptedReleaseDay(dueDate)) {
    return {
      dueDate,
      liberationDate: lastPrecedingDay(dueDate, (d) => !isExceptedReleaseDay(d)),
      adjustment: 'EXCEPTED_DAY',
    };
  }
  if (dayOfWeek(dueDate) === 4) {
    const liberationDate = lastPrecedingDay(dueDate, (d) => !isExceptedReleaseDay(d) && dayOfWeek(d) !== 4);
    return { dueDate, liberationDate, adjustment: 'THURSDAY' };
  }
  return { dueDate, liberationDate: dueDate, adjustment: 'NONE' };
}

/** The day a Scottish prisoner due for release on `dueDate` is actually liberated. */
export function scottishLiberationDate(dueDate: LocalDate): LocalDate {
  return scottishLiberation(dueDate).liberationDate;
}
