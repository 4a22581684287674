import { randomUUID } from 'node:crypto';
import type {
  AbsenceEndedV1,
  CourtLiberationReversedV1,
  AbsenceReversedV1,
  AbsenceCorrectedV1,
  AbsenceStartedV1,
  EndedAbsence,
  GateArrangementReconfirmationNeededV1,
  GateArrangementRecordedV1,
  GatePickupBookedV1,
  GatePickupCancelledV1,
  LiberatedFromCourtV2,
  MeetingBookedV1,
  MeetingCancelledV1,
  MeetingHeldV1,
  MovementReversedV1,
  MovementCorrectedV1,
  PersonReceivedV2,
  PersonReference,
  PersonSex,
  PersonReleasedV1,
  PersonTransferredV1,
  ReleaseDateChangedV1,
  ReceptionReversedV1,
} from '@throughcare/contracts';
import type { CustodyEpisode, ReceivedEpisode } from './custody-episode.entity';
import type { GateArrangement } from './gate-arrangement.entity';
import type { GatePickup } from './gate-pickup.entity';
import type { Meeting } from './meeting.entity';
import type { Movement, MovementCorrection } from './movement.entity';
import type { ReleaseDateChange } from './release-date-change.entity';
import type { AbsenceCorrection, TemporaryAbsence } from './temporary-absence.entity';

/**
 * The pseudonymous THROUGHCARE_ID only (issue 8): liberation knows the prison number, and keeps it.
 * Every consumer routes by this id; whoever needs the prison number asks the liberation API, where
 * the asking is authorised and audited. Upstream systems' events still name people by NOMS.
 */
function personReferenceOf(e: CustodyEpisode): PersonReceivedV2['personReference'] & PersonReference {
  return { identifiers: [{ type: 'THROUGHCARE_ID', value: e.personId }] };
}

/**
 * The person's sex, when recorded. Never the date of birth: it stays here, and the journey asks
 * this service for the age on the day it chooses an agency (`personAgeOn`).
 */
function eligibilityFactsOf(e: CustodyEpisode): { sex?: PersonSex } {
  return e.sex === null ? {} : { sex: e.sex };
}

/**
 * `previousEpisode`: for a return to custody, the released episode it follows (the latest that
 * stands; `episode - 1` unless the episodes between are void), set on every return published.
 */
export function personReceivedEvent(
  e: ReceivedEpisode,
  correlationId: string,
  eventId: string = randomUUID(),
  previousEpisode?: number,
): PersonReceivedV2 {
  return {
    eventType: 'custody.person.received',
    version: 2,
    eventId,
    occurredAt: e.receivedAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode} opened: received into ${e.establishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      establishmentCode: e.establishmentCode,
      jurisdiction: e.jurisdiction,
      homeLocalAuthority: e.homeLocalAuthority,
      reason: e.receptionReason,
      receivedAt: e.receivedAt.toISOString(),
      sentenceDate: e.sentenceDate,
      sentenceLengthDays: e.sentenceLengthDays,
      expectedReleaseDate: e.expectedReleaseDate,
      ...eligibilityFactsOf(e),
      ...(e.returnToCustodyReason === null
        ? {}
        : {
            returnToCustody: {
              reason: e.returnToCustodyReason,
              ...(e.recallReasonCode === null ? {} : { recallReasonCode: e.recallReasonCode }),
            },
            ...(previousEpisode === undefined ? {} : { previousEpisode }),
          }),
    },
  };
}

export function personReleasedEvent(
  e: CustodyEpisode,
  correlationId: string,
  eventId: string = randomUUID(),
  endedAbsence?: EndedAbsence | null,
): PersonReleasedV1 {
  if (e.releasedAt === null || e.releaseEstablishmentCode === null || e.releaseReason === null) {
    throw new Error(`episode ${e.episode} of ${e.personId} has no release facts`);
  }
  return {
    eventType: 'custody.person.released',
    version: 1,
    eventId,
    occurredAt: e.releasedAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode} closed: released from ${e.releaseEstablishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      establishmentCode: e.releaseEstablishmentCode,
      reason: e.releaseReason,
      releasedAt: e.releasedAt.toISOString(),
      ...(endedAbsence ? { endedAbsence } : {}),
    },
  };
}

