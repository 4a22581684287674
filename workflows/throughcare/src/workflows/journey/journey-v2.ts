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
  uuid4,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import {
  ASSESSMENT_SUMMARIES,
  DIRECTORY_SUMMARIES,
  LIBERATION_SUMMARIES,
  REFERRAL_SUMMARIES,
  summarised,
  THROUGHCARE_SUMMARIES,
} from './summaries';
import { pendingActivities } from '../pending-activities.interceptors';
import {
  activityFailingProblem,
  activityFailingSignal,
  assessmentCompletedUpdate,
  attendanceRecordedUpdate,
  agencyAttendanceRecordedUpdate,
  riskAssessedUpdate,
  gateArrangementRecordedUpdate,
  movementCorrectedUpdate,
  carriedHistorySignal,
  caseCloseRequestedUpdate,
  consentWithdrawnUpdate,
  needStoppedUpdate,
  coreScreenCompletedUpdate,
  ErrorTypes,
  meetingHeldUpdate,
  movementReversedUpdate,
  planQuery,
  receptionSignal,
  referralAcknowledgedUpdate,
  referralClosedUpdate,
  referralOutcomeUpdate,
  releaseDateChangedUpdate,
  resolveAttentionUpdate,
  releaseRecordedUpdate,
  returnedToCustodyUpdate,
  SearchAttributes,
  TaskQueues,
  throughcareWorkflowId,
  transferredUpdate,
  type ActivityFailing,
  type AssessmentActivities,
  type AssessmentKind,
  type AttentionItemView,
  type AttentionOption,
  type CarriedHistory,
  type DirectoryActivities,
  type LiberationActivities,
  type MeetingKind,
  type Pathway,
  type RiskOfSeriousHarm,
  type PlanView,
  type ReportedClock,
  type ReferralActivities,
  type Stage,
  type ThroughcareActivities,
  type ThroughcareInput,
  factShapeProblem,
  type FactUpdateName,
} from '@throughcare/contracts';
import { deadlineFor, DomainError, policyFor } from '@throughcare/domain';
import { createFacts, firstTime, reject, seen, type FactRule } from './facts';
import { initialState, upgradeState, type Booking, type Deadline, type JourneyState } from './journey-state';
import {
  booked,
  bookingEntry,
  cancelAnswered,
  cancelFailed,
  closedByJourney,
  noticeEntry,
  noticeSkipped,
  notified,
  raised,
  reassigned,
  collectorChecked,
  referralSent,
  needAgencyChosen,
  needReferralSent,
  needReferralWithdrawn,
  requested,
  requestSeq,
  stageEntered,
  stageEntry,
} from './outcomes';
import {
  createPlanner,
  iso,
  laneOf,
  NEWEST_CAPTURED_POLICY_VERSION,
  planContext,
  directoryAgeOf,
  sentenceMonthsOf,
  startResumed,
  usePolicy,
  type Action,
  type Failure,
  type Lane,
  type Notice,
  type WantedBooking,
} from './planner';

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
/**
 * Behaviour since this patch (v3 journeys, from the first effect they start after it): each
 * service is a lane of its own (`Lane` in planner.ts). An effect is started and the journey plans
 * on while it is in flight, so a service that is down (its activity retrying) holds up only its
 * own effects; within a lane effects keep the planner's order, and the closure waits for every
 * lane. Before it, and in replays of journeys recorded before it, one effect at a time.
 */
export const EFFECT_LANES_PATCH = 'effect-lanes-1';
/**
 * Behaviour since this patch (from the first need agency a journey chooses after it): the journey
 * asks the liberation service for the person's age on the day (`personAgeOn`) instead of working
 * it out from a date of birth in its input, which the bus no longer carries (it could re-identify
 * a person). A recall's hand-over no longer carries a date of birth either. Before it, and in
 * replays of journeys recorded before it, the age comes from the input, as in stop 29.
 */
export const AGE_ASKED_PATCH = 'need-age-asked-1';
/**
 * Behaviour since this patch (v3 journeys, from the first time their clocks' coroutine is idle
 * after it): whenever a clock opens, moves, is met, breached or cancelled, or the establishment
 * changes, the journey reports all its clocks to the SLA ledger (`reportClocks`, published as
 * `throughcare.sla.clocks-reported`). Before it, and in replays of journeys recorded before it,
 * only breaches were recorded.
 */
export const SLA_LEDGER_PATCH = 'sla-ledger-1';
/**
 * Behaviour since this patch (v3 journeys, from their next refresh of the search attributes): the
 * journey also keeps `OpenBreaches` (clocks breached and not met yet), `Jurisdiction` and
 * `SlaPolicy` (`<id> v<version>`), so an operator can list them in the Temporal UI. Before it, and
 * in replays of journeys recorded before it, stage, establishment, next deadline and needs
 * attention only (and the local authority once, at the start).
 */
export const OPERATOR_ATTRIBUTES_PATCH = 'operator-attributes-1';
/**
 * Issue 11 (the operator guide's "releases in the next 14 days without a pre-release meeting").
 * Since this patch a journey that keeps the operator attributes (operator-attributes-1) also keeps
 * ReleaseDate (its liberation day, noon UTC: after release the day it happened) and
 * PreReleaseMeetingArranged (a pre-release meeting booked and not cancelled, or held; a booked one
 * whose day has passed counts until it lapses); before it, neither. Adopted at a refresh of the main
 * loop: a journey asleep on a timer at the deploy has neither until it next wakes. Roll forward
 * only: once adopted, its upserts follow the meeting and the release day, which the code before it
 * cannot replay.
 */
export const RELEASE_ATTRIBUTES_PATCH = 'release-attributes-1';
/**
 * Issue 11 (the operator guide's "stuck on a failing activity"). Since this patch a journey told by
 * a worker that one of its pending activities is still failing (`activityFailing`, sent at the
 * third attempt and then the sixth, twelfth …) lists that activity's type in `FailingActivities`
 * until the activity settles; before it, the signal changes nothing. The marker is recorded at the
 * first such signal a run handles, so journeys without one are untouched. Roll forward only.
 */
export const FAILING_ACTIVITY_PATCH = 'failing-activity-1';

