import fc from 'fast-check';
import type { AssessmentCompleted, Pathway } from '@throughcare/contracts';
import { NEED_GAP_RETRY_MS } from './outcomes';
import { DECLINE_COOL_OFF_MS, MAX_DECLINES_PER_NEED, NEED_SUPERSEDED_UNDUE_PATCH } from './planner';
import {
  apply,
  HOUR,
  inputFor,
  retryAll,
  SimulatedJourney,
  tellAssessment,
  tellCoreScreen,
} from './journey-simulation.spec-support';

/**
 * What the README claims of one referral per need (`referral-per-need-1`), proved over random
 * sequences of agencies' answers, listings, release and closure, with the services' answers in any
 * order (each service a lane) and steps failing for good:
 * - the referral service holds exactly the need referrals the journey sent, each sent once;
 * - a settled journey has each need referred to an agency, or a gap only when the directory has
 *   no eligible agency left for it (an agency that declined is left out for the cool-off), and
 *   never offers a need to one agency twice within the cool-off;
 * - closing the case early withdraws every need referral still standing;
 * - a step that fails for good is an open attention item, and once retried the journey ends as
 *   above.
 */

const PATHWAYS: Pathway[] = ['ACCOMMODATION', 'HEALTH', 'DRUGS_AND_ALCOHOL'];
const AGENCIES = ['ag-1', 'ag-2', 'ag-3', 'ag-4'];

type NeedOp =
  | {
      kind: 'decide';
      need: number;
      /** The current try's referral, or an earlier one (an agency answering late). */
      earlier: boolean;
      decision: 'DECLINED' | 'WITHDRAWN' | 'ACCEPTED' | 'MORE_INFORMATION_REQUESTED' | 'ON_WAITING_LIST';
    }
  | { kind: 'acknowledge'; need: number }
  /** The current try's agency records attendance at an appointment it booked against the referral. */
  | { kind: 'attend'; need: number; attendance: 'YES' | 'LATE' | 'NO' }
  | { kind: 'advance'; hours: number }
  | { kind: 'run' }
  | { kind: 'stepOnce' }
  | { kind: 'list'; agency: string }
  | { kind: 'unlist'; agency: string }
  | { kind: 'addNeed'; pathway: Pathway }
  | { kind: 'release' }
  | { kind: 'withdrawConsent' }
  /** The liberation date moves (days from reception). */
  | { kind: 'dateChange'; days: number }
  /** The area's justice social work team is listed (a journey that had none finds it next time it asks). */
  | { kind: 'listMainAgency' }
  /** Prison staff (or an operator) stop referring a need (`needStopped`), whatever stands of it. */
  | { kind: 'stopNeed'; need: number; as: 'PRISON_STAFF' | 'OPERATOR' };

const needOp: fc.Arbitrary<NeedOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      need: fc.nat({ max: 2 }),
      earlier: fc.boolean(),
      decision: fc.constantFrom(
        'DECLINED' as const,
        'DECLINED' as const,
        'WITHDRAWN' as const,
        'ACCEPTED' as const,
        'MORE_INFORMATION_REQUESTED' as const,
        'ON_WAITING_LIST' as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('acknowledge' as const), need: fc.nat({ max: 2 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('attend' as const),
      need: fc.nat({ max: 2 }),
      attendance: fc.constantFrom('YES' as const, 'LATE' as const, 'NO' as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      hours: fc.integer({ min: 1, max: 24 * 12 }),
    }),
  },
  // Weeks on: a decline's cool-off running out.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      hours: fc.integer({ min: 24 * 7, max: 24 * 35 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'run' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'stepOnce' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('list' as const), agency: fc.constantFrom(...AGENCIES) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unlist' as const), agency: fc.constantFrom(...AGENCIES) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('addNeed' as const), pathway: fc.constantFrom(...PATHWAYS) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdrawConsent' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('dateChange' as const),
      days: fc.integer({ min: 10, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'listMainAgency' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('stopNeed' as const),
      need: fc.nat({ max: 2 }),
      as: fc.constantFrom('PRISON_STAFF' as const, 'OPERATOR' as const),
    }),
  },
);

/** The reason every stop in these scenarios gives (a repeat with it is a retry, accepted). */
const STOP_REASON = 'arranged outside the platform';

