import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import {
  assessmentCompletedUpdate,
  attendanceRecordedUpdate,
  carriedHistorySignal,
  caseCloseRequestedUpdate,
  consentWithdrawnUpdate,
  coreScreenCompletedUpdate,
  ErrorTypes,
  meetingHeldUpdate,
  movementReversedUpdate,
  planQuery,
  receptionSignal,
  referralAcknowledgedUpdate,
  referralOutcomeUpdate,
  releaseDateChangedUpdate,
  resolveAttentionUpdate,
  releaseRecordedUpdate,
  returnedToCustodyUpdate,
  SearchAttributes,
  TaskQueues,
  throughcareWorkflowId,
  transferredUpdate,
  type AssessmentActivities,
  type AssessmentKind,
  type AttentionItemView,
  type AttentionOption,
  type CarriedHistory,
  type ClosureReason,
  type DirectoryActivities,
  type LiberationActivities,
  type MeetingKind,
  type NotificationSubject,
  type Pathway,
  type PlanView,
  type ReferralActivities,
  type Stage,
  type ThroughcareActivities,
  type ThroughcareInput,
} from '@throughcare/contracts';
import {
  custodyVisitDates,
  deadlineFor,
  DomainError,
  localDateOf,
  nextWorkingDay,
  planningRangeIssues,
  policyById,
  policyFor,
  releaseRelativeDeadline,
  scottishLiberationDate,
  startOfLocalDay,
  type ClockName,
  type SlaPolicy,
} from '@throughcare/domain';
import { initialState, upgradeState, type Booking, type Deadline, type JourneyState } from './journey-state';

/**
 * Behaviour since this patch (journeys started, or continued as new, after it): a step that fails
 * for good, a domain error or an impossible plan becomes an attention item instead of failing the
 * journey or its workflow task; a compensation that fails for good too; a late pre-release meeting
 * is booked once and kept; event ids are remembered for the journey's whole life.
 */
export const NOBODY_LOST_PATCH = 'nobody-lost-1';
/**
 * Policy data is versioned like code: a journey captures the newest policy version published when
 * its reception is first planned, and a version added later reaches only journeys that capture
 * after its patch (open ones keep theirs; a replay captures what the recording did).
 */
export const POLICIES_V3_PATCH = 'policies-2026-v3';

/** Retries transient failures for as long as it takes; domain rejections fail fast. */
const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: [ErrorTypes.agencyNotFound, ErrorTypes.validation],
};
const options = { startToCloseTimeout: '30 seconds', retry } as const;
const assessment = proxyActivities<AssessmentActivities>({ taskQueue: TaskQueues.assessment, ...options });
const directory = proxyActivities<DirectoryActivities>({ taskQueue: TaskQueues.directory, ...options });
const referral = proxyActivities<ReferralActivities>({ taskQueue: TaskQueues.referral, ...options });
const liberation = proxyActivities<LiberationActivities>({ taskQueue: TaskQueues.liberation, ...options });
const throughcare = proxyActivities<ThroughcareActivities>({ taskQueue: TaskQueues.throughcare, ...options });

/** The liberation service's error type for a custody episode it has no record of. */
const EPISODE_NOT_FOUND = 'EPISODE_NOT_FOUND';
/** How long to wait before asking the directory again when no agency serves the person's area. */
const DIRECTORY_RETRY_MS = 86_400_000;
const DAY_MS = 86_400_000;
/** Stages whose entry starts a new run (custody reviews can run for years; follow-up is a new chapter). */
const CONTINUE_AS_NEW_AT: readonly Stage[] = ['STANDARD_REVIEWS', 'FOLLOW_UP'];
/** Clocks that only make sense while the person is in custody: cancelled (unless already breached) at release. */
const CUSTODY_CLOCKS: readonly ClockName[] = [
  'coreScreen',
  'comprehensiveScreen',
  'firstStandardReview',
  'standardReview',
  'summaryReview',
  'preReleaseMeeting',
];

function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? undefined)
    : undefined;
}
/**
 * An activity failure the activity's retry policy has given up on (non-retryable, or out of
 * attempts/time): `{ type, message }`; undefined for anything else (which is rethrown).
 */
function permanentFailure(err: unknown): { type?: string; message: string } | undefined {
  // A cancelled activity is the workflow being cancelled, not a failure anyone must act on.
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return undefined;
  const cause = err.cause;
  return {
    type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
    message: cause?.message ?? err.message,
  };
}
/** A timer armed for an instant, and whether it has fired. */
interface Timer {
  at: number;
  fired: boolean;
}
/** A domain error raised by the journey's own planning (calendar or policy out of range, …). */
function planningFailure(err: unknown): { type?: string; message: string } | undefined {
  // Only the domain library's own errors (a date past the calendar, an unknown policy…): a bug in
  // this code (a TypeError) still fails the workflow task, to heal with a fixed deployment.
  if (!(err instanceof DomainError)) return undefined;
  return { type: err.name, message: err.message || err.name };
}
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Journey version 2: one custody episode, from reception (or a liberation direct from court) to
 * the end of post-release follow-up, recall, or an early closure.
 *
 * Handlers only record facts (validated synchronously; each event id once). A single loop then
 * works out, from the facts and the clock, the one next thing to do (enter a stage, record a
 * breach, request an assessment, cancel a booking that no longer fits, book what is missing,
 * tell an agency what changed) and does it; when there is nothing to do it sleeps until the next
 * fact or instant that matters. Because the loop re-plans from facts rather than following a
 * script, any change of plan (release date, transfer, reversal, early release, closure) arriving
 * at any moment, even while a booking is in flight, ends in the same state as if it had been
 * known from the start, with every undone step compensated (cancelled with an idempotency key,
 * outside cancellation) and every agency told once.
 */
