import type {
  AgencyAttendanceRecorded,
  AssessmentCompleted,
  AttentionItemView,
  AssessmentKind,
  AttendanceRecorded,
  BookingView,
  CarriedHistory,
  ThroughcareInput,
  CaseCloseRequested,
  ClosureReason,
  ConsentWithdrawn,
  RiskAssessed,
  GateArrangementRecorded,
  CoreScreenCompleted,
  DeadlineView,
  MeetingHeld,
  NeedStopped,
  NotificationView,
  ReferralAcknowledged,
  ReferralClosed,
  ReferralOutcome,
  ReleaseDateChanged,
  ReleaseRecorded,
  ReturnedToCustody,
  Stage,
  Pathway,
  Transferred,
} from '@throughcare/contracts';

/**
 * Everything journey v2 knows, as plain data: the facts it was told (each once, by event id) and
 * the effects it has had (requests, bookings, notifications, breaches). Continue-as-new carries
 * this object whole into the next run, so nothing is held anywhere else.
 */
export interface JourneyState {
  /**
   * Shape of this object (carried across continue-as-new): 1 (no field) up to the `nobody-lost-1`
   * patch, 2 since (attention items). `upgradeState` brings an older one up to date.
   */
  schemaVersion: number;
  /** 1 for the first run; +1 at each continue-as-new. */
  run: number;
  /** Reports of the clocks to the SLA ledger so far (`sla-ledger-1`), across continue-as-new. */
  clocksReported?: number;
  /** The SLA policy captured when the case started (kept for the whole case). */
  policy?: { id: string; version: number };
  stage: Stage;
  stagesDone: Stage[];
  /** Stage entries so far (idempotency keys of stage records; a stage can be re-entered after a reversal). */
  stageEntries: number;
  seenEventIds: string[];

  // Facts, as told.
  coreScreen?: CoreScreenCompleted;
  assessments: AssessmentCompleted[];
  acknowledgement?: ReferralAcknowledged;
  outcomes: ReferralOutcome[];
  /** The main referral's agency closed the case (the first closure told; the service takes one). */
  referralClosure?: Closure;
  /** The release in force (a reversed one is removed); agencies hear of it once it has settled. */
  release?: ReleaseRecorded & { settlesAt: string; fromCourt?: boolean };
  /** Transfers in force, oldest first (a reversed one is removed). */
  transfers: (Transferred & { from: string; settlesAt: string })[];
  /** Movements undone, with what they were (for the agency's message). */
  reversals: {
    eventId: string;
    movement: 'RELEASE' | 'TRANSFER';
    at: string;
    reversedAfterSettling: boolean;
    /** A transfer's destination (recorded since `planner-fixes-2`'s code; absent in older states). */
    to?: string;
  }[];
  /**
   * Releases and transfers corrected in place (`custody.movement.corrected`), in the order applied:
   * the instant and destination before and after, for the plan and the agencies' message. The
   * release and transfers above hold the corrected facts. Absent: none.
   */
  corrections?: {
    eventId: string;
    movement: 'RELEASE' | 'TRANSFER';
    version: number;
    correctedAt: string;
    occurredAt: string;
    previousOccurredAt: string;
    /** A transfer's destination after and before. */
    to?: string;
    previousTo?: string;
    /** A release's correction made once the release had settled (the agencies had been told its instant). */
    told?: boolean;
  }[];
  expectedReleaseDate: string;
  dateChanges: ReleaseDateChanged[];
  meetingsHeld: MeetingHeld[];
  attendances: AttendanceRecorded[];
  /** Attendance at appointments agencies booked against their referrals (absent: none told). */
  agencyAttendances?: AgencyAttendanceRecorded[];
  consentWithdrawn?: ConsentWithdrawn;
  /**
   * The risk assessments the journey accepted (`risk-assessed-1`), oldest first: each a newer
   * version than the one before it (an older one delivered late is not kept). `rises`: what rose
   * against the one before (`riskRises`), or for the first the assessment service's own. Absent:
   * none told.
   */
  risks?: RiskRecord[];
  /**
   * The latest gate arrangement prison staff recorded or reconfirmed (`custody.gate-arrangement.
   * recorded`): its version, the liberation date it holds for, who collects (a code; the agency
   * when an agency collects). Absent: none told. Acted on since `gate-reconfirmation-1`.
   */
  gate?: Omit<GateArrangementRecorded, 'eventId'>;
  /**
   * The directory's answer for the agency each gate arrangement version named as the collector
   * (`gate-reconfirmation-1`): only an agency the directory knows is given a copy of a notice, under
   * the directory's own id (`directoryId`). Absent: none checked.
   */
  collectorChecks?: {
    agencyId: string;
    version: number;
    known: boolean;
    directoryId?: string;
    name?: string;
    at: string;
  }[];
  /** Needs prison staff stopped referring in this episode (absent: none). */
  needStops?: NeedStopped[];
  closeRequested?: CaseCloseRequested;
  returned?: ReturnedToCustody;
  carried?: CarriedHistory;
  /**
   * The person's sex (and, before `need-age-asked-1`, date of birth) from the reception signalled
   * again, when the journey's input has none: a recall's journey started by the episode before
   * hands over what that one knew, and the reception itself may say more (absent: nothing more told).
   */
  personFacts?: Pick<ThroughcareInput, 'sex' | 'dateOfBirth'>;

