import {
  calculatedDate,
  calculateSentenceDates,
  RELEASE_POINT_POLICIES,
  SENTENCE_POLICIES,
  type SentencePolicyTable,
  type SentenceCalculation,
  type SentenceCalculationInput,
  type SentenceInput,
  InvalidSentenceInputError,
  UnsupportedSentenceError,
} from './index';

/**
 * Worked examples for England & Wales standard determinate sentences, each derived by hand from:
 * - CJA 2003 s.244(3)(a): release on licence at the requisite custodial period, one-half; read as
 *   40 per cent by S.I. 2024/844 art.3 from 10 September 2024 (sentences imposed on/after it and
 *   earlier sentences all under 5 years) or 22 October 2024 (other earlier sentences), except
 *   Schedule offences and 4 years or more for a Sch.15 Pt 1 (violent) offence (art.3(6));
 * - s.264: consecutive terms, custodial periods added; s.263: concurrent, released when due from each;
 * - s.240ZA remand days and s.240A tagged bail (half the curfew days, rounded up) count as served;
 * - s.249: licence to the end of the sentence (SLED); s.256AA: top-up supervision to 12 months after
 *   the custodial period for a term over 1 day and under 2 years;
 * - s.246: HDC in the N days ending with the CRD (180 from 6 June 2023, 365 from 3 June 2025), after
 *   4 weeks and one-half of the custodial period, if that period is at least 6 weeks.
 * Conventions as in the Scottish spec: day 1 is the start; ⌈P × days⌉; date = start + days − 1.
 */

const AS_AT = '2026-06-01';

function calc(
  sentences: SentenceInput[],
  extra: Partial<SentenceCalculationInput> = {},
): SentenceCalculation {
  return calculateSentenceDates({ jurisdiction: 'ENGLAND_AND_WALES', sentences, asAt: AS_AT, ...extra });
}

const one = (over: Partial<SentenceInput> & Pick<SentenceInput, 'term'>): SentenceInput => ({
  id: 'S1',
  sentenceDate: '2025-03-03',
  offenceDate: '2024-12-01',
  ...over,
});

