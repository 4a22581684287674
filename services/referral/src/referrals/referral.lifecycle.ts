import type { Attendance, ReferralDecision } from '@throughcare/contracts';

/**
 * The referral's lifecycle as data (issue 9): which actions each status allows, who may take
 * them and where they lead. Stored facts stay the source of truth (the acknowledgement, each
 * decision with its `decidedAt`, the closure, the referrer's withdrawal, and the appointments
 * the agency booked against the referral); the status is the fold of those facts in the order
 * they happened, and a new decision is accepted only when the history with it still follows this
 * table (so a decision reported late but dated earlier is checked where it belongs, not at the end).
 *
 * The lifecycle starts at a draft: that draft lives in the journey (a need's try chosen
 * but not yet sent, `NeedReferralView` CHOOSING / SENDING), not here. This service's lifecycle
 * starts when the referral is sent (AWAITING_ACKNOWLEDGEMENT); there is no draft API.
 *
 * Two folds, one after the other (`statusWithAppointments`):
 * 1. The referral's own facts (`statusOf`): acknowledgement, decisions, closure, withdrawal.
 * 2. When they add up to ACCEPTED, the referral's appointments (those booked against it) refine
 *    it: one live (booked, neither cancelled nor attendance recorded) makes it APPOINTMENT_BOOKED,
 *    whatever else happened; else the latest attendance of the acceptance in force (by
 *    attendedAt, then when it was recorded) makes it ATTENDED (YES or LATE; the view's
 *    `attendance` says which) or NOT_ATTENDED (NO, with its reason); else it stays ACCEPTED. So a
 *    booking after an attendance is APPOINTMENT_BOOKED again, cancelling the only live appointment
 *    goes back to the latest attendance status (or ACCEPTED), and a referral placed on the waiting
 *    list and accepted again starts afresh: an attendance belongs to the acceptance in force when
 *    the person attended after it was decided, or when its appointment was still live (attendance
 *    not yet recorded) when that acceptance was recorded. Attendances recorded under an earlier
 *    acceptance no longer count. Any other status (and CLOSED, WITHDRAWN) ignores appointments.
 *
 * The status is a fold of recorded facts, never of the clock: an appointment whose time went by
 * with no attendance recorded keeps the referral APPOINTMENT_BOOKED (a missed session is recorded,
 * not inferred). The referral view lists such appointments (`awaitingAttendance`), so the agency
 * and the prison see the record the agency owes.
 *
 * Appointment facts are the appointment's, not the referral's: the agency records attendance on,
 * or cancels, a live appointment whatever its referral's status (one booked while taken on may
 * still be live after the referral went to the waiting list, or ended by the agency's decision),
 * and the status moves only for a referral taken on. `referralAllowedActions` lists each where a
 * live appointment would take it now; `allowedActions` is the table alone.
 *
 * LATE is not a status of its own: a late arrival attended (the filter `status=ATTENDED` finds
 * it), and the referral's `attendance` shows LATE.
 */

