import type { DataSource } from 'typeorm';
import type { Jurisdiction } from '@throughcare/contracts';
import { addDays, calculateReleaseUnits, type SentenceCalculation } from '@throughcare/domain';
import type { ReleaseDateChange } from './release-date-change.entity';
import type { ReleaseDateService } from './release-date.service';
import type { SentenceCalculationOutcomeView, SentencesBody } from './sentence-calculation.schemas';
import {
  madeOnOtherSentences,
  matchSentences,
  SentenceCalculationsService,
  type Computed,
  type DecisionOnSentences,
} from './sentence-calculations.service';

// Final review of stop 37, M4 (and stop 37 review S1): a parole or early-release decision releases
// the person from the sentences it was made on (those of the calculation version recorded with it,
// review S2). It is set aside when something it was not made on holds the person past its date:
// the release units of both sets, calculated alike (the same policy, day and time served), are
// compared, never the sentence ids alone or the aggregate CRD alone. Review of h-sent3: a sentence
// passed later is never inferred known (S1), one added is weighed without the remand credit (S2),
// a re-key with a benign correction stands (M1), a Scottish removal keeps it (M2), and what the
// answer rests on is named for staff (M3).

type Sentence = SentencesBody['sentences'][number];
const unitsIn =
  (jurisdiction: Jurisdiction = 'ENGLAND_AND_WALES', remandDays = 0): Computed['unitsOf'] =>
  (sentences, options) =>
    calculateReleaseUnits({
      jurisdiction,
      sentences,
      asAt: '2026-12-01',
      remandDays: options?.credit === false ? 0 : remandDays,
    });

describe('matchSentences', () => {
  it('matches by id, then a new id by what the calculation turns on (a re-keyed sentence, its consecutive one too)', () => {
    const a: Sentence = { id: 'count-1', sentenceDate: '2026-11-25', term: { years: 2 } };
    const b: Sentence = { ...a, id: 'count-2', term: { months: 6 }, consecutiveTo: 'count-1' };
    const matched = matchSentences(
      [a, b],
      [
        { ...a, id: 'A', term: { months: 24 } },
        { ...b, id: 'B', consecutiveTo: 'A' },
      ],
    );
    expect([...matched].map(([id, was]) => [id, was.id])).toEqual([
      ['A', 'count-1'],
      ['B', 'count-2'],
    ]);
    // Another term, another date or another offence category is another sentence.
    expect(matchSentences([a], [{ ...a, id: 'A', term: { years: 3 } }]).size).toBe(0);
    expect(matchSentences([a], [{ ...a, id: 'A', sentenceDate: '2026-11-26' }]).size).toBe(0);
    expect(
      matchSentences([a], [{ ...a, id: 'A', offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] }]).size,
    ).toBe(0);
    // An id still in use is never taken for another.
    expect([...matchSentences([a], [a, { ...a, id: 'A' }]).keys()]).toEqual(['count-1']);
  });

  it('N5: compares a consecutive term as resolved from its real start when the days are given', () => {
    // count-1: 15 months from 2026-11-25, to 2028-02-24; count-2: 6 months consecutive, from
    // 2028-02-25 (a leap February): 182 days. Re-entered as B with { days: 182 }. Counted from the
    // sentence date (2026-11-25) 6 months are 181 days.
    const a: Sentence = { id: 'count-1', sentenceDate: '2026-11-25', term: { months: 15 } };
    const b: Sentence = { ...a, id: 'count-2', term: { months: 6 }, consecutiveTo: 'count-1' };
    const rekeyed: Sentence = { ...b, id: 'B', term: { days: 182 } };
    const daysOf = (ss: Sentence[]) =>
      new Map(unitsIn()(ss).flatMap((u) => u.terms.map((t) => [t.id, t.days] as const)));
    expect(daysOf([a, b]).get('count-2')).toBe(182);
    expect(matchSentences([a, b], [a, rekeyed]).has('B')).toBe(false);
    expect(
      matchSentences([a, b], [a, rekeyed], { then: daysOf([a, b]), now: daysOf([a, rekeyed]) }).get('B')?.id,
    ).toBe('count-2');
  });
});

