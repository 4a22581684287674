import type {
  AgencyChoice,
  AssessmentKind,
  AttentionItemView,
  AttentionOption,
  Pathway,
  Stage,
} from '@throughcare/contracts';
import type { Booking, JourneyState, NeedReferral, NeedTry } from './journey-state';
import type { Failure, Notice, Planner, WantedBooking } from './planner';

/**
 * What the journey records once an effect has happened (an activity's answer): pure updates of
 * the state, shared by the workflow shell and the property tests' simulation so both keep the
 * same books. Keys and sequence numbers taken before an effect are taken here too.
 */

/** Counts a stage entry before it is recorded (the count is part of the record's idempotency key). */
export function stageEntry(s: JourneyState): number {
  s.stageEntries += 1;
  return s.stageEntries;
}
/** The stage is entered: the one left joins the stages done. */
export function stageEntered(s: JourneyState, stage: Stage): void {
  if (s.stage !== stage && s.stage !== 'RECEPTION' && !s.stagesDone.includes(s.stage))
    s.stagesDone.push(s.stage);
  if (s.stage === 'RECEPTION') s.stagesDone.push('RECEPTION');
  s.stage = stage;
}

/** The sequence number of the next request of `kind` (1-based). */
export const requestSeq = (s: JourneyState, kind: 'CORE_SCREEN' | AssessmentKind) =>
  s.requests.filter((r) => r.kind === kind).length + 1;
export function requested(
  s: JourneyState,
  kind: 'CORE_SCREEN' | AssessmentKind,
  seq: number,
  assessmentId: string,
  dueAt: string,
): void {
  s.requests.push({ kind, seq, assessmentId, dueAt });
}

