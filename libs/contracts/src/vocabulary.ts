import { z } from 'zod';

/** Jurisdictions whose calendars and clocks the platform knows. */
export const Jurisdiction = z.enum(['SCOTLAND', 'ENGLAND_AND_WALES']);
export type Jurisdiction = z.infer<typeof Jurisdiction>;

/** Resettlement pathways (HMPPS Resettlement Passport names, plus the two NOMS women's pathways). */
export const Pathway = z.enum([
  'ACCOMMODATION',
  'ATTITUDES_THINKING_AND_BEHAVIOUR',
  'CHILDREN_FAMILIES_AND_COMMUNITY',
  'DRUGS_AND_ALCOHOL',
  'EDUCATION_SKILLS_AND_WORK',
  'FINANCE_AND_ID',
  'HEALTH',
  'WOMEN_ABUSE_AND_VIOLENCE',
  'WOMEN_SEX_WORK',
]);
export type Pathway = z.infer<typeof Pathway>;

/**
 * A resettlement pathway's status in an assessment answered by questions (the assessment service's
 * `pathwayOutcomes`): not started, in progress, support required (a need), support not required,
 * support declined by the person, or done (support already in place; a summary review).
 */
export const PathwayStatus = z.enum([
  'NOT_STARTED',
  'IN_PROGRESS',
  'SUPPORT_REQUIRED',
  'SUPPORT_NOT_REQUIRED',
  'SUPPORT_DECLINED',
  'DONE',
]);
export type PathwayStatus = z.infer<typeof PathwayStatus>;
/** Why a pathway was skipped in an assessment. */
export const PathwaySkipReason = z.enum([
  'COMPLETED_IN_ANOTHER_PRISON',
  'EARLY_RELEASE',
  'TRANSFER',
  'OTHER',
]);
export type PathwaySkipReason = z.infer<typeof PathwaySkipReason>;
/**
 * One pathway as a completed assessment left it (on the completion events, optional within v1:
 * absent for an assessment completed with a typed list of needs). No free-text reasons: the bus
 * carries no personal detail beyond the status.
 */
export const AssessedPathway = z.object({
  pathway: Pathway,
  status: PathwayStatus,
  skipped: z.object({ reason: PathwaySkipReason }).optional(),
});
export type AssessedPathway = z.infer<typeof AssessedPathway>;

/** Receive reasons used by HMPPS prisoner-movement events. */
export const ReceptionReason = z.enum([
  'ADMISSION',
  'READMISSION',
  'TRANSFERRED',
  'TEMPORARY_ABSENCE_RETURN',
  'RETURN_FROM_COURT',
]);
export type ReceptionReason = z.infer<typeof ReceptionReason>;

/** Release reasons used by HMPPS prisoner-movement events. */
export const ReleaseReason = z.enum([
  'RELEASED',
  'TRANSFERRED',
  'TEMPORARY_ABSENCE_RELEASE',
  'RELEASED_TO_HOSPITAL',
  'SENT_TO_COURT',
  'UNKNOWN',
]);
export type ReleaseReason = z.infer<typeof ReleaseReason>;

export const RiskOfSeriousHarm = z.enum(['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH']);
export type RiskOfSeriousHarm = z.infer<typeof RiskOfSeriousHarm>;

/** The likelihood-of-reoffending band of a risk assessment, lowest first (the domain's LIKELIHOODS_OF_REOFFENDING). */
export const LikelihoodOfReoffending = z.enum(['LOW', 'MEDIUM', 'HIGH']);
export type LikelihoodOfReoffending = z.infer<typeof LikelihoodOfReoffending>;

/** What rose from one risk assessment to the next (the domain's `riskRises`); a fall is never one. */
export const RiskRise = z.enum(['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL', 'LIKELIHOOD_OF_REOFFENDING']);
export type RiskRise = z.infer<typeof RiskRise>;

/**
 * A person's sex as the prison recorded it, for the directory's services for one sex only (women's
 * services). Not recorded, not known or not specified: the field is left out (NOMIS `NK`, `NS`).
 */
