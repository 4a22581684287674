import fc from 'fast-check';
import { isWorkingDay, localDateOf } from '@throughcare/domain';
import type { Told } from './journey-state';
import type { Action } from './planner';
import {
  apply,
  inputFor,
  PRISONS,
  reference,
  retryAll,
  settle,
  setUp,
  SimulatedJourney,
  type Applied,
  type Op,
} from './journey-simulation.spec-support';

/**
 * What the README claims of journey v2, proved over random sequences and interleavings of facts
 * on the pure core (planner + fact rules + outcome recorders) against simulated services:
 * - a change of plan arriving at any moment, even between two effects, ends in the same plan as
 *   when the final facts are known at once: the same gate pick-up and pre-release meeting, the
 *   same number of visits at the right prison before the meeting, and the agency believing the
 *   same things;
 * - each agency is told once per change: every notice tells it something it did not believe, and
 *   what it received adds up to the truth;
 * - no booking is left orphaned (every booking live at a service is one the journey holds) and no
 *   slot is booked twice;
 * - a step that fails for good is never silent: it is an open attention item, and once retried
 *   the journey ends where it would have without the failure;
 * - the journey always settles (no action repeats for ever).
 */

const fact: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('dateChange' as const),
      days: fc.integer({ min: 3, max: 150 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), to: fc.constantFrom(...PRISONS) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reverseTransfer' as const }) },
  // A transfer recorded to the wrong prison, corrected in place (movement-correction-1): ends as a
  // transfer to the right one would have.
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('correctTransfer' as const), to: fc.constantFrom(...PRISONS) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reverseRelease' as const }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 9, arbitrary: fact },
  // A fact arriving while an effect (planned before it) is in flight.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('during' as const), fact }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdrawConsent' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 30 }) }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'run' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'stepOnce' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'repeatLast' as const }) },
);

const scenario = fc.record({
  jurisdiction: fc.constantFrom('SCOTLAND' as const, 'ENGLAND_AND_WALES' as const),
  /** Days from reception to the expected release: from inside release planning to well before it. */
  releaseInDays: fc.integer({ min: 20, max: 120 }),
  /** Days after reception at which the changes start (the plan is made by then). */
  changesAfterDays: fc.integer({ min: 6, max: 14 }),
  ops: fc.array(op, { minLength: 1, maxLength: 24 }),
});

/**
 * The plan is what is still to come: a booking whose day has gone by is history, held or lapsed,
 * and whether a change of plan since undone marked it cancelled is moot (no day gone by can be
 * booked again). Today's is still plan, unless the two differ only in it: a change undone within
 * the day may have cost a meeting due today that cannot be booked again for today either.
 * Counterexamples of 2026-11-30 and 2026-12-01 compared the history.
 */
const fromToday = (j: SimulatedJourney) => (b: { date?: string }) =>
  b.date === undefined || b.date >= j.p.today();
const afterToday = (j: SimulatedJourney) => (b: { date?: string }) =>
  b.date === undefined || b.date > j.p.today();
const live = (j: SimulatedJourney, kind: string, from = fromToday) =>
  j.s.bookings
    .filter(from(j))
    .filter((b) => b.kind === kind && b.status === 'BOOKED')
    .map((b) => `${b.establishmentCode} ${b.date ?? ''}`)
    .sort();

