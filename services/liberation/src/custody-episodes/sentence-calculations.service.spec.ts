import type { DataSource } from 'typeorm';
import type { Jurisdiction } from '@throughcare/contracts';
import { calculateReleaseUnits, type SentenceCalculation } from '@throughcare/domain';
import type { ReleaseDateService } from './release-date.service';
import type { SentencesBody } from './sentence-calculation.schemas';
import {
  madeOnOtherSentences,
  matchSentences,
  SentenceCalculationsService,
  type Computed,
} from './sentence-calculations.service';

// Final review of stop 37, M4 (and stop 37 review S1): a parole or early-release decision releases
// the person from the sentences it was made on (those of the calculation version recorded with it,
// review S2). It is set aside only when something it was not made on holds the person past its
// date: the release units of both sets, calculated alike (the same policy, day and time served),
// are compared, never the sentence ids alone or the aggregate CRD alone.

type Sentence = SentencesBody['sentences'][number];
const unitsIn =
  (jurisdiction: Jurisdiction = 'ENGLAND_AND_WALES', remandDays = 0) =>
  (sentences: readonly Sentence[]) =>
    calculateReleaseUnits({ jurisdiction, sentences, asAt: '2026-12-01', remandDays });

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
});

describe('madeOnOtherSentences', () => {
  // count-1: 1,000 days from 2026-11-25, CRD (40%) 2027-12-29, SLED 2029-08-20. Parole on 2027-09-01.
  const count1: Sentence = { id: 'count-1', sentenceDate: '2026-11-25', term: { days: 1000 } };
  const decided = '2027-09-01';
  const input = (...sentences: Sentence[]) => ({ sentences });
  const basis = (...sentences: Sentence[]) => ({ version: 3, input: input(...sentences) });
  const made = (
    on: ReturnType<typeof basis>,
    now: ReturnType<typeof input>,
    units = unitsIn(),
    type: 'CRD' | 'ARD' = 'CRD',
  ) => madeOnOtherSentences(on, now, decided, units, type);
  /** A concurrent sentence passed later (a new conviction): 2027-01-10, `days` long. */
  const later = (days: number, id = 'count-2'): Sentence => ({
    id,
    sentenceDate: '2027-01-10',
    term: { days },
  });

  it('stands on the same sentences, whatever remand now gives (a moved CRD alone)', () => {
    expect(made(basis(count1), input(count1))).toBeNull();
    expect(made(basis(count1), input(count1), unitsIn('ENGLAND_AND_WALES', 40))).toBeNull();
  });

  it('stands when the sentences are reordered, an offence date corrected or the start backdated', () => {
    const count2 = later(200);
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
    // Re-keyed: the same sentence under the staff's new label (M4: was "added", set aside).
    expect(made(basis(count1), input({ ...count1, id: 'case-77-line-1' }))).toBeNull();
    // Split into two consecutive parts of the same 1,000 days: each part rounded up on its own
    // gives 2027-12-30, a day later only by rounding.
    const split = input(
      { id: 'a', sentenceDate: '2026-11-25', term: { days: 601 } },
      { id: 'b', sentenceDate: '2026-11-25', term: { days: 399 }, consecutiveTo: 'a' },
    );
    expect(unitsIn()(split.sentences)[0]?.release).toBe('2027-12-30');
    expect(made(basis(count1), split)).toBeNull();
    // Merged back, and kept under one of the ids.
    expect(made(basis(...split.sentences), input({ ...count1, id: 'a' }))).toBeNull();
    expect(made(basis(...split.sentences), input(count1))).toBeNull();
  });

  it('stands when a short concurrent sentence is added that releases the person by its date', () => {
    // count-2: 200 days from 2027-01-10, CRD 2027-03-30: long before the parole date.
    expect(made(basis(count1), input(count1, later(200)))).toBeNull();
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
    const count2 = later(800);
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
      /since then sentence count-2 was added \(consecutive to count-1\): sentences count-1 \+ count-2/,
    );
  });

  it('is set aside when an offence category moves the release point later (an SDS40 Schedule offence: one-half)', () => {
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

  it('Scotland: a sentence within the single term leaves it standing; one that extends it, or removing the earliest start, does not', () => {
    const scotland = unitsIn('SCOTLAND');
    // charge-1: 700 days from 2026-09-01, ARD 2027-06-07. Early release decided for 2026-12-15.
    const charge1: Sentence = { id: 'charge-1', sentenceDate: '2026-09-01', term: { days: 700 } };
    const early = (on: ReturnType<typeof basis>, now: ReturnType<typeof input>) =>
      madeOnOtherSentences(on, now, '2026-12-15', scotland, 'ARD');
    const within: Sentence = { id: 'charge-2', sentenceDate: '2027-01-10', term: { days: 200 } };
    expect(early(basis(charge1), input(charge1, within))).toBeNull();
    expect(early(basis(charge1), input(charge1, { ...within, term: { days: 900 } }))?.because).toMatch(
      /since then sentence charge-2 was added: the single term of charge-1, charge-2 \(ARD \d{4}-\d{2}-\d{2}\) hold the person/,
    );
    // charge-0 started the single term on 2026-06-01 (backdated); without it the term starts
    // 2026-09-01 and releases later (2027-06-07) than the one the decision was made on.
    const charge0: Sentence = {
      id: 'charge-0',
      sentenceDate: '2026-09-01',
      startDate: '2026-06-01',
      term: { days: 600 },
    };
    expect(scotland([charge0, charge1])[0]?.release).toBe('2027-04-13');
    expect(early(basis(charge0, charge1), input(charge1))).toEqual({
      because:
        'it was made on the sentences of calculation version 3; since then sentence charge-0 was removed: sentence charge-1 (ARD 2027-06-07) holds the person until 2027-06-07, after its date',
      heldUntil: '2027-06-07',
    });
  });
});

// Review N4 and M1 (effectOn with the episode's history given): a parole date passed is due now
// even when the new calculation gives no release date; a passed HDC date is kept with a caveat.
jest.mock('./episode-history', () => ({
  loadEpisodeHistory: jest.fn(),
  currentExpectedReleaseDate: jest.fn(),
}));

describe('SentenceCalculationsService.effectOn', () => {
  type Episode = Parameters<SentenceCalculationsService['effectOn']>[1];
  type Manager = Parameters<SentenceCalculationsService['effectOn']>[0];
  const history = jest.requireMock<{
    loadEpisodeHistory: jest.Mock;
    currentExpectedReleaseDate: jest.Mock;
  }>('./episode-history');
  const episode = {
    personId: 'p-1',
    episode: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    origin: 'RECEPTION',
    receivedAt: new Date('2026-01-05T10:00:00Z'),
    releasedAt: null,
  } as unknown as Episode;
  const now = new Date('2026-12-05T12:00:00Z');
  const decidedFor = (reason: string, date: string, sentenceCalculationVersion: number | null = 1) => {
    const decision = {
      personId: 'p-1',
      episode: 1,
      reason,
      expectedReleaseDate: date,
      previousExpectedReleaseDate: '2027-06-01',
      changedAt: new Date('2026-11-01T10:00:00Z'),
      sentenceCalculationVersion,
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
});
