import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  AssessedPathway,
  AssessmentKind,
  Attendance,
  ClosureReason,
  CourtLiberationStatus,
  GateCollectorKind,
  JourneyCloseRequestReason,
  Jurisdiction,
  MeetingKind,
  NotificationSubject,
  Pathway,
  PersonSex,
  RecallReasonCode,
  ReferralClosureOutcome,
  ReferralDecision,
  ReleaseDateChangeReason,
  ReturnToCustodyReason,
  MovementCorrectionReason,
  ReversibleMovement,
  LikelihoodOfReoffending,
  RiskOfSeriousHarm,
  RiskRise,
} from '../vocabulary';

/** Workflow id of one custody episode: no personal data, only the pseudonymous person id. */
export function throughcareWorkflowId(personId: string, episode: number): string {
  return `throughcare-${personId}-${episode}`;
}
export const THROUGHCARE_WORKFLOW_TYPE = 'throughcareJourney';

/**
 * A completed marker under a journey's workflow id, for an episode whose reception (or liberation
 * from court) was reversed as recorded in error before its journey started: the bridge starts it,
 * and it returns at once, so that the reception's (or liberation's) own signal-with-start, if it
 * comes later (a dead letter replayed), is refused as a duplicate (REJECT_DUPLICATE) and no
 * journey runs for a void episode. It lasts as long as Temporal keeps closed workflows (the
 * namespace's retention). Not a journey: it answers no query or update. The type keeps its name
 * (`receptionReversedTombstone`) for both: tombstones placed already are of that type.
 */
export const RECEPTION_REVERSED_TOMBSTONE_TYPE = 'receptionReversedTombstone';

/** What the tombstone records (ids and instants only). */
export interface ReceptionReversedTombstoneInput {
  episode: number;
  /**
   * When the reception or liberation was reversed (`custody.reception.reversed`'s or
   * `custody.court-liberation.reversed`'s reversedAt).
   */
  reversedAt: string;
  /** The reversal's bus event id. */
  reversalEventId: string;
  /**
   * The instant of the opening reversed, as the reversal named it: the reception's `receivedAt`
   * (`custody.reception.reversed`'s, when it has one), or the liberation from court's `releasedAt`
   * (`custody.court-liberation.reversed`'s). A reception or liberation that finds the tombstone later
   * is a duplicate of the reversed one only at this instant; at another it names a voided episode
   * number for another opening (the bridge dead-letters it RECEPTION_TOMBSTONED). Absent from
   * tombstones placed before it was recorded, and for a reversal that did not name it.
   */
  receivedAt?: string;
  /**
   * Placed after a return to custody's journey that had closed otherwise before the reversal: the
   * journey of the episode before (closed by that return) that is not started again on its own,
   * and how the reversed episode's journey had closed. Every delivery or replay of a reversal that
   * finds this tombstone is dead-lettered EPISODE_NOT_RESUMED again, so the letter goes only when an
   * operator discards it (review of stop 40, S1).
   */
  episodeNotResumed?: { episode: number; closure: string };
}

/** Stages of the journey, in order. */
export const Stages = [
  'RECEPTION',
  'CORE_SCREEN',
  'COMPREHENSIVE_SCREEN',
  'REFERRAL',
  'STANDARD_REVIEWS',
  'SUMMARY_REVIEW',
  'PRE_RELEASE_MEETING',
  'AWAITING_RELEASE',
  'FOLLOW_UP',
  'CLOSED',
] as const;
export type Stage = (typeof Stages)[number];

/** SDK SearchAttributeType → the type names `temporal operator search-attribute create --type` takes. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * Custom search attributes registered at server start (infra/temporal/search-attributes.ts).
 * None carries personal data: ids and names are visible to every operator, unencrypted.
 */