interface NeedScenario {
  jurisdiction: 'SCOTLAND' | 'ENGLAND_AND_WALES';
  /** Days from reception to release: release planning open at once, or opening within weeks. */
  releaseInDays: number;
  needs: Pathway[];
  /** The agencies the directory offers at the start, best first. */
  eligible: string[];
  /** No justice social work team listed for the area: need agencies are the ones told of changes. */
  noMainAgency: boolean;
  ops: NeedOp[];
}

const scenario: fc.Arbitrary<NeedScenario> = fc.record({
  jurisdiction: fc.constantFrom('SCOTLAND' as const, 'ENGLAND_AND_WALES' as const),
  releaseInDays: fc.integer({ min: 20, max: 200 }),
  needs: fc.uniqueArray(fc.constantFrom(...PATHWAYS), { minLength: 1, maxLength: 3 }),
  eligible: fc.uniqueArray(fc.constantFrom(...AGENCIES), { minLength: 0, maxLength: 3 }),
  noMainAgency: fc.boolean(),
  ops: fc.array(needOp, { minLength: 1, maxLength: 30 }),
});

/** Reception, core and comprehensive screens with the scenario's needs. */
function screened(sc: NeedScenario, order?: number[], refused: string[] = []): SimulatedJourney {
  const j = new SimulatedJourney(inputFor(sc.jurisdiction, sc.releaseInDays), refused);
  j.eligible = [...sc.eligible];
  if (sc.noMainAgency) j.mainAgency = undefined;
  if (order) {
    let i = 0;
    j.lanes = { pick: () => order[i++ % order.length]! };
  }
  j.run();
  j.advance(24 * HOUR);
  expect(tellCoreScreen(j, sc.needs, 'e-core')).toBe('applied');
  j.run();
  j.advance(48 * HOUR);
  expect(tellAssessment(j, 'COMPREHENSIVE_SCREEN', sc.needs, 'e-comprehensive')).toBe('applied');
  j.run();
  return j;
}

function applyNeedOps(j: SimulatedJourney, ops: NeedOp[]): void {
  let n = 0;
  const id = () => `e-${++n}`;
  for (const o of ops) {
    switch (o.kind) {
      case 'decide':
      case 'acknowledge': {
        // An agency's answer is a later fact than anything the journey did before it (a workflow
        // never sees two activity results and a signal between them at one instant): without
        // this, a second gap started at the first one's instant and shared its attention key.
        j.advance(1000);
        const pathway = j.p.needs()[o.need % Math.max(1, j.p.needs().length)];
        const tries = (pathway && j.p.needReferral(pathway)?.tries) || [];
        // Only an agency holding the referral answers it.
        const held = tries.filter((t) => j.needReferralsSent.has(t.referralId));
        const t = o.kind === 'decide' && o.earlier ? held[0] : held[held.length - 1];
        if (!t) break;
        if (o.kind === 'acknowledge')
          j.tell(j.facts.referralAcknowledged, {
            referralId: t.referralId,
            acknowledgedAt: j.now,
            acknowledgedBy: 'duty team',
            eventId: id(),
          });
        else {
          // As the referral service's lifecycle allows (referral.lifecycle.ts): an agency that
          // accepted cannot decline any more; if it will not go on, it withdraws.
          const decision =
            o.decision === 'DECLINED' && t.decisions.at(-1)?.decision === 'ACCEPTED'
              ? 'WITHDRAWN'
              : o.decision;
          j.tell(j.facts.referralOutcome, {
            referralId: t.referralId,
            decision,
            decidedAt: j.now,
            ...(decision === 'DECLINED' || decision === 'WITHDRAWN' ? { reason: 'no capacity' } : {}),
            eventId: id(),
          });
        }
        break;
      }
      case 'attend': {
        j.advance(1000);
        const pathway = j.p.needs()[o.need % Math.max(1, j.p.needs().length)];
        const t = ((pathway && j.p.needReferral(pathway)?.tries) || [])
          .filter((x) => j.needReferralsSent.has(x.referralId))
          .at(-1);
        if (!t) break;
        // Told as the referral service would: one attendance per appointment, by its agency.
        expect(
          j.tell(j.facts.agencyAttendanceRecorded, {
            referralId: t.referralId,
            appointmentId: `appt-${id()}`,
            agencyId: t.agencyId,
            attendance: o.attendance,
            attendedAt: j.now,
            ...(o.attendance === 'NO' ? { reason: 'did not come' } : {}),
            eventId: id(),
          }),
        ).toBe('applied');
        break;
      }
      case 'advance':
        j.advance(o.hours * HOUR);
        break;
      case 'run':
        j.run();
        break;
      case 'stepOnce':
        j.stepOnce();
        break;
      case 'list':
        if (!j.eligible.includes(o.agency)) j.eligible.push(o.agency);
        break;
      case 'unlist':
        j.eligible = j.eligible.filter((a) => a !== o.agency);
        break;
      case 'addNeed': {
        // The next assessment the journey asked for, completed with one more need.
        const open = j.s.requests.find(
          (r) => !j.s.assessments.some((a) => a.assessmentId === r.assessmentId),
        );
        if (open && !j.p.closingReason())
          expect(
            j.tell(j.facts.assessmentCompleted, {
              assessmentId: open.assessmentId,
              kind: open.kind as AssessmentCompleted['kind'],
              needs: [o.pathway],
              completedAt: j.now,
              eventId: id(),
            }),
          ).toBe('applied');
        break;
      }
      case 'release':
      case 'withdrawConsent':
      case 'dateChange':
        apply(j, [o], { changes: 0 }); // as the journey properties tell them
        break;
      case 'listMainAgency':
        j.mainAgency = 'agency-1';
        break;
      case 'stopNeed': {
        j.advance(1000);
        const pathway = j.p.needs()[o.need % Math.max(1, j.p.needs().length)];
        if (!pathway) break;
        // Refused only for a closed case, or a need skipped (its choice or gap) before any stop; a
        // repeat of the stop is a retry, accepted.
        const refused =
          j.p.closingReason() !== undefined || (!j.p.staffStop(pathway) && j.p.needStopped(pathway));
        expect(
          j.tell(j.facts.needStopped, {
            pathway,
            reason: STOP_REASON,
            stoppedBy: o.as === 'OPERATOR' ? 'operator-1' : 'officer-1',
            stoppedAs: o.as,
            stoppedAt: j.now,
            eventId: id(),
          }),
        ).toBe(refused ? 'rejected' : 'applied');
        break;
      }
    }
  }
}

