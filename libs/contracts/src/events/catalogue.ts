import { z } from 'zod';
import {
  AbsenceKind,
  ConvictionSeriousness,
  RiskAssessedBands,
  AbsencePart,
  AbsenceCorrectionReason,
  AssessmentKind,
  Attendance,
  CourtLiberationStatus,
  EarlyClosureReason,
  MeetingKind,
  NotificationSubject,
  RecallReasonCode,
  ReferralClosureOutcome,
  ReferralDecision,
  ReturnToCustodyReason,
  ReversibleMovement,
  MovementCorrectionReason,
  AppointmentPlaceKind,
  ScheduleChange,
  ScheduleChangeReason,
  EngagementAnswer,
  EngagementBodyKind,
  EngagementMode,
  EstablishmentCode,
  GateCollectorKind,
  IsoDate,
  PersonSex,
  IsoInstant,
  Jurisdiction,
  LocalAuthorityCode,
  Pathway,
  PrisonNumber,
  ReceptionReason,
  ReceptionReversalReason,
  ReleaseReason,
  ReleaseDateChangeReason,
  RiskOfSeriousHarm,
  AssessedPathway,
} from '../vocabulary';
import { eventSchema } from './envelope';

/**
 * What the directory needs to offer services bounded by sex or age (women's services, young
 * adults' services): optional fields of a reception or court liberation, each left out when not
 * recorded (a service bounded by it is then not chosen). The HMPPS outbound feed and agency
 * notices never carry them.
 */
const EligibilityFacts = {
  sex: PersonSex.optional(),
  /**
   * Version 1 only: an upstream prison system's record of the person, kept by the liberation
   * service, which tells the journey the age on the day it chooses an agency. Throughcare's own
   * (version 2, pseudonymous) events never carry it: with the establishment, council and reception
   * time it would re-identify the person about as well as a prison number.
   */
  dateOfBirth: IsoDate.optional(),
};
/** Left out of version 2 (see EligibilityFacts): a version-2 event that has it parses without it. */
const NotInVersion2 = { prisonNumber: true, dateOfBirth: true } as const;

/** A person was received into custody (published by the liberation service, or by a prison system upstream). */
export const PersonReceivedV1 = eventSchema(
  'custody.person.received',
  1,
  z.object({
    prisonNumber: PrisonNumber,
    /** Custody episode number for this person, from 1; a return to custody opens the next one. */
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    jurisdiction: Jurisdiction,
    homeLocalAuthority: LocalAuthorityCode,
    reason: ReceptionReason,
    receivedAt: IsoInstant,
    sentenceDate: IsoDate,
    sentenceLengthDays: z
      .number()
      .int()
      .positive()
      .max(365 * 100),
    /** Expected release date as calculated at reception (CRD/ARD); may move later. */
    expectedReleaseDate: IsoDate,
    /** Set when the person was released from an earlier episode and is back: recall or a new sentence. */
    returnToCustody: z
      .object({ reason: ReturnToCustodyReason, recallReasonCode: RecallReasonCode.optional() })
      .optional(),
    /**
     * With `returnToCustody` only: the episode the person was released from and is back after,
     * whose journey hears of the return. The liberation service sets it on every return it
     * publishes; it is `episode - 1` unless the episodes between were received in error (void:
     * `custody.reception.reversed`). Absent (an upstream system's event, one published before it):
     * `episode - 1`. Never sent by a client: the custody record works it out.
     */
    previousEpisode: z.number().int().min(1).optional(),
    ...EligibilityFacts,
  }),
);
export type PersonReceivedV1 = z.infer<typeof PersonReceivedV1>;

/**
 * A version-2 event names its person by the pseudonym alone: any other identifier makes it
 * invalid (dead-lettered with the field), rather than parsed and passed on.
 */
const PseudonymousReference = z.object({
  identifiers: z.tuple([z.object({ type: z.literal('THROUGHCARE_ID'), value: z.string().min(1).max(64) })]),
});
/** Refused, not stripped: a version-2 event that carries a prison number is invalid. */
const NoPrisonNumber = z
  .never({ error: 'version 2 carries no prison number (publish version 1 for that)' })
  .optional();

/**
 * Version 2, as Throughcare publishes a reception: the same facts without the prison number. The
 * person is named by the pseudonymous THROUGHCARE_ID alone (issue 8: no prison number, CRN or PNC
 * travels on the bus from Throughcare; the liberation service keeps it). Upstream prison systems
 * publish version 1, which names the person by prison number.
 */
export const PersonReceivedV2 = eventSchema(
  'custody.person.received',
  2,
  PersonReceivedV1.shape.data.omit(NotInVersion2).extend({ prisonNumber: NoPrisonNumber }),
).extend({ personReference: PseudonymousReference });
export type PersonReceivedV2 = z.infer<typeof PersonReceivedV2>;

export const CoreScreenRequestedV1 = eventSchema(
  'assessment.core-screen.requested',
  1,
  z.object({ assessmentId: z.uuid(), episode: z.number().int().min(1), dueBy: IsoInstant }),
);
export type CoreScreenRequestedV1 = z.infer<typeof CoreScreenRequestedV1>;

