import { ApplicationFailure } from '@temporalio/common';
import type {
  AlsoTell,
  AssessmentCompleted,
  AssessmentKind,
  BookingView,
  CoreScreenCompleted,
  Pathway,
  ThroughcareInput,
} from '@throughcare/contracts';
import { addDays, policyFor } from '@throughcare/domain';
import { createFacts, tell, type FactRule, type Facts } from './facts';
import { initialState, type JourneyState } from './journey-state';
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
  needAgencyChosen,
  needReferralSent,
  needReferralWithdrawn,
  referralSent,
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
  startResumed,
  type Action,
  type Lane,
  type PlanContext,
  type Planner,
} from './planner';

/**
 * A journey run on the pure core against simulated services: the planner decides, the same
 * fact rules and outcome recorders as the workflow keep the books, and a small world stands for
 * the services (bookings with their status, notices each agency received). Time is a number the
 * test moves. Used by the property tests; nothing here talks to Temporal.
 */

/** A booking as the owning service holds it. */
export interface WorldBooking {
  bookingId: string;
  kind: BookingView['kind'];
  establishmentCode?: string;
  date?: string;
  /** HELD: the service knows the meeting took place (at `heldAt`), whatever the journey was told. */
  status: 'BOOKED' | 'CANCELLED' | 'HELD';
  /** When the service took the booking (simulated time). */
  bookedAt: number;
  heldAt?: string;
}
/** A notice as the agency received it. */
export interface WorldNotice {
  agencyId: string;
  subject: string;
  fields: Record<string, string | undefined>;
  /** The agencies given a copy besides those holding a referral (the gate collector). */
  alsoTell?: AlsoTell[];
}

/** What a told fact came to. */
export type Told = 'applied' | 'duplicate' | 'rejected' | 'not-yet';

export class SimulatedJourney {
  readonly s: JourneyState;
  readonly ctx: PlanContext;
  readonly p: Planner;
  readonly facts: Facts;
  t: number;
  readonly bookings = new Map<string, WorldBooking>();
  readonly notices: WorldNotice[] = [];
  /** The pre-release meetings the prison held booked when each notice went ("date EST"). */
  readonly meetingsBookedAtNotice = new WeakMap<WorldNotice, string[]>();
  /** Every effect done, in order (for failure messages). */
  readonly log: string[] = [];
  /** Decides whether an effect fails for good (the workflow's activity gave up). */
  failing: (a: Action) => boolean = () => false;
  /**
   * The shell's lanes (`effect-lanes-1`): when set, an effect is started in its service's lane and
   * answered later, while the journey plans on; `pick` chooses which lane answers next (its index
   * in the lanes in flight), so a property can try every order of answers.
   */
  lanes?: { pick: (inFlight: number) => number };
  /** Effects started and not answered yet, by lane (lanes mode). */
  readonly inFlight = new Map<Lane, () => void>();
  /**
   * Whether the journey adopts `planner-fixes-2` at its plannings, as the shell does on today's
   * code; false: the behaviour of a journey recorded before it (replayed on the old branch).
   */
  adopting = true;
  /**
   * Agencies the simulated directory offers for every need, best first (chooseAgency): one by
   * default, as findAgency always finds agency-1; empty, every need is a gap.
   */
  eligible: string[] = ['need-agency-1'];
  /**
   * The justice social work (or probation) agency the directory lists for the area; undefined:
   * none is (the journey asks again a day later, as the shell does).
   */
  mainAgency: string | undefined = 'agency-1';
  /** Agency ids the directory does not know (the gate collector's check); it knows any other. */
  unknownAgencies: string[] = [];
  /** Need referral sends in flight: the id of the try each is for (taken when it starts). */
  private readonly sending = new Map<Action, string>();
  /** What each referral send in flight tells its agency (taken when it starts, as the shell). */
  private readonly sendingFacts = new Map<Action, ReturnType<Planner['noticeFacts']>>();
  /** Need referrals the simulated referral service holds: id → agency, pathway, withdrawn (with the reason the agency was told). */
  readonly needReferralsSent = new Map<
    string,
    { agencyId: string; pathway: string; withdrawn: boolean; withdrawalReason?: string }
  >();
  /** Every need referral send answered, by the id sent (a second send of one id would show twice). */
  readonly needSends: string[] = [];
  private seq = 0;