export const SearchAttributes = {
  stage: defineSearchAttributeKey('ThroughcareStage', SearchAttributeType.KEYWORD),
  establishment: defineSearchAttributeKey('Establishment', SearchAttributeType.KEYWORD),
  localAuthority: defineSearchAttributeKey('LocalAuthority', SearchAttributeType.KEYWORD),
  nextDeadline: defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME),
  /** True while the journey holds an open attention item (an operator must act): `NeedsAttention = true`. */
  needsAttention: defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL),
  /** Clocks breached and not met yet (since `operator-attributes-1`): `OpenBreaches > 0`. */
  openBreaches: defineSearchAttributeKey('OpenBreaches', SearchAttributeType.INT),
  /** `SCOTLAND` or `ENGLAND_AND_WALES` (since `operator-attributes-1`). */
  jurisdiction: defineSearchAttributeKey('Jurisdiction', SearchAttributeType.KEYWORD),
  /** The SLA policy the journey captured, as `<id> v<version>` (since `operator-attributes-1`): `SlaPolicy = 'scotland-2026 v3'`. */
  slaPolicy: defineSearchAttributeKey('SlaPolicy', SearchAttributeType.KEYWORD),
  /**
   * The liberation day the journey plans for (noon UTC of that day; since `release-attributes-1`):
   * `ReleaseDate BETWEEN '<day>T00:00:00Z' AND '<day>T23:59:59Z'`. A day, as the plan's details already show it.
   */
  releaseDate: defineSearchAttributeKey('ReleaseDate', SearchAttributeType.DATETIME),
  /**
   * A pre-release meeting is booked (not cancelled) or was held (since `release-attributes-1`):
   * `PreReleaseMeetingArranged = false` finds releases nobody has met about.
   */
  preReleaseMeetingArranged: defineSearchAttributeKey('PreReleaseMeetingArranged', SearchAttributeType.BOOL),
  /**
   * The types of the journey's activities that have been failing for FAILING_ACTIVITY_REPORT_AFTER_MS
   * or more and are still being retried (since `failing-activity-1`; absent when none is):
   * `FailingActivities IS NOT NULL` finds journeys stuck on a failing activity, and
   * `FailingActivities = 'bookMeeting'` those stuck on one kind of step. Activity types only.
   */
  failingActivities: defineSearchAttributeKey('FailingActivities', SearchAttributeType.KEYWORD_LIST),
} as const;

/** The facts a journey starts from (carried from the reception event). */
export interface ThroughcareInput {
  personId: string;
  episode: number;
  jurisdiction: Jurisdiction;
  establishmentCode: string;
  homeLocalAuthority: string;
  receivedAt: string;
  sentenceDate: string;
  sentenceLengthDays: number;
  expectedReleaseDate: string;
  correlationId: string;
  /** As recorded at reception (or court liberation), for services for one sex only; absent: not recorded. */
  sex?: PersonSex;
  /**
   * Journeys started before `need-age-asked-1` only (the bridge then carried it from the bus), for
   * age-banded services. Since, the journey asks the liberation service, which keeps the date of
   * birth, for the age on the day it chooses an agency, and nothing puts it here.
   */
  dateOfBirth?: string;
  /** Liberated direct from court (remand ended, time served): follow-up starts at once. */
  liberatedFromCourt?: { releasedAt: string; legalStatus: CourtLiberationStatus; eventId: string };
  /** A return to custody: the history and open needs of the episode before. */
  carried?: CarriedHistory;
  /**
   * A return to custody the journey of this episode before (this number) took: set by the bridge
   * once that journey accepted the return (it closes, then hands its history over as `carried`).
   * If this episode's reception is reversed as recorded in error before the history has come, the
   * journey of that episode is still started again (`return-reversal-1`; review of stop 39, S1).
   */
  returnOf?: number;
  /**
   * A new run of this episode's journey, started by the journey of the episode after it when that
   * episode's reception (a return to custody) was reversed as recorded in error
   * (`return-reversal-1`): the person was never returned, and is followed up in the community
   * again. Kept across continue-as-new (its `eventId` is the base of the run's idempotency keys).
   */
  resumed?: ResumedEpisode;
  /** Deployment override of the policy's movement settle window (test/training environments). */
  movementSettleSeconds?: number;
  /** Continue-as-new: the journey's state so far (opaque outside the workflow). */
  continued?: unknown;
}