/** Retries transient failures for as long as it takes; domain rejections fail fast. */
const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: [ErrorTypes.agencyNotFound, ErrorTypes.validation],
};
const options = { startToCloseTimeout: '30 seconds', retry } as const;
// Each call carries what the step does (summaries.ts): the history reads as the case's story.
const assessment = summarised(
  proxyActivities<AssessmentActivities>({ taskQueue: TaskQueues.assessment, ...options }),
  ASSESSMENT_SUMMARIES,
);
const directory = summarised(
  proxyActivities<DirectoryActivities>({ taskQueue: TaskQueues.directory, ...options }),
  DIRECTORY_SUMMARIES,
);
const referral = summarised(
  proxyActivities<ReferralActivities>({ taskQueue: TaskQueues.referral, ...options }),
  REFERRAL_SUMMARIES,
);
const liberation = summarised(
  proxyActivities<LiberationActivities>({ taskQueue: TaskQueues.liberation, ...options }),
  LIBERATION_SUMMARIES,
);
/**
 * The person's age for the directory (need-age-asked-1), asked from the directory's lane: for ten
 * minutes at most, then the directory is asked without it, so that a liberation outage does not
 * hold up choosing need agencies (effect-lanes-1: a service that is down holds up its own effects).
 */
const liberationAge = summarised(
  proxyActivities<LiberationActivities>({
    taskQueue: TaskQueues.liberation,
    ...options,
    scheduleToCloseTimeout: '10 minutes',
  }),
  LIBERATION_SUMMARIES,
);
const throughcare = summarised(
  proxyActivities<ThroughcareActivities>({ taskQueue: TaskQueues.throughcare, ...options }),
  THROUGHCARE_SUMMARIES,
);
/**
 * Starting the journey of the episode before again (return-reversal-1): retried while that journey
 * still runs (closing on the return), for a day at most; then an attention item (review of stop 39,
 * M3), not a journey that never ends and never says why.
 */
const throughcareResume = summarised(
  proxyActivities<ThroughcareActivities>({
    taskQueue: TaskQueues.throughcare,
    ...options,
    scheduleToCloseTimeout: '1 day',
  }),
  THROUGHCARE_SUMMARIES,
);

/** Why the journey withdraws a need's referral, as its idempotency key says it (one key per reason). */
const withdrawalKind = (action: string): string =>
  action.includes(':superseded:') ? 'superseded' : action.includes(':stop:') ? 'stopped' : 'withdraw';
/** The liberation service's error type for a custody episode it has no record of. */
const EPISODE_NOT_FOUND = 'EPISODE_NOT_FOUND';
/** How long to wait before asking the directory again when no agency serves the person's area. */
const DIRECTORY_RETRY_MS = 86_400_000;
/** The attention action of a clocks report to the SLA ledger that failed for good (`sla-ledger-1`). */
const LEDGER_ACTION = 'sla-ledger';
/** Stages whose entry starts a new run (custody reviews can run for years; follow-up is a new chapter). */
const CONTINUE_AS_NEW_AT: readonly Stage[] = ['STANDARD_REVIEWS', 'FOLLOW_UP'];

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

/**
 * Journey version 2: one custody episode, from reception (or a liberation direct from court) to
 * the end of post-release follow-up, recall, or an early closure.
 *
 * This file is the shell around a pure core. Handlers only record facts (`facts.ts`: validated
 * synchronously; each event id once). A single loop asks the planner (`planner.ts`) for the one
 * next thing to do (enter a stage, request an assessment, cancel a booking that no longer fits,
 * book what is missing, tell an agency what changed) and does it, recording its answer
 * (`outcomes.ts`); when there is nothing to do it sleeps until the next fact or instant that
 * matters. Since v3 the clocks have a coroutine of their own that records each breach at its due
 * instant, and since `effect-lanes-1` each service is a lane: the loop starts an effect and plans
 * on, so a service that is down delays only its own effects (one in flight per service). Because the planner re-plans from facts rather than following a script, any change of
 * plan (release date, transfer, reversal, early release, closure) arriving at any moment, even
 * while a booking is in flight, ends in the same state as if it had been known from the start,
 * with every undone step compensated (cancelled with an idempotency key, outside cancellation)
 * and every agency told once (property-tested in planner.property.spec.ts).
 */
