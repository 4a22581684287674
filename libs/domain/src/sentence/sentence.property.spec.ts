import fc from 'fast-check';

import { addDays, type LocalDate } from '../calendar/local-date';
import { localDate } from '../property-arbitraries.spec-helper';
import { ceilProportionOfDays } from './rational';
import {
  calculatedDate,
  calculateSentenceDates,
  type OffenceCategory,
  RELEASE_POINT_POLICIES,
  type ReleasePointPolicy,
  resolvedSentenceSpans,
  type SentenceCalculation,
  type SentenceCalculationInput,
  type SentenceInput,
  SENTENCE_POLICIES,
  type SentencePolicyTable,
  UnsupportedSentenceError,
} from './index';

const RUNS = Number(process.env.SENTENCE_PROPERTY_RUNS ?? 300);

const term = fc.record({
  years: fc.integer({ min: 0, max: 3 }),
  months: fc.integer({ min: 0, max: 11 }),
  weeks: fc.integer({ min: 0, max: 4 }),
  days: fc.integer({ min: 1, max: 30 }),
});

function sentencesArb(categories: readonly OffenceCategory[]): fc.Arbitrary<SentenceInput[]> {
  const one = fc.record({
    sentenceDate: localDate('2022-01-01', '2027-12-31'),
    term,
    offenceCategories: fc.subarray([...categories], { maxLength: 1 }),
    consecutive: fc.boolean(),
  });
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((list) =>
    list.map((s, i) => ({
      id: `S${i}`,
      sentenceDate: i > 0 && s.consecutive ? list[0]!.sentenceDate : s.sentenceDate,
      term: s.term,
      offenceCategories: s.offenceCategories,
      offenceDate: '2021-06-01',
      ...(i > 0 && s.consecutive ? { consecutiveTo: `S${i - 1}` } : {}),
    })),
  );
}

const scotland = fc.record({
  jurisdiction: fc.constant('SCOTLAND' as const),
  sentences: sentencesArb(['SCOTLAND_DOMESTIC_ABUSE', 'SCOTLAND_SEXUAL_SOA2003_SCH3']),
  asAt: localDate('2024-01-01', '2028-12-31'),
});
/**
 * Days at large with a period every concurrent group was imposed by (so they all take the days):
 * from the latest first-sentence date, as many days as at large.
 */
function atLarge(input: SentenceCalculationInput, days: number): SentenceCalculationInput {
  if (days === 0) return { ...input, unlawfullyAtLargeDays: 0 };
  const from = input.sentences
    .filter((s) => !s.consecutiveTo)
    .map((s) => s.sentenceDate)
    .reduce((a, b) => (a > b ? a : b));
  return {
    ...input,
    unlawfullyAtLargeDays: days,
    unlawfullyAtLargePeriod: { from, to: addDays(from, days - 1) },
  };
}

const englandAndWales = fc
  .record({
    jurisdiction: fc.constant('ENGLAND_AND_WALES' as const),
    sentences: sentencesArb(['EW_SDS40_SCHEDULE_OFFENCE', 'EW_SCH15_PART1_VIOLENT']),
    asAt: localDate('2024-01-01', '2028-12-31'),
    remandDays: fc.integer({ min: 0, max: 120 }),
    taggedBailCurfewDays: fc.integer({ min: 0, max: 120 }),
    adjustments: fc.option(
      fc.record({
        awarded: fc.integer({ min: 0, max: 120 }),
        restoredShare: fc.double({ min: 0, max: 1, noNaN: true }),
        atLarge: fc.integer({ min: 0, max: 90 }),
      }),
    ),
  })
  .map(({ adjustments, ...rest }) =>
    adjustments === null
      ? rest
      : atLarge(
          {
            ...rest,
            additionalDaysAwarded: adjustments.awarded,
            restoredDays: Math.floor(adjustments.awarded * adjustments.restoredShare),
          },
          adjustments.atLarge,
        ),
  );
const anyInput: fc.Arbitrary<SentenceCalculationInput> = fc.oneof(scotland, englandAndWales);

/** The calculation, or null where it is refused as unsupported (a gap, a long-term sentence …). */
function tryCalc(input: SentenceCalculationInput, table: SentencePolicyTable = SENTENCE_POLICIES) {
  try {
    return calculateSentenceDates(input, table);
  } catch (e) {
    if (e instanceof UnsupportedSentenceError) return null;
    throw e;
  }
}

const releaseOf = (c: SentenceCalculation): LocalDate =>
  calculatedDate(c, c.jurisdiction === 'SCOTLAND' ? 'ARD' : 'CRD')!;
const expiryOf = (c: SentenceCalculation): LocalDate =>
  calculatedDate(c, c.jurisdiction === 'SCOTLAND' ? 'SED' : 'SLED')!;

