import { randomUUID } from 'node:crypto';
import type { PersonReceivedV1 } from '@throughcare/contracts';

// Fixtures shared by the messaging specs.

/** A valid `custody.person.received` (a fresh eventId and correlationId unless overridden). */
export function personReceived(overrides: Partial<PersonReceivedV1> = {}): PersonReceivedV1 {
  return {
    eventType: 'custody.person.received',
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2026-03-02T10:00:00Z',
    correlationId: randomUUID(),
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
    data: {
      prisonNumber: 'A1234BC',
      episode: 1,
      establishmentCode: 'BAR',
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: 'S12000036',
      reason: 'ADMISSION',
      receivedAt: '2026-03-02T10:00:00Z',
      sentenceDate: '2026-03-01',
      sentenceLengthDays: 365,
      expectedReleaseDate: '2026-09-01',
    },
    ...overrides,
  };
}