/** Why and from when a journey was started again (`ThroughcareInput.resumed`). */
export interface ResumedEpisode {
  /** This episode's release, which stands (the episode after's `carried.releasedAt`). */
  releasedAt: string;
  /** The release's bus event id, when the journey closed knew it (a later reversal of it is then taken). */
  releaseEventId?: string;
  /** Where the person was released from, when known (else the input's establishment). */
  releaseEstablishmentCode?: string;
  /** When the return to custody was reversed: the follow-up clocks run from this instant. */
  reversedAt: string;
  /** The episode whose reception (the return to custody) was reversed. */
  reversedEpisode: number;
  /**
   * The reversed return to custody: when it was recorded (that episode's reception) and why (its
   * carried reason), so the agency is told which one was in error. Absent from runs started before
   * they were passed (the notice then names neither).
   */
  returnedAt?: string;
  returnReason?: ReturnToCustodyReason;
  /** The reversal's bus event id (`custody.reception.reversed`): the run's idempotency key base. */
  eventId: string;
  /**
   * When the closed run closed (its plan's `closedAt`): the case closure this run reopens. Set by
   * `resumeEpisode`; a retry that finds the run started deletes only that closure (review of stop
   * 40, M3), never the run's own later one.
   */
  reopensClosureAt?: string;
  /** The needs still open when this episode's journey closed (the episode after's `carried.openNeeds`). */
  openNeeds: Pathway[];
  /** The latest assessed result of each pathway when it closed (`carried.pathways`, see there). */
  pathways?: PathwayOutcomeView[];
  /**
   * The highest attention item number the runs before used (`att-<n>`): this run numbers its items
   * on from it, so no item id is used twice for the episode. Set by `resumeEpisode`.
   */
  attentionFrom?: number;
}

/** What a new episode inherits from the one before (recall, new sentence). */
export interface CarriedHistory {
  fromEpisode: number;
  reason: ReturnToCustodyReason;
  recallReasonCode?: RecallReasonCode;
  /** Needs still open when the last episode closed (core and later screens). */
  openNeeds: Pathway[];
  /**
   * The latest **assessed** result of each pathway when the last episode closed (skips left out),
   * as its plan showed them: a carried need they no longer indicate is held before it is referred
   * (`pathway-hold-1`) until this episode's assessments say otherwise. Absent from hand-overs before
   * it, and when no assessment carried pathways.
   */
  pathways?: PathwayOutcomeView[];
  agencyId?: string;
  referralId?: string;
  releasedAt?: string;
  /** Episodes before this one, oldest first (stage reached, closure reason, breaches). */
  episodes: EpisodeSummary[];
}
export interface EpisodeSummary {
  episode: number;
  receivedAt: string;
  releasedAt?: string;
  closedAt?: string;
  closureReason?: ClosureReason;
  lastStage: string;
  breaches: string[];
}

export interface CoreScreenCompleted {
  assessmentId: string;
  needs: Pathway[];
  riskOfSeriousHarm: RiskOfSeriousHarm;
  completedAt: string;
  eventId: string;
  /** Each pathway's status, when answered by questions (the completion event's `pathways`). */
  pathways?: AssessedPathway[];
}
export interface ReferralAcknowledged {
  referralId: string;
  acknowledgedAt: string;
  acknowledgedBy: string;
  eventId: string;
}
export interface ReleaseRecorded {
  releasedAt: string;
  establishmentCode: string;
  eventId: string;
}
export interface AttendanceRecorded {
  appointmentId: string;
  attendance: Attendance;
  attendedAt: string;
  reason?: string;
  eventId: string;
}

/**
 * Attendance at an appointment an agency booked itself against one of this episode's referrals
 * (the justice social work referral or a need's), as the referral service records it. Since
 * `agency-appointments-1` it meets the first-appointment clock of that referral's agency, and a
 * missed one starts that agency's follow-up clock.
 */
export interface AgencyAttendanceRecorded {
  referralId: string;
  appointmentId: string;
  /** The agency holding the referral (checked against the journey's record of it). */
  agencyId: string;
  attendance: Attendance;
  attendedAt: string;
  reason?: string;
  eventId: string;
}

