import { randomUUID } from 'node:crypto';
import type {
  AssessedPathway,
  AssessmentCompletedV1,
  AssessmentKind as LaterAssessmentKind,
  AssessmentRequestedV1,
  ConsentWithdrawnV1,
  CoreScreenCompletedV1,
  CoreScreenRequestedV1,
  PersonReference,
  RiskAssessedV1,
} from '@throughcare/contracts';
import type { Assessment } from './assessment.entity';
import type { ConsentWithdrawal } from './consent-withdrawal.entity';
import type { RiskAssessmentVersion } from './risk-assessment.entity';

const personReferenceOf = ({ personId }: { personId: string }): PersonReference => ({
  identifiers: [{ type: 'THROUGHCARE_ID', value: personId }],
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
  pathways?: AssessedPathway[],
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
      // Only when answered by questions: absent for a completion with typed needs.
      ...(pathways ? { pathways } : {}),
    },
  };
}

/** A comprehensive screen, standard review or summary review was requested. */
export function assessmentRequested(
  assessment: Assessment & { kind: LaterAssessmentKind },
): AssessmentRequestedV1 {
  return {
    eventType: 'assessment.assessment.requested',
    version: 1,
    eventId: randomUUID(),
    occurredAt: assessment.requestedAt.toISOString(),
    correlationId: assessment.correlationId,
    personReference: personReferenceOf(assessment),
    data: {
      assessmentId: assessment.id,
      episode: assessment.episode,
      kind: assessment.kind,
      dueBy: assessment.dueBy.toISOString(),
    },
  };
}

/** `occurredAt` is when the assessment was done (business time), as is `data.completedAt`. */
export function assessmentCompleted(
  assessment: Assessment & {
    kind: LaterAssessmentKind;
    completedAt: Date;
    needs: AssessmentCompletedV1['data']['needs'];
  },
  correlationId: string,
  pathways?: AssessedPathway[],
): AssessmentCompletedV1 {
  const completedAt = assessment.completedAt.toISOString();
  return {
    eventType: 'assessment.assessment.completed',
    version: 1,
    eventId: randomUUID(),
    occurredAt: completedAt,
    correlationId,
    personReference: personReferenceOf(assessment),
    data: {
      assessmentId: assessment.id,
      episode: assessment.episode,
      kind: assessment.kind,
      needs: assessment.needs,
      completedAt,
      // Only when answered by questions: absent for a completion with typed needs.
      ...(pathways ? { pathways } : {}),
    },
  };
}

/** `occurredAt` is when the person withdrew consent (business time). */
export function consentWithdrawn(withdrawal: ConsentWithdrawal): ConsentWithdrawnV1 {
  const withdrawnAt = withdrawal.withdrawnAt.toISOString();
  return {
    eventType: 'assessment.consent.withdrawn',
    version: 1,
    eventId: randomUUID(),
    occurredAt: withdrawnAt,
    correlationId: withdrawal.correlationId,
    personReference: personReferenceOf(withdrawal),
    data: { episode: withdrawal.episode, withdrawnAt },
  };
}

/**
 * A risk assessment was recorded: `occurredAt` is when it was recorded (the day assessed is
 * `data.assessedOn`). The bands, MAPPA and what rose; never the reasons (free text).
 */
export function riskAssessed(
  risk: RiskAssessmentVersion,
  episode: number,
  correlationId: string,
): RiskAssessedV1 {
  return {
    eventType: 'assessment.risk.assessed',
    version: 1,
    eventId: randomUUID(),
    occurredAt: risk.recordedAt.toISOString(),
    correlationId,
    personReference: personReferenceOf(risk),
    data: {
      episode,
      version: risk.version,
      likelihoodOfReoffending: risk.likelihoodOfReoffending,
      riskOfSeriousHarm: risk.riskOfSeriousHarm,
      mappa:
        risk.mappaCategory === null || risk.mappaLevel === null
          ? null
          : { category: risk.mappaCategory, level: risk.mappaLevel },
      assessedOn: risk.assessedOn,
      rises: [...risk.rises],
    },
  };
}
