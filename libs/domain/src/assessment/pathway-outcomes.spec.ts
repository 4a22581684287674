import fc from 'fast-check';
import {
  InvalidAnswerError,
  needsOf,
  pathwayOutcomes,
  unfinishedPathways,
  validateAnswers,
  type Answers,
} from './pathway-outcomes';
import { QUESTION_SETS, questionSet, UnknownQuestionSetError } from './question-sets';

const core = questionSet('CORE_SCREEN');
const summary = questionSet('SUMMARY_REVIEW');
const man = { sex: 'MALE' } as const;
const woman = { sex: 'FEMALE' } as const;

/** Every required question of the set answered no (no need anywhere), for the person. */
function allNo(set = core, person: { sex?: 'MALE' | 'FEMALE' | null } = man): Record<string, boolean> {
  return Object.fromEntries(
    set.pathways
      .filter((p) => p.onlyFor !== 'FEMALE' || person.sex !== 'MALE')
      .flatMap((p) => p.questions.filter((q) => q.required).map((q) => [q.id, false])),
  );
}
const statusOf = (
  answers: Answers,
  pathway: string,
  set = core,
  person: { sex?: 'MALE' | 'FEMALE' | null } = man,
) => pathwayOutcomes(set, answers, [], person).find((o) => o.pathway === pathway)?.status;

describe('question sets', () => {
  it('has the four assessments, each with every pathway, question ids unique within a set', () => {
    expect(QUESTION_SETS.map((s) => `${s.kind}@${s.version}`)).toEqual([
      'CORE_SCREEN@1',
      'COMPREHENSIVE_SCREEN@1',
      'STANDARD_REVIEW@1',
      'SUMMARY_REVIEW@1',
    ]);
    for (const set of QUESTION_SETS) {
      expect(set.pathways).toHaveLength(9);
      const ids = set.pathways.flatMap((p) => p.questions.map((q) => q.id));
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of set.pathways) expect(p.questions.some((q) => q.role === 'NEED')).toBe(true);
    }
    expect(() => questionSet('CORE_SCREEN', 9)).toThrow(UnknownQuestionSetError);
  });
});

describe('pathway status from answers', () => {
  it('NOT_STARTED with no answer, IN_PROGRESS with a required one missing', () => {
    expect(statusOf({}, 'ACCOMMODATION')).toBe('NOT_STARTED');
    expect(statusOf({ ACC_NO_ADDRESS: true }, 'ACCOMMODATION')).toBe('IN_PROGRESS');
    expect(
      pathwayOutcomes(core, { ACC_NO_ADDRESS: true }, [], man).find((o) => o.pathway === 'ACCOMMODATION')
        ?.reasons,
    ).toContain('unanswered: ACC_LOSES_TENANCY, ACC_WANTS_SUPPORT');
    // A note alone starts the pathway; it decides nothing.
    expect(statusOf({ ACC_NOTE: 'staying with a friend' }, 'ACCOMMODATION')).toBe('IN_PROGRESS');
  });

  it('all answered: a need wanted is SUPPORT_REQUIRED, declined is SUPPORT_DECLINED, none is SUPPORT_NOT_REQUIRED', () => {
    const base = allNo();
    expect(statusOf({ ...base }, 'ACCOMMODATION')).toBe('SUPPORT_NOT_REQUIRED');
    expect(statusOf({ ...base, ACC_NO_ADDRESS: true, ACC_WANTS_SUPPORT: true }, 'ACCOMMODATION')).toBe(
      'SUPPORT_REQUIRED',
    );
    expect(statusOf({ ...base, ACC_NO_ADDRESS: true, ACC_WANTS_SUPPORT: false }, 'ACCOMMODATION')).toBe(
      'SUPPORT_DECLINED',
    );
    // Not wanting support when there is no need is no decline.
    expect(statusOf({ ...base, ACC_WANTS_SUPPORT: false }, 'ACCOMMODATION')).toBe('SUPPORT_NOT_REQUIRED');
  });

  it('summary review: a need with support in place is DONE, without it SUPPORT_REQUIRED', () => {
    const base = allNo(summary);
    expect(statusOf({ ...base, HLT_NO_GP: true, HLT_SUPPORT_IN_PLACE: true }, 'HEALTH', summary)).toBe(
      'DONE',
    );
    expect(statusOf({ ...base, HLT_NO_GP: true, HLT_SUPPORT_IN_PLACE: false }, 'HEALTH', summary)).toBe(
      'SUPPORT_REQUIRED',
    );
  });

  it('needs are the pathways requiring support and not skipped, in order; unfinished ones are listed', () => {
    const answers = {
      ...allNo(),
      HLT_SELF_HARM: true,
      HLT_WANTS_SUPPORT: true,
      ACC_NO_ADDRESS: true,
      ACC_WANTS_SUPPORT: true,
      FIN_DEBT: true,
      FIN_WANTS_SUPPORT: false,
    };
    const outcomes = pathwayOutcomes(
      core,
      answers,
      [{ pathway: 'HEALTH', reason: 'COMPLETED_IN_ANOTHER_PRISON' }],
      man,
    );
    expect(needsOf(outcomes)).toEqual(['ACCOMMODATION']);
    expect(outcomes.find((o) => o.pathway === 'HEALTH')).toMatchObject({
      status: 'SUPPORT_REQUIRED',
      skipped: { reason: 'COMPLETED_IN_ANOTHER_PRISON' },
    });
    expect(unfinishedPathways(outcomes)).toEqual([]);
    expect(
      unfinishedPathways(pathwayOutcomes(core, {}, [{ pathway: 'HEALTH', reason: 'TRANSFER' }], man)),
    ).not.toContain('HEALTH');
  });

  it('asks the women-specific pathways of women and of someone whose sex is unrecorded, never of a man', () => {
    const pathways = (sex: 'MALE' | 'FEMALE' | null) =>
      pathwayOutcomes(core, {}, [], { sex }).map((o) => o.pathway);
    expect(pathways('MALE')).not.toContain('WOMEN_ABUSE_AND_VIOLENCE');
    expect(pathways('FEMALE')).toContain('WOMEN_ABUSE_AND_VIOLENCE');
    expect(pathways(null)).toContain('WOMEN_SEX_WORK');
    expect(
      statusOf(
        { ...allNo(core, woman), WAV_UNSAFE: true, WAV_WANTS_SUPPORT: true },
        'WOMEN_ABUSE_AND_VIOLENCE',
        core,
        woman,
      ),
    ).toBe('SUPPORT_REQUIRED');
  });
});

