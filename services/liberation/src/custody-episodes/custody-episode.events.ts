import { randomUUID } from 'node:crypto';
import type {
  GatePickupBookedV1,
  GatePickupCancelledV1,
  PersonReceivedV1,
  PersonReference,
  PersonReleasedV1,
  ReleaseDateChangedV1,
} from '@throughcare/contracts';
import type { CustodyEpisode } from './custody-episode.entity';
import type { GatePickup } from './gate-pickup.entity';
import type { ReleaseDateChange } from './release-date-change.entity';

/** Liberation knows both identities; consumers that must not hold the prison number read THROUGHCARE_ID. */
function personReferenceOf(e: CustodyEpisode): PersonReference {
  return {
    identifiers: [
      { type: 'NOMS', value: e.prisonNumber },
      { type: 'THROUGHCARE_ID', value: e.personId },
    ],
  };
}

export function personReceivedEvent(e: CustodyEpisode, correlationId: string): PersonReceivedV1 {
  return {
    eventType: 'custody.person.received',
    version: 1,
    eventId: randomUUID(),
    occurredAt: e.receivedAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode} opened: received into ${e.establishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      prisonNumber: e.prisonNumber,
      episode: e.episode,
      establishmentCode: e.establishmentCode,
      jurisdiction: e.jurisdiction,
      homeLocalAuthority: e.homeLocalAuthority,
      reason: e.receptionReason,
      receivedAt: e.receivedAt.toISOString(),
      sentenceDate: e.sentenceDate,
      sentenceLengthDays: e.sentenceLengthDays,
      expectedReleaseDate: e.expectedReleaseDate,
    },
  };
}

export function personReleasedEvent(e: CustodyEpisode, correlationId: string): PersonReleasedV1 {
  if (e.releasedAt === null || e.releaseEstablishmentCode === null || e.releaseReason === null) {
    throw new Error(`episode ${e.episode} of ${e.personId} has no release facts`);
  }
  return {
    eventType: 'custody.person.released',
    version: 1,
    eventId: randomUUID(),
    occurredAt: e.releasedAt.toISOString(),
    correlationId,
    description: `Custody episode ${e.episode} closed: released from ${e.releaseEstablishmentCode}`,
    personReference: personReferenceOf(e),
    data: {
      episode: e.episode,
      establishmentCode: e.releaseEstablishmentCode,
      reason: e.releaseReason,
      releasedAt: e.releasedAt.toISOString(),
    },
  };
}

export function releaseDateChangedEvent(e: CustodyEpisode, change: ReleaseDateChange): ReleaseDateChangedV1 {
  return {
    eventType: 'custody.release-date.changed',
    version: 1,
    eventId: randomUUID(),
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
