import type { Jurisdiction } from '@throughcare/contracts';

import { CalendarOutOfRangeError } from '../errors';
import { easterSunday, generateBankHolidays } from './bank-holiday-rules';
import { BANK_HOLIDAY_YEARS, bankHolidayOn, bankHolidays, isBankHoliday } from './bank-holidays';
import { GOV_UK_BANK_HOLIDAYS, KNOWN_ONE_OFF_DIFFERENCES } from './gov-uk-bank-holidays';

const dates = (j: Jurisdiction, year: number) => bankHolidays(j, year).map((h) => h.date);

describe('bank-holiday calendar', () => {
  it.each([
    // year, Easter Monday (E&W), Scottish summer, E&W summer, St Andrew's Day (or substitute)
    [2024, '2024-04-01', '2024-08-05', '2024-08-26', '2024-12-02'],
    [2025, '2025-04-21', '2025-08-04', '2025-08-25', '2025-12-01'],
    [2026, '2026-04-06', '2026-08-03', '2026-08-31', '2026-11-30'],
    [2027, '2027-03-29', '2027-08-02', '2027-08-30', '2027-11-30'],
    [2028, '2028-04-17', '2028-08-07', '2028-08-28', '2028-11-30'],
    [2029, '2029-04-02', '2029-08-06', '2029-08-27', '2029-11-30'],
    [2030, '2030-04-22', '2030-08-05', '2030-08-26', '2030-12-02'],
    [2031, '2031-04-14', '2031-08-04', '2031-08-25', '2031-12-01'],
    [2032, '2032-03-29', '2032-08-02', '2032-08-30', '2032-11-30'],
    [2033, '2033-04-18', '2033-08-01', '2033-08-29', '2033-11-30'],
    [2034, '2034-04-10', '2034-08-07', '2034-08-28', '2034-11-30'],
    [2035, '2035-03-26', '2035-08-06', '2035-08-27', '2035-11-30'],
    // 2036-2045 checked against python-dateutil's easter() and the Act's Monday rules, not this code.
    [2036, '2036-04-14', '2036-08-04', '2036-08-25', '2036-12-01'],
    [2037, '2037-04-06', '2037-08-03', '2037-08-31', '2037-11-30'],
    [2038, '2038-04-26', '2038-08-02', '2038-08-30', '2038-11-30'],
    [2039, '2039-04-11', '2039-08-01', '2039-08-29', '2039-11-30'],
    [2040, '2040-04-02', '2040-08-06', '2040-08-27', '2040-11-30'],
    [2041, '2041-04-22', '2041-08-05', '2041-08-26', '2041-12-02'],
    [2042, '2042-04-07', '2042-08-04', '2042-08-25', '2042-12-01'],
    [2043, '2043-03-30', '2043-08-03', '2043-08-31', '2043-11-30'],
    [2044, '2044-04-18', '2044-08-01', '2044-08-29', '2044-11-30'],
    [2045, '2045-04-10', '2045-08-07', '2045-08-28', '2045-11-30'],
  ])(
    '%i: 8 days in E&W, 9 in Scotland, with the known dates',
    (year, easterMonday, scotSummer, ewSummer, standrew) => {
      expect(bankHolidays('ENGLAND_AND_WALES', year)).toHaveLength(8);
      expect(bankHolidays('SCOTLAND', year)).toHaveLength(9);
      expect(dates('ENGLAND_AND_WALES', year)).toEqual(expect.arrayContaining([easterMonday, ewSummer]));
      expect(dates('SCOTLAND', year)).toEqual(expect.arrayContaining([scotSummer, standrew]));
      expect(dates('SCOTLAND', year)).not.toContain(easterMonday);
      expect(dates('ENGLAND_AND_WALES', year)).not.toContain(standrew);
    },
  );

  it('covers exactly 2024-2045 and throws a typed error outside it', () => {
    expect(BANK_HOLIDAY_YEARS).toEqual({ first: 2024, last: 2045 });
    expect(() => bankHolidays('SCOTLAND', 2046)).toThrow(CalendarOutOfRangeError);
    expect(() => isBankHoliday('ENGLAND_AND_WALES', '2023-12-25')).toThrow(
      expect.objectContaining({ code: 'DOMAIN_CALENDAR_OUT_OF_RANGE', year: 2023 }),
    );
  });

  // Reads the real clock on purpose: this test starts failing the year the calendar's margin drops
  // below ten years, which is the signal to raise BANK_HOLIDAY_YEARS.last (existing years keep their dates).
  it.each(['SCOTLAND', 'ENGLAND_AND_WALES'] as const)(
    'answers for every year from today to at least ten years ahead (%s)',
    (jurisdiction) => {
      const today = new Date();
      const tenYearsAhead = today.getUTCFullYear() + 10;
      expect(BANK_HOLIDAY_YEARS.last).toBeGreaterThanOrEqual(tenYearsAhead);
      for (let year = today.getUTCFullYear(); year <= tenYearsAhead; year++) {
        expect(bankHolidays(jurisdiction, year).length).toBeGreaterThanOrEqual(8);
      }
    },
  );

  it('has Easter Monday in England & Wales only', () => {
    expect(bankHolidayOn('ENGLAND_AND_WALES', '2026-04-06')?.title).toBe('Easter Monday');
    expect(isBankHoliday('SCOTLAND', '2026-04-06')).toBe(false);
    expect(isBankHoliday('SCOTLAND', '2026-04-03')).toBe(true);
  });

  it('has 2 January in Scotland only, with its substitute when it falls on a weekend', () => {
    expect(bankHolidayOn('SCOTLAND', '2026-01-02')?.title).toBe('2nd January');
    expect(isBankHoliday('ENGLAND_AND_WALES', '2026-01-02')).toBe(false);
    expect(bankHolidayOn('SCOTLAND', '2027-01-04')?.title).toBe('2nd January (substitute day)');
    expect(isBankHoliday('ENGLAND_AND_WALES', '2027-01-04')).toBe(false);
  });

  it('moves St Andrew’s Day on a Sunday (30 Nov 2025) to Monday 1 December in Scotland only', () => {
    expect(isBankHoliday('SCOTLAND', '2025-11-30')).toBe(false);
    expect(bankHolidayOn('SCOTLAND', '2025-12-01')?.title).toBe('St Andrew’s Day (substitute day)');
    expect(isBankHoliday('ENGLAND_AND_WALES', '2025-12-01')).toBe(false);
  });

  it('gives Christmas and Boxing Day substitutes (2026 Boxing Day Saturday, 2027 both at the weekend)', () => {
    expect(dates('ENGLAND_AND_WALES', 2026).slice(-2)).toEqual(['2026-12-25', '2026-12-28']);
    expect(dates('SCOTLAND', 2027).slice(-2)).toEqual(['2027-12-27', '2027-12-28']);
  });

  it('generates a whole year beyond the gov.uk table (2028)', () => {
    expect(dates('ENGLAND_AND_WALES', 2028)).toEqual([
      '2028-01-03',
      '2028-04-14',
      '2028-04-17',
      '2028-05-01',
      '2028-05-29',
      '2028-08-28',
      '2028-12-25',
      '2028-12-26',
    ]);
    expect(dates('SCOTLAND', 2028)).toEqual([
      '2028-01-03',
      '2028-01-04',
      '2028-04-14',
      '2028-05-01',
      '2028-05-29',
      '2028-08-07',
      '2028-11-30',
      '2028-12-25',
      '2028-12-26',
    ]);
    expect(bankHolidayOn('SCOTLAND', '2028-01-04')?.title).toBe('2nd January (substitute day)');
  });

  describe('rules cross-checked against the literal gov.uk table', () => {
    it.each([2025, 2026, 2027])('%i: the rules reproduce gov.uk exactly (no one-offs)', (year) => {
      expect(KNOWN_ONE_OFF_DIFFERENCES).toEqual([]);
      for (const j of ['SCOTLAND', 'ENGLAND_AND_WALES'] as const) {
        expect(generateBankHolidays(j, year)).toEqual(GOV_UK_BANK_HOLIDAYS[j][year]);
        expect(bankHolidays(j, year)).toBe(GOV_UK_BANK_HOLIDAYS[j][year]);
      }
    });

    it('handles the New Year pairings the gov.uk table shows for earlier years', () => {
      // 2022: 1 Jan Sat, 2 Jan Sun → Mon 3, Tue 4. 2023: 1 Jan Sun → Tue 3 (2 Jan keeps Mon 2).
      expect(generateBankHolidays('SCOTLAND', 2022).slice(0, 2)).toEqual([
        { date: '2022-01-03', title: 'New Year’s Day (substitute day)' },
        { date: '2022-01-04', title: '2nd January (substitute day)' },
      ]);
      expect(generateBankHolidays('SCOTLAND', 2023).slice(0, 2)).toEqual([
        { date: '2023-01-02', title: '2nd January' },
        { date: '2023-01-03', title: 'New Year’s Day (substitute day)' },
      ]);
      // 2022: Christmas Sunday → Boxing Day keeps Mon 26, Christmas moves to Tue 27.
      expect(generateBankHolidays('ENGLAND_AND_WALES', 2022).slice(-2)).toEqual([
        { date: '2022-12-26', title: 'Boxing Day' },
        { date: '2022-12-27', title: 'Christmas Day (substitute day)' },
      ]);
    });
  });

  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2029, '2029-04-01'],
    [2030, '2030-04-21'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('Easter Sunday %i is %s', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });
});

describe('Easter Sunday in the years its algorithm corrects (Meeus/Jones/Butcher)', () => {
  it.each([
    [1954, '1954-04-18'], // the April-25 correction (m = 1): 18 April, not 25
    [1981, '1981-04-19'],
    [2049, '2049-04-18'],
    [2076, '2076-04-19'],
    [2008, '2008-03-23'], // early
    [2011, '2011-04-24'], // late
    [2014, '2014-04-20'], // golden number 1 (year % 19 === 0)
    [2000, '2000-04-23'],
  ])('%i: %s', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });
});
