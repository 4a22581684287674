import { Pathway, type RiskOfSeriousHarm } from '@throughcare/contracts';
import type { Assessment } from './assessment.entity';
import type { AssessmentStatus, AssessmentView } from './assessment.schemas';

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

export interface CompletionFacts {
  needs: Pathway[];
  riskOfSeriousHarm: RiskOfSeriousHarm;
  completedBy: string;
  completedAt: string;
}

/**
 * Whether a completion request repeats the recorded one (a retry) rather than changing it.
 * A request without `completedAt` meant "now" at the time; it cannot be reproduced, so it
 * matches whatever instant was recorded.
 */
export function repeatsCompletion(
  recorded: CompletionFacts,
  request: { needs: Pathway[]; riskOfSeriousHarm: string; completedBy: string; completedAt?: Date },
): boolean {
  return (
    normaliseNeeds(request.needs).join() === normaliseNeeds(recorded.needs).join() &&
    request.riskOfSeriousHarm === recorded.riskOfSeriousHarm &&
    request.completedBy === recorded.completedBy &&
    (request.completedAt === undefined ||
      request.completedAt.getTime() === new Date(recorded.completedAt).getTime())
  );
}

export function toView(assessment: Assessment, now: Date): AssessmentView {
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
      completedAt && completedBy && completionRecordedAt && needs && riskOfSeriousHarm
        ? {
            needs: normaliseNeeds(needs),
            riskOfSeriousHarm,
            completedAt: completedAt.toISOString(),
            completedBy,
            recordedAt: completionRecordedAt.toISOString(),
          }
        : null,
  };
}