export const PersonSex = z.enum(['FEMALE', 'MALE']);
export type PersonSex = z.infer<typeof PersonSex>;

/** Appointment attendance as recorded by hmpps-interventions-service. */
export const Attendance = z.enum(['YES', 'LATE', 'NO']);
export type Attendance = z.infer<typeof Attendance>;

/** Kinds of organisation held in the directory. */
export const AgencyKind = z.enum([
  'CJSW',
  'PROBATION',
  'HOUSING',
  'ADDICTION',
  'BENEFITS_AND_EMPLOYMENT',
  'HEALTH',
  'MENTORING',
  'WOMENS_SERVICE',
  'FAMILY_SUPPORT',
]);
export type AgencyKind = z.infer<typeof AgencyKind>;

/**
 * The bodies the Bail and Release from Custody (Scotland) Act 2023 (s.12) obliges to engage in
 * release planning when the Scottish Ministers (the Scottish Prison Service) ask, within the
 * timescale stated in the request: a local authority, a health board, the chief constable of
 * the Police Service of Scotland, Skills Development Scotland and an integration joint board.
 */
export const EngagementBodyKind = z.enum([
  'LOCAL_AUTHORITY',
  'HEALTH_BOARD',
  'POLICE_SCOTLAND',
  'SKILLS_DEVELOPMENT_SCOTLAND',
  'INTEGRATION_JOINT_BOARD',
]);
export type EngagementBodyKind = z.infer<typeof EngagementBodyKind>;

/** A named body's answer to a request to engage. */
export const EngagementAnswer = z.enum(['WILL_ENGAGE', 'CANNOT_ENGAGE']);
export type EngagementAnswer = z.infer<typeof EngagementAnswer>;

/** How a named body engaged in release planning. */
export const EngagementMode = z.enum(['MEETING', 'CASE_CONFERENCE', 'PHONE', 'VIDEO', 'WRITTEN']);
export type EngagementMode = z.infer<typeof EngagementMode>;

/** Where an agency sees the person: in prison before release, or after it at its office, their home, approved premises, or remotely. */
export const AppointmentPlaceKind = z.enum([
  'AGENCY_OFFICE',
  /** In custody: a visit to the person in prison before release (the place names prison and room). */
  'PRISON',
  'HOME_VISIT',
  'APPROVED_PREMISES',
  'PHONE',
  'VIDEO',
  'OTHER',
]);
export type AppointmentPlaceKind = z.infer<typeof AppointmentPlaceKind>;

/**
 * Why an appointment's time or place changed (the code travels; any free text stays with the
 * agency's record). CORRECTION: the same appointment, its time or place recorded wrongly.
 */
export const ScheduleChangeReason = z.enum([
  'PERSON_REQUESTED',
  'PERSON_UNWELL',
  'STAFF_UNAVAILABLE',
  'TRANSPORT',
  'CORRECTION',
  'OTHER',
]);
export type ScheduleChangeReason = z.infer<typeof ScheduleChangeReason>;

/**
 * Why an agency cancelled an appointment it booked against a referral (the code travels on the
 * bus; who cancelled stays with the referral service). PERSON_MOVED: transferred or released
 * somewhere the agency does not serve; NO_LONGER_NEEDED: the work the appointment was for is done.
 */
export const AppointmentCancellationReason = z.enum([
  'PERSON_REQUESTED',
  'PERSON_UNWELL',
  'STAFF_UNAVAILABLE',
  'TRANSPORT',
  'PERSON_MOVED',
  'NO_LONGER_NEEDED',
  'OTHER',
]);
export type AppointmentCancellationReason = z.infer<typeof AppointmentCancellationReason>;

/** What a schedule is: the first time and place, a move to another, or a correction of the same. */
export const ScheduleChange = z.enum(['FIRST', 'MOVED', 'CORRECTED']);
export type ScheduleChange = z.infer<typeof ScheduleChange>;