describe('England & Wales standard determinate sentences', () => {
  it('single 2-year SDS after 10 Sep 2024: CRD at 40%, SLED at the end, no TUSED', () => {
    // 2025-03-03 + 2 years → 2027-03-02: 730 days. 40% = 292 → 2025-12-19.
    // HDC (365-day window, asAt 2026): custodial 292; one-half 146; 28; 292 − 365 + 1 < 1 → day 146 = 2025-07-26.
    const result = calc([one({ term: { years: 2 } })]);
    expect(calculatedDate(result, 'SLED')).toBe('2027-03-02');
    expect(calculatedDate(result, 'CRD')).toBe('2025-12-19');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-07-26');
    expect(calculatedDate(result, 'TUSED')).toBeUndefined();
    expect(result.notApplicable.find((n) => n.type === 'TUSED')!.reason).toContain('2 years or more');
    const crd = result.dates.find((d) => d.type === 'CRD')!;
    expect(crd.explanation.ruleId).toBe('EW_SDS_FORTY_PERCENT_2024');
    expect(crd.explanation.url).toBe('https://www.legislation.gov.uk/uksi/2024/844/article/3');
    expect(crd.explanation.steps.join('\n')).toContain('2/5 (40%) of 730 days = 292 days');
    expect(result.dates.find((d) => d.type === 'HDCED')!.explanation.ruleId).toBe('EW_HDC_365');
  });

  it('12 months: TUSED 12 months after the CRD', () => {
    // 2025-01-06 + 12 months → 2026-01-05: 365 days. 40% = 146 → 2025-05-31.
    // TUSED: 12 months beginning 2025-06-01 end 2026-05-31 (after the SLED 2026-01-05).
    // HDC: one-half of 146 = 73 → 2025-03-19.
    const result = calc([one({ sentenceDate: '2025-01-06', term: { months: 12 } })]);
    expect(calculatedDate(result, 'CRD')).toBe('2025-05-31');
    expect(calculatedDate(result, 'SLED')).toBe('2026-01-05');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-05-31');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-03-19');
  });

  it('remand (s.240ZA) and tagged bail (s.240A) count as time served', () => {
    // As above, with 30 remand days and 45 curfew days (half = 22.5 → 23): credit 53 days.
    // Time served counts from 2025-01-06 − 53 = 2024-11-14. SLED day 365 = 2025-11-13;
    // CRD day 146 = 2025-04-08; TUSED 2026-04-08; HDCED day 73 = 2025-01-25.
    const result = calc([one({ sentenceDate: '2025-01-06', term: { months: 12 } })], {
      remandDays: 30,
      taggedBailCurfewDays: 45,
    });
    expect(calculatedDate(result, 'SLED')).toBe('2025-11-13');
    expect(calculatedDate(result, 'CRD')).toBe('2025-04-08');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-04-08');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-01-25');
    const steps = result.dates.find((d) => d.type === 'CRD')!.explanation.steps.join('\n');
    expect(steps).toContain('45 qualifying curfew days, one-half = 22.5, rounded up = 23 days');
    expect(steps).toContain('every date moves 53 days earlier');
  });

  it('consecutive terms: custodial periods added (s.264)', () => {
    // A: 6 months from 2025-02-03 → 2025-08-02 (181 days), 40% = 72.4 → 73.
    // B consecutive: 4 months from 2025-08-03 → 2025-12-02 (122 days), 40% = 48.8 → 49.
    // Aggregate 122 days → 2025-06-04. SLED 2025-12-02. Under 2 years in all: TUSED 2026-06-04.
    const result = calc([
      { id: 'A', sentenceDate: '2025-02-03', term: { months: 6 } },
      { id: 'B', sentenceDate: '2025-02-03', term: { months: 4 }, consecutiveTo: 'A' },
    ]);
    expect(calculatedDate(result, 'CRD')).toBe('2025-06-04');
    expect(calculatedDate(result, 'SLED')).toBe('2025-12-02');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-06-04');
    expect(result.dates.find((d) => d.type === 'CRD')!.explanation.steps.join('\n')).toContain(
      'aggregate custodial period 122 days',
    );
  });

  it('concurrent overlapping terms: the latest CRD governs, licence to the latest expiry (s.263)', () => {
    // A: 18 months from 2025-03-03 → 2026-09-02 (549 days), 40% = 219.6 → 220 → 2025-10-08.
    // B: 2 years from 2025-06-02 → 2027-06-01 (730 days), 40% = 292 → 2026-03-20.
    const result = calc([
      { id: 'A', sentenceDate: '2025-03-03', term: { months: 18 } },
      { id: 'B', sentenceDate: '2025-06-02', term: { years: 2 } },
    ]);
    expect(calculatedDate(result, 'CRD')).toBe('2026-03-20');
    expect(calculatedDate(result, 'SLED')).toBe('2027-06-01');
    expect(calculatedDate(result, 'TUSED')).toBeUndefined();
  });

  it('a sentence imposed before 10 Sep 2024, not yet at one-half, takes the 40% point', () => {
    // 3 years from 2024-03-04 → 2027-03-03: 1095 days. 1/2 = 548 → 2025-09-02 (after 10 Sep 2024);
    // under 5 years: reached from 10 Sep 2024. 40% = 438 → 2025-05-15.
    expect(calculatedDate(calc([one({ sentenceDate: '2024-03-04', term: { years: 3 } })]), 'CRD')).toBe(
      '2025-05-15',
    );
  });

  it('straddling 10 Sep 2024 with the 40% point already passed: due on 10 Sep 2024', () => {
    // 2 years from 2023-11-06 → 2025-11-05: 731 days (29 Feb 2024). 1/2 = 365.5 → 366 → 2024-11-05
    // (still in custody on 10 Sep 2024); 40% = 292.4 → 293 → 2024-08-24, before: due 2024-09-10.
    const result = calc([one({ sentenceDate: '2023-11-06', term: { years: 2 } })]);
    expect(calculatedDate(result, 'CRD')).toBe('2024-09-10');
  });

  it('5 years imposed before 10 Sep 2024 is reached only from 22 Oct 2024 (art.1(2)(b)); 4 years 11 months from 10 Sep', () => {
    // 5 years from 2022-10-03 → 2027-10-02: 1826 days. 40% = 730.4 → 731 → 2024-10-02, before
    // 22 Oct 2024 (1/2 = 913 → 2025-04-02 had not passed): due 2024-10-22.
    // 4 years 11 months from 2022-10-03 → 2027-09-02: 1796 days; "relevant" (under 5 years), reached
    // from 10 Sep 2024: 40% = 718.4 → 719 → 2024-09-20.
    expect(calculatedDate(calc([one({ sentenceDate: '2022-10-03', term: { years: 5 } })]), 'CRD')).toBe(
      '2024-10-22',
    );
    expect(
      calculatedDate(calc([one({ sentenceDate: '2022-10-03', term: { years: 4, months: 11 } })]), 'CRD'),
    ).toBe('2024-09-20');
  });

  it('excluded offences stay at one-half (art.3(6))', () => {
    // Schedule offence, 2 years from 2025-03-03 (730 days): 1/2 = 365 → 2026-03-02.
    expect(
      calculatedDate(
        calc([one({ term: { years: 2 }, offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] })]),
        'CRD',
      ),
    ).toBe('2026-03-02');
    // Sch.15 Pt 1 violent offence, 4 years (1461 days): excluded, 1/2 = 730.5 → 731 → 2027-03-03.
    expect(
      calculatedDate(
        calc([one({ term: { years: 4 }, offenceCategories: ['EW_SCH15_PART1_VIOLENT'] })]),
        'CRD',
      ),
    ).toBe('2027-03-03');
    // The same offence, 3 years (1096 days, 29 Feb 2028): not excluded, 40% = 438.4 → 439 → 2026-05-15.
    expect(
      calculatedDate(
        calc([one({ term: { years: 3 }, offenceCategories: ['EW_SCH15_PART1_VIOLENT'] })]),
        'CRD',
      ),
    ).toBe('2026-05-15');
  });

  it('HDC edges: a custodial period of 42 days is eligible, 41 is not (s.246(2)(a))', () => {
    // 15 weeks = 105 days: 40% = 42 → CRD 2025-04-13; HDCED day max(28, 21) = 28 → 2025-03-30.
    const fifteenWeeks = calc([one({ term: { weeks: 15 } })]);
    expect(calculatedDate(fifteenWeeks, 'CRD')).toBe('2025-04-13');
    expect(calculatedDate(fifteenWeeks, 'HDCED')).toBe('2025-03-30');
    // 14 weeks 4 days = 102 days: 40% = 40.8 → 41: under 6 weeks, no HDC.
    const shorter = calc([one({ term: { weeks: 14, days: 4 } })]);
    expect(calculatedDate(shorter, 'HDCED')).toBeUndefined();
    expect(shorter.notApplicable.find((n) => n.type === 'HDCED')!.reason).toContain('41 days');
    // 2 months = 61 days: 40% = 24.4 → 25 → CRD 2025-03-27, far too short.
    expect(calculatedDate(calc([one({ term: { months: 2 } })]), 'HDCED')).toBeUndefined();
  });

  it('HDC window: 180 days (as at 2025-01-01) binds; 365 days (as at 2026) leaves one-half binding', () => {
    // 3 years 11 months from 2024-11-04 → 2028-10-03: 1430 days (under 4 years, so eligible).
    // 40% = 572 → CRD 2026-05-29.
    // As at 2025-01-01 (S.I. 2023/390: 180): day max(28, 286, 572 − 180 + 1 = 393) = 393 → 2025-12-01.
    // As at 2026-06-01 (S.I. 2024/1331: 365): day max(28, 286, 208) = 286 → 2025-08-16.
    const sentence = one({ sentenceDate: '2024-11-04', term: { years: 3, months: 11 } });
    const early = calc([sentence], { asAt: '2025-01-01' });
    expect(calculatedDate(early, 'CRD')).toBe('2026-05-29');
    expect(calculatedDate(early, 'HDCED')).toBe('2025-12-01');
    expect(early.warnings.join('\n')).toContain('EW_HDC_365 not applied: in force from 2025-06-03');
    expect(calculatedDate(calc([sentence]), 'HDCED')).toBe('2025-08-16');
  });

  it('no HDCED for a term of 4 years or more, consecutive terms taken as one, nor for a registered sex offender (s.246(4))', () => {
    const four = calc([one({ sentenceDate: '2024-11-04', term: { years: 4 } })]);
    expect(calculatedDate(four, 'HDCED')).toBeUndefined();
    expect(four.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /a term of 4 years or more \(S1, 1461 days\).*s\.246\(4\)/,
    );
    // Two consecutive terms of 2 years make 4: excluded though each alone is not.
    const consecutive = calc([
      one({ sentenceDate: '2024-11-04', term: { years: 2 } }),
      {
        id: 'S2',
        sentenceDate: '2024-11-04',
        offenceDate: '2024-10-01',
        term: { years: 2 },
        consecutiveTo: 'S1',
      },
    ]);
    expect(calculatedDate(consecutive, 'HDCED')).toBeUndefined();
    expect(consecutive.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /S1 \+ S2, 1461 days in all, consecutive terms taken as one/,
    );
    const shortTerm = one({ sentenceDate: '2024-11-04', term: { years: 1 } });
    expect(calculatedDate(calc([shortTerm]), 'HDCED')).toBeDefined();
    const registered = calc([shortTerm], { sexOffenderNotification: true });
    expect(calculatedDate(registered, 'HDCED')).toBeUndefined();
    expect(registered.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /notification requirements/,
    );
    // Not given: assumed not registered, and the explanation says so.
    const unknown = calc([shortTerm]).dates.find((d) => d.type === 'HDCED')!;
    expect(unknown.explanation.unverified.join('\n')).toMatch(/sex-offender notification .* was not given/);
    const known = calc([shortTerm], { sexOffenderNotification: false }).dates.find(
      (d) => d.type === 'HDCED',
    )!;
    expect(known.explanation.unverified.join('\n')).not.toMatch(/was not given/);
  });

  it('no TUSED for someone under 18 at the CRD (s.256AA(1)(a))', () => {
    const result = calc([one({ sentenceDate: '2025-01-06', term: { months: 12 } })], {
      dateOfBirth: '2008-01-01',
    });
    expect(calculatedDate(result, 'TUSED')).toBeUndefined();
    expect(result.notApplicable.find((n) => n.type === 'TUSED')!.reason).toContain('under 18');
  });

  it('the TUSED age test is on the last day of the requisite custodial period, not the CRD after additional days (s.256AA(1)(a); review S3)', () => {
    // 12 months from 2025-01-06: requisite custodial period 40% of 365 = 146 days, last day
    // 2025-05-31. Born 2007-06-03: 18 on 2025-06-03, so under 18 on 2025-05-31: no TUSED.
    // With 10 additional days the CRD is day 156 = 2025-06-10 (18 by then), but the period still
    // ends on 2025-05-31: still no TUSED (before the fix: TUSED 2026-05-31 appeared).
    const twelve = [one({ sentenceDate: '2025-01-06', term: { months: 12 } })];
    for (const extra of [{}, { additionalDaysAwarded: 10 }]) {
      const result = calc(twelve, { dateOfBirth: '2007-06-03', ...extra });
      expect(calculatedDate(result, 'TUSED')).toBeUndefined();
      expect(result.notApplicable.find((n) => n.type === 'TUSED')!.reason).toBe(
        'aged under 18 on 2025-05-31, the last day of the requisite custodial period (s.256AA(1)(a))',
      );
    }
    expect(calculatedDate(calc(twelve, { additionalDaysAwarded: 10 }), 'CRD')).toBe('2025-06-10');
    // 18 on the period's last day (born 2007-05-31): top-up supervision, 12 months from 2025-06-01.
    expect(
      calculatedDate(calc(twelve, { dateOfBirth: '2007-05-31', additionalDaysAwarded: 10 }), 'TUSED'),
    ).toBe('2026-05-31');
  });

  it('a re-plan compares two tables: old and new dates, each explained by its own rule', () => {
    // The table before S.I. 2024/844 (one-half only) against today's. 12 months from 2025-01-06
    // (365 days): one-half 182.5 → 183 → 2025-07-07 against 40% 146 → 2025-05-31.
    const before: SentencePolicyTable = {
      ...SENTENCE_POLICIES,
      releasePoints: RELEASE_POINT_POLICIES.filter((p) => p.id !== 'EW_SDS_FORTY_PERCENT_2024'),
    };
    const sentence = one({ sentenceDate: '2025-01-06', term: { months: 12 } });
    const old = calc([sentence]);
    const replanned = calculateSentenceDates(
      { jurisdiction: 'ENGLAND_AND_WALES', sentences: [sentence], asAt: AS_AT },
      before,
    );
    expect(calculatedDate(replanned, 'CRD')).toBe('2025-07-07');
    expect(calculatedDate(old, 'CRD')).toBe('2025-05-31');
    expect(replanned.dates.find((d) => d.type === 'CRD')!.explanation.ruleId).toBe('EW_SDS_HALF_2003');
    // TUSED follows the CRD: 12 months beginning 2025-07-08 end 2026-07-07.
    expect(calculatedDate(replanned, 'TUSED')).toBe('2026-07-07');
  });

  it('explains HDCED and TUSED with their arithmetic and what is unverified', () => {
    const result = calc([one({ sentenceDate: '2025-01-06', term: { months: 12 } })]);
    const hdced = result.dates.find((d) => d.type === 'HDCED')!.explanation;
    expect(hdced.steps).toContain(
      'at least one-half of the custodial period served: 1/2 (50%) of 146 = day 73',
    );
    expect(hdced.unverified.join('\n')).toContain('s.246(4)');
    const tused = result.dates.find((d) => d.type === 'TUSED')!.explanation;
    expect(tused.steps).toContain('12 months beginning 2025-06-01 (the day after the CRD) end on 2026-05-31');
    expect(tused.unverified).toEqual([
      'no date of birth given: taken to be 18 or over on the last day of the requisite custodial period',
    ]);
  });

  it.each([
    ['SDS+', one({ term: { years: 8 }, offenceCategories: ['EW_SDS_PLUS'] }), 'ENGLAND_AND_WALES_SDS_PLUS'],
    [
      'an extended sentence',
      one({ term: { years: 8 }, sentenceType: 'EXTENDED' }),
      'NOT_STANDARD_DETERMINATE',
    ],
    [
      'an indeterminate sentence',
      one({ term: { years: 8 }, sentenceType: 'INDETERMINATE' }),
      'NOT_STANDARD_DETERMINATE',
    ],
    ['a recall', one({ term: { years: 1 }, sentenceType: 'RECALL' }), 'RECALL'],
    [
      'a terrorist offender',
      one({ term: { years: 3 }, offenceCategories: ['TERRORISM'] }),
      'TERRORIST_PRISONER',
    ],
    [
      'an offence before 1 Feb 2015',
      one({ term: { years: 1 }, offenceDate: '2014-12-01' }),
      'ENGLAND_AND_WALES_OFFENCE_BEFORE_ORA_2014',
    ],
    ['a 1-day term', one({ term: { days: 1 } }), 'SENTENCE_OF_ONE_DAY_OR_LESS'],
  ] as [string, SentenceInput, string][])('refuses %s', (_name, sentence, reason) => {
    expect(() => calc([sentence])).toThrow(UnsupportedSentenceError);
    expect(() => calc([sentence])).toThrow(expect.objectContaining({ reason }));
  });
});