function expectSamePlan(j: SimulatedJourney, r: SimulatedJourney): void {
  expect(j.s.expectedReleaseDate).toBe(r.s.expectedReleaseDate);
  expect(j.p.establishment()).toBe(r.p.establishment());
  expect(j.p.released()).toBe(r.p.released());
  // Once released, a gate pick-up whose booking failed before the release is moot (not rebooked).
  // A journey may also hold the pick-up at the prison released from, on the day, where the
  // reference (whose transfer and release settled at once) had its pick-up at the old prison,
  // cancelled since pickup-release-prison-1.
  if (j.p.released()) {
    const atRelease = `${j.s.release!.establishmentCode} ${localDateOf(new Date(j.s.release!.releasedAt))}`;
    for (const g of live(j, 'GATE_PICKUP')) if (g !== atRelease) expect(live(r, 'GATE_PICKUP')).toContain(g);
  } else expect(live(j, 'GATE_PICKUP')).toEqual(live(r, 'GATE_PICKUP'));
  // The meeting: the same one, or one booked earlier that still serves (kept, not moved, so the
  // people meeting are not asked to move it again): at the prison, on a working day after the
  // day it was booked and before liberation.
  const meetings = (x: SimulatedJourney, from = fromToday) => live(x, 'PRE_RELEASE_MEETING', from).length;
  const wantsMeeting = (x: SimulatedJourney) =>
    x.p.wantedBookings().wanted.some((w) => w.kind === 'PRE_RELEASE_MEETING');
  if (meetings(j) === meetings(r) + 1 && !wantsMeeting(r)) {
    // The other way round, once: a meeting booked while the summary review was due, and the release
    // then moved later so that it is not due yet. The reference, told only the final date, books
    // the meeting when the review is done or due; the journey keeps the one it has while it still
    // serves (counterexample of 2026-12-03, seed 902031319): at the prison, on a working day, by
    // its due day and before liberation.
    const [kept] = j.s.bookings
      .filter(fromToday(j))
      .filter((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED');
    expect(j.p.wantedBookings().fits(kept!)).toBeNull();
    expect(kept!.establishmentCode).toBe(j.p.establishment());
    expect(isWorkingDay(j.input.jurisdiction, kept!.date!)).toBe(true);
    expect(kept!.date! < j.p.liberationDate()).toBe(true);
  } else if (meetings(j) !== meetings(r)) {
    // Only one way round: the journey lost a meeting due today that the reference kept (cancelled by
    // a change since undone; today cannot be booked again), and the meetings still to come agree.
    const todays = r.s.bookings.filter(
      (b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED' && b.date === r.p.today(),
    );
    expect(meetings(j)).toBeLessThan(meetings(r));
    expect(todays).toHaveLength(1);
    expect(
      j.s.bookings.some(
        (b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'CANCELLED' && b.date === todays[0]!.date,
      ),
    ).toBe(true);
    expect(live(j, 'PRE_RELEASE_MEETING', afterToday)).toEqual(live(r, 'PRE_RELEASE_MEETING', afterToday));
  }
  const kept = j.s.bookings
    .filter(fromToday(j))
    .find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED');
  const chosen = r.s.bookings
    .filter(fromToday(r))
    .find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED');
  if (kept && chosen && kept.date !== chosen.date) {
    const bookedOn = localDateOf(new Date(j.bookings.get(kept.bookingId)!.bookedAt));
    expect(kept.establishmentCode).toBe(j.p.establishment());
    expect(isWorkingDay(j.input.jurisdiction, kept.date!)).toBe(true);
    expect(kept.date! > bookedOn && kept.date! < j.p.liberationDate()).toBe(true);
  }
  expect(live(j, 'FIRST_APPOINTMENT')).toHaveLength(live(r, 'FIRST_APPOINTMENT').length);
  // Visits: a visit still fitting is kept rather than moved, so the days may differ; the number,
  // the prison and the window may not.
  // Visits booked count towards the policy's number whether their day has come or not; those still
  // to come must be at this prison, on working days, before the meeting.
  const booked = (x: SimulatedJourney) =>
    x.s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED');
  const visits = booked(j).filter(fromToday(j));
  const meeting = j.s.bookings
    .filter(fromToday(j))
    .find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED')?.date;
  // With the meeting on the same day, as many visits; a meeting kept on another day leaves more or
  // fewer days for them, never more than the policy's number.
  // (Counted in all, from today, or after today: the two may differ only in visits whose day has
  // come, kept on one side and cancelled by a change since undone on the other.)
  const counts = (x: SimulatedJourney) => [
    booked(x).length,
    booked(x).filter(fromToday(x)).length,
    booked(x).filter(afterToday(x)).length,
  ];
  if (meeting === chosen?.date && !counts(j).some((n, i) => n === counts(r)[i]))
    expect(counts(j)).toEqual(counts(r));
  expect(booked(j).length).toBeLessThanOrEqual(j.ctx.visitsWanted);
  for (const v of visits) {
    expect(v.establishmentCode).toBe(j.p.establishment());
    expect(isWorkingDay(j.input.jurisdiction, v.date!)).toBe(true);
    if (v.date! > j.p.today()) expect(v.date! < (meeting ?? j.p.liberationDate())).toBe(true);
  }
  // What the agency believes of a person in custody (once out, the appointment is what matters).
  const belief = (x: SimulatedJourney) =>
    x.s.told?.closed
      ? { closed: true }
      : x.s.told?.custody === 'IN'
        ? {
            custody: 'IN',
            establishmentCode: x.s.told.establishmentCode,
            liberationDate: x.s.told.liberationDate,
          }
        : x.s.told && { custody: 'OUT' };
  expect(belief(j)).toEqual(belief(r));
}

function expectNothingOrphaned(j: SimulatedJourney): void {
  const heldByJourney = j.s.bookings
    .filter((b) => b.status === 'BOOKED')
    .map((b) => b.bookingId)
    .sort();
  expect(
    j
      .liveInWorld()
      .map((b) => b.bookingId)
      .sort(),
  ).toEqual(heldByJourney);
  const slots = j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => b.slot);
  expect(new Set(slots).size).toBe(slots.length);
}

/** Each notice told the agency something it did not believe; together they add up to the truth. */
/**
 * Each notice told the agency something it did not believe, naming what it believed (each notice's
 * "previous" value is the one the agency had from the referral and the notices before it); folded
 * over the referral's baseline, the notices add up to the truth.
 */
function expectToldOncePerChange(j: SimulatedJourney, baseline: Told | undefined, changes: number): void {
  if (!j.s.told || !baseline) {
    expect(j.notices).toHaveLength(0);
    return;
  }
  const belief = { ...baseline, closed: false };
  for (const n of j.notices) {
    const f = n.fields;
    switch (n.subject) {
      case 'LIBERATION_DATE_CHANGED':
        expect(f.previousLiberationDate).toBe(belief.liberationDate);
        expect(f.liberationDate).not.toBe(belief.liberationDate);
        belief.liberationDate = f.liberationDate!;
        // A meeting named (meeting-in-notice-1) is one the prison holds booked.
        if (f.preReleaseMeetingDate !== undefined)
          expect(j.meetingsBookedAtNotice.get(n)).toContain(
            `${f.preReleaseMeetingDate} ${f.preReleaseMeetingEstablishmentCode}`,
          );
        break;
      case 'TRANSFERRED':
        expect(f.previousEstablishmentCode).toBe(belief.establishmentCode);
        expect(f.establishmentCode).not.toBe(belief.establishmentCode);
        belief.establishmentCode = f.establishmentCode!;
        break;
      case 'MOVEMENT_REVERSED':
        if (f.previousEstablishmentCode !== undefined) {
          expect(f.previousEstablishmentCode).toBe(belief.establishmentCode);
          belief.establishmentCode = f.establishmentCode!;
        } else {
          belief.establishmentCode = f.establishmentCode!;
          belief.liberationDate = f.liberationDate!;
        }
        break;
      case 'PRE_RELEASE_MEETING_IMPOSSIBLE':
        expect(f.liberationDate).toBe(belief.liberationDate);
        break;
      default:
        expect(belief.closed).toBe(false); // a closing notice is sent once
        belief.closed = true;
    }
  }
  if (j.s.told.custody === 'IN' && !j.p.closingReason()) {
    expect(belief.establishmentCode).toBe(j.p.establishment());
    expect(belief.liberationDate).toBe(j.p.liberationDate());
  }
  if (j.p.closingReason() && j.p.closingReason() !== 'FOLLOW_UP_COMPLETE') expect(belief.closed).toBe(true);
  // At most one notice per change told (a change undone before it was told needs none).
  expect(j.notices.filter((n) => n.subject !== 'PRE_RELEASE_MEETING_IMPOSSIBLE').length).toBeLessThanOrEqual(
    changes,
  );
}

/** An item the journey raised about the plan applies to the plan as it now is (or the case moved on). */
function expectNoStaleItems(j: SimulatedJourney): void {
  const toPlan = !j.p.closingReason() && j.p.inCustody() && !j.p.meetingHeld();
  if (!toPlan) return;
  const open = j.s.attention.filter((a) => a.status === 'OPEN');
  const meeting = j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED');
  for (const item of open.filter((a) => a.action.startsWith('meeting-impossible:'))) {
    expect(item.action).toBe(`meeting-impossible:${j.p.liberationDate()}`);
    expect(meeting).toBeUndefined();
  }
  for (const item of open.filter((a) => a.action.startsWith('visits-short:'))) {
    const visits = j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status !== 'CANCELLED');
    expect(visits.length).toBeLessThan(j.ctx.visitsWanted);
    if (meeting) expect(item.action).toBe(`visits-short:${meeting.date}`);
  }
}

/** Scenarios per property: a quick sample in `./throughcare test`, more with PLANNER_PROPERTY_RUNS. */
const runs = Number(process.env.PLANNER_PROPERTY_RUNS ?? 60);

type Scenario = {
  jurisdiction: 'SCOTLAND' | 'ENGLAND_AND_WALES';
  releaseInDays: number;
  changesAfterDays: number;
  ops: Op[];
};
/** The order in which lanes in flight answer (lanes mode), from a drawn list of choices. */
const answerOrder = fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 32 });
function withLanes(j: SimulatedJourney, order: number[] | undefined): void {
  if (!order) return;
  let i = 0;
  j.lanes = { pick: () => order[i++ % order.length]! };
}

