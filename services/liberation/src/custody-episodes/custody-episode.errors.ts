import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
} from '@throughcare/platform-errors';
import type { CustodyEpisode } from './custody-episode.entity';

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

/** The record that opened the episode, as a reversal names it: "reception", "liberation from court". */
export function openingOf(e: Pick<CustodyEpisode, 'origin'>): string {
  return e.origin === 'COURT_LIBERATION' ? 'liberation from court' : 'reception';
}

/**
 * The episode's reception (or liberation from court) was reversed as recorded in error: nothing
 * more is recorded against it. The code is EPISODE_RECEIVED_IN_ERROR either way (the void reason).
 */
export class EpisodeVoidError extends ConflictError {
  constructor(e: Pick<CustodyEpisode, 'personId' | 'episode' | 'origin'>, voidedAt: Date) {
    super(
      `the ${openingOf(e)} of episode ${e.episode} of person ${e.personId} was reversed as recorded in error at ${voidedAt.toISOString()}: the episode is void`,
      'EPISODE_RECEIVED_IN_ERROR',
      { details: { personId: e.personId, episode: e.episode, voidedAt: voidedAt.toISOString() } },
    );
  }
}

/** How the OpenAPI of every operation that may answer EpisodeVoidError names it (review M3). */
export const EPISODE_RECEIVED_IN_ERROR_DOC =
  "EPISODE_RECEIVED_IN_ERROR (the episode's reception, or liberation from court, was reversed as recorded in error: it is void, nothing more is recorded against it)";

/**
 * The reception (409 RECEPTION_REVERSED) or liberation from court (409 COURT_LIBERATION_REVERSED)
 * sent again, with its Idempotency-Key or without, after it was reversed as recorded in error: not
 * answered as if it stood, nor recorded again at that instant.
 */
export class OpeningReversedError extends ConflictError {
  constructor(e: Pick<CustodyEpisode, 'personId' | 'episode' | 'origin' | 'voidedAt'>) {
    const liberation = e.origin === 'COURT_LIBERATION';
    super(
      `this ${openingOf(e)} of person ${e.personId} (episode ${e.episode}) was reversed as recorded in error${e.voidedAt ? ` at ${e.voidedAt.toISOString()}` : ''}; record a new ${liberation ? 'liberation with a new releasedAt' : 'reception with a new receivedAt'}`,
      liberation ? 'COURT_LIBERATION_REVERSED' : 'RECEPTION_REVERSED',
      { details: { personId: e.personId, episode: e.episode } },
    );
  }
}

/**
 * Refuses a change to an episode that is not open: 409 EPISODE_RECEIVED_IN_ERROR when its
 * reception was reversed, else EPISODE_ALREADY_RELEASED when it was released.
 */
export function refuseUnlessOpen(e: CustodyEpisode): void {
  refuseVoid(e);
  if (e.releasedAt !== null) throw new EpisodeAlreadyReleasedError(e.personId, e.episode, e.releasedAt);
}

/** Refuses a change to an episode whose reception or liberation was reversed (409 EPISODE_RECEIVED_IN_ERROR). */
export function refuseVoid(e: CustodyEpisode): void {
  if (e.voidedAt !== null) throw new EpisodeVoidError(e, e.voidedAt);
}

/**
 * A reception (or liberation from court) cannot be reversed while something recorded after it
 * stands on the episode: `code` names what to reverse first (REVERSE_RELEASE_FIRST,
 * REVERSE_TRANSFER_FIRST, REVERSE_ABSENCE_FIRST), and the answer's `reverseFirst` member which one
 * (`eventId` of the movement, or `absenceId`); or the episode is not the person's latest
 * (LATER_EPISODE_STANDS), or was not opened by the record the request reverses (NOT_A_RECEPTION,
 * NOT_A_COURT_LIBERATION).
 */
export class ReceptionReversalRefusedError extends ConflictError {
  constructor(
    code: string,
    message: string,
    details: Record<string, unknown>,
    reverseFirst?: { eventId: string } | { absenceId: string },
  ) {
    super(message, code, {
      details: { ...details, ...reverseFirst },
      ...(reverseFirst ? { extensions: { reverseFirst } } : {}),
    });
  }
}

/**
 * A request the custody record refuses because of an episode the caller may not see: one held
 * in (or released from) an establishment outside the caller's. Its wording is fixed and it
 * carries nothing of that episode (no episode number, date, establishment or details), so that a
 * caller learns no more than that the record held elsewhere is in the way; the detailed error
 * (EPISODE_ALREADY_OPEN, RECEPTION_CONFLICT…) is answered only to a caller that may see the
 * episode, and to the bus (see `refusalOver` in episode-history.ts).
 */
