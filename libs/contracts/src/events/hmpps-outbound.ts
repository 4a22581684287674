import type { z } from 'zod';
import type { EventCatalogue, KnownEvent, KnownEventKey } from './catalogue';
import { HmppsDomainEvent } from './hmpps';
import { describeIssues } from './parse';

/**
 * The header the outbox relay sets on every event a Throughcare service publishes, naming the
 * service (`liberation`, `referral` …). An event on the bus without it was published by someone
 * else: an upstream prison or case-management system, or the HMPPS inbound adapter (HMPPS's own
 * facts, told back to the platform). The HMPPS outbound adapter forwards only events with it.
 */
export const PRODUCER_HEADER = 'Throughcare-Producer';

type EventOf<K extends KnownEventKey> = z.infer<(typeof EventCatalogue)[K]>;
type DataField<K extends KnownEventKey> = keyof EventOf<K>['data'] & string;

/** How one of the platform's events is told in HMPPS shape. */
export interface HmppsOutboundMapping<K extends KnownEventKey = KnownEventKey> {
  /**
   * The HMPPS `version` of the outbound event type: raised whenever its fields change (a
   * subscriber reads `additionalInformation` by it).
   */
  version: number;
  /** Fixed text about the kind of event: never about the person. */
  description: string;
  /**
   * The data fields copied into `additionalInformation`: platform ids, codes of the custody
   * record, enums and dates; the spec checks each is of such a type. Never free text (a
   * cancellation's `reason`), a person's name (`acknowledgedBy`), assessment results (`needs`,
   * `pathways`, `riskOfSeriousHarm`: special category data), a prison number, nor what reveals a
   * need or health: the agency (its kind and services are in the directory), a place kind, a
   * schedule change's reason code (`PERSON_UNWELL`). Sentence facts (length, dates, legal status)
   * stay out too: a subscriber with a right to them asks the platform.
   */
  fields: ReadonlyArray<DataField<K>>;
}

type Mappings = { [K in KnownEventKey]?: HmppsOutboundMapping<K> };

/**
 * The platform's events published in HMPPS shape on `hmpps.outbound.throughcare-<eventType>`
 * (the context gets the `throughcare-` prefix, so the type reads `<source>.<entity>.<past-tense>`
 * as HMPPS's do: `throughcare-custody.person.released`). Thin events: the ids and codes a
 * subscriber needs to know what happened and to whom (the pseudonym), not the detail. Only for
 * people held in England and Wales (HMPPS's remit): the adapter checks the custody record.
 *
 * Not published: assessment requests (work for prison staff), consent, risk assessments
 * (assessment results), gate pick-ups (transport arrangements), agency notices (their message is
 * free text), SLA breaches, attention items and case closure (operational, read in the platform's
 * own views).
 */
export const HMPPS_OUTBOUND: Mappings = {
  'custody.person.received@2': {
    version: 1,
    description: 'A person was received into custody',
    fields: ['episode', 'establishmentCode', 'reason', 'receivedAt'],
  },
  'custody.person.released@1': {
    version: 1,
    description: 'A person was released from custody',
    fields: ['episode', 'establishmentCode', 'reason', 'releasedAt'],
  },
  'custody.person.transferred@1': {
    version: 1,
    description: 'A person was transferred to another establishment',
    fields: ['episode', 'fromEstablishmentCode', 'toEstablishmentCode', 'transferredAt'],
  },
  'custody.movement.reversed@1': {
    version: 1,
    description: 'A release or transfer recorded in error was reversed',
    fields: ['episode', 'movement', 'reversedEventId', 'reversedAt'],
  },
  'custody.reception.reversed@1': {
    version: 1,
    description: 'A reception recorded in error was reversed: the custody episode is void',
    fields: ['episode', 'establishmentCode', 'reason', 'reversedAt'],
  },
  'custody.court-liberation.reversed@1': {
    version: 1,
    description: 'A liberation from court recorded in error was reversed: the custody episode is void',
    fields: ['episode', 'establishmentCode', 'reason', 'reversedAt', 'releasedAt'],
  },
  'custody.release-date.changed@1': {
    version: 1,
    description: "A person's expected release date changed",
    fields: ['episode', 'expectedReleaseDate', 'previousExpectedReleaseDate', 'changedAt'],
  },
  'custody.person.liberated-from-court@2': {
    version: 1,
    description: 'A person was liberated from court',
    fields: ['episode', 'establishmentCode', 'releasedAt'],
  },
  'custody.meeting.booked@1': {
    version: 1,
    description: 'A custody visit or pre-release meeting was booked',
    fields: ['bookingId', 'episode', 'kind', 'establishmentCode', 'date'],
  },
  'custody.meeting.cancelled@1': {
    version: 1,
    description: 'A custody visit or pre-release meeting was cancelled',
    fields: ['bookingId', 'episode'],
  },
  'custody.meeting.held@1': {
    version: 1,
    description: 'A custody visit or pre-release meeting took place',
    fields: ['bookingId', 'episode', 'kind', 'heldAt'],
  },
  'assessment.core-screen.completed@1': {
    version: 1,
    description: 'A core screen was completed',
    fields: ['assessmentId', 'episode', 'completedAt'],
  },
  'assessment.assessment.completed@1': {
    version: 1,
    description: 'An assessment was completed',
    fields: ['assessmentId', 'episode', 'kind', 'completedAt'],
  },
  'referral.referral.sent@1': {
    version: 1,
    description: 'A referral was sent to a community agency',
    fields: ['referralId', 'episode', 'sentAt', 'acknowledgeBy'],
  },
  'referral.referral.acknowledged@1': {
    version: 1,
    description: 'A community agency acknowledged a referral',
    fields: ['referralId', 'episode', 'acknowledgedAt'],
  },
  'referral.referral.outcome-recorded@1': {
    version: 1,
    description: 'A community agency recorded its decision on a referral',
    fields: ['referralId', 'episode', 'decision', 'decidedAt'],
  },
  'referral.referral.withdrawn@1': {
    version: 1,
    description: 'A referral was withdrawn',
    fields: ['referralId', 'episode'],
  },
  'referral.referral.closed@1': {
    version: 1,
    description: 'A community agency closed a referral with its outcome',
    fields: ['referralId', 'episode', 'outcome', 'closedAt'],
  },
  'referral.appointment.booked@1': {
    version: 1,
    description: 'A first appointment after release was booked',
    fields: ['appointmentId', 'episode', 'dueBy'],
  },
  'referral.appointment.attendance-recorded@1': {
    version: 1,
    description: 'Attendance at an appointment was recorded',
    fields: ['appointmentId', 'episode', 'attendance', 'attendedAt'],
  },
  'referral.appointment.cancelled@1': {
    version: 1,
    description: 'An appointment was cancelled',
    fields: ['appointmentId', 'episode'],
  },
  'referral.appointment.scheduled@1': {
    version: 1,
    description: 'A community agency set or moved the time of an appointment',
    fields: ['appointmentId', 'scheduleId', 'supersedes', 'episode', 'startsAt', 'durationMinutes', 'change'],
  },
  'referral.referral-appointment.booked@1': {
    version: 1,
    description: 'A community agency booked an appointment against its referral',
    fields: ['referralId', 'appointmentId', 'episode', 'startsAt'],
  },
  'referral.referral-appointment.attendance-recorded@1': {
    version: 1,
    description: 'Attendance at an appointment booked against a referral was recorded',
    fields: ['referralId', 'appointmentId', 'episode', 'attendance', 'attendedAt'],
  },
};

