import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  AbsenceKind,
  AbsencePart,
  AppointmentCancellationReason,
  AbsenceCorrectionReason,
  MovementCorrectionReason,
  AppointmentPlaceKind,
  EngagementAnswer,
  EngagementBodyKind,
  EngagementMode,
  ScheduleChange,
  ScheduleChangeReason,
  AssessmentKind,
  Attendance,
  ClosureReason,
  CourtLiberationStatus,
  EarlyClosureReason,
  EstablishmentCode,
  GateCollectorKind,
  IsoDate,
  IsoInstant,
  Jurisdiction,
  LedgerClockStatus,
  LocalAuthorityCode,
  MeetingKind,
  NotificationSubject,
  PersonIdentifierType,
  PrisonNumber,
  RecallReasonCode,
  ReceptionReason,
  ReceptionReversalReason,
  ReferralClosureOutcome,
  ReferralDecision,
  ReleaseDateChangeReason,
  ReleaseReason,
  ReturnToCustodyReason,
  ReversibleMovement,
} from '@throughcare/contracts';
import { isPersonId } from '@throughcare/platform-config';

/** What replaces a value an operator must not see. */
export const REDACTED = '[redacted]';

/**
 * Dead letters as operators see them (finding H1): the event with every value that could name
 * or describe a person replaced by REDACTED, or, for a payload that is not a JSON object (the
 * usual reason it is dead), only its size and SHA-256.
 *
 * An allow-list, derived from the event catalogue (libs/contracts/src/events/catalogue.ts): a
 * field is shown only if its name is listed below AND its value has the listed non-personal
 * shape (an enum of the vocabulary, a uuid, a date or instant, an integer, a code). Everything
 * else is redacted, whatever its name: a dead letter is often malformed, and an unknown field
 * (`name`, `dateOfBirth`, `forename` …) must not get through because nobody thought of it.
 *
 * Redacted from the catalogue's events:
 * - envelope: `description` and `detailUrl` (free text / a link that may name the person), every
 *   `personReference.identifiers[].value` other than a THROUGHCARE_ID pseudonym (`NOMS` = the
 *   prison number, `CRN`, `PNC`); a THROUGHCARE_ID that is not of the pseudonym's shape too;
 * - data: `prisonNumber` (receptions, court liberations); free text: `reason` unless it is one
 *   of the vocabulary's reason codes (cancellations, withdrawals, attendance, outcomes, attention
 *   resolutions carry free text there), `note` (close requests), `message` (agency notices v2),
 *   `what` (attention items); people's names: `acknowledgedBy`, `resolvedBy`; assessment results
 *   (special category data): `needs`, `pathways`, `riskOfSeriousHarm`, and a risk assessment's
 *   `likelihoodOfReoffending`, `mappa` (public protection) and `rises`;
 * - any string that looks like a prison number, in whatever field it appears.
 *
 * Kept: eventType, version, eventId, occurredAt, correlationId, causationId, the THROUGHCARE_ID,
 * identifier types, and the data's ids, codes, enums, dates and numbers (episode, establishment,
 * jurisdiction, local authority, agency, sentence and release dates, clocks …): what an
 * operator needs to see why the event was refused.
 */
export interface RedactedPayload {
  /** The event, redacted; null when the payload is not a JSON object. */
  event: Record<string, unknown> | null;
  /** The payload's size in bytes. */
  payloadBytes: number;
  /** SHA-256 of the payload's bytes (hex): to compare with the stored letter without seeing it. */
  payloadSha256: string;
}

type Rule = (value: unknown) => unknown;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const looksLikePrisonNumber = (v: unknown) => PrisonNumber.safeParse(v).success;

/** Keeps the value when `test` accepts it and it does not look like a prison number. */
const keepIf =
  (test: (v: unknown) => boolean): Rule =>
  (v) =>
    test(v) && !looksLikePrisonNumber(v) ? v : REDACTED;
const matches = (schema: z.ZodType) => (v: unknown) => schema.safeParse(v).success;

const ID_LIKE = /^[A-Za-z0-9_.:@-]{1,200}$/;
const idLike = keepIf((v) => typeof v === 'string' && ID_LIKE.test(v));
const integer = keepIf((v) => Number.isInteger(v));
const uuid = keepIf(matches(z.uuid()));
const when = keepIf(matches(z.union([IsoDate, IsoInstant])));
const oneOf = (first: z.ZodType, ...more: z.ZodType[]) =>
  keepIf(matches(more.length ? z.union([first, ...more]) : first));