describe('madeOnOtherSentences', () => {
  // count-1: 1,000 days from 2026-11-25, CRD (40%) 2027-12-29, SLED 2029-08-20. Parole on 2027-09-01,
  // directed on 2026-12-01.
  const count1: Sentence = { id: 'count-1', sentenceDate: '2026-11-25', term: { days: 1000 } };
  const decided = '2027-09-01';
  const input = (...sentences: Sentence[]) => ({ sentences });
  const basis = (...sentences: Sentence[]) => ({ version: 3, input: input(...sentences) });
  const coverage = (
    on: ReturnType<typeof basis>,
    now: ReturnType<typeof input>,
    {
      units = unitsIn(),
      jurisdiction = 'ENGLAND_AND_WALES' as Jurisdiction,
      date = decided,
      reason = 'PAROLE' as DecisionOnSentences['reason'],
      decidedOn = '2026-12-01',
    } = {},
  ) => madeOnOtherSentences(on, now, { reason, date, decidedOn }, units, jurisdiction);
  /** Why it is set aside (null: kept). */
  const made = (...args: Parameters<typeof coverage>) => coverage(...args).notCovered;
  /** A concurrent sentence passed later (a new conviction): 2027-01-10, `days` long. */
  const later = (days: number, id = 'count-2'): Sentence => ({
    id,
    sentenceDate: '2027-01-10',
    term: { days },
  });

  it('stands on the same sentences, whatever remand now gives (a moved CRD alone), with nothing to check', () => {
    expect(coverage(basis(count1), input(count1))).toEqual({ notCovered: null, caveats: [] });
    expect(coverage(basis(count1), input(count1), { units: unitsIn('ENGLAND_AND_WALES', 40) })).toEqual({
      notCovered: null,
      caveats: [],
    });
  });

  it('stands when the sentences are reordered, an offence date corrected or the start backdated', () => {
    const count2: Sentence = { ...count1, id: 'count-2', term: { days: 200 } };
    expect(made(basis(count1, count2), input(count2, count1))).toBeNull();
    expect(
      made(basis(count1), input({ ...count1, offenceDate: '2026-01-02', startDate: '2026-10-01' })),
    ).toBeNull();
  });

  it('stands when a sentence was removed, shortened or made concurrent', () => {
    const count2 = later(1500);
    expect(made(basis(count1, count2), input(count1))).toBeNull();
    expect(made(basis(count1), input({ ...count1, term: { days: 900 } }))).toBeNull();
    const following: Sentence = { ...count1, id: 'count-2', term: { days: 300 }, consecutiveTo: 'count-1' };
    expect(
      made(basis(count1, following), input(count1, { ...following, consecutiveTo: undefined })),
    ).toBeNull();
    // An offence category taken off: released earlier, not later.
    expect(
      made(basis({ ...count1, offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] }), input(count1)),
    ).toBeNull();
  });

  it('stands when a sentence is re-keyed under another id, split or merged with the same term and dates', () => {
    // Re-keyed with the same facts: the same sentence under the staff's new label.
    expect(coverage(basis(count1), input({ ...count1, id: 'case-77-line-1' }))).toEqual({
      notCovered: null,
      caveats: [],
    });
    // Split into two consecutive parts of the same 1,000 days: each part rounded up on its own
    // gives 2027-12-30, a day later only by rounding. An inference: staff are asked to check.
    const split = input(
      { id: 'a', sentenceDate: '2026-11-25', term: { days: 601 } },
      { id: 'b', sentenceDate: '2026-11-25', term: { days: 399 }, consecutiveTo: 'a' },
    );
    expect(unitsIn()(split.sentences)[0]?.release).toBe('2027-12-30');
    expect(coverage(basis(count1), split)).toEqual({
      notCovered: null,
      caveats: [
        'sentence a and sentence b are taken to be sentence count-1 re-entered (passed no later, no longer, for no other offence category): the decision is kept; check that nothing was added',
      ],
    });
    // Merged back, and kept under one of the ids.
    expect(made(basis(...split.sentences), input({ ...count1, id: 'a' }))).toBeNull();
    expect(made(basis(...split.sentences), input(count1))).toBeNull();
  });

  it('M1: stands when a re-key comes with a benign correction (a date corrected earlier, a Scottish start backdated), flagged', () => {
    // E&W: re-keyed as A-1 and dated 5 days earlier: CRD 2027-12-24, before count-1's.
    expect(
      coverage(basis(count1), input({ id: 'A-1', sentenceDate: '2026-11-20', term: { days: 1000 } })),
    ).toEqual({
      notCovered: null,
      caveats: [
        'sentence A-1 is taken to be sentence count-1 re-entered (passed no later, no longer, for no other offence category): the decision is kept; check that nothing was added',
      ],
    });
    // Scotland: c1 (ARD 2027-10-05) re-entered as X with the start backdated a month for remand:
    // ARD 2027-09-04. Early release on 2027-03-01 stands.
    const c1: Sentence = { id: 'c1', sentenceDate: '2026-09-01', term: { days: 1000 } };
    const x: Sentence = { ...c1, id: 'X', startDate: '2026-08-01' };
    expect(unitsIn('SCOTLAND')([x])[0]?.release).toBe('2027-09-04');
    expect(
      coverage(basis(c1), input(x), {
        units: unitsIn('SCOTLAND'),
        jurisdiction: 'SCOTLAND',
        date: '2027-03-01',
        reason: 'EARLY_RELEASE',
      }),
    ).toEqual({
      notCovered: null,
      caveats: [expect.stringMatching(/^sentence X is taken to be sentence c1 re-entered/)],
    });
  });

  it('M1: a re-key is never cover for a sentence added with it (each removed day is re-entered once)', () => {
    // count-1 re-keyed as A-1, and c (900 days, passed the same day, never recorded) added: c is
    // not a re-entry of count-1, whose days A-1 already takes. c's CRD 2027-11-19 holds the person.
    const c: Sentence = { id: 'c', sentenceDate: '2026-11-25', term: { days: 900 } };
    for (const now of [input({ ...count1, id: 'A-1' }, c), input(c, { ...count1, id: 'A-1' })])
      expect(made(basis(count1), now)).toEqual({
        because:
          'it was made on the sentences of calculation version 3; since then sentence c was added: sentence c (CRD 2027-11-19) holds the person until 2027-11-19, after its date',
        heldUntil: '2027-11-19',
      });
  });

  it('S1: a sentence passed the same day but not in the basis is added, not inferred known (E&W)', () => {
    const c: Sentence = { id: 'c', sentenceDate: '2026-11-25', term: { days: 900 } };
    expect(made(basis(count1), input(count1, c))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence c was added: sentence c (CRD 2027-11-19) holds the person until 2027-11-19, after its date',
      heldUntil: '2027-11-19',
    });
  });

  it('S1: a sentence passed after the decision is never covered, even with its start on the unit start day (E&W)', () => {
    // b: passed 2027-03-01 with its start given as 2026-11-25, 900 days: CRD 2027-11-19 on its own.
    const b: Sentence = { id: 'b', sentenceDate: '2027-03-01', startDate: '2026-11-25', term: { days: 900 } };
    expect(made(basis(count1), input(count1, b))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence b was added: sentence b (CRD 2027-11-19) holds the person until 2027-11-19, after its date',
      heldUntil: '2027-11-19',
    });
    // Passed after the day the decision was recorded, though on or before the basis's latest date:
    // a new conviction all the same.
    const count0: Sentence = { id: 'count-0', sentenceDate: '2027-06-01', term: { days: 10 } };
    const dated = { ...b, sentenceDate: '2027-02-01' };
    expect(made(basis(count1, count0), input(count1, count0, dated))?.heldUntil).toBe('2027-11-19');
  });

  it('stands when a short concurrent sentence is added that releases the person by its date, flagged', () => {
    // count-2: 200 days from 2027-01-10, CRD 2027-03-30: long before the parole date.
    expect(coverage(basis(count1), input(count1, later(200)))).toEqual({
      notCovered: null,
      caveats: [
        "sentence count-2 was added (passed 2027-01-10) and releases the person by 2027-03-30, before the decision's date: it is kept; check that it does not affect it",
      ],
    });
  });

  it('S2: a sentence added while serving is weighed without the remand credit of the sentences before it', () => {
    // a: 1,000 days from 2026-11-25 with 200 days' remand (CRD 2027-06-12). Parole for 2027-05-01.
    // b, a new offence: 500 days from 2027-02-01. With the credit its CRD would be 2027-01-31,
    // before it was passed; on its own it is 2027-08-19.
    const a: Sentence = { id: 'a', sentenceDate: '2026-11-25', term: { days: 1000 } };
    const b: Sentence = { id: 'b', sentenceDate: '2027-02-01', term: { days: 500 } };
    const remanded = unitsIn('ENGLAND_AND_WALES', 200);
    expect(remanded([a, b]).map((u) => u.release)).toEqual(['2027-06-12', '2027-01-31']);
    const expected = {
      because:
        'it was made on the sentences of calculation version 3; since then sentence b was added: sentence b (CRD 2027-08-19 on its own, without the remand and tagged-bail credit, which counts only towards the offence it was given for (CJA 2003 s.240ZA)) holds the person until 2027-08-19, after its date',
      heldUntil: '2027-08-19',
    };
    expect(made(basis(a), input(a, b), { units: remanded, date: '2027-05-01' })).toEqual(expected);
    // Without remand: the same answer, without the words on credit.
    expect(made(basis(a), input(a, b), { date: '2027-05-01' })?.heldUntil).toBe('2027-08-19');
    // A short one released by the decision's date on its own still stands, flagged.
    const short: Sentence = { ...b, term: { days: 100 } };
    expect(coverage(basis(a), input(a, short), { units: remanded, date: '2027-05-01' }).caveats).toEqual([
      expect.stringMatching(
        /^sentence b was added \(passed 2027-02-01\) and releases the person by 2027-03-12 on its own, without the remand/,
      ),
    ]);
  });

  it('N1: an added sentence whose CRD falls on the weekend after a Friday decision leaves the person that Friday: it stands', () => {
    // Parole on Friday 2027-09-03. 595 days from 2027-01-10: CRD Saturday 2027-09-04 (s.23(3):
    // released Friday 2027-09-03); 600 days: Monday 2027-09-06, after it.
    const friday = '2027-09-03';
    expect(coverage(basis(count1), input(count1, later(595)), { date: friday })).toEqual({
      notCovered: null,
      caveats: [
        'sentence count-2 was added (passed 2027-01-10) and releases the person by 2027-09-04, on the day the release-day rule lets them leave on the decision: it is kept; check that it does not affect it',
      ],
    });
    expect(made(basis(count1), input(count1, later(600)), { date: friday })?.heldUntil).toBe('2027-09-06');
  });

  it('is set aside when an added concurrent sentence extends the custody, held to its CRD', () => {
    // count-2: 1,500 days from 2027-01-10, CRD 2028-08-31: after count-1's CRD as well.
    expect(made(basis(count1), input(count1, later(1500)))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence count-2 was added: sentence count-2 (CRD 2028-08-31) holds the person until 2028-08-31, after its date',
      heldUntil: '2028-08-31',
    });
  });

  it('is set aside when an added concurrent sentence holds the person past its date though the aggregate CRD does not move', () => {
    // count-2: 800 days from 2027-01-10, CRD 2027-11-25: after the parole date, before count-1's
    // CRD 2027-12-29. The direction does not release anyone from count-2 (CJA 2003 s.263): held to
    // 2027-11-25, not to the aggregate CRD.
    expect(made(basis(count1), input(count1, later(800)))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence count-2 was added: sentence count-2 (CRD 2027-11-25) holds the person until 2027-11-25, after its date',
      heldUntil: '2027-11-25',
    });
  });

  it('is set aside when a sentence was lengthened: a longer term, now consecutive, a later date', () => {
    expect(made(basis(count1), input({ ...count1, term: { days: 1300 } }))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then the term of sentence count-1 is longer: sentence count-1 (CRD 2028-04-27) holds the person until 2028-04-27, after its date',
      heldUntil: '2028-04-27',
    });
    const count2: Sentence = { ...count1, id: 'count-2', term: { days: 800 } };
    expect(
      made(basis(count1, count2), input(count1, { ...count2, consecutiveTo: 'count-1' }))?.because,
    ).toMatch(
      /since then sentence count-2 is now consecutive to count-1: sentences count-1 \+ count-2 \(consecutive\) \(CRD \d{4}-\d{2}-\d{2}\) hold the person/,
    );
    expect(made(basis(count1), input({ ...count1, sentenceDate: '2026-12-20' }))?.because).toMatch(
      /since then sentence count-1 is dated 2026-12-20, not 2026-11-25:/,
    );
    // A consecutive sentence added (a new conviction: the aggregate is one term, s.264).
    expect(made(basis(count1), input(count1, { ...later(200), consecutiveTo: 'count-1' }))?.because).toMatch(
      /since then sentence count-2 was added \(consecutive to count-1\): sentences count-1 \+ count-2 \(consecutive\) \(CRD \d{4}-\d{2}-\d{2}\) hold the person/,
    );
  });

  it('is set aside when an offence category moves the release point later (an SDS40 Schedule offence: one-half)', () => {
    // Re-keyed with the category: not a re-entry (a category count-1 was not for), so added.
    expect(
      made(basis(count1), input({ ...count1, id: 'c1', offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] })),
    ).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence c1 was added: sentence c1 (CRD 2028-04-07) holds the person until 2028-04-07, after its date',
      heldUntil: '2028-04-07',
    });
    expect(
      made(basis(count1), input({ ...count1, offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] }))?.because,
    ).toMatch(
      /since then sentence count-1 is now for EW_SDS40_SCHEDULE_OFFENCE: sentence count-1 \(CRD 2028-04-07\)/,
    );
  });

  it('M3: a category added that does not move the release point sets an early release aside, and keeps a parole direction flagged', () => {
    // Scotland before the 2025 change: domestic abuse is at one-half like every short-term sentence.
    const s: Sentence = { id: 's', sentenceDate: '2024-03-01', term: { days: 700 } };
    const asAt2024 = (sentences: readonly Sentence[]) =>
      calculateReleaseUnits({ jurisdiction: 'SCOTLAND', sentences, asAt: '2024-06-01' });
    const recategorised = { ...s, offenceCategories: ['SCOTLAND_DOMESTIC_ABUSE' as const] };
    expect(asAt2024([s])[0]?.release).toBe(asAt2024([recategorised])[0]?.release);
    const on = {
      units: asAt2024,
      jurisdiction: 'SCOTLAND' as Jurisdiction,
      date: '2024-10-01',
      decidedOn: '2024-06-01',
    };
    expect(made(basis(s), input(recategorised), { ...on, reason: 'EARLY_RELEASE' })).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence s is now for SCOTLAND_DOMESTIC_ABUSE: sentence s (ARD 2025-02-13) holds the person until 2025-02-13, after its date',
      heldUntil: '2025-02-13',
    });
    expect(coverage(basis(s), input(recategorised), { ...on, reason: 'PAROLE' })).toEqual({
      notCovered: null,
      caveats: [
        'sentence s is now for SCOTLAND_DOMESTIC_ABUSE, which the direction was not made on; it does not move the release point, and the direction is kept: check it still applies',
      ],
    });
  });

  describe('Scotland: the single term', () => {
    const scotland = unitsIn('SCOTLAND');
    // charge-1: 700 days from 2026-09-01, ARD 2027-06-07. Early release decided on 2026-10-01 for
    // 2026-12-15.
    const charge1: Sentence = { id: 'charge-1', sentenceDate: '2026-09-01', term: { days: 700 } };
    const early = (on: ReturnType<typeof basis>, now: ReturnType<typeof input>, date = '2026-12-15') =>
      coverage(on, now, {
        units: scotland,
        jurisdiction: 'SCOTLAND',
        date,
        reason: 'EARLY_RELEASE',
        decidedOn: '2026-10-01',
      });

    it('S1: a new conviction inside the term that would hold the person past the date on its own sets it aside to the term ARD', () => {
      // The review's example: c1, 1,000 days from 2026-09-01 (ARD 2027-10-05), early release for
      // 2027-03-01; n1, 200 days passed 2027-01-10 (ARD 2027-03-30 on its own), ends within the
      // term: start, ARD and SED unchanged. n1 was never weighed: set aside, to the term's ARD.
      const c1: Sentence = { id: 'c1', sentenceDate: '2026-09-01', term: { days: 1000 } };
      const n1: Sentence = { id: 'n1', sentenceDate: '2027-01-10', term: { days: 200 } };
      const term = (ss: Sentence[]) => scotland(ss).map((u) => [u.start, u.release, u.expiry]);
      expect(term([c1, n1])).toEqual(term([c1]));
      expect(early(basis(c1), input(c1, n1), '2027-03-01')).toEqual({
        notCovered: {
          because:
            'it was made on the sentences of calculation version 3; since then sentence n1 was added: the single term of c1, n1 (ARD 2027-10-05), a single term the decision was not made on (sentence n1 alone would hold the person until 2027-03-30) holds the person until 2027-10-05, after its date',
          heldUntil: '2027-10-05',
        },
        caveats: [],
      });
      // charge-2, passed 2027-01-10 (ARD 2027-03-30 alone) with the decision for 2026-12-15.
      const within: Sentence = { id: 'charge-2', sentenceDate: '2027-01-10', term: { days: 200 } };
      expect(early(basis(charge1), input(charge1, within)).notCovered?.heldUntil).toBe('2027-06-07');
    });

    it('S1: a short new conviction released on its own by the date leaves it standing, flagged', () => {
      // 30 days from 2026-11-01: ARD 2026-11-12 on its own, before 2026-12-15.
      const short: Sentence = { id: 'charge-2', sentenceDate: '2026-11-01', term: { days: 30 } };
      expect(early(basis(charge1), input(charge1, short))).toEqual({
        notCovered: null,
        caveats: [
          "sentence charge-2 was added (passed 2026-11-01) and releases the person by 2026-11-12, before the decision's date: it is kept; check that it does not affect it",
        ],
      });
    });

    it('a new conviction that extends the term sets it aside to the term ARD', () => {
      const extending: Sentence = { id: 'charge-2', sentenceDate: '2027-01-10', term: { days: 900 } };
      expect(early(basis(charge1), input(charge1, extending)).notCovered?.because).toMatch(
        /since then sentence charge-2 was added: the single term of charge-1, charge-2 \(ARD \d{4}-\d{2}-\d{2}\), a single term the decision was not made on \(sentence charge-2 alone would hold the person until \d{4}-\d{2}-\d{2}\) holds the person/,
      );
    });

    it("a new conviction consecutive to one of the decision's: the term it makes holds the person to its ARD", () => {
      // charge-2: 30 days consecutive to charge-1 (which ends 2028-07-31): the single term
      // 2026-09-01 to 2028-08-30, 730 days, 40% = 292, ARD 2027-06-19. It cannot be taken apart
      // from charge-1, so the term is weighed.
      const following: Sentence = {
        id: 'charge-2',
        sentenceDate: '2027-01-10',
        term: { days: 30 },
        consecutiveTo: 'charge-1',
      };
      expect(scotland([charge1, following])[0]?.release).toBe('2027-06-19');
      expect(early(basis(charge1), input(charge1, following)).notCovered).toEqual({
        because:
          'it was made on the sentences of calculation version 3; since then sentence charge-2 was added (consecutive to charge-1): the single term of charge-1, charge-2 (ARD 2027-06-19) holds the person until 2027-06-19, after its date',
        heldUntil: '2027-06-19',
      });
    });

    it('new convictions that cannot be calculated on their own (they overlap only through charge-1) are weighed on the term', () => {
      // charge-2 and charge-3, 20 days each, a month apart: short, but not one term on their own
      // (NON_OVERLAPPING_SENTENCES). Never kept on that: the term's ARD holds the person.
      const charge2: Sentence = { id: 'charge-2', sentenceDate: '2026-11-01', term: { days: 20 } };
      const charge3: Sentence = { id: 'charge-3', sentenceDate: '2026-12-01', term: { days: 20 } };
      expect(() => scotland([charge2, charge3])).toThrow(/after the others end/);
      expect(early(basis(charge1), input(charge1, charge2, charge3)).notCovered).toEqual({
        because:
          'it was made on the sentences of calculation version 3; since then sentence charge-2 was added, sentence charge-3 was added: the single term of charge-1, charge-2, charge-3 (ARD 2027-06-07) holds the person until 2027-06-07, after its date',
        heldUntil: '2027-06-07',
      });
    });

    it('a re-keyed sentence with a new conviction: the conviction is weighed, the re-key is not cover for it', () => {
      const c1: Sentence = { id: 'c1', sentenceDate: '2026-09-01', term: { days: 1000 } };
      const x: Sentence = { ...c1, id: 'X', startDate: '2026-08-01' };
      const n1: Sentence = { id: 'n1', sentenceDate: '2027-01-10', term: { days: 200 } };
      expect(early(basis(c1), input(x, n1), '2027-03-01').notCovered?.heldUntil).toBe('2027-09-04');
    });

    it('M2: removing the sentence that started the term earliest keeps the decision, flagged for review', () => {
      // charge-0 started the single term on 2026-06-01 (backdated); without it the term starts
      // 2026-09-01 and releases later (2027-06-07) than the one the decision was made on
      // (2027-04-13). The decision was made on charge-1 too: kept, not moved six months later.
      const charge0: Sentence = {
        id: 'charge-0',
        sentenceDate: '2026-09-01',
        startDate: '2026-06-01',
        term: { days: 600 },
      };
      expect(scotland([charge0, charge1])[0]?.release).toBe('2027-04-13');
      expect(early(basis(charge0, charge1), input(charge1))).toEqual({
        notCovered: null,
        caveats: [
          'sentence charge-0 was removed, so sentence charge-1 (ARD 2027-06-07) releases later than the ARD 2027-04-13 the decision was made on; it was made on the sentences left, so it is kept: review whether it still applies',
        ],
      });
      // Removed, and the rest started later (remand taken off): not only a removal. Set aside.
      expect(
        early(basis(charge0, { ...charge1, startDate: '2026-08-01' }), input(charge1)).notCovered?.heldUntil,
      ).toBe('2027-06-07');
    });
  });
});