export function releaseDateChangedEvent(
  e: CustodyEpisode,
  change: ReleaseDateChange,
  eventId: string = randomUUID(),
): ReleaseDateChangedV1 {
  return {
    eventType: 'custody.release-date.changed',
    version: 1,
    eventId,
    occurredAt: change.changedAt.toISOString(),
    correlationId: change.correlationId,
    description: `Custody episode ${e.episode}: expected release date moved (${change.reason})`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      expectedReleaseDate: change.expectedReleaseDate,
      previousExpectedReleaseDate: change.previousExpectedReleaseDate,
      reason: change.reason,
      changedAt: change.changedAt.toISOString(),
    },
  };
}

/** Who collects, as the events carry it: the kind, and the agency's id when an agency collects (never a name). */
function collectorOf(
  a: GateArrangement,
): Pick<GateArrangementRecordedV1['data'], 'collectedBy' | 'agencyId'> {
  const by = a.arrangement.collectedBy;
  return { collectedBy: by.kind, ...(by.kind === 'AGENCY' && by.agencyId ? { agencyId: by.agencyId } : {}) };
}

/** Staff recorded (or reconfirmed) the gate arrangement `a` for its liberation date. */
export function gateArrangementRecordedEvent(
  e: CustodyEpisode,
  a: GateArrangement,
): GateArrangementRecordedV1 {
  return {
    eventType: 'custody.gate-arrangement.recorded',
    version: 1,
    eventId: randomUUID(),
    occurredAt: a.recordedAt.toISOString(),
    correlationId: a.correlationId,
    description: `Custody episode ${e.episode}: gate arrangement version ${a.version} recorded for liberation on ${a.forLiberationDate}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      version: a.version,
      forLiberationDate: a.forLiberationDate,
      ...collectorOf(a),
      recordedAt: a.recordedAt.toISOString(),
    },
  };
}

/** The liberation date moved from `previousLiberationDate` to `liberationDate`, away from the date `a` was made for. */
export function gateReconfirmationNeededEvent(
  e: CustodyEpisode,
  a: GateArrangement,
  move: { liberationDate: string; previousLiberationDate: string; changedAt: Date; correlationId: string },
): GateArrangementReconfirmationNeededV1 {
  return {
    eventType: 'custody.gate-arrangement.reconfirmation-needed',
    version: 1,
    eventId: randomUUID(),
    occurredAt: move.changedAt.toISOString(),
    correlationId: move.correlationId,
    description: `Custody episode ${e.episode}: the gate arrangement was made for liberation on ${a.forLiberationDate}; the liberation date is now ${move.liberationDate}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      version: a.version,
      forLiberationDate: a.forLiberationDate,
      liberationDate: move.liberationDate,
      previousLiberationDate: move.previousLiberationDate,
      ...collectorOf(a),
      changedAt: move.changedAt.toISOString(),
    },
  };
}

export function gatePickupBookedEvent(e: CustodyEpisode, booking: GatePickup): GatePickupBookedV1 {
  return {
    eventType: 'custody.gate-pickup.booked',
    version: 1,
    eventId: randomUUID(),
    occurredAt: booking.bookedAt.toISOString(),
    correlationId: booking.correlationId,
    description: `Custody episode ${e.episode}: gate pick-up booked at ${booking.establishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      bookingId: booking.id,
      episode: e.episode,
      establishmentCode: booking.establishmentCode,
      liberationDate: booking.liberationDate,
    },
  };
}

export function gatePickupCancelledEvent(
  e: CustodyEpisode,
  booking: GatePickup,
  correlationId: string,
): GatePickupCancelledV1 {
  if (booking.cancelledAt === null || booking.cancellationReason === null) {
    throw new Error(`gate pick-up ${booking.id} has no cancellation facts`);
  }
  return {
    eventType: 'custody.gate-pickup.cancelled',
    version: 1,
    eventId: randomUUID(),
    occurredAt: booking.cancelledAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode}: gate pick-up cancelled`,
    personReference: personReferenceOf(e),
    data: { bookingId: booking.id, episode: e.episode, reason: booking.cancellationReason },
  };
}

