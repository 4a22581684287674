import { randomUUID } from 'node:crypto';
import { PersonReceivedV1, type KnownEvent } from '@throughcare/contracts';
import { bridgedSubjects, commandFor, UnroutableEvent } from './event-to-command';

const derive = (noms: string) => `p${noms.toLowerCase().padEnd(20, '0')}`;

function reception(identifiers: KnownEvent['personReference']['identifiers']): KnownEvent {
  return PersonReceivedV1.parse({
    eventType: 'custody.person.received',
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2026-11-23T10:00:00Z',
    correlationId: 'corr-1',
    personReference: { identifiers },
    data: {
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
    },
  });
}

describe('bridge: event → workflow command', () => {
  it('starts the episode journey under the pseudonymous id derived from the prison number', () => {
    const command = commandFor(reception([{ type: 'NOMS', value: 'A1234BC' }]), derive);
    expect(command).toMatchObject({
      kind: 'start',
      workflowId: `throughcare-${derive('A1234BC')}-2`,
      input: {
        personId: derive('A1234BC'),
        episode: 2,
        homeLocalAuthority: 'S12000036',
        correlationId: 'corr-1',
      },
    });
    expect(JSON.stringify(command)).not.toContain('A1234BC"'); // workflow id and input carry no prison number
  });

  it('prefers the THROUGHCARE_ID the publisher already knew', () => {
    const command = commandFor(
      reception([
        { type: 'NOMS', value: 'A1234BC' },
        { type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' },
      ]),
      derive,
    );
    expect(command).toMatchObject({ workflowId: 'throughcare-p0123456789abcdef0123-2' });
  });

  it('refuses an event it cannot route to a person', () => {
    expect(() => commandFor(reception([{ type: 'CRN', value: 'X123456' }]), derive)).toThrow(UnroutableEvent);
  });

  it('maps a release to the release update of that episode, keyed by event id', () => {
    const eventId = randomUUID();
    const command = commandFor(
      {
        eventType: 'custody.person.released',
        version: 1,
        eventId,
        occurredAt: '2027-06-01T08:00:00Z',
        correlationId: 'corr-2',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
        data: {
          episode: 2,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: '2027-06-01T08:00:00Z',
        },
      },
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'releaseRecorded',
      workflowId: 'throughcare-p0123456789abcdef0123-2',
      arg: { releasedAt: '2027-06-01T08:00:00Z', establishmentCode: 'BAR', eventId },
    });
  });

  it('maps a release date change to the journey update of that episode', () => {
    const eventId = randomUUID();
    const command = commandFor(
      {
        eventType: 'custody.release-date.changed',
        version: 1,
        eventId,
        occurredAt: '2027-01-10T09:00:00Z',
        correlationId: 'corr-3',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
        data: {
          episode: 1,
          expectedReleaseDate: '2027-02-05',
          previousExpectedReleaseDate: '2027-04-01',
          reason: 'HDC_APPROVED',
          changedAt: '2027-01-10T09:00:00Z',
        },
      },
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'releaseDateChanged',
      workflowId: 'throughcare-p0123456789abcdef0123-1',
      arg: { expectedReleaseDate: '2027-02-05', reason: 'HDC_APPROVED', eventId },
    });
  });

  it('consumes exactly the subjects it bridges', () => {
    expect(bridgedSubjects).toEqual([
      'throughcare.events.custody.person.received',
      'throughcare.events.assessment.core-screen.completed',
      'throughcare.events.referral.referral.acknowledged',
      'throughcare.events.custody.person.released',
      'throughcare.events.referral.appointment.attendance-recorded',
      'throughcare.events.custody.release-date.changed',
    ]);
  });
});
