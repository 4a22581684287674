import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
  type ErrorCategory,
} from '@throughcare/platform-errors';

export class AssessmentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no assessment with id ${id}`, 'ASSESSMENT_NOT_FOUND');
  }
}

export class AssessmentAlreadyCompletedError extends ConflictError {
  constructor(id: string) {
    super(
      `assessment ${id} was already completed with different answers; a completion cannot be changed`,
      'ASSESSMENT_ALREADY_COMPLETED',
    );
  }
}

export class CompletionBeforeRequestError extends DomainError {
  constructor(completedAt: Date, requestedAt: Date) {
    super(
      'COMPLETION_BEFORE_REQUEST',
      'RULE_VIOLATED',
      `completedAt ${completedAt.toISOString()} is before the assessment was requested (${requestedAt.toISOString()})`,
      { details: { requestedAt: requestedAt.toISOString() } },
    );
  }
}

export class CompletionInFutureError extends DomainError {
  constructor(completedAt: Date, now: Date) {
    super(
      'COMPLETION_IN_FUTURE',
      'RULE_VIOLATED',
      `completedAt ${completedAt.toISOString()} is later than now (${now.toISOString()})`,
    );
  }
}

export class InvalidCursorError extends ValidationFailedError {
  constructor() {
    super('cursor is not one this API issued', [
      { field: 'cursor', message: 'not a cursor issued by this API' },
    ]);
  }
}

/** This service holds no assessment for that person's episode, so it cannot record facts about it. */
export class EpisodeNotFoundError extends NotFoundError {
  /** `auditReason`: which check refused, for the audit record only (the answer is the same 404). */
  constructor(personId: string, episode: number, auditReason?: string) {
    super(`no assessment is recorded for episode ${episode} of person ${personId}`, 'EPISODE_NOT_FOUND', {
      details: { personId, episode },
      ...(auditReason ? { auditReason } : {}),
    });
  }
}

export class ConsentAlreadyWithdrawnError extends ConflictError {
  constructor(personId: string, episode: number, withdrawnAt: Date) {
    super(
      `consent for episode ${episode} of person ${personId} was already withdrawn at ${withdrawnAt.toISOString()}; a withdrawal cannot be changed`,
      'CONSENT_ALREADY_WITHDRAWN',
      { details: { episode, withdrawnAt: withdrawnAt.toISOString() } },
    );
  }
}

export class WithdrawalInFutureError extends DomainError {
  constructor(withdrawnAt: Date, now: Date) {
    super(
      'WITHDRAWAL_IN_FUTURE',
      'RULE_VIOLATED',
      `withdrawnAt ${withdrawnAt.toISOString()} is later than now (${now.toISOString()})`,
      { details: { field: 'withdrawnAt' } },
    );
  }
}

/** Consent recorded as given later than now (beyond the tolerated clock skew). */
export class ConsentInFutureError extends DomainError {
  constructor(givenAt: Date, now: Date) {
    super(
      'CONSENT_IN_FUTURE',
      'RULE_VIOLATED',
      `givenAt ${givenAt.toISOString()} is later than now (${now.toISOString()})`,
      { details: { field: 'givenAt' } },
    );
  }
}

/**
 * Consent dated before the custody episode it would be recorded for began: the episode's first
 * assessment request at any establishment (the core screen the journey requests at reception), so
 * a transfer's later assessment does not move the start (review stop 41, M1 and N2). A form signed
 * in an earlier episode must not carry over.
 */
export class ConsentBeforeEpisodeError extends DomainError {
  constructor(givenAt: Date, episode: number, startedAt: Date) {
    super(
      'CONSENT_BEFORE_EPISODE',
      'RULE_VIOLATED',
      `givenAt ${givenAt.toISOString()} is before episode ${episode} began (at reception: its first assessment was requested at ${startedAt.toISOString()})`,
      { details: { field: 'givenAt', episode, episodeStartedAt: startedAt.toISOString() } },
    );
  }
}

/**
 * Consent named for an episode other than the person's current one (review stop 41, M1): consent
 * is recorded for the current episode only; a form of an earlier episode is never carried over.
 */
export class ConsentEpisodeNotCurrentError extends ConflictError {
  constructor(personId: string, named: number, current: number) {
    super(
      `episode ${named} is not the current custody episode of person ${personId} (episode ${current}): consent is recorded for the current episode only`,
      'CONSENT_EPISODE_NOT_CURRENT',
      {
        details: { field: 'episode', episode: named, currentEpisode: current },
        extensions: { field: 'episode' },
      },
    );
  }
}

/** The same Idempotency-Key sent again with another request than the first (422, issue 10). */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(what: string, fields: string[]) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'RULE_VIOLATED',
      `the ${what} sent with this Idempotency-Key had different ${fields.join(', ')}; use a new key for a new request`,
      { details: { fields } },
    );
  }
}

/** A completion body valid in itself that does not fit the kind of assessment it completes. */
export class CompletionDoesNotFitKindError extends ValidationFailedError {
  constructor(kind: string, errors: Array<{ field: string; message: string }>) {
    super(
      `body does not complete a ${kind}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

/**
 * No assessment of the person's latest custody episode is at one of the caller's establishments
 * (or the service holds none for them): the caller cannot read or record the person's risk.
 */
export class PersonNotFoundError extends NotFoundError {
  constructor(personId: string) {
    super(`no assessment of person ${personId} is held at the caller's establishments`, 'PERSON_NOT_FOUND', {
      details: { personId },
    });
  }
}

/** The person has no risk assessment recorded yet. */
export class RiskAssessmentNotFoundError extends NotFoundError {
  constructor(personId: string) {
    super(`person ${personId} has no risk assessment recorded`, 'RISK_ASSESSMENT_NOT_FOUND', {
      details: { personId },
    });
  }
}

/** A risk assessed on a day that has not come yet (Europe/London). */
export class RiskAssessedInFutureError extends DomainError {
  constructor(assessedOn: string, today: string) {
    super('RISK_ASSESSED_IN_FUTURE', 'RULE_VIOLATED', `assessedOn ${assessedOn} is after today (${today})`, {
      details: { field: 'assessedOn', today },
      extensions: { field: 'assessedOn' },
    });
  }
}

/**
 * An assessment requested after the cut-over (migration 1000) completed with no saved answers:
 * its needs come from the answers by pathway, never from a typed list.
 */
export class AnswersRequiredError extends ValidationFailedError {
  override readonly category: ErrorCategory = 'RULE_VIOLATED';

  constructor(id: string, typed: boolean) {
    super(
      `assessment ${id} has no saved answers: its needs are derived from the answers by pathway (PUT /assessments/${id}/answers), then it is completed without needs`,
      [
        {
          field: typed ? 'needs' : 'answers',
          message: typed
            ? 'typed needs are not accepted for this assessment: save the answers by pathway first (PUT /assessments/:id/answers) and leave needs out'
            : 'no answers are saved: save the answers by pathway first (PUT /assessments/:id/answers)',
        },
      ],
      'ANSWERS_REQUIRED',
    );
  }
}
