import { Pathway } from '@throughcare/contracts';
import {
  InvalidAnswerError,
  indicatesNeed,
  needsOf,
  PATHWAY_ORDER,
  pathwayOutcomes,
  validateAnswers,
  type PathwayOutcome,
} from './pathway-outcomes';
import { QUESTION_SETS, questionSet, type QuestionSet } from './question-sets';

/**
 * The status rules of README.md, one by one, on a small set that uses a CHOICE question with
 * `needWhen` (no released set does yet), and on the released sets.
 */
const fixture: QuestionSet = {
  kind: 'CORE_SCREEN',
  version: 99,
  pathways: [
    {
      pathway: 'ACCOMMODATION',
      questions: [
        {
          id: 'X_HOUSING',
          text: 'Where will the person live on release?',
          answer: {
            kind: 'CHOICE',
            options: [
              { value: 'OWN_TENANCY', label: 'Own tenancy, kept' },
              { value: 'FAMILY', label: 'With family' },
              { value: 'NONE', label: 'Nowhere' },
            ],
          },
          role: 'NEED',
          required: true,
          needWhen: ['NONE'],
        },
        {
          id: 'X_ACC_WANTS',
          text: 'Wants support?',
          answer: { kind: 'YES_NO' },
          role: 'WANTS_SUPPORT',
          required: true,
        },
        {
          id: 'X_ACC_NOTE',
          text: 'Note',
          answer: { kind: 'TEXT', maxLength: 5 },
          role: 'NOTE',
          required: false,
        },
      ],
    },
    {
      pathway: 'WOMEN_SEX_WORK',
      onlyFor: 'FEMALE',
      questions: [
        { id: 'X_WSW', text: 'Involved?', answer: { kind: 'YES_NO' }, role: 'NEED', required: true },
        {
          id: 'X_WSW_WANTS',
          text: 'Wants support?',
          answer: { kind: 'YES_NO' },
          role: 'WANTS_SUPPORT',
          required: true,
        },
      ],
    },
  ],
  source: { citation: 'test fixture', unverified: 'test fixture' },
};
const man = { sex: 'MALE' } as const;
const woman = { sex: 'FEMALE' } as const;
const acc = (answers: Record<string, string | boolean>, set = fixture): PathwayOutcome =>
  pathwayOutcomes(set, answers, [], man).find((o) => o.pathway === 'ACCOMMODATION')!;