function changesEndInTheFinalPlan(
  { jurisdiction, releaseInDays, changesAfterDays, ops }: Scenario,
  order?: number[],
): void {
  const input = inputFor(jurisdiction, releaseInDays);
  const j = new SimulatedJourney(input);
  setUp(j, changesAfterDays);
  withLanes(j, order);
  const baseline = j.s.told && { ...j.s.told };
  const applied: Applied = { changes: 0 };
  apply(j, ops, applied);
  const at = j.t;
  settle(j);
  expect(j.inFlight.size).toBe(0);
  expectNothingOrphaned(j);
  expectToldOncePerChange(j, baseline, applied.changes);
  expectNoStaleItems(j);
  const r = reference(input, changesAfterDays, j, at);
  expectSamePlan(j, r);
  expect(j.s.attention.filter((a) => a.status === 'OPEN' && a.options.includes('RETRY'))).toEqual([]);
}

function failuresAreNeverLost(
  { jurisdiction, releaseInDays, changesAfterDays, ops }: Scenario,
  failures: boolean[],
  order?: number[],
): void {
  const input = inputFor(jurisdiction, releaseInDays);
  const j = new SimulatedJourney(input);
  setUp(j, changesAfterDays);
  withLanes(j, order);
  let k = 0;
  const effects: Action['kind'][] = ['book', 'cancel', 'notify', 'request', 'sendReferral', 'enter'];
  j.failing = (a) => effects.includes(a.kind) && failures[k++ % failures.length] === true;
  const applied: Applied = { changes: 0 };
  apply(j, ops, applied);
  const at = j.t;
  settle(j);
  // Nobody silently lost: a booking the journey gave up on while the service still holds it
  // is an open item; so is every step that failed.
  const held = new Set(j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => b.bookingId));
  for (const b of j.liveInWorld().filter((x) => !held.has(x.bookingId)))
    expect(j.p.openAttention(`cancel:${b.bookingId}`)).toBeDefined();
  for (const line of j.log.filter((l) => l.includes(' FAILED ')))
    expect(j.s.attention.some((a) => line.endsWith(` FAILED ${a.action}`))).toBe(true);
  retryAll(j);
  expect(j.inFlight.size).toBe(0);
  expectNothingOrphaned(j);
  const r = reference(input, changesAfterDays, j, at);
  expectSamePlan(j, r);
}