  // Effects.
  requests: Request[];
  agencyId?: string;
  /** When the directory had no agency for the area, when to ask again. */
  agencyRetryAt?: string;
  referralId?: string;
  referralSentAt?: string;
  referralWithdrawn?: boolean;
  /**
   * One referral per need (since `referral-per-need-1`): for each pathway, the agencies tried in
   * the directory's order. Absent before the patch.
   */
  needReferrals?: NeedReferral[];
  /** What the agency was last told (or learnt from the referral / appointment): the notifications' baseline. */
  told?: Told;
  notifications: NotificationView[];
  notifySeq: number;
  bookings: Booking[];
  bookingSeq: number;
  deadlines: Deadline[];
  closureReason?: ClosureReason;
  closedAt?: string;
  closureRecorded?: boolean;
  nextEpisodeHandedOver?: boolean;
  /** Closed RECEIVED_IN_ERROR as a return to custody: what became of the episode before's journey (`return-reversal-1`). */
  previousResumed?: {
    episode: number;
    outcome: 'STARTED' | 'ALREADY_RESUMED' | 'NOT_RESUMABLE';
    reason?: string;
  };
  /** Steps that failed for good (or plans found impossible), each waiting on an operator (schema 2). */
  attention: AttentionItemView[];
  /**
   * A run started again (`input.resumed.attentionFrom`): the items of the runs before it under this
   * workflow id were numbered up to this, and this run numbers on from it (the operator's table
   * keys items by person, episode and id: review of stop 39, S2).
   */
  attentionBase?: number;
  /** Ids of items resolved whose resolution is not yet in the operator list (schema 2). */
  attentionUnrecorded: string[];
  /**
   * Behaviour changes (patch ids) this journey has adopted: `patched()` is asked at each planning
   * and each pass of the clocks until it says yes, and the answer kept here (and across
   * continue-as-new) because derivations read outside planning (queries) depend on them. Absent:
   * none adopted.
   */
  adopted?: string[];
  /**
   * When this journey adopted `need-referral-clocks-1`: only need referrals sent since have a
   * clock (one sent before is not charged a deadline nobody was running).
   */
  needClocksFrom?: string;
  /**
   * When this journey adopted `agency-appointments-1`: only a need agency's first appointment due
   * from a base since then is charged a clock.
   */
  agencyAppointmentsFrom?: string;
}

export interface Request {
  kind: 'CORE_SCREEN' | AssessmentKind;
  /** 1-based count of requests of this kind. */
  seq: number;
  assessmentId: string;
  dueAt: string;
}

/** A need's referrals: the agencies tried for it, in order; the last is the current one. */
export interface NeedReferral {
  pathway: Pathway;
  tries: NeedTry[];
  /** No eligible agency was left when last asked (a gap), and when the directory is asked again. */
  gap?: { since: string; retryAt: string; rule: string };
}

/** An agency's closure of a case it took on, as the journey keeps it. */
export interface Closure {
  outcome: ReferralClosed['outcome'];
  closedAt: string;
}