describe('status rules (README.md)', () => {
  it('NOT_STARTED: no question answered', () => {
    expect(acc({}).status).toBe('NOT_STARTED');
    // Answers to another pathway do not start this one.
    expect(pathwayOutcomes(fixture, { X_WSW: true }, [], woman)[0]!.status).toBe('NOT_STARTED');
  });

  it('IN_PROGRESS: some but not all required answered; reasons name what is missing', () => {
    const o = acc({ X_HOUSING: 'NONE' });
    expect(o.status).toBe('IN_PROGRESS');
    expect(o.reasons).toContain('unanswered: X_ACC_WANTS');
  });

  it('needWhen decides the need of a CHOICE question; reasons say the answer', () => {
    expect(acc({ X_HOUSING: 'NONE', X_ACC_WANTS: true }).status).toBe('SUPPORT_REQUIRED');
    expect(acc({ X_HOUSING: 'NONE', X_ACC_WANTS: true }).reasons).toContain(
      'need: Where will the person live on release? (Nowhere)',
    );
    expect(acc({ X_HOUSING: 'FAMILY', X_ACC_WANTS: true }).status).toBe('SUPPORT_NOT_REQUIRED');
    expect(acc({ X_HOUSING: 'FAMILY', X_ACC_WANTS: true }).reasons).toEqual([]);
  });

  it('SUPPORT_DECLINED only when support is refused while a need is indicated', () => {
    expect(acc({ X_HOUSING: 'NONE', X_ACC_WANTS: false }).status).toBe('SUPPORT_DECLINED');
    expect(acc({ X_HOUSING: 'OWN_TENANCY', X_ACC_WANTS: false }).status).toBe('SUPPORT_NOT_REQUIRED');
  });

  it('an optional question unanswered does not hold the pathway in progress', () => {
    expect(acc({ X_HOUSING: 'FAMILY', X_ACC_WANTS: false }).status).toBe('SUPPORT_NOT_REQUIRED');
  });

  it('indicatesNeed: needWhen first, else a yes to a NEED question; never a text or no answer', () => {
    const [housing, wants, note] = fixture.pathways[0]!.questions;
    expect(indicatesNeed(housing!, 'NONE')).toBe(true);
    expect(indicatesNeed(housing!, 'FAMILY')).toBe(false);
    expect(indicatesNeed(housing!, undefined)).toBe(false);
    expect(indicatesNeed(wants!, true)).toBe(false);
    expect(indicatesNeed(note!, 'x')).toBe(false);
    expect(indicatesNeed({ ...wants!, role: 'NEED' }, true)).toBe(true);
    expect(indicatesNeed({ ...wants!, role: 'NEED' }, false)).toBe(false);
    expect(indicatesNeed({ ...wants!, role: 'NOTE', needWhen: [false] }, false)).toBe(true);
  });

  it('DONE only in the summary review, with a need and support in place', () => {
    const summary = questionSet('SUMMARY_REVIEW');
    const review = questionSet('STANDARD_REVIEW');
    const at = (set: QuestionSet, answers: Record<string, boolean>) =>
      pathwayOutcomes(set, answers, [], man).find((o) => o.pathway === 'HEALTH')!.status;
    expect(at(summary, { HLT_NO_GP: true, HLT_SUPPORT_IN_PLACE: true })).toBe('DONE');
    // Support in place with no need: nothing was needed, so nothing is done.
    expect(at(summary, { HLT_NO_GP: false, HLT_SUPPORT_IN_PLACE: true })).toBe('SUPPORT_NOT_REQUIRED');
    // The standard review has no in-place question: the same need stays required.
    expect(review.pathways.flatMap((p) => p.questions).some((q) => q.role === 'SUPPORT_IN_PLACE')).toBe(
      false,
    );
    expect(at(review, { HLT_NO_GP: true, HLT_WANTS_SUPPORT: true })).toBe('SUPPORT_REQUIRED');
  });

  it('a skip keeps the status its answers give, says so in reasons, and is never a need', () => {
    const outcomes = pathwayOutcomes(
      fixture,
      { X_HOUSING: 'NONE', X_ACC_WANTS: true },
      [{ pathway: 'ACCOMMODATION', reason: 'EARLY_RELEASE' }],
      man,
    );
    expect(outcomes[0]).toMatchObject({ status: 'SUPPORT_REQUIRED', skipped: { reason: 'EARLY_RELEASE' } });
    expect(outcomes[0]!.reasons).toContain('skipped: EARLY_RELEASE');
    expect(needsOf(outcomes)).toEqual([]);
    const notStarted = pathwayOutcomes(fixture, {}, [{ pathway: 'ACCOMMODATION', reason: 'TRANSFER' }], man);
    expect(notStarted[0]).toMatchObject({ status: 'NOT_STARTED', skipped: { reason: 'TRANSFER' } });
  });

  it('women-only pathways: omitted for MALE and OTHER, asked and flagged for unknown sex', () => {
    const pathways = (sex: 'MALE' | 'FEMALE' | 'OTHER' | null | undefined) =>
      pathwayOutcomes(fixture, {}, [], { sex }).map((o) => o.pathway);
    expect(pathways('MALE')).toEqual(['ACCOMMODATION']);
    expect(pathways('OTHER')).toEqual(['ACCOMMODATION']);
    expect(pathways('FEMALE')).toEqual(['ACCOMMODATION', 'WOMEN_SEX_WORK']);
    expect(pathways(null)).toEqual(['ACCOMMODATION', 'WOMEN_SEX_WORK']);
    expect(pathways(undefined)).toEqual(['ACCOMMODATION', 'WOMEN_SEX_WORK']);
    const unknown = pathwayOutcomes(fixture, {}, [], {}).find((o) => o.pathway === 'WOMEN_SEX_WORK')!;
    expect(unknown.reasons.join()).toMatch(/not recorded/);
    const female = pathwayOutcomes(fixture, {}, [], woman).find((o) => o.pathway === 'WOMEN_SEX_WORK')!;
    expect(female.reasons).toEqual([]);
  });

  it('needsOf: SUPPORT_REQUIRED and not skipped, in Pathway order whatever the outcomes order', () => {
    expect(PATHWAY_ORDER).toEqual(Pathway.options);
    const o = (pathway: Pathway, status: PathwayOutcome['status']): PathwayOutcome => ({
      pathway,
      status,
      reasons: [],
      skipped: null,
    });
    expect(
      needsOf([
        o('HEALTH', 'SUPPORT_REQUIRED'),
        o('FINANCE_AND_ID', 'SUPPORT_DECLINED'),
        o('ACCOMMODATION', 'SUPPORT_REQUIRED'),
        o('DRUGS_AND_ALCOHOL', 'DONE'),
        o('EDUCATION_SKILLS_AND_WORK', 'IN_PROGRESS'),
        {
          ...o('ATTITUDES_THINKING_AND_BEHAVIOUR', 'SUPPORT_REQUIRED'),
          skipped: { pathway: 'ATTITUDES_THINKING_AND_BEHAVIOUR', reason: 'OTHER', note: 'x' },
        },
      ]),
    ).toEqual(['ACCOMMODATION', 'HEALTH']);
  });
});