export function meetingBookedEvent(e: CustodyEpisode, meeting: Meeting): MeetingBookedV1 {
  return {
    eventType: 'custody.meeting.booked',
    version: 1,
    eventId: randomUUID(),
    occurredAt: meeting.bookedAt.toISOString(),
    correlationId: meeting.correlationId,
    description: `Custody episode ${e.episode}: ${meeting.kind} booked at ${meeting.establishmentCode} on ${meeting.date}`,
    personReference: personReferenceOf(e),
    data: {
      bookingId: meeting.id,
      episode: e.episode,
      kind: meeting.kind,
      establishmentCode: meeting.establishmentCode,
      date: meeting.date,
    },
  };
}

export function meetingCancelledEvent(
  e: CustodyEpisode,
  meeting: Meeting,
  correlationId: string,
): MeetingCancelledV1 {
  if (meeting.cancelledAt === null || meeting.cancellationReason === null) {
    throw new Error(`meeting ${meeting.id} has no cancellation facts`);
  }
  return {
    eventType: 'custody.meeting.cancelled',
    version: 1,
    eventId: randomUUID(),
    occurredAt: meeting.cancelledAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode}: ${meeting.kind} cancelled`,
    personReference: personReferenceOf(e),
    data: { bookingId: meeting.id, episode: e.episode, reason: meeting.cancellationReason },
  };
}

export function meetingHeldEvent(e: CustodyEpisode, meeting: Meeting, correlationId: string): MeetingHeldV1 {
  if (meeting.heldAt === null || meeting.heldEventId === null) {
    throw new Error(`meeting ${meeting.id} has no held facts`);
  }
  return {
    eventType: 'custody.meeting.held',
    version: 1,
    eventId: meeting.heldEventId,
    occurredAt: meeting.heldAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode}: ${meeting.kind} held at ${meeting.establishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      bookingId: meeting.id,
      episode: e.episode,
      kind: meeting.kind,
      heldAt: meeting.heldAt.toISOString(),
    },
  };
}

export function personTransferredEvent(
  e: CustodyEpisode,
  transfer: Movement,
  endedAbsence?: EndedAbsence | null,
): PersonTransferredV1 {
  if (transfer.movement !== 'TRANSFER' || transfer.toEstablishmentCode === null) {
    throw new Error(`movement ${transfer.eventId} is not a transfer`);
  }
  return {
    eventType: 'custody.person.transferred',
    version: 1,
    eventId: transfer.eventId,
    occurredAt: transfer.occurredAt.toISOString(),
    correlationId: transfer.correlationId,
    description: `Custody episode ${e.episode}: transferred from ${transfer.fromEstablishmentCode} to ${transfer.toEstablishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      fromEstablishmentCode: transfer.fromEstablishmentCode,
      toEstablishmentCode: transfer.toEstablishmentCode,
      transferredAt: transfer.occurredAt.toISOString(),
      ...(endedAbsence ? { endedAbsence } : {}),
    },
  };
}

export function movementReversedEvent(e: CustodyEpisode, movement: Movement): MovementReversedV1 {
  if (
    movement.reversedAt === null ||
    movement.reversalEventId === null ||
    movement.reversalCorrelationId === null
  ) {
    throw new Error(`movement ${movement.eventId} has no reversal facts`);
  }
  return {
    eventType: 'custody.movement.reversed',
    version: 1,
    eventId: movement.reversalEventId,
    occurredAt: movement.reversedAt.toISOString(),
    correlationId: movement.reversalCorrelationId,
    description: `Custody episode ${e.episode}: ${movement.movement.toLowerCase()} recorded in error, reversed`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      movement: movement.movement,
      reversedEventId: movement.eventId,
      reversedAt: movement.reversedAt.toISOString(),
    },
  };
}