export const REFERRAL_STATUSES = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  /** Accepted, and an appointment booked against the referral is live (booked, not cancelled, no attendance yet). */
  'APPOINTMENT_BOOKED',
  /** Accepted, and the latest attendance on its appointments is YES or LATE (the view's `attendance` tells which). */
  'ATTENDED',
  /** Accepted, and the latest attendance on its appointments is NO (with its reason). */
  'NOT_ATTENDED',
  'DECLINED',
  /** The agency stopped working the case (its decision WITHDRAWN). */
  'WITHDRAWN_BY_AGENCY',
  /** The referrer withdrew the referral (consent withdrawn, case closed, another agency took the need). */
  'WITHDRAWN',
  /** The agency finished its work with the person and closed the case, saying what it achieved. */
  'CLOSED',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const REFERRAL_ACTIONS = [
  'ACKNOWLEDGE',
  'REQUEST_MORE_INFORMATION',
  'PLACE_ON_WAITING_LIST',
  'ACCEPT',
  'DECLINE',
  'WITHDRAW',
  'WITHDRAW_REFERRAL',
  'CLOSE',
  'BOOK_APPOINTMENT',
  'RECORD_ATTENDED',
  'RECORD_NOT_ATTENDED',
  'CANCEL_APPOINTMENT',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** The facts on an appointment booked against the referral: folded by `statusWithAppointments`, never `insert`ed. */
export const APPOINTMENT_ACTIONS = [
  'BOOK_APPOINTMENT',
  'RECORD_ATTENDED',
  'RECORD_NOT_ATTENDED',
  'CANCEL_APPOINTMENT',
] as const satisfies readonly ReferralAction[];
const APPOINTMENT_ACTION_SET: ReadonlySet<ReferralAction> = new Set(APPOINTMENT_ACTIONS);

/** AGENCY: the agency the referral was sent to, through its API. REFERRER: the journey (prison side). */
export type ReferralActor = 'AGENCY' | 'REFERRER';

export interface ReferralTransition {
  action: ReferralAction;
  by: ReferralActor;
  from: readonly ReferralStatus[];
  to: ReferralStatus;
  /** How the actor takes it. */
  request: string;
  /** The decision it records (`POST /referrals/{id}/outcome`), for the decision actions. */
  decision?: ReferralDecision;
  /** Where it leads otherwise, for an appointment fact (`to` is where it leads when it leaves no other appointment live). */
  note?: string;
}

/**
 * The agency has taken the referral on: accepted, and what its appointments made of it since.
 * Everything an ACCEPTED referral allowed, these allow (the decisions, the closure, booking).
 */
export const TAKEN_ON_STATUSES = [
  'ACCEPTED',
  'APPOINTMENT_BOOKED',
  'ATTENDED',
  'NOT_ATTENDED',
] as const satisfies readonly ReferralStatus[];

/** Open: being worked, or waiting for the agency's answer (not declined, withdrawn nor closed). */
export const OPEN_REFERRAL_STATUSES = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  ...TAKEN_ON_STATUSES,
] as const satisfies readonly ReferralStatus[];

const DECIDING: readonly ReferralStatus[] = ['ACKNOWLEDGED', 'MORE_INFORMATION_REQUESTED', 'ON_WAITING_LIST'];
/**
 * An agency that declined or stopped may reconsider (accept, waiting-list, or ask for more before
 * deciding again): the journey hands the need back to it, as it does for these decisions.
 */
const RECONSIDERING: readonly ReferralStatus[] = ['DECLINED', 'WITHDRAWN_BY_AGENCY'];
const OUTCOME = 'POST /referrals/{id}/outcome';
const TAKEN_ON: readonly ReferralStatus[] = TAKEN_ON_STATUSES;
const STILL_BOOKED = 'APPOINTMENT_BOOKED while another appointment booked against the referral is live';

