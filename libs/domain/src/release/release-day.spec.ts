import fc from 'fast-check';
import { isBankHoliday } from '../calendar/bank-holidays';
import { addDays, isWeekend } from '../calendar/local-date';
import { isWorkingDay } from '../calendar/working-days';
import { calendarDate, jurisdictions } from '../property-arbitraries.spec-helper';
import { scottishLiberationDate } from './liberation-date';
import { RELEASE_DAY_RULES, releaseDay } from './release-day';

describe('England & Wales release day (Criminal Justice Act 1961 s.23(3), (3B)-(3D))', () => {
  it.each([
    ['2026-03-11', '2026-03-11', null], // Wednesday: a working day before a working day
    ['2026-03-12', '2026-03-12', null], // Thursday: Friday is a working day, no discretion
    ['2026-03-13', '2026-03-13', '2026-03-11'], // Friday: stays, may come forward to the Wednesday
    ['2026-03-14', '2026-03-13', '2026-03-11'], // Saturday → Friday (s.23(3))
    ['2026-03-15', '2026-03-13', '2026-03-11'], // Sunday → Friday
    // Easter Monday → Sunday, Saturday, Good Friday are not working days → Maundy Thursday; Thursday
    // is followed by Good Friday, so it may come forward two working days, to Tuesday.
    ['2026-04-06', '2026-04-02', '2026-03-31'],
    ['2026-04-02', '2026-04-02', '2026-03-31'], // the day before Good Friday, due as it is
    ['2026-12-25', '2026-12-24', '2026-12-22'], // Christmas Day (a Friday) → Thursday 24th
    ['2026-12-28', '2026-12-24', '2026-12-22'], // the substitute Boxing Day (Monday 28th) → Thursday 24th
  ])('due %s: released %s, earliest by discretion %s', (due, expected, earliest) => {
    const day = releaseDay('ENGLAND_AND_WALES', due);
    expect(day.liberationDate).toBe(expected);
    expect(day.discretion?.earliest ?? null).toBe(earliest);
    expect(day.rule.id).toBe('ENGLAND_AND_WALES_1961_S23_3');
    expect(day.explanation).toContain(due);
    if (earliest) expect(day.discretion?.source).toMatch(/s\.23\(3B\)-\(3D\)/);
  });

  it('does not bring forward a sentence of 5 days or less, and says when the length was not given', () => {
    expect(releaseDay('ENGLAND_AND_WALES', '2026-03-14', { sentenceDays: 5 })).toMatchObject({
      liberationDate: '2026-03-14',
      discretion: null,
      explanation: expect.stringMatching(/sentence of 5 days \(5 or fewer\) is not brought forward/),
    });
    expect(releaseDay('ENGLAND_AND_WALES', '2026-03-14', { sentenceDays: 6 }).liberationDate).toBe(
      '2026-03-13',
    );
    expect(releaseDay('ENGLAND_AND_WALES', '2026-03-14').caveats).toEqual([
      expect.stringMatching(/local holidays/),
      expect.stringMatching(/sentence length was not given/),
    ]);
    expect(releaseDay('ENGLAND_AND_WALES', '2026-03-13').caveats).toHaveLength(1);
  });

  it('answers only where the calendar has bank holidays (2024 onwards): the 2023 discretion is then always in force', () => {
    expect(() => releaseDay('ENGLAND_AND_WALES', '2023-12-08')).toThrow(/No bank-holiday data for 2023/);
  });

  it('explains a move in words: the day, why, and where it went', () => {
    expect(releaseDay('ENGLAND_AND_WALES', '2026-03-14').explanation).toBe(
      'Saturday 2026-03-14 is not a working day (a weekend): s.23(3) brings the release forward to the last preceding working day, Friday 2026-03-13',
    );
    expect(releaseDay('ENGLAND_AND_WALES', '2026-05-25').explanation).toMatch(
      /a bank holiday.*Friday 2026-05-22/,
    );
  });
});