  /** `refused`: patches the shell says do not apply (a journey replayed on the branch before them). */
  constructor(
    readonly input: ThroughcareInput,
    refused: string[] = [],
  ) {
    this.s = initialState(input.expectedReleaseDate);
    if (input.carried) this.s.carried = input.carried; // as the workflow does when it starts
    startResumed(this.s, input); // as the workflow does for a run started again
    // What the journey captures (England & Wales: v3, borrowing v4's follow-up once adopted).
    const policy = policyFor(
      input.jurisdiction,
      input.receivedAt.slice(0, 10),
      NEWEST_CAPTURED_POLICY_VERSION,
    );
    this.s.policy = { id: policy.id, version: policy.version };
    this.ctx = planContext(input, true, this.s.policy, (id) => !refused.includes(id));
    this.t = Date.parse(input.receivedAt);
    this.p = createPlanner(this.ctx, this.s, () => this.t);
    this.facts = createFacts(this.ctx, this.p, this.s, () => this.t);
  }

  get now(): string {
    return iso(this.t);
  }

  /** Tells the journey a fact as its update handler would (validator, then the handler). */
  tell<T extends { eventId: string }>(rule: FactRule<T>, fact: T): Told {
    try {
      return tell(this.s, true, rule, fact) ? 'applied' : 'duplicate';
    } catch (err) {
      if (err instanceof ApplicationFailure) return err.type === 'NOT_YET_KNOWN' ? 'not-yet' : 'rejected';
      throw err;
    }
  }

  /** Records due breaches as the clocks' coroutine would (adopting planner-fixes-2 as it does). */
  private clocks(): void {
    if (this.adopting) this.p.adoptFixes();
    this.p.syncDeadlines();
    for (let d = this.p.dueClock(); d; d = this.p.dueClock()) {
      if (d.status === 'OPEN') {
        d.breachKey = `breach:${d.key}`;
        d.status = 'BREACHED';
      } else d.status = 'MET_LATE';
    }
  }

  /**
   * Does the next action, if any; false when the journey is idle. In lanes mode: starts the next
   * action (one needing no service is done at once), or when nothing can start, lets one lane in
   * flight answer; false when nothing can start and nothing is in flight.
   */
  stepOnce(): boolean {
    this.clocks();
    // As the shell's main loop, at each planning.
    if (this.adopting) this.p.adoptPerNeed();
    const a = this.p.nextAction(
      this.lanes && this.inFlight.size > 0 ? new Set(this.inFlight.keys()) : undefined,
    );
    const lane = a && this.lanes ? laneOf(a) : undefined;
    if (a && lane) {
      this.log.push(`${this.now} start (${lane})`);
      this.inFlight.set(lane, this.begin(a));
    } else if (a) this.execute(a);
    else if (this.lanes && this.inFlight.size > 0) {
      const lanes = [...this.inFlight.keys()];
      const answering = lanes[this.lanes.pick(lanes.length) % lanes.length]!;
      const answer = this.inFlight.get(answering)!;
      this.inFlight.delete(answering);
      answer();
    } else return false;
    this.clocks();
    return true;
  }

  /** Runs until idle; throws when the journey does not settle (it would spin for ever). */
  run(limit = this.lanes ? 400 : 200): number {
    for (let n = 0; n < limit; n++) if (!this.stepOnce()) return n;
    throw new Error(`journey did not settle after ${limit} actions:\n${this.log.slice(-20).join('\n')}`);
  }

  advance(ms: number): void {
    this.t += ms;
  }

  /** Live bookings as the services hold them. */
  liveInWorld(): WorldBooking[] {
    return [...this.bookings.values()].filter((b) => b.status === 'BOOKED');
  }

  private fail(a: Action & { action: string }): boolean {
    if (!this.failing(a)) return false;
    raised(
      this.s,
      a.action,
      'simulated service',
      { type: 'SIMULATED', message: `${a.kind} failed for good` },
      ['RETRY', 'SKIP'],
      this.now,
    );
    this.log.push(`${this.now} FAILED ${a.action}`);
    return true;
  }