export const CoreScreenCompletedV1 = eventSchema(
  'assessment.core-screen.completed',
  1,
  z.object({
    assessmentId: z.uuid(),
    episode: z.number().int().min(1),
    needs: z.array(Pathway),
    riskOfSeriousHarm: RiskOfSeriousHarm,
    completedAt: IsoInstant,
    /** Each pathway's status, when the screen was answered by questions (optional within v1). */
    pathways: z.array(AssessedPathway).optional(),
  }),
);
export type CoreScreenCompletedV1 = z.infer<typeof CoreScreenCompletedV1>;

export const ReferralSentV1 = eventSchema(
  'referral.referral.sent',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    pathways: z.array(Pathway).min(1),
    sentAt: IsoInstant,
    acknowledgeBy: IsoInstant,
    // Added compatibly (optional, in v1): the planned liberation date and the core screen's risk
    // of serious harm when the referral was sent, for the agency to plan and keep staff safe.
    liberationDate: IsoDate.optional(),
    riskOfSeriousHarm: RiskOfSeriousHarm.optional(),
  }),
);
export type ReferralSentV1 = z.infer<typeof ReferralSentV1>;

export const ReferralAcknowledgedV1 = eventSchema(
  'referral.referral.acknowledged',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    acknowledgedAt: IsoInstant,
    acknowledgedBy: z.string().min(1).max(200),
  }),
);
export type ReferralAcknowledgedV1 = z.infer<typeof ReferralAcknowledgedV1>;

/**
 * The temporary absence a release or transfer ended: released at court or from ROTL, or sent from
 * court to another prison (no `custody.absence.ended` follows: the person did not come back).
 * `overdueSince`, on a release only: the person was due back by then and released later (the
 * absence's `dueBackAt`, or the default of its kind when it had none).
 */
export const EndedAbsence = z.object({
  absenceId: z.uuid(),
  kind: AbsenceKind,
  leftAt: IsoInstant,
  overdueSince: IsoInstant.optional(),
});
export type EndedAbsence = z.infer<typeof EndedAbsence>;

export const PersonReleasedV1 = eventSchema(
  'custody.person.released',
  1,
  z.object({
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    reason: ReleaseReason,
    releasedAt: IsoInstant,
    /** The absence the release ended, if the person was out on one (added within v1: optional). */
    endedAbsence: EndedAbsence.optional(),
  }),
);
export type PersonReleasedV1 = z.infer<typeof PersonReleasedV1>;

export const AppointmentBookedV1 = eventSchema(
  'referral.appointment.booked',
  1,
  z.object({
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    dueBy: IsoInstant,
  }),
);
export type AppointmentBookedV1 = z.infer<typeof AppointmentBookedV1>;

export const AppointmentAttendanceRecordedV1 = eventSchema(
  'referral.appointment.attendance-recorded',
  1,
  z.object({
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    attendance: Attendance,
    attendedAt: IsoInstant,
    reason: z.string().max(500).optional(),
  }),
);
export type AppointmentAttendanceRecordedV1 = z.infer<typeof AppointmentAttendanceRecordedV1>;

export const SlaBreachedV1 = eventSchema(
  'throughcare.sla.breached',
  1,
  z.object({
    breachId: z.string().min(1),
    episode: z.number().int().min(1),
    clock: z.string().min(1),
    owedBy: z.string().min(1),
    owedTo: z.string().min(1),
    dueAt: IsoInstant,
    breachedAt: IsoInstant,
  }),
);
export type SlaBreachedV1 = z.infer<typeof SlaBreachedV1>;

/** A clock's state as the SLA ledger keeps it (`throughcare.sla.clocks-reported`). */
export const LedgerClockStatus = z.enum(['OPEN', 'MET', 'MET_LATE', 'BREACHED', 'CANCELLED']);
export type LedgerClockStatus = z.infer<typeof LedgerClockStatus>;
export const ReportedClock = z.object({
  /** The clock's key in its journey (`coreScreen`, `standardReview:2`, `needReferralAcknowledgement:HEALTH:1` …). */
  key: z.string().min(1).max(300),
  clock: z.string().min(1).max(60),
  owedBy: z.string().min(1).max(300),
  owedTo: z.string().min(1).max(300),
  startedAt: IsoInstant,
  dueAt: IsoInstant,
  status: LedgerClockStatus,
  metAt: IsoInstant.optional(),
  /** When the journey found it breached (recorded the breach); absent for a clock never breached. */
  breachedAt: IsoInstant.optional(),
  note: z.string().max(2000).optional(),
});
export type ReportedClock = z.infer<typeof ReportedClock>;
/**
 * Every clock of one journey as it stands (since `sla-ledger-1`): published whenever a clock opens,
 * moves, is met, breached or cancelled, or the journey's establishment changes. A snapshot, not a
 * delta: the SLA ledger keeps, per journey, the one with the highest `seq` (a clock missing from a
 * later snapshot is gone from the journey). Names no person: the pseudonym is in `personReference`.
 */