export class CustodyRecordConflictError extends ConflictError {
  static readonly MESSAGE =
    "this person's custody record held elsewhere conflicts with the request; the establishment holding the record must act";

  constructor() {
    super(CustodyRecordConflictError.MESSAGE, 'CUSTODY_RECORD_CONFLICT');
  }
}

/** A release recorded by an establishment other than the one holding the person. */
export class ReleaseEstablishmentMismatchError extends DomainError {
  constructor(personId: string, episode: number, heldAt: string) {
    super(
      'RELEASE_ESTABLISHMENT_MISMATCH',
      'RULE_VIOLATED',
      `establishmentCode is not where episode ${episode} of person ${personId} is held (${heldAt}); a release is recorded by the establishment holding the person`,
      { details: { field: 'establishmentCode', personId, episode, establishmentCode: heldAt } },
    );
  }
}

/**
 * The same Idempotency-Key sent again with another request than the first: 422, as every
 * Idempotency-Key of the platform's custody and assessment APIs answers it (issue 10).
 */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(what: string, fields: string[]) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'RULE_VIOLATED',
      `${what} is already recorded with different ${fields.join(', ')}; use a new key for a new request`,
      { details: { fields } },
    );
  }
}

/** A retry by the same natural key (no Idempotency-Key) that carries different facts than the first time (409). */
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

/**
 * A reception (409 RECEPTION_REVERSAL_CONFLICT) or liberation from court (409
 * COURT_LIBERATION_REVERSAL_CONFLICT) reversed already, sent again without an Idempotency-Key with
 * other facts: the reversal stands as recorded. The answer's `fields` member names each fact that
 * differs (never its value: the note is free text).
 */