  /** Does the effect of `a` (planned earlier: facts may have arrived since, as while an activity is in flight). */
  execute(a: Action): void {
    this.begin(a)();
  }

  /**
   * Starts the effect of `a` as the shell does (what the shell does before its activity is
   * scheduled: counters for idempotency keys, the closure's reason), and returns its answer: the
   * rest, done when the service answers.
   */
  begin(a: Action): () => void {
    const s = this.s;
    switch (a.kind) {
      case 'enter':
        stageEntry(s);
        break;
      case 'book':
        bookingEntry(s);
        break;
      case 'notify':
        noticeEntry(s);
        break;
      case 'close':
        // As the shell: the reason and instant are set before the record is attempted.
        s.closureReason = a.closing;
        s.closedAt ??= this.now;
        break;
      case 'raise':
        // As the shell: the item is on the journey at once; only its record in the list waits.
        raised(s, a.action, a.mustAct, a.failure, a.options, this.now);
        break;
      case 'reassignItem':
        reassigned(a.item, a.mustAct, a.because, this.now);
        break;
      case 'sendReferral':
        this.sendingFacts.set(a, this.p.noticeFacts());
        break;
      case 'sendNeedReferral':
        // As the shell: the referral sent is the try current when the send starts.
        this.sending.set(a, this.p.needReferral(a.pathway)!.tries[a.no - 1]!.referralId);
        this.sendingFacts.set(a, this.p.noticeFacts());
        break;
      default:
    }
    return () => this.answer(a);
  }