/** The idempotency sequence of the next booking. */
export function bookingEntry(s: JourneyState): number {
  s.bookingSeq += 1;
  return s.bookingSeq;
}
/** A booking made: registered with its slot, so that a change of plan can compensate it. */
export function booked(p: Planner, s: JourneyState, w: WantedBooking, bookingId: string): void {
  if (w.kind === 'FIRST_APPOINTMENT' || w.kind === 'FOLLOW_UP_APPOINTMENT') {
    // The agency now knows of the release (after a liberation from court, this is all it knows).
    s.told ??= {
      agencyId: w.agencyId!,
      establishmentCode: p.establishment(),
      liberationDate: p.liberationDate(),
      custody: 'OUT',
      meetingImpossibleFor: [],
    };
    // The main agency now knows (need-agency-notices-1): it is the one told from now on.
    if (s.told.forNeeds) {
      s.told.agencyId = w.agencyId!;
      delete s.told.forNeeds;
    }
    s.told.custody = 'OUT';
  }
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

/**
 * A compensation answered. Since v3 a meeting the service says was already held is kept as held
 * (its fact may still be on the way), so the fact is accepted when it comes and nothing is
 * rebooked; anything else is cancelled. Returns what the booking became.
 */
export function cancelAnswered(
  s: JourneyState,
  v3: boolean,
  b: Booking,
  because: string,
  outcome: string | undefined,
  at: string,
): 'HELD' | 'CANCELLED' {
  if (v3) b.cancelFailed = undefined;
  if (v3 && outcome === 'ALREADY_HELD' && (b.kind === 'CJSW_VISIT' || b.kind === 'PRE_RELEASE_MEETING')) {
    b.status = 'HELD';
    if (!s.meetingsHeld.some((m) => m.bookingId === b.bookingId))
      s.meetingsHeld.push({
        bookingId: b.bookingId,
        kind: b.kind,
        heldAt: at,
        eventId: `cancel-outcome:${b.bookingId}`,
      });
    return 'HELD';
  }
  b.status = 'CANCELLED';
  b.cancelledBecause = because;
  return 'CANCELLED';
}
/** A compensation that failed for good: kept on the booking (and, since v3, on an attention item). */
export function cancelFailed(b: Booking, because: string, error: string): void {
  b.cancelFailed = error;
  b.status = 'CANCELLED';
  b.cancelledBecause = because;
}

/** The agency was told: what it now believes moves on, and the notice is in the journey's list. */
export function notified(s: JourneyState, n: Notice, agencyId: string, at: string): void {
  n.apply();
  s.notifications.push({ agencyId, subject: n.subject, message: n.message, at });
}
/**
 * A notice an operator skipped (told the agency another way, or decided it need not know):
 * recorded as not sent, so the next notice has a key of its own.
 */
export function noticeSkipped(s: JourneyState, n: Notice, reason: string | undefined, at: string): void {
  n.apply();
  s.notifications.push({
    agencyId: n.agencyId,
    subject: n.subject,
    message: `(not sent: skipped by an operator, ${reason ?? 'no reason'}) ${n.message}`,
    at,
  });
}
/** The sequence of the next notice (part of its idempotency key). */
export function noticeEntry(s: JourneyState): number {
  s.notifySeq += 1;
  return s.notifySeq;
}

/**
 * The referral was sent: what it told the agency is the baseline for every later notice. Since
 * `need-agency-notices-1` that is what the send carried (`sent`: the facts taken when it started;
 * a change told while it was in flight is then still news), or, when need agencies were being told
 * in its absence, their baseline; before it, the facts when it was answered.
 */
export function referralSent(
  p: Planner,
  s: JourneyState,
  referralId: string,
  sentAt: string,
  sent?: ReturnType<Planner['noticeFacts']>,
): void {
  // Need agencies told with no main agency (need-agency-notices-1): their baseline is kept, with the
  // main agency as the one told from now on, so a change they have not heard of yet is still sent
  // (to the main agency, and copied to them).
  s.referralId = referralId;
  s.referralSentAt = sentAt;
  if (s.told?.forNeeds) {
    s.told = { ...s.told, agencyId: s.agencyId! };
    delete s.told.forNeeds;
    // The main agency was told no risk (risk-notice-1 tells need agencies none): told from now on.
    delete s.told.risk;
    return;
  }
  s.told = {
    agencyId: s.agencyId!,
    ...(sent && p.needAgencyNotices() ? sent : p.noticeFacts()),
    meetingImpossibleFor: [],
  };
}

/** Raises an attention item on `action` (undefined when one is already open for it). */
export function raised(
  s: JourneyState,
  action: string,
  mustAct: string,
  failure: Failure,
  options: AttentionOption[],
  at: string,
): AttentionItemView | undefined {
  if (s.attention.some((a) => a.action === action && a.status === 'OPEN')) return undefined;
  const item: AttentionItemView = {
    id: `att-${(s.attentionBase ?? 0) + s.attention.length + 1}`,
    action,
    what: failure.message || failure.type || 'failed without a message',
    errorType: failure.type,
    mustAct,
    since: at,
    options,
    status: 'OPEN',
  };
  s.attention.push(item);
  return item;
}

/** The directory's answer for the agency arrangement `version` names as the collector. */
export function collectorChecked(
  s: JourneyState,
  agencyId: string,
  version: number,
  found: { agencyId: string; name: string } | null,
  at: string,
): void {
  if (s.collectorChecks?.some((c) => c.agencyId === agencyId && c.version === version)) return;
  (s.collectorChecks ??= []).push({
    agencyId,
    version,
    known: found !== null,
    ...(found ? { directoryId: found.agencyId, name: found.name } : {}),
    at,
  });
}

/**
 * An open item addressed again (`movement-correction-1`: what named the prison a transfer was
 * wrongly recorded to now names the prison the person is at); recorded in the operator list by the
 * shell's own write.
 */
export function reassigned(item: AttentionItemView, mustAct: string, because: string, at: string): void {
  item.reassigned = { from: item.mustAct, at, because };
  item.mustAct = mustAct;
}

/** The journey resolves an item itself (nothing is left for an operator); recorded by the next flush. */
export function closedByJourney(
  s: JourneyState,
  item: AttentionItemView,
  option: AttentionOption,
  reason: string,
  at: string,
): void {
  item.status = 'RESOLVED';
  item.resolution = { option, by: 'throughcare', reason, at };
  s.attentionUnrecorded.push(item.id);
}

// ---- One referral per need (referral-per-need-1) ------------------------------------------------

/** How long a need with no eligible agency waits before the directory is asked again. */
export const NEED_GAP_RETRY_MS = 86_400_000;

/** The record of `pathway`'s referrals, made on first use. */
export function needRecord(s: JourneyState, pathway: Pathway): NeedReferral {
  s.needReferrals ??= [];
  let n = s.needReferrals.find((x) => x.pathway === pathway);
  if (!n) {
    n = { pathway, tries: [] };
    s.needReferrals.push(n);
  }
  return n;
}

/**
 * The directory's answer for a need: the agency to try next, with the id its referral will have
 * (minted by the journey, so that the agency's answers are known before the send's own answer
 * arrives), or none left (a gap, asked again after NEED_GAP_RETRY_MS; an open gap keeps the instant
 * it started).
 */
export function needAgencyChosen(
  s: JourneyState,
  pathway: Pathway,
  answer: AgencyChoice,
  at: string,
  referralId: string,
): void {
  const n = needRecord(s, pathway);
  if (answer.choice) {
    n.tries.push({
      agencyId: answer.choice.agencyId,
      serviceId: answer.choice.serviceId,
      rule: answer.rule,
      chosenAt: at,
      referralId,
      decisions: [],
    });
    delete n.gap;
  } else {
    n.gap = {
      since: n.gap?.since ?? at,
      retryAt: new Date(Date.parse(at) + NEED_GAP_RETRY_MS).toISOString(),
      rule: answer.rule,
    };
  }
}

/**
 * The try whose referral was minted as `mintedId` was sent (the referral service holds it, under
 * `heldAs`: the id it answered, which the journey takes should it differ). Recorded against that
 * try, not the latest: a decline can move the need on while the send is in flight.
 */
export function needReferralSent(s: JourneyState, mintedId: string, sentAt: string, heldAs = mintedId): void {
  const t = needTryOf(s, mintedId);
  if (!t) return;
  t.sentAt = sentAt;
  t.referralId = heldAs;
}

/** The try holding `referralId` was withdrawn by the journey (`because`: as the plan shows it). */
export function needReferralWithdrawn(
  s: JourneyState,
  referralId: string,
  at: string,
  because: string,
): void {
  const t = needTryOf(s, referralId);
  if (!t) return;
  t.withdrawnAt = at;
  if (because !== 'the case closed') t.withdrawnBecause = because;
}

/** The agency's latest decision on a need try (by when decided; the later told first among equals). */
export function latestDecisionOf(t: NeedTry): NeedTry['decisions'][number] | undefined {
  return t.decisions.reduce<NeedTry['decisions'][number] | undefined>(
    (latest, d) => (!latest || Date.parse(d.decidedAt) >= Date.parse(latest.decidedAt) ? d : latest),
    undefined,
  );
}

/** The need try holding `referralId`, if any. */
export function needTryOf(s: JourneyState, referralId: string): NeedTry | undefined {
  for (const n of s.needReferrals ?? []) for (const t of n.tries) if (t.referralId === referralId) return t;
  return undefined;
}

/**
 * The agency's decision on the need try holding `referralId`. One that takes the try up again
 * (accepted, waiting-listed, more information asked) clears the need's gap: should it end again, the
 * directory is asked afresh and a new gap is a new item for prison staff.
 */
export function needDecided(
  s: JourneyState,
  referralId: string,
  decision: NeedTry['decisions'][number],
): void {
  for (const n of s.needReferrals ?? [])
    for (const t of n.tries)
      if (t.referralId === referralId) {
        t.decisions.push(decision);
        // Only when the try stands again: not withdrawn by the journey, and its latest decision (by
        // when decided; a late report of an earlier decision does not count) takes it up.
        const latest = latestDecisionOf(t)!.decision;
        if (t.withdrawnAt === undefined && latest !== 'DECLINED' && latest !== 'WITHDRAWN') delete n.gap;
        return;
      }
}
