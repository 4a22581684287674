import { randomUUID } from 'node:crypto';
import { EventCatalogue, type KnownEvent } from '@throughcare/contracts';

// Fixtures shared by the bridge's unit specs.

/** A THROUGHCARE_ID person id, as a publisher that already knew it would send. */
export const PERSON = 'p0123456789abcdef0123';

/** Stands in for the HMAC pseudonym of a prison number (deterministic, readable in expectations). */
export const derive = (noms: string) => `p${noms.toLowerCase().padEnd(20, '0')}`;

/** The data of a valid `custody.person.received` (episode 2, Scotland, City of Edinburgh). */
export const receptionData = {
  prisonNumber: 'A1234BC',
  episode: 2,
  establishmentCode: 'BAR',
  jurisdiction: 'SCOTLAND',
  homeLocalAuthority: 'S12000036',
  reason: 'ADMISSION',
  receivedAt: '2026-11-23T09:30:00Z',
  sentenceDate: '2026-11-20',
  sentenceLengthDays: 540,
  expectedReleaseDate: '2027-06-01',
};

/** A catalogue event for a THROUGHCARE_ID person, validated against its schema (so the fixtures stay true to the contract). */
export function fact(
  key: keyof typeof EventCatalogue,
  data: Record<string, unknown>,
  eventId = randomUUID(),
  personId = PERSON,
): KnownEvent {
  const [eventType, version] = key.split('@');
  return EventCatalogue[key].parse({
    eventType,
    version: Number(version),
    eventId,
    occurredAt: '2027-01-10T09:00:00Z',
    correlationId: 'corr-f',
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
    data,
  }) as KnownEvent;
}
