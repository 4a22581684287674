import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
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