export interface NeedTry {
  agencyId: string;
  serviceId: string;
  /** The directory's rule that chose it (e.g. eligibility-v1). */
  rule: string;
  chosenAt: string;
  /** Minted by the journey when the agency is chosen; the referral service takes it as its id. */
  referralId: string;
  /** When the referral service answered the send (absent while it is in flight, or if skipped). */
  sentAt?: string;
  acknowledgedAt?: string;
  /** The agency's decisions, in the order told. */
  decisions: { decision: ReferralOutcome['decision']; decidedAt: string; reason?: string }[];
  /** The agency closed its work on the need, with what it achieved (nothing follows a closure). */
  closure?: Closure;
  /** Withdrawn by the journey: the case closed, or another agency took the need on. */
  withdrawnAt?: string;
  /** Why the journey withdrew it, as the plan shows it (absent: the case closed). */
  withdrawnBecause?: string;
}

/** One risk assessment as the journey keeps it (see `JourneyState.risks`). */
export interface RiskRecord extends Omit<RiskAssessed, 'rises'> {
  rises: RiskAssessed['rises'];
  /** When the journey took it. */
  recordedAt: string;
}

export interface Told {
  agencyId: string;
  establishmentCode: string;
  liberationDate: string;
  custody: 'IN' | 'OUT';
  /** Liberation dates for which the agency was told no pre-release meeting can be held. */
  meetingImpossibleFor: string[];
  closed?: boolean;
  /** A run started again (`input.resumed`): the agency was told the return to custody was reversed. */
  returnReversed?: true;
  /**
   * What the need agencies were told, with no main agency told yet (`need-agency-notices-1`):
   * notices go to the agency holding the first need still standing. Absent: the main agency's.
   */
  forNeeds?: true;
  /**
   * The risk the responsible agency was last told by a `RISK_ESCALATED` notice (`risk-notice-1`),
   * or counted as told at adoption; absent: none (a referral carries only the risk of serious harm).
   */
  risk?: Pick<RiskRecord, 'version' | 'riskOfSeriousHarm' | 'likelihoodOfReoffending' | 'mappa'>;
}

export interface Booking extends BookingView {
  /** The journey's own key for the slot (e.g. visit:2, first-appointment:<release event>). */
  slot: string;
  agencyId?: string;
  /** The release the appointment follows (appointments only). */
  releaseEventId?: string;
  /** A compensation that failed for good (e.g. the service no longer knows the booking). */
  cancelFailed?: string;
}

export interface Deadline extends DeadlineView {
  key: string;
  breachKey?: string;
  /** When the journey recorded its breach (the SLA ledger's detected instant); absent before `sla-ledger-1`. */
  breachedAt?: string;
}

export const STATE_SCHEMA_VERSION = 2;

/**
 * Upgrades a state carried from an earlier run (any earlier schema) to the current one. Pure and
 * additive: fields an older run did not have get their empty value; nothing it had is changed.
 */
export function upgradeState(carried: unknown): JourneyState {
  if (typeof carried !== 'object' || carried === null || !('run' in carried))
    throw new TypeError('carried journey state is not an object with a run number');
  const old = carried as Partial<JourneyState> & { run: number };
  const from = old.schemaVersion ?? 1;
  if (from > STATE_SCHEMA_VERSION)
    throw new TypeError(
      `carried journey state has schema ${from}, newer than this code (${STATE_SCHEMA_VERSION})`,
    );
  return {
    ...(old as JourneyState),
    attention: old.attention ?? [],
    attentionUnrecorded: old.attentionUnrecorded ?? [],
    schemaVersion: STATE_SCHEMA_VERSION,
  };
}

export function initialState(expectedReleaseDate: string): JourneyState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    run: 1,
    stage: 'RECEPTION',
    stagesDone: [],
    stageEntries: 0,
    seenEventIds: [],
    assessments: [],
    outcomes: [],
    transfers: [],
    reversals: [],
    expectedReleaseDate,
    dateChanges: [],
    meetingsHeld: [],
    attendances: [],
    requests: [],
    notifications: [],
    notifySeq: 0,
    bookings: [],
    bookingSeq: 0,
    deadlines: [],
    attention: [],
    attentionUnrecorded: [],
  };
}
