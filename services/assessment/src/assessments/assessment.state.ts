import { Pathway, type RiskOfSeriousHarm } from '@throughcare/contracts';
import type { ConsentState } from './consent-given.schemas';
import type { FieldError } from '@throughcare/platform-errors';
import type { Assessment, AssessmentKind } from './assessment.entity';
import type { AssessmentStatus, AssessmentView, CompleteAssessmentBody } from './assessment.schemas';
import type { ConsentWithdrawal } from './consent-withdrawal.entity';

/** State from facts: completed once completion is recorded, else overdue once `dueBy` has passed. */
export function assessmentStatus(
  facts: Pick<Assessment, 'completedAt' | 'dueBy'>,
  now: Date,
): AssessmentStatus {
  if (facts.completedAt) return 'COMPLETED';
  return now.getTime() > facts.dueBy.getTime() ? 'OVERDUE' : 'REQUESTED';
}

/** Pathways in catalogue order, so the same set of needs always reads (and compares) the same. */
export function normaliseNeeds(needs: readonly Pathway[]): Pathway[] {
  const order = Pathway.options;
  return [...new Set(needs)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

const KIND_NAMES: Record<AssessmentKind, string> = {
  CORE_SCREEN: 'a core screen',
  COMPREHENSIVE_SCREEN: 'a comprehensive screen',
  STANDARD_REVIEW: 'a standard review',
  SUMMARY_REVIEW: 'a summary review',
};

/**
 * What a completion body lacks or must not carry for this kind of assessment: a core screen
 * records the risk of serious harm and who did it (its completedAt defaults to now); the later
 * kinds record needs and when they were done, and leave risk to the core screen.
 */
export function completionProblems(kind: AssessmentKind, body: CompleteAssessmentBody): FieldError[] {
  const name = KIND_NAMES[kind];
  if (kind === 'CORE_SCREEN') {
    return [
      ...(body.riskOfSeriousHarm === undefined
        ? [{ field: 'riskOfSeriousHarm', message: `required to complete ${name}` }]
        : []),
      ...(body.completedBy === undefined
        ? [{ field: 'completedBy', message: `required to complete ${name}` }]
        : []),
    ];
  }
  return [
    ...(body.completedAt === undefined
      ? [{ field: 'completedAt', message: `required to complete ${name}` }]
      : []),
    ...(body.riskOfSeriousHarm === undefined
      ? []
      : [
          {
            field: 'riskOfSeriousHarm',
            message: `not recorded by ${name}; the core screen holds the risk of serious harm`,
          },
        ]),
  ];
}

export interface CompletionFacts {
  needs: Pathway[];
  riskOfSeriousHarm: RiskOfSeriousHarm | null;
  completedBy: string | null;
  completedAt: string;
}

/**
 * Whether a completion request repeats the recorded one (a retry) rather than changing it.
 * A request without `completedAt` meant "now" at the time; it cannot be reproduced, so it
 * matches whatever instant was recorded.
 */
export function repeatsCompletion(
  recorded: CompletionFacts,
  request: {
    needs: Pathway[];
    riskOfSeriousHarm?: string | null;
    completedBy?: string | null;
    completedAt?: Date;
  },
): boolean {
  return (
    normaliseNeeds(request.needs).join() === normaliseNeeds(recorded.needs).join() &&
    (request.riskOfSeriousHarm ?? null) === recorded.riskOfSeriousHarm &&
    (request.completedBy ?? null) === recorded.completedBy &&
    (request.completedAt === undefined ||
      request.completedAt.getTime() === new Date(recorded.completedAt).getTime())
  );
}

/**
 * The episode's consent on an assessment view: the derived state (the agency read's, review stop
 * 41 M2), `status` a deprecated alias true to it, and the latest withdrawal's instant, if any.
 */
export function consentOf(
  withdrawal: ConsentWithdrawal | undefined,
  state: ConsentState,
): AssessmentView['consent'] {
  return {
    state,
    status: state === 'WITHDRAWN' ? 'WITHDRAWN' : 'NOT_WITHDRAWN',
    withdrawnAt: withdrawal?.withdrawnAt.toISOString() ?? null,
  };
}

export function toView(
  assessment: Assessment,
  now: Date,
  withdrawal: ConsentWithdrawal | undefined,
  state: ConsentState,
): AssessmentView {
  const { completedAt, completedBy, completionRecordedAt, needs, riskOfSeriousHarm } = assessment;
  return {
    id: assessment.id,
    personId: assessment.personId,
    episode: assessment.episode,
    establishmentCode: assessment.establishmentCode,
    kind: assessment.kind,
    status: assessmentStatus(assessment, now),
    requestedAt: assessment.requestedAt.toISOString(),
    dueBy: assessment.dueBy.toISOString(),
    completion:
      completedAt && completionRecordedAt && needs
        ? {
            needs: normaliseNeeds(needs),
            riskOfSeriousHarm,
            completedAt: completedAt.toISOString(),
            completedBy,
            recordedAt: completionRecordedAt.toISOString(),
          }
        : null,
    consent: consentOf(withdrawal, state),
  };
}