/**
 * A risk assessment of the person was recorded (`assessment.risk.assessed`, issue 10): the bands
 * and MAPPA status of one version, never the reasons. Since `risk-assessed-1` the journey keeps the
 * latest and, when it rose against the one before, escalates to the responsible agency and
 * re-plans the pre-release meeting where the policy says so.
 */
export interface RiskAssessed {
  /** The assessment service's version (1, 2, …): an older one than the journey holds is kept out. */
  version: number;
  likelihoodOfReoffending: LikelihoodOfReoffending;
  riskOfSeriousHarm: RiskOfSeriousHarm;
  /** null: not a MAPPA case. */
  mappa: { category: number; level: number } | null;
  assessedOn: string;
  /** What rose against the service's version before (empty for the first). */
  rises: RiskRise[];
  eventId: string;
}

/**
 * Prison staff recorded (or reconfirmed) the episode's gate arrangement (`custody.gate-arrangement.
 * recorded`): the version, the liberation date it holds for, and who collects as a code (the
 * agency's id when an agency collects; never a name). Since `gate-reconfirmation-1` the journey
 * keeps the latest version and, while the liberation date is another, raises
 * `gate-reconfirm:<liberation date>:v<arrangement version>` (GATE_ARRANGEMENT_RECONFIRMATION) for prison staff.
 */
export interface GateArrangementRecorded {
  version: number;
  forLiberationDate: string;
  collectedBy: GateCollectorKind;
  agencyId?: string;
  recordedAt: string;
  eventId: string;
}

export interface ReleaseDateChanged {
  expectedReleaseDate: string;
  reason: ReleaseDateChangeReason;
  changedAt: string;
  eventId: string;
}

export interface AssessmentCompleted {
  assessmentId: string;
  kind: AssessmentKind;
  needs: Pathway[];
  completedAt: string;
  eventId: string;
  /** Each pathway's status, when answered by questions (the completion event's `pathways`). */
  pathways?: AssessedPathway[];
}
export interface MeetingHeld {
  bookingId: string;
  kind: MeetingKind;
  heldAt: string;
  eventId: string;
}
export interface Transferred {
  toEstablishmentCode: string;
  transferredAt: string;
  eventId: string;
}
export interface MovementReversed {
  movement: ReversibleMovement;
  /** The eventId of the release or transfer fact being undone. */
  reversedEventId: string;
  reversedAt: string;
  eventId: string;
}
/**
 * A release or transfer that happened was corrected in place (`custody.movement.corrected`): its
 * instant, or a transfer's destination. `version` is the movement's after the correction (the first
 * recording is 1): an older version than one applied changes nothing. Since `movement-correction-1`
 * the journey plans from the corrected facts (follow-up clocks from the corrected release instant,
 * visits and meetings at the corrected prison) and tells the agencies what it had told them wrong.
 */
export interface MovementCorrected {
  movement: ReversibleMovement;
  /** The eventId of the release or transfer fact corrected. */
  correctedEventId: string;
  version: number;
  reason: MovementCorrectionReason;
  correctedAt: string;
  occurredAt: string;
  previousOccurredAt: string;
  /** A transfer's destination as corrected (transfers only). */
  toEstablishmentCode?: string;
  previousToEstablishmentCode?: string;
  eventId: string;
}
export interface ReturnedToCustody {
  reason: ReturnToCustodyReason;
  recallReasonCode?: RecallReasonCode;
  receivedAt: string;
  establishmentCode: string;
  expectedReleaseDate: string;
  sentenceDate: string;
  sentenceLengthDays: number;
  /** The new episode's number (the one after this journey's). */
  newEpisode: number;
  eventId: string;
}
export interface ReferralOutcome {
  referralId: string;
  decision: ReferralDecision;
  decidedAt: string;
  reason?: string;
  eventId: string;
}
/** The agency closed a case it had taken on, with what its work achieved (`referral.referral.closed`). */
export interface ReferralClosed {
  referralId: string;
  outcome: ReferralClosureOutcome;
  closedAt: string;
  eventId: string;
}
export interface ConsentWithdrawn {
  withdrawnAt: string;
  eventId: string;
}
export interface CaseCloseRequested {
  reason: JourneyCloseRequestReason;
  requestedAt: string;
  note?: string;
  eventId: string;
  /**
   * With RECEIVED_IN_ERROR: the instant of the opening the reversal undoes (the reception's
   * `receivedAt`, or the liberation from court's `releasedAt`). The journey refuses the close
   * (REVERSAL_MISMATCH) when it is not its own opening's instant: the reversal names this episode's
   * number but another reception. Absent (a reversal published before it was named): not checked.
   */
  receivedAt?: string;
}