describe('Scottish release day by the rule in force (1993 Act s.27(7); 2023 Act s.8)', () => {
  it('applies the 1993 rule while s.8 is not in force: a Friday and a Thursday stand', () => {
    expect(releaseDay('SCOTLAND', '2026-03-13')).toMatchObject({
      liberationDate: '2026-03-13',
      rule: { id: 'SCOTLAND_1993_S27_7' },
      explanation: expect.stringMatching(
        /s\.8 of the 2023 Act, the Friday and Thursday rule, is not in force/,
      ),
    });
    expect(releaseDay('SCOTLAND', '2026-03-12').liberationDate).toBe('2026-03-12');
    expect(releaseDay('SCOTLAND', '2026-03-14').liberationDate).toBe('2026-03-13');
    // Where s.8 would answer otherwise (a Saturday: the Thursday before), the answer says so.
    expect(releaseDay('SCOTLAND', '2026-03-14').caveats).toEqual([
      expect.stringMatching(/local holidays/),
      expect.stringMatching(
        /^if s\.8 of the Bail and Release from Custody \(Scotland\) Act 2023 has commenced, the release is brought forward to Thursday 2026-03-12: its commencement is unverified/,
      ),
    ]);
    // A Wednesday: both rules agree, nothing more to say.
    expect(releaseDay('SCOTLAND', '2026-03-11').caveats).toEqual([expect.stringMatching(/local holidays/)]);
    // Once s.8 is in force (policy data), its answer stands alone.
    expect(releaseDay('SCOTLAND', '2026-03-14', { scottishS8CommencesOn: '2026-01-01' }).caveats).toEqual([
      expect.stringMatching(/local holidays/),
    ]);
  });

  it.each([
    ['2026-03-12', '2026-03-12'], // Thursday: no Thursday rule before s.8
    ['2026-03-13', '2026-03-13'], // Friday: a Friday release stands before s.8
    ['2026-03-14', '2026-03-13'], // Saturday → Friday
    ['2026-03-15', '2026-03-13'], // Sunday → Friday
    ['2026-05-04', '2026-05-01'], // the Early May bank holiday (Monday) → Friday
    ['2026-11-30', '2026-11-27'], // St Andrew's Day (a Monday in 2026) → Friday
  ])('before a (given) s.8 commencement, due %s: released %s by s.27(7) as enacted', (due, expected) => {
    const day = releaseDay('SCOTLAND', due, { scottishS8CommencesOn: '2027-01-01' });
    expect(day).toMatchObject({ liberationDate: expected, rule: { id: 'SCOTLAND_1993_S27_7' } });
    expect(day.explanation).toContain('2027-01-01');
  });

  it('under s.8 (from a given commencement) the day agrees with liberation-date.ts', () => {
    for (const due of ['2027-03-11', '2027-03-12', '2027-03-13', '2027-05-03', '2027-11-26'])
      expect(releaseDay('SCOTLAND', due, { scottishS8CommencesOn: '2027-01-01' }).liberationDate).toBe(
        scottishLiberationDate(due),
      );
  });

  it('from the commencement, the s.8 rule: a Friday goes to the Thursday, a Thursday to the Wednesday', () => {
    const options = { scottishS8CommencesOn: '2027-01-01' };
    expect(releaseDay('SCOTLAND', '2027-01-08', options)).toMatchObject({
      liberationDate: '2027-01-07',
      rule: { id: 'SCOTLAND_2023_S8' },
    });
    expect(releaseDay('SCOTLAND', '2027-01-14', options).liberationDate).toBe('2027-01-13');
  });

  it('gives the s.26C window of 2 days, not for a sentence under 15 days', () => {
    expect(releaseDay('SCOTLAND', '2026-03-11').discretion).toMatchObject({
      earliest: '2026-03-09',
      source: expect.stringMatching(/s\.26C/),
    });
    expect(releaseDay('SCOTLAND', '2026-03-11', { sentenceDays: 14 }).discretion).toBeNull();
    expect(releaseDay('SCOTLAND', '2026-03-11', { sentenceDays: 15 }).discretion?.earliest).toBe(
      '2026-03-09',
    );
  });

  it('counts the s.26C window in working days since the 2019 Act s.49: a weekend and a Scottish holiday are not counted', () => {
    // Monday 16 March 2026: two working days back is Thursday 12 March (not Saturday 14 March).
    expect(releaseDay('SCOTLAND', '2026-03-16').discretion).toMatchObject({
      earliest: '2026-03-12',
      source: expect.stringMatching(
        /2 working days since the Management of Offenders \(Scotland\) Act 2019 s\.49/,
      ),
      condition: expect.stringMatching(
        /^the Scottish Ministers may bring the release forward by up to 2 working days/,
      ),
    });
    // Tuesday 5 January 2027: Monday 4 January is the substitute 2 January holiday (Scotland), and
    // 1 January a holiday: two working days back is Wednesday 30 December 2026.
    expect(releaseDay('SCOTLAND', '2027-01-05').discretion?.earliest).toBe('2026-12-30');
  });

  it('keeps every rule with its source, and says what is unverified', () => {
    expect(RELEASE_DAY_RULES.map((r) => r.id)).toEqual([
      'SCOTLAND_1993_S27_7',
      'SCOTLAND_2023_S8',
      'ENGLAND_AND_WALES_1961_S23_3',
    ]);
    for (const rule of RELEASE_DAY_RULES) expect(rule.url).toMatch(/^https:\/\/www\.legislation\.gov\.uk\//);
    expect(RELEASE_DAY_RULES.find((r) => r.id === 'SCOTLAND_2023_S8')).toMatchObject({
      inForceFrom: null,
      replaces: 'SCOTLAND_1993_S27_7',
      unverified: expect.stringMatching(/not known to be in force: .*only SSI 2025\/52/),
    });
  });
});

describe('release day properties', () => {
  it('never later than due, never more than five days earlier; England & Wales always on a working day', () => {
    // The longest runs of days off are at Christmas and New Year: four (e.g. Saturday 1 to Tuesday
    // 4 January 2022 in Scotland, with two substitute days), so a release moves at most four days
    // (every date of the calendar, 2024-03 to 2045-10, checked once: at most four). The bound
    // asserted here is five, a day looser than that, so a new longer run (an extra bank holiday
    // next to one) is not a failure of this property by itself.
    fc.assert(
      fc.property(jurisdictions, calendarDate, (jurisdiction, due) => {
        const { liberationDate, discretion } = releaseDay(jurisdiction, due);
        expect(liberationDate <= due).toBe(true);
        expect(liberationDate >= addDays(due, -5)).toBe(true);
        if (discretion) expect(discretion.earliest < liberationDate).toBe(true);
        if (jurisdiction === 'ENGLAND_AND_WALES') {
          expect(isWorkingDay('ENGLAND_AND_WALES', liberationDate)).toBe(true);
          if (discretion) expect(isWorkingDay('ENGLAND_AND_WALES', discretion.earliest)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('under s.8 a release moves at most 16 days (the Christmas and New Year holidays, with the days before them)', () => {
    fc.assert(
      fc.property(calendarDate, (due) => {
        const day = releaseDay('SCOTLAND', due, { scottishS8CommencesOn: '2024-01-01' }).liberationDate;
        expect(day <= due && day >= addDays(due, -16)).toBe(true);
      }),
      { numRuns: 500 },
    );
    // The counterexample that broke a one-week bound: due Thursday 3 January 2030.
    expect(releaseDay('SCOTLAND', '2030-01-03', { scottishS8CommencesOn: '2024-01-01' }).liberationDate).toBe(
      '2029-12-19',
    );
  });

  it('in Scotland the s.8 day is never later than the 1993 day, which is never a weekend or public holiday', () => {
    fc.assert(
      fc.property(calendarDate, (due) => {
        const before = releaseDay('SCOTLAND', due, { scottishS8CommencesOn: null }).liberationDate;
        const after = releaseDay('SCOTLAND', due, { scottishS8CommencesOn: '2024-01-01' }).liberationDate;
        expect(after <= before).toBe(true);
        expect(isWeekend(before) || isBankHoliday('SCOTLAND', before)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