/** Establishment codes: SPS / HMPPS style short upper-case codes (e.g. "BAR", "LEI"). */
export const EstablishmentCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'establishment code must be three upper-case letters (e.g. "BAR")');

/** Local-authority codes: GSS codes (S12… Scottish councils, E06/E07/E08/E09/W06… English and Welsh). */
export const LocalAuthorityCode = z
  .string()
  .regex(/^[SEW]\d{8}$/, 'local authority must be a GSS code such as "S12000036" (City of Edinburgh)');

/** Prison number (NOMIS style, e.g. A1234BC). Personal data: never in workflow ids or search attributes. */
export const PrisonNumber = z.string().regex(/^[A-Z]\d{4}[A-Z]{2}$/, 'prison number must look like A1234BC');

const YEAR_ZERO = 'year 0000 is not in the calendar (1 BC precedes 1 AD)';

/**
 * ISO calendar date (YYYY-MM-DD); not year 0000, which PostgreSQL's calendar does not have (see
 * IsoInstant). One issue a value: each check stops the rest when it fails (`abort`).
 */
export const IsoDate = z.iso
  .date({ abort: true })
  .refine((v) => !v.startsWith('0000-'), { message: YEAR_ZERO, abort: true });

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * ISO instant with an offset (e.g. 2026-03-02T10:00:00Z), as RFC 3339 (JSON Schema's `date-time`)
 * has it: with the seconds (Zod's own check lets them out; the OpenAPI document's pattern says so).
 * The instant lies in years 0001–9999 in UTC: PostgreSQL's calendar has no year 0 (1 BC precedes
 * 1 AD), so such an instant reached the database as an error (HTTP fuzzing, stop 43), and one past
 * 9999 cannot be written back as RFC 3339; so was an offset beyond ±15:59, PostgreSQL's limit.
 * Offsets are held to ±14:00, the widest any place on Earth uses. One issue a value: each check
 * stops the rest when it fails (`abort`, review stop 43b, M4).
 */
export const IsoInstant = z.iso
  .datetime({ offset: true, abort: true })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, {
    message: 'must give the seconds (RFC 3339), e.g. 2026-03-02T10:00:00Z',
    abort: true,
  })
  // The text as PostgreSQL reads it: no year 0000 even when the instant is in 0001 in UTC.
  .refine((v) => !v.startsWith('0000-'), { message: YEAR_ZERO, abort: true })
  .refine(
    (v) => {
      const offset = /([+-])(\d{2}):(\d{2})$/.exec(v);
      return !offset || Number(offset[2]) * 60 + Number(offset[3]) <= 14 * 60;
    },
    { message: 'the offset must be within ±14:00 (the widest any time zone uses)', abort: true },
  )
  // The instant itself, not its local text (review stop 43, M2): 0001-01-01T00:00:00+01:00 is in
  // year 0000 in UTC, and every instant kept goes out again in UTC (toISOString).
  .refine(
    (v) => {
      const t = Date.parse(v);
      return t >= FIRST_INSTANT && t <= LAST_INSTANT;
    },
    { message: `must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (${YEAR_ZERO})`, abort: true },
  );

/**
 * Why an expected release date moved (calculate-release-dates-api and SPS practice): Home
 * Detention Curfew approved, parole, tranche/emergency early release, a sentence recalculation.
 */
export const ReleaseDateChangeReason = z.enum([
  'HDC_APPROVED',
  'PAROLE',
  'EARLY_RELEASE',
  'RECALCULATION',
  'OTHER',
]);
export type ReleaseDateChangeReason = z.infer<typeof ReleaseDateChangeReason>;

/** Who meets the person at the prison gate on liberation day (gate arrangements; NOBODY: travels alone). */
export const GateCollectorKind = z.enum([
  'FAMILY_OR_FRIEND',
  'AGENCY',
  'MENTOR',
  'JUSTICE_SOCIAL_WORK_OR_PROBATION',
  'NOBODY',
]);
export type GateCollectorKind = z.infer<typeof GateCollectorKind>;