export const REFERRAL_LIFECYCLE: readonly ReferralTransition[] = [
  {
    action: 'ACKNOWLEDGE',
    by: 'AGENCY',
    from: ['AWAITING_ACKNOWLEDGEMENT'],
    to: 'ACKNOWLEDGED',
    request: 'POST /referrals/{id}/acknowledgement',
  },
  {
    action: 'REQUEST_MORE_INFORMATION',
    by: 'AGENCY',
    from: [...DECIDING, ...RECONSIDERING],
    to: 'MORE_INFORMATION_REQUESTED',
    request: OUTCOME,
    decision: 'MORE_INFORMATION_REQUESTED',
  },
  {
    action: 'PLACE_ON_WAITING_LIST',
    by: 'AGENCY',
    // From ACCEPTED too: the place fell through and the person waits for the next (the agency keeps
    // the need; going through WITHDRAWN would send it to the next agency for nothing).
    from: ['ACKNOWLEDGED', 'MORE_INFORMATION_REQUESTED', ...TAKEN_ON, ...RECONSIDERING],
    to: 'ON_WAITING_LIST',
    request: OUTCOME,
    decision: 'ON_WAITING_LIST',
  },
  {
    action: 'ACCEPT',
    by: 'AGENCY',
    from: [...DECIDING, ...RECONSIDERING],
    to: 'ACCEPTED',
    request: OUTCOME,
    decision: 'ACCEPTED',
  },
  {
    action: 'DECLINE',
    by: 'AGENCY',
    from: DECIDING,
    to: 'DECLINED',
    request: OUTCOME,
    decision: 'DECLINED',
  },
  {
    action: 'WITHDRAW',
    by: 'AGENCY',
    from: [...DECIDING, ...TAKEN_ON],
    to: 'WITHDRAWN_BY_AGENCY',
    request: OUTCOME,
    decision: 'WITHDRAWN',
  },
  {
    // Only a case the agency took on closes with an outcome; one it never took is declined or
    // withdrawn instead. Nothing follows a closure: the record of the work is final.
    action: 'CLOSE',
    by: 'AGENCY',
    from: TAKEN_ON,
    to: 'CLOSED',
    request: 'POST /referrals/{id}/closure',
  },
  // The appointment facts (issue 9). They move a referral the agency has taken on; on an
  // appointment still live in another status (placed on the waiting list, or one whose time went
  // by before the referral ended) the agency records its attendance or cancels it all the same,
  // and the referral's status does not change.
  {
    action: 'BOOK_APPOINTMENT',
    by: 'AGENCY',
    from: TAKEN_ON,
    to: 'APPOINTMENT_BOOKED',
    request: 'POST /referrals/{id}/appointments',
  },
  {
    action: 'RECORD_ATTENDED',
    by: 'AGENCY',
    from: ['APPOINTMENT_BOOKED'],
    to: 'ATTENDED',
    request: 'POST /appointments/{appointmentId}/attendance (attendance YES, or LATE)',
    note: STILL_BOOKED,
  },
  {
    action: 'RECORD_NOT_ATTENDED',
    by: 'AGENCY',
    from: ['APPOINTMENT_BOOKED'],
    to: 'NOT_ATTENDED',
    request: 'POST /appointments/{appointmentId}/attendance (attendance NO, with its reason)',
    note: STILL_BOOKED,
  },
  {
    action: 'CANCEL_APPOINTMENT',
    by: 'AGENCY',
    from: ['APPOINTMENT_BOOKED'],
    to: 'ACCEPTED',
    request: 'POST /appointments/{appointmentId}/cancellation',
    note: `ATTENDED or NOT_ATTENDED when an attendance of the acceptance in force is on record (the latest); ${STILL_BOOKED}`,
  },
  {
    action: 'WITHDRAW_REFERRAL',
    by: 'REFERRER',
    // A closed case has nothing left to withdraw (the referrer's withdrawal of one is a no-op).
    from: REFERRAL_STATUSES.filter((s) => s !== 'WITHDRAWN' && s !== 'CLOSED'),
    to: 'WITHDRAWN',
    request: 'the referrer (the journey, on consent withdrawn, case closed or the need taken elsewhere)',
  },
];

const TRANSITIONS = new Map(REFERRAL_LIFECYCLE.map((t) => [t.action, t]));

function transitionOf(action: ReferralAction): ReferralTransition {
  const transition = TRANSITIONS.get(action);
  if (!transition) throw new Error(`no transition for ${action}`);
  return transition;
}

export function actionOfDecision(decision: ReferralDecision): ReferralAction {
  const transition = REFERRAL_LIFECYCLE.find((t) => t.decision === decision);
  if (!transition) throw new Error(`no action records the decision ${decision}`);
  return transition.action;
}

export function allows(status: ReferralStatus, action: ReferralAction): boolean {
  return transitionOf(action).from.includes(status);
}

/** What `actor` may do to a referral in `status` by the table, in table order. */
export function allowedActions(status: ReferralStatus, actor: ReferralActor = 'AGENCY'): ReferralAction[] {
  return REFERRAL_LIFECYCLE.filter((t) => t.by === actor && t.from.includes(status)).map((t) => t.action);
}

/** Tolerated clock skew between an agency's systems and ours when facts are dated "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What the agency may do to a referral in `status` with these appointments at `now`: the table's
 * referral actions, and the appointment facts some live appointment would take (see the top of
 * this file), whatever the status: RECORD_ATTENDED on any live one; RECORD_NOT_ATTENDED on one
 * that has started (not before its start, NOT_ATTENDED_BEFORE_START); CANCEL_APPOINTMENT on one
 * yet to start (a time gone by is recorded, not cancelled: ATTENDANCE_DUE_FIRST); each within the
 * clock skew the service tolerates.
 */