/** The referral service holds exactly what the journey sent, each referral sent once. */
function expectServiceAgrees(j: SimulatedJourney): void {
  expect(new Set(j.needSends).size).toBe(j.needSends.length);
  const sentByJourney = (j.s.needReferrals ?? [])
    .flatMap((n) => n.tries.filter((t) => t.sentAt !== undefined).map((t) => `${t.referralId} ${t.agencyId}`))
    .sort();
  const held = [...j.needReferralsSent.entries()].map(([rid, r]) => `${rid} ${r.agencyId}`).sort();
  expect(held).toEqual(sentByJourney);
  // Withdrawn when sent; one never sent (superseded before its send) the service never saw.
  for (const n of j.s.needReferrals ?? [])
    for (const t of n.tries)
      if (t.withdrawnAt !== undefined)
        expect(j.needReferralsSent.get(t.referralId)?.withdrawn).toBe(
          t.sentAt !== undefined ? true : undefined,
        );
}

/**
 * No agency is offered a need again within the cool-off of its decline (or withdrawal), nor after
 * declining it MAX_DECLINES_PER_NEED times; an earlier agency taking the need back leaves no later
 * referral standing that its agency has not taken on.
 */
function expectCoolOffKept(j: SimulatedJourney): void {
  for (const n of j.s.needReferrals ?? [])
    n.tries.forEach((t, k) => {
      const before = n.tries.slice(0, k).filter((b) => b.agencyId === t.agencyId);
      const declinedBefore = before.flatMap((b) => {
        const told = b.decisions.filter((d) => Date.parse(d.decidedAt) <= Date.parse(t.chosenAt));
        const last = told.reduce<(typeof told)[number] | undefined>(
          (l, d) => (!l || Date.parse(d.decidedAt) >= Date.parse(l.decidedAt) ? d : l),
          undefined,
        );
        return last && (last.decision === 'DECLINED' || last.decision === 'WITHDRAWN') ? [last] : [];
      });
      expect(declinedBefore.length).toBeLessThan(MAX_DECLINES_PER_NEED);
      for (const d of declinedBefore)
        expect(Date.parse(t.chosenAt) - Date.parse(d.decidedAt)).toBeGreaterThanOrEqual(DECLINE_COOL_OFF_MS);
    });
  for (const v of j.p.needReferralsView() ?? []) {
    if (!['ACCEPTED', 'ON_WAITING_LIST'].includes(v.status) || j.p.closingReason()) continue;
    const n = j.p.needReferral(v.pathway)!;
    for (const [i, t] of n.tries.entries()) {
      const tried = v.tried[i]!;
      if (t.referralId === v.referralId || tried.endedBecause || !t.sentAt) continue;
      const d = t.decisions.at(-1)?.decision;
      expect(['ACCEPTED', 'ON_WAITING_LIST']).toContain(d); // the others were withdrawn
    }
  }
}