export const ClocksReportedV1 = eventSchema(
  'throughcare.sla.clocks-reported',
  1,
  z.object({
    episode: z.number().int().min(1),
    /** The journey's workflow id (its base: a run started again after a reversal has its own). */
    journey: z.string().min(1).max(300),
    /** Grows with each report of the journey, across continue-as-new. */
    seq: z.number().int().min(1),
    reportedAt: IsoInstant,
    jurisdiction: Jurisdiction,
    establishmentCode: EstablishmentCode,
    localAuthority: LocalAuthorityCode,
    policy: z.object({ id: z.string().min(1).max(100), version: z.number().int().min(1) }),
    clocks: z.array(ReportedClock).max(500),
    /** Set on the journey's last report, as its case closed: its clocks change no more. */
    closedAt: IsoInstant.optional(),
  }),
);
export type ClocksReportedV1 = z.infer<typeof ClocksReportedV1>;

export const CaseClosedV1 = eventSchema(
  'throughcare.case.closed',
  1,
  z.object({ episode: z.number().int().min(1), closedAt: IsoInstant, reason: z.string().min(1) }),
);
export type CaseClosedV1 = z.infer<typeof CaseClosedV1>;

const AttentionData = z.object({
  episode: z.number().int().min(1),
  itemId: z.string().min(1),
  action: z.string().min(1),
  what: z.string().min(1),
  errorType: z.string().optional(),
  mustAct: z.string().min(1),
  since: IsoInstant,
  options: z.array(z.enum(['RETRY', 'SKIP'])),
  /**
   * Present when the item was addressed to someone else first (a transfer's destination corrected):
   * `attention.raised` is published again with the new `mustAct`, and this says who had it.
   */
  reassigned: z.object({ from: z.string().min(1), at: IsoInstant, because: z.string().min(1) }).optional(),
});
/**
 * A journey needs an operator: a step failed for good or the plan is impossible (other clocks keep
 * running). Published again for the same item when it is addressed to someone else (`reassigned`,
 * since `movement-correction-1`): consumers keep one item per (person, episode, itemId), the latest
 * `occurredAt` winning. `attention.resolved` carries `reassigned` too when the item had moved.
 */
export const AttentionRaisedV1 = eventSchema('throughcare.attention.raised', 1, AttentionData);
export type AttentionRaisedV1 = z.infer<typeof AttentionRaisedV1>;
/** An operator resolved an attention item (retry the step, or skip it with a reason). */
export const AttentionResolvedV1 = eventSchema(
  'throughcare.attention.resolved',
  1,
  AttentionData.extend({
    option: z.enum(['RETRY', 'SKIP']),
    resolvedBy: z.string().min(1),
    reason: z.string().optional(),
    resolvedAt: IsoInstant,
  }),
);
export type AttentionResolvedV1 = z.infer<typeof AttentionResolvedV1>;

/** The expected release date of a custody episode moved (HDC, parole, early release, recalculation). */
export const ReleaseDateChangedV1 = eventSchema(
  'custody.release-date.changed',
  1,
  z.object({
    episode: z.number().int().min(1),
    expectedReleaseDate: IsoDate,
    previousExpectedReleaseDate: IsoDate,
    reason: ReleaseDateChangeReason,
    changedAt: IsoInstant,
  }),
);
export type ReleaseDateChangedV1 = z.infer<typeof ReleaseDateChangedV1>;

/** A gate pick-up (transport from the prison gate on liberation day) was booked. */
export const GatePickupBookedV1 = eventSchema(
  'custody.gate-pickup.booked',
  1,
  z.object({
    bookingId: z.uuid(),
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    liberationDate: IsoDate,
  }),
);
export type GatePickupBookedV1 = z.infer<typeof GatePickupBookedV1>;

/** A gate pick-up was cancelled (its liberation date no longer holds). */
export const GatePickupCancelledV1 = eventSchema(
  'custody.gate-pickup.cancelled',
  1,
  z.object({ bookingId: z.uuid(), episode: z.number().int().min(1), reason: z.string().min(1).max(500) }),
);
export type GatePickupCancelledV1 = z.infer<typeof GatePickupCancelledV1>;

/**
 * Who collects at the gate, as a code: the collecting agency's id when an agency collects, never
 * the name of a family member, friend or mentor (that stays in the liberation service).
 */
const GateCollector = {
  collectedBy: GateCollectorKind,
  agencyId: z.string().min(1).max(200).optional(),
};

/**
 * Prison staff recorded an episode's gate arrangement (a new version), or reconfirmed the current
 * one for the liberation date now: `forLiberationDate` is the liberation date it holds for.
 */
export const GateArrangementRecordedV1 = eventSchema(
  'custody.gate-arrangement.recorded',
  1,
  z.object({
    episode: z.number().int().min(1),
    version: z.number().int().min(1),
    forLiberationDate: IsoDate,
    ...GateCollector,
    recordedAt: IsoInstant,
  }),
);
export type GateArrangementRecordedV1 = z.infer<typeof GateArrangementRecordedV1>;

