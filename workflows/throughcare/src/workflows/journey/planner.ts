import type {
  AgencyAttendanceRecorded,
  AlsoTell,
  AssessmentKind,
  AttentionItemView,
  AttentionOption,
  ClosureReason,
  NeedReferralView,
  NeedStopped,
  NeedTryStatus,
  NotificationSubject,
  PathwayOutcomeView,
  PathwayStatus,
  ReferralOutcome,
  RiskRise,
  Stage,
  ThroughcareInput,
} from '@throughcare/contracts';
import { Pathway } from '@throughcare/contracts';
import {
  addDays,
  custodyVisitDates,
  clockLender,
  deadlineFor,
  type JourneyClockName,
  ageOn,
  dateOfBirthIssues,
  withClock,
  isWorkingDay,
  localDateOf,
  nextWorkingDay,
  previousWorkingDay,
  policyById,
  releaseDay,
  EW_SHORT_SENTENCE_MAX_DAYS,
  riskRises,
  releaseRelativeDeadline,
  scottishLiberationDate,
  startOfLocalDay,
  type ClockName,
  type RiskAssessment,
  type SlaPolicy,
} from '@throughcare/domain';
import type {
  Booking,
  Deadline,
  JourneyState,
  NeedReferral,
  NeedTry,
  RiskRecord,
  Told,
} from './journey-state';
import { latestDecisionOf } from './outcomes';
import { openingOf } from './opening';

/**
 * The journey's planner: everything journey v2 derives from its facts and the clock (stage, clocks,
 * the bookings that should exist, what the agency should be told, the one next thing to do), as
 * pure functions of (context, state, now). No workflow API is used here, so the planner runs the
 * same inside a workflow, in a unit test and in a property test's simulation; the workflow
 * (journey-v2.ts) is the shell that records facts and executes the actions it returns.
 *
 * The only writes are to `s.deadlines` (syncDeadlines, and a skipped breach in dueClock): the
 * deadline list is itself derived, kept in the state so that met and breached clocks are remembered;
 * and to `s.adopted` (adoptFixes, from the shell's planning and clocks only).
 */

const DAY_MS = 86_400_000;
/** Clocks that only make sense while the person is in custody: cancelled (unless already breached) at release. */
export const CUSTODY_CLOCKS: readonly ClockName[] = [
  'coreScreen',
  'comprehensiveScreen',
  'firstStandardReview',
  'standardReview',
  'summaryReview',
  'preReleaseMeeting',
];
export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Fixes found by the planner's property tests (journeys that reach the changed branch after this
 * patch; before it, and in replays of journeys recorded before it, the old behaviour). `patched()`
 * is asked lazily, only where old and new behaviour differ, and only from the main loop's planning
 * (the shell refuses it anywhere else). The first and last fixes apply to v2 journeys too (they are not
 * under `nobody-lost-1`); the other two need v3's attention items.
 * - visits are planned before the pre-release meeting as booked (a meeting kept on another day
 *   than the one the plan would now choose), not before the day the plan would choose: a visit
 *   could be booked on the meeting's own day;
 * - a "no pre-release meeting possible" attention item that no longer applies (the liberation
 *   date moved again, or a meeting became possible) is closed by the journey, not left open;
 * - when fewer custody visits fit before the meeting than the policy wants, an attention item
 *   says so (prison and agency acknowledge it), closed by the journey if they fit again;
 * - a pre-release meeting booked before the release moved out of the planning window is cancelled
 *   (and booked again when planning opens), not kept weeks or months ahead of its time.
 */
export const PLANNER_PROPERTIES_PATCH = 'planner-properties-1';

/**
 * Fixes found by the planner's mutation tests (issue 7). Unlike the fixes above they change
 * derivations the clocks' coroutine reads too, so a v3 journey asks `patched()` at each planning
 * and each pass of its clocks until it says yes (`adoptFixes`), and keeps the answer in
 * `s.adopted` (carried across continue-as-new); replays of journeys recorded before it keep the
 * old behaviour.
 * - a pre-release meeting booked for its own due day is kept on that day: when the due day is the
 *   last working day before liberation, it was cancelled on the day as "no working day left";
 * - a clock already overdue when the reason it no longer applies arose (a closure, a release) is
 *   breached, not cancelled: after worker downtime both could be handled together and the breach
 *   was lost; the closure waits for the breach to be on record;
 * - a pre-release meeting not reported held by the end of the working day after its own lapses:
 *   an attention item tells prison and agency, the booking is cancelled (the liberation service
 *   answers ALREADY_HELD, with the instant, if it was held) and booked again, or the meeting is
 *   found impossible: the stale booking held the slot and no meeting was ever booked again;
 * - a pre-release meeting's due day that is no working day is brought back to the working day
 *   before it (a short-notice meeting was booked, and kept, on a Sunday);
 * - a clock met after its due instant, with the breach not yet on record (both handled after
 *   downtime), is breached and then met late, not simply met;
 * - the core screen is not requested again when an operator retries its failed request after the
 *   screen was completed anyway; the journey closes that item itself;
 * - a standard review's clock after the first starts at the previous review's completion (its
 *   base), not at reception;
 * - the agency is told "the transfer to X was recorded in error" only when X, the establishment
 *   it was told, is a reversed transfer's destination: after BAR→EDI→GRE with GRE reversed before
 *   the agency heard of EDI, it was told the transfer to BAR had been an error.
 */
export const PLANNER_FIXES_PATCH = 'planner-fixes-2';

/**
 * A fix found by the planner's property test (a counterexample of 2026-11-30): a pre-release
 * meeting whose day has come (today, or passed and waiting for its "held" report until it lapses,
 * `planner-fixes-2`) is no longer cancelled when the release moves out of the planning window. The
 * meeting may be under way or held already; cancelling it saved nobody a journey, and if the
 * release then moved back the meeting could not be booked again for a day gone by, so the journey
 * found a meeting impossible that it would have kept had it heard of the final date at once. It is
 * held (and counts) or lapses as any other. Asked lazily, only where the two behaviours differ, by
 * journeys that adopted `planner-fixes-2`.
 */
export const MEETING_DAY_COME_PATCH = 'meeting-day-come-1';
/**
 * A fix found by the planner's property test (a counterexample of 2026-12-01): a pre-release
 * meeting whose day has gone by (waiting for its "held" report until it lapses, `planner-fixes-2`)
 * is history at the prison where it was booked, and a move no longer cancels it as "person moved".
 * It is reported held (and counts) or lapses as any other, and is then booked again at the new
 * prison. Before it, a transfer that settled the day after the meeting cancelled it; if the
 * transfer was then reversed, the journey booked a second meeting it would not have booked had it
 * heard of the final facts at once. Adopted with the fixes (`adoptFixes`, by journeys that adopted
 * `planner-fixes-2`), kept in `s.adopted`: the meeting date is derived in queries too, where
 * `patched()` may not be asked.
 */
export const MEETING_DAY_GONE_PATCH = 'meeting-day-gone-1';

/**
 * A fix found by the planner's property test (a counterexample of CI on 2026-12-06): an earlier
 * agency taking a need back while the needs are not due (the liberation date moved later after the
 * journey had referred the need to another agency) withdraws the other agencies' referrals that
 * have not taken the need on, as it does while the needs are due. Before it, such a referral stayed
 * standing with an agency that had not taken the need on, beside the one that had, until the needs
 * were due again. Asked lazily, only where the two behaviours differ (a withdrawal or a stale
 * withdrawal item while the needs are not due), from the main loop's planning.
 */
export const NEED_SUPERSEDED_UNDUE_PATCH = 'need-superseded-undue-1';

/**
 * A fix found by the review of the court liberation reversal (stop 38, M2): a journey opened by a
 * liberation from court, closed because that liberation was recorded in error
 * (`custody.court-liberation.reversed`, bridged as RECEIVED_IN_ERROR), tells its agency that the
 * liberation from court was recorded in error. Before it, the agency read that "the reception that
 * opened this case" was, for a person who was never received. Asked lazily, only by such a journey
 * at its closure notice, from the main loop's planning.
 */
export const COURT_REVERSAL_NOTICE_PATCH = 'court-reversal-notice-1';

/**
 * A clock the journey's captured policy version lacks is borrowed from the oldest later version of
 * the same policy that defines it (`withClock`; the deadline's note names the lender). England & Wales versions 1–3 had no follow-up
 * after a missed first appointment, so planning failed at the first missed appointment: the
 * journey parked on a `plan` attention item that no retry or correction could clear (found by the
 * clock register, issue 7 finding 8). Adopted like `planner-fixes-2` (asked at each planning and
 * each pass of the clocks until yes, kept in `s.adopted`), by v2 journeys too; before it, such a
 * plan still fails. A journey already parked on that `plan` item has nothing to wake it: an
 * operator's retry does (README, Operations).
 */
export const POLICY_GAPS_PATCH = 'policy-gaps-1';
/**
 * One referral per need (issue 9): besides the justice social work or probation referral, every
 * assessed need is referred, once release planning opens (or at release), to an agency the directory chooses for it (`chooseAgency`, its documented
 * eligibility rule). A decline (or the agency withdrawing) moves the need to the next eligible
 * agency; an agency that declined is offered again only after DECLINE_COOL_OFF_MS, and not after
 * MAX_DECLINES_PER_NEED declines. An earlier agency that reconsiders and accepts takes the need
 * back (the later referral not accepted is withdrawn). None left: the need shows as a gap in the
 * plan (`needReferrals`, status `GAP`) with an attention item for prison staff (skipping it stops
 * referring the need), and the directory is asked again daily. Closing the case withdraws the need
 * referrals still open.
 * Adopted from the main loop's planning only (`adoptPerNeed`), at a journey's first planning or
 * by a v3 journey in custody whose release planning has not opened, so a deploy sends nothing for
 * people already released or already being planned for; kept in `s.adopted`. Before it, needs go
 * only to the justice social work team.
 */
export const REFERRAL_PER_NEED_PATCH = 'referral-per-need-1';
/**
 * A clock for each need referral's acknowledgement (issue 9), as the justice social work referral
 * has: due by the policy's `referralAcknowledgement` from when it was sent, owed by its agency to
 * the prison, met by the acknowledgement (or, told out of order, the agency's first decision). A
 * breach goes to the SLA ledger like any other. A referral the journey withdraws before it was
 * acknowledged no longer wants the clock: cancelled, or a breach if it was overdue by then.
 * Before it, an agency that never answered left the need `SENT` with nobody told. Adopted with
 * the fixes (`adoptFixes`) by journeys that refer each need and adopted `planner-fixes-2`; kept
 * in `s.adopted` (the deadline list is derived in queries too).
 */
export const NEED_REFERRAL_CLOCKS_PATCH = 'need-referral-clocks-1';
/**
 * The release notice (issue 9): once the release has stood its settle window, the agency is told
 * (`RELEASED`, with the day released and the establishment released from) before anything is
 * booked against it. Before it, the agency learnt of a release only because a first appointment
 * appeared (`booked` moved `s.told` to out of custody silently, as it still does should the notice
 * be held or skipped). Adopted with the fixes (`adoptFixes`) by journeys that adopted
 * `planner-fixes-2`; kept in `s.adopted`. A journey adopting it after its agency already learnt of
 * the release that way sends nothing.
 */
export const RELEASE_NOTICE_PATCH = 'release-notice-1';
/**
 * A declined referral stands the agency down (issue 9): while the justice social work (or
 * probation) referral's latest decision is a decline or the agency's withdrawal, no custody visit
 * is booked with that agency and those booked are cancelled, and prison staff get an attention
 * item (`agency-declined:<agency>:<decidedAt>`, acknowledged by SKIP) saying so; the agency taking
 * it up again (a later acceptance) brings the visits back and closes the item. Before it, visits
 * kept being booked with an agency that had declined. Adopted with the fixes (`adoptFixes`) by
 * journeys that adopted `planner-fixes-2`; kept in `s.adopted`.
 */
export const AGENCY_DECLINED_PATCH = 'agency-declined-1';
/**
 * A gate pick-up is met at the prison the person was released from: one booked at another prison
 * is cancelled once the release has settled (a transfer the journey never heard of, or one that
 * settled with the release while the journey was not running, so the pick-up was never moved).
 * Before it, such a pick-up stayed booked at the old prison. Found by the planner's property test
 * (2026-12-03). Adopted with the fixes (`adoptFixes`) by journeys that adopted `planner-fixes-2`;
 * kept in `s.adopted`.
 */
export const PICKUP_RELEASE_PRISON_PATCH = 'pickup-release-prison-1';
/**
 * A declined referral stands the agency down after release too (issue 9): while the justice
 * social work (or probation) referral's latest decision is a decline or the agency's withdrawal,
 * no first appointment or follow-up is booked with that agency, one booked is cancelled, and the
 * first-appointment clock runs on (a breach shows the person was not seen). The agency taking it
 * up again closes the item, but the journey books a release's first appointment once: one
 * cancelled so is not booked again, and the agency books its own against the referral. Before it, `agency-declined-1` stopped custody visits
 * only, and the first appointment was still booked with the agency that declined. Adopted with
 * the fixes (`adoptFixes`) by journeys that adopted `agency-declined-1`; kept in `s.adopted`.
 */
export const DECLINED_APPOINTMENTS_PATCH = 'declined-appointments-1';
/**
 * The clocks follow the appointments agencies book themselves (issue 9): an attendance at an
 * appointment the justice social work (or probation) team booked against its referral meets the
 * release's first-appointment clock as one the journey booked does, and a missed one starts the
 * follow-up clock; each need's agency that accepted the need owes the person a first appointment
 * by the policy's `firstAppointment` from the later of the release and its acceptance (met by an
 * attendance at an appointment it booked against that need's referral), and a missed one starts
 * its follow-up clock (`missedAppointmentFollowUp`). A need clock stops being wanted, unmet, when
 * the try stops standing (the agency declined or withdrew, closed its work, or the journey
 * withdrew it): cancelled, or a breach if overdue by then. Before it, the first-appointment clock
 * was met only by the journey's own appointment, so a team that booked its own saw a breach, and
 * need agencies owed no appointment at all. Adopted with the fixes (`adoptFixes`) by journeys that
 * adopted `planner-fixes-2`; kept in `s.adopted`, with the instant (`s.agencyAppointmentsFrom`):
 * a need's first-appointment clock based before it is not charged.
 */
export const AGENCY_APPOINTMENTS_PATCH = 'agency-appointments-1';
/**
 * The deadline key of a need try's (`no`, 1-based) first appointment after a release, or of its
 * follow-up of a missed appointment (`about`: the release's event id, or the missed one's).
 */
export const needAppointmentKey = (
  kind: 'needFirstAppointment' | 'needMissedFollowUp',
  pathway: Pathway,
  no: number,
  about: string,
) => `${kind}:${pathway}:${no}:${about}`;
/** The earlier of two instants (either may be absent). */
const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : Date.parse(b) < Date.parse(a) ? b : a;
/**
 * Need agencies hear of changes of plan when there is no main agency (issue 9): the referral
 * service gives every agency holding an open referral of the episode its own copy of a notice the
 * journey sends to one agency, so with no justice social work (or probation) referral (none listed
 * for the area) nobody was told of a new date, a transfer or a release. Since it, a journey with
 * no main referral keeps what the need agencies were told (`s.told`, from the facts when its first
 * need referral was sent, or when it adopted the patch after one was) and sends each change to
 * the agency holding the first need still standing (sent, not withdrawn, not declined, not
 * closed); none standing, nothing is sent until one stands. The pre-release meeting and closing
 * notices stay the main agency's (closing withdraws the need referrals with a reason). The main
 * referral, once sent, takes over the baseline. Adopted with the fixes (`adoptFixes`) by journeys
 * that refer each need; kept in `s.adopted`.
 */
export const NEED_AGENCY_NOTICES_PATCH = 'need-agency-notices-1';
/**
 * A gate pick-up that does not fit the release is cancelled even when the case closes (found by
 * the planner's property test, 2026-12-04): consent withdrawn (or any closure) while a release
 * was settling left a pick-up booked for another day, or at another prison, because at closure a
 * released journey kept every pick-up (meant for the one on the day, which may have happened). The
 * one on the release day at the prison released from is still kept. Adopted with the fixes
 * (`adoptFixes`); kept in `s.adopted`.
 */
export const PICKUP_AT_CLOSURE_PATCH = 'pickup-at-closure-1';
/**
 * A changed liberation date also gives the pre-release meeting (issue 9): the notice names the
 * meeting booked for the new date (its day and prison; fields `preReleaseMeetingDate` and
 * `preReleaseMeetingEstablishmentCode`), so the agency does not learn the date from one place and
 * the meeting from another. While the prison's bookings are in flight (the liberation lane busy:
 * the old meeting cancelled, the new one booked) the notice waits for them, as "no day is left for
 * the meeting" does; a meeting not wanted yet (release planning not open), impossible, or whose
 * booking is held by an attention item is not waited for: the notice goes with the date alone.
 * Before it, the notice named the date alone. Adopted with the fixes (`adoptFixes`); kept in
 * `s.adopted`.
 */
export const MEETING_IN_NOTICE_PATCH = 'meeting-in-notice-1';
/**
 * England & Wales has a release-day rule (issue 10): a release due on a day that is not a working
 * day takes place on the last preceding working day (Criminal Justice Act 1961 s.23(3);
 * `releaseDay` in the domain library). Before it, an England & Wales journey planned for the
 * expected release date as given, so a release due on a Saturday had its meeting, pick-up and
 * first appointment planned from a day the person would not leave. Adopted with the fixes
 * (`adoptFixes`) by England & Wales journeys; kept in `s.adopted`. A journey adopting it with a
 * date that moves re-plans from the new date, and an agency already told the old one is told the
 * new (a LIBERATION_DATE_CHANGED notice), as for any change. A release that has happened is never
 * moved (its day is the day it happened, as since v3).
 */
export const EW_RELEASE_DAY_PATCH = 'ew-release-day-1';
/**
 * An England & Wales sentence of 5 days or less is not brought forward (the domain's `releaseDay`
 * with the sentence's length, as the liberation service's episode and gate views already apply
 * it): a release due on a Saturday takes place that Saturday. Before it (`ew-release-day-1`
 * alone) the planner gave no length, so it planned, referred and booked the gate pick-up for the
 * Friday while the prison would release on the Saturday. Asked only by England & Wales journeys
 * that adopted `ew-release-day-1`, whose reception gave a sentence of 5 days or less (not a
 * liberation from court, whose length is a placeholder); kept in `s.adopted`. A journey adopting
 * it with a date that moves re-plans from the new date, as for any change; a release that has
 * happened is never moved.
 */
export const EW_SHORT_SENTENCE_PATCH = 'ew-short-sentence-1';
/**
 * Scotland's release day by the rule in force (issue 10): the Prisoners and Criminal Proceedings
 * (Scotland) Act 1993 s.27(7) as enacted (a release due on a Saturday, Sunday or public holiday is
 * brought forward to the last preceding day that is none of them), because the Bail and Release
 * from Custody (Scotland) Act 2023 s.8 (the Friday and Thursday rule) has not been commenced
 * (`releaseDay` in the domain library, whose rule table holds the commencement as policy data).
 * Before it, a Scottish journey applied s.8 as if in force, so a release due on a Friday was
 * planned for the Thursday and one due on a Thursday for the Wednesday: a day early. Adopted with
 * the fixes (`adoptFixes`) by Scottish journeys; kept in `s.adopted`. A journey adopting it with a
 * date that moves re-plans from the new date, and an agency already told the old one is told the
 * new (a LIBERATION_DATE_CHANGED notice). A release that has happened is never moved. The s.8
 * commencement is passed explicitly as "not commenced": when it is known, a new patch applies it,
 * so that a change to the domain's table never moves a running journey unannounced.
 */
export const SCOTLAND_RELEASE_DAY_PATCH = 'scotland-release-day-1';
/**
 * A risk assessment (`assessment.risk.assessed`, issue 10) the journey acts on: the latest risk is
 * kept and shown in the plan, and a rise against the version before (the domain's `riskRises`:
 * risk of serious harm, MAPPA level, likelihood of reoffending) raises an escalation to the
 * responsible agency (an attention item `risk-rose:v<version>` naming the agency, SKIP to
 * acknowledge). A fall or the same risk escalates nothing; a version older than the one kept, or
 * the same event again, changes nothing. Asked (and adopted, kept in `s.adopted`) only by a journey
 * that has been told a risk: journeys recorded before it never asked, and replay unchanged.
 */
