import type {
  AgencyKind,
  AssessmentKind,
  Jurisdiction,
  MeetingKind,
  NotificationSubject,
  Pathway,
  PersonSex,
  RiskOfSeriousHarm,
} from '../vocabulary';
import type {
  AttentionItemView,
  CarriedHistory,
  ResumedEpisode,
  ThroughcareInput,
} from '../workflows/throughcare';
import type { ReportedClock } from '../events/catalogue';

/**
 * Activity interfaces, one per bounded context. Each service's worker implements its own on
 * its own task queue; the journey workflow calls them through proxyActivities with that queue.
 * Every mutating call carries an idempotency key: activities may run more than once.
 */
export interface AssessmentActivities {
  requestCoreScreen(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    establishmentCode: string;
    dueBy: string;
    /** As the prison recorded it at reception (the women-specific pathways); absent: not recorded. */
    sex?: PersonSex;
    correlationId: string;
  }): Promise<{ assessmentId: string }>;
  /** Requests a comprehensive screen, standard review or summary review. Idempotent on the key. */
  requestAssessment(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    establishmentCode: string;
    kind: AssessmentKind;
    dueBy: string;
    sex?: PersonSex;
    correlationId: string;
  }): Promise<{ assessmentId: string }>;
}

export interface AgencyContact {
  agencyId: string;
  name: string;
  kind: AgencyKind;
  localAuthority: string;
  contactPoint: string;
}
export interface DirectoryActivities {
  /** Fails with a non-retryable `AGENCY_NOT_FOUND` when no agency of that kind serves that area. */
  findAgency(input: { localAuthority: string; kind: AgencyKind }): Promise<AgencyContact>;
  /**
   * The agency a need is referred to, by the directory's eligibility rule (README "Which agency a
   * need goes to"), leaving out the agencies already tried for it. `choice` is null when no
   * eligible agency is left: a gap, not a failure.
   */
  chooseAgency(input: AgencyChoiceInput): Promise<AgencyChoice>;
  /**
   * The agency the directory holds under `agencyId`, or null when it holds none (an id that is no
   * directory id at all included): how a journey checks an agency named by someone else (the gate
   * arrangement's collector) before telling it anything.
   */
  lookUpAgency(input: { agencyId: string }): Promise<AgencyContact | null>;
}

/** An agency given a copy of a notice on a basis other than an open referral (`notifyAgency`). */
export interface AlsoTell {
  agencyId: string;
  /** Why it is told: the agency collecting the person at the gate. */
  because: 'GATE_COLLECTOR';
  /** What the basis rests on, e.g. `gate-arrangement-v2` (the arrangement's version). */
  reference: string;
}

export interface AgencyChoiceInput {
  pathway: Pathway;
  localAuthority: string;
  /** Left out when not known: services bounded by what is unknown are then not chosen. */
  sentenceMonths?: number;
  sex?: PersonSex;
  age?: number;
  /** Agencies already tried for this need (declined, or withdrawn from). */
  exclude: string[];
}

export interface AgencyChoice {
  /** The rule's version, recorded with the referral it leads to. */
  rule: string;
  choice: (AgencyContact & { serviceId: string; serviceName: string }) | null;
  /** Eligible agencies after the choice (at most 49 counted): how many declines are left. */
  alternatives: number;
}

export interface ReferralActivities {
  sendReferral(input: {
    idempotencyKey: string;
    /** The id to give the referral (a need's referral: minted by the journey); else the service's own. */
    referralId?: string;
    personId: string;
    episode: number;
    agencyId: string;
    pathways: Pathway[];
    sentAt: string;
    acknowledgeBy: string;
    /** The prison the referral is sent from: its staff read the referral and the notes meant for them. */
    establishmentCode?: string;
    /**
     * The liberation date as the journey plans it when sending (the day released, once released):
     * the agency plans its work around it; later notices of a change keep it current.
     */
    liberationDate?: string;
    /** The risk of serious harm from the core screen, for the safety of the agency's staff. */
    riskOfSeriousHarm?: RiskOfSeriousHarm;
    correlationId: string;
  }): Promise<{ referralId: string }>;
  /** Tells an involved agency of a change in the plan. Idempotent on the key: once per change. */
  notifyAgency(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    agencyId: string;
    subject: NotificationSubject;
    /** What happened, in words the agency's staff read in their inbox. */
    message?: string;
    liberationDate?: string;
    previousLiberationDate?: string;
    establishmentCode?: string;
    previousEstablishmentCode?: string;
    /** The pre-release meeting booked (with a changed liberation date): its day and prison. */
    preReleaseMeetingDate?: string;
    preReleaseMeetingEstablishmentCode?: string;
    /**
     * Agencies to give a copy of a change every agency working with the person hears of (a new
     * liberation date, say) besides those holding an open referral of the episode, each with the
     * basis of the disclosure: the agency collecting the person at the gate (`GATE_COLLECTOR`,
     * `reference` naming the arrangement's version). Each agency gets one copy, whatever the lists
     * hold; the copy keeps its basis and is audited (review stop 42, M5).
     */
    alsoTell?: AlsoTell[];
    correlationId: string;
  }): Promise<{ notificationId: string }>;
  /** Withdraws a referral (consent withdrawn, case closed). Idempotent; a repeat is a no-op. */
  withdrawReferral(input: {
    idempotencyKey: string;
    referralId: string;
    reason: string;
    correlationId: string;
  }): Promise<void>;
  /** Cancels an appointment (a compensation). Idempotent; cancelling twice is a no-op. */
  cancelAppointment(input: {
    idempotencyKey: string;
    appointmentId: string;
    reason: string;
    correlationId: string;
  }): Promise<void>;
  bookFirstAppointment(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    agencyId: string;
    dueBy: string;
    /** Defaults to FIRST_APPOINTMENT; a follow-up after a missed first appointment is booked the same way. */
    purpose?: 'FIRST_APPOINTMENT' | 'MISSED_APPOINTMENT_FOLLOW_UP';
    correlationId: string;
  }): Promise<{ appointmentId: string }>;
}