/**
 * The liberation date of an episode with a gate arrangement moved away from the date the
 * arrangement was made for (`forLiberationDate`): whoever collects must be asked again for
 * `liberationDate`, and staff reconfirm (or change) the arrangement.
 */
export const GateArrangementReconfirmationNeededV1 = eventSchema(
  'custody.gate-arrangement.reconfirmation-needed',
  1,
  z.object({
    episode: z.number().int().min(1),
    version: z.number().int().min(1),
    forLiberationDate: IsoDate,
    liberationDate: IsoDate,
    previousLiberationDate: IsoDate,
    ...GateCollector,
    changedAt: IsoInstant,
  }),
);
export type GateArrangementReconfirmationNeededV1 = z.infer<typeof GateArrangementReconfirmationNeededV1>;

/** An involved agency was told of a change in the plan (once per change). */
export const AgencyNotifiedV1 = eventSchema(
  'referral.agency.notified',
  1,
  z.object({
    notificationId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    subject: z.enum(['LIBERATION_DATE_CHANGED']),
    liberationDate: IsoDate,
    previousLiberationDate: IsoDate.optional(),
  }),
);
export type AgencyNotifiedV1 = z.infer<typeof AgencyNotifiedV1>;

/** An assessment after the core screen was requested (comprehensive screen, standard or summary review). */
export const AssessmentRequestedV1 = eventSchema(
  'assessment.assessment.requested',
  1,
  z.object({
    assessmentId: z.uuid(),
    episode: z.number().int().min(1),
    kind: AssessmentKind,
    dueBy: IsoInstant,
  }),
);
export type AssessmentRequestedV1 = z.infer<typeof AssessmentRequestedV1>;

export const AssessmentCompletedV1 = eventSchema(
  'assessment.assessment.completed',
  1,
  z.object({
    assessmentId: z.uuid(),
    episode: z.number().int().min(1),
    kind: AssessmentKind,
    needs: z.array(Pathway),
    completedAt: IsoInstant,
    /** Each pathway's status, when the assessment was answered by questions (optional within v1). */
    pathways: z.array(AssessedPathway).optional(),
  }),
);
export type AssessmentCompletedV1 = z.infer<typeof AssessmentCompletedV1>;

/** The person withdrew consent to voluntary throughcare (recorded with the assessment). */
export const ConsentWithdrawnV1 = eventSchema(
  'assessment.consent.withdrawn',
  1,
  z.object({ episode: z.number().int().min(1), withdrawnAt: IsoInstant }),
);
export type ConsentWithdrawnV1 = z.infer<typeof ConsentWithdrawnV1>;

/**
 * The cut-over's presumption of consent for the episode (assessment migration 1100) lapses soon
 * (review stop 41, M6): no consent or withdrawal is recorded, and at `presumedUntil` the agencies
 * marked (`agencyIds`) stop reading the shared assessment. Published once per episode and lapse,
 * 14 days before it (the assessment service's sweep), for staff to seek the person's consent (and
 * tell the person). Codes and instants only.
 */
export const ConsentPresumptionLapsingV1 = eventSchema(
  'assessment.consent.presumption-lapsing',
  1,
  z.object({
    episode: z.number().int().min(1),
    presumedUntil: IsoInstant,
    agencyIds: z.array(z.string().min(1).max(200)).min(1),
  }),
);
export type ConsentPresumptionLapsingV1 = z.infer<typeof ConsentPresumptionLapsingV1>;

/**
 * A risk assessment of the person was recorded (issue 10): a new version of the person's risk. The
 * bands and the MAPPA status, and what rose against the version before (`rises`, empty for the
 * first); never the reasons (free text stays in the assessment service). `episode` is the person's
 * latest custody episode when it was recorded, for a journey to route it by.
 */
export const RiskAssessedV1 = eventSchema(
  'assessment.risk.assessed',
  1,
  z.object({ episode: z.number().int().min(1), ...RiskAssessedBands }),
);
export type RiskAssessedV1 = z.infer<typeof RiskAssessedV1>;

/** A CJSW custody visit or the pre-release meeting was booked at an establishment. */
export const MeetingBookedV1 = eventSchema(
  'custody.meeting.booked',
  1,
  z.object({
    bookingId: z.uuid(),
    episode: z.number().int().min(1),
    kind: MeetingKind,
    establishmentCode: EstablishmentCode,
    date: IsoDate,
  }),
);
export type MeetingBookedV1 = z.infer<typeof MeetingBookedV1>;

export const MeetingCancelledV1 = eventSchema(
  'custody.meeting.cancelled',
  1,
  z.object({ bookingId: z.uuid(), episode: z.number().int().min(1), reason: z.string().min(1).max(500) }),
);
export type MeetingCancelledV1 = z.infer<typeof MeetingCancelledV1>;