/**
 * Settled (and a day on, so a gap has been asked about again), with nothing waiting on an operator:
 * each need is referred, or a gap because the directory has no agency left for it; closed early,
 * every referral still standing is withdrawn.
 */
function expectEveryNeedAccountedFor(j: SimulatedJourney): void {
  const closing = j.p.closingReason();
  const view = j.p.needReferralsView()!;
  // Nothing silently idle: a need waits on an agency, an operator, or the directory's next answer.
  if (!closing) for (const v of view) expect(['CHOOSING', 'SENDING']).not.toContain(v.status);
  if (closing && closing !== 'FOLLOW_UP_COMPLETE') {
    for (const n of j.s.needReferrals ?? [])
      n.tries.forEach((t, i) => {
        const ended = view.find((v) => v.pathway === n.pathway)!.tried[i]!.endedBecause;
        if (t.sentAt !== undefined && (!ended || ended.startsWith('withdrawn: the case closed')))
          expect(j.needReferralsSent.get(t.referralId)?.withdrawn).toBe(true);
      });
    for (const v of view) expect(['WITHDRAWN', 'CLOSED']).toContain(v.status);
    expect(j.s.attention.filter((a) => a.status === 'OPEN' && a.action.startsWith('need:'))).toEqual([]);
    return;
  }
  if (closing) return; // follow-up complete: what stands is left with the agencies
  for (const v of view) {
    if (j.p.staffStop(v.pathway)) {
      // Stopped: nothing of it stands with an agency (each try ended: declined or withdrawn by its
      // agency, or withdrawn by the journey, which the service holds), no item of it stays open,
      // no clock of it runs, and it is shown NOT_REFERRED.
      const n = j.p.needReferral(v.pathway);
      (n?.tries ?? []).forEach((t, i) => {
        const ended = v.tried[i]?.endedBecause;
        expect([t.agencyId, ended === undefined]).toEqual([t.agencyId, false]);
        if (t.sentAt !== undefined && ended!.startsWith('withdrawn:'))
          expect(j.needReferralsSent.get(t.referralId)?.withdrawn).toBe(true);
        // Its agency was told who stopped it, as the stop said.
        const stop = j.p.staffStop(v.pathway)!;
        const who = stop.stoppedAs === 'OPERATOR' ? 'an operator' : 'prison staff';
        if (t.sentAt !== undefined && t.withdrawnBecause?.startsWith('stopped by'))
          expect(j.needReferralsSent.get(t.referralId)?.withdrawalReason).toBe(
            `${who} stopped referring the need: ${stop.reason}`,
          );
      });
      expect(
        j.s.attention.filter((a) => a.status === 'OPEN' && a.action.startsWith(`need:${v.pathway}:`)),
      ).toEqual([]);
      expect(
        j.s.deadlines
          .filter((d) => d.status === 'OPEN' && d.key.split(':')[1] === v.pathway)
          .map((d) => d.key),
      ).toEqual([]);
      expect([v.pathway, v.status]).toEqual([v.pathway, 'NOT_REFERRED']);
      continue;
    }
    if (!j.p.needsDue()) {
      // A need referred (or found a gap) before the date moved later stays as it is.
      if (!j.p.needReferral(v.pathway)) expect(v.status).toBe('NOT_YET_DUE');
      continue;
    }
    expect([
      'SENT',
      'ACKNOWLEDGED',
      'ACCEPTED',
      'ON_WAITING_LIST',
      'MORE_INFORMATION_REQUESTED',
      'GAP',
    ]).toContain(v.status);
    if (v.status === 'GAP') {
      const excluded = j.p.needExclusions(v.pathway);
      expect(j.eligible.filter((a) => !excluded.includes(a))).toEqual([]);
      // Prison staff are told by an item.
      // (One open item per gap; a gap that reopened before the journey planned keeps the item it had.)
      expect(
        j.s.attention.filter((a) => a.status === 'OPEN' && a.action.startsWith(`need:${v.pathway}:gap:`)),
      ).toHaveLength(1);
    } else expect(j.needReferralsSent.get(v.referralId!)?.withdrawn).toBe(false);
  }
}