export const RISK_ASSESSED_PATCH = 'risk-assessed-1';
/**
 * The risk notice (issue 10): a rise in risk reaches the responsible agency itself, as a
 * `RISK_ESCALATED` agency notice (the bands and MAPPA status, never the reasons). The agency is
 * told when the latest risk rose against the bands it was last told (`Told.risk`: a net rise, so
 * a rise then a fall tells nothing); an agency told none yet (a referral carries only the risk of
 * serious harm) is told the bands once the latest is elevated (high or very high risk of serious
 * harm, a MAPPA case, or a high likelihood of reoffending) or rose itself. Never to an agency that declined or withdrew, nor to need agencies (they read the
 * current level through the agency read). A referral sent after a rise carries the latest risk of
 * serious harm, not the core screen's. The escalation's attention item is raised, for the prison,
 * only while no agency can be told, and closed by the journey once the agency has been told of
 * that version. Before it (`risk-assessed-1` alone), the escalation was an attention item only.
 * Asked (and adopted, kept in `s.adopted`) by journeys that act on risk assessments; at adoption,
 * only a rise whose item an operator resolved counts as told.
 */
export const RISK_NOTICE_PATCH = 'risk-notice-1';
/**
 * Behaviour since this patch (a journey closing after it): a journey opened by a return to custody
 * (it holds the history of the episode before, `carried`) that closes RECEIVED_IN_ERROR (its
 * reception was reversed) starts the journey of the episode before again (`resumeEpisode`, a new
 * run of that workflow id with `input.resumed`): the person was never returned, and is followed up
 * in the community. Before it, the episode before was left closed (RECALLED / NEW_SENTENCE).
 */
export const RETURN_REVERSAL_PATCH = 'return-reversal-1';
/**
 * Behaviour since this patch (issue 10 audit, A10): when the latest completed assessment that
 * reports a pathway shows it SUPPORT_DECLINED, SUPPORT_NOT_REQUIRED or DONE while the journey still
 * refers that need (a need referral standing, being sent or with its agency), prison staff are told
 * by an attention item (`NEED_NO_LONGER_INDICATED`, one per need and assessment) that the existing
 * stop-need operation withdraws the referral. The journey never withdraws it itself: the need stays
 * in `needs()` (the union of every assessment's). The item is closed by the journey when the need is
 * stopped (or no longer referred otherwise), when a later assessment shows the pathway indicated
 * again, or when the case closes; skipping it keeps the referral. Asked lazily, only where an item
 * would be raised, from the main loop's planning: journeys recorded before it replay unchanged.
 */
export const PATHWAY_OUTCOMES_PATCH = 'pathway-outcomes-1';
/**
 * Behaviour since this patch (issue 10, gate arrangements "re-arranged when the date moves"): while
 * the gate arrangement prison staff recorded (`s.gate`, from `custody.gate-arrangement.recorded`)
 * was made for another liberation date than the one now, and the person is in custody, prison staff
 * have an attention item `gate-reconfirm:<liberation date>:v<arrangement version>`
 * (GATE_ARRANGEMENT_RECONFIRMATION, SKIP to say it was confirmed another way). The version is in the
 * key so that staff's answer (a SKIP) holds for that arrangement only: a later arrangement made for
 * another date, with the date moving back, asks again (review stop 42, M3). The journey closes it when the arrangement is recorded or
 * reconfirmed for that date, when the date moves back to the one it was made for (or on to another:
 * an item for that date follows), on release or when the case closes. When an agency collects,
 * the changed date's notice (LIBERATION_DATE_CHANGED) gives it a copy too (`alsoTell`: one copy per
 * agency, whether or not it also holds a referral), once the directory has said it knows the agency
 * (`lookUpAgency`, once per agency named; one it does not know is told nothing, and prison staff
 * have the item `gate-collector-unknown:<agency id>:v<version>` to correct the arrangement). Asked (and adopted, kept in `s.adopted`) only
 * by a journey told of a gate arrangement: journeys recorded before it were never told one, and
 * replay unchanged.
 */
export const GATE_RECONFIRMATION_PATCH = 'gate-reconfirmation-1';
/** The attention key of an arrangement (`version`) naming an agency the directory does not know (`gate-reconfirmation-1`). */
export const collectorUnknownAction = (version: number) => `gate-collector-unknown:v${version}`;
/** The action checking the collector arrangement `version` names with the directory (`gate-reconfirmation-1`). */
export const collectorCheckAction = (version: number) => `check-collector:v${version}`;
/** The attention key of arrangement `version` to confirm again for liberation on `date` (`gate-reconfirmation-1`). */
export const gateReconfirmAction = (date: string, version: number) => `gate-reconfirm:${date}:v${version}`;
/**
 * Behaviour since this patch (issue 10, "the reversal or correction of any movement"): a release or
 * transfer corrected in place (`custody.movement.corrected`, update `movementCorrected`) is planned
 * from as corrected: the release's instant (follow-up clocks, the release day) and a transfer's
 * instant and destination (where visits and meetings are booked, which prison acts on items; the
 * next transfer left from the corrected destination). The agencies told the wrong prison or release
 * day hear the correction (TRANSFERRED or RELEASED, in words that say it is a correction). Open
 * attention items addressed to the prison the person never was at are addressed to the right one
 * (recorded again, `reassigned`). The agencies' follow-up clocks never run from earlier than the
 * release instant they were told: a release corrected to an earlier instant neither charges them
 * for days they could not have known of nor brings the first appointment's due-by forward. Asked
 * (and adopted, kept in `s.adopted`) only by a journey told of a correction: journeys recorded
 * before it were never told one, and replay unchanged.
 */
export const MOVEMENT_CORRECTION_PATCH = 'movement-correction-1';
/** The pathways in the vocabulary's order (the plan's `pathways`). */
const PATHWAY_ORDER: readonly Pathway[] = Pathway.options;
/** The statuses that say a referred need's support is no longer indicated (`pathway-outcomes-1`). */
export const NO_LONGER_INDICATED: ReadonlySet<PathwayStatus> = new Set<PathwayStatus>([
  'SUPPORT_DECLINED',
  'SUPPORT_NOT_REQUIRED',
  'DONE',
]);
/** The attention key of a need no longer indicated by an assessment (`pathway-outcomes-1`). */
export const needNoLongerIndicatedAction = (pathway: Pathway, assessmentId: string) =>
  `need:${pathway}:no-longer-indicated:${assessmentId}`;
/**
 * Behaviour since this patch (review of stop 40, pathways M1): a need whose latest assessment of its
 * pathway says SUPPORT_DECLINED, SUPPORT_NOT_REQUIRED or DONE is **not** sent to an agency until
 * prison staff have answered: before choosing an agency for try `n` of the need, and before sending
 * try `n` when it was chosen earlier, the step is held by an attention item
 * (`need:<P>:hold:<n>:<assessmentId>`, `NEED_REFERRAL_HELD`). Skipping it refers the need all the
 * same (for that try only: a next agency, after a decline, is asked about again); stopping the need
 * withdraws it; a later assessment that shows the pathway `SUPPORT_REQUIRED` releases the hold.
 * Before it, the need was chosen and sent, and `NEED_NO_LONGER_INDICATED` raised after the send.
 * Asked only where a hold would be raised: journeys recorded before it replay unchanged.
 */
export const PATHWAY_HOLD_PATCH = 'pathway-hold-1';
/** The attention key holding try `no` of a need behind the assessment `assessmentId` (`pathway-hold-1`). */
export const needHoldAction = (pathway: Pathway, no: number, assessmentId: string) =>
  `need:${pathway}:hold:${no}:${assessmentId}`;
const NEED_HOLD_ITEM = /^need:([A-Z_]+):hold:(\d+):(.+)$/;
/** How long a changed date's notice waits for the meeting's cancellation and booking (`meeting-in-notice-1`). */
export const DATE_NOTICE_MEETING_WAIT_MS = 15 * 60_000;
/** The deadline key of a need's try `no` (1-based): its acknowledgement. */
export const needAcknowledgementKey = (pathway: Pathway, no: number) =>
  `needReferralAcknowledgement:${pathway}:${no}`;
/**
 * The stages before release planning: a journey still in one adopts per-need referrals (its stage
 * is entered after adoption at the same planning, so a journey asleep until planning opens adopts).
 */
const BEFORE_PLANNING: ReadonlySet<Stage> = new Set<Stage>([
  'RECEPTION',
  'CORE_SCREEN',
  'COMPREHENSIVE_SCREEN',
  'REFERRAL',
  'STANDARD_REVIEWS',
]);
/** How long an agency that declined a need (or withdrew) is left out of the choice for it. */
export const DECLINE_COOL_OFF_MS = 28 * DAY_MS;
/** An agency that declined (or withdrew from) a need this many times is not offered it again in the episode. */
export const MAX_DECLINES_PER_NEED = 2;

/**
 * The newest policy version a journey captures (journey-v2.ts, since `policies-2026-v3`). England &
 * Wales v4 only lends its missed-appointment follow-up; capturing it would be a patch of its own.
 */
export const NEWEST_CAPTURED_POLICY_VERSION = 3;

/**
 * The sentence in whole calendar months (from the sentence date to the day its length ends), for
 * the directory's sentence-length bounds; undefined when not known (a liberation from court
 * carries a placeholder length).
 */
export function sentenceMonthsOf(input: ThroughcareInput): number | undefined {
  if (input.liberatedFromCourt) return undefined;
  const start = new Date(`${input.sentenceDate}T00:00:00.000Z`);
  const end = new Date(start.getTime() + input.sentenceLengthDays * DAY_MS);
  let months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
  if (end.getUTCDate() < start.getUTCDate()) months -= 1;
  return Math.max(0, months);
}

/**
 * The person's age in whole years on the day of `at`, for the directory's age bands, from a date
 * of birth in the input (journeys that chose an agency before `need-age-asked-1`; since, the
 * liberation service answers the age). Undefined when the input has none, or one that is not a
 * plausible age in custody (the journey then asks without it rather than fail).
 */
export function directoryAgeOf(input: ThroughcareInput, at: Date): number | undefined {
  const born = input.dateOfBirth;
  if (born === undefined || dateOfBirthIssues('dateOfBirth', born, at.toISOString(), 'now').length > 0)
    return undefined;
  return ageOn(born, localDateOf(at));
}

/** What the planner knows besides the state: the journey's input, its policy and its code version. */
export interface PlanContext {
  readonly input: ThroughcareInput;
  /** Behaviour of the `nobody-lost-1` patch (journey v3). */
  readonly v3: boolean;
  /**
   * Whether a later behaviour change applies (the workflow's `patched`: true in a new run, and in a
   * replay only where the recording took the new branch). Asked only where the two differ.
   */
  readonly patched: (patchId: string) => boolean;
  policy: SlaPolicy;
  settleMs: number;
  leadMs: number;
  visitsWanted: number;
}

/** A context for `input` under the policy `ref` (the journey calls it again if it captures another). */
export function planContext(
  input: ThroughcareInput,
  v3: boolean,
  ref: { id: string; version: number },
  patched: (patchId: string) => boolean,
): PlanContext {
  const ctx = { input, v3, patched } as PlanContext;
  usePolicy(ctx, ref);
  return ctx;
}
export function usePolicy(ctx: PlanContext, ref: { id: string; version: number }): void {
  const policy = policyById(ref.id, ref.version);
  ctx.policy = policy;
  ctx.settleMs =
    ctx.input.movementSettleSeconds !== undefined
      ? ctx.input.movementSettleSeconds * 1000
      : (policy.movementSettleMinutes?.value ?? 45) * 60_000;
  ctx.leadMs = (policy.releaseStageLeadDays?.value ?? 28) * DAY_MS;
  ctx.visitsWanted = policy.custodyContactsBeforePreRelease?.value ?? 2;
}

export interface WantedClock {
  key: string;
  /** Only a clock the register says the journey runs (libs/domain clock-register.ts). */
  clock: JourneyClockName;
  base: string;
  dueAt: string;
  owedBy: string;
  owedTo: string;
  metAt?: string;
  note?: string;
}

export interface WantedBooking {
  slot: string;
  kind: Booking['kind'];
  establishmentCode?: string;
  date?: string;
  agencyId?: string;
  releaseEventId?: string;
  dueBy?: string;
}

/** A change the agency must hear of: `apply` moves `s.told` to what it now believes. */
export interface Notice {
  subject: NotificationSubject;
  message: string;
  /**
   * The agency the journey tells (the referral service gives every other agency holding an open
   * referral of the episode its own copy): the main agency, or since `need-agency-notices-1`,
   * with none, a need agency (`noticeRecipient`).
   */
  agencyId: string;
  /** Agencies given a copy besides those holding an open referral (the gate collector, `gate-reconfirmation-1`), with the basis. */
  alsoTell?: AlsoTell[];
  apply: () => void;
  fields?: Partial<{
    liberationDate: string;
    previousLiberationDate: string;
    establishmentCode: string;
    previousEstablishmentCode: string;
    /** The pre-release meeting booked (since `meeting-in-notice-1`, with a changed liberation date). */
    preReleaseMeetingDate: string;
    preReleaseMeetingEstablishmentCode: string;
  }>;
}

/** A failure (or an impossible plan) to put before an operator. */
export interface Failure {
  type?: string;
  message: string;
}

/**
 * The one next thing the journey should do. `action` is the attention key of the step: a step
 * that fails for good raises an item on it, and the step is held while the item is open or skipped.
 */
/**
 * The service an action's effect goes to. Since `effect-lanes-1` each service is a lane of its
 * own with at most one effect in flight: a service that is down (its activity retrying) holds up
 * only its own lane, while the others go on (issue 7: one outage must not block every effect).
 * Within a lane, effects keep the planner's order.
 */
export type Lane = 'assessment' | 'directory' | 'referral' | 'liberation' | 'throughcare';

const isAppointment = (kind: Booking['kind']) =>
  kind === 'FIRST_APPOINTMENT' || kind === 'FOLLOW_UP_APPOINTMENT';

/** The lane of an action's effect; undefined for an action that only changes the journey's own state. */
export function laneOf(a: Action): Lane | undefined {
  switch (a.kind) {
    case 'enter':
      return a.record ? 'liberation' : undefined; // the episode's stage record
    case 'clock':
    case 'raise':
    case 'reassignItem':
    case 'close':
    case 'handOver':
    case 'resume':
      return 'throughcare';
    case 'closeItem':
    case 'skipNotice':
      return undefined;
    case 'request':
      return 'assessment';
    case 'findAgency':
    case 'chooseNeedAgency':
    case 'checkCollector':
      return 'directory';
    case 'sendNeedReferral':
    case 'withdrawNeedReferral':
    case 'sendReferral':
    case 'withdrawReferral':
    case 'notify':
      return 'referral';
    case 'cancel':
      return isAppointment(a.booking.kind) ? 'referral' : 'liberation';
    case 'book':
      return isAppointment(a.wanted.kind) ? 'referral' : 'liberation';
    default: {
      const unknown: never = a;
      throw new Error(`no lane for action ${JSON.stringify(unknown)}`);
    }
  }
}

export type Action =
  | { kind: 'enter'; action: string; stage: Stage; record: boolean }
  | { kind: 'clock'; deadline: Deadline }
  | { kind: 'raise'; action: string; mustAct: string; failure: Failure; options: AttentionOption[] }
  | { kind: 'closeItem'; item: AttentionItemView; reason: string }
  /** An open item addressed again (`movement-correction-1`): `mustAct` is who must act now. */
  | { kind: 'reassignItem'; item: AttentionItemView; mustAct: string; because: string }
  | { kind: 'request'; action: string; assessment: 'CORE_SCREEN' | AssessmentKind; dueAt: string }
  | { kind: 'findAgency'; action: string }
  /** The directory asked whether it knows the agency a gate arrangement names (`gate-reconfirmation-1`). */
  | { kind: 'checkCollector'; action: string; agencyId: string; version: number }
  | { kind: 'sendReferral'; action: string }
  | { kind: 'withdrawReferral'; action: string; closing: ClosureReason }
  | { kind: 'chooseNeedAgency'; action: string; pathway: Pathway }
  | { kind: 'sendNeedReferral'; action: string; pathway: Pathway; no: number }
  /** `reason`: what the agency is told; `because`: what the plan shows. */
  | {
      kind: 'withdrawNeedReferral';
      action: string;
      pathway: Pathway;
      no: number;
      reason: string;
      because: string;
    }
  | { kind: 'cancel'; booking: Booking; because: string }
  | { kind: 'book'; action: string; wanted: WantedBooking }
  | { kind: 'notify'; action: string; notice: Notice }
  | { kind: 'skipNotice'; action: string; notice: Notice }
  | { kind: 'close'; action: string; closing: ClosureReason }
  | { kind: 'handOver'; action: string }
  /** Starts the journey of the episode before again (`return-reversal-1`). */
  | { kind: 'resume'; action: string };