/** The platform event types (any version) the outbound adapter may publish. */
export const hmppsOutboundSourceTypes: readonly string[] = [
  ...new Set(Object.keys(HMPPS_OUTBOUND).map((key) => key.split('@')[0]!)),
];

/** The HMPPS `eventType` a platform event type is published as. */
export function hmppsOutboundEventType(eventType: string): string {
  return `throughcare-${eventType}`;
}

/** The mapping of one event type and version, if it is published outbound. */
export function hmppsOutboundMappingOf(event: Pick<KnownEvent, 'eventType' | 'version'>) {
  const key = `${event.eventType}@${event.version}` as KnownEventKey;
  return Object.hasOwn(HMPPS_OUTBOUND, key) ? (HMPPS_OUTBOUND[key] as HmppsOutboundMapping) : undefined;
}

/** Why an event of the platform cannot be told in HMPPS shape. */
export class HmppsOutboundError extends Error {
  constructor(
    readonly code: 'HMPPS_OUTBOUND_NOT_PSEUDONYMOUS' | 'HMPPS_OUTBOUND_NOT_MAPPED' | 'HMPPS_OUTBOUND_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'HmppsOutboundError';
  }
}

/**
 * One of the platform's events as an HMPPS domain event: `occurredAt` the event's,
 * `additionalInformation` the mapping's fields (those present) plus `throughcareEventId` (the
 * platform's event id, to match a copy and to ask the platform for the detail), and the person
 * named by the pseudonymous THROUGHCARE_ID alone. An event naming the person any other way
 * (a prison number, a CRN) is refused, never stripped and passed on: it should not be on the bus.
 */
export function toHmppsDomainEvent(event: KnownEvent, publishedAt: Date): HmppsDomainEvent {
  const mapping = hmppsOutboundMappingOf(event);
  if (!mapping) {
    throw new HmppsOutboundError(
      'HMPPS_OUTBOUND_NOT_MAPPED',
      `${event.eventType}@${event.version} is not published outbound`,
    );
  }
  const identifiers = event.personReference.identifiers;
  if (identifiers.length !== 1 || identifiers[0]!.type !== 'THROUGHCARE_ID') {
    throw new HmppsOutboundError(
      'HMPPS_OUTBOUND_NOT_PSEUDONYMOUS',
      `${event.eventType} ${event.eventId} names its person by ${identifiers.map((i) => i.type).join(', ')}: only a THROUGHCARE_ID alone is published outbound`,
    );
  }
  const data = event.data as Record<string, unknown>;
  const additionalInformation: Record<string, unknown> = { throughcareEventId: event.eventId };
  for (const field of mapping.fields) {
    if (data[field] !== undefined) additionalInformation[field] = data[field];
  }
  const parsed = HmppsDomainEvent.safeParse({
    eventType: hmppsOutboundEventType(event.eventType),
    version: mapping.version,
    occurredAt: event.occurredAt,
    publishedAt: publishedAt.toISOString(),
    description: mapping.description,
    additionalInformation,
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: identifiers[0]!.value }] },
  });
  if (!parsed.success) {
    throw new HmppsOutboundError('HMPPS_OUTBOUND_INVALID', describeIssues(parsed.error));
  }
  return parsed.data;
}
