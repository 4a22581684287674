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

type Key = keyof typeof EventCatalogue;
export const courtLiberationData = {
  prisonNumber: 'A1234BC',
  episode: 1,
  establishmentCode: 'BAR',
  jurisdiction: 'ENGLAND_AND_WALES',
  homeLocalAuthority: 'E08000035',
  legalStatus: 'REMAND',
  releasedAt: '2027-03-02T15:20:00Z',
};
const at = '2027-01-14T09:00:00Z';
const id = '6f1c1b7e-4a55-4c8e-9a0e-2f1f5b0c9d11';

/** Version 2's data: version 1's without the prison number. */
function withoutPrisonNumber(data: Record<string, unknown>): Record<string, unknown> {
  const { prisonNumber: _pn, ...rest } = data;
  return rest;
}

/** One valid event of every bridged type and version, and the date field the journey plans from. */
/** An `assessment.risk.assessed` event's data: a first, low assessment in episode 2, with `more`. */
export function riskData(more: Record<string, unknown> = {}): Record<string, unknown> {
  const bands = { likelihoodOfReoffending: 'LOW', riskOfSeriousHarm: 'LOW', mappa: null };
  return { episode: 2, version: 1, ...bands, assessedOn: '2027-01-20', rises: [], ...more };
}

export const plannableFacts: Array<[Key, Record<string, unknown>, string]> = [
  ['custody.person.received@1', receptionData, 'expectedReleaseDate'],
  ['custody.person.received@2', withoutPrisonNumber(receptionData), 'expectedReleaseDate'],
  ['custody.person.liberated-from-court@1', courtLiberationData, 'releasedAt'],
  ['custody.person.liberated-from-court@2', withoutPrisonNumber(courtLiberationData), 'releasedAt'],
  [
    'assessment.core-screen.completed@1',
    { assessmentId: id, episode: 1, needs: [], riskOfSeriousHarm: 'LOW', completedAt: at },
    'completedAt',
  ],
  [
    'referral.referral.acknowledged@1',
    { referralId: id, episode: 1, agencyId: 'a', acknowledgedAt: at, acknowledgedBy: 'x' },
    'acknowledgedAt',
  ],
  [
    'custody.person.released@1',
    { episode: 1, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: at },
    'releasedAt',
  ],
  [
    'referral.appointment.attendance-recorded@1',
    { appointmentId: id, episode: 1, attendance: 'NO', attendedAt: at },
    'attendedAt',
  ],
  [
    'custody.release-date.changed@1',
    {
      episode: 1,
      expectedReleaseDate: '2027-03-01',
      previousExpectedReleaseDate: '2027-06-01',
      reason: 'HDC_APPROVED',
      changedAt: at,
    },
    'expectedReleaseDate',
  ],
  [
    'assessment.assessment.completed@1',
    { assessmentId: id, episode: 1, kind: 'STANDARD_REVIEW', needs: [], completedAt: at },
    'completedAt',
  ],
  ['custody.meeting.held@1', { bookingId: id, episode: 1, kind: 'CJSW_VISIT', heldAt: at }, 'heldAt'],
  [
    'custody.person.transferred@1',
    { episode: 1, fromEstablishmentCode: 'BAR', toEstablishmentCode: 'LEI', transferredAt: at },
    'transferredAt',
  ],
  [
    'custody.movement.reversed@1',
    { episode: 1, movement: 'RELEASE', reversedEventId: id, reversedAt: at },
    'reversedAt',
  ],
  [
    'referral.referral.outcome-recorded@1',
    { referralId: id, episode: 1, agencyId: 'a', decision: 'ACCEPTED', decidedAt: at },
    'decidedAt',
  ],
  [
    'referral.referral.closed@1',
    { referralId: id, episode: 1, agencyId: 'a', outcome: 'ACHIEVED', closedAt: at },
    'closedAt',
  ],
  ['assessment.consent.withdrawn@1', { episode: 1, withdrawnAt: at }, 'withdrawnAt'],
  ['throughcare.case.close-requested@1', { episode: 1, reason: 'DECEASED', requestedAt: at }, 'requestedAt'],
  [
    'referral.referral-appointment.attendance-recorded@1',
    { referralId: id, appointmentId: id, episode: 1, agencyId: 'a', attendance: 'YES', attendedAt: at },
    'attendedAt',
  ],
  ['assessment.risk.assessed@1', riskData(), 'assessedOn'],
  [
    'custody.reception.reversed@1',
    { episode: 1, reversedAt: at, reason: 'RECEIVED_IN_ERROR', establishmentCode: 'BAR' },
    'reversedAt',
  ],
  [
    'custody.court-liberation.reversed@1',
    { episode: 1, reversedAt: at, reason: 'RECEIVED_IN_ERROR', establishmentCode: 'BAR', releasedAt: at },
    'reversedAt',
  ],
  [
    'custody.movement.corrected@1',
    {
      episode: 1,
      movement: 'RELEASE',
      correctedEventId: id,
      version: 2,
      reason: 'WRONG_TIME',
      correctedAt: at,
      occurredAt: at,
      previousOccurredAt: at,
    },
    'occurredAt',
  ],
  [
    'custody.gate-arrangement.recorded@1',
    { episode: 1, version: 1, forLiberationDate: '2027-03-05', collectedBy: 'NOBODY', recordedAt: at },
    'recordedAt',
  ],
];
