import fc from 'fast-check';
import type { Pathway } from '@throughcare/contracts';
import {
  needsOf,
  PATHWAY_ORDER,
  PATHWAY_STATUSES,
  pathwayOutcomes,
  PATHWAY_SKIP_REASONS,
} from './pathway-outcomes';
import { QUESTION_SETS } from './question-sets';
import {
  LIKELIHOODS_OF_REOFFENDING,
  RISK_OF_SERIOUS_HARM_ORDER,
  riskRises,
  type RiskAssessment,
} from './risk';

const WOMEN_ONLY = new Set<Pathway>(['WOMEN_ABUSE_AND_VIOLENCE', 'WOMEN_SEX_WORK']);
const sex = fc.constantFrom('MALE' as const, 'FEMALE' as const, 'OTHER' as const, null, undefined);

/** A set, and answers to any of its questions (including the women's, whoever the person is). */
const setAndAnswers = fc.constantFrom(...QUESTION_SETS).chain((set) => {
  const questions = set.pathways.flatMap((p) => p.questions);
  return fc.tuple(
    fc.constant(set),
    fc
      .subarray(questions)
      .chain((qs) =>
        fc.tuple(
          ...qs.map((q) =>
            (q.answer.kind === 'TEXT'
              ? fc.string({ maxLength: 20 })
              : q.answer.kind === 'CHOICE'
                ? fc.constantFrom(...q.answer.options.map((o) => o.value))
                : fc.boolean()
            ).map((v) => [q.id, v] as const),
          ),
        ),
      )
      .map((entries) => Object.fromEntries(entries) as Record<string, string | boolean>),
  );
});
const skips = fc
  .subarray([...PATHWAY_ORDER])
  .chain((ps) =>
    fc.tuple(
      ...ps.map((pathway) => fc.constantFrom(...PATHWAY_SKIP_REASONS).map((reason) => ({ pathway, reason }))),
    ),
  );

describe('assessment properties', () => {
  it('needsOf is exactly the required, unskipped, asked pathways, in Pathway order; statuses are the six', () => {
    fc.assert(
      fc.property(setAndAnswers, skips, sex, ([set, answers], skipped, sx) => {
        const outcomes = pathwayOutcomes(set, answers, skipped, { sex: sx });
        const needs = needsOf(outcomes);
        const skippedPathways = new Set(skipped.map((s) => s.pathway));
        for (const o of outcomes) expect(PATHWAY_STATUSES).toContain(o.status);
        for (const o of outcomes) expect(o.skipped !== null).toBe(skippedPathways.has(o.pathway));
        for (const n of needs) expect(skippedPathways.has(n)).toBe(false);
        if (sx !== 'FEMALE' && sx != null) {
          expect(needs.filter((n) => WOMEN_ONLY.has(n))).toEqual([]);
          expect(outcomes.filter((o) => WOMEN_ONLY.has(o.pathway))).toEqual([]);
        }
        if (set.kind !== 'SUMMARY_REVIEW') expect(outcomes.map((o) => o.status)).not.toContain('DONE');
        const expected = PATHWAY_ORDER.filter((p) =>
          outcomes.some((o) => o.pathway === p && o.status === 'SUPPORT_REQUIRED' && o.skipped === null),
        );
        expect(needs).toEqual(expected);
      }),
    );
  });

  it('an unanswered pathway is NOT_STARTED, skipped or not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...QUESTION_SETS), skips, sex, (set, skipped, sx) => {
        for (const o of pathwayOutcomes(set, {}, skipped, { sex: sx })) expect(o.status).toBe('NOT_STARTED');
      }),
    );
  });

  const risk: fc.Arbitrary<RiskAssessment> = fc.record({
    likelihoodOfReoffending: fc.constantFrom(...LIKELIHOODS_OF_REOFFENDING),
    riskOfSeriousHarm: fc.constantFrom(...RISK_OF_SERIOUS_HARM_ORDER),
    reasons: fc.constant('reasons'),
    assessedOn: fc.constant('2026-01-01'),
    mappa: fc.option(
      fc.record({
        category: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
        level: fc.constantFrom(1 as const, 2 as const, 3 as const),
      }),
    ),
  });

  it('riskRises: nothing rises against itself; what rises one way does not rise back', () => {
    fc.assert(
      fc.property(risk, risk, (a, b) => {
        expect(riskRises(a, a)).toEqual([]);
        const there = riskRises(a, b);
        const back = riskRises(b, a);
        for (const r of there) expect(back).not.toContain(r);
        expect(new Set(there).size).toBe(there.length);
      }),
    );
  });
});