/**
 * Prison staff stop referring one assessed need in this episode: it is arranged outside the
 * platform, no longer a need, or the person refuses that support. The journey withdraws every
 * referral of the need still standing (the agency is told the reason) and refers it no more in
 * this episode. Final for the episode.
 */
export interface NeedStopped {
  pathway: Pathway;
  /** Why, as the agencies and the plan are told it. */
  reason: string;
  /** Who stopped it (the staff member's subject). */
  stoppedBy: string;
  /**
   * In which capacity: prison staff of the person's establishment, or an operator (absent: prison
   * staff, as every stop was before operators were told apart). The agencies are told which.
   */
  stoppedAs?: NeedStoppedAs;
  stoppedAt: string;
  eventId: string;
}

/** Who may stop referring a need: prison staff of the establishment, or an operator. */
export const NeedStoppedAsValues = ['PRISON_STAFF', 'OPERATOR'] as const;
export type NeedStoppedAs = (typeof NeedStoppedAsValues)[number];

/** What an operator may do with an attention item. */
export const AttentionOptions = ['RETRY', 'SKIP'] as const;
export type AttentionOption = (typeof AttentionOptions)[number];
/**
 * Something the journey could not do and will not retry on its own (a permanent activity failure,
 * a domain error, an impossible plan). The journey keeps every other clock and effect running; the
 * step named by `action` waits until an operator resolves the item.
 */
export interface AttentionItemView {
  /** Stable within the journey (`att-<n>`). */
  id: string;
  /** The step that failed, e.g. `book:gate-pickup`, `request:COMPREHENSIVE_SCREEN`, `cancel:<bookingId>`, `plan`. */
  action: string;
  /** What failed, in words (the error's message). */
  what: string;
  /** The error type (e.g. EPISODE_NOT_FOUND), when the failure carried one. */
  errorType?: string;
  /** Who must act (e.g. `liberation service`, `operator`). */
  mustAct: string;
  since: string;
  options: AttentionOption[];
  status: 'OPEN' | 'RESOLVED';
  resolution?: { option: AttentionOption; by: string; reason?: string; at: string };
  /**
   * The latest change of who must act on the open item (`movement-correction-1`: a transfer's
   * destination corrected moves what was addressed to the wrong prison to the right one): who it
   * was addressed to before, when and why.
   */
  reassigned?: { from: string; at: string; because: string };
}
/** An operator's decision on an attention item: try the step again, or skip it (with a reason). */
export interface AttentionResolution {
  itemId: string;
  option: AttentionOption;
  /** Who decided (operator id). */
  by: string;
  /** Required for SKIP. */
  reason?: string;
  resolvedAt: string;
  eventId: string;
}

