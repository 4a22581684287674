import type { Jurisdiction } from '@throughcare/contracts';

import type { BankHoliday } from './bank-holiday-rules';

/**
 * Literal copy of the published calendar, source: https://www.gov.uk/bank-holidays
 * (machine-readable: https://www.gov.uk/bank-holidays.json, divisions
 * `england-and-wales` and `scotland`), transcribed for 2025–2027.
 *
 * Where this table has a year it replaces the generated rules for that year, so real
 * one-off changes (an extra or moved day announced by proclamation) are entered here.
 * When gov.uk publishes a new year or a one-off, add the whole year here and, if it
 * differs from the rules, record the difference in KNOWN_ONE_OFF_DIFFERENCES.
 */
export const GOV_UK_BANK_HOLIDAYS_SOURCE = 'https://www.gov.uk/bank-holidays';

export const GOV_UK_BANK_HOLIDAYS: Readonly<
  Record<Jurisdiction, Readonly<Record<number, readonly BankHoliday[]>>>
> = {
  ENGLAND_AND_WALES: {
    2025: [
      { date: '2025-01-01', title: 'New Year’s Day' },
      { date: '2025-04-18', title: 'Good Friday' },
      { date: '2025-04-21', title: 'Easter Monday' },
      { date: '2025-05-05', title: 'Early May bank holiday' },
      { date: '2025-05-26', title: 'Spring bank holiday' },
      { date: '2025-08-25', title: 'Summer bank holiday' },
      { date: '2025-12-25', title: 'Christmas Day' },
      { date: '2025-12-26', title: 'Boxing Day' },
    ],
    2026: [
      { date: '2026-01-01', title: 'New Year’s Day' },
      { date: '2026-04-03', title: 'Good Friday' },
      { date: '2026-04-06', title: 'Easter Monday' },
      { date: '2026-05-04', title: 'Early May bank holiday' },
      { date: '2026-05-25', title: 'Spring bank holiday' },
      { date: '2026-08-31', title: 'Summer bank holiday' },
      { date: '2026-12-25', title: 'Christmas Day' },
      { date: '2026-12-28', title: 'Boxing Day (substitute day)' },
    ],
    2027: [
      { date: '2027-01-01', title: 'New Year’s Day' },
      { date: '2027-03-26', title: 'Good Friday' },
      { date: '2027-03-29', title: 'Easter Monday' },
      { date: '2027-05-03', title: 'Early May bank holiday' },
      { date: '2027-05-31', title: 'Spring bank holiday' },
      { date: '2027-08-30', title: 'Summer bank holiday' },
      { date: '2027-12-27', title: 'Christmas Day (substitute day)' },
      { date: '2027-12-28', title: 'Boxing Day (substitute day)' },
    ],
  },
  SCOTLAND: {
    2025: [
      { date: '2025-01-01', title: 'New Year’s Day' },
      { date: '2025-01-02', title: '2nd January' },
      { date: '2025-04-18', title: 'Good Friday' },
      { date: '2025-05-05', title: 'Early May bank holiday' },
      { date: '2025-05-26', title: 'Spring bank holiday' },
      { date: '2025-08-04', title: 'Summer bank holiday' },
      { date: '2025-12-01', title: 'St Andrew’s Day (substitute day)' },
      { date: '2025-12-25', title: 'Christmas Day' },
      { date: '2025-12-26', title: 'Boxing Day' },
    ],
    2026: [
      { date: '2026-01-01', title: 'New Year’s Day' },
      { date: '2026-01-02', title: '2nd January' },
      { date: '2026-04-03', title: 'Good Friday' },
      { date: '2026-05-04', title: 'Early May bank holiday' },
      { date: '2026-05-25', title: 'Spring bank holiday' },
      { date: '2026-08-03', title: 'Summer bank holiday' },
      { date: '2026-11-30', title: 'St Andrew’s Day' },
      { date: '2026-12-25', title: 'Christmas Day' },
      { date: '2026-12-28', title: 'Boxing Day (substitute day)' },
    ],
    2027: [
      { date: '2027-01-01', title: 'New Year’s Day' },
      { date: '2027-01-04', title: '2nd January (substitute day)' },
      { date: '2027-03-26', title: 'Good Friday' },
      { date: '2027-05-03', title: 'Early May bank holiday' },
      { date: '2027-05-31', title: 'Spring bank holiday' },
      { date: '2027-08-02', title: 'Summer bank holiday' },
      { date: '2027-11-30', title: 'St Andrew’s Day' },
      { date: '2027-12-27', title: 'Christmas Day (substitute day)' },
      { date: '2027-12-28', title: 'Boxing Day (substitute day)' },
    ],
  },
};

/**
 * Dates on which the gov.uk table deliberately differs from the standing rules within
 * the table's years (none for 2025–2027). The cross-check test fails on any other difference.
 */
export const KNOWN_ONE_OFF_DIFFERENCES: readonly {
  jurisdiction: Jurisdiction;
  date: string;
  note: string;
}[] = [];