export interface LiberationActivities {
  /**
   * Records the journey's stage against the custody episode, so the liberation API (which
   * agencies and prison staff read) shows where each person's throughcare stands.
   */
  recordEpisodeStage(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    stage: string;
    at: string;
  }): Promise<void>;
  /**
   * The person's age in whole years on the day it is asked (Europe/London: the activity's
   * scheduled time), for the directory's age bands, from the date of birth recorded with the episode (or the person's latest episode that
   * has one). `{}` when none is recorded. The date of birth itself stays in the liberation service.
   * Fails with `EPISODE_NOT_FOUND` (retryable for its first attempts) for an episode it has no
   * record of, and `VALIDATION_FAILED` when `at` (the caller's clock) is not within an hour of
   * when it was asked: the age of another day is not answered. A read: no idempotency key.
   */
  personAgeOn(input: { personId: string; episode: number; at: string }): Promise<{ age?: number }>;
  /** Books transport from the prison gate for the liberation date. Idempotent on the key. */
  bookGatePickup(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    establishmentCode: string;
    liberationDate: string;
    correlationId: string;
  }): Promise<{ bookingId: string }>;
  /**
   * Cancels a booking (a compensation: idempotent, and cancelling an already-cancelled booking
   * is a no-op). Fails non-retryable with `GATE_PICKUP_NOT_FOUND` for an unknown booking.
   */
  cancelGatePickup(input: {
    idempotencyKey: string;
    bookingId: string;
    reason: string;
    correlationId: string;
  }): Promise<void>;
  /** Books a CJSW custody visit or the pre-release meeting at an establishment on a day. Idempotent on the key. */
  bookMeeting(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    establishmentCode: string;
    kind: MeetingKind;
    date: string;
    agencyId?: string;
    correlationId: string;
  }): Promise<{ bookingId: string }>;
  /** Cancels a visit or meeting (a compensation: idempotent; `MEETING_NOT_FOUND` for an unknown id). */
  /**
   * Cancels a visit or meeting (a compensation). Says what happened: cancelled now, already
   * cancelled, or already held (what took place cannot be called off; the journey keeps it as held).
   * Older workers answered nothing (void). Fails with non-retryable MEETING_NOT_FOUND for a
   * booking the service does not know.
   */
  cancelMeeting(input: {
    idempotencyKey: string;
    bookingId: string;
    reason: string;
    correlationId: string;
  }): Promise<CancelMeetingResult | void>;
}

export interface CancelMeetingResult {
  outcome: 'CANCELLED' | 'ALREADY_CANCELLED' | 'ALREADY_HELD';
  /** ALREADY_HELD: when the meeting was held (absent in answers recorded before it was given). */
  heldAt?: string;
}