export class ReversalConflictError extends ConflictError {
  constructor(e: Pick<CustodyEpisode, 'personId' | 'episode' | 'origin'>, fields: string[]) {
    super(
      `the ${openingOf(e)} of episode ${e.episode} of person ${e.personId} was reversed already with different ${fields.join(', ')}; the reversal stands as recorded (it cannot be corrected)`,
      e.origin === 'COURT_LIBERATION' ? 'COURT_LIBERATION_REVERSAL_CONFLICT' : 'RECEPTION_REVERSAL_CONFLICT',
      { details: { personId: e.personId, episode: e.episode, fields }, extensions: { fields } },
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

/**
 * A PAROLE or EARLY_RELEASE decision names the sentence calculation version it was made on once the
 * episode has one (review of stop 39, M4): missing, or naming a version the episode does not have.
 */
export class DecisionBasisError extends DomainError {
  constructor(
    code: 'SENTENCE_CALCULATION_VERSION_REQUIRED' | 'SENTENCE_CALCULATION_VERSION_UNKNOWN',
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, 'RULE_VIOLATED', message, {
      details: { field: 'sentenceCalculationVersion', ...details },
      extensions: { fields: ['sentenceCalculationVersion'] },
    });
  }
}

/**
 * A PAROLE or EARLY_RELEASE decision made on an older calculation version than the latest, whose
 * sentences changed since in a way that matters (an added or lengthened sentence, less credit:
 * `madeOnOtherSentences`): it is not recorded; decide on the latest sentences (review of stop 39, M4).
 */
export class DecisionMadeOnOtherSentencesError extends ConflictError {
  constructor(reason: string, version: number, latestVersion: number, because: string) {
    super(
      `the ${reason} decision cannot be recorded on sentence calculation version ${version}: ${because} (the latest is version ${latestVersion}); decide on the latest sentences and send its version`,
      'DECISION_MADE_ON_OTHER_SENTENCES',
      {
        details: { sentenceCalculationVersion: version, latestVersion, because },
        extensions: { latestVersion },
      },
    );
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

export class MeetingNotFoundError extends NotFoundError {
  constructor(bookingId: string) {
    super(`no meeting booking ${bookingId}`, 'MEETING_NOT_FOUND', { details: { bookingId } });
  }
}

export class MeetingCancelledError extends ConflictError {
  constructor(bookingId: string, cancelledAt: Date, reason: string | null) {
    super(
      `meeting ${bookingId} was cancelled at ${cancelledAt.toISOString()}${reason ? ` (${reason})` : ''}; a cancelled meeting cannot be held`,
      'MEETING_CANCELLED',
      { details: { bookingId, cancelledAt: cancelledAt.toISOString() } },
    );
  }
}

export class MeetingAlreadyHeldError extends ConflictError {
  constructor(bookingId: string, heldAt: Date) {
    super(
      `meeting ${bookingId} was already recorded held at ${heldAt.toISOString()}; corrections are not supported yet`,
      'MEETING_ALREADY_HELD',
      { details: { bookingId, heldAt: heldAt.toISOString() } },
    );
  }
}

export class MeetingHeldBeforeReceptionError extends DomainError {
  constructor(bookingId: string, receivedAt: Date, heldAt: string) {
    super(
      'MEETING_HELD_BEFORE_RECEPTION',
      'RULE_VIOLATED',
      `heldAt ${heldAt} is before the person was received into the episode of meeting ${bookingId} (${receivedAt.toISOString()})`,
      { details: { field: 'heldAt', bookingId, receivedAt: receivedAt.toISOString() } },
    );
  }
}

export class SameEstablishmentTransferError extends DomainError {
  constructor(personId: string, episode: number, establishmentCode: string) {
    super(
      'TRANSFER_TO_SAME_ESTABLISHMENT',
      'RULE_VIOLATED',
      `toEstablishmentCode ${establishmentCode} is where episode ${episode} of person ${personId} already is; a transfer must move the person to another establishment`,
      { details: { field: 'toEstablishmentCode', personId, episode, establishmentCode } },
    );
  }
}

/** A movement dated before the fact it would follow (the reception, or the last standing transfer). */
export class MovementOutOfOrderError extends DomainError {
  constructor(code: string, field: string, message: string, details: Record<string, unknown>) {
    super(code, 'RULE_VIOLATED', message, { details: { field, ...details } });
  }
}

/**
 * A reception reversal and the HMPPS admission its reception completed (review of stop 37, M1):
 * 422 ADMISSION_DECISION_REQUIRED when it completed one and the body does not say what the
 * admission was, ADMISSION_DECISION_NOT_APPLICABLE when it completed none and the body says,
 * ADMISSION_DECISION_AMBIGUOUS when it completed several and the body says IN_ERROR (one decision
 * would void them all); the member `fields` of the answer names `admission` each way.
 */
export class AdmissionDecisionError extends DomainError {
  constructor(
    code:
      | 'ADMISSION_DECISION_REQUIRED'
      | 'ADMISSION_DECISION_NOT_APPLICABLE'
      | 'ADMISSION_DECISION_AMBIGUOUS',
    message: string,
    details: Record<string, unknown>,
  ) {
    super(code, 'RULE_VIOLATED', message, {
      details: { field: 'admission', ...details },
      // Named to the caller as RECEPTION_REVERSAL_CONFLICT names what differs.
      extensions: { fields: ['admission'] },
    });
  }
}

export class MovementNotFoundError extends NotFoundError {
  constructor(eventId: string) {
    super(
      `no release or transfer event ${eventId} was published by the liberation service`,
      'MOVEMENT_NOT_FOUND',
      { details: { eventId } },
    );
  }
}

/** A later fact stands on the movement to reverse: undo that one first. */
export class MovementSupersededError extends ConflictError {
  constructor(eventId: string, reason: string, details: Record<string, unknown>) {
    super(`movement ${eventId} cannot be reversed: ${reason}`, 'MOVEMENT_SUPERSEDED', {
      details: { eventId, ...details },
    });
  }
}

/** A reception that says it is a return to custody, for a person with no released episode to return from. */
export class NotAReturnToCustodyError extends ConflictError {
  constructor(personId: string, latest: { episode: number; open: boolean } | null) {
    super(
      latest === null
        ? `person ${personId} has no earlier custody episode, so this reception cannot be a return to custody; send it without returnToCustody`
        : `episode ${latest.episode} of person ${personId} is ${latest.open ? 'still open' : 'not released'}; a return to custody follows a released episode`,
      'NOT_A_RETURN_TO_CUSTODY',
      { details: { personId, ...(latest === null ? {} : { episode: latest.episode }) } },
    );
  }
}

/**
 * A correction in place that would make the episode's history impossible (409): `code` says how.
 * MOVEMENT_REVERSED (undone: nothing to correct), CORRECTION_BEFORE_RECEPTION, CORRECTION_REORDERS_HISTORY
 * (it would move the movement past another standing fact of the episode, named in `details`),
 * CORRECTION_AFTER_LATER_EPISODE (a release moved past the person's next reception),
 * DESTINATION_IN_USE (a later fact of the episode happened at the transfer's destination).
 */
export class MovementCorrectionRefusedError extends ConflictError {
  constructor(
    code: string,
    eventId: string,
    reason: string,
    details: Record<string, unknown> = {},
    /** The standing fact in the way (a movement's eventId, an absence's id): the answer's `conflictsWith`. */
    conflictsWith?: { eventId: string } | { absenceId: string },
  ) {
    super(`movement ${eventId} cannot be corrected so: ${reason}`, code, {
      details: { eventId, ...details, ...(conflictsWith ? { conflictsWith } : {}) },
      ...(conflictsWith ? { extensions: { conflictsWith } } : {}),
    });
  }
}