/** A booked visit or meeting took place. */
export const MeetingHeldV1 = eventSchema(
  'custody.meeting.held',
  1,
  z.object({
    bookingId: z.uuid(),
    episode: z.number().int().min(1),
    kind: MeetingKind,
    heldAt: IsoInstant,
  }),
);
export type MeetingHeldV1 = z.infer<typeof MeetingHeldV1>;

/** The person was moved to another establishment (movement type TRN). */
export const PersonTransferredV1 = eventSchema(
  'custody.person.transferred',
  1,
  z.object({
    episode: z.number().int().min(1),
    fromEstablishmentCode: EstablishmentCode,
    toEstablishmentCode: EstablishmentCode,
    transferredAt: IsoInstant,
    /** The court absence the transfer ended (sent from court to another prison; added within v1: optional). */
    endedAbsence: EndedAbsence.optional(),
  }),
);
export type PersonTransferredV1 = z.infer<typeof PersonTransferredV1>;

/** A release or transfer was recorded in error and undone (hmpps `…movement.reversed`). */
export const MovementReversedV1 = eventSchema(
  'custody.movement.reversed',
  1,
  z.object({
    episode: z.number().int().min(1),
    movement: ReversibleMovement,
    /** The eventId of the release or transfer event being undone. */
    reversedEventId: z.uuid(),
    reversedAt: IsoInstant,
  }),
);
export type MovementReversedV1 = z.infer<typeof MovementReversedV1>;

/**
 * A release or transfer that happened was recorded with a wrong fact and corrected in place: its
 * instant (`occurredAt`, the `releasedAt` or `transferredAt`), or a transfer's destination. The
 * movement keeps its eventId; the superseded facts stay in the liberation service's history, and
 * the previous values are named here. Only codes and instants: the note stays in the service.
 */
export const MovementCorrectedV1 = eventSchema(
  'custody.movement.corrected',
  1,
  z.object({
    episode: z.number().int().min(1),
    movement: ReversibleMovement,
    /** The eventId of the custody.person.released or .transferred event corrected. */
    correctedEventId: z.uuid(),
    /** The movement's version after this correction (the first recording is version 1). */
    version: z.number().int().min(2),
    reason: MovementCorrectionReason,
    correctedAt: IsoInstant,
    occurredAt: IsoInstant,
    previousOccurredAt: IsoInstant,
    /** A transfer's destination, as corrected (transfers only). */
    toEstablishmentCode: EstablishmentCode.optional(),
    previousToEstablishmentCode: EstablishmentCode.optional(),
  }),
);
export type MovementCorrectedV1 = z.infer<typeof MovementCorrectedV1>;

/**
 * The reception that opened the episode was recorded in error (NOMIS "admission in error") and
 * undone: the episode is void, never was in custody, and its journey closes early. Only codes and
 * instants: the note explaining it stays in the liberation service.
 */
export const ReceptionReversedV1 = eventSchema(
  'custody.reception.reversed',
  1,
  z.object({
    episode: z.number().int().min(1),
    reversedAt: IsoInstant,
    reason: ReceptionReversalReason,
    /** Where the episode was held when it was voided. */
    establishmentCode: EstablishmentCode,
    /**
     * The reception it undoes: that reception's `receivedAt` (its `custody.person.received`'s
     * instant; one reception per person and instant). Optional, added to v1: absent from events
     * published before it. The reception's own event id is not kept, so it is not named.
     */
    receivedAt: IsoInstant.optional(),
  }),
);
export type ReceptionReversedV1 = z.infer<typeof ReceptionReversedV1>;

/**
 * The liberation direct from court that opened the episode was recorded in error and undone: the
 * episode is void (as a reception reversed is), the person was not liberated on it, and its journey
 * closes early. The same reason as a reception's (RECEIVED_IN_ERROR: the record was made in error).
 * Only codes and instants: the note explaining it stays in the liberation service.
 */
export const CourtLiberationReversedV1 = eventSchema(
  'custody.court-liberation.reversed',
  1,
  z.object({
    episode: z.number().int().min(1),
    reversedAt: IsoInstant,
    reason: ReceptionReversalReason,
    /** The establishment that held (or would have received) the person, as the liberation named it. */
    establishmentCode: EstablishmentCode,
    /**
     * The liberation it undoes: its `custody.person.liberated-from-court`'s `releasedAt` (one
     * liberation from court per person and instant).
     */
    releasedAt: IsoInstant,
  }),
);
export type CourtLiberationReversedV1 = z.infer<typeof CourtLiberationReversedV1>;

/** The person left the establishment for a while (ROTL or court), the episode staying open. */
export const AbsenceStartedV1 = eventSchema(
  'custody.absence.started',
  1,
  z.object({
    episode: z.number().int().min(1),
    absenceId: z.uuid(),
    kind: AbsenceKind,
    establishmentCode: EstablishmentCode,
    leftAt: IsoInstant,
    /** When the person is due back, if known (a ROTL's licence end; a court's end of day). */
    dueBackAt: IsoInstant.optional(),
  }),
);
export type AbsenceStartedV1 = z.infer<typeof AbsenceStartedV1>;