describe('validateAnswers', () => {
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof InvalidAnswerError) return e.field;
      throw e;
    }
    return 'accepted';
  };

  it('refuses unknown questions, wrong types, long text, women-only answers for a man, bad skips', () => {
    expect(refusal(() => validateAnswers(core, { ACC_NO_ADDRESS: true, ACC_NOTE: 'x' }, [], man))).toBe(
      'accepted',
    );
    expect(refusal(() => validateAnswers(core, { NOPE: true }, [], man))).toBe('answers.NOPE');
    expect(refusal(() => validateAnswers(core, { ACC_NO_ADDRESS: 'yes' }, [], man))).toBe(
      'answers.ACC_NO_ADDRESS',
    );
    expect(refusal(() => validateAnswers(core, { ACC_NOTE: true }, [], man))).toBe('answers.ACC_NOTE');
    expect(refusal(() => validateAnswers(core, { ACC_NOTE: 'x'.repeat(1001) }, [], man))).toBe(
      'answers.ACC_NOTE',
    );
    expect(refusal(() => validateAnswers(core, { WAV_UNSAFE: false }, [], man))).toBe('answers.WAV_UNSAFE');
    expect(refusal(() => validateAnswers(core, {}, [{ pathway: 'HEALTH', reason: 'OTHER' }], man))).toBe(
      'skips.0.note',
    );
    expect(
      refusal(() =>
        validateAnswers(
          core,
          {},
          [
            { pathway: 'HEALTH', reason: 'TRANSFER' },
            { pathway: 'HEALTH', reason: 'OTHER', note: 'x' },
          ],
          man,
        ),
      ),
    ).toBe('skips.1.pathway');
  });
});

describe('properties', () => {
  const set = fc.constantFrom(...QUESTION_SETS);
  const sex = fc.constantFrom('MALE' as const, 'FEMALE' as const, null);

  it('every status is one of the six; a need is never skipped nor a pathway not asked', () => {
    fc.assert(
      fc.property(
        set,
        sex,
        fc.infiniteStream(fc.boolean()),
        fc.subarray(['HEALTH', 'ACCOMMODATION'] as const),
        (s, sx, coins, skipped) => {
          const answers: Record<string, boolean> = {};
          for (const p of s.pathways)
            for (const q of p.questions)
              if (q.answer.kind === 'YES_NO' && coins.next().value)
                answers[q.id] = coins.next().value as boolean;
          const person = { sex: sx };
          const askedIds = new Set(pathwayOutcomes(s, {}, [], person).map((o) => o.pathway));
          const safe = Object.fromEntries(
            Object.entries(answers).filter(([id]) =>
              s.pathways.some((p) => askedIds.has(p.pathway) && p.questions.some((q) => q.id === id)),
            ),
          );
          const outcomes = pathwayOutcomes(
            s,
            safe,
            skipped.map((pathway) => ({ pathway, reason: 'TRANSFER' as const })),
            person,
          );
          for (const o of outcomes)
            expect([
              'NOT_STARTED',
              'IN_PROGRESS',
              'SUPPORT_REQUIRED',
              'SUPPORT_NOT_REQUIRED',
              'SUPPORT_DECLINED',
              'DONE',
            ]).toContain(o.status);
          const needs = needsOf(outcomes);
          for (const n of needs) {
            expect(skipped).not.toContain(n);
            expect(askedIds.has(n)).toBe(true);
          }
          if (sx === 'MALE') expect(needs.filter((n) => n.startsWith('WOMEN_'))).toEqual([]);
        },
      ),
    );
  });
});