describe('validateAnswers: CHOICE', () => {
  const field = (
    answers: Record<string, string | boolean>,
    person: { sex?: 'MALE' | 'FEMALE' | 'OTHER' | null } = man,
  ) => {
    try {
      validateAnswers(fixture, answers, [], person);
      return 'accepted';
    } catch (e) {
      if (e instanceof InvalidAnswerError) return e.field;
      throw e;
    }
  };
  it('accepts an option value, refuses a label, an unknown value or a boolean', () => {
    expect(field({ X_HOUSING: 'FAMILY' })).toBe('accepted');
    expect(field({ X_HOUSING: 'With family' })).toBe('answers.X_HOUSING');
    expect(field({ X_HOUSING: 'HOSTEL' })).toBe('answers.X_HOUSING');
    expect(field({ X_HOUSING: true })).toBe('answers.X_HOUSING');
    expect(field({ X_ACC_NOTE: 'sixsix' })).toBe('answers.X_ACC_NOTE');
  });
  it('refuses a women-only answer for someone recorded OTHER, accepts it for unknown sex', () => {
    expect(field({ X_WSW: false }, { sex: 'OTHER' })).toBe('answers.X_WSW');
    expect(field({ X_WSW: false }, { sex: null })).toBe('accepted');
  });
});

describe('validateAnswers: a skip never hides a need', () => {
  const skipAccommodation = (answers: Record<string, string | boolean>) => {
    try {
      validateAnswers(fixture, answers, [{ pathway: 'ACCOMMODATION', reason: 'TRANSFER' }], man);
      return 'accepted';
    } catch (e) {
      if (e instanceof InvalidAnswerError) return `${e.field}: ${e.message}`;
      throw e;
    }
  };
  it('refuses to skip a pathway whose answers show a need, naming the skip and the question', () => {
    expect(skipAccommodation({ X_HOUSING: 'NONE' })).toMatch(
      /^skips\.0\.pathway: .*indicate a need \("Where will the person live on release\?"\)/,
    );
    // Declined support is still a need shown: recorded by the answers, not hidden by a skip.
    expect(skipAccommodation({ X_HOUSING: 'NONE', X_ACC_WANTS: false })).toMatch(/^skips\.0\.pathway/);
  });
  it('accepts a skip with no answers, or answers that show no need', () => {
    expect(skipAccommodation({})).toBe('accepted');
    expect(skipAccommodation({ X_HOUSING: 'FAMILY' })).toBe('accepted');
  });
});

describe('released sets: content and sources', () => {
  it('cite the seeds and say the wording is this project\u2019s own', () => {
    for (const set of QUESTION_SETS) {
      expect(set.source.citation).toMatch(/seed 00[02]/i);
      expect(set.source.unverified).toMatch(/this project's own/);
      expect(set.source.unverified).toMatch(/not SPS's .* or HMPPS's form/);
    }
    expect(questionSet('COMPREHENSIVE_SCREEN').source.citation).toMatch(/§4\.51/);
    expect(questionSet('SUMMARY_REVIEW').source.citation).toMatch(/§4\.57/);
  });

  it('every needWhen (none released yet) names answers the question can take', () => {
    for (const set of [...QUESTION_SETS, fixture])
      for (const q of set.pathways.flatMap((p) => p.questions)) {
        if (!q.needWhen) continue;
        expect(q.answer.kind).not.toBe('TEXT');
        const allowed = q.answer.kind === 'CHOICE' ? q.answer.options.map((o) => o.value) : [true, false];
        for (const v of q.needWhen) expect(allowed).toContain(v);
      }
  });

  it('the summary review alone asks whether support is in place; the others whether it is wanted', () => {
    for (const set of QUESTION_SETS)
      for (const p of set.pathways) {
        const roles = p.questions.map((q) => q.role);
        expect(roles.includes('SUPPORT_IN_PLACE')).toBe(set.kind === 'SUMMARY_REVIEW');
        expect(roles.includes('WANTS_SUPPORT')).toBe(set.kind !== 'SUMMARY_REVIEW');
      }
  });
});