/**
 * The need agencies' appointment clocks (`agency-appointments-1`): each is owed by the agency of a
 * try that accepted the need, is open only while that try stands after a settled release and the
 * case is open, is met only by an attendance that agency recorded; and an accepted try standing
 * after the release is never left without its first-appointment clock.
 */
function expectAppointmentClocksHonest(j: SimulatedJourney): void {
  const tries = (j.s.needReferrals ?? []).flatMap((n) => n.tries.map((t, i) => ({ n, t, no: i + 1 })));
  const standing = (t: (typeof tries)[number]['t']) =>
    !t.withdrawnAt && !t.closure && t.decisions.length > 0 && latestOf(t) === 'ACCEPTED';
  const latestOf = (t: (typeof tries)[number]['t']) =>
    t.decisions.reduce<(typeof t.decisions)[number] | undefined>(
      (l, d) => (!l || Date.parse(d.decidedAt) >= Date.parse(l.decidedAt) ? d : l),
      undefined,
    )?.decision;
  const released = j.s.release !== undefined && Date.parse(j.s.release.settlesAt) <= j.t;
  for (const d of j.s.deadlines) {
    const [kind, pathway, no] = d.key.split(':');
    if (kind !== 'needFirstAppointment' && kind !== 'needMissedFollowUp') continue;
    const found = tries.find((x) => x.n.pathway === pathway && x.no === Number(no));
    expect(found).toBeDefined();
    const { t } = found!;
    expect(d.owedBy).toBe(`agency:${t.agencyId}`);
    expect(t.decisions.some((x) => x.decision === 'ACCEPTED')).toBe(true);
    if (d.status === 'OPEN') {
      expect([d.key, standing(t), released, j.p.closingReason()]).toEqual([d.key, true, true, undefined]);
    }
    if (d.metAt !== undefined)
      expect(
        (j.s.agencyAttendances ?? []).some(
          (a) => a.referralId === t.referralId && a.attendedAt === d.metAt && a.attendance !== 'NO',
        ),
      ).toBe(true);
  }
  if (!released || j.p.closingReason()) return;
  for (const { n, t, no } of tries)
    if (t.sentAt && standing(t))
      expect([
        n.pathway,
        no,
        j.s.deadlines.some((d) => d.key.startsWith(`needFirstAppointment:${n.pathway}:${no}:`)),
      ]).toEqual([n.pathway, no, true]);
}

/**
 * With no main referral (`need-agency-notices-1`), settled and open: while a need agency stands,
 * nothing it should hear is left untold; every notice went to an agency the journey had referred a
 * need to.
 */
function expectNeedAgenciesTold(j: SimulatedJourney): void {
  if (j.s.referralId) return;
  const referredTo = new Set((j.s.needReferrals ?? []).flatMap((n) => n.tries.map((t) => t.agencyId)));
  for (const n of j.notices) expect(referredTo.has(n.agencyId)).toBe(true);
  if (j.p.closingReason() || j.p.noticeRecipient() === undefined) return;
  expect(j.p.nextNotice()).toBeUndefined();
  expect(j.s.told).toMatchObject({ liberationDate: j.p.liberationDate() });
}

/** Lets the journey finish, then a day on (a gap asked about again), and finish again. */
function settle(j: SimulatedJourney): void {
  j.run();
  j.advance(NEED_GAP_RETRY_MS + HOUR);
  j.run();
}

function needsEndReferred(sc: NeedScenario, order?: number[]): void {
  const j = screened(sc, order);
  applyNeedOps(j, sc.ops);
  settle(j);
  expect(j.inFlight.size).toBe(0);
  expectServiceAgrees(j);
  expectCoolOffKept(j);
  expectEveryNeedAccountedFor(j);
  expectAppointmentClocksHonest(j);
  expectNeedAgenciesTold(j);
}

function needFailuresAreNeverLost(sc: NeedScenario, failures: boolean[], order?: number[]): void {
  const j = screened(sc, order);
  let k = 0;
  const effects = ['chooseNeedAgency', 'sendNeedReferral', 'withdrawNeedReferral'];
  j.failing = (a) => effects.includes(a.kind) && failures[k++ % failures.length] === true;
  applyNeedOps(j, sc.ops);
  j.run();
  for (const line of j.log.filter((l) => l.includes(' FAILED ')))
    expect(j.s.attention.some((a) => line.endsWith(` FAILED ${a.action}`))).toBe(true);
  // A need whose step waits on an operator says so, never silently idle.
  if (!j.p.closingReason())
    for (const v of j.p.needReferralsView() ?? []) {
      expect(['CHOOSING', 'SENDING']).not.toContain(v.status);
      if (v.status === 'NEEDS_ATTENTION')
        expect(
          j.s.attention.some((a) => a.status === 'OPEN' && a.action.startsWith(`need:${v.pathway}:`)),
        ).toBe(true);
    }
  retryAll(j);
  settle(j);
  retryAll(j);
  expect(j.inFlight.size).toBe(0);
  expectServiceAgrees(j);
  expectCoolOffKept(j);
  expectEveryNeedAccountedFor(j);
  expectAppointmentClocksHonest(j);
  expectNeedAgenciesTold(j);
}

