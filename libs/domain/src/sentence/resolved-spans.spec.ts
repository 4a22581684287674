import {
  calculatedDate,
  calculateSentenceDates,
  resolvedSentenceSpans,
  SENTENCE_POLICIES,
  type SentenceInput,
} from './index';

// Review S1 (consecutive check of madeOnOtherSentences): the spans a decision is compared on are
// the calculator's own, a consecutive sentence starting the day after the one before it ends.

describe('resolvedSentenceSpans', () => {
  const a: SentenceInput = { id: 'A', sentenceDate: '2025-12-05', term: { days: 57 } };
  const b: SentenceInput = { id: 'B', sentenceDate: '2025-12-05', term: { months: 2 }, consecutiveTo: 'A' };

  it('gives each sentence its start, end and days; a consecutive one from the day after the one before it ends', () => {
    const spans = resolvedSentenceSpans([b, a]);
    expect(spans?.get('A')).toEqual({ start: '2025-12-05', end: '2026-01-30', days: 57 });
    // Two months from 2026-01-31 (not from its sentence date 2025-12-05, 62 days): 59 days.
    expect(spans?.get('B')).toEqual({ start: '2026-01-31', end: '2026-03-30', days: 59 });
    // A concurrent one from its start date (a Scottish backdated start), else its sentence date.
    expect(resolvedSentenceSpans([{ ...a, startDate: '2025-11-01' }])?.get('A')).toEqual({
      start: '2025-11-01',
      end: '2025-12-27',
      days: 57,
    });
  });

  it('is the resolution the calculator releases on (same chain, same days: E&W SDS40 and Scotland)', () => {
    const spans = resolvedSentenceSpans([a, { ...b, term: { days: 61 } }])!;
    expect(spans.get('B')).toEqual({ start: '2026-01-31', end: '2026-04-01', days: 61 });
    for (const [jurisdiction, type] of [
      ['ENGLAND_AND_WALES', 'CRD'],
      ['SCOTLAND', 'ARD'],
    ] as const) {
      const release = (sentences: SentenceInput[]) =>
        calculatedDate(
          calculateSentenceDates({ jurisdiction, sentences, asAt: '2025-12-05' }, SENTENCE_POLICIES),
          type,
        );
      // 57 + 59 days, 40 per cent: day 47; 57 + 61: day 48.
      expect(release([a, b])).toBe('2026-01-20');
      expect(release([a, { ...b, term: { days: 61 } }])).toBe('2026-01-21');
    }
  });

  it('is null, never a throw, for sentences the calculator refuses to resolve', () => {
    for (const sentences of [
      [{ ...b, consecutiveTo: 'gone' }],
      [{ ...a, consecutiveTo: 'B' }, b],
      [a, b, { ...b, id: 'C' }],
      [a, { ...b, startDate: '2026-02-01' }],
      [{ ...a, sentenceDate: '2025-02-30' }],
      [{ ...a, term: { days: -1 } }],
      [a, { ...a }],
      [{ ...a, sentenceDate: '9999-12-01', term: { years: 5 } }],
    ] as SentenceInput[][])
      expect(resolvedSentenceSpans(sentences)).toBeNull();
    expect(resolvedSentenceSpans([])).toEqual(new Map());
  });
});