/** Whether `mustAct` names `prison:<code>` (a whole code, not the start of a longer one). */
const prisonPattern = (code: string) =>
  new RegExp(`(^|[^\\w:])prison:${code.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`)}(?![\\w])`, 'g');
export const namesPrison = (mustAct: string, code: string) => prisonPattern(code).test(mustAct);
/**
 * `mustAct` with `prison:<code>` replaced by `to` (e.g. `prison:GLE`); a party named twice after it
 * (`prison:GLE and prison:GLE`) is named once.
 */
export const renamePrison = (mustAct: string, code: string, to: string) =>
  [
    ...new Set(mustAct.replace(prisonPattern(code), (_m, before: string) => `${before}${to}`).split(' and ')),
  ].join(' and ');

/** The planner of one journey run: derivations over the live state `s` at the instant `now()`. */
/** An item an operator skipped (not one the journey closed itself, which it records as a skip). */
const skippedByAnOperator = (a: AttentionItemView) =>
  a.resolution?.option === 'SKIP' && a.resolution.by !== 'throughcare';

export function createPlanner(ctx: PlanContext, s: JourneyState, now: () => number) {
  const { input, v3 } = ctx;
  /** Whether this journey has adopted the `planner-fixes-2` behaviour (see `adoptFixes`). */
  const fixed = () => v3 && (s.adopted?.includes(PLANNER_FIXES_PATCH) ?? false);
  /**
   * Asked by the shell at each planning and each pass of the clocks' coroutine (workflow code, never
   * a query or validator), with the workflow's `patched` there: adopts the fixes once.
   */
  function adoptFixes(ask: (patchId: string) => boolean = ctx.patched): void {
    if (v3 && !fixed() && ask(PLANNER_FIXES_PATCH)) (s.adopted ??= []).push(PLANNER_FIXES_PATCH);
    // Not only v3: a journey from before nobody-lost-1 that hit the gap retries its workflow task,
    // and the retry (live, on this code) adopts and heals.
    if (!gapsFilled() && ask(POLICY_GAPS_PATCH)) (s.adopted ??= []).push(POLICY_GAPS_PATCH);
    if (fixed() && !goneByStays() && ask(MEETING_DAY_GONE_PATCH))
      (s.adopted ??= []).push(MEETING_DAY_GONE_PATCH);
    if (fixed() && perNeed() && !needClocks() && ask(NEED_REFERRAL_CLOCKS_PATCH)) {
      (s.adopted ??= []).push(NEED_REFERRAL_CLOCKS_PATCH);
      s.needClocksFrom = iso(now());
    }
    if (fixed() && !releaseNotices() && ask(RELEASE_NOTICE_PATCH))
      (s.adopted ??= []).push(RELEASE_NOTICE_PATCH);
    if (fixed() && !declinesHeeded() && ask(AGENCY_DECLINED_PATCH))
      (s.adopted ??= []).push(AGENCY_DECLINED_PATCH);
    if (fixed() && !pickupAtReleasePrison() && ask(PICKUP_RELEASE_PRISON_PATCH))
      (s.adopted ??= []).push(PICKUP_RELEASE_PRISON_PATCH);
    if (declinesHeeded() && !declinedAppointments() && ask(DECLINED_APPOINTMENTS_PATCH))
      (s.adopted ??= []).push(DECLINED_APPOINTMENTS_PATCH);
    if (fixed() && !agencyAppointments() && ask(AGENCY_APPOINTMENTS_PATCH)) {
      (s.adopted ??= []).push(AGENCY_APPOINTMENTS_PATCH);
      s.agencyAppointmentsFrom = iso(now());
    }
    if (fixed() && !pickupAtClosure() && ask(PICKUP_AT_CLOSURE_PATCH))
      (s.adopted ??= []).push(PICKUP_AT_CLOSURE_PATCH);
    if (fixed() && !meetingInNotices() && ask(MEETING_IN_NOTICE_PATCH))
      (s.adopted ??= []).push(MEETING_IN_NOTICE_PATCH);
    if (fixed() && input.jurisdiction === 'ENGLAND_AND_WALES' && !ewReleaseDay() && ask(EW_RELEASE_DAY_PATCH))
      (s.adopted ??= []).push(EW_RELEASE_DAY_PATCH);
    if (
      ewReleaseDay() &&
      !input.liberatedFromCourt &&
      input.sentenceLengthDays <= EW_SHORT_SENTENCE_MAX_DAYS &&
      !ewShortSentence() &&
      ask(EW_SHORT_SENTENCE_PATCH)
    )
      (s.adopted ??= []).push(EW_SHORT_SENTENCE_PATCH);
    if (
      fixed() &&
      input.jurisdiction === 'SCOTLAND' &&
      !scotlandReleaseDay() &&
      ask(SCOTLAND_RELEASE_DAY_PATCH)
    )
      (s.adopted ??= []).push(SCOTLAND_RELEASE_DAY_PATCH);
    if (fixed() && s.gate !== undefined && !gateReconfirmation() && ask(GATE_RECONFIRMATION_PATCH))
      (s.adopted ??= []).push(GATE_RECONFIRMATION_PATCH);
    if (
      fixed() &&
      (s.corrections?.length ?? 0) > 0 &&
      !movementCorrections() &&
      ask(MOVEMENT_CORRECTION_PATCH)
    )
      (s.adopted ??= []).push(MOVEMENT_CORRECTION_PATCH);
    if (fixed() && (s.risks?.length ?? 0) > 0 && !riskAssessed() && ask(RISK_ASSESSED_PATCH))
      (s.adopted ??= []).push(RISK_ASSESSED_PATCH);
    if (riskAssessed() && !riskNotices() && ask(RISK_NOTICE_PATCH)) {
      (s.adopted ??= []).push(RISK_NOTICE_PATCH);
      // A rise escalated as an item (risk-assessed-1 alone) that an operator resolved counts as told
      // (someone acted on it); an open one does not: its notice goes, then the item closes.
      const acted = (s.risks ?? []).filter((r) =>
        s.attention.some((a) => a.action === riskEscalationAction(r.version) && skippedByAnOperator(a)),
      );
      const newest = acted[acted.length - 1];
      if (s.told && !toldNeedAgencies() && newest) s.told.risk = toldBandsOf(newest);
    }
    if (fixed() && perNeed() && !needAgencyNotices() && ask(NEED_AGENCY_NOTICES_PATCH)) {
      // Need referrals already out with no main one: what they were told is taken as of now.
      const sent = (s.needReferrals ?? []).flatMap((n) => n.tries).find((x) => x.sentAt !== undefined);
      const facts = sent ? noticeFacts() : undefined;
      (s.adopted ??= []).push(NEED_AGENCY_NOTICES_PATCH);
      if (sent && facts) needReferralBaseline(sent.agencyId, facts);
    }
  }
  /** Whether a pick-up that does not fit the release is cancelled at closure too (`pickup-at-closure-1`). */
  const pickupAtClosure = () => fixed() && (s.adopted?.includes(PICKUP_AT_CLOSURE_PATCH) ?? false);
  /** Why a gate pick-up does not fit the release made (null: it is the release's own). */
  function pickupMisfit(b: Booking): string | null {
    const day = localDateOf(new Date(s.release!.releasedAt));
    if (b.date !== day) return `liberated on ${day}, not ${b.date}`;
    const from = s.release!.establishmentCode;
    if (pickupAtReleasePrison() && b.establishmentCode !== from)
      return `released from ${from}, not ${b.establishmentCode}`;
    return null;
  }
  /** Whether an England & Wales release due on a non-working day is brought forward (`ew-release-day-1`). */
  const ewReleaseDay = () => fixed() && (s.adopted?.includes(EW_RELEASE_DAY_PATCH) ?? false);
  /** Whether the sentence's length is given to the England & Wales rule (`ew-short-sentence-1`). */
  const ewShortSentence = () => ewReleaseDay() && (s.adopted?.includes(EW_SHORT_SENTENCE_PATCH) ?? false);
  /** Whether a Scottish release follows the 1993 Act s.27(7) as in force, not s.8 (`scotland-release-day-1`). */
  const scotlandReleaseDay = () => fixed() && (s.adopted?.includes(SCOTLAND_RELEASE_DAY_PATCH) ?? false);
  /** Whether a changed liberation date's notice names the pre-release meeting (`meeting-in-notice-1`). */
  const meetingInNotices = () => fixed() && (s.adopted?.includes(MEETING_IN_NOTICE_PATCH) ?? false);
  /** Whether the journey acts on the gate arrangement (`gate-reconfirmation-1`). */
  const gateReconfirmation = () => fixed() && (s.adopted?.includes(GATE_RECONFIRMATION_PATCH) ?? false);
  /** The agency the gate arrangement names as the collector, once the journey acts on it (undefined: none, or not an agency). */
  const namedCollector = () =>
    gateReconfirmation() && s.gate?.collectedBy === 'AGENCY' ? s.gate.agencyId : undefined;
  /**
   * The directory's answer for the collector the current arrangement version names (undefined: not
   * asked yet). Asked again for each version: recording the arrangement again is how staff correct
   * it, or have it checked again after a failed or skipped check (review stop 44b, M3).
   */
  const collectorCheck = () => {
    const named = namedCollector();
    return named === undefined
      ? undefined
      : s.collectorChecks?.find((c) => c.agencyId === named && c.version === s.gate!.version);
  };
  /**
   * The agency collecting the person at the gate, told of a changed date: the one the arrangement
   * names, once the directory has said it knows it (review stop 42, M5: a typed id naming another
   * agency, or none, is never given a copy).
   */
  const gateCollector = () => {
    const check = collectorCheck();
    // The directory's own id for it (review stop 44b, M4: an id typed in another case is the same
    // agency, told and audited under one id).
    return check?.known ? (check.directoryId ?? check.agencyId) : undefined;
  };
  /** The named collector's check failed for good (an open item) or was skipped: it stays unchecked for this version. */
  const collectorStuck = () =>
    s.gate !== undefined &&
    (blocked(collectorCheckAction(s.gate.version)) || skipped(collectorCheckAction(s.gate.version)));
  /** The named collector not checked yet (its check to make, or in flight). */
  const collectorPending = () => namedCollector() !== undefined && collectorCheck() === undefined;
  /** Whether the agencies hear of corrected releases and transfers (`movement-correction-1`). */
  const movementCorrections = () => fixed() && (s.adopted?.includes(MOVEMENT_CORRECTION_PATCH) ?? false);
  /** Whether the journey acts on risk assessments (`risk-assessed-1`). */
  const riskAssessed = () => fixed() && (s.adopted?.includes(RISK_ASSESSED_PATCH) ?? false);
  /** The latest risk the journey keeps, once it acts on them (undefined: none, or before `risk-assessed-1`). */
  const latestRisk = () => (riskAssessed() ? s.risks?.[s.risks.length - 1] : undefined);
  /** Whether a rise in risk is told to the responsible agency as a notice (`risk-notice-1`). */
  const riskNotices = () => riskAssessed() && (s.adopted?.includes(RISK_NOTICE_PATCH) ?? false);
  /**
   * The risk of serious harm a referral sent now carries: since `risk-notice-1` the latest risk
   * assessment's, else the core screen's.
   */
  const referralRiskOfSeriousHarm = () =>
    (riskNotices() ? latestRisk()?.riskOfSeriousHarm : undefined) ?? s.coreScreen?.riskOfSeriousHarm;
  /** Whether a risk notice can reach the responsible agency (`risk-notice-1`): told, main, not stood down. */
  const riskNoticeCanGo = () =>
    riskNotices() &&
    noticeRecipient() !== undefined &&
    !toldNeedAgencies() &&
    standDown() === undefined &&
    !s.referralWithdrawn;
  /**
   * What the responsible agency must be told of the latest risk (since `risk-notice-1`), or
   * undefined: against the bands it was last told, the net rise (none: nothing, a fall included);
   * told none yet, the latest's elevated bands and what it rose by itself (a latest that fell
   * tells nothing: an item the prison had for an earlier rise stays for it to acknowledge).
   */
  function riskToTell(t: Told): { latest: RiskRecord; rises: RiskRise[]; baseline: boolean } | undefined {
    if (!riskNoticeCanGo()) return undefined;
    const latest = latestRisk();
    if (!latest || (t.risk && t.risk.version >= latest.version)) return undefined;
    if (t.risk) {
      const rises = risesBetween(t.risk, latest);
      return rises.length > 0 ? { latest, rises, baseline: true } : undefined;
    }
    const rises = [...new Set([...elevatedBands(latest), ...latest.rises])];
    return rises.length > 0 ? { latest, rises, baseline: false } : undefined;
  }
  /**
   * Whether the latest risk is elevated (high or very high risk of serious harm, or a MAPPA case):
   * the pre-release meeting then follows the policy's `preReleaseMeetingElevatedRisk`, if it has one.
   */
  const elevatedRisk = () => {
    const r = latestRisk();
    return (
      r !== undefined &&
      (r.riskOfSeriousHarm === 'HIGH' || r.riskOfSeriousHarm === 'VERY_HIGH' || r.mappa !== null)
    );
  };
  /** The policy the pre-release meeting's clock is read from (the elevated-risk clock in place, when it applies). */
  const meetingPolicy = (): PlanContext['policy'] => {
    const override = ctx.policy.preReleaseMeetingElevatedRisk;
    if (!override || !elevatedRisk()) return ctx.policy;
    return { ...ctx.policy, clocks: { ...ctx.policy.clocks, preReleaseMeeting: override } };
  };
  /**
   * Why a pre-release meeting booked for a day after its due day is moved: a new liberation date;
   * under the elevated-risk clock, that clock (the liberation date may not have changed at all).
   * The second reads only under a policy that sets `preReleaseMeetingElevatedRisk`, which no
   * published policy does: no recorded or running journey can take it, so it needs no patch.
   * Names no band (the liberation service keeps the reason with the meeting).
   */
  const meetingMovedBecause = (lib: string) =>
    meetingPolicy() === ctx.policy
      ? `liberation date now ${lib}`
      : `liberation ${lib}, brought forward for an elevated risk (risk assessment version ${latestRisk()!.version})`;
  /** The agency responsible for the person in the community, as an attention item names who must act. */
  const responsibleAgency = () => {
    const agencyId = s.agencyId ?? s.told?.agencyId;
    return agencyId ? `agency:${agencyId}` : 'the community agency (none chosen yet)';
  };
  /** Whether need agencies hear of changes when there is no main agency (`need-agency-notices-1`). */
  const needAgencyNotices = () => fixed() && (s.adopted?.includes(NEED_AGENCY_NOTICES_PATCH) ?? false);
  /** What a referral sent now tells its agency of where and when (the notices' baseline). */
  const noticeFacts = (): Pick<Told, 'establishmentCode' | 'liberationDate' | 'custody'> => ({
    establishmentCode: establishment(),
    liberationDate: liberationDate(),
    custody: released() ? 'OUT' : 'IN',
  });
  /**
   * A need referral was sent to `agencyId` with `facts` (taken when the send started): with no main
   * referral and no baseline yet, it is what the need agencies were told (`need-agency-notices-1`).
   */
  function needReferralBaseline(agencyId: string, facts: ReturnType<typeof noticeFacts>): void {
    if (!needAgencyNotices() || s.told || s.referralId) return;
    s.told = { agencyId, ...facts, meetingImpossibleFor: [], forNeeds: true };
  }
  /**
   * The agency a notice goes to: the main agency's baseline; since `need-agency-notices-1`, with no
   * main referral, the agency of the first sent need try still standing whose agency has not
   * closed its work (undefined: none).
   */
  function noticeRecipient(): string | undefined {
    if (!s.told) return undefined;
    if (!s.told.forNeeds || !needAgencyNotices()) return s.told.agencyId;
    for (const n of s.needReferrals ?? [])
      for (const [i, t] of n.tries.entries())
        if (t.sentAt && !t.closure && endOf(n.pathway, t, i + 1) === undefined) return t.agencyId;
    return undefined;
  }
  /** Whether the notices' baseline is the need agencies' (no main agency told; `need-agency-notices-1`). */
  const toldNeedAgencies = () => needAgencyNotices() && s.told?.forNeeds === true;
  /** Whether the clocks follow the appointments agencies book themselves (`agency-appointments-1`). */
  const agencyAppointments = () => fixed() && (s.adopted?.includes(AGENCY_APPOINTMENTS_PATCH) ?? false);
  /** Whether a pick-up at a prison other than the one released from is cancelled (`pickup-release-prison-1`). */
  const pickupAtReleasePrison = () => fixed() && (s.adopted?.includes(PICKUP_RELEASE_PRISON_PATCH) ?? false);
  /** Whether a decline of the referral stands its agency down (`agency-declined-1`). */
  const declinesHeeded = () => fixed() && (s.adopted?.includes(AGENCY_DECLINED_PATCH) ?? false);
  /** Whether the stand-down also covers the appointments after release (`declined-appointments-1`). */
  const declinedAppointments = () =>
    declinesHeeded() && (s.adopted?.includes(DECLINED_APPOINTMENTS_PATCH) ?? false);
  /** The stand-down as it applies to appointments after release (since `declined-appointments-1`). */
  const appointmentsStoodDown = () => (declinedAppointments() ? standDown() : undefined);
  /**
   * The referral's latest decision when it is a decline or the agency's withdrawal (since
   * `agency-declined-1`): the agency is stood down; undefined otherwise.
   */
  function standDown(): ReferralOutcome | undefined {
    if (!declinesHeeded() || !s.referralId || s.referralWithdrawn) return undefined;
    const latest = s.outcomes.reduce<ReferralOutcome | undefined>(
      (l, d) => (!l || Date.parse(d.decidedAt) >= Date.parse(l.decidedAt) ? d : l),
      undefined,
    );
    return latest && (latest.decision === 'DECLINED' || latest.decision === 'WITHDRAWN') ? latest : undefined;
  }
  /** Whether the agency is told of a release once it has settled (`release-notice-1`). */
  const releaseNotices = () => fixed() && (s.adopted?.includes(RELEASE_NOTICE_PATCH) ?? false);
  /** Whether each need referral's acknowledgement has a clock (`need-referral-clocks-1`). */
  const needClocks = () => fixed() && (s.adopted?.includes(NEED_REFERRAL_CLOCKS_PATCH) ?? false);
  /** A need acknowledgement deadline's need and try; undefined for any other deadline. */
  const needClockOf = (key: string): { n: NeedReferral; t: NeedTry } | undefined | 'unknown' => {
    const [kind, pathway, no] = key.split(':');
    if (kind !== 'needReferralAcknowledgement') return undefined;
    const n = s.needReferrals?.find((x) => x.pathway === pathway);
    const t = n?.tries[Number(no) - 1];
    return n && t ? { n, t } : 'unknown';
  };
  /** A need agency's appointment deadline's try and what it is about; undefined for any other deadline. */
  const needAppointmentClockOf = (
    key: string,
  ): { kind: string; t: NeedTry; about: string } | undefined | 'unknown' => {
    const [kind, pathway, no, ...rest] = key.split(':');
    if (kind !== 'needFirstAppointment' && kind !== 'needMissedFollowUp') return undefined;
    const t = s.needReferrals?.find((x) => x.pathway === pathway)?.tries[Number(no) - 1];
    return t ? { kind, t, about: rest.join(':') } : 'unknown';
  };
  /**
   * When the journey stopped waiting on a need try's answer: when another agency took the need
   * on (the decision's instant, not when the withdrawal that follows completed), else when the
   * journey withdrew it; undefined while it still waits.
   */
  function needTryStoppedAt(n: NeedReferral, t: NeedTry): string | undefined {
    const holder = holderOf(n);
    if (holder && holder.t !== t && takesOn(holder.t) && !takesOn(t)) {
      const tookOn = latestDecision(holder.t)!.decidedAt;
      return t.withdrawnAt && Date.parse(t.withdrawnAt) < Date.parse(tookOn) ? t.withdrawnAt : tookOn;
    }
    return t.withdrawnAt;
  }
  /**
   * When the agency showed it had a need try: the earlier of its acknowledgement and its first
   * decision (as the referral service counts it), if by the time the journey stopped waiting.
   */
  function needTryAnsweredAt(n: NeedReferral, t: NeedTry): string | undefined {
    const answers = [t.acknowledgedAt, ...t.decisions.map((d) => d.decidedAt)].filter(
      (a): a is string => a !== undefined,
    );
    if (answers.length === 0) return undefined;
    const first = answers.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
    const stopped = needTryStoppedAt(n, t);
    return stopped === undefined || Date.parse(first) <= Date.parse(stopped) ? first : undefined;
  }
  /** Whether a meeting whose day has gone by stays at its prison when the person moves (`meeting-day-gone-1`). */
  const goneByStays = () => fixed() && (s.adopted?.includes(MEETING_DAY_GONE_PATCH) ?? false);
  /**
   * Asked by the shell's main loop at each planning only (its answer starts effects, so the loop
   * must be the one to see it): adopts one referral per need for a journey still in custody.
   */
  function adoptPerNeed(ask: (patchId: string) => boolean = ctx.patched): void {
    // In custody with release planning not entered yet (staff of a journey already planning may have
    // arranged its needs by hand: a deploy does not refer them all at once), or a journey whose first
    // planning this is (a court liberation, or a short sentence planning from reception).
    const fresh = s.stageEntries === 0;
    if (
      v3 &&
      !perNeed() &&
      ((!fromCourt() && inCustody() && BEFORE_PLANNING.has(s.stage)) || fresh) &&
      !closingReason() &&
      ask(REFERRAL_PER_NEED_PATCH)
    )
      (s.adopted ??= []).push(REFERRAL_PER_NEED_PATCH);
  }
  /** Whether this journey refers each need on its own (`referral-per-need-1`). */
  const perNeed = () => s.adopted?.includes(REFERRAL_PER_NEED_PATCH) ?? false;
  /** Whether this journey has adopted `policy-gaps-1` (a clock its policy lacks from a later version). */
  const gapsFilled = () => s.adopted?.includes(POLICY_GAPS_PATCH) ?? false;
  /**
   * The due instant of `clock` from `base` under the captured policy; since policy-gaps-1 a clock it
   * lacks is borrowed from the oldest later version that defines it (`withClock`: the rule only).
   */
  const deadline = (clock: ClockName, base: Date): Date =>
    deadlineFor(gapsFilled() ? withClock(ctx.policy, clock) : ctx.policy, clock, base);
  /** Where a borrowed clock's rule came from, for the plan and the ledger (undefined: the journey's own). */
  const lentNote = (clock: ClockName): string | undefined => {
    const lender = gapsFilled() ? clockLender(ctx.policy, clock) : undefined;
    return lender
      ? `rule from ${lender.id} v${lender.version} (this journey's v${ctx.policy.version} has none)`
      : undefined;
  };
  /**
   * Calendar arithmetic (working days, the s.8 rule, deadlines) costs tens of microseconds a call
   * and one plan asks the same questions many times: answers are kept by their inputs (bounded).
   */
  const memo = new Map<string, unknown>();
  const cached = <T>(key: string, answer: () => T): T => {
    if (memo.has(key)) return memo.get(key) as T;
    if (memo.size >= 512) memo.clear();
    const value = answer();
    memo.set(key, value);
    return value;
  };

  // ---- Derived facts -------------------------------------------------------------------------

  const today = () => localDateOf(new Date(now()));
  const settled = (settlesAt: string) => now() >= Date.parse(settlesAt);
  const released = () => s.release !== undefined && settled(s.release.settlesAt);
  const inCustody = () => !released();
  const fromCourt = () => s.release?.fromCourt === true;
  /**
   * A run started again after the return to custody that closed it was reversed
   * (`input.resumed`): the release it starts from is the episode's own, which stands.
   */
  const resumedRelease = () => input.resumed !== undefined && s.release?.eventId === resumedReleaseId(input);
  /**
   * The instant the follow-up of `release` is counted from: its release, except in a run started
   * again (`input.resumed`), where it is the reversal's instant. The follow-up the episode owed
   * between its release and the reversal was stopped by the return recorded in error, not by the
   * agency: counted from the release, the first appointment would be breached at once for a delay
   * that was the error's. A later release (the one resumed reversed, the person released again)
   * counts from itself.
   */
  const followUpFrom = (release: NonNullable<JourneyState['release']>): string =>
    input.resumed &&
    release.eventId === resumedReleaseId(input) &&
    Date.parse(input.resumed.reversedAt) > Date.parse(release.releasedAt)
      ? input.resumed.reversedAt
      : release.releasedAt;
  /**
   * The instant the agencies' follow-up clocks run from: the follow-up's base, but since
   * `movement-correction-1` never earlier than the release instant the agencies had been told (a
   * correction made after the release settled): a release corrected to an earlier instant does not
   * charge them for days they could not have known of, nor bring the first appointment's due-by
   * forward (review stop 43b, M2). A correction to a later instant moves the clocks later.
   * Attendance still counts from the release as corrected.
   */
  const chargedFrom = (release: NonNullable<JourneyState['release']>): string => {
    const from = followUpFrom(release);
    const told = movementCorrections() ? toldReleaseInstant(release) : undefined;
    return told !== undefined && Date.parse(told) > Date.parse(from) ? told : from;
  };
  const correctedEarlierNote = (release: NonNullable<JourneyState['release']>, charged: string) =>
    `the release was corrected to ${release.releasedAt}; the clock runs from ${charged}, the release instant on record before the correction`;
  /**
   * The latest instant of `release` on record once it had settled and before a correction (each
   * correction made after it settled), if any: a clock once running from it only ever moves later
   * (review stop 44, M2).
   */
  const toldReleaseInstant = (release: NonNullable<JourneyState['release']>) =>
    (s.corrections ?? [])
      .filter((c) => c.movement === 'RELEASE' && c.eventId === release.eventId && c.told)
      .map((c) => c.previousOccurredAt)
      .reduce<string | undefined>(
        (a, b) => (a === undefined || Date.parse(b) > Date.parse(a) ? b : a),
        undefined,
      );
  const liberationDate = () => {
    // Since v3 a release that has happened (settled, or straight from court) is the liberation
    // date: the s.8 rule moves a planned release, never one already made.
    if (v3 && s.release && (s.release.fromCourt || settled(s.release.settlesAt)))
      return localDateOf(new Date(s.release.releasedAt));
    if (input.jurisdiction === 'SCOTLAND')
      return scotlandReleaseDay()
        ? cached(
            `s27:${s.expectedReleaseDate}`,
            () =>
              releaseDay('SCOTLAND', s.expectedReleaseDate, { scottishS8CommencesOn: null }).liberationDate,
          )
        : cached(`s8:${s.expectedReleaseDate}`, () => scottishLiberationDate(s.expectedReleaseDate));
    if (ewShortSentence())
      return cached(
        `s23-days:${s.expectedReleaseDate}`,
        () =>
          releaseDay('ENGLAND_AND_WALES', s.expectedReleaseDate, { sentenceDays: input.sentenceLengthDays })
            .liberationDate,
      );
    return ewReleaseDay()
      ? cached(
          `s23:${s.expectedReleaseDate}`,
          () => releaseDay('ENGLAND_AND_WALES', s.expectedReleaseDate).liberationDate,
        )
      : s.expectedReleaseDate;
  };
  const liberationStart = () => startOfLocalDay(liberationDate());
  const establishment = () => {
    const done = s.transfers.filter((t) => settled(t.settlesAt));
    return done.length > 0 ? done[done.length - 1]!.toEstablishmentCode : input.establishmentCode;
  };
  const prison = () => `prison:${establishment()}`;
  /** Who must act on a plan for the meeting: the prison and the community agency (once known). */
  const prisonAndAgency = () =>
    `${prison()} and ${s.agencyId ? `agency:${s.agencyId}` : 'the community agency'}`;
  /** The establishment as last reported, settled or not (for validation). */
  const reportedEstablishment = () =>
    s.transfers.length > 0
      ? s.transfers[s.transfers.length - 1]!.toEstablishmentCode
      : input.establishmentCode;
  const completed = (kind: AssessmentKind) => s.assessments.filter((a) => a.kind === kind);
  const needs = (): Pathway[] => {
    const all = [
      ...(s.carried?.openNeeds ?? []),
      // A run started again: the needs still open when the episode's journey closed.
      ...(input.resumed?.openNeeds ?? []),
      ...(s.coreScreen?.needs ?? []),
      ...s.assessments.flatMap((a) => a.needs),
    ];
    return [...new Set(all)];
  };
  /**
   * Each pathway as the latest completed assessment that reported it left it (by completion
   * instant; the later told wins a tie), in the vocabulary's order; undefined while no completed
   * assessment carried pathways.
   */
  function pathwaysView(assessedOnly = false): PathwayOutcomeView[] | undefined {
    const completions = [
      ...(s.coreScreen ? [{ ...s.coreScreen, kind: 'CORE_SCREEN' as const }] : []),
      ...s.assessments,
    ].filter((c) => c.pathways !== undefined);
    // The latest assessed results before this run's own assessments, older than any of them (review
    // of stop 41, pathway-hold S1): a run resumed takes its own episode's at closure (which already
    // include what that episode carried), never the hand-over into it; a recall's next episode the
    // hand-over's.
    const carried = input.resumed?.pathways ?? s.carried?.pathways ?? [];
    if (completions.length === 0 && carried.length === 0) return undefined;
    const ordered = completions
      .map((c, i) => ({ c, i }))
      .sort((a, b) => Date.parse(a.c.completedAt) - Date.parse(b.c.completedAt) || a.i - b.i);
    const latest = new Map<Pathway, PathwayOutcomeView>(
      carried.filter((o) => !(assessedOnly && o.skipped)).map((o) => [o.pathway, { ...o }]),
    );
    for (const { c } of ordered)
      for (const p of c.pathways ?? []) {
        // `assessedOnly`: a pathway skipped (completed elsewhere, a transfer…) says nothing of the need.
        if (assessedOnly && p.skipped) continue;
        latest.set(p.pathway, {
          pathway: p.pathway,
          status: p.status,
          ...(p.skipped ? { skipped: { reason: p.skipped.reason } } : {}),
          assessmentId: c.assessmentId,
          kind: c.kind,
          completedAt: c.completedAt,
        });
      }
    return PATHWAY_ORDER.filter((p) => latest.has(p)).map((p) => latest.get(p)!);
  }
  /** A hold on the need's referral waits for prison staff (`pathway-hold-1`). */
  const holdOpen = (pathway: Pathway) =>
    s.attention.some((a) => a.status === 'OPEN' && a.action.startsWith(`need:${pathway}:hold:`));
  const needReferral = (pathway: Pathway): NeedReferral | undefined =>
    s.needReferrals?.find((n) => n.pathway === pathway);
  /** The action keys of a need's steps: choosing its next agency, and sending try `n` (1-based). */
  const needChoose = (pathway: Pathway) => `need:${pathway}:choose`;
  const needSend = (pathway: Pathway, n: number) => `need:${pathway}:send:${n}`;
  const needWithdraw = (pathway: Pathway, n: number) => `need:${pathway}:withdraw:${n}`;
  /** Withdrawing try `n` because an earlier agency took the need back (a key of its own). */
  const needSupersede = (pathway: Pathway, n: number) => `need:${pathway}:superseded:${n}`;
  /** Withdrawing try `n` because prison staff stopped referring the need (a key of its own). */
  const needStop = (pathway: Pathway, n: number) => `need:${pathway}:stop:${n}`;
  const latestDecision = latestDecisionOf;
  /** Whether a sent try's agency took the need on: its latest decision accepts or waiting-lists it. */
  const takesOn = (t: NeedTry) => {
    const d = latestDecision(t)?.decision;
    return t.sentAt !== undefined && (d === 'ACCEPTED' || d === 'ON_WAITING_LIST');
  };
  /**
   * Why a need's try no longer stands, if it does not: the agency's latest decision is a decline
   * or a withdrawal, the journey withdrew it (or ended it unsent: an earlier agency took the need
   * on after all), or an operator skipped sending it.
   */
  function endOf(pathway: Pathway, t: NeedTry, n: number): string | undefined {
    if (t.withdrawnAt !== undefined)
      return `${t.sentAt ? 'withdrawn' : 'not sent'}: ${t.withdrawnBecause ?? 'the case closed'}`;
    const d = latestDecision(t);
    if (d && (d.decision === 'DECLINED' || d.decision === 'WITHDRAWN'))
      return `${d.decision === 'DECLINED' ? 'declined' : 'withdrawn by the agency'}${d.reason ? `: ${d.reason}` : ''}`;
    if (!t.sentAt && skipped(needSend(pathway, n)))
      return latestAttention(needSend(pathway, n))?.resolution?.by === 'throughcare'
        ? 'not sent: the case closed'
        : 'not sent: skipped by an operator';
    return undefined;
  }
  /** A need's tries still standing, with their 1-based numbers. */
  const standingTries = (n: NeedReferral | undefined) =>
    (n?.tries ?? []).map((t, i) => ({ t, no: i + 1 })).filter(({ t, no }) => !endOf(n!.pathway, t, no));
  /**
   * The try holding a need: the first still standing whose agency took it on, else the latest still
   * standing (being sent, or waiting on its agency); none: the next agency is to be chosen. An
   * earlier agency reconsidering its decline after the need moved on takes it back.
   */
  function holderOf(n: NeedReferral | undefined): { t: NeedTry; no: number } | undefined {
    const standing = standingTries(n);
    return standing.find(({ t }) => takesOn(t)) ?? standing[standing.length - 1];
  }
  /** Prison staff (or an operator) stopped referring the need in this episode (`needStopped`), if they did. */
  const staffStop = (pathway: Pathway) => s.needStops?.find((x) => x.pathway === pathway);
  /** Who the agencies are told stopped it (a stop from before operators were told apart: prison staff). */
  const stopperOf = (stop: NeedStopped) => (stop.stoppedAs === 'OPERATOR' ? 'an operator' : 'prison staff');
  /**
   * The need is no longer referred in this episode: prison staff stopped it, or an operator skipped
   * choosing an agency for it or its gap's item (the need is arranged outside the platform).
   */
  const needStopped = (pathway: Pathway) =>
    staffStop(pathway) !== undefined ||
    skipped(needChoose(pathway)) ||
    s.attention.some((a) => a.action.startsWith(needGapPrefix(pathway)) && skippedByAnOperator(a));
  const needGapPrefix = (pathway: Pathway) => `need:${pathway}:gap:`;
  /**
   * The agencies the directory is to leave out when choosing for a need: the main referral's; those
   * holding a try still standing; those whose try ended (declined, withdrew, skipped) within
   * DECLINE_COOL_OFF_MS; and those that declined or withdrew it MAX_DECLINES_PER_NEED times.
   */
  function needExclusions(pathway: Pathway): string[] {
    const n = needReferral(pathway);
    const out = new Set<string>(s.agencyId ? [s.agencyId] : []);
    const declines = new Map<string, number>();
    (n?.tries ?? []).forEach((t, i) => {
      const end = endOf(pathway, t, i + 1);
      const decision = latestDecision(t);
      if (end && (decision?.decision === 'DECLINED' || decision?.decision === 'WITHDRAWN'))
        declines.set(t.agencyId, (declines.get(t.agencyId) ?? 0) + 1);
      // From the decision, or from when an operator skipped sending to it.
      const endedAt =
        decision?.decidedAt ?? latestAttention(needSend(pathway, i + 1))?.resolution?.at ?? t.chosenAt;
      if (!end || now() < Date.parse(endedAt) + DECLINE_COOL_OFF_MS) out.add(t.agencyId);
    });
    for (const [agencyId, count] of declines) if (count >= MAX_DECLINES_PER_NEED) out.add(agencyId);
    return [...out];
  }
  /** Whether needs are referred now: release planning open (a short return to custody: at once), or released. */
  const needsDue = () => planningOpen() || released();
  /** A standing sent try's status: the agency's latest decision, else acknowledged or sent. */
  const sentStatus = (t: NeedTry): NeedReferralView['status'] & NeedTryStatus => {
    const d = latestDecision(t)?.decision;
    if (d === 'ACCEPTED' || d === 'ON_WAITING_LIST' || d === 'MORE_INFORMATION_REQUESTED') return d;
    return t.acknowledgedAt ? 'ACKNOWLEDGED' : 'SENT';
  };
  /** Each need's referrals as prison staff see them (since `referral-per-need-1`). */
  function needReferralsView(): NeedReferralView[] | undefined {
    if (!perNeed()) return undefined;
    const closed = s.closedAt !== undefined || closingReason() !== undefined;
    return needs().map((pathway) => {
      const n = needReferral(pathway);
      const holder = holderOf(n);
      const standing = holder && !(closed && !holder.t.sentAt) ? holder : undefined;
      // The agency that took the need on closed its work: that stands in the view even after the
      // journey's withdrawal at the case's end (the referral service leaves a closed case as it is).
      const finished = standing?.t.closure
        ? standing
        : standing
          ? undefined
          : (n?.tries ?? [])
              .map((t, i) => ({ t, no: i + 1 }))
              .filter(({ t }) => t.closure)
              .pop();
      const shown = finished ?? standing;
      const stop = staffStop(pathway);
      // A withdrawal the stop asked for that failed for good waits on an operator.
      const stopFailed =
        stop !== undefined &&
        s.attention.some((a) => a.status === 'OPEN' && a.action.startsWith(`need:${pathway}:stop:`));
      const status: NeedReferralView['status'] = stopFailed
        ? 'NEEDS_ATTENTION'
        : finished
          ? 'CLOSED_BY_AGENCY'
          : standing
            ? standing.t.sentAt
              ? sentStatus(standing.t)
              : openAttention(needSend(pathway, standing.no)) || holdOpen(pathway)
                ? 'NEEDS_ATTENTION'
                : needsDue()
                  ? 'SENDING'
                  : // Chosen, then the release date moved past release planning: it is sent when
                    // planning opens again (view only: the steps are as they were).
                    'NOT_YET_DUE'
            : closed
              ? n?.tries.some((t) => t.sentAt && t.withdrawnAt && t.withdrawnBecause === undefined)
                ? 'WITHDRAWN'
                : 'CLOSED'
              : needStopped(pathway)
                ? 'NOT_REFERRED'
                : openAttention(needChoose(pathway)) || holdOpen(pathway)
                  ? 'NEEDS_ATTENTION'
                  : n?.gap
                    ? 'GAP'
                    : needsDue()
                      ? 'CHOOSING'
                      : 'NOT_YET_DUE';
      const stoppedBy = [...s.attention]
        .reverse()
        .find(
          (a) =>
            (a.action === needChoose(pathway) || a.action.startsWith(needGapPrefix(pathway))) &&
            skippedByAnOperator(a),
        );
      return {
        pathway,
        status,
        ...(shown
          ? {
              agencyId: shown.t.agencyId,
              serviceId: shown.t.serviceId,
              ...(shown.t.sentAt ? { referralId: shown.t.referralId } : {}),
            }
          : {}),
        ...(finished?.t.closure ? { closure: { ...finished.t.closure } } : {}),
        ...(n?.gap && status === 'GAP' ? { gap: { since: n.gap.since, nextAskedAt: n.gap.retryAt } } : {}),
        ...(status === 'NOT_REFERRED'
          ? {
              notReferredBecause: stop?.reason ?? stoppedBy?.resolution?.reason ?? 'skipped by an operator',
            }
          : {}),
        ...(stop
          ? {
              stopped: {
                by: stop.stoppedBy,
                as: stop.stoppedAs ?? 'PRISON_STAFF',
                at: stop.stoppedAt,
                reason: stop.reason,
              },
            }
          : {}),
        tried: (n?.tries ?? []).map((t, i) => {
          // An agency's closure is why its try ended, whatever the journey did after it (a withdrawal
          // at the case's end leaves a closed case as it is).
          // A try never sent when the case closed is not being sent any more (it is never sent).
          const end = t.closure
            ? `closed by the agency: ${t.closure.outcome}`
            : (endOf(pathway, t, i + 1) ?? (closed && !t.sentAt ? 'not sent: the case closed' : undefined));
          const status: NeedTryStatus = t.closure
            ? 'CLOSED_BY_AGENCY'
            : end
              ? 'ENDED'
              : t.sentAt
                ? sentStatus(t)
                : openAttention(needSend(pathway, i + 1))
                  ? 'NEEDS_ATTENTION'
                  : 'SENDING';
          return {
            agencyId: t.agencyId,
            ...(t.sentAt ? { referralId: t.referralId } : {}),
            rule: t.rule,
            status,
            ...(end ? { endedBecause: end } : {}),
            ...(t.closure ? { closure: { ...t.closure } } : {}),
            ...attendancesView(t),
          };
        }),
      };
    });
  }
  /** Release planning opens the policy's lead time before the summary review is due (or at reception). */
  const planningOpens = () =>
    cached(`opens:${ctx.policy.id}:${ctx.policy.version}:${liberationDate()}`, () =>
      Math.max(
        Date.parse(input.receivedAt),
        deadline('summaryReview', liberationStart()).getTime() - ctx.leadMs,
      ),
    );
  const planningOpen = () => now() >= planningOpens();
  const releaseDue = (clock: 'summaryReview' | 'preReleaseMeeting') => {
    const policy = clock === 'preReleaseMeeting' ? meetingPolicy() : ctx.policy;
    const risk = policy === ctx.policy ? '' : ':elevated-risk';
    return cached(`due:${clock}${risk}:${ctx.policy.id}:${ctx.policy.version}:${liberationDate()}`, () =>
      releaseRelativeDeadline(
        policy,
        clock,
        liberationDate(),
        new Date(planningOpens()),
        ctx.leadMs / DAY_MS,
      ),
    );
  };
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
    let due = localDateOf(new Date(meetingDue()));
    // Since `planner-fixes-2` a due day that is no working day (a short-notice due day, the day
    // before liberation) is brought back to the last working day before it.
    if (fixed()) due = cached(`workday:${due}`, () => onOrBeforeWorkingDay(due));
    const earliest = cached(`next:${today()}`, () => nextWorkingDay(input.jurisdiction, today()));
    const day = due >= earliest ? due : earliest;
    const meetings = v3
      ? s.bookings.filter((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED')
      : [];
    const booked =
      meetings.find((b) => b.establishmentCode === establishment())?.date ??
      // Since `meeting-day-gone-1`: one whose day has gone by at the prison the person left.
      meetings.find((b) => goneByAtItsPrison(b) && !lapsedDay(b.date!))?.date;
    // Since `planner-fixes-2`: a meeting whose day has passed waits for its "held" report until
    // the end of the next working day (liberation day included), then lapses (`lapsed`).
    if (fixed() && booked !== undefined && booked < today() && !lapsedDay(booked)) return booked;
    if (v3 && day !== due) {
      // Late: a meeting already booked here for a day still to come (today included) before
      // liberation is kept, not moved on each new day (it could never be held otherwise).
      // (On its due day itself too, since `planner-fixes-2`: that day is then already before `earliest`.)
      if (
        booked !== undefined &&
        (booked > due || (booked === due && fixed())) &&
        booked >= today() &&
        booked < liberationDate()
      )
        return booked;
    }
    return day < liberationDate() ? day : undefined;
  };
  const onOrBeforeWorkingDay = (d: string) =>
    isWorkingDay(input.jurisdiction, d) ? d : previousWorkingDay(input.jurisdiction, d);
  /**
   * A pre-release meeting booked here and not reported held by the end of the working day after
   * its own (the prison's time to enter a late report): it lapses (since `planner-fixes-2`).
   */
  const lapsed = (b: Booking) =>
    fixed() &&
    b.kind === 'PRE_RELEASE_MEETING' &&
    b.date !== undefined &&
    !meetingHeld() &&
    lapsedDay(b.date);
  const lapsedDay = (date: string) =>
    today() > cached(`next:${date}`, () => nextWorkingDay(input.jurisdiction, date));
  /** Since `meeting-day-gone-1`: a meeting whose day has gone by stays at its prison when the person moves. */
  const goneByAtItsPrison = (b: Booking) =>
    goneByStays() &&
    b.kind === 'PRE_RELEASE_MEETING' &&
    b.date !== undefined &&
    b.date < today() &&
    // Since `movement-correction-1`: not at a prison the person was recorded at wrongly on the
    // meeting's day (never there to meet; cancelled as the other bookings there: review stop 44,
    // M1; decided by the meeting's own day, not the episode: review stop 44b, M1).
    !(
      movementCorrections() &&
      b.establishmentCode !== undefined &&
      wronglyAt(b.establishmentCode, startOfLocalDay(addDays(b.date, 1)).getTime() - 1)
    );
  const lapseReason = (date: string | undefined) =>
    `meeting on ${date} not reported held by the end of the next working day`;
  /** No working day is left for the pre-release meeting before liberation (and it was not held). */
  const meetingImpossible = () =>
    !fromCourt() && inCustody() && planningOpen() && !meetingHeld() && meetingDate() === undefined;
  const followUpEnds = () =>
    s.release ? deadline('followUpWindow', new Date(chargedFrom(s.release))).getTime() : Infinity;
  const closingReason = (): ClosureReason | undefined => {
    if (s.closureReason) return s.closureReason;
    if (s.closeRequested) return s.closeRequested.reason;
    if (s.consentWithdrawn) return 'CONSENT_WITHDRAWN';
    if (s.returned) return s.returned.reason === 'RECALL' ? 'RECALLED' : 'NEW_SENTENCE';
    if (released() && s.release && now() >= followUpEnds()) return 'FOLLOW_UP_COMPLETE';
    return undefined;
  };
  const agencyWanted = () => needs().length > 0 || ((fromCourt() || resumedRelease()) && released());
  /** The referral follows the comprehensive screen (seed 000 stage 3), or goes at once when time is short. */
  const referralDue = () =>
    completed('COMPREHENSIVE_SCREEN').length > 0 || planningOpen() || released() || s.carried !== undefined;

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

  function nextReview(): { opensAt: number; dueAt: string } | undefined {
    if (!inCustody() || fromCourt() || completed('COMPREHENSIVE_SCREEN').length === 0) return undefined;
    const reviews = s.requests.filter((r) => r.kind === 'STANDARD_REVIEW');
    const last = reviews[reviews.length - 1];
    if (last && !s.assessments.some((a) => a.assessmentId === last.assessmentId)) return undefined;
    const lastDone = last && s.assessments.find((a) => a.assessmentId === last.assessmentId);
    const dueAt = lastDone
      ? deadline('standardReview', new Date(lastDone.completedAt))
      : deadline('firstStandardReview', new Date(input.receivedAt));
    // A review that would fall in the release-planning window is the summary review's job.
    if (dueAt.getTime() >= planningOpens()) return undefined;
    return { opensAt: dueAt.getTime() - ctx.leadMs, dueAt: dueAt.toISOString() };
  }

  // ---- Deadlines -----------------------------------------------------------------------------

  function wantedClocks(): WantedClock[] {
    const wanted: WantedClock[] = [];
    const due = (clock: ClockName, base: Date) => deadline(clock, base).toISOString();
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
    const reviews = s.requests.filter((q) => q.kind === 'STANDARD_REVIEW');
    for (const r of reviews.filter(() => inCustody())) {
      // Each review after the first is counted from the one before it (`nextReview`); before
      // `planner-fixes-2` every review's clock said it started at reception.
      const previous = reviews.find((q) => q.seq === r.seq - 1);
      const previousDone = previous && s.assessments.find((a) => a.assessmentId === previous.assessmentId);
      wanted.push({
        key: `standardReview:${r.seq}`,
        clock: r.seq === 1 ? 'firstStandardReview' : 'standardReview',
        base: previousDone && fixed() ? previousDone.completedAt : input.receivedAt,
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
    if (needClocks())
      for (const n of s.needReferrals ?? [])
        n.tries.forEach((t, i) => {
          // Sent since the clocks were adopted: one sent before is not charged a deadline nobody ran.
          if (!t.sentAt || Date.parse(t.sentAt) < Date.parse(s.needClocksFrom ?? t.sentAt)) return;
          const metAt = needTryAnsweredAt(n, t);
          // No longer waited on, unanswered: not wanted (cancelled, or a breach if overdue by then).
          if (metAt === undefined && needTryStoppedAt(n, t) !== undefined) return;
          wanted.push({
            key: needAcknowledgementKey(n.pathway, i + 1),
            clock: 'referralAcknowledgement',
            base: t.sentAt,
            dueAt: due('referralAcknowledgement', new Date(t.sentAt)),
            owedBy: `agency:${t.agencyId}`,
            owedTo: prison(),
            metAt,
            note: `the ${n.pathway} need's referral`,
          });
        });
    if (released() && s.release && s.agencyId) {
      const releasedAt = followUpFrom(s.release);
      const charged = chargedFrom(s.release);
      // Since agency-appointments-1 the team's own appointments against its referral count too.
      const teams = agencyAppointments() && s.referralId ? agencyAttendancesOn(s.referralId) : [];
      wanted.push({
        key: `firstAppointment:${s.release.eventId}`,
        clock: 'firstAppointment',
        base: charged,
        dueAt: due('firstAppointment', new Date(charged)),
        ...(charged !== releasedAt ? { note: correctedEarlierNote(s.release, charged) } : {}),
        owedBy: agency,
        owedTo: 'person',
        metAt: earlier(
          s.attendances.find(
            (a) => (a.attendance === 'YES' || a.attendance === 'LATE') && a.attendedAt >= releasedAt,
          )?.attendedAt,
          attendedFrom(teams, releasedAt, false),
        ),
      });
      const missedOnes = [
        ...s.attendances.filter((a) => a.attendance === 'NO'),
        ...teams.filter((a) => a.attendance === 'NO' && Date.parse(a.attendedAt) >= Date.parse(releasedAt)),
      ];
      for (const missed of missedOnes) {
        wanted.push({
          key: `missedAppointmentFollowUp:${missed.eventId}`,
          clock: 'missedAppointmentFollowUp',
          base: missed.attendedAt,
          dueAt: due('missedAppointmentFollowUp', new Date(missed.attendedAt)),
          owedBy: agency,
          owedTo: 'person',
          note: lentNote('missedAppointmentFollowUp'),
          metAt: earlier(
            s.attendances.find(
              (a) => (a.attendance === 'YES' || a.attendance === 'LATE') && a.attendedAt > missed.attendedAt,
            )?.attendedAt,
            attendedFrom(teams, missed.attendedAt, true),
          ),
        });
      }
    }
    if (agencyAppointments() && released() && s.release) wanted.push(...needAppointmentClocks(s.release));
    return wanted;
  }

  /** The try's agency's appointments as the plan shows them (absent while none is told). */
  function attendancesView(t: NeedTry): Pick<NeedReferralView['tried'][number], 'attendances'> {
    if (!t.sentAt) return {};
    const mine = agencyAttendancesOn(t.referralId);
    if (mine.length === 0) return {};
    return {
      attendances: mine.map((a) => ({
        appointmentId: a.appointmentId,
        attendance: a.attendance,
        attendedAt: a.attendedAt,
        ...(a.reason !== undefined ? { reason: a.reason } : {}),
      })),
    };
  }
  /** The attendances told for appointments an agency booked against `referralId`. */
  const agencyAttendancesOn = (referralId: string) =>
    (s.agencyAttendances ?? []).filter((a) => a.referralId === referralId);
  /** The earliest attended (YES or LATE) of `list` at or (`strictly`) after `from`. */
  function attendedFrom(list: readonly AgencyAttendanceRecorded[], from: string, strictly: boolean) {
    const since = Date.parse(from);
    return list
      .filter((a) => a.attendance === 'YES' || a.attendance === 'LATE')
      .filter((a) => (strictly ? Date.parse(a.attendedAt) > since : Date.parse(a.attendedAt) >= since))
      .reduce<string | undefined>((e, a) => earlier(e, a.attendedAt), undefined);
  }
  /**
   * When a need try's agency took the need on, as it stands: the first acceptance after its last
   * other decision (a try waiting-listed or asked for more information, then accepted again, owes
   * its appointment from the new acceptance). Latest not an acceptance: its first acceptance (the
   * clock it had stays as it was); never accepted: undefined.
   */
  function acceptedAt(t: NeedTry): string | undefined {
    const byTime = [...t.decisions].sort((a, b) => Date.parse(a.decidedAt) - Date.parse(b.decidedAt));
    let from = byTime.length;
    while (from > 0 && byTime[from - 1]!.decision === 'ACCEPTED') from -= 1;
    const standing = byTime.slice(from);
    return (standing.length > 0 ? standing : byTime.filter((d) => d.decision === 'ACCEPTED'))[0]?.decidedAt;
  }
  /**
   * When a need try that was accepted stopped standing, if it has: the journey withdrew it, the
   * agency closed its work, or the agency's latest decision no longer accepts it.
   */
  function engagementEndedAt(t: NeedTry): string | undefined {
    const latest = latestDecision(t);
    const ends = [
      t.withdrawnAt,
      t.closure?.closedAt,
      latest && latest.decision !== 'ACCEPTED' ? latest.decidedAt : undefined,
    ];
    return ends.reduce<string | undefined>((e, at) => earlier(e, at), undefined);
  }
  /**
   * Each need agency's first appointment after `release` and its follow-ups of the ones missed
   * (since `agency-appointments-1`): see AGENCY_APPOINTMENTS_PATCH.
   */
  function needAppointmentClocks(release: NonNullable<JourneyState['release']>): WantedClock[] {
    const wanted: WantedClock[] = [];
    for (const n of s.needReferrals ?? [])
      n.tries.forEach((t, i) => {
        const accepted = acceptedAt(t);
        if (!t.sentAt || accepted === undefined) return;
        const from = chargedFrom(release);
        const base = Date.parse(accepted) > Date.parse(from) ? accepted : from;
        const correctedNote =
          from !== followUpFrom(release) && base === from ? correctedEarlierNote(release, from) : undefined;
        const stands = engagementEndedAt(t) === undefined;
        const mine = agencyAttendancesOn(t.referralId);
        const owedBy = `agency:${t.agencyId}`;
        const what = `the ${n.pathway} need's agency`;
        const metAt = attendedFrom(mine, release.releasedAt, false);
        // Based before the clocks were adopted: not charged a deadline nobody was running.
        const charged = Date.parse(base) >= Date.parse(s.agencyAppointmentsFrom ?? base);
        if (charged && (metAt !== undefined || stands))
          wanted.push({
            key: needAppointmentKey('needFirstAppointment', n.pathway, i + 1, release.eventId),
            clock: 'firstAppointment',
            base,
            dueAt: deadline('firstAppointment', new Date(base)).toISOString(),
            owedBy,
            owedTo: 'person',
            metAt,
            note: [what, correctedNote].filter(Boolean).join('; '),
          });
        for (const missed of mine) {
          if (missed.attendance !== 'NO' || Date.parse(missed.attendedAt) < Date.parse(release.releasedAt))
            continue;
          const followed = attendedFrom(mine, missed.attendedAt, true);
          if (followed === undefined && !stands) continue;
          wanted.push({
            key: needAppointmentKey('needMissedFollowUp', n.pathway, i + 1, missed.eventId),
            clock: 'missedAppointmentFollowUp',
            base: missed.attendedAt,
            dueAt: deadline('missedAppointmentFollowUp', new Date(missed.attendedAt)).toISOString(),
            owedBy,
            owedTo: 'person',
            metAt: followed,
            note: [what, lentNote('missedAppointmentFollowUp')].filter(Boolean).join('; '),
          });
        }
      });
    return wanted;
  }

  /** Brings the deadline list in line with the clocks the facts call for (no side effects). */
  function syncDeadlines(): void {
    const closing = closingReason() !== undefined;
    const wanted = closing ? [] : wantedClocks();
    /**
     * A completion told (since `planner-fixes-2`: one after the due instant whose breach is not on
     * record yet, e.g. both handled after downtime, stays open with its met time so the breach is
     * recorded, then its lateness).
     */
    const met = (d: Deadline, metAt: string) => {
      if (fixed() && Date.parse(metAt) > Date.parse(d.dueAt)) d.metAt = metAt;
      else {
        d.status = 'MET';
        d.metAt = metAt;
      }
    };
    // While closing no clock is wanted, but a completion told with the closure still counts (since
    // `planner-fixes-2`; before it the clock was cancelled with the case).
    if (closing && fixed())
      for (const w of wantedClocks()) {
        const d = s.deadlines.find((x) => x.key === w.key);
        if (!d || w.metAt === undefined) continue;
        if (d.status === 'OPEN' && !d.breachKey) met(d, w.metAt);
        else if (d.status === 'BREACHED') d.metAt = w.metAt;
      }
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
        met(d, w.metAt);
      } else if (d.status === 'BREACHED' && w.metAt !== undefined) {
        d.metAt = w.metAt; // the loop records the breach as met late
      }
    }
    for (const d of s.deadlines) {
      if (d.status !== 'OPEN' || wanted.some((w) => w.key === d.key)) continue;
      if (v3 && d.breachKey) continue; // being recorded
      // Overdue before the reason it no longer applies arose: a breach to record, not a clock to cancel.
      if (fixed() && Date.parse(d.dueAt) <= unwantedSince(d, closing)) continue;
      d.status = 'CANCELLED';
      d.note = closing
        ? `case closed (${closingReason()})`
        : CUSTODY_CLOCKS.includes(d.clock as ClockName) && released()
          ? 'released before it was done'
          : 'no longer applies';
    }
  }

  /**
   * When an open clock stopped applying, from the facts' own instants (never later than now): the
   * closure's, the release's (custody clocks), the release reversal's (the release's clocks), the
   * last date change's (the release-relative clocks, when planning closes again). A clock due by
   * then was breached first. -Infinity where no fact says when: cancelled, as before the patch.
   */
  function unwantedSince(d: Deadline, closing: boolean): number {
    const at = (iso: string) => Math.min(now(), Date.parse(iso));
    if (closing) {
      if (s.closedAt) return at(s.closedAt);
      if (s.closeRequested) return at(s.closeRequested.requestedAt);
      if (s.consentWithdrawn) return at(s.consentWithdrawn.withdrawnAt);
      if (s.returned) return at(s.returned.receivedAt);
      if (s.release && released()) return Math.min(now(), followUpEnds());
      return -Infinity;
    }
    const engaged = needAppointmentClockOf(d.key);
    if (engaged === 'unknown') return -Infinity;
    if (engaged) {
      if (!released()) {
        // The release it followed was reversed (a first appointment names its release).
        const reversals = s.reversals.filter((r) => r.movement === 'RELEASE');
        const reversal =
          engaged.kind === 'needFirstAppointment'
            ? reversals.find((r) => r.eventId === engaged.about)
            : reversals[reversals.length - 1];
        return reversal ? at(reversal.at) : -Infinity;
      }
      const ended = engagementEndedAt(engaged.t);
      return ended === undefined ? -Infinity : at(ended);
    }
    const need = needClockOf(d.key);
    if (need === 'unknown') return -Infinity;
    if (need) {
      const stopped = needTryStoppedAt(need.n, need.t);
      return stopped === undefined ? -Infinity : at(stopped);
    }
    const custody = CUSTODY_CLOCKS.includes(d.clock as ClockName);
    if (custody && s.release && released()) return at(s.release.releasedAt);
    if (!custody && !released()) {
      // The release's own clocks: the first appointment names its release; a follow-up, the last.
      const reversals = s.reversals.filter((r) => r.movement === 'RELEASE');
      const reversal = d.key.startsWith('firstAppointment:')
        ? reversals.find((r) => d.key === `firstAppointment:${r.eventId}`)
        : reversals[reversals.length - 1];
      if (reversal) return at(reversal.at);
    }
    const change = s.dateChanges[s.dateChanges.length - 1];
    if ((d.clock === 'summaryReview' || d.clock === 'preReleaseMeeting') && change)
      return at(change.changedAt);
    return -Infinity;
  }

  /**
   * A breach (an open clock past its due instant) or a breach's lateness still to record: the
   * closure waits for it (since `planner-fixes-2`). One whose record failed for good is held by its
   * attention item and does not hold the closure; the item stays open for an operator.
   */
  const breachToRecord = () =>
    s.deadlines.some(
      (d) =>
        (d.status === 'OPEN' && now() >= Date.parse(d.dueAt) && !blocked(`breach:${d.key}`)) ||
        (d.status === 'BREACHED' &&
          d.metAt !== undefined &&
          d.breachKey !== undefined &&
          !blocked(`breach-met:${d.key}`)),
    );

  /** A clock that can no longer be met whatever anyone does: breached at once (since v3). */
  const impossibleClock = (d: Deadline) => d.clock === 'preReleaseMeeting' && meetingImpossible();

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

  /** The due instants of the open clocks still to watch (after the current instant). */
  function clockWake(): number | undefined {
    const open = s.deadlines
      .filter((d) => d.status === 'OPEN' && !blocked(`breach:${d.key}`))
      .map((d) => Date.parse(d.dueAt))
      .filter((t) => t > now());
    return open.length > 0 ? Math.min(...open) : undefined;
  }

  // ---- Bookings --------------------------------------------------------------------------------

  /** The day of the pre-release meeting booked here that still fits the plan, if any. */
  function keptMeeting(meeting: string | undefined): string | undefined {
    if (meeting === undefined) return undefined;
    const due = localDateOf(new Date(meetingDue()));
    return s.bookings.find(
      (b) =>
        b.kind === 'PRE_RELEASE_MEETING' &&
        b.status === 'BOOKED' &&
        b.establishmentCode === establishment() &&
        !((b.date ?? '') > due && b.date !== meeting),
    )?.date;
  }

  /** The bookings the facts call for now; `fits` says whether an existing booking still serves. */
  function wantedBookings(): {
    wanted: WantedBooking[];
    fits: (b: Booking) => string | null;
    /** Fewer visits fit before the meeting than the policy wants (a meeting is still possible). */
    visitsShort?: { needed: number; fit: number; before: string };
  } {
    const wanted: WantedBooking[] = [];
    let visitsShort: { needed: number; fit: number; before: string } | undefined;
    const closing = closingReason();
    const est = establishment();
    const lib = liberationDate();
    const meeting = meetingDate();
    const inPlanning = !fromCourt() && inCustody() && planningOpen() && !closing;
    // Visits by the community worker before the pre-release meeting (seed 000 §4.55).
    const visitsHeld = s.meetingsHeld.filter((m) => m.kind === 'CJSW_VISIT').length;
    const visitsLive = s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED');
    if (
      !closing &&
      inCustody() &&
      s.acknowledgement &&
      s.agencyId &&
      !meetingHeld() &&
      !fromCourt() &&
      !standDown()
    ) {
      const kept = keptMeeting(meeting);
      const before =
        kept !== undefined && kept !== meeting && ctx.patched(PLANNER_PROPERTIES_PATCH)
          ? kept
          : (meeting ?? lib);
      const from = [localDateOf(new Date(s.acknowledgement.acknowledgedAt)), today()].sort().pop()!;
      const stillNeeded = Math.max(0, ctx.visitsWanted - visitsHeld);
      const keep = visitsLive.filter((b) => b.establishmentCode === est && (b.date ?? '') < before);
      const dates = custodyVisitDates(input.jurisdiction, from, before, stillNeeded).filter(
        (d) => !keep.some((b) => b.date === d),
      );
      const fit = Math.min(stillNeeded, keep.length + dates.length);
      // (Not for a meeting whose day has gone by at the prison the person left: nothing fits before it.)
      const leftBehind =
        goneByStays() &&
        meeting !== undefined &&
        meeting < today() &&
        !s.bookings.some(
          (b) =>
            b.kind === 'PRE_RELEASE_MEETING' &&
            b.status === 'BOOKED' &&
            b.establishmentCode === est &&
            b.date === meeting,
        );
      if (fit < stillNeeded && meeting !== undefined && !leftBehind)
        visitsShort = { needed: stillNeeded, fit, before };
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
    if (!closing && released() && s.release && s.agencyId && !appointmentsStoodDown()) {
      const rel = s.release;
      wanted.push({
        slot: `first-appointment:${rel.eventId}`,
        kind: 'FIRST_APPOINTMENT',
        agencyId: s.agencyId,
        releaseEventId: rel.eventId,
        dueBy: deadline('firstAppointment', new Date(chargedFrom(rel))).toISOString(),
      });
      const last = s.attendances[s.attendances.length - 1];
      if (last && last.attendance === 'NO') {
        wanted.push({
          slot: `follow-up-appointment:${last.eventId}`,
          kind: 'FOLLOW_UP_APPOINTMENT',
          agencyId: s.agencyId,
          releaseEventId: rel.eventId,
          dueBy: deadline('missedAppointmentFollowUp', new Date(last.attendedAt)).toISOString(),
        });
      }
    }
    /** Why a booking at `from` no longer fits: a move, or (`movement-correction-1`) a destination corrected. */
    const movedFrom = (from: string | undefined): string =>
      movementCorrections() &&
      (s.corrections ?? []).some((c) => c.previousTo === from && c.to === est && c.previousTo !== c.to)
        ? `transfer destination corrected: the person is at ${est}, never was at ${from}`
        : `person moved from ${from} to ${est}`;
    const fits = (b: Booking): string | null => {
      if (closing) return `case closed (${closing})`;
      switch (b.kind) {
        case 'CJSW_VISIT':
        case 'PRE_RELEASE_MEETING':
          if (released()) return `released on ${localDateOf(new Date(s.release!.releasedAt))}`;
          if (b.establishmentCode !== est && !goneByAtItsPrison(b)) return movedFrom(b.establishmentCode);
          if (b.kind === 'PRE_RELEASE_MEETING') {
            // Not reported held by the end of the next working day: cancelled (the liberation
            // service answers ALREADY_HELD if it was held after all), then booked again or found
            // impossible; an attention item says so.
            if (lapsed(b)) return lapseReason(b.date);
            if (meeting === undefined) return `no working day left before liberation on ${lib}`;
            if ((b.date ?? '') > localDateOf(new Date(meetingDue())) && b.date !== meeting)
              return `${meetingMovedBecause(lib)}: meeting due by ${localDateOf(new Date(meetingDue()))}`;
            // The release moved out of the planning window: a meeting weeks ahead of its time is
            // booked again when planning opens (it was kept before this patch).
            if (
              !planningOpen() &&
              ctx.patched(PLANNER_PROPERTIES_PATCH) &&
              // Since `meeting-day-come-1` a meeting whose day has come is held or lapses, never moved.
              !(fixed() && b.date !== undefined && b.date <= today() && ctx.patched(MEETING_DAY_COME_PATCH))
            )
              return `liberation date now ${lib}: the meeting is booked again when release planning opens on ${localDateOf(new Date(planningOpens()))}`;
          } else if (!wanted.some((w) => w.slot === b.slot)) {
            const down = standDown();
            if (down)
              return `the agency ${down.decision === 'DECLINED' ? 'declined' : 'withdrew from'} the referral: no custody visits with it`;
            return `visit on ${b.date} no longer fits before the pre-release meeting (liberation ${lib})`;
          }
          return null;
        case 'GATE_PICKUP':
          if (released()) return pickupMisfit(b);
          if (b.establishmentCode !== est) return movedFrom(b.establishmentCode);
          return b.date === lib ? null : `liberation date now ${lib}`;
        case 'FIRST_APPOINTMENT':
        case 'FOLLOW_UP_APPOINTMENT': {
          if (!released() || s.release?.eventId !== b.releaseEventId)
            return 'release reversed: person in custody';
          // (Only a live booking is asked: one the person kept is HELD, never cancelled.)
          const down = appointmentsStoodDown();
          if (down)
            return `the agency ${down.decision === 'DECLINED' ? 'declined' : 'withdrew from'} the referral: no appointment with it`;
          return null;
        }
      }
    };
    return { wanted, fits, visitsShort };
  }

  // ---- Attention -------------------------------------------------------------------------------

  const openAttention = (action: string) =>
    s.attention.find((a) => a.action === action && a.status === 'OPEN');
  const skipped = (action: string) =>
    s.attention.some((a) => a.action === action && a.resolution?.option === 'SKIP');
  /** An operator (not the journey closing it) skipped the step `action`. */
  const skippedByOperator = (action: string) =>
    s.attention.some((a) => a.action === action && skippedByAnOperator(a));
  /** A step held by an attention item: open (waiting on an operator) or skipped for good. */
  const blocked = (action: string) => v3 && (openAttention(action) !== undefined || skipped(action));
  const needsAttention = () => s.attention.some((a) => a.status === 'OPEN');
  /** The newest attention item raised for `action`, if any. */
  const latestAttention = (action: string): AttentionItemView | undefined =>
    [...s.attention].reverse().find((a) => a.action === action);

  // ---- Notices ---------------------------------------------------------------------------------

  /**
   * The reversed return as the agency can know it (review of stop 39, N7): what it was and the day
   * it was recorded, not the platform's episode number; a run started before those were passed says
   * only "return to custody of this person".
   */
  const reversedReturn = (r: NonNullable<ThroughcareInput['resumed']>): string => {
    const what =
      r.returnReason === 'RECALL'
        ? 'recall to custody'
        : r.returnReason === 'NEW_SENTENCE'
          ? 'return to custody on a new sentence'
          : 'return to custody';
    return `${what} ${r.returnedAt ? `of ${localDateOf(new Date(r.returnedAt))}` : 'of this person'}`;
  };

  /** The next thing the agency believes that is no longer true (or must hear), if any. */
  function nextNotice(): Notice | undefined {
    const t = s.told;
    const agencyId = noticeRecipient();
    if (!t || agencyId === undefined) return undefined;
    const notice = (n: Omit<Notice, 'agencyId'>): Notice => ({ ...n, agencyId });
    const closing = closingReason();
    if (closing) {
      // The need agencies' referrals are withdrawn at the closure, with its reason.
      if (t.closed || closing === 'FOLLOW_UP_COMPLETE' || toldNeedAgencies()) return undefined;
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
            : closing === 'RECEIVED_IN_ERROR'
              ? // A liberation from court reversed says so (`court-reversal-notice-1`; asked only there).
                // The patch is asked as before (a marker is a command); what opened the episode then
                // picks the words, not a liberation from court signalled later (review of stop 39, N1).
                fromCourt() &&
                ctx.patched(COURT_REVERSAL_NOTICE_PATCH) &&
                openingOf(input).what === 'liberation from court'
                ? 'The liberation from court that opened this case was recorded in error: the person was not liberated from court on it. The referral is withdrawn and its bookings are cancelled; please discard what the referral told you of this person.'
                : 'The reception that opened this case was recorded in error: the person was not received into custody on it. The referral is withdrawn and its bookings are cancelled; please discard what the referral told you of this person.'
              : `The case is closed: ${closing}${s.closeRequested?.note ? ` (${s.closeRequested.note})` : ''}.`;
      return notice({ subject, message, apply: () => (t.closed = true) });
    }
    const est = establishment();
    const lib = liberationDate();
    // A run started again (`input.resumed`): the agency referred afresh hears why, once.
    if (input.resumed && resumedRelease() && released() && !t.returnReversed) {
      const r = input.resumed;
      const from = s.release!.establishmentCode;
      return notice({
        subject: 'RELEASED',
        message: `The ${reversedReturn(r)} was recorded in error and reversed on ${localDateOf(new Date(r.reversedAt))}: they were not returned to custody, and have been in the community since their release from ${from} on ${lib}. This referral follows them up afresh; the first appointment is counted from ${localDateOf(new Date(r.reversedAt))}.`,
        fields: { liberationDate: lib, establishmentCode: from },
        apply: () => {
          t.returnReversed = true;
          t.custody = 'OUT';
          t.liberationDate = lib;
          t.establishmentCode = from;
        },
      });
    }
    if (t.custody === 'OUT' && !released()) {
      return notice({
        subject: 'MOVEMENT_REVERSED',
        message: `The release was recorded in error: the person is still in custody at ${est}, liberation date ${lib}. Any appointment booked for them is cancelled.`,
        fields: { establishmentCode: est, liberationDate: lib },
        apply: () => {
          t.custody = 'IN';
          t.establishmentCode = est;
          t.liberationDate = lib;
        },
      });
    }
    if (releaseNotices() && t.custody === 'IN' && released()) {
      const from = s.release!.establishmentCode;
      const moved = t.liberationDate !== lib;
      return notice({
        subject: 'RELEASED',
        message: `The person was released from ${from} on ${lib}${moved ? ` (the liberation date you were last told was ${t.liberationDate})` : ''}.`,
        fields: {
          liberationDate: lib,
          ...(moved ? { previousLiberationDate: t.liberationDate } : {}),
          establishmentCode: from,
        },
        apply: () => {
          t.custody = 'OUT';
          t.liberationDate = lib;
          t.establishmentCode = from;
        },
      });
    }
    // Since `movement-correction-1`: the release day told was wrong (the release was corrected).
    if (
      movementCorrections() &&
      t.custody === 'OUT' &&
      released() &&
      t.liberationDate !== lib &&
      // This release's instant corrected (review stop 43b, N3).
      s.corrections!.some((c) => c.eventId === s.release!.eventId && c.occurredAt !== c.previousOccurredAt)
    ) {
      const from = s.release!.establishmentCode;
      return notice({
        subject: 'RELEASED',
        message: `Correction: the person was released from ${from} on ${lib}, not on ${t.liberationDate} as first recorded.`,
        fields: { liberationDate: lib, previousLiberationDate: t.liberationDate, establishmentCode: from },
        apply: () => (t.liberationDate = lib),
      });
    }
    if (t.custody === 'IN' && t.establishmentCode !== est) {
      // Since `movement-correction-1`: the prison told was a transfer's destination recorded wrongly.
      // Only a destination changed, of a transfer that still stands (a reversed one is told as
      // recorded in error: review stop 43b, M1).
      const corrected =
        movementCorrections() &&
        s.corrections!.some(
          (c) =>
            c.movement === 'TRANSFER' &&
            c.previousTo !== c.to &&
            c.previousTo === t.establishmentCode &&
            s.transfers.some((x) => x.eventId === c.eventId),
        ) &&
        s.transfers.every((x) => x.toEstablishmentCode !== t.establishmentCode);
      if (corrected)
        return notice({
          subject: 'TRANSFERRED',
          message: `Correction: the transfer recorded to ${t.establishmentCode} was to ${est}; the person is at ${est}, and visits and meetings are rebooked there.`,
          fields: { establishmentCode: est, previousEstablishmentCode: t.establishmentCode },
          apply: () => (t.establishmentCode = est),
        });
      // The agency was told of a transfer since reversed: since `planner-fixes-2`, only when the
      // establishment it was told is a reversed transfer's destination (a reversal recorded before
      // destinations were kept counts as before); a transfer it never heard of, reversed, is not news.
      const undone =
        s.reversals.some(
          (r) =>
            r.movement === 'TRANSFER' &&
            r.reversedAfterSettling &&
            (!fixed() ||
              r.to === undefined ||
              r.to === t.establishmentCode ||
              // Since `movement-correction-1`: the prison told was this transfer's destination
              // before a correction (review stop 43b, M1).
              (movementCorrections() &&
                (s.corrections ?? []).some(
                  (c) => c.eventId === r.eventId && c.previousTo === t.establishmentCode,
                ))),
        ) && s.transfers.every((x) => x.toEstablishmentCode !== t.establishmentCode);
      return notice({
        subject: undone ? 'MOVEMENT_REVERSED' : 'TRANSFERRED',
        message: undone
          ? `The transfer to ${t.establishmentCode} was recorded in error: the person is at ${est}.`
          : `The person has moved from ${t.establishmentCode} to ${est}; visits and meetings are rebooked there.`,
        fields: { establishmentCode: est, previousEstablishmentCode: t.establishmentCode },
        apply: () => (t.establishmentCode = est),
      });
    }
    // Since `risk-notice-1`: a rise the responsible agency has not been told of.
    const rose = riskToTell(t);
    if (rose) {
      return notice({
        subject: 'RISK_ESCALATED',
        message: riskNoticeMessage(rose.latest, rose.rises, rose.baseline),
        apply: () => (t.risk = toldBandsOf(rose.latest)),
      });
    }
    if (t.custody === 'IN' && t.liberationDate !== lib) {
      const collector = gateCollector();
      // Since `meeting-in-notice-1`: with the meeting booked for it (`nextAction` holds the notice
      // while the prison's bookings are in flight).
      const meeting = meetingInNotices() ? meetingToTell() : undefined;
      return notice({
        subject: 'LIBERATION_DATE_CHANGED',
        message: `The liberation date is now ${lib} (was ${t.liberationDate}).${meeting ? ` The pre-release meeting is on ${meeting.date} at ${meeting.establishmentCode}.` : ''}`,
        // The agency collecting the person at the gate hears it too (`gate-reconfirmation-1`).
        ...(collector !== undefined && collector !== agencyId
          ? {
              alsoTell: [
                {
                  agencyId: collector,
                  because: 'GATE_COLLECTOR',
                  reference: `gate-arrangement-v${s.gate!.version}`,
                },
              ],
            }
          : {}),
        fields: {
          liberationDate: lib,
          previousLiberationDate: t.liberationDate,
          ...(meeting
            ? {
                preReleaseMeetingDate: meeting.date,
                preReleaseMeetingEstablishmentCode: meeting.establishmentCode,
              }
            : {}),
        },
        apply: () => (t.liberationDate = lib),
      });
    }
    if (
      t.custody === 'IN' &&
      !toldNeedAgencies() &&
      !fromCourt() &&
      planningOpen() &&
      !meetingHeld() &&
      meetingDate() === undefined &&
      !t.meetingImpossibleFor.includes(lib)
    ) {
      return notice({
        subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        message: `No working day is left for a pre-release meeting before liberation on ${lib}; the breach is recorded. Please plan the first appointment now.`,
        fields: { liberationDate: lib },
        apply: () => t.meetingImpossibleFor.push(lib),
      });
    }
    return undefined;
  }

  /**
   * The pre-release meeting to name in a notice: booked at the prison holding the person for a day
   * still to come (today included) that the plan keeps, not held yet; undefined when there is none.
   * Release planning not open, a meeting booked earlier is being cancelled (booked again when it
   * opens); one whose cancellation failed is on its way out; while a transfer settles the
   * person's prison is changing (its meetings are cancelled at the old one); and while the prison's
   * bookings are in flight (`nextAction`'s lanes) the meeting may be changing: none is named.
   */
  function meetingToTell(): { date: string; establishmentCode: string } | undefined {
    if (liberationInFlight || meetingHeld() || !inCustody() || !planningOpen()) return undefined;
    const est = establishment();
    if (reportedEstablishment() !== est) return undefined;
    const meeting = meetingDate();
    if (meeting === undefined) return undefined;
    const due = localDateOf(new Date(meetingDue()));
    // The newest booking that fits (an older row whose cancellation failed does not hide it).
    const kept = s.bookings.filter(
      (b) =>
        b.kind === 'PRE_RELEASE_MEETING' &&
        b.status === 'BOOKED' &&
        !b.cancelFailed &&
        b.establishmentCode === est &&
        b.date !== undefined &&
        b.date >= today() &&
        !(b.date > due && b.date !== meeting),
    );
    const newest = kept[kept.length - 1];
    return newest ? { date: newest.date!, establishmentCode: est } : undefined;
  }
  /** Whether the planning under way (`nextAction`) has an effect in flight in the liberation lane. */
  let liberationInFlight = false;
  /**
   * How long a changed date's notice waits for the meeting to be cancelled and booked again (from
   * the change, `changedAt`) before it goes with the date alone: the liberation service being
   * down must not keep a new date from the agency.
   */
  const dateNoticeHoldEnds = (): number => {
    const change = s.dateChanges[s.dateChanges.length - 1];
    return change ? Date.parse(change.changedAt) + DATE_NOTICE_MEETING_WAIT_MS : -Infinity;
  };

  // ---- The next action -------------------------------------------------------------------------

  /**
   * Everything there is to do now, in order (after bringing the deadline list up to date), lazily:
   * a stage entered, (before v3) a clock recorded, an impossible meeting raised, an assessment
   * requested, an agency found, the referral sent or withdrawn, a booking that no longer fits
   * cancelled (newest first), a missing booking made, the agency told, the closure recorded, the
   * next episode handed over. Each step is derived from the state as it is when it is reached.
   */
  /**
   * A referred need the latest assessment reporting its pathway no longer indicates
   * (`pathway-outcomes-1`): prison staff are told once per need and assessment, and the items that
   * no longer apply are closed. Never a withdrawal: stopping the need is theirs.
   */
  function* noLongerIndicated(): Generator<Action, void, undefined> {
    // The latest assessment that assessed each pathway (a skip is not an assessment of the need:
    // review of stop 40, pathways M2).
    const latest = new Map((pathwaysView(true) ?? []).map((o) => [o.pathway, o]));
    const open = s.attention.filter(
      (a) => a.status === 'OPEN' && /^need:[A-Z_]+:no-longer-indicated:/.test(a.action),
    );
    for (const item of open) {
      const pathway = item.action.split(':')[1] as Pathway;
      const o = latest.get(pathway);
      // A staff stop closes it with the stop's own bookkeeping (once its withdrawals are done).
      if (staffStop(pathway)) continue;
      if (needStopped(pathway))
        yield { kind: 'closeItem', item, reason: 'the need is no longer referred in this episode' };
      // The referral it asked about no longer stands (its agency declined or withdrew): the next
      // agency's choice is held and asked about afresh (`pathway-hold-1`).
      else if (!holderOf(needReferral(pathway)) && ctx.patched(PATHWAY_HOLD_PATCH))
        yield {
          kind: 'closeItem',
          item,
          reason: `the ${pathway} referral it asked about no longer stands: the next agency is asked about again`,
        };
      else if (o && o.status === 'SUPPORT_REQUIRED')
        yield {
          kind: 'closeItem',
          item,
          reason: `the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} shows ${pathway} ${o.status}`,
        };
      // A later assessment of the pathway says it again, or otherwise: one item per need, the
      // latest's (review of stop 40, pathways M3).
      else if (o && item.action !== needNoLongerIndicatedAction(pathway, o.assessmentId))
        yield {
          kind: 'closeItem',
          item,
          reason: `superseded by the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} (${pathway} ${o.status})`,
        };
    }
    // Holds (`pathway-hold-1`) that no longer apply: the need stopped or no longer referred, the
    // pathway indicated again, or a later assessment of it (which holds afresh if it must).
    for (const item of s.attention.filter((a) => a.status === 'OPEN' && NEED_HOLD_ITEM.test(a.action))) {
      const [, pathway, , assessmentId] = NEED_HOLD_ITEM.exec(item.action)! as unknown as [
        string,
        Pathway,
        string,
        string,
      ];
      const o = latest.get(pathway);
      const holding = holderOf(needReferral(pathway));
      if (staffStop(pathway)) continue;
      if (needStopped(pathway) || !needs().includes(pathway))
        yield { kind: 'closeItem', item, reason: 'the need is no longer referred in this episode' };
      else if (holding?.t.sentAt && takesOn(holding.t))
        yield {
          kind: 'closeItem',
          item,
          reason: `agency:${holding.t.agencyId} holds the need (referral ${holding.t.referralId}): no other agency is chosen`,
        };
      else if (o && !NO_LONGER_INDICATED.has(o.status))
        yield {
          kind: 'closeItem',
          item,
          reason: `the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} shows ${pathway} ${o.status}: the referral goes ahead`,
        };
      else if (o && o.assessmentId !== assessmentId)
        yield {
          kind: 'closeItem',
          item,
          reason: `superseded by the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} (${pathway} ${o.status})`,
        };
    }
    const raises: Action[] = [];
    for (const o of latest.values()) {
      if (!NO_LONGER_INDICATED.has(o.status) || !needs().includes(o.pathway) || needStopped(o.pathway))
        continue;
      const holder = holderOf(needReferral(o.pathway));
      const action = needNoLongerIndicatedAction(o.pathway, o.assessmentId);
      if (!holder || s.attention.some((a) => a.action === action)) continue;
      // Staff were asked before this try was chosen or sent (`pathway-hold-1`): not asked twice.
      if (s.attention.some((a) => a.action === needHoldAction(o.pathway, holder.no, o.assessmentId)))
        continue;
      // Support in place, or no longer needed, while the agency has taken the need on: the
      // referral is working (an address found, treatment started), nothing to ask (review of stop
      // 40, pathways S1). A decline by the person is always asked.
      if (o.status !== 'SUPPORT_DECLINED' && takesOn(holder.t)) continue;
      const where = holder.t.sentAt
        ? `referred to agency:${holder.t.agencyId} (referral ${holder.t.referralId})`
        : `being referred to agency:${holder.t.agencyId}`;
      raises.push({
        kind: 'raise',
        action,
        mustAct: prison(),
        failure: {
          type: 'NEED_NO_LONGER_INDICATED',
          message: `the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} shows ${o.pathway} ${o.status === 'SUPPORT_DECLINED' ? 'SUPPORT_DECLINED (the person declines the support)' : `${o.status} (no support needed now)`}, but the need is still ${where}: the journey does not withdraw it. If the support is no longer wanted, stop the need (POST /journeys/${input.personId}/episodes/${input.episode}/needs/${o.pathway}/stop with the reason), which withdraws its referral and closes this item; to keep the referral, POST …/needs/${o.pathway}/keep with the reason`,
        },
        options: ['SKIP'],
      });
    }
    if (raises.length > 0 && ctx.patched(PATHWAY_OUTCOMES_PATCH)) yield* raises;
  }

  /**
   * Whether try `no` of the need must wait for prison staff before `step` (`pathway-hold-1`): `true`
   * while its item is open (or the item raised after an unsent choice, `NEED_NO_LONGER_INDICATED`,
   * is), the item to raise when none was, or `undefined` to go ahead: the latest assessment of the
   * pathway indicates the need, or staff skipped the hold (refer all the same).
   */
  function holdBefore(pathway: Pathway, no: number, sending: boolean): Action | true | undefined {
    const o = (pathwaysView(true) ?? []).find((x) => x.pathway === pathway);
    if (!o || !NO_LONGER_INDICATED.has(o.status)) return undefined;
    const action = needHoldAction(pathway, no, o.assessmentId);
    const earlier = latestAttention(action);
    if (earlier) return earlier.status === 'OPEN' ? true : undefined;
    // Before sending a try chosen earlier: the item raised for this assessment while it stood
    // unsent (never for a next try's choice: after a decline, staff are asked again).
    const told = sending ? latestAttention(needNoLongerIndicatedAction(pathway, o.assessmentId)) : undefined;
    if (told) return told.status === 'OPEN' && ctx.patched(PATHWAY_HOLD_PATCH) ? true : undefined;
    if (!ctx.patched(PATHWAY_HOLD_PATCH)) return undefined;
    const step = sending
      ? `sending it to agency:${needReferral(pathway)!.tries[no - 1]!.agencyId}`
      : no === 1
        ? 'choosing an agency'
        : 'choosing the next agency';
    const why =
      o.status === 'SUPPORT_DECLINED'
        ? 'SUPPORT_DECLINED (the person declines the support)'
        : o.status === 'DONE'
          ? 'DONE (the support is in place)'
          : 'SUPPORT_NOT_REQUIRED (no support needed now)';
    return {
      kind: 'raise',
      action,
      mustAct: prison(),
      failure: {
        type: 'NEED_REFERRAL_HELD',
        message: `the ${o.kind} ${o.assessmentId} completed at ${o.completedAt} shows ${pathway} ${why}: the ${pathway} need is held before ${step}, and no referral for it goes to ${sending ? 'that agency' : 'a community agency'} until prison staff answer (the justice social work referral names every need). To refer it all the same, POST /journeys/${input.personId}/episodes/${input.episode}/needs/${pathway}/keep with the reason; to stop referring it, POST …/needs/${pathway}/stop with the reason. A later assessment showing ${pathway} SUPPORT_REQUIRED releases the hold`,
      },
      options: ['SKIP'],
    };
  }

  /**
   * The collector the gate arrangement names, checked with the directory once (its check is held
   * like any step: a failure is an item, a skip leaves it unchecked and untold), and an item asking
   * prison staff to correct an arrangement naming an agency the directory does not know, closed
   * when the arrangement changes, on release or closure (`gate-reconfirmation-1`).
   */
  function* collectorActions(closing: ClosureReason | undefined): Generator<Action, void, undefined> {
    const named = namedCollector();
    const check = collectorCheck();
    const inPlay = named !== undefined && !closing && inCustody() && !fromCourt();
    const current = inPlay && check?.known === false ? collectorUnknownAction(s.gate!.version) : undefined;
    const recordedAgain = () => `the gate arrangement was recorded again (version ${s.gate?.version ?? '?'})`;
    yield* closeStaleGateItems('gate-collector-unknown:', current, closing, recordedAgain);
    // A failed check's item closes once its arrangement version is not the current one (M5).
    const checkAction = inPlay ? collectorCheckAction(s.gate!.version) : undefined;
    yield* closeStaleGateItems('check-collector:', checkAction, closing, recordedAgain);
    if (checkAction !== undefined && check === undefined && !blocked(checkAction) && !skipped(checkAction))
      yield { kind: 'checkCollector', action: checkAction, agencyId: named!, version: s.gate!.version };
    if (current === undefined || s.attention.some((a) => a.action === current)) return;
    yield {
      kind: 'raise',
      action: current,
      mustAct: prison(),
      failure: {
        type: 'GATE_COLLECTOR_UNKNOWN',
        message: `the gate arrangement (version ${s.gate!.version}) names agency ${named} as the collector, which the directory does not know: it is told nothing (no copy of a changed date). Record the arrangement with the collecting agency's directory id (PUT /people/${input.personId}/episodes/${input.episode}/gate-arrangement), which closes this item; SKIP if the collector is told another way`,
      },
      options: ['SKIP'],
    };
  }

  /**
   * Closes the open gate items of `prefix` other than `current`: the case closing, the person
   * released, or (in custody) `otherwise`'s reason.
   */
  function* closeStaleGateItems(
    prefix: string,
    current: string | undefined,
    closing: ClosureReason | undefined,
    otherwise: (item: AttentionItemView) => string,
  ): Generator<Action, void, undefined> {
    for (const item of s.attention.filter(
      (a) => a.status === 'OPEN' && a.action.startsWith(prefix) && a.action !== current,
    ))
      yield {
        kind: 'closeItem',
        item,
        reason: closing
          ? 'the case is closing'
          : !inCustody() || fromCourt()
            ? 'the person was released'
            : otherwise(item),
      };
  }

  /** The item asking prison staff to confirm the gate arrangement again (`gate-reconfirmation-1`). */
  function* gateReconfirmationActions(
    closing: ClosureReason | undefined,
  ): Generator<Action, void, undefined> {
    const gate = s.gate!;
    const lib = liberationDate();
    const moved = !closing && !fromCourt() && inCustody() && gate.forLiberationDate !== lib;
    const current = moved ? gateReconfirmAction(lib, gate.version) : undefined;
    yield* closeStaleGateItems('gate-reconfirm:', current, closing, (item) =>
      gate.forLiberationDate === lib
        ? `the gate arrangement (version ${gate.version}) holds for liberation on ${lib}`
        : item.action.startsWith(`gate-reconfirm:${lib}:`)
          ? `the gate arrangement was recorded again (version ${gate.version}; see the item for it)`
          : `the liberation date is now ${lib} (see the item for that date)`,
    );
    if (!current) return;
    const earlier = s.attention.filter((a) => a.action === current);
    // An item the journey closed itself when the date moved away is raised again on its return; one
    // staff resolved (SKIP) holds for this arrangement version only (the version is in the key).
    if (earlier.some((a) => a.status === 'OPEN' || a.resolution?.by !== 'throughcare')) return;
    const who =
      gate.collectedBy === 'AGENCY'
        ? collectorCheck()?.known === false
          ? `agency:${gate.agencyId} (not told by the journey: the directory does not know it; see the item GATE_COLLECTOR_UNKNOWN)`
          : collectorCheck() === undefined
            ? collectorStuck()
              ? `agency:${gate.agencyId} (not told by the journey: the directory could not be asked about it; tell it the new date)`
              : `agency:${gate.agencyId} (told the new date by the journey's notice once the directory confirms it knows the agency)`
            : noticeRecipient() !== undefined
              ? `agency:${gate.agencyId} (told the new date by the journey's notice)`
              : `agency:${gate.agencyId} (not told by the journey: no agency is referred yet; tell it the new date)`
        : gate.collectedBy === 'NOBODY'
          ? 'the person (nobody collects: travel and first night)'
          : `whoever collects (${gate.collectedBy})`;
    yield {
      kind: 'raise',
      action: current,
      mustAct: prison(),
      failure: {
        type: 'GATE_ARRANGEMENT_RECONFIRMATION',
        message: `the gate arrangement (version ${gate.version}) was made for liberation on ${gate.forLiberationDate}; the liberation date is now ${lib}. Confirm it again with ${who}, then record it for the new date (PUT /people/${input.personId}/episodes/${input.episode}/gate-arrangement with confirmedForLiberationDate ${lib}, or the arrangement as it now stands), which closes this item; SKIP if it was confirmed another way`,
      },
      options: ['SKIP'],
    };
  }

  /** The corrected transfers whose destination changed (`movement-correction-1`). */
  const destinationCorrections = () =>
    (s.corrections ?? []).filter(
      (c) => c.movement === 'TRANSFER' && c.previousTo !== undefined && c.previousTo !== c.to,
    );
  /**
   * The prisons `item` names wrongly: it was raised while the transfer it names the destination of
   * was the person's latest settled one, and that destination was later corrected away (the person
   * was never there then). Items raised in a real stay at the same prison are not among them
   * (review stop 44, S1).
   */
  function wronglyNamed(item: AttentionItemView): string[] {
    const since = Date.parse(item.since);
    const codes = destinationCorrections()
      .map((c) => c.previousTo!)
      .filter((code) => code !== establishment() && wronglyAt(code, since));
    return [...new Set(codes)].filter((code) => namesPrison(item.mustAct, code));
  }
  /**
   * Whether the person was recorded at `code` wrongly at instant `at`: the transfer that was their
   * latest settled one then had its destination `code` corrected away (the reception's prison is
   * never wrong).
   */
  function wronglyAt(code: string, at: number): boolean {
    const current = s.transfers.filter((t) => Date.parse(t.settlesAt) <= at).at(-1);
    return (
      current !== undefined &&
      current.toEstablishmentCode !== code &&
      destinationCorrections().some((c) => c.eventId === current.eventId && c.previousTo === code)
    );
  }

  /**
   * Since `movement-correction-1` (review stop 43b, S1): each open item addressed to a prison
   * because of a transfer recorded there wrongly (its destination corrected) is addressed to the
   * prison the person is at instead: the holds and requests that block work reach staff who can
   * act on them.
   */
  function* reassignedItems(): Generator<Action, void, undefined> {
    if (destinationCorrections().length === 0) return;
    const here = prison();
    for (const item of s.attention) {
      if (item.status !== 'OPEN') continue;
      const named = wronglyNamed(item);
      if (named.length === 0) continue;
      const mustAct = named.reduce((who, code) => renamePrison(who, code, here), item.mustAct);
      if (mustAct === item.mustAct) continue;
      yield {
        kind: 'reassignItem',
        item,
        mustAct,
        because: `transfer destination corrected: the person is at ${establishment()}, was never at ${named.join(', ')} then`,
      };
    }
  }

  function* actionsInOrder(): Generator<Action, void, undefined> {
    const closing = closingReason();
    syncDeadlines();

    // While closing, the stage stays where it was until the closure is recorded.
    const stage = s.closureRecorded ? 'CLOSED' : closing ? s.stage : deriveStage();
    if (stage !== s.stage) {
      const action = `stage:${stage}`;
      if (!blocked(action)) yield { kind: 'enter', action, stage, record: true };
      if (skipped(action)) yield { kind: 'enter', action, stage, record: false };
    }
    if (movementCorrections()) yield* reassignedItems();
    // Since v3 the clocks have a coroutine of their own (the shell's watchClocks): an effect that
    // is slow or failing delays only itself, never the detection of a breach.
    const clock = v3 ? undefined : dueClock();
    if (clock) yield { kind: 'clock', deadline: clock };
    if (v3 && meetingImpossible()) {
      const action = `meeting-impossible:${liberationDate()}`;
      const earlier = s.attention.filter((a) => a.action === action);
      // An item the journey closed itself when the date moved away is raised again on its return.
      const closedByJourney =
        earlier.length > 0 &&
        earlier.every((a) => a.status === 'RESOLVED' && a.resolution?.by === 'throughcare') &&
        ctx.patched(PLANNER_PROPERTIES_PATCH);
      if (earlier.length === 0 || closedByJourney)
        yield {
          kind: 'raise',
          action,
          mustAct: prisonAndAgency(),
          failure: {
            type: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
            message: `no working day is left for the pre-release meeting before liberation on ${liberationDate()}: plan the first appointment now`,
          },
          options: ['SKIP'],
        };
    }
    // Since `risk-assessed-1`: each rise in risk is escalated once to the responsible agency;
    // since `risk-notice-1` by a notice, and as an item only while no agency can be told (closed
    // once the responsible agency has been told).
    if (riskAssessed() && !closing) {
      const noticeCanGo = riskNoticeCanGo();
      const toldUpTo = noticeCanGo ? s.told?.risk?.version : undefined;
      for (const r of s.risks ?? []) {
        const action = riskEscalationAction(r.version);
        const open = openAttention(action);
        if (open && toldUpTo !== undefined && r.version <= toldUpTo) {
          yield {
            kind: 'closeItem',
            item: open,
            reason: `agency:${noticeRecipient()} was told the risk as of version ${toldUpTo} (a RISK_ESCALATED notice, or an operator recorded it as told another way)`,
          };
          continue;
        }
        if (r.rises.length === 0 || s.attention.some((a) => a.action === action)) continue;
        if (noticeCanGo) continue;
        yield {
          kind: 'raise',
          action,
          // Since risk-notice-1 the item is the prison's: no agency can be told (none referred,
          // only need agencies, or the agency declined or withdrew).
          mustAct: riskNotices() ? prison() : responsibleAgency(),
          failure: { type: 'RISK_ESCALATED', message: riskEscalationMessage(r) },
          options: ['SKIP'],
        };
      }
    }
    // Since `gate-reconfirmation-1`: the collector the arrangement names is checked with the
    // directory first (an unknown one is the prison's to correct); the gate arrangement made for
    // another liberation date than the one now is the prison's to confirm again with whoever
    // collects, until it holds for this date.
    if (gateReconfirmation()) yield* collectorActions(closing);
    if (gateReconfirmation()) yield* gateReconfirmationActions(closing);
    // Only while the meeting is still to plan (in custody, not held, not closing): after a release,
    // a meeting held or a closure the item stays for prison and agency to acknowledge.
    const meetingToPlan = !closing && !fromCourt() && inCustody() && !meetingHeld();
    if (v3 && meetingToPlan) {
      const current = meetingImpossible() ? `meeting-impossible:${liberationDate()}` : undefined;
      const stale = s.attention.find(
        (a) => a.status === 'OPEN' && a.action.startsWith('meeting-impossible:') && a.action !== current,
      );
      if (stale && ctx.patched(PLANNER_PROPERTIES_PATCH))
        yield {
          kind: 'closeItem',
          item: stale,
          reason: current
            ? `the liberation date is now ${liberationDate()} (see the item for that date)`
            : `a pre-release meeting is possible again (liberation on ${liberationDate()})`,
        };
    }
    // The core screen completed (the prison's own system) while its failed request waited on an
    // operator: nothing is left to retry, the journey closes the item (since `planner-fixes-2`).
    const coreItem = s.coreScreen && fixed() ? openAttention('request:CORE_SCREEN') : undefined;
    if (coreItem) yield { kind: 'closeItem', item: coreItem, reason: 'the core screen was completed' };
    if (!closing) {
      if (
        !fromCourt() &&
        // A run started again (return-reversal-1): the episode was screened by the run that closed.
        !input.resumed &&
        !s.requests.some((r) => r.kind === 'CORE_SCREEN') &&
        !(s.coreScreen && fixed()) &&
        !blocked('request:CORE_SCREEN')
      )
        yield {
          kind: 'request',
          action: 'request:CORE_SCREEN',
          assessment: 'CORE_SCREEN',
          dueAt: deadline('coreScreen', new Date(input.receivedAt)).toISOString(),
        };
      if (
        inCustody() &&
        s.coreScreen &&
        !s.requests.some((r) => r.kind === 'COMPREHENSIVE_SCREEN') &&
        !blocked('request:COMPREHENSIVE_SCREEN')
      )
        yield {
          kind: 'request',
          action: 'request:COMPREHENSIVE_SCREEN',
          assessment: 'COMPREHENSIVE_SCREEN',
          dueAt: deadline('comprehensiveScreen', new Date(input.receivedAt)).toISOString(),
        };
      const review = nextReview();
      const reviewAction = `request:STANDARD_REVIEW:${s.requests.filter((r) => r.kind === 'STANDARD_REVIEW').length + 1}`;
      if (review && now() >= review.opensAt && !blocked(reviewAction))
        yield { kind: 'request', action: reviewAction, assessment: 'STANDARD_REVIEW', dueAt: review.dueAt };
      if (
        inCustody() &&
        s.coreScreen &&
        planningOpen() &&
        !s.requests.some((r) => r.kind === 'SUMMARY_REVIEW') &&
        !blocked('request:SUMMARY_REVIEW')
      )
        yield {
          kind: 'request',
          action: 'request:SUMMARY_REVIEW',
          assessment: 'SUMMARY_REVIEW',
          dueAt: iso(summaryDue()),
        };
      if (
        agencyWanted() &&
        !s.agencyId &&
        (!s.agencyRetryAt || now() >= Date.parse(s.agencyRetryAt)) &&
        !blocked('directory:find-agency')
      )
        yield { kind: 'findAgency', action: 'directory:find-agency' };
      if (s.agencyId && !s.referralId && needs().length > 0 && referralDue() && !blocked('referral:send'))
        yield { kind: 'sendReferral', action: 'referral:send' };
      // Stopped by prison staff (whether the needs are due or not): every referral of the need
      // still standing is withdrawn with their reason (one never sent is ended without a call), and
      // the need's open items are closed.
      if (perNeed())
        for (const stop of s.needStops ?? []) {
          const pathway = stop.pathway;
          const who = stopperOf(stop);
          for (const standing of standingTries(needReferral(pathway))) {
            const action = needStop(pathway, standing.no);
            if (!blocked(action))
              yield {
                kind: 'withdrawNeedReferral',
                action,
                pathway,
                no: standing.no,
                reason: `${who} stopped referring the need: ${stop.reason}`,
                because: `stopped by ${who}: ${stop.reason}`,
              };
          }
          // Once nothing of the need stands: a failed send's item stays until its try is ended by
          // the stop (closed first, it would end the try as "not sent: the case closed").
          const stale =
            standingTries(needReferral(pathway)).length === 0 &&
            s.attention.find(
              (a) =>
                a.status === 'OPEN' &&
                a.action.startsWith(`need:${pathway}:`) &&
                !a.action.startsWith(`need:${pathway}:stop:`),
            );
          if (stale) yield { kind: 'closeItem', item: stale, reason: `${who} stopped referring the need` };
        }
      if (perNeed()) yield* noLongerIndicated();
      // An earlier agency took the need back after it moved on, while the needs are not due (the
      // liberation date moved later): the others are withdrawn all the same (`need-superseded-undue-1`);
      // before it, a referral the journey had sent stayed standing with an agency that had not taken
      // the need on until the needs were due again.
      if (perNeed() && !needsDue())
        for (const pathway of needs()) {
          if (staffStop(pathway)) continue;
          const acts = [...supersedeFor(pathway)];
          if (acts.length > 0 && ctx.patched(NEED_SUPERSEDED_UNDUE_PATCH)) yield* acts;
        }
      if (perNeed() && needsDue())
        for (const pathway of needs()) {
          const n = needReferral(pathway);
          const holder = holderOf(n);
          const gapItem = s.attention.find(
            (a) => a.status === 'OPEN' && a.action.startsWith(needGapPrefix(pathway)),
          );
          if (staffStop(pathway)) continue; // handled above, whether its referrals are due or not
          if (holder && gapItem)
            yield { kind: 'closeItem', item: gapItem, reason: `${holder.t.agencyId} holds the need` };
          yield* supersedeFor(pathway);
          if (!holder) {
            if (needStopped(pathway)) {
              if (gapItem)
                yield { kind: 'closeItem', item: gapItem, reason: 'the need is no longer referred' };
              continue;
            }
            const hold = holdBefore(pathway, (n?.tries.length ?? 0) + 1, false);
            if (hold) {
              if (hold !== true) yield hold;
              continue;
            }
            // No eligible agency left: prison staff are told (once per gap), and may take the need
            // on outside the platform by skipping the item; the directory is asked again daily.
            const action = n?.gap && `${needGapPrefix(pathway)}${n.gap.since}`;
            if (n?.gap && action && !gapItem && !s.attention.some((a) => a.action === action))
              yield {
                kind: 'raise',
                action,
                mustAct: prison(),
                failure: {
                  type: 'NEED_GAP',
                  message: `no eligible agency is left for the ${pathway} need in ${input.homeLocalAuthority} (directory rule ${n.gap.rule}): the directory is asked again daily; skip this item to arrange the need outside the platform (it is then no longer referred in this episode)`,
                },
                options: ['SKIP'],
              };
            if ((!n?.gap || now() >= Date.parse(n.gap.retryAt)) && !blocked(needChoose(pathway)))
              yield { kind: 'chooseNeedAgency', action: needChoose(pathway), pathway };
            continue;
          }
          if (!holder.t.sentAt) {
            const hold = holdBefore(pathway, holder.no, true);
            if (hold) {
              if (hold !== true) yield hold;
              continue;
            }
            const action = needSend(pathway, holder.no);
            if (!blocked(action)) yield { kind: 'sendNeedReferral', action, pathway, no: holder.no };
          }
        }
    } else if (
      s.referralId &&
      !s.referralWithdrawn &&
      closing !== 'FOLLOW_UP_COMPLETE' &&
      !blocked('referral:withdraw')
    ) {
      yield { kind: 'withdrawReferral', action: 'referral:withdraw', closing };
    }
    if (closing) {
      // Every referral still standing, not only the current try's: an earlier agency may have
      // accepted after all once the need had moved on.
      for (const n of s.needReferrals ?? [])
        for (const [i, t] of n.tries.entries()) {
          if (!t.sentAt || endOf(n.pathway, t, i + 1)) continue;
          const action = needWithdraw(n.pathway, i + 1);
          if (closing !== 'FOLLOW_UP_COMPLETE' && !blocked(action))
            yield {
              kind: 'withdrawNeedReferral',
              action,
              pathway: n.pathway,
              no: i + 1,
              reason: `case closed: ${closing}`,
              because: 'the case closed',
            };
        }
      // A need's step waiting on an operator has nothing left to do once the case closes.
      const stale = s.attention.find(
        (a) => a.status === 'OPEN' && a.action.startsWith('need:') && !a.action.includes(':withdraw:'),
      );
      if (stale && perNeed()) yield { kind: 'closeItem', item: stale, reason: 'the case closed' };
    }

    if (v3 && meetingToPlan) {
      // A meeting not reported held in time (since `planner-fixes-2`): prison and agency are told
      // by an item to acknowledge (whether or not its cancellation, in another lane, came first);
      // closed by the journey once a meeting is held.
      const itemFor = (b: Booking) => `meeting-not-held:${b.date}`;
      const gone = s.bookings.find(
        (b) =>
          (b.status === 'BOOKED' || b.cancelledBecause === lapseReason(b.date)) &&
          lapsed(b) &&
          !s.attention.some((a) => a.action === itemFor(b)),
      );
      const action = gone && itemFor(gone);
      if (gone && action)
        yield {
          kind: 'raise',
          action,
          // A meeting left at the prison the person moved from (meeting-day-gone-1): that prison records it.
          mustAct:
            goneByStays() && gone.establishmentCode !== establishment()
              ? `prison:${gone.establishmentCode} and ${prisonAndAgency()}`
              : prisonAndAgency(),
          failure: {
            type: 'PRE_RELEASE_MEETING_NOT_HELD',
            message: `the pre-release meeting on ${gone.date} was not reported held by the end of the next working day: it is cancelled and booked again for the earliest working day before liberation on ${liberationDate()} (if it was held, record it with the liberation service before the cancellation reaches it)`,
          },
          options: ['SKIP'],
        };
    }
    if (fixed() && meetingHeld()) {
      const stale = s.attention.find((a) => a.status === 'OPEN' && a.action.startsWith('meeting-not-held:'));
      if (stale) yield { kind: 'closeItem', item: stale, reason: 'a pre-release meeting was held' };
    }

    // Since `release-notice-1` the agency hears of the release before its first appointment is
    // booked (the other notices follow the bookings they explain).
    if (declinesHeeded() && !closing) {
      // The agency stood down (agency-declined-1): prison staff told once per decision, the item
      // closed by the journey when the agency takes the referral up again.
      const down = standDown();
      const current = down ? `agency-declined:${s.agencyId}:${down.decidedAt}` : undefined;
      const stale = s.attention.find(
        (a) => a.status === 'OPEN' && a.action.startsWith('agency-declined:') && a.action !== current,
      );
      if (stale) yield { kind: 'closeItem', item: stale, reason: 'the agency took the referral up again' };
      if (down && current && !s.attention.some((a) => a.action === current))
        yield {
          kind: 'raise',
          action: current,
          mustAct: prison(),
          failure: {
            type: down.decision === 'DECLINED' ? 'REFERRAL_DECLINED' : 'REFERRAL_WITHDRAWN_BY_AGENCY',
            message: `agency ${s.agencyId} ${down.decision === 'DECLINED' ? 'declined' : 'withdrew from'} the referral on ${localDateOf(new Date(down.decidedAt))}${down.reason ? ` (${down.reason})` : ''}: ${declinedAppointments() ? 'no custody visit or appointment after release is booked with it and those booked are cancelled' : 'no custody visits are booked with it and those booked are cancelled'}. Arrange throughcare with the team (it may take the referral up again) or another service, then acknowledge this item`,
          },
          options: ['SKIP'],
        };
    }

    const notice = nextNotice();
    const releaseFirst = notice?.subject === 'RELEASED';
    if (notice && releaseFirst) yield* noticeActions(notice);

    // Compensate what no longer fits (newest first), then book what is missing.
    const { wanted, fits, visitsShort } = wantedBookings();
    const live = s.bookings.filter((b) => b.status === 'BOOKED');
    for (const b of [...live].reverse()) {
      // At closure a released journey keeps the release's own pick-up (it may have happened); since
      // pickup-at-closure-1 one that does not fit the release is still cancelled, unless its day has
      // gone by (nothing to cancel; a closed journey planning again months on leaves it be).
      const because =
        closing && b.kind === 'GATE_PICKUP' && released()
          ? pickupAtClosure() && (b.date ?? '') >= today()
            ? pickupMisfit(b)
            : null
          : fits(b);
      if (because) yield { kind: 'cancel', booking: b, because };
    }
    if (v3) {
      // A compensation that failed for good, which an operator asked to try again.
      const again = s.bookings.find(
        (b) => b.cancelFailed && latestAttention(`cancel:${b.bookingId}`)?.resolution?.option === 'RETRY',
      );
      if (again)
        yield {
          kind: 'cancel',
          booking: again,
          because: again.cancelledBecause ?? 'retried by an operator',
        };
    }
    for (const w of wanted) {
      if (s.bookings.some((b) => b.slot === w.slot && b.status !== 'CANCELLED')) continue;
      if (w.kind === 'FIRST_APPOINTMENT' && s.bookings.some((b) => b.slot === w.slot)) continue;
      const action = `book:${w.slot}`;
      if (blocked(action)) continue;
      yield { kind: 'book', action, wanted: w };
    }

    if (v3 && meetingToPlan && s.acknowledgement && s.agencyId) {
      // Fewer visits fit before the meeting than the policy wants: prison and agency are told by an
      // item to acknowledge (finding 9), closed by the journey once it no longer applies.
      const current = visitsShort ? `visits-short:${visitsShort.before}` : undefined;
      const stale = s.attention.find(
        (a) => a.status === 'OPEN' && a.action.startsWith('visits-short:') && a.action !== current,
      );
      if (stale && ctx.patched(PLANNER_PROPERTIES_PATCH))
        yield { kind: 'closeItem', item: stale, reason: 'the visits the policy wants fit again' };
      if (
        visitsShort &&
        current &&
        !s.attention.some((a) => a.action === current) &&
        ctx.patched(PLANNER_PROPERTIES_PATCH)
      )
        yield {
          kind: 'raise',
          action: current,
          mustAct: `${prison()} and agency:${s.agencyId}`,
          failure: {
            type: 'VISITS_DO_NOT_FIT',
            message: `only ${visitsShort.fit} of the ${visitsShort.needed} custody visits still needed fit before the pre-release meeting on ${visitsShort.before}: arrange contact another way (seed 000 §4.55)`,
          },
          options: ['SKIP'],
        };
    }

    if (notice && !releaseFirst) yield* noticeActions(notice);

    // Asked before the closure is recorded, so that the journey does not end before it resumes.
    // A return whose history has not come yet counts too (`input.returnOf`, set since the review
    // of stop 39, S1: no journey started before has it, so none replays differently).
    if (
      closing === 'RECEIVED_IN_ERROR' &&
      (s.carried || input.returnOf !== undefined) &&
      !s.returned &&
      !resumesPrevious() &&
      ctx.patched(RETURN_REVERSAL_PATCH)
    )
      (s.adopted ??= []).push(RETURN_REVERSAL_PATCH);
    // Since `planner-fixes-2` the closure waits for an overdue clock's breach (the clocks' coroutine).
    if (closing && !s.closureRecorded && !blocked('case:close') && !(fixed() && breachToRecord()))
      yield { kind: 'close', action: 'case:close', closing };
    if (s.closureRecorded && s.returned && !s.nextEpisodeHandedOver && !blocked('episode:next'))
      yield { kind: 'handOver', action: 'episode:next' };
    if (s.closureRecorded && resumeOwed() && !blocked('episode:resume'))
      yield { kind: 'resume', action: 'episode:resume' };
  }
  /** Whether this journey starts the one of the episode before again at its closure (`return-reversal-1`). */
  const resumesPrevious = () => s.adopted?.includes(RETURN_REVERSAL_PATCH) ?? false;
  /**
   * The journey of the episode before is still to be started again (the journey cannot end before):
   * not yet asked, or found not resumable (an item for an operator: RETRY asks again), unless an
   * operator skipped it.
   */
  const resumeOwed = () =>
    resumesPrevious() &&
    (s.previousResumed === undefined || s.previousResumed.outcome === 'NOT_RESUMABLE') &&
    !skipped('episode:resume');

  /**
   * An earlier agency took the need back after it moved on: the others not taking it on are
   * withdrawn (one not sent yet is ended without a call, never sent later), and a withdrawal item
   * no longer wanted is closed.
   */
  function* supersedeFor(pathway: Pathway): Generator<Action, void, undefined> {
    const n = needReferral(pathway);
    const holder = holderOf(n);
    const superseded =
      holder && takesOn(holder.t) ? standingTries(n).filter((o) => o.no !== holder.no && !takesOn(o.t)) : [];
    // A withdrawal waiting on an operator that is no longer wanted (the agency took the need
    // on too, or the one that took it back let it go).
    const staleSupersede = s.attention.find(
      (a) =>
        a.status === 'OPEN' &&
        a.action.startsWith(`need:${pathway}:superseded:`) &&
        !superseded.some((o) => o.no === Number(a.action.split(':').at(-1))),
    );
    if (staleSupersede)
      yield { kind: 'closeItem', item: staleSupersede, reason: 'the referral is no longer withdrawn' };
    for (const other of superseded) {
      const action = needSupersede(pathway, other.no);
      // Held by an open item or an operator's skip; one the journey closed when it was no
      // longer wanted does not hold it when it is wanted again.
      if (!openAttention(action) && !skippedByOperator(action))
        yield {
          kind: 'withdrawNeedReferral',
          action,
          pathway,
          no: other.no,
          reason: `another agency took the need on`,
          because: `${holder!.t.agencyId} took the need on`,
        };
    }
  }

  /** Telling the agency `notice` (or, skipped by an operator, recording it as told unsent). */
  function* noticeActions(notice: Notice): Generator<Action, void, undefined> {
    const action = `notify:${notice.subject}:${s.notifications.length + 1}`;
    if (skipped(action)) yield { kind: 'skipNotice', action, notice };
    if (!blocked(action)) yield { kind: 'notify', action, notice };
  }

  /**
   * The one next thing to do, or undefined when there is nothing to do until a fact, an instant
   * or (with `busy`) an effect in flight changes. `busy`: the lanes with an effect in flight (the
   * shell's lanes, since `effect-lanes-1`): their actions wait, the first action of another lane
   * (or one needing no service) is next. The closure and the hand-over wait for every lane.
   */
  function nextAction(busy?: ReadonlySet<Lane>): Action | undefined {
    // (While the prison's bookings are in flight, a meeting may be changing: none is named.)
    liberationInFlight = busy?.has('liberation') ?? false;
    for (const a of actionsInOrder()) {
      if (!busy || busy.size === 0) return a;
      if (a.kind === 'close' || a.kind === 'handOver' || a.kind === 'resume') return undefined;
      // "No day is left for the meeting" waits for the prison's bookings in flight: a meeting being
      // booked (or cancelled) may yet make it wrong, and the agency would never hear it was.
      if (busy.has('liberation') && meetingImpossibleNews(a)) continue;
      // Since `meeting-in-notice-1` a changed date's notice names the meeting: it waits while the
      // prison's bookings are in flight, for DATE_NOTICE_MEETING_WAIT_MS at most (then the date alone).
      if (busy.has('liberation') && dateNoticeNamingMeeting(a) && now() < dateNoticeHoldEnds()) continue;
      // A changed date's notice waits for the collector's check in flight (the same bound), so that
      // the collector the directory knows gets its copy with it.
      if (busy.has('directory') && collectorPending() && dateNotice(a) && now() < dateNoticeHoldEnds())
        continue;
      const lane = laneOf(a);
      if (lane === undefined || !busy.has(lane)) return a;
    }
    return undefined;
  }
  const meetingImpossibleNews = (a: Action) =>
    (a.kind === 'raise' && a.action.startsWith('meeting-impossible:')) ||
    (a.kind === 'notify' && a.notice.subject === 'PRE_RELEASE_MEETING_IMPOSSIBLE');
  const dateNotice = (a: Action) => a.kind === 'notify' && a.notice.subject === 'LIBERATION_DATE_CHANGED';
  /** A changed date's notice that may name a meeting (since `meeting-in-notice-1`: one is possible, planning is open). */
  const dateNoticeNamingMeeting = (a: Action) =>
    meetingInNotices() &&
    a.kind === 'notify' &&
    a.notice.subject === 'LIBERATION_DATE_CHANGED' &&
    planningOpen() &&
    meetingDate() !== undefined;

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
    // A changed date's notice waiting for the meeting goes with the date alone when the wait ends.
    if (
      (meetingInNotices() || collectorPending()) &&
      s.told &&
      s.told.custody === 'IN' &&
      s.told.liberationDate !== liberationDate()
    )
      candidates.push(dateNoticeHoldEnds());
    if (s.agencyRetryAt) candidates.push(Date.parse(s.agencyRetryAt));
    // A need with no eligible agency left: the directory is asked again (since referral-per-need-1).
    if (perNeed() && !closingReason()) {
      // (A decline's cool-off ending is seen at the gap's next daily question.)
      for (const n of s.needReferrals ?? [])
        if (n.gap && !blocked(needChoose(n.pathway)) && !needStopped(n.pathway))
          candidates.push(Date.parse(n.gap.retryAt));
    }
    const future = candidates.filter((c) => Number.isFinite(c) && c > t);
    return future.length > 0 ? Math.min(...future) : undefined;
  }

  return {
    adoptFixes,
    fixed,
    riskAssessed,
    latestRisk,
    riskNotices,
    referralRiskOfSeriousHarm,
    today,
    settled,
    released,
    inCustody,
    fromCourt,
    liberationDate,
    establishment,
    prison,
    reportedEstablishment,
    needs,
    perNeed,
    needStopped,
    staffStop,
    needsDue,
    adoptPerNeed,
    needReferral,
    needExclusions,
    needReferralsView,
    pathwaysView,
    meetingHeld,
    closingReason,
    deriveStage,
    waitingOn,
    syncDeadlines,
    dueClock,
    clockWake,
    wantedBookings,
    openAttention,
    skipped,
    blocked,
    needsAttention,
    latestAttention,
    nextNotice,
    noticeRecipient,
    noticeFacts,
    needAgencyNotices,
    needReferralBaseline,
    nextAction,
    nextWake,
    resumeOwed,
    resumedRelease,
  };
}

/**
 * The release a run started again starts from (`input.resumed`): the release's own event id when
 * the closed journey knew it, so that a later reversal of that release is taken; else one of the
 * reversal's.
 */
export function resumedReleaseId(input: ThroughcareInput): string | undefined {
  if (!input.resumed) return undefined;
  return input.resumed.releaseEventId ?? `${input.resumed.eventId}:release`;
}

/**
 * The release a run started again starts from (return-reversal-1): released already, as a
 * liberation from court starts, but from the episode's own release, which stands (and can still be
 * reversed when its event id is known). Undefined for any other run, and for an episode liberated
 * from court (its input's liberation is that release). Its follow-up counts from the reversal
 * (`followUpFrom`).
 */
/**
 * The start of a run started again (return-reversal-1), in the workflow and its simulation alike:
 * released already, from the episode's own release; its attention items numbered on from the runs
 * before it.
 */
export function startResumed(s: JourneyState, input: ThroughcareInput): void {
  const from = releaseResumedFrom(input);
  if (!from) return;
  s.release = from;
  s.seenEventIds.push(from.eventId);
  if (input.resumed?.attentionFrom) s.attentionBase = input.resumed.attentionFrom;
}

export function releaseResumedFrom(input: ThroughcareInput): JourneyState['release'] | undefined {
  const r = input.resumed;
  if (!r || input.liberatedFromCourt) return undefined;
  return {
    releasedAt: r.releasedAt,
    establishmentCode: r.releaseEstablishmentCode ?? input.establishmentCode,
    eventId: resumedReleaseId(input)!,
    settlesAt: r.releasedAt,
  };
}

export type Planner = ReturnType<typeof createPlanner>;

/** The attention key of the escalation of risk assessment `version`'s rise (`risk-assessed-1`). */
export const riskEscalationAction = (version: number) => `risk-rose:v${version}`;

/** What the responsible agency is told of a rise in risk: what rose, from the bands, never the reasons. */
export function riskEscalationMessage(r: RiskRecord): string {
  return `risk rose (${risesInWords(r.rises)}) in risk assessment version ${r.version} of ${r.assessedOn}: ${bandsInWords(r)}. Review the risk management plan for release`;
}

/**
 * The `RISK_ESCALATED` notice's text (`risk-notice-1`): what rose since the bands the agency was
 * last told (`baseline`), or, told none yet, what is elevated; and the latest bands.
 */
export function riskNoticeMessage(latest: RiskRecord, rises: RiskRise[], baseline: boolean): string {
  const what = baseline
    ? `The person's assessed risk has risen since you were last told (${risesInWords(rises)})`
    : `The person's assessed risk is raised (${risesInWords(rises)})`;
  return `${what}: as of the risk assessment of ${latest.assessedOn} (version ${latest.version}), ${bandsInWords(latest)}. Please review the risk management plan for release.`;
}

/** The bands a notice tells (`Told.risk`). */
export function toldBandsOf(r: RiskRecord): NonNullable<Told['risk']> {
  return {
    version: r.version,
    riskOfSeriousHarm: r.riskOfSeriousHarm,
    likelihoodOfReoffending: r.likelihoodOfReoffending,
    mappa: r.mappa ? { ...r.mappa } : null,
  };
}

/** What is elevated in `r`, as the rises an agency told nothing yet is told of. */
function elevatedBands(r: RiskRecord): RiskRise[] {
  const raised: RiskRise[] = [];
  if (r.riskOfSeriousHarm === 'HIGH' || r.riskOfSeriousHarm === 'VERY_HIGH')
    raised.push('RISK_OF_SERIOUS_HARM');
  if (r.mappa !== null) raised.push('MAPPA_LEVEL');
  if (r.likelihoodOfReoffending === 'HIGH') raised.push('LIKELIHOOD_OF_REOFFENDING');
  return raised;
}

type RiskBands = Pick<RiskRecord, 'likelihoodOfReoffending' | 'riskOfSeriousHarm' | 'mappa'>;

/** What rose from `before` to `after`: the domain's `riskRises` on the bands (the journey never holds the reasons). */
export function risesBetween(before: RiskBands, after: RiskBands): RiskRise[] {
  const asAssessment = (r: RiskBands): RiskAssessment => ({
    likelihoodOfReoffending: r.likelihoodOfReoffending,
    riskOfSeriousHarm: r.riskOfSeriousHarm,
    reasons: '',
    assessedOn: '1970-01-01', // not compared
    mappa: r.mappa as RiskAssessment['mappa'],
  });
  return riskRises(asAssessment(before), asAssessment(after));
}

function bandsInWords(r: RiskRecord): string {
  const mappa = r.mappa ? `MAPPA category ${r.mappa.category} level ${r.mappa.level}` : 'not a MAPPA case';
  return `risk of serious harm ${r.riskOfSeriousHarm}, likelihood of reoffending ${r.likelihoodOfReoffending}, ${mappa}`;
}

function risesInWords(rises: readonly RiskRise[]): string {
  return rises
    .map((x) =>
      x === 'RISK_OF_SERIOUS_HARM'
        ? 'risk of serious harm'
        : x === 'MAPPA_LEVEL'
          ? 'MAPPA level'
          : 'likelihood of reoffending',
    )
    .join(', ');
}