/** A release or transfer corrected in place: the facts it set and those it superseded (never the note). */
export function movementCorrectedEvent(
  e: CustodyEpisode,
  movement: Movement,
  c: MovementCorrection,
): MovementCorrectedV1 {
  return {
    eventType: 'custody.movement.corrected',
    version: 1,
    eventId: c.eventId,
    occurredAt: c.correctedAt.toISOString(),
    correlationId: c.correlationId,
    description: `Custody episode ${e.episode}: ${movement.movement.toLowerCase()} corrected`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      movement: movement.movement,
      correctedEventId: movement.eventId,
      version: c.version,
      reason: c.reason,
      correctedAt: c.correctedAt.toISOString(),
      occurredAt: c.occurredAt.toISOString(),
      previousOccurredAt: c.previousOccurredAt.toISOString(),
      ...(c.toEstablishmentCode !== null && c.previousToEstablishmentCode !== null
        ? {
            toEstablishmentCode: c.toEstablishmentCode,
            previousToEstablishmentCode: c.previousToEstablishmentCode,
          }
        : {}),
    },
  };
}

/**
 * What a reversal of the record that opened the episode (a reception, a liberation from court)
 * publishes in common: its envelope and the void facts (never the note, which stays here).
 */
function voidEventOf(e: CustodyEpisode, establishmentCode: string) {
  if (
    e.voidedAt === null ||
    e.voidEventId === null ||
    e.voidReason === null ||
    e.voidCorrelationId === null
  ) {
    throw new Error(`episode ${e.episode} of ${e.personId} has no reversal facts`);
  }
  return {
    version: 1 as const,
    eventId: e.voidEventId,
    occurredAt: e.voidedAt.toISOString(),
    correlationId: e.voidCorrelationId,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      reversedAt: e.voidedAt.toISOString(),
      reason: e.voidReason,
      establishmentCode,
    },
  };
}

/** `custody.reception.reversed`: the episode's reception was recorded in error (never its note). */
export function receptionReversedEvent(e: CustodyEpisode, establishmentCode: string): ReceptionReversedV1 {
  const common = voidEventOf(e, establishmentCode);
  return {
    ...common,
    eventType: 'custody.reception.reversed',
    description: `Custody episode ${e.episode}: reception recorded in error, reversed`,
    data: {
      ...common.data,
      // The reception it undoes (a reversed episode was opened by one: NOT_A_RECEPTION otherwise).
      ...(e.receivedAt !== null && { receivedAt: e.receivedAt.toISOString() }),
    },
  };
}

/** `custody.court-liberation.reversed`: the episode's liberation from court was recorded in error. */
export function courtLiberationReversedEvent(
  e: CustodyEpisode,
  establishmentCode: string,
): CourtLiberationReversedV1 {
  if (e.origin !== 'COURT_LIBERATION' || e.releasedAt === null) {
    throw new Error(`episode ${e.episode} of ${e.personId} was not liberated from court`);
  }
  const common = voidEventOf(e, establishmentCode);
  return {
    ...common,
    eventType: 'custody.court-liberation.reversed',
    description: `Custody episode ${e.episode}: liberation from court recorded in error, reversed`,
    // The liberation it undoes.
    data: { ...common.data, releasedAt: e.releasedAt.toISOString() },
  };
}

