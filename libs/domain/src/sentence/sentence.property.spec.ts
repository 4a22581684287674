import fc from 'fast-check';

import { addDays, type LocalDate } from '../calendar/local-date';
import { localDate } from '../property-arbitraries.spec-helper';
import {
  calculatedDate,
  calculateSentenceDates,
  type OffenceCategory,
  RELEASE_POINT_POLICIES,
  type ReleasePointPolicy,
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
const englandAndWales = fc.record({
  jurisdiction: fc.constant('ENGLAND_AND_WALES' as const),
  sentences: sentencesArb(['EW_SDS40_SCHEDULE_OFFENCE', 'EW_SCH15_PART1_VIOLENT']),
  asAt: localDate('2024-01-01', '2028-12-31'),
  remandDays: fc.integer({ min: 0, max: 120 }),
  taggedBailCurfewDays: fc.integer({ min: 0, max: 120 }),
});
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
  return addDays(earliest, -credit);
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

  it('the 40% records never make a release later than the one-half baseline alone', () => {
    const baselineOnly: SentencePolicyTable = {
      ...SENTENCE_POLICIES,
      releasePoints: RELEASE_POINT_POLICIES.filter((p) => p.commencement === 'BASELINE'),
    };
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