// Review N4 and M1 (effectOn with the episode's history given): a parole date passed is due now
// even when the new calculation gives no release date; a passed HDC date is kept with a caveat.
jest.mock('./episode-history', () => ({
  loadEpisodeHistory: jest.fn(),
  currentExpectedReleaseDate: jest.fn(),
}));

type Episode = Parameters<SentenceCalculationsService['effectOn']>[1];
type Manager = Parameters<SentenceCalculationsService['effectOn']>[0];
const history = jest.requireMock<{
  loadEpisodeHistory: jest.Mock;
  currentExpectedReleaseDate: jest.Mock;
}>('./episode-history');
/** An open English episode received on `receivedOn`. */
const anEpisode = (receivedOn: string) =>
  ({
    personId: 'p-1',
    episode: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    origin: 'RECEPTION',
    receivedAt: new Date(`${receivedOn}T10:00:00Z`),
    releasedAt: null,
  }) as unknown as Episode;

describe('SentenceCalculationsService.effectOn', () => {
  const episode = anEpisode('2026-01-05');
  const now = new Date('2026-12-05T12:00:00Z');
  const decidedFor = (reason: string, date: string, sentenceCalculationVersion: number | null = 1) => {
    const decision = {
      personId: 'p-1',
      episode: 1,
      reason,
      expectedReleaseDate: date,
      previousExpectedReleaseDate: '2027-06-01',
      changeNumber: 1,
      changedAt: new Date('2026-11-01T10:00:00Z'),
      sentenceCalculationVersion,
      decisionChangeNumber: null,
    };
    history.loadEpisodeHistory.mockResolvedValue({ releaseDateChanges: [decision] });
    history.currentExpectedReleaseDate.mockReturnValue(date);
  };
  const sentences = { sentences: [{ id: 'count-1', sentenceDate: '2026-01-05', term: { days: 1000 } }] };
  const manager = {
    findOne: jest.fn(async () => ({ version: 1, input: sentences })),
  } as unknown as Manager;
  const service = new SentenceCalculationsService({} as DataSource, {} as ReleaseDateService);
  const computed = (date: string | null, hdced?: string): Computed => ({
    calculation: {
      dates: hdced ? [{ type: 'HDCED', date: hdced }] : [],
      notApplicable: [],
    } as unknown as SentenceCalculation,
    releaseDate: date === null ? null : { type: 'CRD', date },
    unitsOf: unitsIn(),
  });

  it('a passed PAROLE date is due now even when the new calculation gives no release date (N4)', async () => {
    decidedFor('PAROLE', '2026-12-01');
    const effect = await service.effectOn(manager, episode, computed(null), sentences, null, now);
    expect(effect).toMatchObject({
      expectedReleaseDateAfter: '2026-12-01',
      changesExpectedReleaseDate: false,
      releaseDueNowBecause: expect.stringMatching(/^the PAROLE decision .* stands, but its date has passed/),
    });
  });

  it('a passed HDC date is kept with a caveat, not due now (M1)', async () => {
    decidedFor('HDC_APPROVED', '2026-12-01');
    const effect = await service.effectOn(
      manager,
      episode,
      computed('2027-03-01', '2026-11-01'),
      sentences,
      null,
      now,
    );
    expect(effect).toMatchObject({
      expectedReleaseDateAfter: '2026-12-01',
      changesExpectedReleaseDate: false,
      releaseDueNowBecause: null,
      decisionSetAsideBecause: null,
      keptBecause: expect.stringMatching(/^the HDC_APPROVED decision/),
      decisionCaveat: expect.stringMatching(/^the HDC date 2026-12-01 has passed without a release/),
    });
  });

  it('sets a PAROLE direction aside to the CRD of a concurrent sentence it was not made on, not to the aggregate CRD (M4)', async () => {
    decidedFor('PAROLE', '2026-12-20');
    // count-2, passed later: 200 days from 2026-11-01, CRD 2027-01-19; count-1's CRD is 2027-02-08.
    const withCount2 = {
      sentences: [...sentences.sentences, { id: 'count-2', sentenceDate: '2026-11-01', term: { days: 200 } }],
    };
    expect(unitsIn()(withCount2.sentences).map((u) => u.release)).toEqual(['2027-02-08', '2027-01-19']);
    const effect = await service.effectOn(manager, episode, computed('2027-02-08'), withCount2, null, now);
    expect(effect).toEqual({
      expectedReleaseDateBefore: '2026-12-20',
      expectedReleaseDateAfter: '2027-01-19',
      changesExpectedReleaseDate: true,
      keptBecause: null,
      decisionSetAsideBecause:
        'the PAROLE decision of 2026-11-01T10:00:00.000Z (release on 2026-12-20) cannot stand: it was made on the sentences of calculation version 1; since then sentence count-2 was added: sentence count-2 (CRD 2027-01-19) holds the person until 2027-01-19, after its date; the expected release date moves to 2027-01-19, when those release the person (the calculated CRD 2027-02-08 is of sentences the decision still covers). Review the decision',
      releaseDueNowBecause: null,
      decisionCaveat: null,
    });
  });

  it('a sentence it was not made on that has already released the person past the decision date: due now (M4)', async () => {
    decidedFor('PAROLE', '2026-11-20');
    // count-2: 150 days from 2026-10-01, CRD 2026-11-29: after the parole date, before today.
    const withCount2 = {
      sentences: [...sentences.sentences, { id: 'count-2', sentenceDate: '2026-10-01', term: { days: 150 } }],
    };
    const effect = await service.effectOn(manager, episode, computed('2027-02-08'), withCount2, null, now);
    expect(effect).toMatchObject({
      expectedReleaseDateAfter: '2026-11-20',
      changesExpectedReleaseDate: false,
      decisionSetAsideBecause: null,
      releaseDueNowBecause: expect.stringMatching(
        /^the PAROLE decision .* cannot stand: .*holds the person until 2026-11-29, after its date, and that has passed \(today is 2026-12-05\): the person is due for immediate release/,
      ),
    });
  });

  it('keeps a PAROLE direction when only the CRD moved, and flags one with no recorded basis (S1, S2)', async () => {
    decidedFor('PAROLE', '2027-01-10');
    expect(
      await service.effectOn(manager, episode, computed('2027-02-20'), sentences, '2027-03-01', now),
    ).toMatchObject({
      expectedReleaseDateAfter: '2027-01-10',
      decisionSetAsideBecause: null,
      decisionCaveat: null,
    });
    decidedFor('PAROLE', '2027-01-10', null);
    expect(
      await service.effectOn(manager, episode, computed('2027-02-20'), sentences, '2027-03-01', now),
    ).toMatchObject({
      expectedReleaseDateAfter: '2027-01-10',
      decisionSetAsideBecause: null,
      decisionCaveat: expect.stringMatching(
        /not recorded here \(it was recorded before this service kept that\)/,
      ),
    });
  });

  it('M3/M5: a basis that cannot be calculated as the sentences now are keeps the decision, flagged', async () => {
    decidedFor('PAROLE', '2027-01-10');
    const unreadable = {
      findOne: jest.fn(async () => ({
        version: 1,
        input: { sentences: [{ ...sentences.sentences[0], consecutiveTo: 'count-0' }] },
      })),
    } as unknown as Manager;
    expect(
      await service.effectOn(unreadable, episode, computed('2027-02-20'), sentences, '2027-03-01', now),
    ).toMatchObject({
      expectedReleaseDateAfter: '2027-01-10',
      decisionSetAsideBecause: null,
      keptBecause: expect.stringMatching(/^the PAROLE decision/),
      decisionCaveat: expect.stringMatching(
        /^the sentences of calculation version 1, which PAROLE was decided on, cannot be calculated as these are \(.*\): it is kept; check/,
      ),
    });
  });

  it('M3: a decision kept on an inference says so (a short concurrent sentence added)', async () => {
    decidedFor('PAROLE', '2027-01-10');
    // count-2: 30 days from 2026-11-10, CRD 2026-11-21: released from it long before.
    const withShort = {
      sentences: [...sentences.sentences, { id: 'count-2', sentenceDate: '2026-11-10', term: { days: 30 } }],
    };
    expect(
      await service.effectOn(manager, episode, computed('2027-02-08'), withShort, '2027-02-08', now),
    ).toMatchObject({
      expectedReleaseDateAfter: '2027-01-10',
      decisionSetAsideBecause: null,
      decisionCaveat:
        "sentence count-2 was added (passed 2026-11-10) and releases the person by 2026-11-21, before the decision's date: it is kept; check that it does not affect it",
    });
  });
});