/** Reception (re)delivered: used with signalWithStart so duplicates are harmless. */
export const receptionSignal = defineSignal<[ThroughcareInput]>('reception');
/** Facts from the services, applied as validated updates: an impossible fact is rejected with a reason. */
export const coreScreenCompletedUpdate = defineUpdate<void, [CoreScreenCompleted]>('coreScreenCompleted');
export const referralAcknowledgedUpdate = defineUpdate<void, [ReferralAcknowledged]>('referralAcknowledged');
export const releaseRecordedUpdate = defineUpdate<void, [ReleaseRecorded]>('releaseRecorded');
export const attendanceRecordedUpdate = defineUpdate<void, [AttendanceRecorded]>('attendanceRecorded');
/** Attendance at an appointment an agency booked against its referral (see `AgencyAttendanceRecorded`). */
export const agencyAttendanceRecordedUpdate = defineUpdate<void, [AgencyAttendanceRecorded]>(
  'agencyAttendanceRecorded',
);
/** A risk assessment was recorded (see `RiskAssessed`). */
export const riskAssessedUpdate = defineUpdate<void, [RiskAssessed]>('riskAssessed');
/** The gate arrangement was recorded or reconfirmed (see `GateArrangementRecorded`). */
export const gateArrangementRecordedUpdate = defineUpdate<void, [GateArrangementRecorded]>(
  'gateArrangementRecorded',
);
/** The expected release date moved: derived dates move, bookings are remade, agencies re-notified. */
export const releaseDateChangedUpdate = defineUpdate<void, [ReleaseDateChanged]>('releaseDateChanged');
export const assessmentCompletedUpdate = defineUpdate<void, [AssessmentCompleted]>('assessmentCompleted');
export const meetingHeldUpdate = defineUpdate<void, [MeetingHeld]>('meetingHeld');
export const transferredUpdate = defineUpdate<void, [Transferred]>('transferred');
export const movementReversedUpdate = defineUpdate<void, [MovementReversed]>('movementReversed');
/** A release or transfer was corrected in place (see `MovementCorrected`). */
export const movementCorrectedUpdate = defineUpdate<void, [MovementCorrected]>('movementCorrected');
export const returnedToCustodyUpdate = defineUpdate<void, [ReturnedToCustody]>('returnedToCustody');
export const referralOutcomeUpdate = defineUpdate<void, [ReferralOutcome]>('referralOutcome');
export const referralClosedUpdate = defineUpdate<void, [ReferralClosed]>('referralClosed');
export const consentWithdrawnUpdate = defineUpdate<void, [ConsentWithdrawn]>('consentWithdrawn');
export const caseCloseRequestedUpdate = defineUpdate<void, [CaseCloseRequested]>('caseCloseRequested');
/** Prison staff stop referring a need (validated: an assessed need of an open case, not stopped already). */
export const needStoppedUpdate = defineUpdate<void, [NeedStopped]>('needStopped');
/** An operator resolves an attention item (validated: the item exists, is open, and the option is offered). */
export const resolveAttentionUpdate = defineUpdate<void, [AttentionResolution]>('resolveAttention');
/** The history of the episode before, sent to a new episode that an upstream reception started first. */
export const carriedHistorySignal = defineSignal<[CarriedHistory]>('carriedHistory');

/**
 * How long a journey's activity must have been failing (since it was first scheduled) before the
 * worker reports it to the journey: a blip (a database restart) is not "stuck". Then reported at
 * attempts 2, 4, 8, 16 … past that (with the journeys' retry policy, first at about the 8th attempt,
 * then a handful a day).
 */
export const FAILING_ACTIVITY_REPORT_AFTER_MS = 120_000;

/**
 * An activity of the journey failed its `attempt`th attempt and will be retried: sent by the
 * worker that ran it (its activity interceptor) to the run that scheduled it. Ids, types and
 * counts only: it is kept in the journey's history.
 */
export interface ActivityFailing {
  /** The activity's id in that run (the journey's activities take the SDK's default: its sequence number). */
  activityId: string;
  activityType: string;
  attempt: number;
  /** The failure's type (an ApplicationFailure's `type`, else the error's class name); never its message. */
  errorType: string;
  /** When the activity was first scheduled (ISO 8601). */
  scheduledAt: string;
}
/** What is wrong with an `activityFailing` signal's argument, or undefined when it is well formed. */
export function activityFailingProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
  if (!text(r['activityId'], 100)) return 'activityId: a string of 1–100 characters';
  if (!text(r['activityType'], 200)) return 'activityType: a string of 1–200 characters';
  if (!Number.isInteger(r['attempt']) || (r['attempt'] as number) < 1) return 'attempt: an integer from 1';
  if (!text(r['errorType'], 200)) return 'errorType: a string of 1–200 characters';
  if (!text(r['scheduledAt'], 40) || Number.isNaN(Date.parse(r['scheduledAt'] as string)))
    return 'scheduledAt: an ISO 8601 instant';
  return undefined;
}
/** See `ActivityFailing`: the journey keeps FailingActivities while the activity is still pending. */
export const activityFailingSignal = defineSignal<[ActivityFailing]>('activityFailing');

