import type { SentencesBody } from './sentence-calculation.schemas';
import { madeOnOtherSentences } from './sentence-calculations.service';

// Stop 37 review S1: a parole or early-release decision is made on the sentences, not on the
// calculated date. It no longer covers them only when a sentence was added or lengthened against
// the sentences of the calculation version it was made on (recorded with it, review S2).

describe('madeOnOtherSentences', () => {
  type Sentence = SentencesBody['sentences'][number];
  const count1: Sentence = { id: 'count-1', sentenceDate: '2026-11-25', term: { days: 1000 } };
  const count2: Sentence = { id: 'count-2', sentenceDate: '2026-11-25', term: { days: 200 } };
  const input = (...sentences: Sentence[]) => ({ sentences });
  const basis = (...sentences: Sentence[]) => ({ version: 3, input: input(...sentences) });

  it('stands on the same sentences (whatever remand or release point now gives)', () => {
    expect(madeOnOtherSentences(basis(count1, count2), input(count1, count2))).toBeNull();
  });

  it('stands when the sentences are reordered or a field the calculation does not lengthen on changes', () => {
    expect(madeOnOtherSentences(basis(count1, count2), input(count2, count1))).toBeNull();
    expect(
      madeOnOtherSentences(
        basis(count1),
        input({ ...count1, offenceDate: '2026-01-02', startDate: '2026-10-01' }),
      ),
    ).toBeNull();
  });

  it('stands when a sentence was removed, shortened or made concurrent', () => {
    expect(madeOnOtherSentences(basis(count1, count2), input(count1))).toBeNull();
    expect(madeOnOtherSentences(basis(count1), input({ ...count1, term: { days: 900 } }))).toBeNull();
    expect(
      madeOnOtherSentences(basis(count1, { ...count2, consecutiveTo: 'count-1' }), input(count1, count2)),
    ).toBeNull();
  });

  it('is set aside when a sentence was added, and says which', () => {
    expect(madeOnOtherSentences(basis(count1), input(count1, count2))).toBe(
      'it was made on the sentences of calculation version 3; since then sentence count-2 was added',
    );
    expect(
      madeOnOtherSentences(basis(count1), input(count1, { ...count2, consecutiveTo: 'count-1' })),
    ).toMatch(/sentence count-2 was added$/);
  });

  it('is set aside when a sentence was lengthened: a longer term, a later sentence date, now consecutive', () => {
    expect(madeOnOtherSentences(basis(count1), input({ ...count1, term: { years: 3 } }))).toBe(
      'it was made on the sentences of calculation version 3; since then the term of sentence count-1 is longer',
    );
    expect(madeOnOtherSentences(basis(count1), input({ ...count1, sentenceDate: '2026-12-01' }))).toMatch(
      /sentence count-1 is dated 2026-12-01, not 2026-11-25$/,
    );
    expect(
      madeOnOtherSentences(basis(count1, count2), input(count1, { ...count2, consecutiveTo: 'count-1' })),
    ).toMatch(/sentence count-2 is now consecutive to count-1$/);
  });
});
