import {
  attendanceRecordedUpdate,
  coreScreenCompletedUpdate,
  identifierOf,
  referralAcknowledgedUpdate,
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  subjectFor,
  throughcareWorkflowId,
  type KnownEvent,
  type PersonReference,
  type ThroughcareInput,
} from '@throughcare/contracts';
import type { UpdateDefinition } from '@temporalio/common';

/** What the bridge does with one bus event. Pure: the executor talks to Temporal. */
export type BridgeCommand =
  | { kind: 'start'; workflowId: string; input: ThroughcareInput }
  | {
      kind: 'update';
      workflowId: string;
      update: UpdateDefinition<void, [never]>;
      arg: unknown;
      name: string;
    }
  | { kind: 'ignore'; reason: string };

/** The events the bridge turns into workflow messages; the consumer filters on exactly these. */
export const bridgedEventTypes = [
  'custody.person.received',
  'assessment.core-screen.completed',
  'referral.referral.acknowledged',
  'custody.person.released',
  'referral.appointment.attendance-recorded',
  'custody.release-date.changed',
] as const;
export const bridgedSubjects = bridgedEventTypes.map(subjectFor);

export class UnroutableEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnroutableEvent';
  }
}

/**
 * The pseudonymous person id of an event: the THROUGHCARE_ID identifier when the publisher
 * knew it, else derived from the prison number (NOMS) so an upstream system need not know it.
 */
export function personIdOf(ref: PersonReference, derive: (prisonNumber: string) => string): string {
  const known = identifierOf(ref, 'THROUGHCARE_ID');
  if (known) return known;
  const noms = identifierOf(ref, 'NOMS');
  if (noms) return derive(noms);
  throw new UnroutableEvent('personReference has neither a THROUGHCARE_ID nor a NOMS identifier');
}

const update = <A>(def: UpdateDefinition<void, [A]>, workflowId: string, arg: A): BridgeCommand => ({
  kind: 'update',
  workflowId,
  update: def as unknown as UpdateDefinition<void, [never]>,
  arg,
  name: def.name,
});

export function commandFor(event: KnownEvent, derive: (prisonNumber: string) => string): BridgeCommand {
  const personId = personIdOf(event.personReference, derive);
  switch (event.eventType) {
    case 'custody.person.received': {
      const d = event.data;
      return {
        kind: 'start',
        workflowId: throughcareWorkflowId(personId, d.episode),
        input: {
          personId,
          episode: d.episode,
          jurisdiction: d.jurisdiction,
          establishmentCode: d.establishmentCode,
          homeLocalAuthority: d.homeLocalAuthority,
          receivedAt: d.receivedAt,
          sentenceDate: d.sentenceDate,
          sentenceLengthDays: d.sentenceLengthDays,
          expectedReleaseDate: d.expectedReleaseDate,
          correlationId: event.correlationId,
        },
      };
    }
    case 'assessment.core-screen.completed':
      return update(coreScreenCompletedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        assessmentId: event.data.assessmentId,
        needs: event.data.needs,
        riskOfSeriousHarm: event.data.riskOfSeriousHarm,
        completedAt: event.data.completedAt,
        eventId: event.eventId,
      });
    case 'referral.referral.acknowledged':
      return update(referralAcknowledgedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        referralId: event.data.referralId,
        acknowledgedAt: event.data.acknowledgedAt,
        acknowledgedBy: event.data.acknowledgedBy,
        eventId: event.eventId,
      });
    case 'custody.person.released':
      return update(releaseRecordedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        releasedAt: event.data.releasedAt,
        establishmentCode: event.data.establishmentCode,
        eventId: event.eventId,
      });
    case 'referral.appointment.attendance-recorded':
      return update(attendanceRecordedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        appointmentId: event.data.appointmentId,
        attendance: event.data.attendance,
        attendedAt: event.data.attendedAt,
        reason: event.data.reason,
        eventId: event.eventId,
      });
    case 'custody.release-date.changed':
      return update(releaseDateChangedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        expectedReleaseDate: event.data.expectedReleaseDate,
        reason: event.data.reason,
        changedAt: event.data.changedAt,
        eventId: event.eventId,
      });
    default:
      return { kind: 'ignore', reason: `${event.eventType} is not bridged to workflows` };
  }
}