/** The person came back from a temporary absence. */
export const AbsenceEndedV1 = eventSchema(
  'custody.absence.ended',
  1,
  z.object({
    episode: z.number().int().min(1),
    absenceId: z.uuid(),
    kind: AbsenceKind,
    establishmentCode: EstablishmentCode,
    returnedAt: IsoInstant,
  }),
);
export type AbsenceEndedV1 = z.infer<typeof AbsenceEndedV1>;

/** A departure or return was recorded in error and undone (a departure undone: the absence never was). */
export const AbsenceReversedV1 = eventSchema(
  'custody.absence.reversed',
  1,
  z.object({
    episode: z.number().int().min(1),
    absenceId: z.uuid(),
    part: AbsencePart,
    /** The eventId of the custody.absence.started or .ended event undone. */
    reversedEventId: z.uuid(),
    reversedAt: IsoInstant,
  }),
);
export type AbsenceReversedV1 = z.infer<typeof AbsenceReversedV1>;

/**
 * A temporary absence recorded with a wrong instant (its departure or return) or due-back time,
 * corrected in place: the absence keeps its id and events; the superseded facts stay in the
 * liberation service's history and the previous values are named here. Codes and instants only.
 */
export const AbsenceCorrectedV1 = eventSchema(
  'custody.absence.corrected',
  1,
  z.object({
    episode: z.number().int().min(1),
    absenceId: z.uuid(),
    kind: AbsenceKind,
    /** The absence's version after this correction (the first recording is version 1). */
    version: z.number().int().min(2),
    reason: AbsenceCorrectionReason,
    correctedAt: IsoInstant,
    leftAt: IsoInstant,
    previousLeftAt: IsoInstant,
    /** Present when the absence has a standing return. */
    returnedAt: IsoInstant.optional(),
    previousReturnedAt: IsoInstant.optional(),
    dueBackAt: IsoInstant.optional(),
    previousDueBackAt: IsoInstant.optional(),
  }),
);
export type AbsenceCorrectedV1 = z.infer<typeof AbsenceCorrectedV1>;

/** Liberated straight from court (remand ended, time served): follow-up starts at once. */
export const LiberatedFromCourtV1 = eventSchema(
  'custody.person.liberated-from-court',
  1,
  z.object({
    prisonNumber: PrisonNumber,
    episode: z.number().int().min(1),
    /** The establishment that held the person (on remand) or would have received them. */
    establishmentCode: EstablishmentCode,
    jurisdiction: Jurisdiction,
    homeLocalAuthority: LocalAuthorityCode,
    legalStatus: CourtLiberationStatus,
    releasedAt: IsoInstant,
    ...EligibilityFacts,
  }),
);
export type LiberatedFromCourtV1 = z.infer<typeof LiberatedFromCourtV1>;

/** Version 2, as Throughcare publishes it: without the prison number (see PersonReceivedV2). */
export const LiberatedFromCourtV2 = eventSchema(
  'custody.person.liberated-from-court',
  2,
  LiberatedFromCourtV1.shape.data.omit(NotInVersion2).extend({ prisonNumber: NoPrisonNumber }),
).extend({ personReference: PseudonymousReference });
export type LiberatedFromCourtV2 = z.infer<typeof LiberatedFromCourtV2>;

/** An agency's decision on a referral: the feedback loop back to prison staff. */
export const ReferralOutcomeRecordedV1 = eventSchema(
  'referral.referral.outcome-recorded',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    decision: ReferralDecision,
    decidedAt: IsoInstant,
    reason: z.string().max(500).optional(),
  }),
);
export type ReferralOutcomeRecordedV1 = z.infer<typeof ReferralOutcomeRecordedV1>;

/**
 * The agency closed a case it had taken on, saying what its work achieved: the loop back to
 * prison staff and the journey. The agency's summary stays in the referral service (free text
 * about a person); the bus carries the outcome code.
 */
export const ReferralClosedV1 = eventSchema(
  'referral.referral.closed',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    outcome: ReferralClosureOutcome,
    closedAt: IsoInstant,
  }),
);
export type ReferralClosedV1 = z.infer<typeof ReferralClosedV1>;

export const ReferralWithdrawnV1 = eventSchema(
  'referral.referral.withdrawn',
  1,
  z.object({ referralId: z.uuid(), episode: z.number().int().min(1), reason: z.string().min(1).max(500) }),
);
export type ReferralWithdrawnV1 = z.infer<typeof ReferralWithdrawnV1>;

export const AppointmentCancelledV1 = eventSchema(
  'referral.appointment.cancelled',
  1,
  z.object({ appointmentId: z.uuid(), episode: z.number().int().min(1), reason: z.string().min(1).max(500) }),
);
export type AppointmentCancelledV1 = z.infer<typeof AppointmentCancelledV1>;

/**
 * The agency set, moved or corrected when and where it will see the person. The place itself
 * and any free-text reason stay in the referral service (an address, a health or money matter is
 * personal data); the bus carries the kind of place and a reason code. `supersedes` names the
 * schedule this one replaces, so a reader can order them whatever order they arrive in.
 */
