import {
  AdjustmentNotApplicableError,
  calculatedDate,
  calculateSentenceDates,
  HDC_POLICIES,
  InvalidSentenceInputError,
  RELEASE_POINT_POLICIES,
  type SentenceCalculation,
  type SentenceCalculationInput,
  type SentenceInput,
  type SentencePolicyTable,
  UnsupportedSentenceError,
} from './index';

/**
 * Worked examples for Scottish short-term sentences, each derived by hand from:
 * - 1993 Act s.1(1) as amended by the Prisoners (Early Release) (Scotland) Act 2025 s.1 (in force
 *   11 February 2025): released unconditionally on serving two-fifths; one-half where s.1(1ZA)
 *   applies (listed sexual offence, domestic abuse offence); before 11 February 2025 one-half;
 * - s.27(5): consecutive and concurrent terms are one single term;
 * - 1995 Act s.210(1)(b): the court specifies the start (backdated for remand);
 * - HDC (s.3AA): from 25% of the sentence, at most 180 days before release, at least 14 days on HDC
 *   (the 2025 order's 15% / 210 days has no verified commencement, so is not applied by default).
 *
 * Conventions (see README.md): the start day is day 1; the term ends the day before the same date
 * `term` later; "served P" is reached on day ⌈P × days⌉.
 */

const AS_AT = '2026-06-01';

function calc(sentences: SentenceInput[], table?: SentencePolicyTable, asAt = AS_AT): SentenceCalculation {
  const input: SentenceCalculationInput = { jurisdiction: 'SCOTLAND', sentences, asAt };
  return calculateSentenceDates(input, table);
}

const one = (over: Partial<SentenceInput> & Pick<SentenceInput, 'term'>): SentenceInput => ({
  id: 'S1',
  sentenceDate: '2025-03-03',
  ...over,
});