// Review S3: a partial set-aside keeps the decision in force. The RECALCULATION it made names the
// decision (decision_change_number), and the next recording or re-plan weighs the decision again.
describe('SentenceCalculationsService after a partial set-aside (review S3)', () => {
  const episode = anEpisode('2026-11-25');
  const now = new Date('2027-02-01T12:00:00Z');
  // The review's numbers: count-1, 1,000 days from 2026-11-25 (CRD 2027-12-29), recorded as v1;
  // parole directed on 2026-12-01 for 2027-09-01; count-2, 800 days passed 2027-01-10 (CRD
  // 2027-11-25), recorded as v2, set it aside to 2027-11-25.
  const count1 = { id: 'count-1', sentenceDate: '2026-11-25', term: { days: 1000 } };
  const count2 = { id: 'count-2', sentenceDate: '2027-01-10', term: { days: 800 } };
  const parole: Pick<
    ReleaseDateChange,
    | 'personId'
    | 'episode'
    | 'changeNumber'
    | 'reason'
    | 'expectedReleaseDate'
    | 'previousExpectedReleaseDate'
    | 'changedAt'
    | 'sentenceCalculationVersion'
    | 'decisionChangeNumber'
  > = {
    personId: 'p-1',
    episode: 1,
    changeNumber: 2,
    reason: 'PAROLE',
    expectedReleaseDate: '2027-09-01',
    previousExpectedReleaseDate: '2027-12-29',
    changedAt: new Date('2026-12-01T10:00:00Z'),
    sentenceCalculationVersion: 1,
    decisionChangeNumber: null,
  };
  const setAsideInPart: typeof parole = {
    ...parole,
    changeNumber: 3,
    reason: 'RECALCULATION',
    expectedReleaseDate: '2027-11-25',
    previousExpectedReleaseDate: '2027-09-01',
    changedAt: new Date('2027-01-12T10:00:00Z'),
    sentenceCalculationVersion: null,
    decisionChangeNumber: 2,
  };
  const withHistory = (...changes: Array<typeof parole>) => {
    history.loadEpisodeHistory.mockResolvedValue({ releaseDateChanges: changes });
    history.currentExpectedReleaseDate.mockReturnValue(changes.at(-1)!.expectedReleaseDate);
  };
  const inserted: unknown[] = [];
  const manager = {
    findOne: jest.fn(async () => ({ version: 1, input: { sentences: [count1] } })),
    findOneBy: jest.fn(async () => ({ releaseDate: '2027-12-29' })),
    insert: jest.fn(async (_: unknown, row: unknown) => void inserted.push(row)),
  } as unknown as Manager;
  const applyChange = jest.fn(async () => true);
  const service = new SentenceCalculationsService(
    {} as DataSource,
    {
      applyChange,
    } as unknown as ReleaseDateService,
  );
  const computed = (date: string, remandDays = 0): Computed => ({
    calculation: { dates: [], notApplicable: [], policyIds: [] } as unknown as SentenceCalculation,
    releaseDate: { type: 'CRD', date },
    unitsOf: unitsIn('ENGLAND_AND_WALES', remandDays),
  });
  const by = {
    latestVersion: 2,
    actor: 'staff',
    context: { actor: 'staff', scope: 'unrestricted', correlationId: 'c', idempotencyKey: undefined },
    now,
  } as Parameters<SentenceCalculationsService['recordVersion']>[5];
  /** An effect from `before` to `after`, with `reasons` (the rest null). */
  const anEffect = (
    before: string,
    after: string,
    reasons: Partial<SentenceCalculationOutcomeView['effect']>,
  ): SentenceCalculationOutcomeView['effect'] => ({
    expectedReleaseDateBefore: before,
    expectedReleaseDateAfter: after,
    changesExpectedReleaseDate: before !== after,
    keptBecause: null,
    decisionSetAsideBecause: null,
    releaseDueNowBecause: null,
    decisionCaveat: null,
    ...reasons,
  });
  /** Records `input` as calculated (`computed`) after version `latestVersion`. */
  const recorded = (input: SentencesBody, calculated: Computed, latestVersion = 2) =>
    service.recordVersion(manager, episode, input, calculated, '2027-02-01', { ...by, latestVersion });
  /** The date moved as a RECALCULATION naming `decisionChangeNumber` (null: none). */
  const expectMoved = (expectedReleaseDate: string, decisionChangeNumber: number | null) =>
    expect(applyChange).toHaveBeenCalledWith(
      manager,
      'p-1',
      1,
      { expectedReleaseDate, reason: 'RECALCULATION' },
      by.context,
      now,
      { decisionChangeNumber },
    );
  beforeEach(() => {
    applyChange.mockClear();
    inserted.length = 0;
  });

  it('the set-aside itself names the decision it keeps in force on the RECALCULATION it makes', async () => {
    withHistory(parole);
    const { effect } = await recorded({ sentences: [count1, count2] }, computed('2027-12-29'), 1);
    expect(effect).toMatchObject({
      expectedReleaseDateAfter: '2027-11-25',
      changesExpectedReleaseDate: true,
    });
    expectMoved('2027-11-25', 2);
  });

  it("remand found later does not move the date to the aggregate: the direction is weighed again (the review's example)", async () => {
    withHistory(parole, setAsideInPart);
    // 30 days' remand: the aggregate CRD is 2027-11-29. count-2, passed while serving, is weighed
    // without it (CJA 2003 s.240ZA: the remand was not shown to be for its offence), so it still
    // holds the person to 2027-11-25: the date stays, and says why (never later, never silently).
    const { effect } = await recorded(
      { sentences: [count1, count2], remandDays: 30 },
      computed('2027-11-29', 30),
    );
    expect(effect).toEqual(
      anEffect('2027-11-25', '2027-11-25', {
        decisionSetAsideBecause:
          'the PAROLE decision of 2026-12-01T10:00:00.000Z (release on 2027-09-01), which this service set aside in part on 2027-01-12T10:00:00.000Z (the expected release date 2027-11-25 is when what it was not made on releases the person) still cannot stand: it was made on the sentences of calculation version 1; since then sentence count-2 was added: sentence count-2 (CRD 2027-11-25 on its own, without the remand and tagged-bail credit, which counts only towards the offence it was given for (CJA 2003 s.240ZA)) holds the person until 2027-11-25, after its date; the expected release date stays at 2027-11-25, when those release the person (the calculated CRD 2027-11-29 is of sentences the decision still covers). Review the decision',
      }),
    );
    expect(applyChange).not.toHaveBeenCalled();
    // Kept with the version (N3: it names the set-aside, not just "changed since").
    expect(inserted).toEqual([
      expect.objectContaining({ decisionSetAsideBecause: effect.decisionSetAsideBecause }),
    ]);
  });

  it('a new release point that moves count-2 earlier moves the date with it, still naming the decision', async () => {
    withHistory(parole, setAsideInPart);
    // As a re-plan at 30%: count-1's CRD 2027-09-20 (300 days), count-2's 2027-09-06 (240 days),
    // both after the parole date. count-1 is covered; count-2 holds: the date moves to its CRD.
    const thirty: Computed['unitsOf'] = (ss, options) =>
      unitsIn('ENGLAND_AND_WALES')(ss, options).map((u) => ({
        ...u,
        release: addDays(u.start, Math.ceil(0.3 * u.terms.reduce((n, t) => n + t.days, 0)) - 1),
      }));
    expect(thirty([count1, count2]).map((u) => u.release)).toEqual(['2027-09-20', '2027-09-06']);
    const { effect } = await recorded(
      { sentences: [count1, count2] },
      { ...computed('2027-09-20'), unitsOf: thirty },
    );
    expect(effect).toMatchObject({
      expectedReleaseDateAfter: '2027-09-06',
      changesExpectedReleaseDate: true,
      decisionSetAsideBecause: expect.stringMatching(
        /^the PAROLE decision .* still cannot stand: .*sentence count-2 \(CRD 2027-09-06\) holds the person until 2027-09-06, after its date; the expected release date moves to 2027-09-06, when those release the person \(the calculated CRD 2027-09-20 is of sentences the decision still covers\)\. Review the decision$/,
      ),
    });
    expectMoved('2027-09-06', 2);
  });

  it('count-2 quashed: the direction covers the sentences again and the date returns to its own', async () => {
    withHistory(parole, setAsideInPart);
    const { effect } = await recorded({ sentences: [count1] }, computed('2027-12-29'));
    expect(effect).toEqual(
      anEffect('2027-11-25', '2027-09-01', {
        keptBecause:
          'the PAROLE decision of 2026-12-01T10:00:00.000Z (release on 2027-09-01), which this service set aside in part on 2027-01-12T10:00:00.000Z (the expected release date 2027-11-25 is when what it was not made on releases the person) covers the sentences again: the expected release date returns to its date 2027-09-01; the calculated CRD 2027-12-29 does not undo it (change the date itself if the decision no longer stands)',
      }),
    );
    expectMoved('2027-09-01', 2);
  });

  it('brought back into force, then held again: the reason says which, and the RECALCULATION names it', async () => {
    const restored: typeof parole = {
      ...setAsideInPart,
      changeNumber: 4,
      expectedReleaseDate: '2027-09-01',
      previousExpectedReleaseDate: '2027-11-25',
      changedAt: new Date('2027-01-20T10:00:00Z'),
    };
    withHistory(parole, setAsideInPart, restored);
    const { effect } = await recorded({ sentences: [count1, count2] }, computed('2027-12-29'));
    expect(effect).toMatchObject({
      expectedReleaseDateBefore: '2027-09-01',
      expectedReleaseDateAfter: '2027-11-25',
      decisionSetAsideBecause: expect.stringMatching(
        /^the PAROLE decision of 2026-12-01T10:00:00\.000Z \(release on 2027-09-01\), which this service brought back into force on 2027-01-20T10:00:00\.000Z cannot stand: /,
      ),
    });
    expectMoved('2027-11-25', 2);
  });

  it('a CRD before the decision date sets it aside altogether: the RECALCULATION names no decision', async () => {
    withHistory(parole, setAsideInPart);
    const { effect } = await recorded(
      { sentences: [count1, count2], remandDays: 300 },
      computed('2027-08-01', 300),
    );
    expect(effect.decisionSetAsideBecause).toMatch(
      /cannot stand: its date is after the calculated CRD 2027-08-01/,
    );
    expectMoved('2027-08-01', null);
  });

  it('a RECALCULATION that names no decision (staff, or before migration 2700) ends it: the calculated date', async () => {
    withHistory(parole, { ...setAsideInPart, decisionChangeNumber: null });
    const effect = await service.effectOn(
      manager,
      episode,
      computed('2027-11-29', 30),
      { sentences: [count1, count2], remandDays: 30 },
      '2027-12-29',
      now,
    );
    expect(effect).toMatchObject({ expectedReleaseDateAfter: '2027-11-29', decisionSetAsideBecause: null });
  });

  it('M4: RELEASE_DUE_NOW names the release point that has passed (governingReleaseDate)', async () => {
    withHistory(parole, setAsideInPart);
    // Today 2027-12-01: count-2's CRD 2027-11-25 has passed; the direction does not cover it.
    const late = { ...by, now: new Date('2027-12-01T12:00:00Z') };
    const refused = await service
      .recordVersion(
        manager,
        episode,
        { sentences: [count1, count2] },
        computed('2027-12-29'),
        '2027-12-01',
        late,
      )
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'RELEASE_DUE_NOW',
      extensions: {
        expectedReleaseDate: '2027-11-25',
        calculatedReleaseDate: { type: 'CRD', date: '2027-12-29' },
        governingReleaseDate: '2027-11-25',
      },
    });
    expect(inserted).toEqual([]);
  });
});