  private answer(a: Action): void {
    const s = this.s;
    this.log.push(`${this.now} ${a.kind} ${'action' in a ? a.action : ''}`);
    switch (a.kind) {
      case 'enter':
        if (a.record && this.fail(a)) return;
        stageEntered(s, a.stage);
        return;
      case 'clock':
        throw new Error('the clocks have their own coroutine since v3');
      case 'raise':
      case 'reassignItem':
        return; // done when started
      case 'closeItem':
        closedByJourney(s, a.item, 'SKIP', a.reason, this.now);
        return;
      case 'request': {
        if (this.fail(a)) return;
        const seq = requestSeq(s, a.assessment);
        requested(s, a.assessment, seq, `asm-${a.assessment}-${seq}`, a.dueAt);
        return;
      }
      case 'findAgency':
        if (this.fail(a)) return;
        if (this.mainAgency === undefined) s.agencyRetryAt = iso(this.t + DAY);
        else {
          s.agencyId = this.mainAgency;
          s.agencyRetryAt = undefined;
        }
        return;
      case 'checkCollector':
        if (this.fail(a)) return;
        collectorChecked(
          s,
          a.agencyId,
          a.version,
          this.unknownAgencies.includes(a.agencyId)
            ? null
            : { agencyId: a.agencyId.toLowerCase(), name: `Agency ${a.agencyId}` },
          this.now,
        );
        return;
      case 'sendReferral':
        if (this.fail(a)) return;
        referralSent(this.p, s, 'ref-1', this.now, this.sendingFacts.get(a));
        this.sendingFacts.delete(a);
        return;
      case 'withdrawReferral':
        if (this.fail(a)) return;
        s.referralWithdrawn = true;
        return;
      case 'chooseNeedAgency': {
        if (this.fail(a)) return;
        const excluded = this.p.needExclusions(a.pathway);
        const left = this.eligible.filter((id) => !excluded.includes(id));
        needAgencyChosen(
          s,
          a.pathway,
          {
            rule: 'simulated',
            choice: left[0]
              ? {
                  agencyId: left[0],
                  name: left[0],
                  kind: 'HOUSING',
                  localAuthority: this.input.homeLocalAuthority,
                  contactPoint: 'Duty team',
                  serviceId: `${left[0]}:${a.pathway}`,
                  serviceName: a.pathway,
                }
              : null,
            alternatives: Math.max(0, left.length - 1),
          },
          this.now,
          `ref-${a.pathway}-${(this.p.needReferral(a.pathway)?.tries.length ?? 0) + 1}`,
        );
        return;
      }
      case 'sendNeedReferral': {
        if (this.fail(a)) return;
        const minted = this.sending.get(a)!;
        const told = this.sendingFacts.get(a)!;
        this.sending.delete(a);
        this.sendingFacts.delete(a);
        const sent = this.p.needReferral(a.pathway)!.tries.find((t) => t.referralId === minted)!;
        this.needSends.push(minted);
        this.needReferralsSent.set(minted, { agencyId: sent.agencyId, pathway: a.pathway, withdrawn: false });
        needReferralSent(s, minted, this.now);
        this.p.needReferralBaseline(sent.agencyId, told);
        return;
      }
      case 'withdrawNeedReferral': {
        if (this.fail(a)) return;
        const current = this.p.needReferral(a.pathway)!.tries[a.no - 1]!;
        const held = current.sentAt ? this.needReferralsSent.get(current.referralId) : undefined;
        if (held) Object.assign(held, { withdrawn: true, withdrawalReason: a.reason });
        needReferralWithdrawn(s, current.referralId, this.now, a.because);
        return;
      }
      case 'cancel': {
        const b = a.booking;
        if (this.failing(a)) {
          cancelFailed(b, a.because, 'SIMULATED: failed for good');
          raised(
            s,
            `cancel:${b.bookingId}`,
            'simulated service',
            { type: 'SIMULATED', message: 'cancel failed for good' },
            ['RETRY', 'SKIP'],
            this.now,
          );
          return;
        }
        const held = this.bookings.get(b.bookingId);
        // As the liberation service answers: a meeting held stays held, with the instant it was held.
        const outcome =
          held?.status === 'HELD'
            ? 'ALREADY_HELD'
            : held?.status === 'CANCELLED'
              ? 'ALREADY_CANCELLED'
              : 'CANCELLED';
        if (held && outcome === 'CANCELLED') held.status = 'CANCELLED';
        cancelAnswered(s, true, b, a.because, outcome, held?.heldAt ?? this.now);
        return;
      }
      case 'book': {
        if (this.fail(a)) return;
        const id = `bk-${++this.seq}`;
        const w = a.wanted;
        this.bookings.set(id, {
          bookingId: id,
          kind: w.kind,
          establishmentCode: w.establishmentCode,
          date: w.date,
          status: 'BOOKED',
          bookedAt: this.t,
        });
        booked(this.p, s, w, id);
        return;
      }
      case 'skipNotice':
        noticeSkipped(s, a.notice, this.p.latestAttention(a.action)?.resolution?.reason, this.now);
        return;
      case 'notify': {
        if (this.fail(a)) return;
        const agencyId = a.notice.agencyId;
        const meetingsBookedThen = [...this.bookings.values()]
          .filter((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED')
          .map((b) => `${b.date} ${b.establishmentCode}`);
        const notice: WorldNotice = {
          agencyId,
          subject: a.notice.subject,
          fields: { ...a.notice.fields },
          ...(a.notice.alsoTell ? { alsoTell: a.notice.alsoTell.map((t) => ({ ...t })) } : {}),
        };
        this.notices.push(notice);
        this.meetingsBookedAtNotice.set(notice, meetingsBookedThen);
        notified(s, a.notice, agencyId, this.now);
        return;
      }
      case 'close':
        if (this.fail(a)) return;
        s.closureRecorded = true;
        return;
      case 'handOver':
        s.nextEpisodeHandedOver = true;
        return;
      case 'resume':
        s.previousResumed = { episode: s.carried?.fromEpisode ?? this.input.returnOf!, outcome: 'STARTED' };
        return;
    }
  }
}

// ---- Scenarios shared by the property tests ----------------------------------------------------

/** Tells the core screen's completion now, as the assessment service would (assessment asm-CORE_SCREEN-1). */
export const tellCoreScreen = (
  j: SimulatedJourney,
  needs: CoreScreenCompleted['needs'],
  eventId: string,
): Told =>
  j.tell(j.facts.coreScreenCompleted, {
    assessmentId: 'asm-CORE_SCREEN-1',
    needs,
    riskOfSeriousHarm: 'LOW',
    completedAt: j.now,
    eventId,
  });
/** Tells an assessment's completion now (assessment asm-<kind>-1). */
export const tellAssessment = (
  j: SimulatedJourney,
  kind: AssessmentKind,
  needs: AssessmentCompleted['needs'],
  eventId: string,
): Told =>
  j.tell(j.facts.assessmentCompleted, {
    assessmentId: `asm-${kind}-1`,
    kind,
    needs,
    completedAt: j.now,
    eventId,
  });

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const PRISONS = ['BAR', 'EDI', 'GRE', 'LOW', 'SHO'] as const;

export type Op =
  | { kind: 'dateChange'; days: number }
  | { kind: 'transfer'; to: (typeof PRISONS)[number] }
  | { kind: 'reverseTransfer' }
  /** The latest transfer's destination corrected in place (`custody.movement.corrected`). */
  | { kind: 'correctTransfer'; to: (typeof PRISONS)[number] }
  | { kind: 'release' }
  | { kind: 'reverseRelease' }
  | { kind: 'advance'; minutes: number }
  | { kind: 'run' }
  | { kind: 'stepOnce' }
  | { kind: 'repeatLast' }
  | { kind: 'withdrawConsent' }
  /** A fact arriving while an effect is in flight: the action is planned, the fact told, then the effect done. */
  | { kind: 'during'; fact: Op };

export function inputFor(
  jurisdiction: ThroughcareInput['jurisdiction'],
  releaseInDays: number,
): ThroughcareInput {
  const receivedAt = '2026-03-02T09:00:00.000Z'; // a Monday
  return {
    personId: 'p-property',
    episode: 1,
    jurisdiction,
    establishmentCode: 'BAR',
    homeLocalAuthority: jurisdiction === 'SCOTLAND' ? 'S12000036' : 'E06000047',
    receivedAt,
    sentenceDate: '2026-03-02',
    sentenceLengthDays: releaseInDays * 2,
    expectedReleaseDate: addDays('2026-03-02', releaseInDays),
    correlationId: 'c-property',
  };
}

/**
 * An England & Wales journey liberated straight from court three hours after it began (as the shell
 * signals it), planned: in follow-up, the first appointment booked with the agency.
 */
export function liberatedFromCourtJourney(refused: string[] = []): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 120), refused);
  j.run();
  j.advance(3 * HOUR);
  j.facts.receivedAgain({
    ...j.input,
    liberatedFromCourt: { releasedAt: j.now, legalStatus: 'REMAND', eventId: 'court' },
  });
  j.run();
  return j;
}

