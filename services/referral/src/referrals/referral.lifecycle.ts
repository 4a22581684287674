import type { ReferralDecision } from '@throughcare/contracts';

/**
 * The referral's lifecycle as data (issue 9): which actions each status allows, who may take
 * them and where they lead. Stored facts stay the source of truth (the acknowledgement, each
 * decision with its `decidedAt`, the referrer's withdrawal); the status is the fold of those
 * facts in the order they happened, and a new fact is accepted only when the history with it
 * still follows this table (so a decision reported late but dated earlier is checked where it
 * belongs, not at the end).
 */

export const REFERRAL_STATUSES = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
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
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

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
}

const DECIDING: readonly ReferralStatus[] = ['ACKNOWLEDGED', 'MORE_INFORMATION_REQUESTED', 'ON_WAITING_LIST'];
/**
 * An agency that declined or stopped may reconsider (accept, waiting-list, or ask for more before
 * deciding again): the journey hands the need back to it, as it does for these decisions.
 */
const RECONSIDERING: readonly ReferralStatus[] = ['DECLINED', 'WITHDRAWN_BY_AGENCY'];
const OUTCOME = 'POST /referrals/{id}/outcome';

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
    from: ['ACKNOWLEDGED', 'MORE_INFORMATION_REQUESTED', 'ACCEPTED', ...RECONSIDERING],
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
    from: [...DECIDING, 'ACCEPTED'],
    to: 'WITHDRAWN_BY_AGENCY',
    request: OUTCOME,
    decision: 'WITHDRAWN',
  },
  {
    // Only a case the agency took on closes with an outcome; one it never took is declined or
    // withdrawn instead. Nothing follows a closure: the record of the work is final.
    action: 'CLOSE',
    by: 'AGENCY',
    from: ['ACCEPTED'],
    to: 'CLOSED',
    request: 'POST /referrals/{id}/closure',
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

/** What `actor` may do to a referral in `status`, in table order. */
export function allowedActions(status: ReferralStatus, actor: ReferralActor = 'AGENCY'): ReferralAction[] {
  return REFERRAL_LIFECYCLE.filter((t) => t.by === actor && t.from.includes(status)).map((t) => t.action);
}

/** One stored fact, placed in time. `rank` orders facts of one instant: the acknowledgement first, then decisions as recorded. */
export interface LifecycleFact {
  action: ReferralAction;
  at: Date;
  rank: number;
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
  // Final: nothing leaves them, not even a fact recorded before the table was enforced.
  if (status === 'WITHDRAWN' || status === 'CLOSED') return status;
  if (fact.action === 'ACKNOWLEDGE' && status !== 'AWAITING_ACKNOWLEDGEMENT') return status;
  return transitionOf(fact.action).to;
}

/** The status the facts add up to. */
export function statusOf(facts: readonly LifecycleFact[]): ReferralStatus {
  return inOrder(facts).reduce(step, 'AWAITING_ACKNOWLEDGEMENT' as ReferralStatus);
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