export interface DeadlineView {
  clock: string;
  owedBy: string;
  owedTo: string;
  startedAt: string;
  dueAt: string;
  status: 'OPEN' | 'MET' | 'BREACHED' | 'MET_LATE' | 'CANCELLED';
  metAt?: string;
  /** Why a deadline was cancelled or breached without waiting (e.g. no working day left before release). */
  note?: string;
}
/** A booking the journey holds (or held) with a service, with its establishment and day. */
export interface BookingView {
  bookingId: string;
  kind: MeetingKind | 'GATE_PICKUP' | 'FIRST_APPOINTMENT' | 'FOLLOW_UP_APPOINTMENT';
  establishmentCode?: string;
  date?: string;
  status: 'BOOKED' | 'HELD' | 'CANCELLED';
  cancelledBecause?: string;
  /** A cancellation that failed for good (after the activity's retries): reported, never dropped. */
  cancelFailed?: string;
}
export interface NotificationView {
  agencyId: string;
  subject: NotificationSubject;
  message: string;
  at: string;
}
export interface PlanView {
  personId: string;
  episode: number;
  stage: Stage;
  stagesDone: Stage[];
  policy: { id: string; version: number };
  deadlines: DeadlineView[];
  waitingOn: string | null;
  assessmentId?: string;
  needs?: Pathway[];
  referralId?: string;
  agencyId?: string;
  releasedAt?: string;
  appointmentId?: string;
  closedAt?: string;
  /** Expected release date as last known, and the liberation date derived from it (Scottish s.8 rule). */
  expectedReleaseDate?: string;
  liberationDate?: string;
  gatePickup?: { bookingId: string; liberationDate: string };
  /** Journey v2 onwards. */
  establishmentCode?: string;
  bookings?: BookingView[];
  notifications?: NotificationView[];
  referralOutcomes?: { decision: ReferralDecision; decidedAt: string; reason?: string }[];
  /** When the main referral's agency acknowledged it. */
  referralAcknowledgedAt?: string;
  /** The journey withdrew the main referral (consent withdrawn, case closed). */
  referralWithdrawn?: true;
  /** The main referral's agency closed the case, with what its work achieved. */
  referralClosure?: { outcome: ReferralClosureOutcome; closedAt: string };
  pendingMovements?: { movement: ReversibleMovement; eventId: string; at: string; settlesAt: string }[];
  closureReason?: ClosureReason;
  nextEpisode?: number;
  carried?: CarriedHistory;
  /** A run started again after the return to custody that closed it was reversed (`return-reversal-1`). */
  resumed?: ResumedEpisode;
  /**
   * Closed RECEIVED_IN_ERROR as a return to custody (`return-reversal-1`): what became of the
   * journey of the episode before (started again, or why not).
   */
  previousEpisodeResumed?: {
    episode: number;
    outcome: 'STARTED' | 'ALREADY_RESUMED' | 'NOT_RESUMABLE';
    reason?: string;
  };
  /** Runs of this journey so far (continue-as-new at stage boundaries). */
  run?: number;
  /** Minutes a release or transfer stands before agencies are told (policy value, or the deployment's override). */
  movementSettleMinutes?: number;
  /**
   * The latest risk assessment the journey acts on (since `risk-assessed-1`): its bands, MAPPA
   * status and what rose against the version before (never the reasons).
   */
  risk?: Omit<RiskAssessed, 'eventId'>;
  /** Attention items, open and resolved (journeys since the `nobody-lost-1` patch). */
  attention?: AttentionItemView[];
  /** Each need's referral to a community agency (journeys since `referral-per-need-1`). */
  needReferrals?: NeedReferralView[];
  /**
   * Each resettlement pathway as the latest completed assessment that reported it left it (the
   * completion facts' `pathways`; a later assessment's status replaces an earlier one's for the same
   * pathway), in the vocabulary's pathway order. Absent while no completed assessment carried
   * pathways (typed completions, or assessments completed before the assessment service sent them).
   */
  pathways?: PathwayOutcomeView[];
  /** True while the journey is acting (a booking, request or notice may be in flight); false while it waits. */
  working?: boolean;
}
/**
 * One pathway in the plan (`PlanView.pathways`): its status and skip (with the reason) in the latest
 * completed assessment that reported it, and which assessment that was.
 */