/**
 * A Scottish journey received on 2026-03-02 (release in `releaseInDays`), screened with `needs`
 * (core screen a day on, comprehensive screen two days later) and its directory offering
 * `eligible`; `refused`: patches it does not adopt; `configure`: set before its first planning.
 */
export function screenedJourney(
  needs: Pathway[],
  eligible: string[] = ['housing-1', 'housing-2'],
  releaseInDays = 40,
  refused: string[] = [],
  configure: (j: SimulatedJourney) => void = () => {},
): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', releaseInDays), refused);
  const received = Date.parse(j.input.receivedAt);
  j.eligible = eligible;
  configure(j);
  j.run();
  j.t = received + DAY;
  expect(tellCoreScreen(j, needs, 'e-core')).toBe('applied');
  j.run();
  j.t = received + 3 * DAY;
  expect(tellAssessment(j, 'COMPREHENSIVE_SCREEN', needs, 'e-comprehensive')).toBe('applied');
  j.run();
  return j;
}

/** Releases the person from BAR now and lets the release settle; returns the release instant. */
export function releaseNow(j: SimulatedJourney, eventId = 'rel'): string {
  const releasedAt = j.now;
  expect(j.tell(j.facts.releaseRecorded, { releasedAt, establishmentCode: 'BAR', eventId })).toBe('applied');
  j.advance(2 * HOUR);
  j.run();
  return releasedAt;
}

