import { ConflictError, DomainError, NotFoundError } from '@throughcare/platform-errors';
import type { ReferralAction, ReferralStatus } from './referral.lifecycle';

/** Also what another agency's referral answers: out of scope does not exist for the caller. */
export class ReferralNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no referral with id ${id}`, 'REFERRAL_NOT_FOUND');
  }
}

/** A fact dated before the referral was sent (`field` names the date the caller gave). */
class BeforeSentError extends DomainError {
  constructor(code: string, field: string, at: Date, sentAt: Date) {
    super(
      code,
      'RULE_VIOLATED',
      `${field} ${at.toISOString()} is before the referral was sent (${sentAt.toISOString()})`,
      { details: { field, sentAt: sentAt.toISOString() } },
    );
  }
}

/** A fact dated later than now (beyond the tolerated clock skew). */
class InFutureError extends DomainError {
  constructor(code: string, field: string, at: Date) {
    super(code, 'RULE_VIOLATED', `${field} ${at.toISOString()} is in the future`, { details: { field } });
  }
}

export class AcknowledgedBeforeSentError extends BeforeSentError {
  constructor(acknowledgedAt: Date, sentAt: Date) {
    super('ACKNOWLEDGED_BEFORE_SENT', 'acknowledgedAt', acknowledgedAt, sentAt);
  }
}

export class AcknowledgedInFutureError extends InFutureError {
  constructor(acknowledgedAt: Date) {
    super('ACKNOWLEDGED_IN_FUTURE', 'acknowledgedAt', acknowledgedAt);
  }
}

/** A withdrawn referral takes no acknowledgement and no decision: there is nothing left to decide. */
export class ReferralWithdrawnError extends ConflictError {
  constructor(id: string, withdrawnAt: Date, reason: string) {
    super(`referral ${id} was withdrawn at ${withdrawnAt.toISOString()}: ${reason}`, 'REFERRAL_WITHDRAWN', {
      details: { withdrawnAt: withdrawnAt.toISOString(), reason },
    });
  }
}

export class DecidedBeforeSentError extends BeforeSentError {
  constructor(decidedAt: Date, sentAt: Date) {
    super('DECIDED_BEFORE_SENT', 'decidedAt', decidedAt, sentAt);
  }
}

export class DecidedInFutureError extends InFutureError {
  constructor(decidedAt: Date) {
    super('DECIDED_IN_FUTURE', 'decidedAt', decidedAt);
  }
}

export class ClosedBeforeSentError extends BeforeSentError {
  constructor(closedAt: Date, sentAt: Date) {
    super('CLOSED_BEFORE_SENT', 'closedAt', closedAt, sentAt);
  }
}

export class ClosedInFutureError extends InFutureError {
  constructor(closedAt: Date) {
    super('CLOSED_IN_FUTURE', 'closedAt', closedAt);
  }
}

export class NoteBeforeSentError extends BeforeSentError {
  constructor(writtenAt: Date, sentAt: Date) {
    super('NOTE_BEFORE_SENT', 'writtenAt', writtenAt, sentAt);
  }
}

export class NoteInFutureError extends InFutureError {
  constructor(writtenAt: Date) {
    super('NOTE_IN_FUTURE', 'writtenAt', writtenAt);
  }
}

/**
 * The same Idempotency-Key again with another referral or other facts than the first time: 422, as
 * on every other service's POST (issue 10: "same key with a different body → 422"); the key names
 * the first request, so a new request needs a new key.
 */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(what: string, fields: string[]) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'RULE_VIOLATED',
      `${what} was recorded with different ${fields.join(', ')}: use a new Idempotency-Key for a new request`,
      { details: { fields } },
    );
  }
}

/** A referral id the caller chose (the journey mints a need's) that another referral already has. */
export class ReferralIdTakenError extends ConflictError {
  constructor(id: string) {
    super(`referral id ${id} is already another referral's: choose another`, 'REFERRAL_ID_TAKEN');
  }
}

/**
 * The lifecycle table (`referral.lifecycle.ts`) does not allow this fact where it falls in time,
 * or it would strand a later fact. The details carry what is allowed there and now.
 */
export class TransitionNotAllowedError extends ConflictError {
  constructor(input: {
    id: string;
    action: ReferralAction;
    at: Date;
    /** Whether the refused fact is the new one (else a later one it would strand). */
    itself: boolean;
    refused: { action: ReferralAction; at: Date };
    from: ReferralStatus;
    allowedThere: ReferralAction[];
    status: ReferralStatus;
    allowedActions: ReferralAction[];
  }) {
    const { action, at, refused, from, itself } = input;
    const allowed = (actions: ReferralAction[]) => (actions.length > 0 ? actions.join(', ') : 'nothing');
    const facts = {
      action,
      at: at.toISOString(),
      refused: { action: refused.action, at: refused.at.toISOString() },
      statusThen: from,
      allowedThen: input.allowedThere,
      /** The referral's status now (`status` is the problem's HTTP status). */
      referralStatus: input.status,
      allowedActions: input.allowedActions,
    };
    super(
      itself
        ? `referral ${input.id}: ${action} at ${at.toISOString()} would follow ${from}, where the lifecycle allows ${allowed(input.allowedThere)}`
        : `referral ${input.id}: ${action} at ${at.toISOString()} would leave the ${refused.action} at ${refused.at.toISOString()} following ${from}, where the lifecycle allows ${allowed(input.allowedThere)}`,
      'TRANSITION_NOT_ALLOWED',
      { details: facts, extensions: facts },
    );
  }
}