export function referralAllowedActions(
  status: ReferralStatus,
  appointments: readonly Pick<ReferralAppointmentFact, 'cancelledAt' | 'attendance' | 'startsAt'>[],
  now: Date,
): ReferralAction[] {
  const table = allowedActions(status).filter(
    (a) => a === 'BOOK_APPOINTMENT' || !APPOINTMENT_ACTION_SET.has(a),
  );
  const open = appointments.filter(live);
  const at = now.getTime();
  const on = new Set<ReferralAction>([
    ...(open.length > 0 ? (['RECORD_ATTENDED'] as const) : []),
    ...(open.some((a) => a.startsAt.getTime() - CLOCK_SKEW_MS <= at + CLOCK_SKEW_MS)
      ? (['RECORD_NOT_ATTENDED'] as const)
      : []),
    ...(open.some((a) => a.startsAt.getTime() >= at - CLOCK_SKEW_MS)
      ? (['CANCEL_APPOINTMENT'] as const)
      : []),
  ]);
  return REFERRAL_LIFECYCLE.filter(
    (t) => t.by === 'AGENCY' && (table.includes(t.action) || on.has(t.action)),
  ).map((t) => t.action);
}

/** One stored fact, placed in time. `rank` orders facts of one instant: the acknowledgement first, then decisions as recorded. */
export interface LifecycleFact {
  action: ReferralAction;
  at: Date;
  rank: number;
  /** When the fact reached us (our clock), where stored: a decision's `recorded_at`. */
  recordedAt?: Date;
}

export const ACKNOWLEDGEMENT_RANK = -1;

/** The closure comes after every decision of its instant (the agency decided, then closed). */
export const CLOSURE_RANK = Number.MAX_SAFE_INTEGER - 1;

/**
 * The facts in the order they happened. An acknowledgement on record counts from the agency's
 * first decision when that is earlier: a decision presupposes the referral was received, and an
 * acknowledgement stamped when a case system synchronised (after the decision it reports with
 * its real date) must not make that decision look premature.
 */
function inOrder(facts: readonly LifecycleFact[]): LifecycleFact[] {
  const decisions = facts.filter((f) => transitionOf(f.action).decision !== undefined);
  const first = Math.min(...decisions.map((f) => f.at.getTime()));
  const placed = facts.map((f) =>
    f.action === 'ACKNOWLEDGE' && first < f.at.getTime()
      ? { fact: f, at: first }
      : { fact: f, at: f.at.getTime() },
  );
  return placed.sort((a, b) => a.at - b.at || a.fact.rank - b.fact.rank).map((p) => p.fact);
}

/**
 * Where a fact leads, tolerating a history recorded before this table was enforced: an
 * acknowledgement after a decision changes nothing, anything else goes where the table says.
 * The same rule as the status backfill of migration 1700000000800.
 */
function step(status: ReferralStatus, fact: LifecycleFact): ReferralStatus {
  if (APPOINTMENT_ACTION_SET.has(fact.action))
    throw new Error(`${fact.action} is an appointment's fact: it is folded by statusWithAppointments`);
  // Final: nothing leaves them, not even a fact recorded before the table was enforced.
  if (status === 'WITHDRAWN' || status === 'CLOSED') return status;
  if (fact.action === 'ACKNOWLEDGE' && status !== 'AWAITING_ACKNOWLEDGEMENT') return status;
  return transitionOf(fact.action).to;
}

/** The status the referral's own facts add up to (acknowledgement, decisions, closure, withdrawal). */
export function statusOf(facts: readonly LifecycleFact[]): ReferralStatus {
  return inOrder(facts).reduce(step, 'AWAITING_ACKNOWLEDGEMENT' as ReferralStatus);
}

/** One appointment booked against the referral, as the fold reads it. */
export interface ReferralAppointmentFact {
  id: string;
  attendance: Attendance | null;
  attendedAt: Date | null;
  /** Why the person did not attend (attendance NO), as recorded on the appointment. */
  nonAttendanceReason: string | null;
  attendanceRecordedAt: Date | null;
  cancelledAt: Date | null;
  /** When it starts: its latest schedule, else the day it is due by. Read by the view, not the fold. */
  startsAt: Date;
}

/** Booked, neither cancelled nor attendance recorded. */
export const live = (a: Pick<ReferralAppointmentFact, 'cancelledAt' | 'attendance'>) =>
  a.cancelledAt === null && a.attendance === null;