function firstDayServed(input: SentenceCalculationInput): LocalDate {
  const earliest = input.sentences
    .filter((s) => !s.consecutiveTo)
    .map((s) => s.sentenceDate)
    .reduce((a, b) => (a < b ? a : b));
  const credit = (input.remandDays ?? 0) + Math.ceil((input.taggedBailCurfewDays ?? 0) / 2);
  return addDays(earliest, (input.unlawfullyAtLargeDays ?? 0) - credit);
}

describe('sentence calculation properties', () => {
  it('release is never before time served starts nor after the sentence ends; HDC eligibility comes before release', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const c = tryCalc(input);
        fc.pre(c !== null);
        const release = releaseOf(c!);
        const from = firstDayServed(input);
        expect(release >= from).toBe(true);
        expect(release <= expiryOf(c!)).toBe(true);
        const hdced = calculatedDate(c!, 'HDCED');
        if (hdced !== undefined) {
          expect(hdced >= from).toBe(true);
          expect(hdced < release).toBe(true);
        }
        const tused = calculatedDate(c!, 'TUSED');
        if (tused !== undefined) expect(tused > expiryOf(c!)).toBe(true);
        for (const d of c!.dates) {
          expect(d.explanation.steps.length).toBeGreaterThan(0);
          expect(d.explanation.citation).not.toBe('');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('adding a lower release point never makes a release later (a bulk re-plan only moves dates earlier)', () => {
    const lower = (jurisdiction: 'SCOTLAND' | 'ENGLAND_AND_WALES', from: LocalDate): ReleasePointPolicy => ({
      id: `TEST_${jurisdiction}_THREE_TENTHS`,
      version: 1,
      jurisdiction,
      sentenceClass: jurisdiction === 'SCOTLAND' ? 'SCOTLAND_SHORT_TERM' : 'ENGLAND_AND_WALES_SDS',
      proportion: { num: 3, den: 10 },
      inForceFrom: from,
      commencement: 'VERIFIED',
      appliesTo: { kind: 'ALL_SERVING' },
      excludedOffenceCategories: [],
      source: { citation: 'test record', url: 'https://example.invalid/' },
    });
    fc.assert(
      fc.property(anyInput, localDate('2024-01-01', '2028-12-31'), (input, from) => {
        const before = tryCalc(input);
        fc.pre(before !== null);
        const table: SentencePolicyTable = {
          ...SENTENCE_POLICIES,
          releasePoints: [...RELEASE_POINT_POLICIES, lower(input.jurisdiction, from)],
        };
        const after = tryCalc(input, table)!;
        expect(releaseOf(after) <= releaseOf(before!)).toBe(true);
        expect(expiryOf(after)).toBe(expiryOf(before!));
      }),
      { numRuns: RUNS },
    );
  });

  const baselineOnly: SentencePolicyTable = {
    ...SENTENCE_POLICIES,
    releasePoints: RELEASE_POINT_POLICIES.filter((p) => p.commencement === 'BASELINE'),
  };
  const withoutAdjustments = (input: SentenceCalculationInput): SentenceCalculationInput => {
    const {
      additionalDaysAwarded: _a,
      restoredDays: _r,
      unlawfullyAtLargeDays: _u,
      unlawfullyAtLargePeriod: _p,
      ...rest
    } = input;
    return rest;
  };

  it('E&W: additional days less those restored move the CRD and HDCED later by exactly that many days (short of the sentence end), never the SLED or TUSED', () => {
    // The baseline table only: a change of release point reaching a sentence from its commencement
    // can absorb days (a release due on the commencement day), which is tested by example.
    fc.assert(
      fc.property(
        englandAndWales,
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (base, a, r) => {
          const input = { ...withoutAdjustments(base), additionalDaysAwarded: a + r, restoredDays: r };
          const before = tryCalc(withoutAdjustments(base), baselineOnly);
          fc.pre(before !== null);
          const crdBefore = calculatedDate(before!, 'CRD')!;
          const after = tryCalc(input, baselineOnly)!;
          // Never earlier, never more than the days added (a concurrent group's own end caps them).
          const crdAfter = calculatedDate(after, 'CRD')!;
          expect(crdAfter >= crdBefore && crdAfter <= addDays(crdBefore, a)).toBe(true);
          expect(calculatedDate(after, 'SLED')).toBe(calculatedDate(before!, 'SLED'));
          // One chain of sentences, released short of its end: exactly the days added.
          fc.pre(input.sentences.filter((x) => x.consecutiveTo === undefined).length === 1);
          fc.pre(addDays(crdBefore, a) <= calculatedDate(before!, 'SLED')!);
          expect(crdAfter).toBe(addDays(crdBefore, a));
          expect(calculatedDate(after, 'SLED')).toBe(calculatedDate(before!, 'SLED'));
          expect(calculatedDate(after, 'TUSED')).toBe(calculatedDate(before!, 'TUSED'));
          const hdced = calculatedDate(before!, 'HDCED');
          expect(calculatedDate(after, 'HDCED')).toBe(hdced === undefined ? undefined : addDays(hdced, a));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('E&W, the whole table (40% transitional records too): the HDCED and TUSED count on the proportion the CRD applied, ending additional days before the CRD unless it was moved to a commencement day or the sentence end', () => {
    // Review S1 (stop 41): the baseline table alone cannot show a second release point choosing
    // another proportion. One sentence, so the CRD's record gives the one proportion applied.
    const records = new Map(RELEASE_POINT_POLICIES.map((p) => [p.id, p] as const));
    fc.assert(
      fc.property(englandAndWales, fc.integer({ min: 0, max: 90 }), (base, a) => {
        fc.pre(base.sentences.length === 1);
        const input = { ...withoutAdjustments(base), additionalDaysAwarded: a };
        const c = tryCalc(input);
        fc.pre(c !== null);
        const crd = c!.dates.find((d) => d.type === 'CRD')!;
        const counted = c!.dates.filter((d) => d.type === 'HDCED' || d.type === 'TUSED');
        fc.pre(counted.length > 0);
        const record = records.get(crd.explanation.ruleId)!;
        const days = resolvedSentenceSpans(input.sentences)!.get('S0')!.days;
        const requisiteDays = ceilProportionOfDays(days, record.proportion);
        for (const d of counted) {
          const end = d.explanation.inputs.requisiteEnd as LocalDate;
          if (d.type === 'HDCED') expect(d.explanation.inputs.custodialDays).toBe(requisiteDays);
          const commencements = [
            record.inForceFrom,
            record.appliesTo.kind === 'ALL_SERVING_STAGGERED' ? record.appliesTo.laterFrom : null,
          ];
          const plusAdded = addDays(end, a);
          if (plusAdded !== crd.date) {
            const moved = plusAdded < crd.date && commencements.includes(crd.date);
            const capped = plusAdded > crd.date && crd.date === calculatedDate(c!, 'SLED');
            expect(moved || capped).toBe(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('E&W: days unlawfully at large move the SLED later by exactly that many days (any table), and the CRD and HDCED too (baseline table)', () => {
    fc.assert(
      fc.property(englandAndWales, fc.integer({ min: 0, max: 200 }), (base, ual) => {
        const plain = withoutAdjustments(base);
        const before = tryCalc(plain);
        fc.pre(before !== null);
        const after = tryCalc(atLarge(plain, ual))!;
        expect(calculatedDate(after, 'SLED')).toBe(addDays(calculatedDate(before!, 'SLED')!, ual));
        const [b, a] = [tryCalc(plain, baselineOnly)!, tryCalc(atLarge(plain, ual), baselineOnly)!];
        expect(calculatedDate(a, 'CRD')).toBe(addDays(calculatedDate(b, 'CRD')!, ual));
        const hdced = calculatedDate(b, 'HDCED');
        expect(calculatedDate(a, 'HDCED')).toBe(hdced === undefined ? undefined : addDays(hdced, ual));
      }),
      { numRuns: RUNS },
    );
  });

  it('E&W: time at large counts only against the concurrent groups imposed by its first day: the SLED is the latest of each group alone, with the days or without (review S2)', () => {
    /** Each consecutive chain's sentences, from its first. */
    const chainsOf = (sentences: readonly SentenceInput[]): SentenceInput[][] =>
      sentences
        .filter((x) => x.consecutiveTo === undefined)
        .map((root) => {
          const chain = [root];
          let next = sentences.find((x) => x.consecutiveTo === root.id);
          while (next) {
            chain.push(next);
            const last: SentenceInput = next;
            next = sentences.find((x) => x.consecutiveTo === last.id);
          }
          return chain;
        });
    fc.assert(
      fc.property(englandAndWales, fc.integer({ min: 1, max: 90 }), (base, ual) => {
        const plain = withoutAdjustments(base);
        const chains = chainsOf(plain.sentences);
        const from = chains.map((c) => c[0]!.sentenceDate).reduce((a, b) => (a < b ? a : b));
        const to = addDays(from, ual - 1);
        // A group imposed within the time at large is refused: leave those out.
        fc.pre(chains.every((c) => c[0]!.sentenceDate <= from || c[0]!.sentenceDate > to));
        const c = tryCalc({ ...plain, unlawfullyAtLargeDays: ual, unlawfullyAtLargePeriod: { from, to } });
        fc.pre(c !== null);
        const alone = chains.map((chain) => {
          const taken = chain[0]!.sentenceDate <= from;
          return calculatedDate(
            tryCalc({ ...plain, sentences: chain, ...(taken ? { unlawfullyAtLargeDays: ual } : {}) })!,
            'SLED',
          )!;
        });
        expect(calculatedDate(c!, 'SLED')).toBe(alone.reduce((a, b) => (a > b ? a : b)));
      }),
      { numRuns: RUNS },
    );
  });

  it('the 40% records never make a release later than the one-half baseline alone', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const now = tryCalc(input);
        fc.pre(now !== null);
        expect(releaseOf(now!) <= releaseOf(tryCalc(input, baselineOnly)!)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
