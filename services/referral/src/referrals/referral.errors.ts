import { DomainError, NotFoundError } from '@throughcare/platform-errors';

/** Also what another agency's referral answers: out of scope does not exist for the caller. */
export class ReferralNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no referral with id ${id}`, 'REFERRAL_NOT_FOUND');
  }
}

export class AcknowledgedBeforeSentError extends DomainError {
  constructor(acknowledgedAt: Date, sentAt: Date) {
    super(
      'ACKNOWLEDGED_BEFORE_SENT',
      'RULE_VIOLATED',
      `acknowledgedAt ${acknowledgedAt.toISOString()} is before the referral was sent (${sentAt.toISOString()})`,
      { details: { field: 'acknowledgedAt', sentAt: sentAt.toISOString() } },
    );
  }
}

export class AcknowledgedInFutureError extends DomainError {
  constructor(acknowledgedAt: Date) {
    super(
      'ACKNOWLEDGED_IN_FUTURE',
      'RULE_VIOLATED',
      `acknowledgedAt ${acknowledgedAt.toISOString()} is in the future`,
      {
        details: { field: 'acknowledgedAt' },
      },
    );
  }
}
