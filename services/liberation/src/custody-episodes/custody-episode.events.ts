import { randomUUID } from 'node:crypto';
import type { PersonReceivedV1, PersonReference, PersonReleasedV1 } from '@throughcare/contracts';
import type { CustodyEpisode } from './custody-episode.entity';

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