const listOf =
  (rule: Rule): Rule =>
  (v) =>
    Array.isArray(v) ? v.map(rule) : REDACTED;
const objectOf =
  (rules: Record<string, Rule>): Rule =>
  (v) =>
    isObject(v)
      ? Object.fromEntries(
          Object.entries(v).map(([key, value]) => [
            key,
            Object.hasOwn(rules, key) ? rules[key]!(value) : REDACTED,
          ]),
        )
      : REDACTED;

/** Every reason code of the vocabulary: a `reason` that is one of them is a code, not free text. */
const reasonCode = oneOf(
  ReceptionReason,
  ReceptionReversalReason,
  MovementCorrectionReason,
  AbsenceCorrectionReason,
  ReleaseReason,
  ReleaseDateChangeReason,
  ReturnToCustodyReason,
  EarlyClosureReason,
  ClosureReason,
  AppointmentCancellationReason,
);

/** The data fields of the catalogue's events that name no person, each with its value's shape. */
const DATA_RULES: Record<string, Rule> = {
  episode: integer,
  /** The episode a return to custody follows (receptions). */
  previousEpisode: integer,
  sentenceLengthDays: integer,
  /** A record's version number (risk assessments). */
  version: integer,
  // ids
  assessmentId: uuid,
  referralId: uuid,
  appointmentId: uuid,
  scheduleId: uuid,
  supersedes: uuid,
  bookingId: uuid,
  notificationId: uuid,
  reversedEventId: uuid,
  correctedEventId: uuid,
  engagementRequestId: uuid,
  absenceId: uuid,
  /** A conviction's id from the justice system (justice.person.reconvicted): no person, no offence. */
  convictionId: uuid,
  agencyId: idLike,
  /** The agencies a presumption of consent admits (assessment.consent.presumption-lapsing): ids, no person. */
  agencyIds: listOf(idLike),
  breachId: idLike,
  itemId: idLike,
  // codes
  establishmentCode: oneOf(EstablishmentCode),
  fromEstablishmentCode: oneOf(EstablishmentCode),
  toEstablishmentCode: oneOf(EstablishmentCode),
  previousEstablishmentCode: oneOf(EstablishmentCode),
  previousToEstablishmentCode: oneOf(EstablishmentCode),
  preReleaseMeetingEstablishmentCode: oneOf(EstablishmentCode),
  jurisdiction: oneOf(Jurisdiction),
  homeLocalAuthority: oneOf(LocalAuthorityCode),
  clock: idLike,
  owedBy: idLike,
  owedTo: idLike,
  mustAct: idLike,
  action: idLike,
  errorType: idLike,
  // enums
  reason: reasonCode,
  kind: oneOf(AssessmentKind, MeetingKind, AbsenceKind),
  part: oneOf(AbsencePart),
  attendance: oneOf(Attendance),
  movement: oneOf(ReversibleMovement),
  legalStatus: oneOf(CourtLiberationStatus),
  decision: oneOf(ReferralDecision),
  outcome: oneOf(ReferralClosureOutcome),
  subject: oneOf(NotificationSubject),
  option: oneOf(z.enum(['RETRY', 'SKIP'])),
  options: listOf(oneOf(z.enum(['RETRY', 'SKIP']))),
  placeKind: oneOf(AppointmentPlaceKind),
  change: oneOf(ScheduleChange),
  reasonCode: oneOf(ScheduleChangeReason),
  bodyKind: oneOf(EngagementBodyKind),
  answer: oneOf(EngagementAnswer),
  mode: oneOf(EngagementMode),
  /** Who collects at the gate, as a code (a name never crosses the bus: redacted if sent). */
  collectedBy: oneOf(GateCollectorKind),
  late: keepIf((v) => typeof v === 'boolean'),
  durationMinutes: keepIf((v) => v === null || Number.isInteger(v)),
  /** Who had an attention item before it was addressed again, and when (`because` is words: redacted). */
  reassigned: objectOf({ from: idLike, at: when }),
  endedAbsence: objectOf({
    absenceId: uuid,
    kind: oneOf(AbsenceKind),
    leftAt: when,
    overdueSince: when,
  }),
  returnToCustody: objectOf({
    reason: oneOf(ReturnToCustodyReason),
    recallReasonCode: oneOf(RecallReasonCode),
  }),
  /** A journey's clocks report (throughcare.sla.clocks-reported): its workflow id, a pseudonym's. */
  journey: idLike,
  seq: integer,
  localAuthority: oneOf(LocalAuthorityCode),
  policy: objectOf({ id: idLike, version: integer }),
  /** Each clock's key, who owes it (codes and agency ids) and its instants; a clock's `note` (words) is redacted. */
  clocks: listOf(
    objectOf({
      key: idLike,
      clock: idLike,
      owedBy: idLike,
      owedTo: idLike,
      startedAt: when,
      dueAt: when,
      status: oneOf(LedgerClockStatus),
      metAt: when,
      breachedAt: when,
    }),
  ),
  // dates and instants
  ...Object.fromEntries(
    [
      'receivedAt',
      'leftAt',
      'dueBackAt',
      'returnedAt',
      'sentenceDate',
      'expectedReleaseDate',
      'previousExpectedReleaseDate',
      'dueBy',
      'completedAt',
      'sentAt',
      'acknowledgeBy',
      'acknowledgedAt',
      'releasedAt',
      'attendedAt',
      'dueAt',
      'breachedAt',
      'closedAt',
      'since',
      'resolvedAt',
      'changedAt',
      'liberationDate',
      'previousLiberationDate',
      'preReleaseMeetingDate',
      'withdrawnAt',
      'date',
      'heldAt',
      'transferredAt',
      'reversedAt',
      'correctedAt',
      'occurredAt',
      'previousOccurredAt',
      'previousLeftAt',
      'previousReturnedAt',
      'previousDueBackAt',
      'decidedAt',
      'requestedAt',
      'startsAt',
      'respondBy',
      'answeredAt',
      'engagedAt',
      'assessedOn',
      'forLiberationDate',
      'recordedAt',
      'presumedUntil',
      'reportedAt',
    ].map((name) => [name, when]),
  ),
};

