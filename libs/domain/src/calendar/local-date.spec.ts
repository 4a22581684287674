import { InvalidLocalDateError } from '../errors';
import { addDays, addMonths, ageOn, dayOfWeek, daysBetween, isWeekend, parseLocalDate } from './local-date';

describe('local dates', () => {
  it('parses real dates and rejects impossible ones with a stable code', () => {
    expect(parseLocalDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(() => parseLocalDate('2026-02-29')).toThrow(InvalidLocalDateError);
    expect(() => parseLocalDate('2026-4-2')).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_LOCAL_DATE' }),
    );
  });

  it('does day arithmetic across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-04-02', '2026-07-30')).toBe(119);
  });

  it('knows the day of the week (ISO, Monday = 1)', () => {
    expect(dayOfWeek('2026-04-03')).toBe(5);
    expect(dayOfWeek('2026-04-05')).toBe(7);
    expect(dayOfWeek('1969-12-29')).toBe(1);
    expect(isWeekend('2026-04-04')).toBe(true);
    expect(isWeekend('2026-04-06')).toBe(false);
  });
});

describe('addMonths', () => {
  it('keeps the day of the month, clamping to a shorter month', () => {
    expect(addMonths('2026-01-15', 6)).toBe('2026-07-15');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-11-30', 14)).toBe('2028-01-30');
  });
});

describe('ageOn', () => {
  it('counts whole years, a birthday from its own day and 29 February from 1 March in a common year', () => {
    expect(ageOn('1990-06-15', '2026-06-14')).toBe(35);
    expect(ageOn('1990-06-15', '2026-06-15')).toBe(36);
    expect(ageOn('1990-06-15', '2026-12-31')).toBe(36);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2028-02-29')).toBe(20);
    expect(() => ageOn('1990-02-30', '2026-01-01')).toThrow(InvalidLocalDateError);
  });
});