/**
 * The acceptance in force (the latest ACCEPT in time, as the status is ACCEPTED): when it was
 * decided, and when it was recorded (our clock; its decision time where not stored).
 */
function acceptance(facts: readonly LifecycleFact[]): { decidedAt: number; recordedAt: number } {
  const accepts = inOrder(facts).filter((f) => f.action === 'ACCEPT');
  const accept = accepts[accepts.length - 1];
  if (!accept) return { decidedAt: Number.NEGATIVE_INFINITY, recordedAt: Number.NEGATIVE_INFINITY };
  return { decidedAt: accept.at.getTime(), recordedAt: (accept.recordedAt ?? accept.at).getTime() };
}

/**
 * The attendance a taken-on referral's status stands on, when no appointment is live: the latest
 * (by attendedAt, then when recorded, then id) of those belonging to the acceptance in force,
 * attended after it was decided or recorded after it was recorded (the appointment was live when
 * the agency accepted again). Undefined in any other status.
 */
export function standingAttendance(
  facts: readonly LifecycleFact[],
  appointments: readonly ReferralAppointmentFact[],
): ReferralAppointmentFact | undefined {
  if (statusOf(facts) !== 'ACCEPTED' || appointments.some(live)) return undefined;
  const since = acceptance(facts);
  const time = (d: Date | null) => d?.getTime() ?? 0;
  const ofThisAcceptance = (a: ReferralAppointmentFact) =>
    time(a.attendedAt) >= since.decidedAt || time(a.attendanceRecordedAt) >= since.recordedAt;
  return appointments
    .filter((a) => a.cancelledAt === null && a.attendance !== null && ofThisAcceptance(a))
    .sort(
      (a, b) =>
        time(b.attendedAt) - time(a.attendedAt) ||
        time(b.attendanceRecordedAt) - time(a.attendanceRecordedAt) ||
        (b.id < a.id ? -1 : b.id > a.id ? 1 : 0),
    )[0];
}

/**
 * The status the referral's facts and its appointments add up to (see the top of this file):
 * ACCEPTED refined by the appointments booked against the referral. The same rule as the backfill
 * of migration 1700000002300 (`REFERRAL_STATUS_SQL`).
 */
export function statusWithAppointments(
  facts: readonly LifecycleFact[],
  appointments: readonly ReferralAppointmentFact[],
): ReferralStatus {
  const status = statusOf(facts);
  if (status !== 'ACCEPTED') return status;
  if (appointments.some(live)) return 'APPOINTMENT_BOOKED';
  const attendance = standingAttendance(facts, appointments)?.attendance;
  if (attendance === undefined || attendance === null) return 'ACCEPTED';
  return attendance === 'NO' ? 'NOT_ATTENDED' : 'ATTENDED';
}

/** Each fact in order, with the status it applied to and whether the table allowed it there. */
function walk(facts: readonly LifecycleFact[]) {
  let status: ReferralStatus = 'AWAITING_ACKNOWLEDGEMENT';
  return inOrder(facts).map((fact) => {
    const from = status;
    status = step(status, fact);
    return { fact, from, allowed: allows(from, fact.action) };
  });
}

export type Insertion =
  | { ok: true; status: ReferralStatus }
  | {
      ok: false;
      /** The fact the table refuses: the new one, or a later one the new one would leave stranded. */
      refused: LifecycleFact;
      /** The status that fact would apply to, and what is allowed there. */
      from: ReferralStatus;
      allowedThere: ReferralAction[];
    };

/**
 * Whether `fact` may join `history`: allowed where it falls in time, and every later fact the
 * table allowed before is still allowed after it (a fact recorded before the table was enforced
 * is not held against a new one).
 */
export function insert(history: readonly LifecycleFact[], fact: LifecycleFact): Insertion {
  const before = new Set(walk(history).flatMap((s) => (s.allowed ? [s.fact] : [])));
  const after = walk([...history, fact]);
  const broken = after.find((s) => !s.allowed && (s.fact === fact || before.has(s.fact)));
  if (broken)
    return {
      ok: false,
      refused: broken.fact,
      from: broken.from,
      allowedThere: allowedActions(broken.from, transitionOf(broken.fact.action).by),
    };
  return { ok: true, status: statusOf([...history, fact]) };
}