describe('Scottish short-term sentences', () => {
  it('single 2-year sentence after 11 Feb 2025: ARD at two-fifths', () => {
    // Start 2025-03-03; 2 years → ends 2027-03-02 (day before 2027-03-03): 730 days.
    // 2/5 × 730 = 292 exactly → day 292 = 2025-03-03 + 291 days = 2025-12-19.
    // HDC (25%): 730/4 = 182.5 → 183 → 2025-09-01; 180 days before the ARD is 2025-06-22;
    // the later is 2025-09-01, which leaves ≥ 14 days before the ARD.
    const result = calc([one({ term: { years: 2 } })]);
    expect(calculatedDate(result, 'SED')).toBe('2027-03-02');
    expect(calculatedDate(result, 'ARD')).toBe('2025-12-19');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-09-01');
    expect(result.notApplicable.map((n) => n.type)).toEqual(['LED']);
    const ard = result.dates.find((d) => d.type === 'ARD')!;
    expect(ard.explanation.ruleId).toBe('SCOTLAND_ST_TWO_FIFTHS_2025');
    expect(ard.explanation.steps.join('\n')).toContain('2/5 (40%) of 730 days = 292 days');
    expect(ard.explanation.url).toBe('https://www.legislation.gov.uk/asp/2025/1/section/1');
    expect(result.policyIds).toEqual([
      'SCOTLAND_ST_HALF_1993',
      'SCOTLAND_ST_TWO_FIFTHS_2025',
      'SCOTLAND_HDC_QUARTER_180',
    ]);
  });

  it('domestic abuse offence stays at one-half (s.1(1ZA)(b))', () => {
    // Same term, 730 days: 1/2 = 365 → day 365 = 2026-03-02.
    const result = calc([one({ term: { years: 2 }, offenceCategories: ['SCOTLAND_DOMESTIC_ABUSE'] })]);
    expect(calculatedDate(result, 'ARD')).toBe('2026-03-02');
    expect(result.dates.find((d) => d.type === 'ARD')!.explanation.steps.join('\n')).toContain(
      'does not reach the term: sentence S1 is for an excluded offence (SCOTLAND_DOMESTIC_ABUSE)',
    );
  });

  it('a sentence straddling 11 Feb 2025 whose 40% point had passed is due on the commencement day', () => {
    // 18 months from 2024-06-03 → ends 2025-12-02: 548 days. 1/2 = 274 → 2025-03-03 (still in
    // custody on 11 Feb 2025, so the Act reaches it). 2/5 × 548 = 219.2 → 220 → 2025-01-08, before
    // commencement: due on 2025-02-11 (the Sch. para 3 tranche windows are not modelled: flagged).
    const result = calc([one({ sentenceDate: '2024-06-03', term: { months: 18 } })]);
    expect(calculatedDate(result, 'ARD')).toBe('2025-02-11');
    const ard = result.dates.find((d) => d.type === 'ARD')!;
    expect(ard.explanation.steps.join('\n')).toContain('2025-01-08 is before 2025-02-11');
    expect(ard.explanation.unverified.join('\n')).toContain('tranche');
  });

  it('a sentence imposed before 11 Feb 2025 with its 40% point after it takes the 40% point', () => {
    // 3 years from 2024-10-01 → 2027-09-30: 1095 days. 1/2 = 547.5 → 548 → 2026-04-01 (after
    // commencement); 2/5 = 438 → 2025-12-12.
    expect(calculatedDate(calc([one({ sentenceDate: '2024-10-01', term: { years: 3 } })]), 'ARD')).toBe(
      '2025-12-12',
    );
  });

  it('a sentence whose one-half point fell before 11 Feb 2025 is not moved', () => {
    // 1 year from 2024-01-08 → 2025-01-07: 366 days (29 Feb 2024). 1/2 = 183 → 2024-07-08, long
    // before commencement: released then, unchanged.
    const result = calc([one({ sentenceDate: '2024-01-08', term: { years: 1 } })]);
    expect(calculatedDate(result, 'ARD')).toBe('2024-07-08');
    expect(result.dates.find((d) => d.type === 'ARD')!.explanation.ruleId).toBe('SCOTLAND_ST_HALF_1993');
  });

  it('consecutive sentences form a single term (s.27(5))', () => {
    // A: 12 months from 2025-04-01 → 2026-03-31. B consecutive: 2026-04-01 + 6 months → 2026-09-30.
    // Single term 2025-04-01..2026-09-30 = 548 days. 2/5 = 219.2 → 220 → 2025-11-06.
    // HDC: 548/4 = 137 → 2025-08-15 (ARD − 180 = 2025-05-10 is earlier).
    const result = calc([
      { id: 'A', sentenceDate: '2025-04-01', term: { months: 12 } },
      { id: 'B', sentenceDate: '2025-04-01', term: { months: 6 }, consecutiveTo: 'A' },
    ]);
    expect(calculatedDate(result, 'SED')).toBe('2026-09-30');
    expect(calculatedDate(result, 'ARD')).toBe('2025-11-06');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-08-15');
  });

  it('partly concurrent sentences: single term from the earliest start to the latest end', () => {
    // A: 9 months from 2025-05-05 → 2026-02-04. B: 12 months from 2025-08-04 → 2026-08-03 (concurrent).
    // Single term 2025-05-05..2026-08-03 = 456 days. 2/5 = 182.4 → 183 → 2025-11-03.
    const result = calc([
      { id: 'A', sentenceDate: '2025-05-05', term: { months: 9 } },
      { id: 'B', sentenceDate: '2025-08-04', term: { years: 1 } },
    ]);
    expect(calculatedDate(result, 'SED')).toBe('2026-08-03');
    expect(calculatedDate(result, 'ARD')).toBe('2025-11-03');
  });

  it('an excluded offence in a single term keeps the whole term at one-half (s.1(1ZA))', () => {
    // As above, 456 days, B for a domestic abuse offence: 1/2 = 228 → 2025-12-18.
    const result = calc([
      { id: 'A', sentenceDate: '2025-05-05', term: { months: 9 } },
      {
        id: 'B',
        sentenceDate: '2025-08-04',
        term: { years: 1 },
        offenceCategories: ['SCOTLAND_DOMESTIC_ABUSE'],
      },
    ]);
    expect(calculatedDate(result, 'ARD')).toBe('2025-12-18');
  });

  it('remand is reflected by the backdated start the court specified (1995 Act s.210(1)(b))', () => {
    // Sentenced 2025-09-01, start backdated to 2025-06-02; 15 months → 2026-09-01: 457 days.
    // 2/5 = 182.8 → 183 → 2025-12-01.
    const result = calc([one({ sentenceDate: '2025-09-01', startDate: '2025-06-02', term: { months: 15 } })]);
    expect(calculatedDate(result, 'SED')).toBe('2026-09-01');
    expect(calculatedDate(result, 'ARD')).toBe('2025-12-01');
  });

  it('too short for HDC: 2 months', () => {
    // 2025-03-03 + 2 months → 2025-05-02: 61 days. ARD: 24.4 → 25 → 2025-03-27.
    // Under 3 months: no HDC (Scottish Government HDC guidance, Annex 2).
    const result = calc([one({ term: { months: 2 } })]);
    expect(calculatedDate(result, 'ARD')).toBe('2025-03-27');
    expect(calculatedDate(result, 'HDCED')).toBeUndefined();
    expect(result.notApplicable.find((n) => n.type === 'HDCED')!.reason).toContain('under 3 months');
  });

  it('HDC edge: 3 months is eligible, 13 weeks (one day less) is not', () => {
    // 3 months from 2025-03-03 → 2025-06-02: 92 days. ARD 36.8 → 37 → 2025-04-08.
    // 25%: 23 → 2025-03-25 (ARD − 180 is earlier), 14 days before the ARD: eligible.
    // 13 weeks = 91 days from 2025-03-03: under 3 months, not eligible.
    const threeMonths = calc([one({ term: { months: 3 } })]);
    expect(calculatedDate(threeMonths, 'ARD')).toBe('2025-04-08');
    expect(calculatedDate(threeMonths, 'HDCED')).toBe('2025-03-25');
    expect(calculatedDate(calc([one({ term: { weeks: 13 } })]), 'HDCED')).toBeUndefined();
  });

  it('no HDCED for a person subject to sex-offender notification, given or implied by a Sch.3 offence (1993 Act s.3AA)', () => {
    const sentence = one({ term: { years: 2 } });
    const given = calculateSentenceDates({
      jurisdiction: 'SCOTLAND',
      sentences: [sentence],
      asAt: AS_AT,
      sexOffenderNotification: true,
    });
    expect(calculatedDate(given, 'ARD')).toBe('2025-12-19');
    expect(calculatedDate(given, 'HDCED')).toBeUndefined();
    expect(given.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /notification requirements.*s\.3AA/,
    );
    // Under 6 months (6 months or more for a Sch.3 offence is the s.1AA licence, refused here);
    // without the offence the 5 months would be eligible.
    const five = one({ term: { months: 5 } });
    expect(calculatedDate(calc([five]), 'HDCED')).toBeDefined();
    const sch3 = calc([{ ...five, offenceCategories: ['SCOTLAND_SEXUAL_SOA2003_SCH3'] }]);
    expect(calculatedDate(sch3, 'HDCED')).toBeUndefined();
    expect(sch3.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /Sch\.3 to the Sexual Offences Act 2003 \(S1\)/,
    );
    // Not given and no Sch.3 offence: eligible, with the assumption stated.
    const hdced = calc([sentence]).dates.find((d) => d.type === 'HDCED')!;
    expect(hdced.date).toBe('2025-09-01');
    expect(hdced.explanation.unverified.join('\n')).toMatch(/was not given: taken not to be/);
  });

  it('a Sch.3 offence: sexOffenderNotification false given by staff wins; not given, it still excludes but warns (unverified)', () => {
    // 5 months from 2025-03-03 → 2025-08-02: 153 days. Sch.3 (s.1(1ZA)): ARD at one-half,
    // 76.5 → 77 → 2025-05-18. HDC: 25% of 153 = 38.25 → 39 → 2025-04-10; ARD − 180 is earlier;
    // ARD − 14 = 2025-05-04 leaves at least 14 days on HDC: HDCED 2025-04-10.
    const sch3 = one({ term: { months: 5 }, offenceCategories: ['SCOTLAND_SEXUAL_SOA2003_SCH3'] });
    const withNotification = (sexOffenderNotification?: boolean) =>
      calculateSentenceDates({
        jurisdiction: 'SCOTLAND',
        sentences: [sch3],
        asAt: AS_AT,
        ...(sexOffenderNotification === undefined ? {} : { sexOffenderNotification }),
      });

    // Staff say the person is not subject to notification: the Sch.3 offence does not exclude.
    const notSubject = withNotification(false);
    expect(calculatedDate(notSubject, 'ARD')).toBe('2025-05-18');
    const hdced = notSubject.dates.find((d) => d.type === 'HDCED')!;
    expect(hdced.date).toBe('2025-04-10');
    expect(hdced.explanation.steps.join('\n')).toMatch(
      /Sch\.3 to the Sexual Offences Act 2003 \(S1\), but sexOffenderNotification given as false/,
    );
    expect(hdced.explanation.unverified.join('\n')).not.toMatch(/was not given/);
    expect(notSubject.notApplicable.map((n) => n.type)).not.toContain('HDCED');
    expect(notSubject.warnings.join('\n')).not.toMatch(/sexOffenderNotification/);

    // Not given: implied by the Sch.3 offence (conservative), said as an assumption to confirm.
    const implied = withNotification(undefined);
    expect(calculatedDate(implied, 'ARD')).toBe('2025-05-18');
    expect(calculatedDate(implied, 'HDCED')).toBeUndefined();
    expect(implied.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /\(S1\), sexOffenderNotification not given: taken to be subject .*unverified: staff to confirm/,
    );
    expect(implied.warnings.join('\n')).toMatch(
      /HDCED: sexOffenderNotification was not given; .*\(S1\).*staff to confirm/,
    );

    // Given true: excluded as a stated fact, no assumption to confirm.
    const subject = withNotification(true);
    expect(calculatedDate(subject, 'HDCED')).toBeUndefined();
    expect(subject.notApplicable.find((n) => n.type === 'HDCED')?.reason).not.toMatch(/not given/);
    expect(subject.warnings.join('\n')).not.toMatch(/sexOffenderNotification/);
  });

  it('HDC maximum: 180 days before the ARD binds on a longer sentence', () => {
    // 3 years 6 months from 2025-03-03 → 2028-09-02: 1280 days. ARD 512 → 2026-07-27.
    // 25%: 320 → 2026-01-16; ARD − 180 = 2026-01-28 is later: HDCED 2026-01-28.
    const result = calc([one({ term: { years: 3, months: 6 } })]);
    expect(calculatedDate(result, 'ARD')).toBe('2026-07-27');
    expect(calculatedDate(result, 'HDCED')).toBe('2026-01-28');
  });

  it('applies the 2025 HDC order (15%, 210 days) when given a table with a commencement date', () => {
    // Hypothetical commencement, for the arithmetic only: the table is an argument.
    const table: SentencePolicyTable = {
      releasePoints: RELEASE_POINT_POLICIES,
      hdc: [
        ...HDC_POLICIES,
        {
          ...HDC_POLICIES.find((p) => p.id === 'SCOTLAND_HDC_FIFTEEN_PERCENT_210')!,
          id: 'TEST_SCOTLAND_HDC_15_210_DATED',
          commencement: 'VERIFIED',
          inForceFrom: '2025-06-01',
          // No minimum term in this test record, to exercise the 14-days-on-HDC rule alone.
          minTermMonths: 0,
        },
      ],
    };
    // 56 days from 2025-03-03: ARD 22.4 → 23 → 2025-03-25; 15%: 8.4 → 9 → 2025-03-11 = ARD − 14: eligible.
    // 55 days: ARD 22 → 2025-03-24; 15%: 8.25 → 9 → 2025-03-11 > ARD − 14 = 2025-03-10: not eligible.
    expect(calculatedDate(calc([one({ term: { days: 56 } })], table), 'HDCED')).toBe('2025-03-11');
    expect(calculatedDate(calc([one({ term: { days: 55 } })], table), 'HDCED')).toBeUndefined();
    // 3 years 6 months: 15% of 1280 = 192 → 2025-09-10; ARD − 210 = 2025-12-29 binds.
    expect(calculatedDate(calc([one({ term: { years: 3, months: 6 } })], table), 'HDCED')).toBe('2025-12-29');
  });

  it('a sexual offence under 6 months is at one-half; 6 months or more is refused (s.1AA)', () => {
    // 4 months from 2025-03-03 → 2025-07-02: 122 days, 1/2 = 61 → 2025-05-02.
    const short = calc([one({ term: { months: 4 }, offenceCategories: ['SCOTLAND_SEXUAL_SOA2003_SCH3'] })]);
    expect(calculatedDate(short, 'ARD')).toBe('2025-05-02');
    expect(() =>
      calc([one({ term: { months: 6 }, offenceCategories: ['SCOTLAND_SEXUAL_SOA2003_SCH3'] })]),
    ).toThrow(expect.objectContaining({ reason: 'SCOTLAND_SEX_OFFENDER_LICENCE_S1AA' }));
  });

  it('warns that the 30% regulations are not applied (commencement unverified), and a re-plan table can apply them', () => {
    const result = calc([one({ term: { years: 2 } })]);
    expect(result.warnings.join('\n')).toContain('SCOTLAND_ST_THREE_TENTHS_2026');
    // A re-plan passes a table with a dated record (hypothetical date: 2026-05-05).
    const table: SentencePolicyTable = {
      hdc: HDC_POLICIES,
      releasePoints: [
        ...RELEASE_POINT_POLICIES,
        {
          ...RELEASE_POINT_POLICIES.find((p) => p.id === 'SCOTLAND_ST_THREE_TENTHS_2026')!,
          id: 'TEST_SCOTLAND_30_DATED',
          commencement: 'VERIFIED',
          inForceFrom: '2026-05-05',
        },
      ],
    };
    // 2 years from 2026-01-05 → 2028-01-04: 730 days. 40% = 292 → 2026-10-23; 30% = 219 → 2026-08-11.
    const later = one({ sentenceDate: '2026-01-05', term: { years: 2 } });
    expect(calculatedDate(calc([later]), 'ARD')).toBe('2026-10-23');
    expect(calculatedDate(calc([later], table), 'ARD')).toBe('2026-08-11');
    // Read as at a day before it commences, the dated record is not applied.
    expect(calculatedDate(calc([later], table, '2026-05-04'), 'ARD')).toBe('2026-10-23');
  });

  it('applies an adopted record from its own commencement, read as at a day before it (review M1)', () => {
    // Adopted by a re-plan: 30% for everyone serving, from 2026-09-01; read as at 2026-06-01.
    const adopted = {
      ...RELEASE_POINT_POLICIES.find((p) => p.id === 'SCOTLAND_ST_THREE_TENTHS_2026')!,
      id: 'TEST_SCOTLAND_30_ADOPTED',
      commencement: 'VERIFIED' as const,
      inForceFrom: '2026-09-01',
      appliesTo: { kind: 'ALL_SERVING' as const },
      excludedOffenceCategories: [],
      adopted: true,
    };
    const table: SentencePolicyTable = {
      hdc: HDC_POLICIES,
      releasePoints: [...RELEASE_POINT_POLICIES, adopted],
    };
    // 2 years from 2026-01-05: 40% → 2026-10-23 (after commencement); 30% → 2026-08-11, before
    // commencement: released on the day it commences.
    const later = one({ sentenceDate: '2026-01-05', term: { years: 2 } });
    const moved = calc([later], table);
    expect(moved.asAt).toBe(AS_AT);
    expect(calculatedDate(moved, 'ARD')).toBe('2026-09-01');
    expect(moved.policyIds).toContain('TEST_SCOTLAND_30_ADOPTED');
    // 1 year from 2026-01-05 → 365 days: 40% = 146 → 2026-05-30, before commencement: not moved.
    const earlier = calc([one({ sentenceDate: '2026-01-05', term: { years: 1 } })], table);
    expect(calculatedDate(earlier, 'ARD')).toBe('2026-05-30');
    expect(earlier.policyIds).not.toContain('TEST_SCOTLAND_30_ADOPTED');
    // Not adopted (only dated), the same record is not applied before its day.
    const dated = { ...adopted, adopted: undefined };
    expect(
      calculatedDate(
        calc([later], { hdc: HDC_POLICIES, releasePoints: [...RELEASE_POINT_POLICIES, dated] }),
        'ARD',
      ),
    ).toBe('2026-10-23');
  });

  it.each([
    ['4 years (long-term)', [one({ term: { years: 4 } })], 'SCOTLAND_LONG_TERM'],
    [
      'consecutive terms adding to 4 years',
      [
        { id: 'A', sentenceDate: '2025-03-03', term: { years: 2 } },
        { id: 'B', sentenceDate: '2025-03-03', term: { years: 2 }, consecutiveTo: 'A' },
      ],
      'SCOTLAND_LONG_TERM',
    ],
    [
      'an extended sentence',
      [one({ term: { years: 2 }, sentenceType: 'EXTENDED' })],
      'NOT_STANDARD_DETERMINATE',
    ],
    ['a recall', [one({ term: { years: 2 }, sentenceType: 'RECALL' })], 'RECALL'],
    [
      'a terrorist prisoner',
      [one({ term: { years: 2 }, offenceCategories: ['TERRORISM'] })],
      'TERRORIST_PRISONER',
    ],
    [
      'sentences with a gap between them',
      [
        { id: 'A', sentenceDate: '2025-03-03', term: { months: 2 } },
        { id: 'B', sentenceDate: '2025-09-01', term: { months: 2 } },
      ],
      'NON_OVERLAPPING_SENTENCES',
    ],
  ] as [string, SentenceInput[], string][])('refuses %s', (_name, sentences, reason) => {
    let thrown: unknown;
    try {
      calc(sentences);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnsupportedSentenceError);
    expect((thrown as UnsupportedSentenceError).reason).toBe(reason);
    expect((thrown as UnsupportedSentenceError).code).toBe('DOMAIN_SENTENCE_UNSUPPORTED');
  });

  it('refuses remand days (the start is backdated instead) and names malformed fields', () => {
    expect(() =>
      calculateSentenceDates({
        jurisdiction: 'SCOTLAND',
        sentences: [one({ term: { years: 1 } })],
        remandDays: 10,
        asAt: AS_AT,
      }),
    ).toThrow(expect.objectContaining({ reason: 'REMAND_DAYS_IN_SCOTLAND' }));
    expect(() => calc([one({ term: {} })])).toThrow(InvalidSentenceInputError);
    expect(() => calc([one({ term: { months: 1 }, sentenceDate: '2025-02-30' })])).toThrow(
      expect.objectContaining({ field: 'sentences[0].sentenceDate' }),
    );
    expect(() => calc([one({ term: { months: 1 }, consecutiveTo: 'nope' })])).toThrow(
      expect.objectContaining({ field: 'sentences[0].consecutiveTo' }),
    );
  });

  it('refuses a period unlawfully at large as not applicable to a Scottish calculation, naming the field', () => {
    const refuse = () =>
      calculateSentenceDates({
        jurisdiction: 'SCOTLAND',
        sentences: [one({ term: { years: 1 } })],
        asAt: AS_AT,
        unlawfullyAtLargePeriod: { from: '2025-06-01', to: '2025-06-03' },
      });
    expect(refuse).toThrow(AdjustmentNotApplicableError);
    expect(refuse).toThrow(expect.objectContaining({ field: 'unlawfullyAtLargePeriod' }));
  });

  it.each(['additionalDaysAwarded', 'unlawfullyAtLargeDays'] as const)(
    'refuses %s as not applicable to a Scottish calculation, naming the field; 0 is no adjustment',
    (field) => {
      const input = (days: number): SentenceCalculationInput => ({
        jurisdiction: 'SCOTLAND',
        sentences: [one({ term: { years: 1 } })],
        asAt: AS_AT,
        [field]: days,
      });
      let thrown: unknown;
      try {
        calculateSentenceDates(input(5));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(AdjustmentNotApplicableError);
      expect(thrown).toMatchObject({ field, code: 'DOMAIN_ADJUSTMENT_NOT_APPLICABLE' });
      expect(calculatedDate(calculateSentenceDates(input(0)), 'ARD')).toBe(
        calculatedDate(calc([one({ term: { years: 1 } })]), 'ARD'),
      );
    },
  );

  it('refuses restored days: with days awarded, the award is named; without, more restored than awarded is invalid', () => {
    const input = (extra: Partial<SentenceCalculationInput>): SentenceCalculationInput => ({
      jurisdiction: 'SCOTLAND',
      sentences: [one({ term: { years: 1 } })],
      asAt: AS_AT,
      ...extra,
    });
    expect(() => calculateSentenceDates(input({ additionalDaysAwarded: 5, restoredDays: 2 }))).toThrow(
      expect.objectContaining({ field: 'additionalDaysAwarded', code: 'DOMAIN_ADJUSTMENT_NOT_APPLICABLE' }),
    );
    expect(() => calculateSentenceDates(input({ restoredDays: 2 }))).toThrow(
      expect.objectContaining({ field: 'restoredDays', code: 'DOMAIN_SENTENCE_INVALID_INPUT' }),
    );
  });
});