/** Assessments after the core screen (seed 000 stages 3–5). */
export const AssessmentKind = z.enum(['COMPREHENSIVE_SCREEN', 'STANDARD_REVIEW', 'SUMMARY_REVIEW']);
export type AssessmentKind = z.infer<typeof AssessmentKind>;

/** Bookings at an establishment that a transfer must move: CJSW custody visits and the pre-release meeting. */
export const MeetingKind = z.enum(['CJSW_VISIT', 'PRE_RELEASE_MEETING']);
export type MeetingKind = z.infer<typeof MeetingKind>;

/** Movements that upstream systems may reverse (a release or transfer recorded in error). */
export const ReversibleMovement = z.enum(['RELEASE', 'TRANSFER']);
export type ReversibleMovement = z.infer<typeof ReversibleMovement>;

/**
 * Why a release or transfer was corrected in place (the movement happened, but a fact of it was
 * recorded wrongly): its time, the establishment a transfer went to, or both.
 */
export const MovementCorrectionReason = z.enum([
  'WRONG_TIME',
  'WRONG_DESTINATION',
  'WRONG_TIME_AND_DESTINATION',
]);
export type MovementCorrectionReason = z.infer<typeof MovementCorrectionReason>;

/**
 * A temporary absence from custody, the episode staying open (NOMIS movement types TAP and CRT):
 * release on temporary licence (ROTL), or production at court.
 */
export const AbsenceKind = z.enum(['ROTL', 'COURT']);
export type AbsenceKind = z.infer<typeof AbsenceKind>;

/** The part of a temporary absence a reversal undoes: its departure (the whole absence) or its return. */
export const AbsencePart = z.enum(['DEPARTURE', 'RETURN']);
export type AbsencePart = z.infer<typeof AbsencePart>;

/** Why a temporary absence was corrected in place: its departure or return time, its due-back time, or both. */
export const AbsenceCorrectionReason = z.enum(['WRONG_TIME', 'WRONG_DUE_BACK', 'WRONG_TIME_AND_DUE_BACK']);
export type AbsenceCorrectionReason = z.infer<typeof AbsenceCorrectionReason>;

/** Why a released person is back in custody: recall on licence, or a new sentence. */
export const ReturnToCustodyReason = z.enum(['RECALL', 'NEW_SENTENCE']);
export type ReturnToCustodyReason = z.infer<typeof ReturnToCustodyReason>;

/** NOMIS recall admission reasons (Y, PD, ELR, B recall from HDC, 24, ETRLR, L licence revoked). */
export const RecallReasonCode = z.enum(['Y', 'PD', 'ELR', 'B', '24', 'ETRLR', 'L']);
export type RecallReasonCode = z.infer<typeof RecallReasonCode>;

/** Legal status at a liberation direct from court (remand ended, or time already served). */
export const CourtLiberationStatus = z.enum(['REMAND', 'CONVICTED_UNSENTENCED', 'SENTENCED']);
export type CourtLiberationStatus = z.infer<typeof CourtLiberationStatus>;

/**
 * How serious an offence a person was convicted of, in four bands (for the seriousness trend of
 * reconvictions, seed 001 §5.6), lowest first: MINOR (e.g. a summary offence dealt with by a fine),
 * MODERATE, SERIOUS, VERY_SERIOUS (e.g. solemn proceedings, a long custodial sentence). The band
 * comes from the justice system that publishes the conviction; the offence itself never crosses
 * the bus.
 */
export const ConvictionSeriousness = z.enum(['MINOR', 'MODERATE', 'SERIOUS', 'VERY_SERIOUS']);
export type ConvictionSeriousness = z.infer<typeof ConvictionSeriousness>;

/** Agency decisions on a referral (hmpps-interventions / accommodation services). */
export const ReferralDecision = z.enum([
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  'DECLINED',
  'WITHDRAWN',
]);
export type ReferralDecision = z.infer<typeof ReferralDecision>;