export const AppointmentScheduledV1 = eventSchema(
  'referral.appointment.scheduled',
  1,
  z.object({
    appointmentId: z.uuid(),
    scheduleId: z.uuid(),
    supersedes: z.uuid().optional(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    startsAt: IsoInstant,
    durationMinutes: z.number().int().min(5).max(480).nullable(),
    placeKind: AppointmentPlaceKind,
    change: ScheduleChange,
    reasonCode: ScheduleChangeReason.optional(),
  }),
);
export type AppointmentScheduledV1 = z.infer<typeof AppointmentScheduledV1>;

/**
 * An agency booked an appointment with the person against its referral (a custody visit, an
 * office appointment...): a fact for readers (prison staff, dashboards). The journey's own
 * appointments (`referral.appointment.booked`) are what its clocks follow; these are not yet.
 */
export const ReferralAppointmentBookedV1 = eventSchema(
  'referral.referral-appointment.booked',
  1,
  z.object({
    referralId: z.uuid(),
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    startsAt: IsoInstant,
    placeKind: AppointmentPlaceKind,
  }),
);
export type ReferralAppointmentBookedV1 = z.infer<typeof ReferralAppointmentBookedV1>;

/**
 * Attendance at an appointment an agency booked against its referral: for readers, and bridged to
 * the journey, whose first-appointment and follow-up clocks follow it (agency-appointments-1).
 */
export const ReferralAppointmentAttendanceRecordedV1 = eventSchema(
  'referral.referral-appointment.attendance-recorded',
  1,
  z.object({
    referralId: z.uuid(),
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    attendance: Attendance,
    attendedAt: IsoInstant,
    reason: z.string().max(500).optional(),
  }),
);
export type ReferralAppointmentAttendanceRecordedV1 = z.infer<typeof ReferralAppointmentAttendanceRecordedV1>;

/** An agency was told of a change in the plan: every subject (v1 carried only liberation-date changes). */
export const AgencyNotifiedV2 = eventSchema(
  'referral.agency.notified',
  2,
  z.object({
    notificationId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    subject: NotificationSubject,
    message: z.string().min(1).max(1000),
    liberationDate: IsoDate.optional(),
    previousLiberationDate: IsoDate.optional(),
    establishmentCode: EstablishmentCode.optional(),
    previousEstablishmentCode: EstablishmentCode.optional(),
    /** The pre-release meeting booked, named with a changed liberation date (optional: added later). */
    preReleaseMeetingDate: IsoDate.optional(),
    preReleaseMeetingEstablishmentCode: EstablishmentCode.optional(),
  }),
);
export type AgencyNotifiedV2 = z.infer<typeof AgencyNotifiedV2>;

/** Upstream case management closed the case early (deceased, deported, out of jurisdiction). */
export const CaseCloseRequestedV1 = eventSchema(
  'throughcare.case.close-requested',
  1,
  z.object({
    episode: z.number().int().min(1),
    reason: EarlyClosureReason,
    requestedAt: IsoInstant,
    note: z.string().max(500).optional(),
  }),
);
export type CaseCloseRequestedV1 = z.infer<typeof CaseCloseRequestedV1>;

/**
 * Duty to engage (Bail and Release from Custody (Scotland) Act 2023 s.12): prison staff asked a
 * named body to engage in a person's release planning by `respondBy`. The purpose stays in the
 * referral service (free text about a person); the bus carries the facts a reader counts by.
 */
export const EngagementRequestedV1 = eventSchema(
  'referral.engagement.requested',
  1,
  z.object({
    engagementRequestId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    bodyKind: EngagementBodyKind,
    establishmentCode: EstablishmentCode,
    requestedAt: IsoInstant,
    respondBy: IsoDate,
  }),
);
export type EngagementRequestedV1 = z.infer<typeof EngagementRequestedV1>;

/** The named body answered: it will engage, or cannot (its reason stays in the referral service). */
export const EngagementAnsweredV1 = eventSchema(
  'referral.engagement.answered',
  1,
  z.object({
    engagementRequestId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    answer: EngagementAnswer,
    answeredAt: IsoInstant,
    /** Whether the answer came after the day the request asked for it by. */
    late: z.boolean(),
  }),
);
export type EngagementAnsweredV1 = z.infer<typeof EngagementAnsweredV1>;

/** The named body engaged (a meeting, a case conference …); its summary stays in the referral service. */
export const EngagementRecordedV1 = eventSchema(
  'referral.engagement.recorded',
  1,
  z.object({
    engagementRequestId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    mode: EngagementMode,
    engagedAt: IsoInstant,
  }),
);
export type EngagementRecordedV1 = z.infer<typeof EngagementRecordedV1>;

/** Prison staff withdrew a request (released, transferred, no longer needed); the reason stays in the service. */
export const EngagementWithdrawnV1 = eventSchema(
  'referral.engagement.withdrawn',
  1,
  z.object({
    engagementRequestId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    withdrawnAt: IsoInstant,
  }),
);
export type EngagementWithdrawnV1 = z.infer<typeof EngagementWithdrawnV1>;

/**
 * A court convicted a person (published by a justice system, e.g. the criminal history system):
 * the outcome measures' source (issue 11; seed 001 §5.6). It names the person (NOMS from an
 * upstream system, or the pseudonym) and carries only what the measures need: when the offence was
 * committed (a conviction for an offence committed before a release is not a reconviction after
 * it), when the conviction was, and a seriousness band. Never the offence itself.
 */
export const ReconvictedV1 = eventSchema(
  'justice.person.reconvicted',
  1,
  z.object({
    /** The justice system's id for the conviction: the same conviction published again counts once. */
    convictionId: z.uuid(),
    offenceDate: IsoDate,
    convictedOn: IsoDate,
    seriousness: ConvictionSeriousness,
  }),
);
export type ReconvictedV1 = z.infer<typeof ReconvictedV1>;

/** Every event the platform knows, by type and version. */
export const EventCatalogue = {
  'custody.person.received@1': PersonReceivedV1,
  'custody.person.received@2': PersonReceivedV2,
  'custody.person.released@1': PersonReleasedV1,
  'assessment.core-screen.requested@1': CoreScreenRequestedV1,
  'assessment.core-screen.completed@1': CoreScreenCompletedV1,
  'referral.referral.sent@1': ReferralSentV1,
  'referral.referral.acknowledged@1': ReferralAcknowledgedV1,
  'referral.appointment.booked@1': AppointmentBookedV1,
  'referral.appointment.attendance-recorded@1': AppointmentAttendanceRecordedV1,
  'throughcare.sla.breached@1': SlaBreachedV1,
  'throughcare.case.closed@1': CaseClosedV1,
  'throughcare.sla.clocks-reported@1': ClocksReportedV1,
  'throughcare.attention.raised@1': AttentionRaisedV1,
  'throughcare.attention.resolved@1': AttentionResolvedV1,
  'custody.release-date.changed@1': ReleaseDateChangedV1,
  'custody.gate-pickup.booked@1': GatePickupBookedV1,
  'custody.gate-pickup.cancelled@1': GatePickupCancelledV1,
  'custody.gate-arrangement.recorded@1': GateArrangementRecordedV1,
  'custody.gate-arrangement.reconfirmation-needed@1': GateArrangementReconfirmationNeededV1,
  'referral.agency.notified@1': AgencyNotifiedV1,
  'referral.agency.notified@2': AgencyNotifiedV2,
  'assessment.assessment.requested@1': AssessmentRequestedV1,
  'assessment.assessment.completed@1': AssessmentCompletedV1,
  'assessment.consent.withdrawn@1': ConsentWithdrawnV1,
  'assessment.consent.presumption-lapsing@1': ConsentPresumptionLapsingV1,
  'assessment.risk.assessed@1': RiskAssessedV1,
  'custody.meeting.booked@1': MeetingBookedV1,
  'custody.meeting.cancelled@1': MeetingCancelledV1,
  'custody.meeting.held@1': MeetingHeldV1,
  'custody.person.transferred@1': PersonTransferredV1,
  'custody.movement.reversed@1': MovementReversedV1,
  'custody.movement.corrected@1': MovementCorrectedV1,
  'custody.person.liberated-from-court@1': LiberatedFromCourtV1,
  'custody.person.liberated-from-court@2': LiberatedFromCourtV2,
  'referral.referral.outcome-recorded@1': ReferralOutcomeRecordedV1,
  'referral.referral.withdrawn@1': ReferralWithdrawnV1,
  'referral.referral.closed@1': ReferralClosedV1,
  'referral.appointment.cancelled@1': AppointmentCancelledV1,
  'referral.appointment.scheduled@1': AppointmentScheduledV1,
  'referral.referral-appointment.booked@1': ReferralAppointmentBookedV1,
  'referral.referral-appointment.attendance-recorded@1': ReferralAppointmentAttendanceRecordedV1,
  'throughcare.case.close-requested@1': CaseCloseRequestedV1,
  'referral.engagement.requested@1': EngagementRequestedV1,
  'referral.engagement.answered@1': EngagementAnsweredV1,
  'referral.engagement.recorded@1': EngagementRecordedV1,
  'referral.engagement.withdrawn@1': EngagementWithdrawnV1,
  'custody.absence.started@1': AbsenceStartedV1,
  'custody.absence.ended@1': AbsenceEndedV1,
  'custody.absence.reversed@1': AbsenceReversedV1,
  'custody.absence.corrected@1': AbsenceCorrectedV1,
  'custody.reception.reversed@1': ReceptionReversedV1,
  'custody.court-liberation.reversed@1': CourtLiberationReversedV1,
  'justice.person.reconvicted@1': ReconvictedV1,
} as const;
export type KnownEventKey = keyof typeof EventCatalogue;
export type KnownEvent = z.infer<(typeof EventCatalogue)[KnownEventKey]>;
