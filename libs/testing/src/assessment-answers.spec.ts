import { needsOf, pathwayOutcomes, QUESTION_SETS, type QuestionSet } from '@throughcare/domain';
import { answersGiving, answersNeeding } from './assessment-answers';

/** The helper's answers give, by the domain's own rules, the statuses it was asked for. */
describe('answersGiving (spec helper)', () => {
  const served = (set: QuestionSet) => ({
    pathways: set.pathways.map((p) => ({ ...p, asked: true })),
  });

  it.each(QUESTION_SETS.map((s) => [`${s.kind} v${s.version}`, s] as const))(
    '%s: needs, declined or done where asked, every other pathway without a need',
    (_, set) => {
      const summary = set.pathways.some((p) => p.questions.some((q) => q.role === 'SUPPORT_IN_PLACE'));
      const wanted = summary
        ? ({ ACCOMMODATION: 'SUPPORT_REQUIRED', HEALTH: 'DONE' } as const)
        : ({ ACCOMMODATION: 'SUPPORT_REQUIRED', HEALTH: 'SUPPORT_DECLINED' } as const);
      const outcomes = pathwayOutcomes(set, answersGiving(served(set), wanted), [], { sex: 'FEMALE' });
      const status = Object.fromEntries(outcomes.map((o) => [o.pathway, o.status]));
      for (const p of set.pathways)
        expect(status[p.pathway]).toBe(wanted[p.pathway as keyof typeof wanted] ?? 'SUPPORT_NOT_REQUIRED');
      expect(needsOf(outcomes)).toEqual(['ACCOMMODATION']);
      const none = pathwayOutcomes(set, answersNeeding(served(set), []), [], { sex: 'FEMALE' });
      expect(needsOf(none)).toEqual([]);
    },
  );
});
