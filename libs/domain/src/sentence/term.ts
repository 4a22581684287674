import { addDays, addMonths, daysBetween, type LocalDate } from '../calendar/local-date';
import { InvalidSentenceInputError } from './errors';

/** A term as the court states it. Each part a non-negative whole number; at least one day in all. */
export interface SentenceTerm {
  readonly years?: number;
  readonly months?: number;
  readonly weeks?: number;
  readonly days?: number;
}

export function validateTerm(term: SentenceTerm, field: string): void {
  for (const part of ['years', 'months', 'weeks', 'days'] as const) {
    const v = term[part];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
      throw new InvalidSentenceInputError(
        `${field}.${part}`,
        `must be a non-negative whole number, got ${v}`,
      );
  }
  const { years = 0, months = 0, weeks = 0, days = 0 } = term;
  if (years + months + weeks + days === 0)
    throw new InvalidSentenceInputError(field, 'a term of no time at all');
}

export function describeTerm(term: SentenceTerm): string {
  const parts: string[] = [];
  const add = (n: number | undefined, one: string) => {
    if (n) parts.push(`${n} ${one}${n === 1 ? '' : 's'}`);
  };
  add(term.years, 'year');
  add(term.months, 'month');
  add(term.weeks, 'week');
  add(term.days, 'day');
  return parts.join(' ');
}

/**
 * The last day of a term that begins on `start` (the start day counts as the first day served):
 * the day before the same calendar date `years`, `months` later (a month is a calendar month,
 * Interpretation Act 1978 Sch.1; a day-of-month that does not exist clamps to the month's last
 * day), then `weeks` × 7 + `days` further days. Years are added before months, as the HMPPS
 * calculate-release-dates service does (java.time `plusYears(y).plusMonths(m).plusWeeks(w).plusDays(d)`,
 * then minus one day), so 29 Feb + 1 year 1 month ends on 27 Mar, not 28 Mar.
 */
export function termEndDate(start: LocalDate, term: SentenceTerm): LocalDate {
  const { years = 0, months = 0, weeks = 0, days = 0 } = term;
  const afterMonths = addMonths(addMonths(start, 12 * years), months);
  return addDays(afterMonths, 7 * weeks + days - 1);
}

/** Days in the term counted from `start`, both ends included. */
export function termDays(start: LocalDate, term: SentenceTerm): number {
  return daysBetween(start, termEndDate(start, term)) + 1;
}

/** Whether `days` from `start` are at least `years` years (e.g. "4 years or more"), by calendar. */
export function termAtLeastYears(start: LocalDate, days: number, years: number): boolean {
  return days >= termDays(start, { years });
}

/** Whether `days` from `start` are at least `months` calendar months. */
export function termAtLeastMonths(start: LocalDate, days: number, months: number): boolean {
  return days >= termDays(start, { months });
}