export function liberatedFromCourtEvent(e: CustodyEpisode, correlationId: string): LiberatedFromCourtV2 {
  if (
    e.origin !== 'COURT_LIBERATION' ||
    e.legalStatus === null ||
    e.releasedAt === null ||
    e.courtLiberationEventId === null
  ) {
    throw new Error(`episode ${e.episode} of ${e.personId} was not liberated from court`);
  }
  return {
    eventType: 'custody.person.liberated-from-court',
    version: 2,
    eventId: e.courtLiberationEventId,
    occurredAt: e.releasedAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode}: liberated direct from court (${e.legalStatus})`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      establishmentCode: e.establishmentCode,
      jurisdiction: e.jurisdiction,
      homeLocalAuthority: e.homeLocalAuthority,
      legalStatus: e.legalStatus,
      releasedAt: e.releasedAt.toISOString(),
      ...eligibilityFactsOf(e),
    },
  };
}

export function absenceStartedEvent(e: CustodyEpisode, a: TemporaryAbsence): AbsenceStartedV1 {
  return {
    eventType: 'custody.absence.started',
    version: 1,
    eventId: a.departureEventId,
    occurredAt: a.leftAt.toISOString(),
    correlationId: a.correlationId,
    description: `Temporary absence (${a.kind}) from ${a.establishmentCode}, episode ${e.episode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      absenceId: a.id,
      kind: a.kind,
      establishmentCode: a.establishmentCode,
      leftAt: a.leftAt.toISOString(),
      ...(a.dueBackAt === null ? {} : { dueBackAt: a.dueBackAt.toISOString() }),
    },
  };
}

export function absenceEndedEvent(
  e: CustodyEpisode,
  a: TemporaryAbsence,
  correlationId: string,
): AbsenceEndedV1 {
  return {
    eventType: 'custody.absence.ended',
    version: 1,
    eventId: a.returnEventId!,
    occurredAt: a.returnedAt!.toISOString(),
    correlationId,
    description: `Back from a temporary absence (${a.kind}) at ${a.establishmentCode}, episode ${e.episode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      absenceId: a.id,
      kind: a.kind,
      establishmentCode: a.establishmentCode,
      returnedAt: a.returnedAt!.toISOString(),
    },
  };
}

export function absenceReversedEvent(
  e: CustodyEpisode,
  a: TemporaryAbsence,
  reversal: { part: 'DEPARTURE' | 'RETURN'; eventId: string; reversedEventId: string; reversedAt: Date },
  correlationId: string,
): AbsenceReversedV1 {
  return {
    eventType: 'custody.absence.reversed',
    version: 1,
    eventId: reversal.eventId,
    occurredAt: reversal.reversedAt.toISOString(),
    correlationId,
    description: `Temporary absence (${a.kind}) ${reversal.part === 'DEPARTURE' ? 'departure' : 'return'} undone, episode ${e.episode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      absenceId: a.id,
      part: reversal.part,
      reversedEventId: reversal.reversedEventId,
      reversedAt: reversal.reversedAt.toISOString(),
    },
  };
}

/** An absence corrected in place: the facts it set and those it superseded (never the note). */
export function absenceCorrectedEvent(
  e: CustodyEpisode,
  absence: TemporaryAbsence,
  c: AbsenceCorrection,
): AbsenceCorrectedV1 {
  return {
    eventType: 'custody.absence.corrected',
    version: 1,
    eventId: c.eventId,
    occurredAt: c.correctedAt.toISOString(),
    correlationId: c.correlationId,
    description: `Custody episode ${e.episode}: temporary absence corrected`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      absenceId: absence.id,
      kind: absence.kind,
      version: c.version,
      reason: c.reason,
      correctedAt: c.correctedAt.toISOString(),
      leftAt: c.leftAt.toISOString(),
      previousLeftAt: c.previousLeftAt.toISOString(),
      ...(c.returnedAt !== null && c.previousReturnedAt !== null
        ? { returnedAt: c.returnedAt.toISOString(), previousReturnedAt: c.previousReturnedAt.toISOString() }
        : {}),
      ...(c.dueBackAt !== null ? { dueBackAt: c.dueBackAt.toISOString() } : {}),
      ...(c.previousDueBackAt !== null ? { previousDueBackAt: c.previousDueBackAt.toISOString() } : {}),
    },
  };
}
