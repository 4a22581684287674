import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
} from '@throughcare/platform-errors';

export class EpisodeNotFoundError extends NotFoundError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'EPISODE_NOT_FOUND', { details });
  }

  static of(personId: string, episode: number) {
    return new EpisodeNotFoundError(`person ${personId} has no custody episode ${episode}`, {
      personId,
      episode,
    });
  }

  static openOf(personId: string) {
    return new EpisodeNotFoundError(`person ${personId} has no open custody episode`, { personId });
  }
}

export class PersonNotFoundError extends NotFoundError {
  constructor(personId: string) {
    super(`no custody episode is recorded for person ${personId}`, 'PERSON_NOT_FOUND', {
      details: { personId },
    });
  }
}

export class EpisodeAlreadyOpenError extends ConflictError {
  constructor(personId: string, episode: number, receivedAt: Date) {
    super(
      `person ${personId} is already in custody: episode ${episode}, received ${receivedAt.toISOString()}, is open; record its release first`,
      'EPISODE_ALREADY_OPEN',
      { details: { personId, episode, receivedAt: receivedAt.toISOString() } },
    );
  }
}

export class EpisodeAlreadyReleasedError extends ConflictError {
  constructor(personId: string, episode: number, releasedAt: Date) {
    super(
      `episode ${episode} of person ${personId} was already released at ${releasedAt.toISOString()}`,
      'EPISODE_ALREADY_RELEASED',
      { details: { personId, episode, releasedAt: releasedAt.toISOString() } },
    );
  }
}

/** A retry (same natural key or same Idempotency-Key) that carries different facts than the first time. */
export class ConflictingRetryError extends ConflictError {
  constructor(what: string, fields: string[], code: string) {
    super(
      `${what} is already recorded with different ${fields.join(', ')}; corrections are not supported yet`,
      code,
      {
        details: { fields },
      },
    );
  }
}

export class ReleaseBeforeReceptionError extends DomainError {
  constructor(personId: string, episode: number, receivedAt: Date, releasedAt: string) {
    super(
      'RELEASE_BEFORE_RECEPTION',
      'RULE_VIOLATED',
      `releasedAt ${releasedAt} is before episode ${episode} of person ${personId} was received (${receivedAt.toISOString()})`,
      { details: { field: 'releasedAt', personId, episode, receivedAt: receivedAt.toISOString() } },
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

export class GatePickupNotFoundError extends NotFoundError {
  constructor(bookingId: string) {
    super(`no gate pick-up booking ${bookingId}`, 'GATE_PICKUP_NOT_FOUND', { details: { bookingId } });
  }
}

/** An expected release date earlier than a fact of the episode it would release from. */
export class ReleaseDateTooEarlyError extends DomainError {
  private constructor(code: string, message: string, details: Record<string, unknown>) {
    super(code, 'RULE_VIOLATED', message, { details: { field: 'expectedReleaseDate', ...details } });
  }

  static beforeReception(personId: string, episode: number, date: string, receptionDate: string) {
    return new ReleaseDateTooEarlyError(
      'RELEASE_DATE_BEFORE_RECEPTION',
      `expectedReleaseDate ${date} is before episode ${episode} of person ${personId} was received (${receptionDate})`,
      { personId, episode, receptionDate },
    );
  }

  static beforeSentence(personId: string, episode: number, date: string, sentenceDate: string) {
    return new ReleaseDateTooEarlyError(
      'RELEASE_DATE_BEFORE_SENTENCE',
      `expectedReleaseDate ${date} is before the sentence date of episode ${episode} of person ${personId} (${sentenceDate})`,
      { personId, episode, sentenceDate },
    );
  }
}
