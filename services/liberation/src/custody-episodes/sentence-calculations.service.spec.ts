import type { DataSource } from 'typeorm';
import type { SentenceCalculation } from '@throughcare/domain';
import { BUS_ACTOR } from './hmpps-actor';
import type { ReleaseDateService } from './release-date.service';
import type { SentencesBody } from './sentence-calculation.schemas';
import {
  madeOnOtherSentences,
  SentenceCalculationsService,
  type Computed,
} from './sentence-calculations.service';

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
    expect(madeOnOtherSentences(basis(count1, count2), input(count1, count2), 'SCOTLAND')).toBeNull();
  });

  it('stands when the sentences are reordered or a field the calculation does not lengthen on changes', () => {
    expect(madeOnOtherSentences(basis(count1, count2), input(count2, count1), 'SCOTLAND')).toBeNull();
    expect(
      madeOnOtherSentences(
        basis(count1),
        input({ ...count1, offenceDate: '2026-01-02', startDate: '2026-10-01' }),
        'SCOTLAND',
      ),
    ).toBeNull();
  });

  it('stands when a sentence was removed, shortened or made concurrent', () => {
    expect(madeOnOtherSentences(basis(count1, count2), input(count1), 'SCOTLAND')).toBeNull();
    expect(
      madeOnOtherSentences(basis(count1), input({ ...count1, term: { days: 900 } }), 'SCOTLAND'),
    ).toBeNull();
    expect(
      madeOnOtherSentences(
        basis(count1, { ...count2, consecutiveTo: 'count-1' }),
        input(count1, count2),
        'SCOTLAND',
      ),
    ).toBeNull();
  });

  it('is set aside when a sentence was added, and says which', () => {
    expect(madeOnOtherSentences(basis(count1), input(count1, count2), 'SCOTLAND')).toBe(
      'it was made on the sentences of calculation version 3; since then sentence count-2 was added',
    );
    expect(
      madeOnOtherSentences(basis(count1), input(count1, { ...count2, consecutiveTo: 'count-1' }), 'SCOTLAND'),
    ).toMatch(/sentence count-2 was added$/);
  });

  it('is set aside when a sentence was lengthened: a longer term, a later sentence date, now consecutive', () => {
    expect(madeOnOtherSentences(basis(count1), input({ ...count1, term: { years: 3 } }), 'SCOTLAND')).toBe(
      'it was made on the sentences of calculation version 3; since then the term of sentence count-1 is longer',
    );
    expect(
      madeOnOtherSentences(basis(count1), input({ ...count1, sentenceDate: '2026-12-01' }), 'SCOTLAND'),
    ).toMatch(/sentence count-1 is dated 2026-12-01, not 2026-11-25$/);
    expect(
      madeOnOtherSentences(
        basis(count1, count2),
        input(count1, { ...count2, consecutiveTo: 'count-1' }),
        'SCOTLAND',
      ),
    ).toMatch(/sentence count-2 is now consecutive to count-1$/);
  });

  it('stands when staff relabel a sentence with exactly the same facts, each basis sentence taken once (stop 37 review M4)', () => {
    expect(
      madeOnOtherSentences(basis(count1, count2), input({ ...count1, id: 'case-A-1' }, count2), 'SCOTLAND'),
    ).toBeNull();
    // Both relabelled, the consecutive link naming the relabelled one.
    expect(
      madeOnOtherSentences(
        basis(count1, { ...count2, consecutiveTo: 'count-1' }),
        input({ ...count1, id: 'A' }, { ...count2, id: 'B', consecutiveTo: 'A' }),
        'SCOTLAND',
      ),
    ).toBeNull();
    // Two new ids with count-1's facts: one is count-1, the other was added.
    expect(
      madeOnOtherSentences(basis(count1), input({ ...count1, id: 'A' }, { ...count1, id: 'B' }), 'SCOTLAND'),
    ).toMatch(/sentence B was added$/);
  });

  it('is set aside when a relabelled sentence differs in anything the calculation turns on (then it is a new one)', () => {
    for (const changed of [
      { term: { days: 1001 } },
      { sentenceDate: '2026-11-24' },
      { startDate: '2026-11-20' },
      { offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] },
    ] as Partial<Sentence>[])
      expect(
        madeOnOtherSentences(basis(count1), input({ ...count1, id: 'A', ...changed }), 'SCOTLAND'),
      ).toMatch(/sentence A was added$/);
  });

  // Final review of stop 38: the narrow paths to an early release the conservative rule still had.
  it('is set aside when a backdated start is removed: the sentence starts on its sentence date, later', () => {
    const backdated = { ...count1, startDate: '2026-10-01' };
    expect(madeOnOtherSentences(basis(backdated), input(count1), 'SCOTLAND')).toMatch(
      /sentence count-1 starts 2026-11-25, not 2026-10-01/,
    );
  });

  it('measures a term from the day the sentence starts, not its sentence date (a month is not the same days from every day)', () => {
    // From 2026-01-31 one month is 28 days, as the basis's; from its start, 2026-03-01, it is 31.
    const then = { ...count1, sentenceDate: '2026-01-31', startDate: '2026-03-01', term: { days: 28 } };
    expect(madeOnOtherSentences(basis(then), input({ ...then, term: { months: 1 } }), 'SCOTLAND')).toMatch(
      /the term of sentence count-1 is longer$/,
    );
  });

  it('is set aside when an earlier start comes with a longer term: named as the longer term, its later end not named again (review of stop 39, N1)', () => {
    const then = { ...count1, startDate: '2026-11-25', term: { days: 100 } };
    const why = madeOnOtherSentences(
      basis(then),
      input({ ...then, startDate: '2026-11-01', term: { days: 150 } }),
      'SCOTLAND',
    );
    expect(why).toMatch(/since then the term of sentence count-1 is longer$/);
    expect(why).not.toMatch(/ends/);
  });

  it('is set aside when the earliest-starting sentence is removed: the sentences as a whole begin later (Scotland: the single term)', () => {
    const early = { ...count2, startDate: '2026-10-01', term: { days: 1000 } };
    expect(madeOnOtherSentences(basis(early, count1), input(count1), 'SCOTLAND')).toMatch(
      /the sentences begin 2026-11-25, not 2026-10-01$/,
    );
    // One starting with or after the others removed: they begin as before.
    expect(madeOnOtherSentences(basis(count1, count2), input(count1), 'SCOTLAND')).toBeNull();
  });

  it('is not set aside in England and Wales when the earliest-starting concurrent sentence is removed: each releases on its own (s.263; review of stop 40, N6)', () => {
    const early = { ...count2, startDate: '2026-10-01', term: { days: 1000 } };
    expect(madeOnOtherSentences(basis(early, count1), input(count1), 'ENGLAND_AND_WALES')).toBeNull();
    // An added sentence still sets it aside there.
    expect(madeOnOtherSentences(basis(count1), input(count1, count2), 'ENGLAND_AND_WALES')).toMatch(
      /sentence count-2 was added$/,
    );
  });

  it('is set aside when less time is credited (remand, tagged bail curfew); more credit stands', () => {
    const withCredit = {
      version: 3,
      input: { sentences: [count1], remandDays: 30, taggedBailCurfewDays: 10 },
    };
    expect(
      madeOnOtherSentences(
        withCredit,
        { sentences: [count1], remandDays: 10, taggedBailCurfewDays: 10 },
        'SCOTLAND',
      ),
    ).toMatch(/the remand days credited are 10, not 30$/);
    expect(madeOnOtherSentences(withCredit, { sentences: [count1], remandDays: 30 }, 'SCOTLAND')).toMatch(
      /the tagged bail curfew days credited are 0, not 10$/,
    );
    expect(
      madeOnOtherSentences(
        withCredit,
        { sentences: [count1], remandDays: 45, taggedBailCurfewDays: 12 },
        'SCOTLAND',
      ),
    ).toBeNull();
  });

  it('is set aside by more additional days (net of those restored) or more days unlawfully at large; fewer stand', () => {
    const withAdjustments = {
      version: 4,
      input: { sentences: [count1], additionalDaysAwarded: 10, restoredDays: 2, unlawfullyAtLargeDays: 3 },
    };
    expect(
      madeOnOtherSentences(
        withAdjustments,
        { sentences: [count1], additionalDaysAwarded: 14, restoredDays: 2, unlawfullyAtLargeDays: 3 },
        'ENGLAND_AND_WALES',
      ),
    ).toMatch(/the additional days awarded less those restored are 12, not 8$/);
    expect(
      madeOnOtherSentences(
        withAdjustments,
        { sentences: [count1], additionalDaysAwarded: 10, restoredDays: 2, unlawfullyAtLargeDays: 9 },
        'ENGLAND_AND_WALES',
      ),
    ).toMatch(/the days unlawfully at large are 9, not 3$/);
    // More restored, or fewer days at large: the release moves no later.
    expect(
      madeOnOtherSentences(
        withAdjustments,
        { sentences: [count1], additionalDaysAwarded: 10, restoredDays: 6, unlawfullyAtLargeDays: 1 },
        'ENGLAND_AND_WALES',
      ),
    ).toBeNull();
  });

  it('takes an absent sentence type as the default when matching a relabelled sentence', () => {
    expect(
      madeOnOtherSentences(
        basis(count1),
        input({ ...count1, id: 'A', sentenceType: 'STANDARD_DETERMINATE' }),
        'SCOTLAND',
      ),
    ).toBeNull();
  });

  it('is set aside by any added sentence, even a short concurrent one released by the decision date (conservative, stop 38)', () => {
    expect(
      madeOnOtherSentences(
        basis(count1),
        input(count1, { id: 'new-1', sentenceDate: '2027-01-10', term: { days: 14 } }),
        'SCOTLAND',
      ),
    ).toMatch(/sentence new-1 was added$/);
  });

  // Review S1 (consecutive): a consecutive sentence starts the day after the one before it ends
  // (resolvedSentenceSpans, the calculator's own resolution), not on its sentence date.
  describe('consecutive sentences, measured as the calculator resolves them', () => {
    const a: Sentence = { id: 'A', sentenceDate: '2025-12-05', term: { days: 57 } };
    const b: Sentence = { id: 'B', sentenceDate: '2025-12-05', term: { months: 2 }, consecutiveTo: 'A' };

    it('is set aside when a consecutive term is longer from the day it starts, though not from its sentence date', () => {
      // B starts 2026-01-31: two months are 59 days from there (62 from 2025-12-05); the CRD/ARD
      // moves from 2026-01-20 to 2026-01-21 (resolved-spans.spec.ts).
      expect(madeOnOtherSentences(basis(a, b), input(a, { ...b, term: { days: 61 } }), 'SCOTLAND')).toBe(
        'it was made on the sentences of calculation version 3; since then the term of sentence B is longer',
      );
      // Shorter from the day it starts (though longer from its sentence date): it stands.
      expect(
        madeOnOtherSentences(basis(a, { ...b, term: { days: 61 } }), input(a, b), 'SCOTLAND'),
      ).toBeNull();
    });

    it('is set aside when the one before lengthens, named once: the one after ends later only because of it', () => {
      const longerA = { ...a, term: { days: 58 } };
      expect(madeOnOtherSentences(basis(a, b), input(longerA, b), 'SCOTLAND')).toBe(
        'it was made on the sentences of calculation version 3; since then the term of sentence A is longer',
      );
      // Down a chain of three, relabelled: still the one that moved.
      const c: Sentence = { id: 'C', sentenceDate: '2025-12-05', term: { days: 30 }, consecutiveTo: 'B' };
      expect(
        madeOnOtherSentences(
          basis(a, b, c),
          input({ ...longerA, id: 'A2' }, { ...b, consecutiveTo: 'A2' }, c),
          'SCOTLAND',
        ),
      ).toBe(
        'it was made on the sentences of calculation version 3; since then sentence A2 was added, sentence B is now consecutive to A2',
      );
      expect(madeOnOtherSentences(basis(a, b, c), input(longerA, b, c), 'SCOTLAND')).toMatch(
        /since then the term of sentence A is longer$/,
      );
      // The one before shortened, the one after unchanged: it ends earlier and stands.
      expect(
        madeOnOtherSentences(basis(a, b), input({ ...a, term: { days: 50 } }, b), 'SCOTLAND'),
      ).toBeNull();
    });

    it('is set aside when a sentence no longer consecutive ends later than it did (its term and dates unchanged)', () => {
      // B was entered consecutive to A (it started 2025-12-15, after A), now concurrent from its
      // sentence date 2026-01-10: it ends 2026-02-08, not 2026-01-13, and the E&W CRD moves from
      // 2026-01-13 to 2026-01-21 (D, concurrent, keeps them one period of custody).
      const [shortA, d] = [
        { ...a, term: { days: 10 } },
        { id: 'D', sentenceDate: '2025-12-05', term: { days: 100 } },
      ];
      const lateB = { id: 'B', sentenceDate: '2026-01-10', term: { days: 30 } };
      expect(
        madeOnOtherSentences(
          basis(shortA, { ...lateB, consecutiveTo: 'A' }, d),
          input(shortA, lateB, d),
          'SCOTLAND',
        ),
      ).toBe(
        'it was made on the sentences of calculation version 3; since then sentence B ends 2026-02-08, not 2026-01-13',
      );
      // Made concurrent and ending earlier: it stands (as before).
      expect(
        madeOnOtherSentences(basis(a, b), input(a, { ...b, consecutiveTo: undefined }), 'SCOTLAND'),
      ).toBeNull();
    });

    it('stands when a Scottish start backdated for remand gives a term in years one more day (it ends no later)', () => {
      // Two years from 2028-03-01 are 730 days, from 2028-02-01 731 (29 February 2028).
      const then = { ...count1, sentenceDate: '2028-03-01', term: { years: 2 } };
      expect(
        madeOnOtherSentences(basis(then), input({ ...then, startDate: '2028-02-01' }), 'SCOTLAND'),
      ).toBeNull();
    });

    it('falls back to the checks on the sentences as given when they cannot be resolved', () => {
      const dangling = { ...b, consecutiveTo: 'gone' };
      expect(
        madeOnOtherSentences(basis(dangling), input({ ...dangling, term: { years: 1 } }), 'SCOTLAND'),
      ).toMatch(/the term of sentence B is longer$/);
      expect(madeOnOtherSentences(basis(dangling), input(dangling), 'SCOTLAND')).toBeNull();
    });
  });

  it('is set aside when a sentence gains an offence category or starts later (the release point can move)', () => {
    expect(
      madeOnOtherSentences(
        basis(count1),
        input({ ...count1, offenceCategories: ['EW_SDS40_SCHEDULE_OFFENCE'] }),
        'SCOTLAND',
      ),
    ).toMatch(/sentence count-1 now has offence category EW_SDS40_SCHEDULE_OFFENCE$/);
    expect(
      madeOnOtherSentences(basis(count1), input({ ...count1, startDate: '2026-12-01' }), 'SCOTLAND'),
    ).toMatch(/sentence count-1 starts 2026-12-01, not 2026-11-25$/);
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
    origin: 'RECEPTION',
    receivedAt: new Date('2026-01-05T10:00:00Z'),
    releasedAt: null,
  } as unknown as Episode;
  const now = new Date('2026-12-05T12:00:00Z');
  const decidedFor = (
    reason: string,
    date: string,
    sentenceCalculationVersion: number | null = 1,
    basisSource: string | null = 'NAMED',
    changedBy = 'user:officer',
  ) => {
    const decision = {
      basisSource,
      changedBy,
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

  it('keeps a PAROLE direction when only the CRD moved, and flags one with no recorded basis (S1, S2)', async () => {
    decidedFor('PAROLE', '2027-01-10');
    expect(
      await service.effectOn(manager, episode, computed('2027-02-20'), sentences, '2027-03-01', now),
    ).toMatchObject({
      expectedReleaseDateAfter: '2027-01-10',
      decisionSetAsideBecause: null,
      decisionCaveat: null,
    });
    decidedFor('PAROLE', '2027-01-10', null, null);
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

  it('keeps a decision recorded on the latest version when it arrived, saying what was not checked, by how it came (review of stop 40, S1)', async () => {
    const caveatFor = async (basisSource: string | null, changedBy: string) => {
      decidedFor('PAROLE', '2027-01-10', 1, basisSource, changedBy);
      const effect = await service.effectOn(
        manager,
        episode,
        computed('2027-02-20'),
        sentences,
        '2027-03-01',
        now,
      );
      expect(effect).toMatchObject({ expectedReleaseDateAfter: '2027-01-10', decisionSetAsideBecause: null });
      return effect.decisionCaveat;
    };
    expect(await caveatFor('LATEST_ON_ARRIVAL', BUS_ACTOR)).toMatch(
      /^PAROLE was recorded on calculation version 1, the latest when it arrived \(from an upstream system's event/,
    );
    expect(await caveatFor('LATEST_ON_ARRIVAL', 'user:officer')).toMatch(
      /sent without the version it was decided on/,
    );
    expect(await caveatFor(null, 'user:officer')).toMatch(/recorded before decisions named their version/);
  });
});