export async function journeyV2(input: ThroughcareInput): Promise<PlanView> {
  const wfId = workflowInfo().workflowId;
  const carriedState = input.continued === undefined ? undefined : upgradeState(input.continued);
  const s: JourneyState = carriedState
    ? { ...carriedState, run: carriedState.run + 1 }
    : initialState(input.expectedReleaseDate);
  const v3 = patched(NOBODY_LOST_PATCH);
  // The policy captured when the case started; later runs (continue-as-new) keep it. Since v3, a
  // reception no policy covers parks the journey on an attention item instead of failing its task.
  let policyProblem: string | undefined;
  /** The newest policy version this run may capture (undefined: the newest published). */
  const policyCatalogue = s.policy ? undefined : patched(POLICIES_V3_PATCH) ? undefined : 2;
  if (!s.policy) {
    try {
      const captured = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10), policyCatalogue);
      s.policy = { id: captured.id, version: captured.version };
    } catch (err) {
      if (!v3) throw err;
      policyProblem = err instanceof Error ? err.message : String(err);
    }
  }
  let policy!: SlaPolicy;
  let settleMs = 0;
  let leadMs = 0;
  let visitsWanted = 0;
  const usePolicy = (ref: { id: string; version: number }) => {
    policy = policyById(ref.id, ref.version);
    settleMs =
      input.movementSettleSeconds !== undefined
        ? input.movementSettleSeconds * 1000
        : (policy.movementSettleMinutes?.value ?? 45) * 60_000;
    leadMs = (policy.releaseStageLeadDays?.value ?? 28) * DAY_MS;
    visitsWanted = policy.custodyContactsBeforePreRelease?.value ?? 2;
  };
  // While parked without a policy, derivations use the jurisdiction's latest one (nothing acts on them).
  usePolicy(s.policy ?? policyFor(input.jurisdiction, undefined, policyCatalogue));
  const stageAtStart = s.stage;
  const prison = () => `prison:${establishment()}`;
  if (!carriedState && input.carried) s.carried = input.carried;
  if (!carriedState && input.liberatedFromCourt) {
    const c = input.liberatedFromCourt;
    s.release = {
      releasedAt: c.releasedAt,
      establishmentCode: input.establishmentCode,
      eventId: c.eventId,
      settlesAt: c.releasedAt,
      fromCourt: true,
    };
    s.seenEventIds.push(c.eventId);
  }

  let version = 0;
  /** Set once the loop has ended: no new resolution is accepted while the journey finishes. */
  let finishing = false;
  /** True while the loop is doing something (an activity may be in flight); false while it waits. */
  let working = true;
  const changed = () => {
    version += 1;
  };

  // ---- Derived facts -------------------------------------------------------------------------

  const now = () => Date.now();
  const today = () => localDateOf(new Date(now()));
  const liberationDate = () => {
    // Since v3 a release that has happened (settled, or straight from court) is the liberation
    // date: the s.8 rule moves a planned release, never one already made.
    if (v3 && s.release && (s.release.fromCourt || settled(s.release.settlesAt)))
      return localDateOf(new Date(s.release.releasedAt));
    return input.jurisdiction === 'SCOTLAND'
      ? scottishLiberationDate(s.expectedReleaseDate)
      : s.expectedReleaseDate;
  };
  const liberationStart = () => startOfLocalDay(liberationDate());
  const settled = (settlesAt: string) => now() >= Date.parse(settlesAt);
  const released = () => s.release !== undefined && settled(s.release.settlesAt);
  const inCustody = () => !released();
  const establishment = () => {
    const done = s.transfers.filter((t) => settled(t.settlesAt));
    return done.length > 0 ? done[done.length - 1]!.toEstablishmentCode : input.establishmentCode;
  };
  /** The establishment as last reported, settled or not (for validation). */
  const reportedEstablishment = () =>
    s.transfers.length > 0
      ? s.transfers[s.transfers.length - 1]!.toEstablishmentCode
      : input.establishmentCode;
  const completed = (kind: AssessmentKind) => s.assessments.filter((a) => a.kind === kind);
  const needs = (): Pathway[] => {
    const all = [
      ...(s.carried?.openNeeds ?? []),
      ...(s.coreScreen?.needs ?? []),
      ...s.assessments.flatMap((a) => a.needs),
    ];
    return [...new Set(all)];
  };
  /** Release planning opens the policy's lead time before the summary review is due (or at reception). */
  const planningOpens = () =>
    Math.max(
      Date.parse(input.receivedAt),
      deadlineFor(policy, 'summaryReview', liberationStart()).getTime() - leadMs,
    );
  const planningOpen = () => now() >= planningOpens();
  const releaseDue = (clock: 'summaryReview' | 'preReleaseMeeting') =>
    releaseRelativeDeadline(policy, clock, liberationDate(), new Date(planningOpens()), leadMs / DAY_MS);
  const shortNotice = (clock: 'summaryReview' | 'preReleaseMeeting') => {
    const d = releaseDue(clock);
    return d.policyDueAt
      ? `short notice: the policy's due ${d.policyDueAt.toISOString()} was before release planning could start`
      : undefined;
  };
  const summaryDue = () => releaseDue('summaryReview').dueAt.getTime();
  const meetingDue = () => releaseDue('preReleaseMeeting').dueAt.getTime();
  const meetingHeld = () => s.meetingsHeld.some((m) => m.kind === 'PRE_RELEASE_MEETING');
  /** The day the pre-release meeting should be on: its due day, or brought forward; undefined when none is left. */
  const meetingDate = (): string | undefined => {
    const due = localDateOf(new Date(meetingDue()));
    const earliest = nextWorkingDay(input.jurisdiction, today());
    const day = due >= earliest ? due : earliest;
    if (v3 && day !== due) {
      // Late: a meeting already booked here for a day still to come (today included) before
      // liberation is kept, not moved on each new day (it could never be held otherwise).
      const booked = s.bookings.find(
        (b) =>
          b.kind === 'PRE_RELEASE_MEETING' &&
          b.status === 'BOOKED' &&
          b.establishmentCode === establishment(),
      )?.date;
      if (booked !== undefined && booked > due && booked >= today() && booked < liberationDate())
        return booked;
    }
    return day < liberationDate() ? day : undefined;
  };
  /** No working day is left for the pre-release meeting before liberation (and it was not held). */
  const meetingImpossible = () =>
    !fromCourt() && inCustody() && planningOpen() && !meetingHeld() && meetingDate() === undefined;
  const closingReason = (): ClosureReason | undefined => {
    if (s.closureReason) return s.closureReason;
    if (s.closeRequested) return s.closeRequested.reason;
    if (s.consentWithdrawn) return 'CONSENT_WITHDRAWN';
    if (s.returned) return s.returned.reason === 'RECALL' ? 'RECALLED' : 'NEW_SENTENCE';
    if (released() && s.release && now() >= followUpEnds()) return 'FOLLOW_UP_COMPLETE';
    return undefined;
  };
  const followUpEnds = () =>
    s.release ? deadlineFor(policy, 'followUpWindow', new Date(s.release.releasedAt)).getTime() : Infinity;
  const fromCourt = () => s.release?.fromCourt === true;

  function deriveStage(): Stage {
    if (s.closedAt) return 'CLOSED';
    if (released()) return 'FOLLOW_UP';
    if (meetingHeld() || (planningOpen() && s.coreScreen && meetingDate() === undefined))
      return 'AWAITING_RELEASE';
    if (completed('SUMMARY_REVIEW').length > 0) return 'PRE_RELEASE_MEETING';
    if (s.coreScreen && planningOpen()) return 'SUMMARY_REVIEW';
    if (!s.coreScreen) return 'CORE_SCREEN';
    if (completed('COMPREHENSIVE_SCREEN').length === 0) return 'COMPREHENSIVE_SCREEN';
    if (needs().length > 0 && !s.acknowledgement) return 'REFERRAL';
    return 'STANDARD_REVIEWS';
  }

  function waitingOn(): string | null {
    switch (s.stage) {
      case 'CORE_SCREEN':
      case 'COMPREHENSIVE_SCREEN':
      case 'SUMMARY_REVIEW':
        return `assessment by ${prison()}`;
      case 'REFERRAL':
        if (s.agencyRetryAt) return `directory: no agency listed for ${input.homeLocalAuthority}`;
        return s.agencyId ? `acknowledgement by agency:${s.agencyId}` : 'directory';
      case 'STANDARD_REVIEWS':
        return `next standard review by ${prison()}`;
      case 'PRE_RELEASE_MEETING':
        return `pre-release meeting at ${prison()}${s.agencyId ? ` with agency:${s.agencyId}` : ''}`;
      case 'AWAITING_RELEASE':
        return `release by ${prison()}`;
      case 'FOLLOW_UP':
        return s.agencyId ? `first appointment with agency:${s.agencyId}` : 'follow-up window';
      default:
        return null;
    }
  }

  // ---- Deadlines -----------------------------------------------------------------------------

  interface WantedClock {
    key: string;
    clock: ClockName;
    base: string;
    dueAt: string;
    owedBy: string;
    owedTo: string;
    metAt?: string;
    note?: string;
  }
  function wantedClocks(): WantedClock[] {
    const wanted: WantedClock[] = [];
    const due = (clock: ClockName, base: Date) => deadlineFor(policy, clock, base).toISOString();
    const agency = s.agencyId ? `agency:${s.agencyId}` : 'community agency';
    if (!fromCourt() && inCustody()) {
      wanted.push({
        key: 'coreScreen',
        clock: 'coreScreen',
        base: input.receivedAt,
        dueAt: due('coreScreen', new Date(input.receivedAt)),
        owedBy: prison(),
        owedTo: 'person',
        metAt: s.coreScreen?.completedAt,
      });
      wanted.push({
        key: 'comprehensiveScreen',
        clock: 'comprehensiveScreen',
        base: input.receivedAt,
        dueAt: due('comprehensiveScreen', new Date(input.receivedAt)),
        owedBy: prison(),
        owedTo: 'person',
        metAt: completed('COMPREHENSIVE_SCREEN')[0]?.completedAt,
      });
    }
    if (s.referralSentAt && s.agencyId) {
      wanted.push({
        key: 'referralAcknowledgement',
        clock: 'referralAcknowledgement',
        base: s.referralSentAt,
        dueAt: due('referralAcknowledgement', new Date(s.referralSentAt)),
        owedBy: agency,
        owedTo: prison(),
        metAt: s.acknowledgement?.acknowledgedAt,
      });
    }
    for (const r of s.requests.filter((q) => q.kind === 'STANDARD_REVIEW' && inCustody())) {
      wanted.push({
        key: `standardReview:${r.seq}`,
        clock: r.seq === 1 ? 'firstStandardReview' : 'standardReview',
        base: input.receivedAt,
        dueAt: r.dueAt,
        owedBy: prison(),
        owedTo: 'person',
        metAt: s.assessments.find((a) => a.assessmentId === r.assessmentId)?.completedAt,
      });
    }
    if (
      !fromCourt() &&
      inCustody() &&
      (planningOpen() || s.requests.some((q) => q.kind === 'SUMMARY_REVIEW'))
    ) {
      wanted.push({
        key: 'summaryReview',
        clock: 'summaryReview',
        base: liberationStart().toISOString(),
        dueAt: iso(summaryDue()),
        owedBy: prison(),
        owedTo: agency,
        metAt: completed('SUMMARY_REVIEW')[0]?.completedAt,
        note: shortNotice('summaryReview'),
      });
      const meeting = meetingDate();
      wanted.push({
        key: 'preReleaseMeeting',
        clock: 'preReleaseMeeting',
        base: liberationStart().toISOString(),
        dueAt: iso(meetingDue()),
        owedBy: `${prison()} and ${agency}`,
        owedTo: 'person',
        metAt: s.meetingsHeld.find((m) => m.kind === 'PRE_RELEASE_MEETING')?.heldAt,
        note:
          meeting === undefined && !meetingHeld()
            ? `no working day left before liberation on ${liberationDate()}: meeting impossible`
            : shortNotice('preReleaseMeeting'),
      });
    }
    if (released() && s.release && s.agencyId) {
      wanted.push({
        key: `firstAppointment:${s.release.eventId}`,
        clock: 'firstAppointment',
        base: s.release.releasedAt,
        dueAt: due('firstAppointment', new Date(s.release.releasedAt)),
        owedBy: agency,
        owedTo: 'person',
        metAt: s.attendances.find(
          (a) => (a.attendance === 'YES' || a.attendance === 'LATE') && a.attendedAt >= s.release!.releasedAt,
        )?.attendedAt,
      });
      for (const missed of s.attendances.filter((a) => a.attendance === 'NO')) {
        wanted.push({
          key: `missedAppointmentFollowUp:${missed.eventId}`,
          clock: 'missedAppointmentFollowUp',
          base: missed.attendedAt,
          dueAt: due('missedAppointmentFollowUp', new Date(missed.attendedAt)),
          owedBy: agency,
          owedTo: 'person',
          metAt: s.attendances.find(
            (a) => (a.attendance === 'YES' || a.attendance === 'LATE') && a.attendedAt > missed.attendedAt,
          )?.attendedAt,
        });
      }
    }
    return wanted;
  }

  /** Brings the deadline list in line with the clocks the facts call for (no side effects). */
  function syncDeadlines(): void {
    const closing = closingReason() !== undefined;
    const wanted = closing ? [] : wantedClocks();
    for (const w of wanted) {
      let d = s.deadlines.find((x) => x.key === w.key);
      // A breach being recorded (v3: the clocks' coroutine) is left alone until it is on record.
      if (v3 && d?.status === 'OPEN' && d.breachKey) continue;
      if (!d) {
        d = {
          key: w.key,
          clock: w.clock,
          owedBy: w.owedBy,
          owedTo: w.owedTo,
          startedAt: w.base,
          dueAt: w.dueAt,
          status: 'OPEN',
        };
        s.deadlines.push(d);
      }
      if (d.status === 'OPEN' || d.status === 'CANCELLED') {
        // A moved base date moves the deadline; a cancelled one that is wanted again reopens.
        d.dueAt = w.dueAt;
        d.startedAt = w.base;
        d.owedBy = w.owedBy;
        d.owedTo = w.owedTo;
        d.status = 'OPEN';
        d.note = w.note;
      }
      if (d.status === 'OPEN' && w.metAt !== undefined) {
        d.status = 'MET';
        d.metAt = w.metAt;
      } else if (d.status === 'BREACHED' && w.metAt !== undefined) {
        d.metAt = w.metAt; // the loop records the breach as met late
      }
    }
    for (const d of s.deadlines) {
      if (d.status !== 'OPEN' || wanted.some((w) => w.key === d.key)) continue;
      if (v3 && d.breachKey) continue; // being recorded
      d.status = 'CANCELLED';
      d.note = closing
        ? `case closed (${closingReason()})`
        : CUSTODY_CLOCKS.includes(d.clock as ClockName) && released()
          ? 'released before it was done'
          : 'no longer applies';
    }
  }

  // ---- Bookings --------------------------------------------------------------------------------

  interface WantedBooking {
    slot: string;
    kind: Booking['kind'];
    establishmentCode?: string;
    date?: string;
    agencyId?: string;
    releaseEventId?: string;
    dueBy?: string;
  }
  /** The bookings the facts call for now; `fits` says whether an existing booking still serves. */
  function wantedBookings(): { wanted: WantedBooking[]; fits: (b: Booking) => string | null } {
    const wanted: WantedBooking[] = [];
    const closing = closingReason();
    const est = establishment();
    const lib = liberationDate();
    const meeting = meetingDate();
    const inPlanning = !fromCourt() && inCustody() && planningOpen() && !closing;
    // Visits by the community worker before the pre-release meeting (seed 000 §4.55).
    const visitsHeld = s.meetingsHeld.filter((m) => m.kind === 'CJSW_VISIT').length;
    const visitsLive = s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED');
    if (!closing && inCustody() && s.acknowledgement && s.agencyId && !meetingHeld() && !fromCourt()) {
      const before = meeting ?? lib;
      const from = [localDateOf(new Date(s.acknowledgement.acknowledgedAt)), today()].sort().pop()!;
      const stillNeeded = Math.max(0, visitsWanted - visitsHeld);
      const keep = visitsLive.filter((b) => b.establishmentCode === est && (b.date ?? '') < before);
      const dates = custodyVisitDates(input.jurisdiction, from, before, stillNeeded).filter(
        (d) => !keep.some((b) => b.date === d),
      );
      keep.slice(0, stillNeeded).forEach((b) => wanted.push({ slot: b.slot, kind: 'CJSW_VISIT' }));
      for (const date of dates.slice(0, Math.max(0, stillNeeded - keep.length))) {
        wanted.push({
          slot: `visit:${date}`,
          kind: 'CJSW_VISIT',
          establishmentCode: est,
          date,
          agencyId: s.agencyId,
        });
      }
    }
    if (
      inPlanning &&
      !meetingHeld() &&
      meeting !== undefined &&
      (completed('SUMMARY_REVIEW').length > 0 || now() >= summaryDue())
    ) {
      wanted.push({
        slot: 'pre-release-meeting',
        kind: 'PRE_RELEASE_MEETING',
        establishmentCode: est,
        date: meeting,
        agencyId: s.agencyId,
      });
    }
    if (inPlanning && lib >= today()) {
      wanted.push({ slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: est, date: lib });
    }
    if (!closing && released() && s.release && s.agencyId) {
      const rel = s.release;
      wanted.push({
        slot: `first-appointment:${rel.eventId}`,
        kind: 'FIRST_APPOINTMENT',
        agencyId: s.agencyId,
        releaseEventId: rel.eventId,
        dueBy: deadlineFor(policy, 'firstAppointment', new Date(rel.releasedAt)).toISOString(),
      });
      const last = s.attendances[s.attendances.length - 1];
      if (last && last.attendance === 'NO') {
        wanted.push({
          slot: `follow-up-appointment:${last.eventId}`,
          kind: 'FOLLOW_UP_APPOINTMENT',
          agencyId: s.agencyId,
          releaseEventId: rel.eventId,
          dueBy: deadlineFor(policy, 'missedAppointmentFollowUp', new Date(last.attendedAt)).toISOString(),
        });
      }
    }
    const fits = (b: Booking): string | null => {
      if (closing) return `case closed (${closing})`;
      switch (b.kind) {
        case 'CJSW_VISIT':
        case 'PRE_RELEASE_MEETING':
          if (released()) return `released on ${localDateOf(new Date(s.release!.releasedAt))}`;
          if (b.establishmentCode !== est) return `person moved from ${b.establishmentCode} to ${est}`;
          if (b.kind === 'PRE_RELEASE_MEETING') {
            if (meeting === undefined) return `no working day left before liberation on ${lib}`;
            if ((b.date ?? '') > localDateOf(new Date(meetingDue())) && b.date !== meeting)
              return `liberation date now ${lib}: meeting due by ${localDateOf(new Date(meetingDue()))}`;
          } else if (!wanted.some((w) => w.slot === b.slot)) {
            return `visit on ${b.date} no longer fits before the pre-release meeting (liberation ${lib})`;
          }
          return null;
        case 'GATE_PICKUP':
          if (released()) {
            const day = localDateOf(new Date(s.release!.releasedAt));
            return b.date === day ? null : `liberated on ${day}, not ${b.date}`;
          }
          if (b.establishmentCode !== est) return `person moved from ${b.establishmentCode} to ${est}`;
          return b.date === lib ? null : `liberation date now ${lib}`;
        case 'FIRST_APPOINTMENT':
        case 'FOLLOW_UP_APPOINTMENT':
          if (!released() || s.release?.eventId !== b.releaseEventId)
            return 'release reversed: person in custody';
          return null;
      }
    };
    return { wanted, fits };
  }

  // ---- Attention: what failed for good, waiting on an operator -----------------------------------

  const openAttention = (action: string) =>
    s.attention.find((a) => a.action === action && a.status === 'OPEN');
  const skipped = (action: string) =>
    s.attention.some((a) => a.action === action && a.resolution?.option === 'SKIP');
  /** A step held by an attention item: open (waiting on an operator) or skipped for good. */
  const blocked = (action: string) => v3 && (openAttention(action) !== undefined || skipped(action));
  const needsAttention = () => s.attention.some((a) => a.status === 'OPEN');

  async function recordAttention(item: AttentionItemView, key: string): Promise<void> {
    try {
      await throughcare.recordAttention({
        idempotencyKey: `${wfId}:attention:${item.id}:${key}`,
        personId: input.personId,
        episode: input.episode,
        item: { ...item, options: [...item.options] },
        correlationId: input.correlationId,
      });
    } catch (err) {
      // Still on the journey (plan, search attribute, details): never lost, only not in the list.
      log.error('attention item could not be recorded in the operator list', {
        itemId: item.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Raises one attention item for `action` (none if one is already open for it). */
  async function raise(
    action: string,
    mustAct: string,
    failure: { type?: string; message: string },
    options: AttentionOption[] = ['RETRY', 'SKIP'],
  ): Promise<void> {
    if (openAttention(action)) return;
    const item: AttentionItemView = {
      id: `att-${s.attention.length + 1}`,
      action,
      what: failure.message || failure.type || 'failed without a message',
      errorType: failure.type,
      mustAct,
      since: iso(now()),
      options,
      status: 'OPEN',
    };
    s.attention.push(item);
    log.warn('needs attention', { itemId: item.id, action, errorType: failure.type, mustAct });
    await recordAttention(item, 'raised');
  }

  /**
   * Runs one step; since v3 a permanent failure of it becomes an attention item on `action`
   * (the step is then held until an operator resolves it) instead of failing the journey.
   */
  async function act(
    action: string,
    mustAct: string,
    fn: () => Promise<void>,
    options: AttentionOption[] = ['RETRY', 'SKIP'],
  ): Promise<void> {
    if (!v3) return fn();
    try {
      await fn();
    } catch (err) {
      const failure = permanentFailure(err);
      if (!failure) throw err;
      await raise(action, mustAct, failure, options);
    }
  }

  // ---- Handlers: validate, record the fact once, wake the loop ----------------------------------

  const seen = (eventId: string) => s.seenEventIds.includes(eventId);
  const firstTime = (eventId: string): boolean => {
    if (seen(eventId)) return false;
    s.seenEventIds.push(eventId);
    // Since v3 every event id is kept for the journey's life (a few hundred facts at most).
    if (!v3 && s.seenEventIds.length > 500) s.seenEventIds.shift();
    return true;
  };
  const reject = (message: string): never => {
    throw ApplicationFailure.create({ type: ErrorTypes.validation, message, nonRetryable: true });
  };
  /**
   * Refuses, for now, a fact about something the journey has not recorded yet (a booking whose
   * creating activity result is still in flight): the sender should try again shortly.
   */
  const notYet = (message: string): never => {
    throw ApplicationFailure.create({ type: ErrorTypes.notYetKnown, message, nonRetryable: true });
  };
  /** Refuses a fact carrying a date no policy or calendar of this build can plan (the journey would be stuck). */
  const plannable = (dates: Parameters<typeof planningRangeIssues>[1]): void => {
    const issues = planningRangeIssues(input.jurisdiction, dates);
    if (issues.length > 0) reject(issues.map((i) => i.message).join('; '));
  };
  const notBefore = (what: string, at: string, base: string, baseName: string): void => {
    if (Date.parse(at) < Date.parse(base)) reject(`${what} (${at}) is before ${baseName} (${base})`);
  };
  const open = () => {
    if (s.closedAt || closingReason()) reject(`case is closed (${closingReason() ?? 'closed'})`);
  };
  /** Registers an update: duplicates (same event id) are accepted and ignored; others validated, then applied. */
  function onFact<T extends { eventId: string }>(
    def: UpdateDefinition<void, [T]>,
    validate: (fact: T) => void,
    apply: (fact: T) => void,
  ): void {
    setHandler(
      def,
      (fact: T) => {
        if (!firstTime(fact.eventId)) return;
        apply(fact);
        changed();
      },
      {
        validator: (fact: T) => {
          if (seen(fact.eventId)) return;
          validate(fact);
        },
      },
    );
  }

  setHandler(receptionSignal, (again) => {
    if (again.episode !== input.episode || again.personId !== input.personId) {
      log.warn('reception signal for another episode ignored', { episode: again.episode });
      return;
    }
    // A person held on remand (journey already running) and liberated straight from court.
    const court = again.liberatedFromCourt;
    if (court && !s.release && !s.closedAt && firstTime(court.eventId)) {
      s.release = {
        releasedAt: court.releasedAt,
        establishmentCode: reportedEstablishment(),
        eventId: court.eventId,
        settlesAt: court.releasedAt,
        fromCourt: true,
      };
      changed();
    }
  });
  if (v3) {
    onFact(
      resolveAttentionUpdate,
      (f) => {
        const item = s.attention.find((a) => a.id === f.itemId);
        if (!item)
          throw ApplicationFailure.create({
            type: ErrorTypes.notFound,
            message: `no attention item ${f.itemId} in this journey`,
            nonRetryable: true,
          });
        if (item && item.status !== 'OPEN') reject(`attention item ${f.itemId} is already resolved`);
        if (item && !item.options.includes(f.option))
          reject(`attention item ${f.itemId} offers ${item.options.join(' or ')}, not ${f.option}`);
        if (f.option === 'SKIP' && !f.reason?.trim()) reject('skipping a step needs a reason');
        if (!f.by.trim()) reject('the operator resolving the item must be named (by)');
        if (finishing) reject('the journey is finishing: its open items are closed with it');
      },
      (f) => {
        const item = s.attention.find((a) => a.id === f.itemId)!;
        item.status = 'RESOLVED';
        item.resolution = { option: f.option, by: f.by, reason: f.reason, at: f.resolvedAt };
        s.attentionUnrecorded.push(item.id);
      },
    );
  }
  setHandler(carriedHistorySignal, (carried: CarriedHistory) => {
    s.carried ??= carried;
    changed();
  });
  setHandler(planQuery, plan);

  onFact(
    coreScreenCompletedUpdate,
    (f) => {
      notBefore('core screen completion', f.completedAt, input.receivedAt, 'reception');
      const req = s.requests.find((r) => r.kind === 'CORE_SCREEN');
      if (req && f.assessmentId !== req.assessmentId)
        reject(`assessment ${f.assessmentId} is not this episode's core screen (${req.assessmentId})`);
    },
    (f) => {
      s.coreScreen ??= f;
    },
  );
  onFact(
    assessmentCompletedUpdate,
    (f) => {
      const req = s.requests.find((r) => r.assessmentId === f.assessmentId);
      if (!req) notYet(`assessment ${f.assessmentId} is not one this episode requested (yet)`);
      if (req && req.kind !== f.kind)
        reject(`assessment ${f.assessmentId} is a ${req.kind}, not a ${f.kind}`);
      if (s.assessments.some((a) => a.assessmentId === f.assessmentId))
        reject(`assessment ${f.assessmentId} is already completed`);
      notBefore('assessment completion', f.completedAt, input.receivedAt, 'reception');
    },
    (f) => s.assessments.push(f),
  );
  onFact(
    referralAcknowledgedUpdate,
    (f) => {
      if (!s.referralId) notYet('no referral has been sent in this episode (yet)');
      if (f.referralId !== s.referralId)
        reject(`referral ${f.referralId} is not this episode's referral (${s.referralId})`);
      if (s.referralWithdrawn) reject(`referral ${f.referralId} was withdrawn`);
      notBefore('acknowledgement', f.acknowledgedAt, input.receivedAt, 'reception');
    },
    (f) => {
      s.acknowledgement ??= f;
    },
  );
  onFact(
    referralOutcomeUpdate,
    (f) => {
      if (!s.referralId) notYet('no referral has been sent in this episode (yet)');
      if (f.referralId !== s.referralId)
        reject(`referral ${f.referralId} is not this episode's referral (${s.referralId})`);
      notBefore('referral outcome', f.decidedAt, s.referralSentAt ?? input.receivedAt, 'the referral');
    },
    (f) => s.outcomes.push(f),
  );
  onFact(
    releaseRecordedUpdate,
    (f) => {
      open();
      notBefore('release', f.releasedAt, input.receivedAt, 'reception');
      plannable([{ field: 'releasedAt', value: f.releasedAt, role: 'event' }]);
      if (s.release) reject(`release already recorded at ${s.release.releasedAt}`);
    },
    (f) => {
      s.release = { ...f, settlesAt: iso(Math.max(now(), Date.parse(f.releasedAt)) + settleMs) };
    },
  );
  onFact(
    releaseDateChangedUpdate,
    (f) => {
      open();
      if (s.release) reject(`already released at ${s.release.releasedAt}`);
      if (f.expectedReleaseDate < input.receivedAt.slice(0, 10))
        reject(`expected release date ${f.expectedReleaseDate} is before reception (${input.receivedAt})`);
      plannable([{ field: 'expectedReleaseDate', value: f.expectedReleaseDate, role: 'release' }]);
    },
    (f) => {
      s.dateChanges.push(f);
      s.expectedReleaseDate = f.expectedReleaseDate;
    },
  );
  onFact(
    transferredUpdate,
    (f) => {
      open();
      if (s.release) reject(`already released at ${s.release.releasedAt}`);
      if (f.toEstablishmentCode === reportedEstablishment())
        reject(`already at ${f.toEstablishmentCode}: a transfer must change the establishment`);
      notBefore('transfer', f.transferredAt, input.receivedAt, 'reception');
      plannable([{ field: 'transferredAt', value: f.transferredAt, role: 'event' }]);
    },
    (f) => {
      s.transfers.push({ ...f, from: reportedEstablishment(), settlesAt: iso(now() + settleMs) });
    },
  );
  onFact(
    movementReversedUpdate,
    (f) => {
      open();
      if (f.movement === 'RELEASE') {
        if (s.release?.eventId !== f.reversedEventId)
          reject(`no release ${f.reversedEventId} in this episode`);
        if (s.release?.fromCourt) reject('a liberation from court cannot be reversed here');
      } else {
        const last = s.transfers[s.transfers.length - 1];
        if (!s.transfers.some((t) => t.eventId === f.reversedEventId))
          reject(`no transfer ${f.reversedEventId} in this episode`);
        if (last?.eventId !== f.reversedEventId)
          reject(`transfer ${f.reversedEventId} was followed by another movement: reverse that first`);
      }
    },
    (f) => {
      if (f.movement === 'RELEASE') {
        s.reversals.push({
          eventId: f.reversedEventId,
          movement: 'RELEASE',
          at: f.reversedAt,
          reversedAfterSettling: released(),
        });
        s.release = undefined;
      } else {
        const t = s.transfers.pop()!;
        s.reversals.push({
          eventId: t.eventId,
          movement: 'TRANSFER',
          at: f.reversedAt,
          reversedAfterSettling: settled(t.settlesAt),
        });
      }
    },
  );
  onFact(
    meetingHeldUpdate,
    (f) => {
      const b = s.bookings.find((x) => x.bookingId === f.bookingId);
      if (!b) notYet(`booking ${f.bookingId} is not known to this episode (yet)`);
      if (b && b.kind !== 'CJSW_VISIT' && b.kind !== 'PRE_RELEASE_MEETING')
        reject(`booking ${f.bookingId} is not a visit or meeting of this episode`);
      if (b && b.kind !== f.kind) reject(`booking ${f.bookingId} is a ${b.kind}, not a ${f.kind}`);
      if (b && b.status === 'CANCELLED')
        reject(`booking ${f.bookingId} was cancelled (${b.cancelledBecause})`);
      notBefore('meeting', f.heldAt, input.receivedAt, 'reception');
    },
    (f) => {
      // v3: a meeting known to be held from a compensation's answer takes the fact's own time.
      const known = v3 ? s.meetingsHeld.find((m) => m.bookingId === f.bookingId) : undefined;
      if (known) Object.assign(known, f);
      else s.meetingsHeld.push(f);
      const b = s.bookings.find((x) => x.bookingId === f.bookingId);
      if (b) b.status = 'HELD';
    },
  );
  onFact(
    attendanceRecordedUpdate,
    (f) => {
      const b = s.bookings.find((x) => x.bookingId === f.appointmentId);
      if (!b) notYet(`appointment ${f.appointmentId} is not known to this episode (yet)`);
      if (b && b.kind !== 'FIRST_APPOINTMENT' && b.kind !== 'FOLLOW_UP_APPOINTMENT')
        reject(`appointment ${f.appointmentId} is not an appointment of this episode`);
      if (b?.status === 'CANCELLED')
        reject(`appointment ${f.appointmentId} was cancelled (${b.cancelledBecause})`);
      if (f.attendance === 'NO' && !f.reason) reject('a missed appointment needs a reason');
      if (s.release) notBefore('attendance', f.attendedAt, s.release.releasedAt, 'release');
    },
    (f) => {
      s.attendances.push(f);
      const b = s.bookings.find((x) => x.bookingId === f.appointmentId);
      if (b) b.status = 'HELD';
    },
  );
  onFact(
    consentWithdrawnUpdate,
    (f) => {
      open();
      notBefore('consent withdrawal', f.withdrawnAt, input.receivedAt, 'reception');
    },
    (f) => {
      s.consentWithdrawn ??= f;
    },
  );
  onFact(
    caseCloseRequestedUpdate,
    () => open(),
    (f) => {
      s.closeRequested ??= f;
    },
  );
  onFact(
    returnedToCustodyUpdate,
    (f) => {
      open();
      if (!s.release) reject('not released: a return to custody needs a release first');
      if (f.newEpisode !== input.episode + 1)
        reject(`the next episode is ${input.episode + 1}, not ${f.newEpisode}`);
      if (s.release) notBefore('return to custody', f.receivedAt, s.release.releasedAt, 'release');
      plannable([
        { field: 'receivedAt', value: f.receivedAt, role: 'reception' },
        { field: 'expectedReleaseDate', value: f.expectedReleaseDate, role: 'release' },
      ]);
    },
    (f) => {
      s.returned ??= f;
    },
  );

  // ---- Plan, details and search attributes ---------------------------------------------------

  function plan(): PlanView {
    if (!v3) return fullPlan();
    try {
      return fullPlan();
    } catch (err) {
      // The plan cannot be derived from the facts (see the attention item): answer what is known.
      return {
        personId: input.personId,
        episode: input.episode,
        stage: s.stage,
        stagesDone: [...s.stagesDone],
        policy: { id: policy.id, version: policy.version },
        deadlines: s.deadlines.map(({ key: _k, breachKey: _b, ...d }) => ({ ...d })),
        waitingOn: `operator: the plan cannot be derived (${err instanceof Error ? err.message : String(err)})`,
        expectedReleaseDate: s.expectedReleaseDate,
        attention: s.attention.map((a) => ({ ...a })),
        run: s.run,
        working,
      };
    }
  }
  function fullPlan(): PlanView {
    return {
      personId: input.personId,
      episode: input.episode,
      stage: s.stage,
      stagesDone: [...s.stagesDone],
      policy: { id: policy.id, version: policy.version },
      deadlines: s.deadlines.map(({ key: _k, breachKey: _b, ...d }) => ({ ...d })),
      waitingOn: waitingOn(),
      assessmentId: s.requests.find((r) => r.kind === 'CORE_SCREEN')?.assessmentId,
      needs: needs(),
      referralId: s.referralId,
      agencyId: s.agencyId,
      releasedAt: s.release?.releasedAt,
      appointmentId: s.bookings.find((b) => b.kind === 'FIRST_APPOINTMENT' && b.status !== 'CANCELLED')
        ?.bookingId,
      closedAt: s.closedAt,
      expectedReleaseDate: s.expectedReleaseDate,
      liberationDate: liberationDate(),
      gatePickup: (() => {
        const g = s.bookings.find((b) => b.kind === 'GATE_PICKUP' && b.status !== 'CANCELLED');
        return g ? { bookingId: g.bookingId, liberationDate: g.date! } : undefined;
      })(),
      establishmentCode: establishment(),
      bookings: s.bookings.map(({ slot: _s, agencyId: _a, releaseEventId: _r, ...b }) => ({ ...b })),
      notifications: s.notifications.map((n) => ({ ...n })),
      referralOutcomes: s.outcomes.map(({ decision, decidedAt, reason }) => ({
        decision,
        decidedAt,
        reason,
      })),
      pendingMovements: [
        ...(s.release && !released()
          ? [
              {
                movement: 'RELEASE' as const,
                eventId: s.release.eventId,
                at: s.release.releasedAt,
                settlesAt: s.release.settlesAt,
              },
            ]
          : []),
        ...s.transfers
          .filter((t) => !settled(t.settlesAt))
          .map((t) => ({
            movement: 'TRANSFER' as const,
            eventId: t.eventId,
            at: t.transferredAt,
            settlesAt: t.settlesAt,
          })),
      ],
      closureReason: s.closureReason,
      nextEpisode: s.returned?.newEpisode,
      carried: s.carried,
      run: s.run,
      movementSettleMinutes: settleMs / 60_000,
      ...(v3 ? { attention: s.attention.map((a) => ({ ...a, options: [...a.options] })) } : {}),
      working: working || clocksBusy,
    };
  }

  let lastAttributes = '';
  function refreshDetails(): void {
    const openDeadlines = s.deadlines.filter((d) => d.status === 'OPEN' || d.status === 'BREACHED');
    const who = waitingOn();
    setCurrentDetails(
      [
        `**Stage:** ${s.stage} (run ${s.run})`,
        `**Policy:** ${policy.id} v${policy.version}`,
        `**Establishment:** ${establishment()} · **liberation date:** ${liberationDate()}`,
        who ? `**Waiting on:** ${who}` : '**Waiting on:** nobody',
        ...(v3 ? attentionLines() : []),
        ...openDeadlines.map(
          (d) => `- ${d.clock}: due ${d.dueAt} (${d.status}), owed by ${d.owedBy} to ${d.owedTo}`,
        ),
        ...s.bookings
          .filter((b) => b.status === 'BOOKED')
          .map(
            (b) =>
              `- booked ${b.kind}${b.date ? ` on ${b.date}` : ''}${b.establishmentCode ? ` at ${b.establishmentCode}` : ''}`,
          ),
      ].join('\n'),
    );
    const next = s.deadlines
      .filter((d) => d.status === 'OPEN')
      .map((d) => Date.parse(d.dueAt))
      .sort((a, b) => a - b)[0];
    const attributes = JSON.stringify(
      v3
        ? [s.stage, establishment(), next ?? null, needsAttention()]
        : [s.stage, establishment(), next ?? null],
    );
    if (attributes === lastAttributes) return;
    lastAttributes = attributes;
    upsertSearchAttributes([
      { key: SearchAttributes.stage, value: s.stage },
      { key: SearchAttributes.establishment, value: establishment() },
      { key: SearchAttributes.nextDeadline, value: next === undefined ? null : new Date(next) },
      ...(v3 ? [{ key: SearchAttributes.needsAttention, value: needsAttention() }] : []),
    ]);
  }
  /** Details and the NeedsAttention attribute when the plan itself cannot be derived (v3). */
  let lastAttention: boolean | undefined;
  function refreshAttention(): void {
    setCurrentDetails(
      [`**Stage:** ${s.stage} (run ${s.run}) · **needs attention**`, ...attentionLines()].join('\n'),
    );
    if (lastAttention === needsAttention()) return;
    lastAttention = needsAttention();
    lastAttributes = '';
    upsertSearchAttributes([{ key: SearchAttributes.needsAttention, value: needsAttention() }]);
  }
  function attentionLines(): string[] {
    return s.attention
      .filter((a) => a.status === 'OPEN')
      .map(
        (a) =>
          `- ⚠ ${a.id} ${a.action}: ${a.what} (since ${a.since}; ${a.mustAct} must act: ${a.options.join('/')})`,
      );
  }

  // ---- Effects -------------------------------------------------------------------------------

  async function enter(stage: Stage, record = true): Promise<void> {
    s.stageEntries += 1;
    if (record)
      try {
        await liberation.recordEpisodeStage({
          idempotencyKey: `${wfId}:stage:${s.stageEntries}:${stage}`,
          personId: input.personId,
          episode: input.episode,
          stage,
          at: iso(now()),
        });
      } catch (err) {
        // A reception published upstream straight onto the bus has no liberation record to update.
        if (failureType(err) !== EPISODE_NOT_FOUND) throw err;
        log.warn('episode unknown to the liberation service; stage kept in the journey only', { stage });
      }
    if (s.stage !== stage && s.stage !== 'RECEPTION' && !s.stagesDone.includes(s.stage))
      s.stagesDone.push(s.stage);
    if (s.stage === 'RECEPTION') s.stagesDone.push('RECEPTION');
    s.stage = stage;
    log.info('stage entered', { stage, run: s.run });
  }

  async function breach(d: Deadline): Promise<void> {
    d.breachKey = `${wfId}:breach:${d.key}`;
    await throughcare.recordSlaBreach({
      idempotencyKey: d.breachKey,
      personId: input.personId,
      episode: input.episode,
      clock: d.clock,
      owedBy: d.owedBy,
      owedTo: d.owedTo,
      dueAt: d.dueAt,
      breachedAt: iso(now()),
      note: d.note,
      correlationId: input.correlationId,
    });
    d.status = 'BREACHED';
  }

  async function request(kind: 'CORE_SCREEN' | AssessmentKind, dueAt: string): Promise<void> {
    const seq = s.requests.filter((r) => r.kind === kind).length + 1;
    const base = {
      idempotencyKey: `${wfId}:assessment:${kind}:${seq}`,
      personId: input.personId,
      episode: input.episode,
      establishmentCode: establishment(),
      dueBy: dueAt,
      correlationId: input.correlationId,
    };
    const { assessmentId } =
      kind === 'CORE_SCREEN'
        ? await assessment.requestCoreScreen({ ...base, idempotencyKey: `${wfId}:core-screen` })
        : await assessment.requestAssessment({ ...base, kind });
    s.requests.push({ kind, seq, assessmentId, dueAt });
  }

  /** Compensation: cancels a booking with its own key, outside cancellation; a failure for good is kept and reported. */
  async function cancel(b: Booking, because: string): Promise<void> {
    log.info('compensating: cancel booking', { kind: b.kind, bookingId: b.bookingId, because });
    const key = `${wfId}:cancel:${b.bookingId}`;
    try {
      const result = await CancellationScope.nonCancellable(async () => {
        switch (b.kind) {
          case 'GATE_PICKUP':
            return liberation.cancelGatePickup({
              idempotencyKey: key,
              bookingId: b.bookingId,
              reason: because,
              correlationId: input.correlationId,
            });
          case 'CJSW_VISIT':
          case 'PRE_RELEASE_MEETING':
            return liberation.cancelMeeting({
              idempotencyKey: key,
              bookingId: b.bookingId,
              reason: because,
              correlationId: input.correlationId,
            });
          case 'FIRST_APPOINTMENT':
          case 'FOLLOW_UP_APPOINTMENT':
            return referral.cancelAppointment({
              idempotencyKey: key,
              appointmentId: b.bookingId,
              reason: because,
              correlationId: input.correlationId,
            });
        }
      });
      if (v3) b.cancelFailed = undefined;
      if (
        v3 &&
        result &&
        result.outcome === 'ALREADY_HELD' &&
        (b.kind === 'CJSW_VISIT' || b.kind === 'PRE_RELEASE_MEETING')
      ) {
        // What took place cannot be called off: the meeting was held (its fact may still be on the
        // way). Kept as held, so the fact is accepted when it comes and nothing is rebooked.
        log.info('compensation not needed: already held', { kind: b.kind, bookingId: b.bookingId, because });
        b.status = 'HELD';
        if (!s.meetingsHeld.some((m) => m.bookingId === b.bookingId))
          s.meetingsHeld.push({
            bookingId: b.bookingId,
            kind: b.kind,
            heldAt: iso(now()),
            eventId: `cancel-outcome:${b.bookingId}`,
          });
        return;
      }
    } catch (err) {
      // Transient failures are retried by the activity's policy for as long as it takes; only a
      // permanent one lands here: keep it on the booking and in the log, never drop it silently.
      b.cancelFailed = `${failureType(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
      log.error('compensation failed for good', {
        bookingId: b.bookingId,
        kind: b.kind,
        error: b.cancelFailed,
      });
      if (v3) {
        b.status = 'CANCELLED';
        b.cancelledBecause = because;
        await raise(`cancel:${b.bookingId}`, bookingService(b.kind), {
          type: failureType(err),
          message: `could not cancel ${b.kind} ${b.bookingId} (${because}): ${b.cancelFailed}`,
        });
      }
    }
    b.status = 'CANCELLED';
    b.cancelledBecause = because;
  }

  async function book(w: WantedBooking): Promise<void> {
    s.bookingSeq += 1;
    const key = `${wfId}:book:${s.bookingSeq}:${w.slot}`;
    let bookingId: string;
    switch (w.kind) {
      case 'GATE_PICKUP':
        ({ bookingId } = await liberation.bookGatePickup({
          idempotencyKey: key,
          personId: input.personId,
          episode: input.episode,
          establishmentCode: w.establishmentCode!,
          liberationDate: w.date!,
          correlationId: input.correlationId,
        }));
        break;
      case 'CJSW_VISIT':
      case 'PRE_RELEASE_MEETING':
        ({ bookingId } = await liberation.bookMeeting({
          idempotencyKey: key,
          personId: input.personId,
          episode: input.episode,
          establishmentCode: w.establishmentCode!,
          kind: w.kind as MeetingKind,
          date: w.date!,
          agencyId: w.agencyId,
          correlationId: input.correlationId,
        }));
        break;
      case 'FIRST_APPOINTMENT':
      case 'FOLLOW_UP_APPOINTMENT':
        ({ appointmentId: bookingId } = await referral.bookFirstAppointment({
          idempotencyKey: key,
          personId: input.personId,
          episode: input.episode,
          agencyId: w.agencyId!,
          dueBy: w.dueBy!,
          purpose: w.kind === 'FIRST_APPOINTMENT' ? 'FIRST_APPOINTMENT' : 'MISSED_APPOINTMENT_FOLLOW_UP',
          correlationId: input.correlationId,
        }));
        // The agency now knows of the release (after a liberation from court, this is all it knows).
        s.told ??= {
          agencyId: w.agencyId!,
          establishmentCode: establishment(),
          liberationDate: liberationDate(),
          custody: 'OUT',
          meetingImpossibleFor: [],
        };
        s.told.custody = 'OUT';
        break;
    }
    // The compensation for this step is the booking itself, registered here: `cancel` undoes it.
    s.bookings.push({
      bookingId,
      slot: w.slot,
      kind: w.kind,
      establishmentCode: w.establishmentCode,
      date: w.date,
      status: 'BOOKED',
      agencyId: w.agencyId,
      releaseEventId: w.releaseEventId,
    });
  }

  interface Notice {
    subject: NotificationSubject;
    message: string;
    apply: () => void;
    fields?: Partial<{
      liberationDate: string;
      previousLiberationDate: string;
      establishmentCode: string;
      previousEstablishmentCode: string;
    }>;
  }
  /** The next thing the agency believes that is no longer true (or must hear), if any. */
  function nextNotice(): Notice | undefined {
    const t = s.told;
    if (!t) return undefined;
    const closing = closingReason();
    if (closing) {
      if (t.closed || closing === 'FOLLOW_UP_COMPLETE') return undefined;
      const subject: NotificationSubject =
        closing === 'CONSENT_WITHDRAWN'
          ? 'CONSENT_WITHDRAWN'
          : closing === 'RECALLED' || closing === 'NEW_SENTENCE'
            ? 'RETURNED_TO_CUSTODY'
            : 'CASE_CLOSED';
      const message =
        subject === 'CONSENT_WITHDRAWN'
          ? 'The person has withdrawn consent to throughcare: the referral is withdrawn and bookings are cancelled.'
          : subject === 'RETURNED_TO_CUSTODY'
            ? `The person is back in custody at ${s.returned?.establishmentCode} (${closing === 'RECALLED' ? 'recall' : 'new sentence'}); a new episode follows.`
            : `The case is closed: ${closing}${s.closeRequested?.note ? ` (${s.closeRequested.note})` : ''}.`;
      return { subject, message, apply: () => (t.closed = true) };
    }
    const est = establishment();
    const lib = liberationDate();
    if (t.custody === 'OUT' && !released()) {
      return {
        subject: 'MOVEMENT_REVERSED',
        message: `The release was recorded in error: the person is still in custody at ${est}, liberation date ${lib}. Any appointment booked for them is cancelled.`,
        fields: { establishmentCode: est, liberationDate: lib },
        apply: () => {
          t.custody = 'IN';
          t.establishmentCode = est;
          t.liberationDate = lib;
        },
      };
    }
    if (t.custody === 'IN' && t.establishmentCode !== est) {
      const undone =
        s.reversals.some((r) => r.movement === 'TRANSFER' && r.reversedAfterSettling) &&
        s.transfers.every((x) => x.toEstablishmentCode !== t.establishmentCode);
      return {
        subject: undone ? 'MOVEMENT_REVERSED' : 'TRANSFERRED',
        message: undone
          ? `The transfer to ${t.establishmentCode} was recorded in error: the person is at ${est}.`
          : `The person has moved from ${t.establishmentCode} to ${est}; visits and meetings are rebooked there.`,
        fields: { establishmentCode: est, previousEstablishmentCode: t.establishmentCode },
        apply: () => (t.establishmentCode = est),
      };
    }
    if (t.custody === 'IN' && t.liberationDate !== lib) {
      return {
        subject: 'LIBERATION_DATE_CHANGED',
        message: `The liberation date is now ${lib} (was ${t.liberationDate}).`,
        fields: { liberationDate: lib, previousLiberationDate: t.liberationDate },
        apply: () => (t.liberationDate = lib),
      };
    }
    if (
      t.custody === 'IN' &&
      !fromCourt() &&
      planningOpen() &&
      !meetingHeld() &&
      meetingDate() === undefined &&
      !t.meetingImpossibleFor.includes(lib)
    ) {
      return {
        subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        message: `No working day is left for a pre-release meeting before liberation on ${lib}; the breach is recorded. Please plan the first appointment now.`,
        fields: { liberationDate: lib },
        apply: () => t.meetingImpossibleFor.push(lib),
      };
    }
    return undefined;
  }

  async function notify(n: Notice): Promise<void> {
    const agencyId = s.told!.agencyId;
    s.notifySeq += 1;
    await referral.notifyAgency({
      idempotencyKey: `${wfId}:notify:${agencyId}:${s.notifySeq}`,
      personId: input.personId,
      episode: input.episode,
      agencyId,
      subject: n.subject,
      message: n.message,
      ...n.fields,
      correlationId: input.correlationId,
    });
    n.apply();
    s.notifications.push({ agencyId, subject: n.subject, message: n.message, at: iso(now()) });
  }

  async function handOverToNextEpisode(): Promise<void> {
    const r = s.returned!;
    const carried: CarriedHistory = {
      fromEpisode: input.episode,
      reason: r.reason,
      recallReasonCode: r.recallReasonCode,
      openNeeds: needs(),
      agencyId: s.agencyId,
      referralId: s.referralId,
      releasedAt: s.release?.releasedAt,
      episodes: [
        ...(s.carried?.episodes ?? []),
        {
          episode: input.episode,
          receivedAt: input.receivedAt,
          releasedAt: s.release?.releasedAt,
          closedAt: s.closedAt,
          closureReason: s.closureReason,
          lastStage: s.stagesDone[s.stagesDone.length - 1] ?? s.stage,
          breaches: s.deadlines.filter((d) => d.breachKey).map((d) => d.clock),
        },
      ],
    };
    const next: ThroughcareInput = {
      personId: input.personId,
      episode: r.newEpisode,
      jurisdiction: input.jurisdiction,
      establishmentCode: r.establishmentCode,
      homeLocalAuthority: input.homeLocalAuthority,
      receivedAt: r.receivedAt,
      sentenceDate: r.sentenceDate,
      sentenceLengthDays: r.sentenceLengthDays,
      expectedReleaseDate: r.expectedReleaseDate,
      correlationId: input.correlationId,
      carried,
    };
    // Signal-with-start through an activity rather than a child workflow: the next episode does not
    // belong to this one (it outlives it, and the bridge may already have started it from the
    // upstream reception), and the carried history arrives either way.
    await throughcare.openNextEpisode({
      workflowId: throughcareWorkflowId(input.personId, r.newEpisode),
      input: next,
      carried,
    });
    s.nextEpisodeHandedOver = true;
  }

  /** The one next thing to do, done; false when there is nothing to do until a fact or instant changes. */
  async function step(): Promise<boolean> {
    const closing = closingReason();
    syncDeadlines();

    // While closing, the stage stays where it was until the closure is recorded.
    const stage = s.closureRecorded ? 'CLOSED' : closing ? s.stage : deriveStage();
    if (stage !== s.stage) {
      const action = `stage:${stage}`;
      if (!blocked(action)) {
        await act(action, 'liberation service (custody episode record)', () => enter(stage));
        return true;
      }
      if (skipped(action)) {
        await enter(stage, false);
        return true;
      }
    }
    // Since v3 the clocks have a coroutine of their own (watchClocks): an effect that is slow or
    // failing delays only itself, never the detection of a breach.
    const clock = v3 ? undefined : dueClock();
    if (clock) {
      await clockStep(clock);
      return true;
    }
    if (v3 && meetingImpossible()) {
      const action = `meeting-impossible:${liberationDate()}`;
      if (!s.attention.some((a) => a.action === action)) {
        await raise(
          action,
          `${prison()} and ${s.agencyId ? `agency:${s.agencyId}` : 'the community agency'}`,
          {
            type: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
            message: `no working day is left for the pre-release meeting before liberation on ${liberationDate()}: plan the first appointment now`,
          },
          ['SKIP'],
        );
        return true;
      }
    }
    if (!closing) {
      if (
        !fromCourt() &&
        !s.requests.some((r) => r.kind === 'CORE_SCREEN') &&
        !blocked('request:CORE_SCREEN')
      ) {
        await act('request:CORE_SCREEN', 'assessment service', () =>
          request('CORE_SCREEN', deadlineFor(policy, 'coreScreen', new Date(input.receivedAt)).toISOString()),
        );
        return true;
      }
      if (
        inCustody() &&
        s.coreScreen &&
        !s.requests.some((r) => r.kind === 'COMPREHENSIVE_SCREEN') &&
        !blocked('request:COMPREHENSIVE_SCREEN')
      ) {
        await act('request:COMPREHENSIVE_SCREEN', 'assessment service', () =>
          request(
            'COMPREHENSIVE_SCREEN',
            deadlineFor(policy, 'comprehensiveScreen', new Date(input.receivedAt)).toISOString(),
          ),
        );
        return true;
      }
      const review = nextReview();
      const reviewAction = `request:STANDARD_REVIEW:${s.requests.filter((r) => r.kind === 'STANDARD_REVIEW').length + 1}`;
      if (review && now() >= review.opensAt && !blocked(reviewAction)) {
        await act(reviewAction, 'assessment service', () => request('STANDARD_REVIEW', review.dueAt));
        return true;
      }
      if (
        inCustody() &&
        s.coreScreen &&
        planningOpen() &&
        !s.requests.some((r) => r.kind === 'SUMMARY_REVIEW') &&
        !blocked('request:SUMMARY_REVIEW')
      ) {
        await act('request:SUMMARY_REVIEW', 'assessment service', () =>
          request('SUMMARY_REVIEW', iso(summaryDue())),
        );
        return true;
      }
      if (
        agencyWanted() &&
        !s.agencyId &&
        (!s.agencyRetryAt || now() >= Date.parse(s.agencyRetryAt)) &&
        !blocked('directory:find-agency')
      ) {
        await act('directory:find-agency', 'directory service', () => findAgency());
        return true;
      }
      if (s.agencyId && !s.referralId && needs().length > 0 && referralDue() && !blocked('referral:send')) {
        await act('referral:send', 'referral service', () => sendReferral());
        return true;
      }
    } else if (
      s.referralId &&
      !s.referralWithdrawn &&
      closing !== 'FOLLOW_UP_COMPLETE' &&
      !blocked('referral:withdraw')
    ) {
      await act('referral:withdraw', 'referral service', async () => {
        await referral.withdrawReferral({
          idempotencyKey: `${wfId}:referral:withdraw`,
          referralId: s.referralId!,
          reason: `case closed: ${closing}`,
          correlationId: input.correlationId,
        });
        s.referralWithdrawn = true;
      });
      return true;
    }

    // Compensate what no longer fits (newest first), then book what is missing.
    const { wanted, fits } = wantedBookings();
    const live = s.bookings.filter((b) => b.status === 'BOOKED');
    for (const b of [...live].reverse()) {
      const because = closing ? (b.kind === 'GATE_PICKUP' && released() ? null : fits(b)) : fits(b);
      if (because) {
        await cancel(b, because);
        return true;
      }
    }
    if (v3) {
      // A compensation that failed for good, which an operator asked to try again.
      const again = s.bookings.find(
        (b) => b.cancelFailed && latestAttention(`cancel:${b.bookingId}`)?.resolution?.option === 'RETRY',
      );
      if (again) {
        await cancel(again, again.cancelledBecause ?? 'retried by an operator');
        return true;
      }
    }
    for (const w of wanted) {
      if (s.bookings.some((b) => b.slot === w.slot && b.status !== 'CANCELLED')) continue;
      if (w.kind === 'FIRST_APPOINTMENT' && s.bookings.some((b) => b.slot === w.slot)) continue;
      const action = `book:${w.slot}`;
      if (blocked(action)) continue;
      await act(action, bookingService(w.kind), () => book(w));
      return true;
    }

    const notice = nextNotice();
    if (notice) {
      const action = `notify:${notice.subject}:${s.notifications.length + 1}`;
      if (skipped(action)) {
        // The operator told the agency another way (or decided it need not know): recorded as
        // not sent, so the next notice has a key of its own.
        notice.apply();
        s.notifications.push({
          agencyId: s.told!.agencyId,
          subject: notice.subject,
          message: `(not sent: skipped by an operator, ${latestAttention(action)?.resolution?.reason ?? 'no reason'}) ${notice.message}`,
          at: iso(now()),
        });
        return true;
      }
      if (!blocked(action)) {
        await act(action, 'referral service (agency notices)', () => notify(notice));
        return true;
      }
    }

    if (closing && !s.closureRecorded && !blocked('case:close')) {
      await act(
        'case:close',
        'orchestrator (case record)',
        async () => {
          s.closureReason = closing;
          s.closedAt ??= iso(now());
          await throughcare.recordCaseClosed({
            idempotencyKey: `${wfId}:closed`,
            personId: input.personId,
            episode: input.episode,
            closedAt: s.closedAt,
            reason: closing,
            correlationId: input.correlationId,
          });
          s.closureRecorded = true;
        },
        ['RETRY'],
      ); // RETRY only: the journey cannot end until its closure is recorded
      return true;
    }
    if (s.closureRecorded && s.returned && !s.nextEpisodeHandedOver && !blocked('episode:next')) {
      await act('episode:next', 'orchestrator (next episode)', () => handOverToNextEpisode(), ['RETRY']);
      return true;
    }
    return false;
  }

  /** The first clock with something to record: a breach now due, or a breach met late. */
  function dueClock(): Deadline | undefined {
    for (const d of s.deadlines) {
      if (d.status === 'OPEN' && (now() >= Date.parse(d.dueAt) || (v3 && impossibleClock(d)))) {
        const action = `breach:${d.key}`;
        if (skipped(action)) {
          d.status = 'BREACHED'; // never on record: nothing to close when it is met
          d.breachKey = undefined;
        }
        if (blocked(action)) continue;
        return d;
      }
      if (d.status === 'BREACHED' && d.metAt !== undefined && d.breachKey) {
        const action = `breach-met:${d.key}`;
        if (skipped(action)) d.status = 'MET_LATE';
        if (blocked(action)) continue;
        return d;
      }
    }
    return undefined;
  }
  async function clockStep(d: Deadline): Promise<void> {
    if (d.status === 'OPEN') {
      await act(`breach:${d.key}`, 'orchestrator (SLA ledger)', () => breach(d));
      return;
    }
    // Met late: the breach stays on record, closed with its lateness.
    await act(`breach-met:${d.key}`, 'orchestrator (SLA ledger)', async () => {
      await throughcare.recordBreachMet({ idempotencyKey: d.breachKey!, metAt: d.metAt! });
      d.status = 'MET_LATE';
    });
  }

  /**
   * The clocks' own coroutine (v3): records each breach at its due instant (and each late
   * completion) while the main loop may be waiting on a slow or failing effect.
   */
  let clocksBusy = false;
  let clocksStopped = false;
  let planTick = 0;
  async function watchClocks(): Promise<void> {
    while (!clocksStopped) {
      let due: Deadline | undefined;
      let wake: number | undefined;
      try {
        syncDeadlines();
        due = dueClock();
        const open = s.deadlines
          .filter((d) => d.status === 'OPEN' && !blocked(`breach:${d.key}`))
          .map((d) => Date.parse(d.dueAt))
          .filter((t) => t > now());
        wake = open.length > 0 ? Math.min(...open) : undefined;
      } catch {
        // The plan cannot be derived (an attention item says why): wait for a fact that changes it.
        due = undefined;
        wake = undefined;
      }
      if (due) {
        clocksBusy = true;
        try {
          await clockStep(due);
        } finally {
          clocksBusy = false;
        }
        changed();
        continue;
      }
      const seenVersion = version;
      const seenTick = planTick;
      const woken = () => version !== seenVersion || planTick !== seenTick || clocksStopped;
      if (wake === undefined || wake <= now()) {
        await condition(woken);
        continue;
      }
      clockTimer = await untilOrTimer(woken, wake, clockTimer);
    }
  }
  let clockTimer: Timer | undefined;
  let loopTimer: Timer | undefined;

  /**
   * Waits until `woken` holds or the instant `at` comes, on one timer per instant that is never
   * cancelled (v3): a timer cancelled in the workflow task in which it fired is refused by the
   * time-skipping test server (temporalio/sdk-java#3088), stranding the run, and `condition` with a
   * timeout cancels its timer whenever the predicate wins. A timer left to fire unheard costs one
   * empty workflow task. Returns the timer to reuse while the instant stays the same.
   */
  async function untilOrTimer(woken: () => boolean, at: number, timer: Timer | undefined): Promise<Timer> {
    const armed = timer?.at === at ? timer : arm(at);
    await condition(() => armed.fired || woken());
    return armed;
  }
  function arm(at: number): Timer {
    const timer: Timer = { at, fired: false };
    sleep(Math.max(1, at - now())).then(
      () => {
        timer.fired = true;
      },
      () => undefined, // the workflow was cancelled: nothing waits on this timer any more
    );
    return timer;
  }

  /** The newest attention item raised for `action`, if any. */
  function latestAttention(action: string): AttentionItemView | undefined {
    return [...s.attention].reverse().find((a) => a.action === action);
  }
  /** A clock that can no longer be met whatever anyone does: breached at once (since v3). */
  function impossibleClock(d: Deadline): boolean {
    return d.clock === 'preReleaseMeeting' && meetingImpossible();
  }
  function bookingService(kind: Booking['kind']): string {
    return kind === 'FIRST_APPOINTMENT' || kind === 'FOLLOW_UP_APPOINTMENT'
      ? 'referral service (appointments)'
      : 'liberation service (bookings at the prison)';
  }

  function nextReview(): { opensAt: number; dueAt: string } | undefined {
    if (!inCustody() || fromCourt() || completed('COMPREHENSIVE_SCREEN').length === 0) return undefined;
    const reviews = s.requests.filter((r) => r.kind === 'STANDARD_REVIEW');
    const last = reviews[reviews.length - 1];
    if (last && !s.assessments.some((a) => a.assessmentId === last.assessmentId)) return undefined;
    const lastDone = last && s.assessments.find((a) => a.assessmentId === last.assessmentId);
    const dueAt = lastDone
      ? deadlineFor(policy, 'standardReview', new Date(lastDone.completedAt))
      : deadlineFor(policy, 'firstStandardReview', new Date(input.receivedAt));
    // A review that would fall in the release-planning window is the summary review's job.
    if (dueAt.getTime() >= planningOpens()) return undefined;
    return { opensAt: dueAt.getTime() - leadMs, dueAt: dueAt.toISOString() };
  }
  const agencyWanted = () => needs().length > 0 || (fromCourt() && released());
  /** The referral follows the comprehensive screen (seed 000 stage 3), or goes at once when time is short. */
  const referralDue = () =>
    completed('COMPREHENSIVE_SCREEN').length > 0 || planningOpen() || released() || s.carried !== undefined;

  async function findAgency(): Promise<void> {
    const kind = input.jurisdiction === 'SCOTLAND' ? 'CJSW' : 'PROBATION';
    const action = `directory:no-agency:${input.homeLocalAuthority}:${kind}`;
    try {
      s.agencyId = (await directory.findAgency({ localAuthority: input.homeLocalAuthority, kind })).agencyId;
      s.agencyRetryAt = undefined;
      const waiting = v3 ? openAttention(action) : undefined;
      if (waiting) closeByJourney(waiting, 'RETRY', `agency ${s.agencyId} found`);
    } catch (err) {
      if (failureType(err) !== ErrorTypes.agencyNotFound) throw err;
      log.warn('no agency listed for the area; asking again tomorrow', {
        localAuthority: input.homeLocalAuthority,
        kind,
      });
      s.agencyRetryAt = iso(now() + DIRECTORY_RETRY_MS);
      // Since v3 somebody is told: the referral waits on the directory, not silently on the prison.
      if (v3 && !s.attention.some((a) => a.action === action))
        await raise(
          action,
          "directory administrators (list the area's agency)",
          {
            type: ErrorTypes.agencyNotFound,
            message: `no ${kind} agency is listed for ${input.homeLocalAuthority}: the referral waits (asked again daily)`,
          },
          ['SKIP'],
        );
    }
  }

  async function sendReferral(): Promise<void> {
    const kind = input.jurisdiction === 'SCOTLAND' ? 'CJSW' : 'PROBATION';
    const sentAt = iso(now());
    const { referralId } = await referral.sendReferral({
      idempotencyKey: `${wfId}:referral:${kind}`,
      personId: input.personId,
      episode: input.episode,
      agencyId: s.agencyId!,
      pathways: needs(),
      sentAt,
      acknowledgeBy: deadlineFor(policy, 'referralAcknowledgement', new Date(sentAt)).toISOString(),
      correlationId: input.correlationId,
    });
    s.referralId = referralId;
    s.referralSentAt = sentAt;
    // What the referral told the agency: the baseline for every later notification.
    s.told = {
      agencyId: s.agencyId!,
      establishmentCode: establishment(),
      liberationDate: liberationDate(),
      custody: released() ? 'OUT' : 'IN',
      meetingImpossibleFor: [],
    };
  }

  /** The next instant at which something may be due without any new fact. */
  function nextWake(): number | undefined {
    // Closed, only waiting on an operator's decision on an attention item: no timers.
    if (v3 && s.closureRecorded) return undefined;
    const t = now();
    const candidates: number[] = [];
    // Since v3 the clocks' coroutine owns the due instants (one timer each, never two at once).
    if (!v3) for (const d of s.deadlines) if (d.status === 'OPEN') candidates.push(Date.parse(d.dueAt));
    if (s.release && !released()) candidates.push(Date.parse(s.release.settlesAt));
    for (const tr of s.transfers) if (!settled(tr.settlesAt)) candidates.push(Date.parse(tr.settlesAt));
    if (!fromCourt() && inCustody()) {
      candidates.push(planningOpens());
      candidates.push(summaryDue());
      const review = nextReview();
      if (review) candidates.push(review.opensAt);
      // In the release-planning window the day changes what "today" allows (visit and meeting days, the gate pick-up).
      if (planningOpen())
        candidates.push(startOfLocalDay(nextWorkingDay(input.jurisdiction, today())).getTime());
    }
    if (s.release) candidates.push(followUpEnds());
    if (s.agencyRetryAt) candidates.push(Date.parse(s.agencyRetryAt));
    const future = candidates.filter((c) => Number.isFinite(c) && c > t);
    return future.length > 0 ? Math.min(...future) : undefined;
  }

  // ---- The loop ------------------------------------------------------------------------------

  const parked = policyProblem !== undefined;
  if (parked) {
    upsertSearchAttributes([{ key: SearchAttributes.localAuthority, value: input.homeLocalAuthority }]);
    await parkUntilPolicy();
  }
  upsertMemo({
    policyId: policy.id,
    policyVersion: policy.version,
    jurisdiction: input.jurisdiction,
    run: s.run,
  });
  if (!parked)
    upsertSearchAttributes([{ key: SearchAttributes.localAuthority, value: input.homeLocalAuthority }]);
  const clocks = v3 ? watchClocks() : undefined;
  /** The open clocks as the watcher last saw them: it is woken only when they change. */
  let openClocks = '';
  const tellClocks = () => {
    const now_ = s.deadlines
      .filter((d) => d.status === 'OPEN')
      .map((d) => `${d.key}@${d.dueAt}`)
      .join(',');
    if (now_ !== openClocks) {
      openClocks = now_;
      planTick += 1;
    }
  };
  for (;;) {
    working = true;
    if (v3) await flushResolutions();
    let did: boolean;
    try {
      did = await step();
      if (v3) {
        tellClocks();
        const planItem = openAttention('plan');
        if (planItem) {
          // The plan can be derived again (a corrected fact): the item is done, nobody need retry.
          closeByJourney(planItem, 'RETRY', 'the plan can be derived again');
          did = true;
        }
      }
      refreshDetails();
    } catch (err) {
      // Since v3 a domain error in the journey's own planning (a date past the calendar, …) is an
      // attention item, never a workflow task retried without end: the plan waits for a corrected
      // fact or an operator's retry, and the journey says so.
      const failure = v3 ? planningFailure(err) : undefined;
      if (!failure) throw err;
      did = false;
      if (!openAttention('plan')) {
        await raise('plan', 'operator (correct the fact the plan cannot use, then retry)', failure, [
          'RETRY',
        ]);
        did = true;
      }
      refreshAttention();
    }
    if (
      s.closureRecorded &&
      s.stage === 'CLOSED' &&
      (!s.returned || s.nextEpisodeHandedOver) &&
      !(v3 && s.attention.some((a) => a.status === 'OPEN' && a.options.includes('RETRY')))
    )
      break;
    if (did) continue;
    // Idle, and nothing in flight (the loop is serial): a stage boundary or a long history starts a new run.
    if (shouldContinueAsNew()) {
      await condition(() => allHandlersFinished() && !clocksBusy);
      if (v3 && s.attentionUnrecorded.length > 0) continue; // recorded first (the queue is carried anyway)
      if (!shouldContinueAsNew() || clocksBusy) continue;
      log.info('continuing as new', { stage: s.stage, run: s.run });
      return continueAsNew<(i: ThroughcareInput) => Promise<PlanView>>({ ...input, continued: s });
    }
    const seenVersion = version;
    let wake: number | undefined;
    try {
      wake = nextWake();
    } catch {
      wake = undefined; // the plan cannot be derived (an attention item says why): wait for a fact
    }
    working = false;
    if (wake === undefined) await condition(() => version !== seenVersion);
    else if (v3) loopTimer = await untilOrTimer(() => version !== seenVersion, wake, loopTimer);
    else await condition(() => version !== seenVersion, Math.max(1, wake - now()));
  }
  if (v3) {
    finishing = true;
    clocksStopped = true;
    await condition(() => !clocksBusy);
    await clocks;
    // Acknowledgements nobody gave before the case closed are closed with it (nothing is left to do);
    // no resolution is accepted any more (`finishing`), so the list cannot change meanwhile.
    for (const item of s.attention.filter((a) => a.status === 'OPEN'))
      closeByJourney(item, 'SKIP', `case closed (${s.closureReason ?? 'closed'})`);
    await flushResolutions();
    working = false;
  }
  await condition(allHandlersFinished);
  return plan();

  /** The journey resolves an item itself (nothing is left for an operator); recorded by the next flush. */
  function closeByJourney(item: AttentionItemView, option: AttentionOption, reason: string): void {
    item.status = 'RESOLVED';
    item.resolution = { option, by: 'throughcare', reason, at: iso(now()) };
    s.attentionUnrecorded.push(item.id);
  }

  /** Records, in order, each resolution not yet in the operator list (carried across runs). */
  async function flushResolutions(): Promise<void> {
    while (s.attentionUnrecorded.length > 0) {
      const item = s.attention.find((a) => a.id === s.attentionUnrecorded[0]);
      if (item) await recordAttention(item, 'resolved');
      s.attentionUnrecorded.shift();
    }
  }

  /** A reception no SLA policy covers: wait (attention item) until an operator retries and one does. */
  async function parkUntilPolicy(): Promise<void> {
    while (policyProblem) {
      await raise(
        'policy',
        'operator (no SLA policy covers this reception: correct it, or deploy a policy that does, then retry)',
        { type: 'UNKNOWN_POLICY', message: policyProblem },
        ['RETRY'],
      );
      refreshAttention();
      working = false;
      await condition(() => !openAttention('policy') || closingReason() !== undefined);
      working = true;
      if (closingReason() !== undefined) {
        // Closed while parked (consent withdrawn, a close request): close under the jurisdiction's
        // newest policy, which nothing but the closure uses; the item goes with the case.
        const item = openAttention('policy');
        if (item) closeByJourney(item, 'RETRY', 'case closed while parked');
        policyProblem = undefined;
        break;
      }
      await flushResolutions();
      try {
        const captured = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10), policyCatalogue);
        s.policy = { id: captured.id, version: captured.version };
        usePolicy(s.policy);
        policyProblem = undefined;
      } catch (err) {
        policyProblem = err instanceof Error ? err.message : String(err);
      }
    }
  }

  function shouldContinueAsNew(): boolean {
    if (workflowInfo().continueAsNewSuggested) return true;
    return CONTINUE_AS_NEW_AT.includes(s.stage) && stageAtStart !== s.stage && s.stage !== 'CLOSED';
  }
}