const failures = fc.array(fc.boolean(), { minLength: 8, maxLength: 64 });

/**
 * Counterexamples the properties found, run first every time. 2026-11-30 (seed -12991621): at
 * 07:00 the day after a pre-release meeting (still waiting for its "held" report), the release
 * moved out of the planning window and then back to a date already gone by. The journey had
 * cancelled the meeting at the first move and then found a meeting impossible; told the final date
 * at once it kept it (fixed by `meeting-day-come-1`).
 */
const meetingDayGoneBy: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 23,
  changesAfterDays: 10,
  ops: [
    { kind: 'dateChange', days: 95 },
    { kind: 'stepOnce' },
    { kind: 'dateChange', days: 3 },
    { kind: 'repeatLast' },
  ],
};
/**
 * 2026-12-01 (found in review): the same meeting, its day gone by (or come, at changesAfterDays 9),
 * the release moved out of planning, then a transfer that settled and was reversed. The journey
 * cancelled the meeting as "person moved" and could not book it again with planning closed; told
 * the final facts at once it kept it. A day gone by is history on both sides: the properties compare
 * the plan still to come (`fromToday`).
 */
const meetingDayComeTransferReversed = (changesAfterDays: number): Scenario => ({
  jurisdiction: 'SCOTLAND',
  releaseInDays: 23,
  changesAfterDays,
  ops: [
    { kind: 'dateChange', days: 95 },
    { kind: 'run' },
    { kind: 'transfer', to: 'EDI' },
    { kind: 'advance', minutes: 30 },
    { kind: 'advance', minutes: 30 },
    { kind: 'run' },
    { kind: 'reverseTransfer' },
    { kind: 'run' },
  ],
});
/**
 * 2026-12-01: the release moved into the past while an effect was in flight (the meeting due today
 * cancelled, none possible), then to two days ahead: the journey booked the meeting again for the
 * next working day; told the final date at once it kept today's (both serve).
 */