/** Reception to an acknowledged referral (and the summary review when planning is open): the plan made. */
export function setUp(j: SimulatedJourney, changesAfterDays: number): void {
  const at = (days: number, hour: number) =>
    Date.parse('2026-03-02T00:00:00.000Z') + days * DAY + hour * HOUR;
  j.run();
  j.t = at(1, 10);
  tellCoreScreen(j, ['ACCOMMODATION'], 'e-core');
  j.run();
  j.t = at(3, 10);
  tellAssessment(
    j,
    'COMPREHENSIVE_SCREEN',
    ['ACCOMMODATION', 'EDUCATION_SKILLS_AND_WORK'],
    'e-comprehensive',
  );
  j.run();
  j.t = at(4, 10);
  j.tell(j.facts.referralAcknowledged, {
    referralId: 'ref-1',
    acknowledgedAt: j.now,
    acknowledgedBy: 'cjsw-duty',
    eventId: 'e-ack',
  });
  j.run();
  j.t = at(5, 10);
  if (j.s.requests.some((r) => r.assessmentId === 'asm-SUMMARY_REVIEW-1'))
    tellAssessment(j, 'SUMMARY_REVIEW', [], 'e-summary');
  j.run();
  // The changes start at 07:00 UTC on a later day, and stay within that day.
  j.t = at(changesAfterDays, 7);
  j.run();
}

export type Change =
  | 'releaseDateChanged'
  | 'transferred'
  | 'movementReversed'
  | 'movementCorrected'
  | 'releaseRecorded'
  | 'consentWithdrawn';
export interface Applied {
  changes: number;
  last?: { rule: Change; fact: { eventId: string } };
}

export function apply(j: SimulatedJourney, ops: Op[], applied: Applied): void {
  let n = 0;
  const id = () => `e-op-${++n}`;
  const told = <K extends Change>(rule: K, fact: Parameters<Facts[K]['apply']>[0]) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = j.tell(j.facts[rule] as any, fact as any);
    if (result === 'applied') {
      applied.changes += 1;
      applied.last = { rule, fact };
    }
  };
  const applyOp = (o: Op): void => {
    switch (o.kind) {
      case 'dateChange':
        told('releaseDateChanged', {
          expectedReleaseDate: addDays('2026-03-02', o.days),
          reason: 'HDC_APPROVED',
          changedAt: j.now,
          eventId: id(),
        });
        break;
      case 'transfer':
        told('transferred', { toEstablishmentCode: o.to, transferredAt: j.now, eventId: id() });
        break;
      case 'reverseTransfer': {
        const last = j.s.transfers[j.s.transfers.length - 1];
        if (last)
          told('movementReversed', {
            movement: 'TRANSFER',
            reversedEventId: last.eventId,
            reversedAt: j.now,
            eventId: id(),
          });
        break;
      }
      case 'correctTransfer': {
        const last = j.s.transfers[j.s.transfers.length - 1];
        if (!last) break;
        const version =
          (j.s.corrections ?? []).filter((c) => c.eventId === last.eventId).at(-1)?.version ?? 1;
        told('movementCorrected', {
          movement: 'TRANSFER',
          correctedEventId: last.eventId,
          version: version + 1,
          reason: 'WRONG_DESTINATION',
          correctedAt: j.now,
          occurredAt: last.transferredAt,
          previousOccurredAt: last.transferredAt,
          toEstablishmentCode: o.to,
          previousToEstablishmentCode: last.toEstablishmentCode,
          eventId: id(),
        });
        break;
      }
      case 'release':
        told('releaseRecorded', {
          releasedAt: j.now,
          establishmentCode: j.p.reportedEstablishment(),
          eventId: id(),
        });
        break;
      case 'reverseRelease':
        if (j.s.release)
          told('movementReversed', {
            movement: 'RELEASE',
            reversedEventId: j.s.release.eventId,
            reversedAt: j.now,
            eventId: id(),
          });
        break;
      case 'advance':
        j.advance(o.minutes * MIN);
        break;
      case 'run':
        j.run();
        break;
      case 'stepOnce':
        j.stepOnce();
        break;
      case 'repeatLast':
        // A redelivered fact (same event id): accepted and ignored.
        if (applied.last) {
          const before = JSON.stringify(j.s);
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          expect(j.tell(j.facts[applied.last.rule] as any, applied.last.fact as any)).toBe('duplicate');
          expect(JSON.stringify(j.s)).toBe(before);
        }
        break;
      case 'withdrawConsent':
        told('consentWithdrawn', { withdrawnAt: j.now, eventId: id() });
        break;
      case 'during': {
        if (j.lanes) {
          // In lanes mode every effect is answered after facts may have arrived: start one more.
          j.stepOnce();
          applyOp(o.fact);
          break;
        }
        const planned = j.p.nextAction();
        applyOp(o.fact);
        if (planned) j.execute(planned);
        break;
      }
    }
  };
  for (const o of ops) applyOp(o);
}