/**
 * Adjustments beyond remand, derived by hand from:
 * - CJA 2003 s.257(2)(a): additional days awarded (Prison Rules 1999 r.55A) and not remitted extend
 *   "any period which he must serve before becoming entitled to or eligible for release": the CRD
 *   and the HDCED move later by the days awarded less those restored (remitted). The requisite
 *   custodial period itself is not extended, so the SLED and the TUSED stay (as HMPPS calculates;
 *   s.257(2)(c) is flagged unverified on the SLED). Nobody is held past the end of the sentence.
 * - Prison Act 1952 s.49(2): time unlawfully at large is not taken into account, so time served
 *   counts as from UAL days later and every date (CRD, SLED, HDCED, TUSED) moves later by them.
 * The base case is the 12-month SDS above: 2025-01-06 + 12 months → 2026-01-05 (365 days);
 * 40% = 146 → CRD 2025-05-31; HDCED day 73 = 2025-03-19; TUSED 2026-05-31.
 */
describe('England & Wales adjustments: additional days, restored days, unlawfully at large', () => {
  const twelveMonths = [one({ sentenceDate: '2025-01-06', term: { months: 12 } })];

  it('10 additional days awarded, 4 restored: CRD and HDCED 6 days later; SLED and TUSED unchanged', () => {
    // Net 10 − 4 = 6. CRD: day 146 + 6 = day 152 counting 2025-01-06 as day 1 → 2025-06-06.
    // HDCED: custodial period 146 (without the added days); max(28, ⌈146/2⌉ = 73, 146 − 365 + 1) = 73;
    // + 6 = day 79 → 2025-03-25. SLED day 365 = 2026-01-05. TUSED: 12 months beginning the day
    // after the requisite custodial period (day 146 = 2025-05-31), i.e. 2025-06-01 → 2026-05-31.
    const result = calc(twelveMonths, { additionalDaysAwarded: 10, restoredDays: 4 });
    expect(calculatedDate(result, 'CRD')).toBe('2025-06-06');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-03-25');
    expect(calculatedDate(result, 'SLED')).toBe('2026-01-05');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-05-31');

    const crd = result.dates.find((d) => d.type === 'CRD')!.explanation;
    expect(crd.inputs).toMatchObject({
      additionalDaysAwarded: 10,
      restoredDays: 4,
      unlawfullyAtLargeDays: 0,
    });
    expect(crd.citation).toContain('Criminal Justice Act 2003 s.257(2)(a)');
    const crdSteps = crd.steps.join('\n');
    expect(crdSteps).toContain(
      'additional days: 10 awarded (Prison Rules 1999 r.55A) less 4 restored (remitted in accordance with prison rules) = 6 days extend the period to be served before release and before eligibility for release (CJA 2003 s.257(2)(a), https://www.legislation.gov.uk/ukpga/2003/44/section/257)',
    );
    expect(crdSteps).toContain(
      '146 days + 6 additional days (CJA 2003 s.257(2)(a)) = day 152 counting 2025-01-06 as day 1 is 2025-06-06',
    );
    expect(crd.unverified.join('\n')).toContain(
      'the rule of the Prison Rules 1999 under which days are restored',
    );

    const hdced = result.dates.find((d) => d.type === 'HDCED')!.explanation;
    expect(hdced.steps.join('\n')).toContain(
      'day 73 + 6 = day 79, counting 2025-01-06 as day 1, is 2025-03-25',
    );
    const sled = result.dates.find((d) => d.type === 'SLED')!.explanation;
    expect(sled.steps.join('\n')).toContain('do not move the sentence and licence expiry date');
    expect(sled.unverified.join('\n')).toContain('s.257(2)(c)');
    const tused = result.dates.find((d) => d.type === 'TUSED')!.explanation;
    expect(tused.steps.join('\n')).toContain('the requisite custodial period ends on 2025-05-31');
  });

  it('20 days unlawfully at large: every date 20 days later (Prison Act 1952 s.49(2))', () => {
    // Time served counts as from 2025-01-06 + 20 = 2025-01-26. SLED day 365 = 2026-01-25;
    // CRD day 146 = 2025-06-20; HDCED day 73 = 2025-04-08; TUSED: 12 months beginning 2025-06-21
    // end 2026-06-20.
    const result = calc(twelveMonths, { unlawfullyAtLargeDays: 20 });
    expect(calculatedDate(result, 'SLED')).toBe('2026-01-25');
    // HDC after time at large: flagged on the HDCED and in the warnings (s.246(4), review M5).
    expect(result.dates.find((d) => d.type === 'HDCED')!.explanation.unverified.join('\n')).toContain(
      'Prisoners (Return to Custody) Act 1995 s.1',
    );
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/^HDCED 2025-04-08: time unlawfully at large was given/),
    );
    expect(calc(twelveMonths).warnings.join('\n')).not.toContain('unlawfully at large');
    expect(calculatedDate(result, 'CRD')).toBe('2025-06-20');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-04-08');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-06-20');
    for (const d of result.dates) {
      expect(d.explanation.citation).toContain('Prison Act 1952 s.49(2)');
      expect(d.explanation.steps.join('\n')).toContain(
        'unlawfully at large: 20 days do not count as time served (Prison Act 1952 s.49(2), https://www.legislation.gov.uk/ukpga/Geo6and1Eliz2/15-16/52/section/49): every date moves 20 days later',
      );
      expect(d.explanation.inputs).toMatchObject({ unlawfullyAtLargeDays: 20 });
    }
  });

  it('remand, tagged bail, additional days and time at large together', () => {
    // Credit 30 + ⌈45/2⌉ = 53; at large 20: time served counts as from 2025-01-06 − 53 + 20 =
    // 2024-12-04. SLED day 365 = 2025-12-03. CRD day 146 + 8 (12 awarded − 4 restored) = day 154 =
    // 2025-05-06. HDCED: day 73 + 8 = day 81 = 2025-02-22. TUSED: the requisite custodial period
    // ends on day 146 = 2025-04-28; 12 months beginning 2025-04-29 end 2026-04-28.
    const result = calc(twelveMonths, {
      remandDays: 30,
      taggedBailCurfewDays: 45,
      additionalDaysAwarded: 12,
      restoredDays: 4,
      unlawfullyAtLargeDays: 20,
    });
    expect(calculatedDate(result, 'SLED')).toBe('2025-12-03');
    expect(calculatedDate(result, 'CRD')).toBe('2025-05-06');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-02-22');
    expect(calculatedDate(result, 'TUSED')).toBe('2026-04-28');
  });

  it('time at large counts against the sentences being served then, not a concurrent sentence imposed after it (s.49(2); review S2)', () => {
    // A: 12 months from 2024-01-02 → 2025-01-01 (366 days). At large 2024-03-01 to 2024-03-30 (30
    // days): time served on A counts from 2024-02-01. One-half of 366 = 183 → day 183 = 2024-08-01,
    // before 10 Sep 2024: released under one-half then (the 40% record does not move it).
    // SLED A: day 366 from 2024-02-01 = 2025-01-31.
    // B (for the escape): 18 months from 2024-05-01 → 2025-10-31 (549 days), imposed after the time
    // at large: no UAL. One-half 275 → 2025-01-30, after 10 Sep 2024, so 40% reaches it: 219.6 → 220
    // → day 220 = 2024-12-06. B governs: CRD 2024-12-06, SLED 2025-10-31 (the later expiry).
    // TUSED: 12 months beginning 2024-12-07 end 2025-12-06. HDCED: ⌈220/2⌉ = 110 → 2024-08-18.
    // (Before the fix B took the 30 days too: CRD 2025-01-05, SLED 2025-11-30, TUSED 2026-01-05.)
    const sentences: SentenceInput[] = [
      { id: 'A', sentenceDate: '2024-01-02', offenceDate: '2023-11-01', term: { months: 12 } },
      { id: 'B', sentenceDate: '2024-05-01', offenceDate: '2024-03-01', term: { months: 18 } },
    ];
    const period = { from: '2024-03-01', to: '2024-03-30' };
    const result = calc(sentences, { unlawfullyAtLargeDays: 30, unlawfullyAtLargePeriod: period });
    expect(calculatedDate(result, 'CRD')).toBe('2024-12-06');
    expect(calculatedDate(result, 'SLED')).toBe('2025-10-31');
    expect(calculatedDate(result, 'TUSED')).toBe('2025-12-06');
    expect(calculatedDate(result, 'HDCED')).toBe('2024-08-18');
    const sled = result.dates.find((d) => d.type === 'SLED')!.explanation;
    expect(sled.steps).toContain(
      'unlawfully at large from 2024-03-01 to 2024-03-30: not counted against B, imposed on 2024-05-01 after the time at large ended (Prison Act 1952 s.49(2) extends the period of liability under the sentences being served then)',
    );
    expect(sled.citation).not.toContain('Prison Act 1952');
    expect(sled.inputs).toMatchObject({
      unlawfullyAtLargeFrom: '2024-03-01',
      unlawfullyAtLargeTo: '2024-03-30',
    });

    // Without the period the calculation cannot tell which sentences were being served: refused,
    // naming the field (400 in the API). With the sentences imposed on the same day it is not needed.
    expect(() => calc(sentences, { unlawfullyAtLargeDays: 30 })).toThrow(
      expect.objectContaining({ field: 'unlawfullyAtLargePeriod' }),
    );
    const sameDay = calc(
      sentences.map((x) => ({ ...x, sentenceDate: '2024-01-02' })),
      { unlawfullyAtLargeDays: 30 },
    );
    // B: 18 months from 2024-01-02 → 2025-07-01 (547 days), served from 2024-01-02 + 30 =
    // 2024-02-01: SLED day 547 = 2025-07-31 (both groups take the 30 days).
    expect(calculatedDate(sameDay, 'SLED')).toBe('2025-07-31');

    // A sentence imposed within the time at large is not calculated.
    expect(() =>
      calc(sentences, {
        unlawfullyAtLargeDays: 30,
        unlawfullyAtLargePeriod: { from: '2024-04-15', to: '2024-05-20' },
      }),
    ).toThrow(expect.objectContaining({ reason: 'SENTENCED_WHILE_UNLAWFULLY_AT_LARGE', sentenceIds: ['B'] }));
  });

  it.each([
    [{ unlawfullyAtLargePeriod: { from: '2025-03-01', to: '2025-03-10' } }, 'unlawfullyAtLargePeriod'],
    [
      { unlawfullyAtLargeDays: 11, unlawfullyAtLargePeriod: { from: '2025-03-01', to: '2025-03-10' } },
      'unlawfullyAtLargeDays',
    ],
    [
      { unlawfullyAtLargeDays: 1, unlawfullyAtLargePeriod: { from: '2025-03-10', to: '2025-03-01' } },
      'unlawfullyAtLargePeriod.to',
    ],
    [
      { unlawfullyAtLargeDays: 1, unlawfullyAtLargePeriod: { from: '2025-02-30', to: '2025-03-01' } },
      'unlawfullyAtLargePeriod.from',
    ],
    // Ends before the sentence was imposed (2025-01-06): not time at large during it.
    [
      { unlawfullyAtLargeDays: 5, unlawfullyAtLargePeriod: { from: '2024-12-01', to: '2024-12-05' } },
      'unlawfullyAtLargePeriod',
    ],
  ] as [Partial<SentenceCalculationInput>, string][])(
    'refuses the time at large %j naming %s',
    (extra, field) => {
      expect(() => calc(twelveMonths, extra)).toThrow(InvalidSentenceInputError);
      expect(() => calc(twelveMonths, extra)).toThrow(expect.objectContaining({ field }));
    },
  );

  it('additional days never hold anyone past the end of the sentence', () => {
    // 15 weeks from 2025-03-03 = 105 days → SLED 2025-06-15; 40% = 42; + 70 additional days =
    // day 112, after day 105: released at the end of the sentence, 2025-06-15.
    const result = calc([one({ term: { weeks: 15 } })], { additionalDaysAwarded: 70 });
    expect(calculatedDate(result, 'SLED')).toBe('2025-06-15');
    expect(calculatedDate(result, 'CRD')).toBe('2025-06-15');
    expect(result.dates.find((d) => d.type === 'CRD')!.explanation.steps.join('\n')).toContain(
      'additional days beyond it are not served',
    );
    // HDCED: custodial period 42 days: max(28, 21, 42 − 365 + 1) = day 28; + 70 = day 98 =
    // 2025-06-08 (all the days, s.257(2)(a) as written). Release at day 105, not 42 + 70 = 112:
    // 7 days unused. HMPPS takes them off: day 91 = 2025-06-01. Flagged, not claimed to match (M1).
    expect(calculatedDate(result, 'HDCED')).toBe('2025-06-08');
    const hdced = result.dates.find((d) => d.type === 'HDCED')!.explanation.unverified.join('\n');
    expect(hdced).toContain('7 of the 70 additional days are not served before release');
    expect(hdced).toContain('which would give day 91, 2025-06-01');
    expect(hdced).not.toContain('as HMPPS calculate-release-dates does');
  });

  it('released at the end of the sentence before the 40% commencement: the one-half rule stands, and the HDCED and TUSED count on it (property spec counterexample)', () => {
    // 151 days from 2024-04-05 → SLED 2024-09-02. One-half = 76 + 83 additional days = day 159,
    // 2024-09-10: past the end, so released on 2024-09-02, before S.I. 2024/844 reached the
    // sentence (10 September 2024). The 40% record never applied: the requisite custodial period
    // is 76 days (ending 2024-06-19), not 61.
    const result = calc([one({ sentenceDate: '2024-04-05', term: { months: 4, weeks: 4, days: 1 } })], {
      asAt: '2024-09-10',
      additionalDaysAwarded: 83,
    });
    const crd = result.dates.find((d) => d.type === 'CRD')!;
    expect(crd.date).toBe('2024-09-02');
    expect(crd.explanation.ruleId).toBe('EW_SDS_HALF_2003');
    expect(crd.explanation.steps.join('\n')).toContain(
      'the sentence ends on 2024-09-02, before then, and nobody is held past the end of the sentence',
    );
    const hdced = result.dates.find((d) => d.type === 'HDCED')!;
    expect(hdced.explanation.inputs).toMatchObject({ custodialDays: 76, requisiteEnd: '2024-06-19' });
  });

  it('additional days that push the 40% point past its commencement keep it (the transitional rule sees the extended date)', () => {
    // 2 years from 2023-11-06 (731 days): 40% = 293 → 2024-08-24, before 10 Sep 2024, so without
    // additional days it is due on 10 Sep 2024 (above). With 30: day 323 → 2024-09-23, after the
    // commencement: released then (one-half would be day 366 + 30 = 396 → 2024-12-05).
    const result = calc([one({ sentenceDate: '2023-11-06', term: { years: 2 } })], {
      additionalDaysAwarded: 30,
    });
    expect(calculatedDate(result, 'CRD')).toBe('2024-09-23');
  });

  it('HDCED and TUSED count on the release point the CRD applied (40%), moved to the commencement (review S1 a)', () => {
    // 12 months from 2024-03-01 → 2025-02-28: 365 days. 40% = 146 → day 146 = 2024-07-24; + 20
    // additional days = day 166 = 2024-08-13, before 10 Sep 2024: CRD 2024-09-10 (one-half + 20 =
    // day 203 = 2024-09-19 was still to come, so the 40% record reaches it).
    // The requisite custodial period is the 40% one: 146 days, ending 2024-07-24.
    // HDCED: max(28, ⌈146/2⌉ = 73, 146 − 365 + 1) = 73; + 20 = day 93 = 2024-06-01.
    // TUSED: 12 months beginning 2024-07-25 end 2025-07-24 (after the SLED 2025-02-28).
    // (Before the fix a second release point without the days chose one-half: 183 days,
    // HDCED day 92 + 20 = 2024-06-20, TUSED 2025-08-30.)
    const result = calc(
      [one({ sentenceDate: '2024-03-01', offenceDate: '2024-01-15', term: { months: 12 } })],
      {
        additionalDaysAwarded: 20,
      },
    );
    expect(calculatedDate(result, 'CRD')).toBe('2024-09-10');
    expect(calculatedDate(result, 'SLED')).toBe('2025-02-28');
    expect(calculatedDate(result, 'HDCED')).toBe('2024-06-01');
    expect(calculatedDate(result, 'TUSED')).toBe('2025-07-24');
    const hdced = result.dates.find((d) => d.type === 'HDCED')!.explanation;
    expect(hdced.inputs).toMatchObject({ custodialDays: 146, requisiteEnd: '2024-07-24' });
    expect(hdced.steps.join('\n')).toContain(
      'requisite custodial period: 146 days from 2024-03-01 to 2024-07-24, the day the proportion applied for the CRD 2024-09-10 is served without the 20 additional days (the CRD is the later day on which that proportion reached the sentence)',
    );
    expect(hdced.unverified.join('\n')).toContain(
      'ending before the day that proportion reached the sentence',
    );
  });

  it('the transitional example: the HDCED counts on the 293-day period the CRD applied, with or without additional days (review S1 b)', () => {
    // 2 years from 2023-11-06 (731 days): 40% = 292.4 → 293 → 2024-08-24; + 30 = day 323 = 2024-09-23.
    // Requisite custodial period 293 days to 2024-08-24 (= CRD − 30). HDCED: max(28, ⌈293/2⌉ = 147,
    // 293 − 365 + 1) = 147; + 30 = day 177 = 2024-04-30 (day 147 = 2024-03-31).
    const result = calc(
      [one({ sentenceDate: '2023-11-06', offenceDate: '2023-06-01', term: { years: 2 } })],
      {
        additionalDaysAwarded: 30,
      },
    );
    expect(calculatedDate(result, 'CRD')).toBe('2024-09-23');
    expect(calculatedDate(result, 'HDCED')).toBe('2024-04-30');
    const hdced = result.dates.find((d) => d.type === 'HDCED')!.explanation;
    expect(hdced.steps.join('\n')).toContain(
      'requisite custodial period: 293 days from 2023-11-06 to 2024-08-24, the day the proportion applied for the CRD 2024-09-23 is served without the 30 additional days (at least 42)',
    );
    // Without the additional days the CRD is 10 Sep 2024 (the commencement), but the requisite
    // custodial period is the same 293 days: HDCED day 147 = 2024-03-31 (not day ⌈310/2⌉ = 155).
    const plain = calc([one({ sentenceDate: '2023-11-06', offenceDate: '2023-06-01', term: { years: 2 } })]);
    expect(calculatedDate(plain, 'CRD')).toBe('2024-09-10');
    expect(calculatedDate(plain, 'HDCED')).toBe('2024-03-31');
  });

  it.each([
    [{ restoredDays: 5, additionalDaysAwarded: 4 }, 'restoredDays'],
    [{ restoredDays: 1 }, 'restoredDays'],
    [{ additionalDaysAwarded: -1 }, 'additionalDaysAwarded'],
    [{ additionalDaysAwarded: 2.5 }, 'additionalDaysAwarded'],
    [{ unlawfullyAtLargeDays: -3 }, 'unlawfullyAtLargeDays'],
  ] as [Partial<SentenceCalculationInput>, string][])('refuses %j naming %s', (extra, field) => {
    expect(() => calc(twelveMonths, extra)).toThrow(InvalidSentenceInputError);
    expect(() => calc(twelveMonths, extra)).toThrow(expect.objectContaining({ field }));
  });

  it('restored days equal to those awarded cancel them', () => {
    const result = calc(twelveMonths, { additionalDaysAwarded: 7, restoredDays: 7 });
    expect(calculatedDate(result, 'CRD')).toBe('2025-05-31');
    expect(calculatedDate(result, 'HDCED')).toBe('2025-03-19');
  });
});
