import { ceilProportionOfDays, describeRational, rationalLessThan } from './rational';
import { termAtLeastYears, termDays, termEndDate } from './term';

describe('term end and day counts', () => {
  it.each([
    ['2025-03-03', { years: 2 }, '2027-03-02', 730],
    ['2024-01-08', { years: 1 }, '2025-01-07', 366], // includes 29 Feb 2024
    ['2025-08-31', { months: 6 }, '2026-02-27', 181], // 31 Aug + 6 months clamps to 28 Feb, minus a day
    ['2024-02-29', { years: 1, months: 1 }, '2025-03-27', 393], // years first: 28 Feb 2025, then 28 Mar, minus a day
    ['2025-03-03', { weeks: 2, days: 3 }, '2025-03-19', 17],
    ['2025-03-03', { days: 1 }, '2025-03-03', 1],
  ])('%s + %j ends on %s (%i days)', (start, term, end, days) => {
    expect(termEndDate(start, term)).toBe(end);
    expect(termDays(start, term)).toBe(days);
  });

  it('"4 years or more" is by calendar from the start', () => {
    expect(termAtLeastYears('2025-03-03', 1461, 4)).toBe(true); // 2025-03-03..2029-03-02
    expect(termAtLeastYears('2025-03-03', 1460, 4)).toBe(false);
  });
});

describe('proportions', () => {
  it('rounds a part day up, exactly', () => {
    expect(ceilProportionOfDays(730, { num: 2, den: 5 })).toBe(292);
    expect(ceilProportionOfDays(731, { num: 2, den: 5 })).toBe(293); // 292.4
    expect(ceilProportionOfDays(365, { num: 1, den: 2 })).toBe(183); // 182.5
    expect(ceilProportionOfDays(0, { num: 1, den: 2 })).toBe(0);
    expect(ceilProportionOfDays(10, { num: 3, den: 10 })).toBe(3);
  });

  it('compares and describes', () => {
    expect(rationalLessThan({ num: 2, den: 5 }, { num: 1, den: 2 })).toBe(true);
    expect(rationalLessThan({ num: 1, den: 2 }, { num: 2, den: 4 })).toBe(false);
    expect(describeRational({ num: 2, den: 5 })).toBe('2/5 (40%)');
    expect(describeRational({ num: 2, den: 3 })).toBe('2/3 (66.67%)');
  });

  it('refuses a malformed proportion or day count', () => {
    expect(() => ceilProportionOfDays(10, { num: 1, den: 0 })).toThrow();
    expect(() => ceilProportionOfDays(-1, { num: 1, den: 2 })).toThrow();
    expect(() => ceilProportionOfDays(1.5, { num: 1, den: 2 })).toThrow();
  });
});