/** The same journey with the final facts of `j` told at once, at the instant `at`. */
export function reference(
  input: ThroughcareInput,
  changesAfterDays: number,
  j: SimulatedJourney,
  at: number,
): SimulatedJourney {
  const r = new SimulatedJourney(input);
  setUp(r, changesAfterDays);
  // In time order: the date change, transfers and release as `j` knew them when it heard of the
  // release (none can follow a release), so that the release settles when it did in `j` (a release
  // settled before a closure keeps the gate pick-up: the person has left; one still unsettled
  // cancels it); then the consent withdrawal, at `at`.
  r.t = j.s.release ? Math.min(at, Date.parse(j.s.release.settlesAt) - j.ctx.settleMs) : at;
  if (j.s.expectedReleaseDate !== r.s.expectedReleaseDate)
    expect(
      r.tell(r.facts.releaseDateChanged, {
        expectedReleaseDate: j.s.expectedReleaseDate,
        reason: 'HDC_APPROVED',
        changedAt: r.now,
        eventId: 'ref-date',
      }),
    ).toBe('applied');
  for (const [i, t] of j.s.transfers.entries())
    expect(
      r.tell(r.facts.transferred, {
        toEstablishmentCode: t.toEstablishmentCode,
        transferredAt: t.transferredAt,
        eventId: `ref-t${i}`,
      }),
    ).toBe('applied');
  if (j.s.release)
    expect(
      r.tell(r.facts.releaseRecorded, {
        releasedAt: j.s.release.releasedAt,
        establishmentCode: j.s.release.establishmentCode,
        eventId: 'ref-rel',
      }),
    ).toBe('applied');
  r.t = at;
  if (j.s.consentWithdrawn)
    expect(
      r.tell(r.facts.consentWithdrawn, {
        withdrawnAt: j.s.consentWithdrawn.withdrawnAt,
        eventId: 'ref-consent',
      }),
    ).toBe('applied');
  settle(r);
  return r;
}

/** Lets movements settle (the policy's window) and the journey finish what it has to do. */
export function settle(j: SimulatedJourney): void {
  j.run();
  j.advance(2 * HOUR);
  j.run();
}

/** Retries every step that failed for good (an operator's RETRY), until none is left. */
export function retryAll(j: SimulatedJourney): void {
  j.failing = () => false;
  for (let round = 0; round < 5; round++) {
    const open = j.s.attention.filter((a) => a.status === 'OPEN' && a.options.includes('RETRY'));
    if (open.length === 0) return;
    for (const item of open)
      expect(
        j.tell(j.facts.resolveAttention, {
          itemId: item.id,
          option: 'RETRY',
          by: 'operator',
          resolvedAt: j.now,
          eventId: `retry-${item.id}`,
        }),
      ).toBe('applied');
    j.run();
  }
}

/**
 * A Scottish journey received on 2026-03-02, release in 30 days (liberation 2026-04-01), core
 * screened with ACCOMMODATION on 03-03 and its summary review done on 03-05 (10:00 each): the
 * pre-release meeting and the gate pick-up are booked. `configure`: set before its first planning.
 */
export function summaryReviewedIn30Days(
  configure: (j: SimulatedJourney) => void = () => {},
): SimulatedJourney {
  const day = (days: number) => Date.parse('2026-03-02T10:00:00.000Z') + days * DAY;
  const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
  configure(j);
  j.run();
  j.t = day(1);
  tellCoreScreen(j, ['ACCOMMODATION'], 'core');
  j.run();
  j.t = day(3);
  tellAssessment(j, 'SUMMARY_REVIEW', [], 'summary');
  j.run();
  return j;
}