export interface SlaBreachRecord {
  idempotencyKey: string;
  personId: string;
  episode: number;
  clock: string;
  owedBy: string;
  owedTo: string;
  dueAt: string;
  breachedAt: string;
  /** Why, when the breach is known without waiting (e.g. the meeting can no longer be held before release). */
  note?: string;
  correlationId: string;
}
/** Every clock of a journey as it stands, for the SLA ledger (`sla-ledger-1`). */
export interface ClocksReport {
  /** `<journey>:clocks:<runId>:<seq>`: a retry publishes the report once. */
  idempotencyKey: string;
  personId: string;
  episode: number;
  journey: string;
  seq: number;
  reportedAt: string;
  jurisdiction: Jurisdiction;
  establishmentCode: string;
  localAuthority: string;
  policy: { id: string; version: number };
  clocks: ReportedClock[];
  /** The last report, as the case closed. */
  closedAt?: string;
  correlationId: string;
}
export interface AttentionRecord {
  idempotencyKey: string;
  personId: string;
  episode: number;
  item: AttentionItemView;
  correlationId: string;
}
/** Activities of the orchestrator itself (its own schema: SLA breaches, case closure). */
export interface ThroughcareActivities {
  recordSlaBreach(input: SlaBreachRecord): Promise<{ breachId: string }>;
  recordBreachMet(input: { idempotencyKey: string; metAt: string }): Promise<void>;
  /** Publishes `throughcare.sla.clocks-reported` (idempotent on the key): the SLA ledger's source. */
  reportClocks(input: ClocksReport): Promise<void>;
  recordCaseClosed(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    closedAt: string;
    reason: string;
    correlationId: string;
  }): Promise<void>;
  /**
   * Records an attention item raised or resolved (idempotent on the key; the item's latest state
   * wins) and publishes `throughcare.attention.raised` / `throughcare.attention.resolved`.
   */
  recordAttention(input: AttentionRecord): Promise<void>;
  /**
   * Opens the person's next episode (recall, new sentence) with the history of this one:
   * signal-with-start of that episode's journey, so it works whether or not an upstream reception
   * already started it. Idempotent: a repeat only re-delivers the same history, which is kept once.
   */
  openNextEpisode(input: {
    workflowId: string;
    input: ThroughcareInput;
    carried: CarriedHistory;
  }): Promise<void>;
  /**
   * Starts the journey of the episode before again (a new run of its workflow id) when this
   * episode's reception, a return to custody, was reversed as recorded in error
   * (`return-reversal-1`). Its facts are the closed journey's own (its latest run's input), plus
   * `resumed`. A journey still running there fails transiently (retried: it may be closing);
   * a latest run already resumed by this reversal answers ALREADY_RESUMED (idempotent); one that
   * did not close handing over to `resumed.reversedEpisode` answers NOT_RESUMABLE, with why.
   * Without `releasedAt` and `openNeeds` (the reversal came before the history was handed over),
   * both are read from the closed journey's returned plan (`releasedAt`, `needs`).
   */
  resumeEpisode(input: {
    workflowId: string;
    resumed: Omit<ResumedEpisode, 'releasedAt' | 'openNeeds'> &
      Partial<Pick<ResumedEpisode, 'releasedAt' | 'openNeeds'>>;
  }): Promise<{
    outcome: 'STARTED' | 'ALREADY_RESUMED' | 'NOT_RESUMABLE';
    reason?: string;
    /** STARTED, ALREADY_RESUMED: when the run started again had closed (the case closure it reopens). */
    closedAt?: string;
  }>;
}

/** Stable error types carried from activities to every edge. */
export const ErrorTypes = {
  agencyNotFound: 'AGENCY_NOT_FOUND',
  validation: 'VALIDATION_FAILED',
  /**
   * A journey refused a fact about something it has not recorded yet (e.g. a meeting held for a
   * booking whose creating activity's result is still in flight): retry the fact, do not drop it.
   */
  notYetKnown: 'NOT_YET_KNOWN',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  /**
   * A journey refused to close RECEIVED_IN_ERROR for a reversal that names another opening (a
   * reception's or liberation's instant that is not the journey's own): the bridge dead-letters it
   * REVERSAL_MISMATCH. Final: the reversal is about another reception.
   */
  reversalMismatch: 'REVERSAL_MISMATCH',
  /**
   * A journey started again after the return to custody that closed it was reversed
   * (`ThroughcareInput.resumed`) refused a return into that reversed episode, or one before it: a
   * late copy of the void reception (re-published, or its dead letter replayed). The bridge
   * dead-letters it RETURN_REVERSED, and starts no journey for the void episode. Final.
   */
  returnReversed: 'RETURN_REVERSED',
  /**
   * A hand-over to the next episode (`openNextEpisode`) whose reception was reversed before it came
   * (a tombstone holds its id, or its journey closed RECEIVED_IN_ERROR): the closing journey shows it
   * as an attention item (RETRY, SKIP once the follow-up is arranged outside the platform).
   */
  nextEpisodeVoid: 'NEXT_EPISODE_VOID',
  /**
   * A hand-over to the next episode whose journey was terminated or failed (not closed): nothing is
   * started from reception; the closing journey shows an item (RETRY once that journey is repaired,
   * SKIP once the history is not wanted).
   */
  nextEpisodeEnded: 'NEXT_EPISODE_ENDED',
} as const;
