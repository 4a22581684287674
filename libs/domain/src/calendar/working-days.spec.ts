import { CalendarOutOfRangeError, InvalidArgumentError } from '../errors';
import {
  addWorkingDays,
  isWorkingDay,
  nextWorkingDay,
  subtractWorkingDays,
  previousWorkingDay,
  workingDaysBetween,
} from './working-days';

describe('working days', () => {
  it('excludes weekends and each jurisdiction’s own bank holidays', () => {
    expect(isWorkingDay('ENGLAND_AND_WALES', '2026-04-06')).toBe(false); // Easter Monday
    expect(isWorkingDay('SCOTLAND', '2026-04-06')).toBe(true);
    expect(isWorkingDay('SCOTLAND', '2026-01-02')).toBe(false); // 2 January
    expect(isWorkingDay('ENGLAND_AND_WALES', '2026-01-02')).toBe(true);
    expect(isWorkingDay('SCOTLAND', '2025-12-01')).toBe(false); // St Andrew's substitute
    expect(isWorkingDay('ENGLAND_AND_WALES', '2025-12-01')).toBe(true);
    expect(isWorkingDay('ENGLAND_AND_WALES', '2026-04-04')).toBe(false); // Saturday
  });

  it('finds the next and previous working day, strictly after/before', () => {
    expect(nextWorkingDay('ENGLAND_AND_WALES', '2026-04-02')).toBe('2026-04-07');
    expect(nextWorkingDay('SCOTLAND', '2026-04-02')).toBe('2026-04-06');
    expect(nextWorkingDay('SCOTLAND', '2026-03-16')).toBe('2026-03-17');
    expect(previousWorkingDay('ENGLAND_AND_WALES', '2026-04-07')).toBe('2026-04-02');
    expect(previousWorkingDay('SCOTLAND', '2026-01-05')).toBe('2025-12-31');
  });

  it('adds working days across a bank-holiday weekend', () => {
    expect(addWorkingDays('ENGLAND_AND_WALES', '2026-04-02', 5)).toBe('2026-04-13');
    expect(addWorkingDays('SCOTLAND', '2026-04-02', 5)).toBe('2026-04-10');
    expect(addWorkingDays('SCOTLAND', '2025-12-31', 1)).toBe('2026-01-05');
    expect(addWorkingDays('ENGLAND_AND_WALES', '2025-12-31', 1)).toBe('2026-01-02');
  });

  it('with n = 0 returns the date if working, else the next working day', () => {
    expect(addWorkingDays('ENGLAND_AND_WALES', '2026-04-02', 0)).toBe('2026-04-02');
    expect(addWorkingDays('ENGLAND_AND_WALES', '2026-04-04', 0)).toBe('2026-04-07');
    expect(addWorkingDays('SCOTLAND', '2026-04-04', 0)).toBe('2026-04-06');
    expect(addWorkingDays('ENGLAND_AND_WALES', '2026-04-04', 1)).toBe('2026-04-08');
  });

  it('rejects negative or fractional counts', () => {
    expect(() => addWorkingDays('SCOTLAND', '2026-04-02', -1)).toThrow(InvalidArgumentError);
    expect(() => addWorkingDays('SCOTLAND', '2026-04-02', 1.5)).toThrow(InvalidArgumentError);
  });

  it('fails loudly when arithmetic leaves the calendar', () => {
    expect(() => addWorkingDays('ENGLAND_AND_WALES', '2045-12-20', 10)).toThrow(CalendarOutOfRangeError);
  });

  it('counts working days after `from` up to and including `to`', () => {
    expect(workingDaysBetween('ENGLAND_AND_WALES', '2026-04-02', '2026-04-13')).toBe(5);
    expect(workingDaysBetween('SCOTLAND', '2026-04-02', '2026-04-13')).toBe(6);
    expect(workingDaysBetween('SCOTLAND', '2026-04-13', '2026-04-02')).toBe(-6);
    expect(workingDaysBetween('SCOTLAND', '2026-04-02', '2026-04-02')).toBe(0);
    expect(workingDaysBetween('ENGLAND_AND_WALES', '2026-04-03', '2026-04-06')).toBe(0);
  });
});

describe('subtractWorkingDays', () => {
  it("counts back over weekends and the jurisdiction's bank holidays", () => {
    // Tue 7 April 2026: Easter Monday (6th) is a holiday in England & Wales only; Good Friday in both.
    expect(subtractWorkingDays('ENGLAND_AND_WALES', '2026-04-07', 1)).toBe('2026-04-02');
    expect(subtractWorkingDays('SCOTLAND', '2026-04-07', 1)).toBe('2026-04-06');
    expect(subtractWorkingDays('SCOTLAND', '2026-04-07', 2)).toBe('2026-04-02');
  });
  it('refuses zero or a fraction', () => {
    expect(() => subtractWorkingDays('SCOTLAND', '2026-04-07', 0)).toThrow(/whole number/);
    expect(() => subtractWorkingDays('SCOTLAND', '2026-04-07', 1.5)).toThrow(/whole number/);
  });
});

describe('working-day counts are validated with the value given', () => {
  it('says which count it refused', () => {
    expect(() => addWorkingDays('SCOTLAND', '2026-04-02', -1)).toThrow(
      new InvalidArgumentError('Working days must be a whole number ≥ 0, got -1'),
    );
    expect(() => subtractWorkingDays('SCOTLAND', '2026-04-02', 0)).toThrow(
      new InvalidArgumentError('Working days before must be a whole number ≥ 1, got 0'),
    );
  });
});
