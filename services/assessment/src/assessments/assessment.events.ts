import { randomUUID } from 'node:crypto';
import type { CoreScreenCompletedV1, CoreScreenRequestedV1, PersonReference } from '@throughcare/contracts';
import type { Assessment } from './assessment.entity';

const personReferenceOf = (assessment: Assessment): PersonReference => ({
  identifiers: [{ type: 'THROUGHCARE_ID', value: assessment.personId }],
});

export function coreScreenRequested(assessment: Assessment): CoreScreenRequestedV1 {
  return {
    eventType: 'assessment.core-screen.requested',
    version: 1,
    eventId: randomUUID(),
    occurredAt: assessment.requestedAt.toISOString(),
    correlationId: assessment.correlationId,
    personReference: personReferenceOf(assessment),
    data: { assessmentId: assessment.id, episode: assessment.episode, dueBy: assessment.dueBy.toISOString() },
  };
}

/** `occurredAt` is when the screen was done (business time), as is `data.completedAt`. */
export function coreScreenCompleted(
  assessment: Assessment &
    Pick<CoreScreenCompletedV1['data'], 'needs' | 'riskOfSeriousHarm'> & { completedAt: Date },
  correlationId: string,
): CoreScreenCompletedV1 {
  const completedAt = assessment.completedAt.toISOString();
  return {
    eventType: 'assessment.core-screen.completed',
    version: 1,
    eventId: randomUUID(),
    occurredAt: completedAt,
    correlationId,
    personReference: personReferenceOf(assessment),
    data: {
      assessmentId: assessment.id,
      episode: assessment.episode,
      needs: assessment.needs,
      riskOfSeriousHarm: assessment.riskOfSeriousHarm,
      completedAt,
    },
  };
}
