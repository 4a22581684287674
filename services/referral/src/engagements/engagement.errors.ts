import { ConflictError, DomainError, NotFoundError } from '@throughcare/platform-errors';
import type { EngagementAction, EngagementStatus } from './engagement.lifecycle';

/** Also what another agency's or another prison's request answers: out of scope does not exist. */
export class EngagementRequestNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no engagement request with id ${id}`, 'ENGAGEMENT_REQUEST_NOT_FOUND');
  }
}

/** The lifecycle (`engagement.lifecycle.ts`) does not allow the action in the request's status. */
export class EngagementTransitionNotAllowedError extends ConflictError {
  constructor(
    id: string,
    action: EngagementAction,
    status: EngagementStatus,
    allowedActions: EngagementAction[],
  ) {
    const facts = { action, engagementStatus: status, allowedActions };
    super(
      `engagement request ${id} is ${status}: ${action} is not allowed (allowed: ${allowedActions.length > 0 ? allowedActions.join(', ') : 'nothing'})`,
      'TRANSITION_NOT_ALLOWED',
      { details: facts, extensions: facts },
    );
  }
}

/** An open request to the same body for the same person and episode already stands. */
export class EngagementAlreadyRequestedError extends ConflictError {
  /** `existingId` only when the caller may read that request (else it is another prison's). */
  constructor(existingId: string | undefined) {
    super(
      existingId
        ? `an open engagement request to this body for this person and episode already stands (${existingId}): withdraw it first, or follow it up`
        : 'an open engagement request to this body for this person and episode already stands at another prison',
      'ENGAGEMENT_ALREADY_REQUESTED',
      existingId
        ? { details: { engagementRequestId: existingId }, extensions: { engagementRequestId: existingId } }
        : {},
    );
  }
}

/** A date the caller gave that the rules refuse (`field` names it). */
export class EngagementDateError extends DomainError {
  constructor(code: string, field: string, message: string) {
    super(code, 'RULE_VIOLATED', message, { details: { field } });
  }
}

/** The prison that asked reads a request after the person moved; the prison now responsible acts on it. */
export class EngagementMovedError extends ConflictError {
  constructor(id: string, responsible: string) {
    super(
      `engagement request ${id} is now followed by ${responsible}, the prison holding the person: it acts on it`,
      'ENGAGEMENT_REQUEST_MOVED',
      { details: { establishmentCode: responsible }, extensions: { establishmentCode: responsible } },
    );
  }
}