export async function journeyV2(input: ThroughcareInput): Promise<PlanView> {
  const wfId = workflowInfo().workflowId;
  /**
   * The base of every idempotency key this journey gives a service. A run started again after the
   * return to custody that closed it was reversed (`input.resumed`, return-reversal-1) runs under
   * the same workflow id as the journey that closed: with the same keys, the services would answer
   * that journey's effects (its withdrawn referral, its cancelled appointment, its breaches). It has
   * a base of its own, from the reversal, kept across continue-as-new with the input. Only new
   * runs have `resumed`, so no patch: every journey recorded before keeps `wfId`.
   */
  const keys = input.resumed ? `${wfId}:resumed:${input.resumed.eventId}` : wfId;
  const carriedState = input.continued === undefined ? undefined : upgradeState(input.continued);
  const s: JourneyState = carriedState
    ? { ...carriedState, run: carriedState.run + 1 }
    : initialState(input.expectedReleaseDate);
  const v3 = patched(NOBODY_LOST_PATCH);
  // The policy captured when the case started; later runs (continue-as-new) keep it. Since v3, a
  // reception no policy covers parks the journey on an attention item instead of failing its task.
  let policyProblem: string | undefined;
  /** The newest policy version this run may capture (undefined: the newest published). */
  // Capped at 3 since England & Wales v4 was published: v4 only lends its missed-appointment
  // follow-up (policy-gaps-1), so a rollback finds no journey holding a version it does not know;
  // capturing v4 itself would be a later patch of its own.
  const policyCatalogue = s.policy
    ? undefined
    : patched(POLICIES_V3_PATCH)
      ? NEWEST_CAPTURED_POLICY_VERSION
      : 2;
  if (!s.policy) {
    try {
      const captured = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10), policyCatalogue);
      s.policy = { id: captured.id, version: captured.version };
    } catch (err) {
      if (!v3) throw err;
      policyProblem = err instanceof Error ? err.message : String(err);
    }
  }
  // While parked without a policy, derivations use the jurisdiction's latest one (nothing acts on them).
  /** True only while the main loop asks the planner for its next action (see `askPatched`). */
  let planning = false;
  /**
   * The planner's later patches are asked only from workflow code (the main loop's planning and the
   * clocks' coroutine): `patched()` records a marker, which a query or an update validator must never
   * do. (The clocks' coroutine asks every patch of `adoptFixes`, through `adoptFixes(patched)`; the
   * answers are kept in the state. An adoption there does not wake the main loop: it sees it at its
   * next planning.)
   */
  const askPatched = (patchId: string): boolean => {
    if (!planning) throw new Error(`patched('${patchId}') asked outside the main loop's planning`);
    return patched(patchId);
  };
  const ctx = planContext(
    input,
    v3,
    s.policy ?? policyFor(input.jurisdiction, undefined, policyCatalogue),
    askPatched,
  );
  const now = () => Date.now();
  const p = createPlanner(ctx, s, now);
  const { establishment, liberationDate, needs, released, openAttention, blocked } = p;
  /** Each pathway's latest assessed result (skips left out), for the next episode or run. */
  const assessedPathways = () => (p.pathwaysView(true) ?? []).map((o) => ({ ...o }));
  const stageAtStart = s.stage;
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
  // Started again (return-reversal-1): released already, from the episode's own release.
  if (!carriedState) startResumed(s, input);

  let version = 0;
  /** Set once the loop has ended: no new resolution is accepted while the journey finishes. */
  let finishing = false;
  /** True while the loop is doing something (an activity may be in flight); false while it waits. */
  let working = true;
  const changed = () => {
    version += 1;
  };

  // ---- Attention: what failed for good, waiting on an operator -----------------------------------

  async function recordAttention(item: AttentionItemView, key: string): Promise<void> {
    try {
      await throughcare.recordAttention({
        idempotencyKey: `${keys}:attention:${item.id}:${key}`,
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
    failure: Failure,
    options: AttentionOption[] = ['RETRY', 'SKIP'],
  ): Promise<void> {
    const item = raised(s, action, mustAct, failure, options, iso(now()));
    if (!item) return;
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
    options: AttentionOption[] | ((failure: Failure) => AttentionOption[]) = ['RETRY', 'SKIP'],
  ): Promise<void> {
    if (!v3) return fn();
    try {
      await fn();
    } catch (err) {
      const failure = permanentFailure(err);
      if (!failure) throw err;
      await raise(action, mustAct, failure, typeof options === 'function' ? options(failure) : options);
    }
  }

  // ---- Handlers: validate, record the fact once, wake the loop ----------------------------------

  const facts = createFacts(ctx, p, s, now, () => finishing);
  /** Registers an update: duplicates (same event id) are accepted and ignored; others validated, then applied. */
  function onFact<T extends { eventId: string }>(def: UpdateDefinition<void, [T]>, rule: FactRule<T>): void {
    setHandler(
      def,
      (fact: T) => {
        if (!firstTime(s, v3, fact.eventId)) return;
        rule.apply(fact);
        changed();
      },
      {
        validator: (fact: T) => {
          // The fact's shape first (fields, types, codes): applying a misshapen one could fail
          // every later workflow task (found by fuzzing updates).
          const misshapen = factShapeProblem(def.name as FactUpdateName, fact);
          if (misshapen) reject(`${def.name}: ${misshapen}`);
          if (seen(s, fact.eventId)) return;
          rule.validate(fact);
        },
      },
    );
  }

  setHandler(receptionSignal, (again) => {
    if (again.episode !== input.episode || again.personId !== input.personId) {
      log.warn('reception signal for another episode ignored', { episode: again.episode });
      return;
    }
    if (facts.receivedAgain(again)) changed();
  });
  if (v3) onFact(resolveAttentionUpdate, facts.resolveAttention);
  setHandler(carriedHistorySignal, (carried: CarriedHistory) => {
    s.carried ??= carried;
    changed();
  });

  // failing-activity-1: the activities a worker reported still failing, by id, while pending.
  const failing = new Map<string, string>();
  const pending = pendingActivities();
  let lastFailing = '[]';
  setHandler(activityFailingSignal, (report: ActivityFailing) => {
    const problem = activityFailingProblem(report);
    if (problem) {
      log.warn('activityFailing signal ignored', { problem });
      return;
    }
    // Settled since the report was sent (or not this run's): nothing is stuck.
    if (pending?.typeOf(report.activityId) !== report.activityType) return;
    if (!patched(FAILING_ACTIVITY_PATCH)) return;
    log.warn('an activity is still failing', {
      activityType: report.activityType,
      attempt: report.attempt,
      errorType: report.errorType,
    });
    failing.set(report.activityId, report.activityType);
    refreshFailing();
  });
  pending?.onSettled((activityId) => {
    if (failing.delete(activityId)) refreshFailing();
  });
  function refreshFailing(): void {
    const types = [...new Set(failing.values())].sort();
    const key = JSON.stringify(types);
    if (key === lastFailing) return;
    lastFailing = key;
    upsertSearchAttributes([
      { key: SearchAttributes.failingActivities, value: types.length > 0 ? types : null },
    ]);
  }
  setHandler(planQuery, plan);

  onFact(coreScreenCompletedUpdate, facts.coreScreenCompleted);
  onFact(assessmentCompletedUpdate, facts.assessmentCompleted);
  onFact(referralAcknowledgedUpdate, facts.referralAcknowledged);
  onFact(referralOutcomeUpdate, facts.referralOutcome);
  onFact(referralClosedUpdate, facts.referralClosed);
  onFact(releaseRecordedUpdate, facts.releaseRecorded);
  onFact(releaseDateChangedUpdate, facts.releaseDateChanged);
  onFact(transferredUpdate, facts.transferred);
  onFact(movementReversedUpdate, facts.movementReversed);
  onFact(meetingHeldUpdate, facts.meetingHeld);
  onFact(attendanceRecordedUpdate, facts.attendanceRecorded);
  onFact(agencyAttendanceRecordedUpdate, facts.agencyAttendanceRecorded);
  onFact(riskAssessedUpdate, facts.riskAssessed);
  onFact(gateArrangementRecordedUpdate, facts.gateArrangementRecorded);
  onFact(movementCorrectedUpdate, facts.movementCorrected);
  onFact(consentWithdrawnUpdate, facts.consentWithdrawn);
  onFact(needStoppedUpdate, facts.needStopped);
  onFact(caseCloseRequestedUpdate, facts.caseCloseRequested);
  onFact(returnedToCustodyUpdate, facts.returnedToCustody);

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
        policy: { id: ctx.policy.id, version: ctx.policy.version },
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
      policy: { id: ctx.policy.id, version: ctx.policy.version },
      deadlines: s.deadlines.map(({ key: _k, breachKey: _b, ...d }) => ({ ...d })),
      waitingOn: p.waitingOn(),
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
      ...(s.acknowledgement ? { referralAcknowledgedAt: s.acknowledgement.acknowledgedAt } : {}),
      ...(s.referralWithdrawn ? { referralWithdrawn: true as const } : {}),
      ...(s.referralClosure ? { referralClosure: { ...s.referralClosure } } : {}),
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
          .filter((t) => !p.settled(t.settlesAt))
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
      ...(input.resumed
        ? {
            resumed: {
              ...input.resumed,
              openNeeds: [...input.resumed.openNeeds],
              ...(input.resumed.pathways ? { pathways: input.resumed.pathways.map((o) => ({ ...o })) } : {}),
            },
          }
        : {}),
      ...(s.previousResumed ? { previousEpisodeResumed: { ...s.previousResumed } } : {}),
      run: s.run,
      movementSettleMinutes: ctx.settleMs / 60_000,
      ...(v3 ? { attention: s.attention.map((a) => ({ ...a, options: [...a.options] })) } : {}),
      working: working || clocksBusy || inFlight.size > 0,
      ...(p.perNeed() ? { needReferrals: p.needReferralsView() } : {}),
      ...(() => {
        const pathways = p.pathwaysView();
        return pathways ? { pathways } : {};
      })(),
      ...(() => {
        const r = p.latestRisk();
        if (!r) return {};
        const { eventId: _e, recordedAt: _r, mappa, rises, ...bands } = r;
        return { risk: { ...bands, mappa: mappa ? { ...mappa } : null, rises: [...rises] } };
      })(),
    };
  }

  let lastAttributes = '';
  /** Whether this run keeps the operator attributes (operator-attributes-1). */
  let operatorAttributes: boolean | undefined;
  /** Whether this run keeps the release attributes (release-attributes-1). */
  let releaseAttributes: boolean | undefined;
  /**
   * The liberation day as the ReleaseDate attribute takes it (noon UTC: inside the day's bounds
   * however a visibility store compares instants; the dev server's compares them as text, where
   * midnight with milliseconds sorts before a bound written without); none if not a day.
   */
  const releaseDay = (day: string): Date | null =>
    /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T12:00:00.000Z`) : null;
  /** A pre-release meeting booked and not cancelled, or held. */
  const meetingArranged = (): boolean =>
    s.meetingsHeld.some((m) => m.kind === 'PRE_RELEASE_MEETING') ||
    s.bookings.some((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status !== 'CANCELLED');
  function refreshDetails(): void {
    const openDeadlines = s.deadlines.filter((d) => d.status === 'OPEN' || d.status === 'BREACHED');
    const who = p.waitingOn();
    setCurrentDetails(
      [
        `**Stage:** ${s.stage} (run ${s.run})`,
        `**Policy:** ${ctx.policy.id} v${ctx.policy.version}`,
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
    // Asked at each refresh until adopted: a journey running at the deploy adopts it at its first
    // refresh on the new code (replaying its history before that, it answers false).
    if (!operatorAttributes) operatorAttributes = v3 && patched(OPERATOR_ATTRIBUTES_PATCH);
    if (operatorAttributes && !releaseAttributes) releaseAttributes = patched(RELEASE_ATTRIBUTES_PATCH);
    // Breached and not met yet (a late completion not yet recorded is met).
    const openBreaches = s.deadlines.filter((d) => d.status === 'BREACHED' && d.metAt === undefined).length;
    const release = releaseAttributes ? [liberationDate(), meetingArranged()] : [];
    const attributes = JSON.stringify(
      operatorAttributes
        ? [s.stage, establishment(), next ?? null, p.needsAttention(), openBreaches, ...release]
        : v3
          ? [s.stage, establishment(), next ?? null, p.needsAttention()]
          : [s.stage, establishment(), next ?? null],
    );
    if (attributes === lastAttributes) return;
    lastAttributes = attributes;
    upsertSearchAttributes([
      { key: SearchAttributes.stage, value: s.stage },
      { key: SearchAttributes.establishment, value: establishment() },
      { key: SearchAttributes.nextDeadline, value: next === undefined ? null : new Date(next) },
      ...(v3 ? [{ key: SearchAttributes.needsAttention, value: p.needsAttention() }] : []),
      // The same jurisdiction and policy each time: set with the rest, never on their own.
      ...(operatorAttributes
        ? [
            { key: SearchAttributes.openBreaches, value: openBreaches },
            { key: SearchAttributes.jurisdiction, value: input.jurisdiction },
            { key: SearchAttributes.slaPolicy, value: `${ctx.policy.id} v${ctx.policy.version}` },
          ]
        : []),
      ...(releaseAttributes
        ? [
            { key: SearchAttributes.releaseDate, value: releaseDay(liberationDate()) },
            { key: SearchAttributes.preReleaseMeetingArranged, value: meetingArranged() },
          ]
        : []),
    ]);
  }
  /** Details and the NeedsAttention attribute when the plan itself cannot be derived (v3). */
  let lastAttention: boolean | undefined;
  function refreshAttention(): void {
    setCurrentDetails(
      [`**Stage:** ${s.stage} (run ${s.run}) · **needs attention**`, ...attentionLines()].join('\n'),
    );
    if (lastAttention === p.needsAttention()) return;
    lastAttention = p.needsAttention();
    lastAttributes = '';
    upsertSearchAttributes([{ key: SearchAttributes.needsAttention, value: p.needsAttention() }]);
  }
  function attentionLines(): string[] {
    return s.attention
      .filter((a) => a.status === 'OPEN')
      .map(
        (a) =>
          `- ⚠ ${a.id} ${a.action}: ${a.what} (since ${a.since}; ${a.mustAct} must act: ${a.options.join('/')})`,
      );
  }

  // ---- Effects: each action of the planner, done -------------------------------------------------

  /**
   * Starts the effect of one action: its promise, or undefined when the action is only recorded.
   * Deliberately not `async`: the loop awaits the effect's own promise, as it always has, so the
   * commands of the loop and of the clocks' coroutine keep their order (an extra `async` layer adds
   * a microtask, which can put a clock's timer before the loop's search-attribute upsert).
   */
  function execute(a: Action): Promise<void> | undefined {
    switch (a.kind) {
      case 'enter':
        if (!a.record) return enter(a.stage, false);
        return act(a.action, 'liberation service (custody episode record)', () => enter(a.stage));
      case 'clock':
        return clockStep(a.deadline);
      case 'raise':
        return raise(a.action, a.mustAct, a.failure, a.options);
      case 'closeItem':
        closeByJourney(a.item, 'SKIP', a.reason);
        return undefined;
      case 'reassignItem': {
        // On the journey at once; then its record in the operator list, under a key of its own.
        const at = iso(now());
        reassigned(a.item, a.mustAct, a.because, at);
        log.warn('attention item addressed again', {
          itemId: a.item.id,
          mustAct: a.mustAct,
          from: a.item.reassigned!.from,
        });
        return recordAttention(a.item, `reassigned:${at}`);
      }
      case 'request':
        return act(a.action, 'assessment service', () => request(a.assessment, a.dueAt));
      case 'findAgency':
        return act(a.action, 'directory service', () => findAgency());
      case 'checkCollector':
        return act(a.action, 'directory service', async () => {
          const found = await directory.lookUpAgency({ agencyId: a.agencyId });
          collectorChecked(s, a.agencyId, a.version, found, iso(now()));
          if (!found) log.warn('the gate collector is not in the directory', { agencyId: a.agencyId });
        });
      case 'sendReferral':
        return act(a.action, 'referral service', () => sendReferral());
      case 'chooseNeedAgency':
        return act(a.action, 'directory service', () => chooseNeedAgency(a.pathway));
      case 'sendNeedReferral':
        return act(a.action, 'referral service', () => sendNeedReferral(a.pathway, a.no));
      case 'withdrawNeedReferral':
        return act(a.action, 'referral service', async () => {
          const current = p.needReferral(a.pathway)!.tries[a.no - 1]!;
          // A try never sent (its send would have been in this lane) is ended without a call.
          if (current.sentAt)
            await referral.withdrawReferral({
              idempotencyKey: `${keys}:referral:need:${a.pathway}:${a.no}:${withdrawalKind(a.action)}`,
              referralId: current.referralId,
              reason: a.reason,
              correlationId: input.correlationId,
            });
          needReferralWithdrawn(s, current.referralId, iso(now()), a.because);
        });
      case 'withdrawReferral':
        return act(a.action, 'referral service', async () => {
          await referral.withdrawReferral({
            idempotencyKey: `${keys}:referral:withdraw`,
            referralId: s.referralId!,
            reason: `case closed: ${a.closing}`,
            correlationId: input.correlationId,
          });
          s.referralWithdrawn = true;
        });
      case 'cancel':
        return cancel(a.booking, a.because);
      case 'book':
        return act(a.action, bookingService(a.wanted.kind), () => book(a.wanted));
      case 'skipNotice':
        noticeSkipped(s, a.notice, p.latestAttention(a.action)?.resolution?.reason, iso(now()));
        return undefined;
      case 'notify':
        return act(a.action, 'referral service (agency notices)', () => notify(a.notice));
      case 'close':
        return act(
          a.action,
          'orchestrator (case record)',
          async () => {
            s.closureReason = a.closing;
            s.closedAt ??= iso(now());
            await throughcare.recordCaseClosed({
              idempotencyKey: `${keys}:closed`,
              personId: input.personId,
              episode: input.episode,
              closedAt: s.closedAt,
              reason: a.closing,
              correlationId: input.correlationId,
            });
            s.closureRecorded = true;
          },
          ['RETRY'], // RETRY only: the journey cannot end until its closure is recorded
        );
      case 'handOver':
        // A hand-over to a void episode may be skipped once the follow-up is arranged outside the
        // platform (review of stop 40, M2): the journey then ends. Options are the item's data, and
        // no journey recorded before could skip it, so no patch.
        return act(
          a.action,
          'orchestrator (next episode)',
          () => handOverToNextEpisode(),
          (f) =>
            f.type === ErrorTypes.nextEpisodeVoid || f.type === ErrorTypes.nextEpisodeEnded
              ? ['RETRY', 'SKIP']
              : ['RETRY'],
        );
      case 'resume':
        return act(a.action, 'orchestrator (episode before)', () => resumeEpisodeBefore());
    }
  }

  async function enter(stage: Stage, record = true): Promise<void> {
    const entry = stageEntry(s);
    if (record)
      try {
        await liberation.recordEpisodeStage({
          idempotencyKey: `${keys}:stage:${entry}:${stage}`,
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
    stageEntered(s, stage);
    log.info('stage entered', { stage, run: s.run });
  }

  async function breach(d: Deadline): Promise<void> {
    d.breachKey = `${keys}:breach:${d.key}`;
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
    d.breachedAt = iso(now());
  }

  async function request(kind: 'CORE_SCREEN' | AssessmentKind, dueAt: string): Promise<void> {
    const seq = requestSeq(s, kind);
    // The women-specific pathways are asked by sex (an argument, not a command: no patch).
    const sex = input.sex ?? s.personFacts?.sex;
    const base = {
      idempotencyKey: `${keys}:assessment:${kind}:${seq}`,
      personId: input.personId,
      episode: input.episode,
      establishmentCode: establishment(),
      dueBy: dueAt,
      ...(sex !== undefined ? { sex } : {}),
      correlationId: input.correlationId,
    };
    const { assessmentId } =
      kind === 'CORE_SCREEN'
        ? await assessment.requestCoreScreen({ ...base, idempotencyKey: `${keys}:core-screen` })
        : await assessment.requestAssessment({ ...base, kind });
    requested(s, kind, seq, assessmentId, dueAt);
  }

  /** Compensation: cancels a booking with its own key, outside cancellation; a failure for good is kept and reported. */
  async function cancel(b: Booking, because: string): Promise<void> {
    log.info('compensating: cancel booking', { kind: b.kind, bookingId: b.bookingId, because });
    const key = `${keys}:cancel:${b.bookingId}`;
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
      // What took place cannot be called off: a meeting already held is kept as held (v3), at the
      // instant the service says it was held (answers recorded before it said so: the answer's).
      if (cancelAnswered(s, v3, b, because, result?.outcome, result?.heldAt ?? iso(now())) === 'HELD')
        log.info('compensation not needed: already held', { kind: b.kind, bookingId: b.bookingId, because });
    } catch (err) {
      // Transient failures are retried by the activity's policy for as long as it takes; only a
      // permanent one lands here: keep it on the booking and in the log, never drop it silently.
      const error = `${failureType(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
      cancelFailed(b, because, error);
      log.error('compensation failed for good', { bookingId: b.bookingId, kind: b.kind, error });
      if (v3)
        await raise(`cancel:${b.bookingId}`, bookingService(b.kind), {
          type: failureType(err),
          message: `could not cancel ${b.kind} ${b.bookingId} (${because}): ${error}`,
        });
    }
  }

  async function book(w: WantedBooking): Promise<void> {
    const key = `${keys}:book:${bookingEntry(s)}:${w.slot}`;
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
        break;
    }
    // The compensation for this step is the booking itself, registered here: `cancel` undoes it.
    booked(p, s, w, bookingId);
  }

  async function notify(n: Notice): Promise<void> {
    const agencyId = n.agencyId;
    await referral.notifyAgency({
      idempotencyKey: `${keys}:notify:${agencyId}:${noticeEntry(s)}`,
      personId: input.personId,
      episode: input.episode,
      agencyId,
      subject: n.subject,
      message: n.message,
      ...n.fields,
      ...(n.alsoTell ? { alsoTell: n.alsoTell } : {}),
      correlationId: input.correlationId,
    });
    notified(s, n, agencyId, iso(now()));
  }

  async function handOverToNextEpisode(): Promise<void> {
    const r = s.returned!;
    const carried: CarriedHistory = {
      fromEpisode: input.episode,
      reason: r.reason,
      recallReasonCode: r.recallReasonCode,
      openNeeds: needs(),
      // Activity and signal arguments only (not compared on replay): the next episode holds a
      // carried need these no longer indicate (review of stop 41, pathway-hold S1).
      ...(assessedPathways().length > 0 ? { pathways: assessedPathways() } : {}),
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
      // The same person: what this episode knew of them (the reception, signalled to the next
      // journey too, adds what this lacks: receivedAgain).
      ...(input.sex !== undefined || s.personFacts?.sex !== undefined
        ? { sex: input.sex ?? s.personFacts?.sex }
        : {}),
      // Until need-age-asked-1: since, the next journey asks the liberation service for the age.
      ...((input.dateOfBirth ?? s.personFacts?.dateOfBirth) !== undefined && !patched(AGE_ASKED_PATCH)
        ? { dateOfBirth: input.dateOfBirth ?? s.personFacts?.dateOfBirth }
        : {}),
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

  /**
   * This episode's reception, a return to custody, was reversed as recorded in error
   * (return-reversal-1): the journey of the episode before, closed by that return, starts again
   * (a new run of its workflow id). The history came by input or by signal (`s.carried`), or has
   * not come yet (`input.returnOf`): the activity then reads the release and the needs from that
   * journey's returned plan, once it has closed.
   */
  async function resumeEpisodeBefore(): Promise<void> {
    const carried = s.carried;
    const request = s.closeRequested!;
    const episode = carried?.fromEpisode ?? input.returnOf!;
    if (carried && carried.releasedAt === undefined)
      return notResumable({
        episode,
        outcome: 'NOT_RESUMABLE',
        reason: 'the history carried names no release',
      });
    const answer = await throughcareResume.resumeEpisode({
      workflowId: throughcareWorkflowId(input.personId, episode),
      resumed: {
        reversedAt: request.requestedAt,
        reversedEpisode: input.episode,
        // Activity arguments only (not compared on replay): the notice names the return (stop 39, N7).
        returnedAt: input.receivedAt,
        eventId: request.eventId,
        ...(carried
          ? {
              returnReason: carried.reason,
              releasedAt: carried.releasedAt,
              openNeeds: [...carried.openNeeds],
              ...(carried.pathways ? { pathways: carried.pathways.map((o) => ({ ...o })) } : {}),
            }
          : {}),
      },
    });
    if (answer.outcome === 'NOT_RESUMABLE') return notResumable({ episode, ...answer });
    // The closure instant is the worker's to reopen the case record with, not the plan's.
    const { closedAt: _reopened, ...outcome } = answer;
    s.previousResumed = { episode, ...outcome };
    log.info('journey of the episode before started again', { ...s.previousResumed });
  }

  /**
   * The journey of the episode before cannot be started again: nobody follows the person up in
   * the community, so an operator is told (review of stop 39, M2), by an item this journey waits
   * on (RETRY asks again; SKIP, once the follow-up is arranged outside the platform, lets it end).
   */
  async function notResumable(outcome: NonNullable<JourneyState['previousResumed']>): Promise<void> {
    s.previousResumed = outcome;
    log.warn('journey of the episode before not started again', { ...outcome });
    await raise(
      'episode:resume',
      'operator',
      {
        type: 'EPISODE_NOT_RESUMABLE',
        message: `the return to custody into episode ${input.episode} was reversed, but the journey of episode ${outcome.episode} cannot be started again (${outcome.reason ?? 'no reason given'}): the person is in the community with no follow-up here. Arrange it outside the platform and skip this item, or retry once the cause is put right`,
      },
      ['RETRY', 'SKIP'],
    );
  }

  /** Since `effect-lanes-1`: the effect in flight in each lane. */
  const inFlight = new Map<Lane, Promise<void>>();
  /** An effect's failure that is not an attention item (a domain error, a bug): handled by the next step. */
  let laneFailure: { err: unknown; action: Action } | undefined;
  /** Effects answered so far (lanes), and the count when the loop last planned: an answer in between is not missed. */
  let laneAnswers = 0;
  let answersAtPlanning = 0;

  /** Follows an effect started in its lane; the loop is woken when it ends. */
  function track(lane: Lane, a: Action, effect: Promise<void>): void {
    inFlight.set(lane, effect);
    effect.then(
      () => {
        inFlight.delete(lane);
        laneAnswers += 1;
        changed();
      },
      (err: unknown) => {
        inFlight.delete(lane);
        laneAnswers += 1;
        laneFailure ??= { err, action: a };
        changed();
      },
    );
  }

  /** The attention key of an action (the step an item holds). */
  const actionKey = (a: Action): string =>
    a.kind === 'cancel' ? `cancel:${a.booking.bookingId}` : 'action' in a ? a.action : a.kind;

  /**
   * The one next thing to do, done (or, in its lane, started); false when there is nothing to do
   * until a fact, an instant or an effect in flight changes.
   */
  async function step(): Promise<boolean> {
    if (laneFailure) {
      const { err, action } = laneFailure;
      laneFailure = undefined;
      // A domain error in an effect's own work (a date past the calendar…) holds that step on an
      // item, so the loop does not start it again and again; anything else fails the task as before.
      const failure = planningFailure(err);
      if (!failure) throw err;
      await raise(actionKey(action), 'operator (correct the fact the step cannot use, then retry)', failure);
      return true;
    }
    answersAtPlanning = laneAnswers;
    planning = true;
    let a: Action | undefined;
    let lane: Lane | undefined;
    try {
      p.adoptFixes();
      p.adoptPerNeed();
      a = p.nextAction(inFlight.size > 0 ? new Set(inFlight.keys()) : undefined);
      // Asked only where the two behaviours differ (an effect to start), and only from planning.
      lane = a && v3 ? laneOf(a) : undefined;
      if (lane && !patched(EFFECT_LANES_PATCH)) lane = undefined;
    } finally {
      planning = false;
    }
    if (!a) return false;
    const effect = execute(a);
    if (effect) {
      if (lane) track(lane, a, effect);
      else await effect;
    }
    return true;
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
        // The clocks adopt planner-fixes-2 too (workflow code, never a query): the first pass after
        // a deploy may come before the loop's first planning, e.g. after downtime.
        p.adoptFixes(patched);
        p.syncDeadlines();
        due = p.dueClock();
        wake = p.clockWake();
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
      // A report awaits an activity: time and facts may have moved meanwhile, so the clocks are
      // looked at again (a due instant passed during the report must not be slept through).
      if (!blocked(LEDGER_ACTION) && patched(SLA_LEDGER_PATCH) && (await reportClocks())) continue;
      const seenVersion = version;
      const seenTick = planTick;
      const woken = () => version !== seenVersion || planTick !== seenTick || clocksStopped;
      if (wake === undefined || wake <= now()) {
        await condition(woken);
        continue;
      }
      clockTimer = await untilOrTimer(woken, wake, clockTimer, 'Wake when the next clock falls due');
    }
  }
  let clockTimer: Timer | undefined;
  let loopTimer: Timer | undefined;

  /**
   * The clocks as last reported to the SLA ledger (this run; a new run reports once more). A
   * report that fails for good is an attention item (RETRY reports again; SKIP stops reporting
   * for the journey's life).
   */
  let clocksSignature: string | undefined;
  /** Reports the clocks if they changed since the last report; whether it did (or tried). */
  async function reportClocks(closedAt?: string): Promise<boolean> {
    const clocks = s.deadlines.map((d) => ({
      key: d.key,
      clock: d.clock,
      owedBy: d.owedBy,
      owedTo: d.owedTo,
      startedAt: d.startedAt,
      dueAt: d.dueAt,
      status: d.status,
      ...(d.metAt !== undefined ? { metAt: d.metAt } : {}),
      ...(d.breachedAt !== undefined ? { breachedAt: d.breachedAt } : {}),
      ...(d.note !== undefined ? { note: d.note } : {}),
    }));
    const signature = JSON.stringify([establishment(), clocks, closedAt ?? null]);
    if (signature === clocksSignature) return false;
    const seq = (s.clocksReported ?? 0) + 1;
    // Busy like a breach being recorded: the run does not continue as new with a report in flight
    // (the next run would report again under the same key, and the newer clocks be dropped).
    clocksBusy = true;
    try {
      await report(seq, clocks, signature, closedAt);
    } finally {
      clocksBusy = false;
    }
    return true;
  }
  async function report(
    seq: number,
    clocks: ReportedClock[],
    signature: string,
    closedAt: string | undefined,
  ): Promise<void> {
    await act(LEDGER_ACTION, 'orchestrator (SLA ledger)', async () => {
      await throughcare.reportClocks({
        // The run in the key: a run reset to an earlier point reports again under keys of its own
        // (the seq it reached before the reset would otherwise be taken, and its reports dropped).
        idempotencyKey: `${keys}:clocks:${workflowInfo().runId}:${seq}`,
        personId: input.personId,
        episode: input.episode,
        journey: keys,
        seq,
        reportedAt: iso(now()),
        jurisdiction: input.jurisdiction,
        establishmentCode: establishment(),
        localAuthority: input.homeLocalAuthority,
        policy: { id: ctx.policy.id, version: ctx.policy.version },
        clocks,
        ...(closedAt !== undefined ? { closedAt } : {}),
        correlationId: input.correlationId,
      });
      s.clocksReported = seq;
      clocksSignature = signature;
    });
  }

  /**
   * Waits until `woken` holds or the instant `at` comes, on one timer per instant that is never
   * cancelled (v3): a timer cancelled in the workflow task in which it fired is refused by the
   * time-skipping test server (temporalio/sdk-java#3088), stranding the run, and `condition` with a
   * timeout cancels its timer whenever the predicate wins. A timer left to fire unheard costs one
   * empty workflow task. Returns the timer to reuse while the instant stays the same.
   */
  async function untilOrTimer(
    woken: () => boolean,
    at: number,
    timer: Timer | undefined,
    why: string,
  ): Promise<Timer> {
    const armed = timer?.at === at ? timer : arm(at, why);
    await condition(() => armed.fired || woken());
    return armed;
  }
  /** A timer to `at`; its summary (the UI's event history) says why the journey wakes then. */
  function arm(at: number, why: string): Timer {
    const timer: Timer = { at, fired: false };
    sleep(Math.max(1, at - now()), { summary: `${why} (${iso(at)})` }).then(
      () => {
        timer.fired = true;
      },
      () => undefined, // the workflow was cancelled: nothing waits on this timer any more
    );
    return timer;
  }

  function bookingService(kind: Booking['kind']): string {
    return kind === 'FIRST_APPOINTMENT' || kind === 'FOLLOW_UP_APPOINTMENT'
      ? 'referral service (appointments)'
      : 'liberation service (bookings at the prison)';
  }

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

  /**
   * Asks the directory which agency to refer `pathway` to next (its eligibility rule, leaving out
   * the agencies tried): none left is a gap in the plan, asked again daily (referral-per-need-1).
   */
  async function chooseNeedAgency(pathway: Pathway): Promise<void> {
    const exclude = p.needExclusions(pathway);
    const months = sentenceMonthsOf(input);
    // Not recorded: services bounded by sex or age are not chosen (the directory's rule).
    const person = { ...input, ...s.personFacts };
    const age = patched(AGE_ASKED_PATCH) ? await askedAge() : directoryAgeOf(person, new Date(now()));
    const answer = await directory.chooseAgency({
      pathway,
      localAuthority: input.homeLocalAuthority,
      ...(months !== undefined ? { sentenceMonths: months } : {}),
      ...(person.sex !== undefined ? { sex: person.sex } : {}),
      ...(age !== undefined ? { age } : {}),
      exclude,
    });
    needAgencyChosen(s, pathway, answer, iso(now()), uuid4());
    if (!answer.choice)
      log.warn('no eligible agency left for a need; asking the directory again tomorrow', {
        pathway,
        localAuthority: input.homeLocalAuthority,
        excluded: exclude.length,
      });
  }

  /**
   * The person's age today, from the liberation service, which keeps the date of birth; undefined
   * when none is recorded, when the service has no record of the episode (a reception published
   * upstream that it never applied: it says so after its late attempts, about two minutes), or
   * when it did not answer within ten minutes (`liberationAge`). Asked from an effect, not from
   * planning: `patched(AGE_ASKED_PATCH)` is ordinary workflow code there.
   */
  async function askedAge(): Promise<number | undefined> {
    try {
      const { age } = await liberationAge.personAgeOn({
        personId: input.personId,
        episode: input.episode,
        at: iso(now()),
      });
      return age;
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      const type = failureType(err);
      log.warn(
        type === EPISODE_NOT_FOUND
          ? 'episode unknown to the liberation service; the directory is asked without the age'
          : type === 'VALIDATION_FAILED'
            ? "the liberation service refused the age question (a clock far from the Temporal server's, or a defect); the directory is asked without the age"
            : 'the liberation service did not answer the age; the directory is asked without it',
        { episode: input.episode, failure: type ?? err.cause?.message ?? err.message },
      );
      return undefined;
    }
  }

  /** The liberation date and risk a referral carries to its agency, as the journey knows them now. */
  function referralFacts(): { liberationDate: string; riskOfSeriousHarm?: RiskOfSeriousHarm } {
    // Since `risk-notice-1`, the latest risk assessment's level (an argument, not a command: no patch of its own).
    const risk = p.referralRiskOfSeriousHarm();
    return { liberationDate: liberationDate(), ...(risk ? { riskOfSeriousHarm: risk } : {}) };
  }

  /** Sends a need's try `no` (1-based): the one holding the need when the send starts. */
  async function sendNeedReferral(pathway: Pathway, no: number): Promise<void> {
    const current = p.needReferral(pathway)!.tries[no - 1]!;
    const sentAt = iso(now());
    const minted = current.referralId;
    const told = p.noticeFacts();
    const { referralId } = await referral.sendReferral({
      idempotencyKey: `${keys}:referral:need:${pathway}:${no}:${current.agencyId}`,
      referralId: current.referralId,
      personId: input.personId,
      episode: input.episode,
      agencyId: current.agencyId,
      pathways: [pathway],
      sentAt,
      acknowledgeBy: deadlineFor(ctx.policy, 'referralAcknowledgement', new Date(sentAt)).toISOString(),
      // Its staff read the referral and the notes meant for them (an argument, not a command: no patch).
      establishmentCode: establishment(),
      // What the agency plans around (arguments, not commands: no patch).
      ...referralFacts(),
      correlationId: input.correlationId,
    });
    needReferralSent(s, minted, sentAt, referralId);
    p.needReferralBaseline(current.agencyId, told);
  }

  async function sendReferral(): Promise<void> {
    const kind = input.jurisdiction === 'SCOTLAND' ? 'CJSW' : 'PROBATION';
    const sentAt = iso(now());
    const told = p.noticeFacts();
    const { referralId } = await referral.sendReferral({
      idempotencyKey: `${keys}:referral:${kind}`,
      personId: input.personId,
      episode: input.episode,
      agencyId: s.agencyId!,
      pathways: needs(),
      sentAt,
      acknowledgeBy: deadlineFor(ctx.policy, 'referralAcknowledgement', new Date(sentAt)).toISOString(),
      // Its staff read the referral and the notes meant for them (an argument, not a command: no patch).
      establishmentCode: establishment(),
      // What the agency plans around (arguments, not commands: no patch).
      ...referralFacts(),
      correlationId: input.correlationId,
    });
    referralSent(p, s, referralId, sentAt, told);
  }

  // ---- The loop ------------------------------------------------------------------------------

  const parked = policyProblem !== undefined;
  if (parked) {
    upsertSearchAttributes([{ key: SearchAttributes.localAuthority, value: input.homeLocalAuthority }]);
    await parkUntilPolicy();
  }
  upsertMemo({
    policyId: ctx.policy.id,
    policyVersion: ctx.policy.version,
    jurisdiction: input.jurisdiction,
    run: s.run,
  });
  if (!parked)
    upsertSearchAttributes([{ key: SearchAttributes.localAuthority, value: input.homeLocalAuthority }]);
  const clocks = v3 ? watchClocks() : undefined;
  /** The open clocks as the watcher last saw them: it is woken only when they change. */
  let openClocks = '';
  const tellClocks = () => {
    // A journey reporting to the SLA ledger (sla-ledger-1) is also woken when its establishment
    // changes (a transfer settles: the open clocks are owed by the new prison); one that does not
    // report is woken as before.
    const now_ =
      (s.clocksReported !== undefined ? `${establishment()}|` : '') +
      s.deadlines
        .filter((d) => d.status === 'OPEN')
        .map((d) => `${d.key}@${d.dueAt}`)
        .join(',');
    if (now_ !== openClocks) {
      openClocks = now_;
      planTick += 1;
    }
  };
  try {
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
        (!s.returned || s.nextEpisodeHandedOver || p.skipped('episode:next')) &&
        !p.resumeOwed() &&
        !(v3 && s.attention.some((a) => a.status === 'OPEN' && a.options.includes('RETRY'))) &&
        inFlight.size === 0 &&
        !laneFailure
      )
        break;
      if (did) continue;
      // An effect answered while the loop was planning: plan again rather than sleep past it (lanes).
      if (laneAnswers !== answersAtPlanning) continue;
      // Idle, and nothing in flight in any lane: a stage boundary or a long history starts a new run.
      if (inFlight.size === 0 && shouldContinueAsNew()) {
        await condition(() => allHandlersFinished() && !clocksBusy);
        if (v3 && s.attentionUnrecorded.length > 0) continue; // recorded first (the queue is carried anyway)
        if (!shouldContinueAsNew() || clocksBusy) continue;
        // The next run inherits this one's search attributes: none of its activities is pending.
        if (failing.size > 0) {
          failing.clear();
          refreshFailing();
        }
        log.info('continuing as new', { stage: s.stage, run: s.run });
        // No date of birth goes on to the next run (a journey started before need-age-asked-1 had
        // one): the new run asks the liberation service for the age. Not compared on replay.
        const { dateOfBirth: _born, ...nextInput } = input;
        const { dateOfBirth: _told, ...personFacts } = s.personFacts ?? {};
        return continueAsNew<(i: ThroughcareInput) => Promise<PlanView>>({
          ...nextInput,
          continued: s.personFacts ? { ...s, personFacts } : s,
        });
      }
      const seenVersion = version;
      let wake: number | undefined;
      try {
        wake = p.nextWake();
      } catch {
        wake = undefined; // the plan cannot be derived (an attention item says why): wait for a fact
      }
      working = false;
      if (wake === undefined) await condition(() => version !== seenVersion);
      else if (v3)
        loopTimer = await untilOrTimer(
          () => version !== seenVersion,
          wake,
          loopTimer,
          'Wake for the next planned step (a review, a booking, a retry)',
        );
      else await condition(() => version !== seenVersion, Math.max(1, wake - now()));
    }
  } catch (err) {
    // The workflow is cancelled while effects are in flight (lanes): their compensations run to the
    // end (they are not cancellable) and are recorded before the journey stops. Serially, the loop
    // was awaiting the effect itself, so nothing was in flight here.
    if (isCancellation(err) && inFlight.size > 0)
      await CancellationScope.nonCancellable(() => condition(() => inFlight.size === 0));
    throw err;
  }
  if (v3) {
    finishing = true;
    clocksStopped = true;
    await condition(() => !clocksBusy);
    await clocks;
    // The clocks as the case closed (cancelled, met, breached), whatever the coroutine last saw.
    // closedAt: when the case closed (its closure recorded), not when the workflow finishes, which
    // may be later (a hand-over to the next episode, an item an operator had to retry).
    if (!blocked(LEDGER_ACTION) && patched(SLA_LEDGER_PATCH)) {
      await reportClocks(s.closedAt ?? iso(now()));
      // A last report that failed for good: its item is closed with the case just below, so the
      // log says so (the ledger keeps the report before it).
      if (openAttention(LEDGER_ACTION))
        log.error('the last clocks report to the SLA ledger failed; the ledger keeps the one before', {
          workflowId: wfId,
        });
    }
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
    closedByJourney(s, item, option, reason, iso(now()));
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
      await condition(() => !openAttention('policy') || p.closingReason() !== undefined);
      working = true;
      if (p.closingReason() !== undefined) {
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
        usePolicy(ctx, s.policy);
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