export interface PathwayOutcomeView extends AssessedPathway {
  assessmentId: string;
  kind: 'CORE_SCREEN' | AssessmentKind;
  completedAt: string;
}
/** One try's state (`NeedReferralView.tried[].status`). */
export type NeedTryStatus =
  | 'SENDING'
  | 'NEEDS_ATTENTION'
  | 'SENT'
  | 'ACKNOWLEDGED'
  | 'ACCEPTED'
  | 'ON_WAITING_LIST'
  | 'MORE_INFORMATION_REQUESTED'
  | 'CLOSED_BY_AGENCY'
  | 'ENDED';
/**
 * One need's referral as prison staff see it. `status`: NOT_YET_DUE (needs are referred once
 * release planning opens), CHOOSING (the directory is being asked), SENDING, SENT, ACKNOWLEDGED,
 * the agency's latest decision (ACCEPTED, ON_WAITING_LIST, MORE_INFORMATION_REQUESTED),
 * NEEDS_ATTENTION (choosing or sending failed: an attention item waits on an operator), GAP (no
 * eligible agency left: see `gap`; an attention item tells prison staff), NOT_REFERRED (an
 * operator skipped choosing an agency or the gap's item: the need is arranged outside the
 * platform in this episode; see `notReferredBecause`), WITHDRAWN (the case closed early: withdrawn
 * from the agency), CLOSED (the case closed with none standing) or CLOSED_BY_AGENCY (the agency
 * that took the need on closed its work: see `closure`). `agencyId`: the agency holding
 * the need (an earlier agency that reconsidered its decline takes it back). `tried`: every agency
 * the need went to, in order, with why each ended (`referralId` once sent).
 */
export interface NeedReferralView {
  pathway: Pathway;
  status:
    | 'NOT_YET_DUE'
    | 'CHOOSING'
    | 'SENDING'
    | 'SENT'
    | 'ACKNOWLEDGED'
    | 'ACCEPTED'
    | 'ON_WAITING_LIST'
    | 'MORE_INFORMATION_REQUESTED'
    | 'NEEDS_ATTENTION'
    | 'WITHDRAWN'
    | 'GAP'
    | 'NOT_REFERRED'
    | 'CLOSED'
    | 'CLOSED_BY_AGENCY';
  agencyId?: string;
  serviceId?: string;
  referralId?: string;
  gap?: { since: string; nextAskedAt: string };
  /** The operator's reason for skipping the choice or the gap, or prison staff's for stopping the need (status NOT_REFERRED). */
  notReferredBecause?: string;
  /** Prison staff (or an operator) stopped referring the need: who, as what, when and why (from the request, before its withdrawals are done). */
  stopped?: { by: string; as: NeedStoppedAs; at: string; reason: string };
  /** The agency holding the need closed its work (status CLOSED_BY_AGENCY), with what it achieved. */
  closure?: { outcome: ReferralClosureOutcome; closedAt: string };
  tried: {
    agencyId: string;
    referralId?: string;
    rule: string;
    /**
     * This try's own state: being sent (SENDING, or NEEDS_ATTENTION when sending failed), sent and
     * waiting or decided (SENT, ACKNOWLEDGED, and the agency's ACCEPTED, ON_WAITING_LIST,
     * MORE_INFORMATION_REQUESTED), CLOSED_BY_AGENCY, or ENDED (see `endedBecause`).
     */
    status: NeedTryStatus;
    endedBecause?: string;
    /** The agency closed its work on this try, with what it achieved. */
    closure?: { outcome: ReferralClosureOutcome; closedAt: string };
    /** Attendance at the appointments the agency booked against this try, in the order recorded. */
    attendances?: { appointmentId: string; attendance: Attendance; attendedAt: string; reason?: string }[];
  }[];
}

/** The plan: stages done, deadlines with due instants, and what is waiting on whom. */
export const planQuery = defineQuery<PlanView>('plan');