/**
 * What the agency's work achieved when it closed the case (the interventions' end-of-service
 * outcome: achieved, partially achieved, not achieved).
 */
export const ReferralClosureOutcome = z.enum(['ACHIEVED', 'PARTIALLY_ACHIEVED', 'NOT_ACHIEVED']);
export type ReferralClosureOutcome = z.infer<typeof ReferralClosureOutcome>;

/** Reasons a case closes before its follow-up ends. */
export const EarlyClosureReason = z.enum([
  'DECEASED',
  'DEPORTED',
  'TRANSFERRED_OUT_OF_JURISDICTION',
  'OTHER',
]);
export type EarlyClosureReason = z.infer<typeof EarlyClosureReason>;

/**
 * Why the journey is asked to close early (its `caseCloseRequested` update): the reasons upstream
 * case management may give (`throughcare.case.close-requested`, EarlyClosureReason), and
 * RECEIVED_IN_ERROR, which only the liberation service's `custody.reception.reversed` and
 * `custody.court-liberation.reversed` give (an upstream close cannot void a custody episode).
 */
export const JourneyCloseRequestReason = z.enum([...EarlyClosureReason.options, 'RECEIVED_IN_ERROR']);
export type JourneyCloseRequestReason = z.infer<typeof JourneyCloseRequestReason>;

/**
 * Why a reception or a liberation from court was reversed (`custody.reception.reversed`,
 * `custody.court-liberation.reversed`): the record that opened the episode was made in error.
 */
export const ReceptionReversalReason = z.enum(['RECEIVED_IN_ERROR']);
export type ReceptionReversalReason = z.infer<typeof ReceptionReversalReason>;

/** Every reason a journey closes. */
export const ClosureReason = z.enum([
  'FOLLOW_UP_COMPLETE',
  'CONSENT_WITHDRAWN',
  'RECALLED',
  'NEW_SENTENCE',
  'DECEASED',
  'DEPORTED',
  'TRANSFERRED_OUT_OF_JURISDICTION',
  'OTHER',
  'RECEIVED_IN_ERROR',
]);
export type ClosureReason = z.infer<typeof ClosureReason>;

/** What an agency is told about (each notification is sent once per change). */
export const NotificationSubject = z.enum([
  'LIBERATION_DATE_CHANGED',
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
  'RETURNED_TO_CUSTODY',
  'CONSENT_WITHDRAWN',
  'CASE_CLOSED',
  'PRE_RELEASE_MEETING_IMPOSSIBLE',
  // Added with the journey's `release-notice-1` (issue 9): the release has stood its settle window.
  // Additive within referral.agency.notified v2: readers of that fact acknowledge what they do
  // not use (readerFactKeys), and an agency's client should treat an unknown subject as news.
  'RELEASED',
  // Added with the journey's `risk-notice-1` (issue 10): a risk assessment rose (risk of serious
  // harm, MAPPA level or likelihood of reoffending) since what the responsible agency was told.
  // Additive within referral.agency.notified v2, as RELEASED was.
  'RISK_ESCALATED',
]);
export type NotificationSubject = z.infer<typeof NotificationSubject>;

/**
 * One version of a person's risk as it travels (the `assessment.risk.assessed` event's data and
 * the journey's `riskAssessed` fact): the bands and MAPPA status, what rose, never the reasons.
 */
export const RiskAssessedBands = {
  /** The version recorded (1, 2, …): the person's risk assessments are numbered in order. */
  version: z.number().int().min(1),
  likelihoodOfReoffending: LikelihoodOfReoffending,
  riskOfSeriousHarm: RiskOfSeriousHarm,
  /** Multi-Agency Public Protection Arrangements; null: not a MAPPA case. */
  mappa: z
    .object({ category: z.number().int().min(1).max(4), level: z.number().int().min(1).max(3) })
    .nullable(),
  assessedOn: IsoDate,
  rises: z.array(RiskRise),
};