const meetingTodayThenPastThenSoon: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 20,
  changesAfterDays: 7,
  ops: [
    { kind: 'during', fact: { kind: 'dateChange', days: 3 } },
    { kind: 'run' },
    { kind: 'dateChange', days: 9 },
  ],
};
/** 2026-12-01: as above, the release moved into the past and back, a visit's day gone by. */
const visitDayGoneBy: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 22,
  changesAfterDays: 7,
  ops: [{ kind: 'dateChange', days: 3 }, { kind: 'run' }, { kind: 'dateChange', days: 8 }],
};
/**
 * 2026-12-01 (seed -1065395225, 1 run in about 2,500): the day after a meeting still waiting for
 * its "held" report, a transfer settled and its cancellation of the meeting ("person moved") was in
 * flight when the transfer was reversed; the journey then booked a second meeting. Told the final
 * facts at once it kept the first. Fixed by `meeting-day-gone-1`: a meeting whose day has gone by
 * stays at its prison when the person moves.
 */
const meetingGoneByTransferReversed: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 20,
  changesAfterDays: 8,
  ops: [
    { kind: 'transfer', to: 'LOW' },
    { kind: 'advance', minutes: 23 },
    { kind: 'advance', minutes: 5 },
    { kind: 'advance', minutes: 17 },
    { kind: 'during', fact: { kind: 'reverseTransfer' } },
  ],
};
/**
 * 2026-12-03 (seed 902031319, run 69 of 400): the release moved so that the summary review was due
 * (the meeting booked), then later again; the journey keeps the meeting, the reference (told the
 * final date only) does not book one yet. The model now accepts the kept meeting while it serves.
 */