/** The catalogue's data fields shown (when their values have the listed shape). */
export const SHOWN_DATA_FIELDS: readonly string[] = Object.keys(DATA_RULES);
/** The catalogue's data fields always redacted: they name or describe a person, or are free text. */
export const REDACTED_DATA_FIELDS: readonly string[] = [
  'prisonNumber',
  'note',
  'message',
  'what',
  'acknowledgedBy',
  'resolvedBy',
  // Assessment results: health, drugs and alcohol, abuse (special category data) and risk.
  'needs',
  'pathways',
  'riskOfSeriousHarm',
  'likelihoodOfReoffending',
  'mappa',
  'rises',
  // The person's sex and date of birth (the directory's eligibility): personal data an operator
  // does not need to repair a letter.
  'sex',
  'dateOfBirth',
  // A conviction (justice.person.reconvicted): criminal offence data, not needed to repair a letter.
  'offenceDate',
  'convictedOn',
  'seriousness',
];

const identifier: Rule = (v) => {
  if (!isObject(v)) return REDACTED;
  return objectOf({
    type: keepIf(matches(PersonIdentifierType)),
    value: (value) =>
      v.type === 'THROUGHCARE_ID' && typeof value === 'string' && isPersonId(value) ? value : REDACTED,
  })(v);
};

const EVENT_RULES: Record<string, Rule> = {
  eventType: keepIf((v) => typeof v === 'string' && /^[a-z][a-z0-9.-]{0,99}$/.test(v)),
  version: integer,
  eventId: idLike,
  occurredAt: when,
  correlationId: idLike,
  causationId: idLike,
  personReference: objectOf({ identifiers: listOf(identifier) }),
  data: objectOf(DATA_RULES),
};

/** The payload as an operator may see it (see RedactedPayload). */
export function redactPayload(payload: Uint8Array | string): RedactedPayload {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const digest = {
    payloadBytes: bytes.length,
    payloadSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { event: null, ...digest };
  }
  if (!isObject(parsed)) return { event: null, ...digest };
  return { event: objectOf(EVENT_RULES)(parsed) as Record<string, unknown>, ...digest };
}

/** The pseudonymous person id a (redacted) event names: its THROUGHCARE_ID, if it is one; else null. */
export function personIdIn(event: Record<string, unknown> | null): string | null {
  const identifiers = isObject(event?.personReference) ? event.personReference.identifiers : undefined;
  if (!Array.isArray(identifiers)) return null;
  for (const i of identifiers) {
    if (isObject(i) && i.type === 'THROUGHCARE_ID' && typeof i.value === 'string' && isPersonId(i.value))
      return i.value;
  }
  return null;
}
