import type { SentenceCalculation } from '@throughcare/domain';
import type { SentencesBody } from './sentence-calculation.schemas';
import { madeOnOtherSentences, type Computed } from './sentence-calculations.service';

// Review M2: a parole or early-release decision stands only on the sentences and the calculated
// release date it was made on (the version current when it was taken).

describe('madeOnOtherSentences', () => {
  const count1 = { id: 'count-1', sentenceDate: '2026-11-25', term: { days: 1000 } };
  const count2 = { ...count1, id: 'count-2', term: { days: 200 }, consecutiveTo: 'count-1' };
  const input = (...sentences: (typeof count1)[]) => ({ sentences }) as unknown as SentencesBody;
  const computed = (date: string | null): Computed => ({
    calculation: {} as SentenceCalculation,
    releaseDate: date === null ? null : { type: 'CRD', date },
  });
  const basis = (date: string | null, ...sentences: (typeof count1)[]) => ({
    version: 3,
    input: input(...sentences),
    releaseDate: date,
    releaseDateType: date === null ? null : ('CRD' as const),
  });
  const decision = { previousExpectedReleaseDate: '2027-06-01' };

  it('stands on the same sentences and the same calculated date', () => {
    expect(
      madeOnOtherSentences(basis('2027-12-29', count1), decision, input(count1), computed('2027-12-29')),
    ).toBeNull();
  });

  it('is made on other sentences when one is added, and says what differs', () => {
    expect(
      madeOnOtherSentences(
        basis('2027-12-29', count1),
        decision,
        input(count1, count2),
        computed('2028-03-18'),
      ),
    ).toBe(
      'it was made on sentence calculation version 3 (CRD 2027-12-29); the sentences are not those and the calculated release date is now CRD 2028-03-18',
    );
  });

  it('is made on another date when only the calculated date moved (remand found, a new release point)', () => {
    expect(
      madeOnOtherSentences(basis('2027-12-29', count1), decision, input(count1), computed('2027-12-19')),
    ).toBe(
      'it was made on sentence calculation version 3 (CRD 2027-12-29); the calculated release date is now CRD 2027-12-19',
    );
  });

  it('before any calculation, compares only the expected release date the decision replaced', () => {
    expect(madeOnOtherSentences(null, decision, input(count1), computed('2027-06-01'))).toBeNull();
    expect(madeOnOtherSentences(null, decision, input(count1), computed('2027-12-29'))).toBe(
      'it was made before any sentence calculation, on the expected release date 2027-06-01; the sentences now recorded give CRD 2027-12-29',
    );
    expect(madeOnOtherSentences(null, decision, input(count1), computed(null))).toMatch(
      /the sentences now recorded give no release date$/,
    );
  });
});