const meetingKeptReviewNotDue: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 91,
  changesAfterDays: 6,
  ops: [
    { kind: 'dateChange', days: 56 },
    { kind: 'run' },
    { kind: 'dateChange', days: 64 },
    { kind: 'reverseTransfer' },
  ],
};
/**
 * 2026-12-03 (run 60 of 60): liberation moved to today, a transfer to EDI and 25 minutes later the
 * release from EDI, both settled by the next run (two hours on). The gate pick-up stayed booked at
 * BAR, where the person was not released from; since `pickup-release-prison-1` it is cancelled.
 */
const pickupLeftAtOldPrison: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 20,
  changesAfterDays: 8,
  ops: [
    { kind: 'dateChange', days: 8 },
    { kind: 'transfer', to: 'EDI' },
    { kind: 'advance', minutes: 25 },
    { kind: 'release' },
    { kind: 'advance', minutes: 4 },
    { kind: 'advance', minutes: 16 },
  ],
};
/**
 * 2026-12-04 (run 362 of 3,000, seed -1530268166): liberation moved to the day itself, the release
 * told while an effect was in flight, consent withdrawn after it settled: a gate pick-up stayed
 * live that the final facts do not call for.
 */
const pickupAfterReleaseThenConsentWithdrawn: Scenario = {
  jurisdiction: 'SCOTLAND',
  releaseInDays: 20,
  changesAfterDays: 6,
  ops: [
    { kind: 'dateChange', days: 7 },
    { kind: 'during', fact: { kind: 'release' } },
    { kind: 'advance', minutes: 8 },
    { kind: 'run' },
    { kind: 'withdrawConsent' },
    { kind: 'advance', minutes: 10 },
    { kind: 'advance', minutes: 27 },
    { kind: 'stepOnce' },
  ],
};
/** Every pinned counterexample. */
const pinned: Scenario[] = [
  pickupAfterReleaseThenConsentWithdrawn,
  pickupLeftAtOldPrison,
  meetingKeptReviewNotDue,
  meetingGoneByTransferReversed,
  meetingDayGoneBy,
  meetingDayComeTransferReversed(10),
  meetingDayComeTransferReversed(9),
  meetingTodayThenPastThenSoon,
  visitDayGoneBy,
];

describe('journey planner (properties over random facts and interleavings)', () => {
  it('ends every sequence of changes in the plan the final facts call for, told once per change, nothing orphaned', () => {
    fc.assert(
      fc.property(scenario, (sc) => changesEndInTheFinalPlan(sc)),
      { numRuns: runs, examples: pinned.map((sc) => [sc] as [Scenario]) },
    );
  });

  it('never loses a step that fails for good: it is an open item, and once retried the journey ends where it would have', () => {
    fc.assert(
      fc.property(scenario, failures, (sc, f) => failuresAreNeverLost(sc, f)),
      {
        numRuns: runs,
        examples: pinned.map((sc) => [sc, Array<boolean>(8).fill(false)] as [Scenario, boolean[]]),
      },
    );
  });

  describe('with each service a lane of its own (effect-lanes-1): effects in flight in several lanes, answered in any order', () => {
    it('ends in the plan the final facts call for, told once per change, nothing orphaned', () => {
      fc.assert(
        fc.property(scenario, answerOrder, (sc, order) => changesEndInTheFinalPlan(sc, order)),
        { numRuns: runs, examples: pinned.map((sc) => [sc, [0]] as [Scenario, number[]]) },
      );
    });

    it('never loses a step that fails for good, and once retried ends where it would have', () => {
      fc.assert(
        fc.property(scenario, failures, answerOrder, (sc, f, order) => failuresAreNeverLost(sc, f, order)),
        {
          numRuns: runs,
          examples: pinned.map(
            (sc) => [sc, Array<boolean>(8).fill(false), [0]] as [Scenario, boolean[], number[]],
          ),
        },
      );
    });
  });
});