/** Scenarios per property: a quick sample in `./throughcare test`, more with PLANNER_PROPERTY_RUNS. */
const runs = Number(process.env.PLANNER_PROPERTY_RUNS ?? 60);
const answerOrder = fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 32 });
const failures = fc.array(fc.boolean(), { minLength: 8, maxLength: 64 });

describe('one referral per need (properties over random answers, listings and closures)', () => {
  it('refers every need, or shows a gap only when no eligible agency is left; withdraws what stands at an early closure', () => {
    fc.assert(
      fc.property(scenario, (sc) => needsEndReferred(sc)),
      { numRuns: runs },
    );
  });

  it('with the services answering in any order (effect lanes)', () => {
    fc.assert(
      fc.property(scenario, answerOrder, (sc, order) => needsEndReferred(sc, order)),
      { numRuns: runs },
    );
  });

  it('never loses a need step that fails for good, and once retried ends as above', () => {
    fc.assert(
      fc.property(scenario, failures, answerOrder, (sc, f, order) => needFailuresAreNeverLost(sc, f, order)),
      { numRuns: runs },
    );
  });
});

describe('one referral per need: counterexamples the properties found, pinned', () => {
  // Found at 507570b: a need chosen but not yet sent when the date moved past release planning
  // showed SENDING with nothing running; it waits for planning to open again (NOT_YET_DUE).
  it('a need added, then the release date moved three months later: no need is left choosing or sending (seed -146068791)', () => {
    needsEndReferred({
      jurisdiction: 'SCOTLAND',
      releaseInDays: 20,
      needs: ['DRUGS_AND_ALCOHOL'],
      eligible: ['ag-1'],
      noMainAgency: false,
      ops: [
        { kind: 'addNeed', pathway: 'ACCOMMODATION' },
        { kind: 'stepOnce' },
        { kind: 'dateChange', days: 91 },
        { kind: 'stepOnce' },
      ],
    });
  });

  // Found by CI at c4e351a: an earlier agency taking the need back after the date moved later left
  // the later agency's referral standing beside it (`need-superseded-undue-1`).
  const takenBack: NeedScenario = {
    jurisdiction: 'SCOTLAND',
    releaseInDays: 20,
    needs: ['ACCOMMODATION'],
    eligible: ['ag-2', 'ag-1'],
    noMainAgency: false,
    ops: [
      { kind: 'decide', need: 0, earlier: false, decision: 'DECLINED' },
      { kind: 'run' },
      { kind: 'dateChange', days: 91 },
      { kind: 'decide', need: 0, earlier: true, decision: 'ACCEPTED' },
      { kind: 'run' },
    ],
  };
  it('a need declined, referred on, the date moved three months later, then the first agency accepts: the other referral is withdrawn (seed 308534901)', () => {
    needsEndReferred(takenBack);
    const j = screened(takenBack);
    applyNeedOps(j, takenBack.ops);
    const [first, second] = j.p.needReferral('ACCOMMODATION')!.tries;
    expect([first!.withdrawnAt, second!.withdrawnBecause]).toEqual([
      undefined,
      `${first!.agencyId} took the need on`,
    ]);
    expect(j.needReferralsSent.get(second!.referralId)).toMatchObject({
      withdrawn: true,
      withdrawalReason: 'another agency took the need on',
    });
  });
  it('old branch (a journey replayed from before need-superseded-undue-1): the other referral stands until the needs are due', () => {
    const j = screened(takenBack, undefined, [NEED_SUPERSEDED_UNDUE_PATCH]);
    applyNeedOps(j, takenBack.ops);
    const second = j.p.needReferral('ACCOMMODATION')!.tries[1]!;
    expect([second.sentAt !== undefined, second.withdrawnAt]).toEqual([true, undefined]);
    expect(j.needReferralsSent.get(second.referralId)?.withdrawn).toBe(false);
  });
});
