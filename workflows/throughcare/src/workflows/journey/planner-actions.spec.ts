import type { AttentionOption, Pathway } from '@throughcare/contracts';
import { raised } from './outcomes';
import { createPlanner, RELEASE_NOTICE_PATCH, type Action } from './planner';
import {
  DAY,
  HOUR,
  inputFor,
  setUp,
  SimulatedJourney,
  tellAssessment,
} from './journey-simulation.spec-support';

/**
 * The planner's next action, in order and with its exact payload (stage entries, requests, the
 * agency, the referral, compensations, bookings, notices, closure and hand-over), what the agency
 * is told and when, the attention items the planner raises and closes itself, steps held by an
 * item, and when the journey sleeps until (nextWake). Worked examples on the simulated journey.
 */

const at = (isoInstant: string) => Date.parse(isoInstant);

/** An operator resolves the open item on `action`. */
function resolve(j: SimulatedJourney, action: string, option: AttentionOption, reason?: string): void {
  const item = j.s.attention.find((a) => a.action === action && a.status === 'OPEN');
  if (!item) throw new Error(`no open item on ${action}: ${JSON.stringify(j.s.attention)}`);
  expect(
    j.tell(j.facts.resolveAttention, {
      itemId: item.id,
      option,
      by: 'operator',
      reason,
      resolvedAt: j.now,
      eventId: `resolve-${item.id}`,
    }),
  ).toBe('applied');
}

/** Steps the journey until its next action is of `kind` (returned, not done). */
function stepUntil<K extends Action['kind']>(j: SimulatedJourney, kind: K): Extract<Action, { kind: K }> {
  for (let n = 0; n < 100; n++) {
    const a = j.p.nextAction();
    if (!a) throw new Error(`the journey went idle before a ${kind}:\n${j.log.join('\n')}`);
    if (a.kind === kind) return a as Extract<Action, { kind: K }>;
    j.stepOnce();
  }
  throw new Error(`no ${kind} within 100 actions`);
}

const coreScreen = (j: SimulatedJourney, needs: Pathway[] = ['ACCOMMODATION']) =>
  j.tell(j.facts.coreScreenCompleted, {
    assessmentId: 'asm-CORE_SCREEN-1',
    needs,
    riskOfSeriousHarm: 'LOW',
    completedAt: j.now,
    eventId: 'e-core',
  });
const comprehensiveScreen = (j: SimulatedJourney) =>
  tellAssessment(j, 'COMPREHENSIVE_SCREEN', ['ACCOMMODATION'], 'e-comprehensive');
const dateChange = (j: SimulatedJourney, expectedReleaseDate: string, eventId: string) =>
  j.tell(j.facts.releaseDateChanged, {
    expectedReleaseDate,
    reason: 'HDC_APPROVED',
    changedAt: j.now,
    eventId,
  });
const transfer = (j: SimulatedJourney, to: string, eventId: string) =>
  j.tell(j.facts.transferred, { toEstablishmentCode: to, transferredAt: j.now, eventId });
const reverseLastTransfer = (j: SimulatedJourney, eventId: string) =>
  j.tell(j.facts.movementReversed, {
    movement: 'TRANSFER',
    reversedEventId: j.s.transfers[j.s.transfers.length - 1]!.eventId,
    reversedAt: j.now,
    eventId,
  });
const release = (j: SimulatedJourney, eventId = 'rel') =>
  j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: j.p.establishment(), eventId });

/** A 30-day sentence in Scotland with the release plan made (at 2026-03-08T07:00Z, a Sunday). */
function planned(): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
  setUp(j, 6);
  return j;
}

/** Reception to a referral sent on a long sentence (no release planning for months). */
function longSentence(days: number): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', days));
  j.run();
  j.t = at('2026-03-03T10:00:00.000Z');
  expect(coreScreen(j)).toBe('applied');
  j.run();
  j.t = at('2026-03-05T10:00:00.000Z');
  expect(comprehensiveScreen(j)).toBe('applied');
  j.run();
  return j;
}

/** The same journey state planned by the code before journey v3 (clocks in the main loop). */
const v2PlannerOf = (j: SimulatedJourney) => createPlanner({ ...j.ctx, v3: false }, j.s, () => j.t);

describe('journey planner: what the agency is told, and when', () => {
  it('tells the agency of a settled transfer as the next notice, in words', () => {
    const j = planned();
    expect(transfer(j, 'EDI', 't1')).toBe('applied');
    j.advance(2 * HOUR);
    expect(stepUntil(j, 'notify')).toEqual({
      kind: 'notify',
      action: 'notify:TRANSFERRED:1',
      notice: {
        subject: 'TRANSFERRED',
        message: 'The person has moved from BAR to EDI; visits and meetings are rebooked there.',
        fields: { establishmentCode: 'EDI', previousEstablishmentCode: 'BAR' },
        agencyId: 'agency-1',
        apply: expect.any(Function),
      },
    });
    j.run();
    expect(j.s.told).toMatchObject({ establishmentCode: 'EDI', custody: 'IN' });
    expect(j.notices.map((n) => n.subject)).toEqual(['TRANSFERRED']);
  });

  it('tells the agency a transfer it heard of was recorded in error once it is reversed', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    j.run();
    expect(reverseLastTransfer(j, 'r1')).toBe('applied');
    expect(stepUntil(j, 'notify')).toEqual({
      kind: 'notify',
      action: 'notify:MOVEMENT_REVERSED:2',
      notice: {
        subject: 'MOVEMENT_REVERSED',
        message: 'The transfer to EDI was recorded in error: the person is at BAR.',
        fields: { establishmentCode: 'BAR', previousEstablishmentCode: 'EDI' },
        agencyId: 'agency-1',
        apply: expect.any(Function),
      },
    });
    j.run();
    expect(j.notices.map((n) => [n.subject, n.fields])).toEqual([
      ['TRANSFERRED', { establishmentCode: 'EDI', previousEstablishmentCode: 'BAR' }],
      ['MOVEMENT_REVERSED', { establishmentCode: 'BAR', previousEstablishmentCode: 'EDI' }],
    ]);
    expect(j.s.told?.establishmentCode).toBe('BAR');
  });

  it('on the reversal of a second transfer, tells the agency the person is back at the first one', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    j.run();
    transfer(j, 'GRE', 't2');
    j.advance(2 * HOUR);
    j.run();
    reverseLastTransfer(j, 'r2');
    j.run();
    expect(j.s.notifications.map((n) => n.message)).toEqual([
      'The person has moved from BAR to EDI; visits and meetings are rebooked there.',
      'The person has moved from EDI to GRE; visits and meetings are rebooked there.',
      'The transfer to GRE was recorded in error: the person is at EDI.',
    ]);
  });

  it('announces a transfer as a transfer when the agency believes a place the person has since left', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    j.run();
    // Two more moves, the last undone, all before the journey tells the agency anything.
    transfer(j, 'GRE', 't2');
    j.advance(2 * HOUR);
    transfer(j, 'SHO', 't3');
    j.advance(2 * HOUR);
    reverseLastTransfer(j, 'r3');
    j.run();
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      ['TRANSFERRED', 'The person has moved from BAR to EDI; visits and meetings are rebooked there.'],
      ['TRANSFERRED', 'The person has moved from EDI to GRE; visits and meetings are rebooked there.'],
    ]);
  });

  it('does not call a transfer reversed before it settled an error: the agency never heard of it', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    reverseLastTransfer(j, 'r1'); // before it settled
    transfer(j, 'GRE', 't2');
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.reversals).toEqual([
      expect.objectContaining({ movement: 'TRANSFER', reversedAfterSettling: false }),
    ]);
    expect(j.notices).toEqual([
      {
        agencyId: 'agency-1',
        subject: 'TRANSFERRED',
        fields: { establishmentCode: 'GRE', previousEstablishmentCode: 'BAR' },
      },
    ]);
  });

  it('does not take a reversed release for a reversed transfer when the person is later moved', () => {
    const j = planned();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel',
      reversedAt: j.now,
      eventId: 'rev',
    });
    j.run();
    expect(j.s.reversals).toEqual([
      expect.objectContaining({ movement: 'RELEASE', reversedAfterSettling: true }),
    ]);
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    j.run();
    expect(j.notices.map((n) => [n.subject, n.fields])).toEqual([
      [
        'RELEASED',
        { establishmentCode: 'BAR', liberationDate: '2026-03-08', previousLiberationDate: '2026-04-01' },
      ],
      ['MOVEMENT_REVERSED', { establishmentCode: 'BAR', liberationDate: '2026-04-01' }],
      ['TRANSFERRED', { establishmentCode: 'EDI', previousEstablishmentCode: 'BAR' }],
    ]);
  });

  it('tells a released person’s agency of the release, from the prison released from, and neither of an earlier transfer nor of the release day as a date change', () => {
    const j = planned();
    // Moved, then released before the journey told the agency of the move: since release-notice-1
    // the agency hears of the release itself (from EDI, on the day), before the first appointment.
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    expect(release(j)).toBe('applied');
    j.advance(2 * HOUR);
    j.run();
    expect(j.p.liberationDate()).toBe('2026-03-08');
    expect(j.s.told).toMatchObject({
      custody: 'OUT',
      establishmentCode: 'EDI',
      liberationDate: '2026-03-08',
    });
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      [
        'RELEASED',
        'The person was released from EDI on 2026-03-08 (the liberation date you were last told was 2026-04-01).',
      ],
    ]);
    expect(j.notices).toEqual([
      {
        agencyId: 'agency-1',
        subject: 'RELEASED',
        fields: {
          establishmentCode: 'EDI',
          liberationDate: '2026-03-08',
          previousLiberationDate: '2026-04-01',
        },
      },
    ]);
    // Told before the first appointment was booked.
    const told = j.log.findIndex((l) => l.includes('notify:RELEASED'));
    const booked = j.log.findIndex((l) => l.includes('book:first-appointment'));
    expect([told >= 0, booked > told]).toEqual([true, true]);
  });

  it('before release-notice-1: the agency learns of the release only through the first appointment', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30), [RELEASE_NOTICE_PATCH]);
    setUp(j, 6);
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    expect(release(j)).toBe('applied');
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.adopted).not.toContain(RELEASE_NOTICE_PATCH);
    expect(j.s.told).toMatchObject({
      custody: 'OUT',
      establishmentCode: 'BAR',
      liberationDate: '2026-04-01',
    });
    expect(j.s.notifications).toEqual([]);
    expect(j.notices).toEqual([]);
  });

  it('tells a release only once it has stood its settle window, and not at all if it is reversed within it', () => {
    const j = planned();
    expect(release(j)).toBe('applied');
    j.run();
    expect(j.notices).toEqual([]); // not settled yet
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel',
      reversedAt: j.now,
      eventId: 'rev',
    });
    j.advance(2 * HOUR);
    j.run();
    expect(j.notices).toEqual([]);
    expect(j.s.told).toMatchObject({ custody: 'IN', liberationDate: '2026-04-01' });
    expect(release(j, 'rel-2')).toBe('applied');
    j.advance(2 * HOUR);
    j.run();
    expect(j.notices.map((n) => n.subject)).toEqual(['RELEASED']);
    j.advance(DAY);
    j.run();
    expect(j.notices.map((n) => n.subject)).toEqual(['RELEASED']);
  });

  it('tells the agency once that no working day is left for the pre-release meeting', () => {
    const j = planned();
    expect(dateChange(j, '2026-03-09', 'd1')).toBe('applied'); // a Monday; today is Sunday
    j.run();
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      ['LIBERATION_DATE_CHANGED', 'The liberation date is now 2026-03-09 (was 2026-04-01).'],
      [
        'PRE_RELEASE_MEETING_IMPOSSIBLE',
        'No working day is left for a pre-release meeting before liberation on 2026-03-09; the breach is recorded. Please plan the first appointment now.',
      ],
    ]);
    expect(j.notices.map((n) => n.fields)).toEqual([
      { liberationDate: '2026-03-09', previousLiberationDate: '2026-04-01' },
      { liberationDate: '2026-03-09' },
    ]);
    expect(j.s.told?.meetingImpossibleFor).toEqual(['2026-03-09']);
    j.advance(HOUR);
    expect(j.run()).toBe(0);
    expect(j.p.nextNotice()).toBeUndefined();
  });
});

describe('journey planner: stage entries and clocks', () => {
  it('enters the first stage under its own action, and holds a failed entry until an operator decides', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    expect(j.p.nextAction()).toEqual({
      kind: 'enter',
      action: 'stage:CORE_SCREEN',
      stage: 'CORE_SCREEN',
      record: true,
    });
    j.failing = (a) => a.kind === 'enter';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['stage:CORE_SCREEN', 'OPEN']]);
    // Held: the journey goes on with the rest (the core screen is requested), not the entry.
    expect(j.s.stage).toBe('RECEPTION');
    expect(j.log.filter((l) => l.includes('enter'))).toHaveLength(1);
    expect(j.p.nextAction()).toBeUndefined();
    // Skipped: the stage is entered without a record.
    resolve(j, 'stage:CORE_SCREEN', 'SKIP', 'recorded by hand');
    expect(j.p.nextAction()).toEqual({
      kind: 'enter',
      action: 'stage:CORE_SCREEN',
      stage: 'CORE_SCREEN',
      record: false,
    });
    j.run();
    expect(j.s.stage).toBe('CORE_SCREEN');
  });

  it('leaves due clocks to the clocks’ coroutine since v3; before v3 the main loop records them', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    j.t = at('2026-03-06T09:00:00.000Z'); // the core screen was due by the end of 2026-03-05
    const coreDeadline = j.s.deadlines.find((d) => d.key === 'coreScreen')!;
    expect(j.p.dueClock()).toBe(coreDeadline);
    expect(j.p.nextAction()).toBeUndefined();
    expect(v2PlannerOf(j).nextAction()).toEqual({ kind: 'clock', deadline: coreDeadline });
  });
});

describe('journey planner: the attention items it raises and closes itself', () => {
  it('raises a "no pre-release meeting possible" item at reception when the release is the next day', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 1));
    j.stepOnce();
    expect(j.p.nextAction()).toEqual({
      kind: 'raise',
      action: 'meeting-impossible:2026-03-03',
      mustAct: 'prison:BAR and the community agency',
      failure: {
        type: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        message:
          'no working day is left for the pre-release meeting before liberation on 2026-03-03: plan the first appointment now',
      },
      options: ['SKIP'],
    });
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([
      ['meeting-impossible:2026-03-03', 'OPEN'],
    ]);
    expect(j.s.requests.map((r) => r.kind)).toEqual(['CORE_SCREEN']);
  });

  it('does not ask whether the planner-properties patch applies to raise a first item', () => {
    // `patched()` is asked only where old and new behaviour differ (a replay must ask as the
    // recording did): a first item is raised the same by both.
    const j = new SimulatedJourney(inputFor('SCOTLAND', 1));
    j.stepOnce();
    const asked: string[] = [];
    const p = createPlanner(
      {
        ...j.ctx,
        patched: (id) => {
          asked.push(id);
          return true;
        },
      },
      j.s,
      () => j.t,
    );
    expect(p.nextAction()).toMatchObject({ kind: 'raise', action: 'meeting-impossible:2026-03-03' });
    expect(asked).toEqual([]);
  });

  it('names the agency on the item once there is one', () => {
    const j = planned();
    dateChange(j, '2026-03-09', 'd1');
    expect(stepUntil(j, 'raise')).toEqual({
      kind: 'raise',
      action: 'meeting-impossible:2026-03-09',
      mustAct: 'prison:BAR and agency:agency-1',
      failure: {
        type: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        message:
          'no working day is left for the pre-release meeting before liberation on 2026-03-09: plan the first appointment now',
      },
      options: ['SKIP'],
    });
  });

  it('when the date moves to another impossible day, raises the item for it and closes the old one', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6); // Sunday 2026-03-08
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    dateChange(j, '2026-03-08', 'd2'); // a Sunday: released on Friday 2026-03-06 (CJA 1961 s.23(3), ew-release-day-1)
    expect(stepUntil(j, 'raise')).toMatchObject({ action: 'meeting-impossible:2026-03-06' });
    j.stepOnce();
    const old = j.s.attention.find((a) => a.action === 'meeting-impossible:2026-03-09')!;
    expect(j.p.nextAction()).toEqual({
      kind: 'closeItem',
      item: old,
      reason: 'the liberation date is now 2026-03-06 (see the item for that date)',
    });
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status, a.resolution?.by])).toEqual([
      ['meeting-impossible:2026-03-09', 'RESOLVED', 'throughcare'],
      ['meeting-impossible:2026-03-06', 'OPEN', undefined],
    ]);
  });

  it('closes the item when a meeting is possible again, and raises it again if the date comes back', () => {
    const j = planned();
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    dateChange(j, '2026-04-01', 'd2');
    const item = j.s.attention[0]!;
    expect(stepUntil(j, 'closeItem')).toEqual({
      kind: 'closeItem',
      item,
      reason: 'a pre-release meeting is possible again (liberation on 2026-04-01)',
    });
    j.run();
    expect(item).toMatchObject({ status: 'RESOLVED', resolution: { option: 'SKIP', by: 'throughcare' } });
    dateChange(j, '2026-03-09', 'd3');
    j.run();
    expect(j.s.attention.map((a) => [a.id, a.action, a.status])).toEqual([
      ['att-1', 'meeting-impossible:2026-03-09', 'RESOLVED'],
      ['att-2', 'meeting-impossible:2026-03-09', 'OPEN'],
    ]);
  });

  it('does not raise again an item an operator skipped, nor touch it when the date moves', () => {
    const j = planned();
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    resolve(j, 'meeting-impossible:2026-03-09', 'SKIP', 'first appointment arranged');
    dateChange(j, '2026-04-01', 'd2');
    j.run();
    dateChange(j, '2026-03-09', 'd3');
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status, a.resolution?.by])).toEqual([
      ['meeting-impossible:2026-03-09', 'RESOLVED', 'operator'],
    ]);
  });

  it('raises the item for a new impossible date even when an item for another date was skipped', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    resolve(j, 'meeting-impossible:2026-03-09', 'SKIP', 'first appointment arranged');
    dateChange(j, '2026-03-08', 'd2'); // a Sunday: released on Friday 2026-03-06 (CJA 1961 s.23(3), ew-release-day-1)
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([
      ['meeting-impossible:2026-03-09', 'RESOLVED'],
      ['meeting-impossible:2026-03-06', 'OPEN'],
    ]);
  });

  it('leaves the item open for prison and agency to acknowledge once the person is released', () => {
    const j = planned();
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    j.t = at('2026-03-09T08:00:00.000Z');
    release(j);
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.stage).toBe('FOLLOW_UP');
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([
      ['meeting-impossible:2026-03-09', 'OPEN'],
    ]);
  });

  it('leaves the item open when the case closes, even if the date moved away meanwhile', () => {
    const j = planned();
    dateChange(j, '2026-03-09', 'd1');
    j.run();
    dateChange(j, '2026-04-01', 'd2');
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.s.closureRecorded).toBe(true);
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([
      ['meeting-impossible:2026-03-09', 'OPEN'],
    ]);
  });
});

describe('journey planner: visits that no longer fit before the meeting', () => {
  /** Referral acknowledged on 2026-03-16: only one of the two visits fits before the meeting on 2026-03-18. */
  function lateAcknowledgement(): SimulatedJourney {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    j.t = at('2026-03-03T10:00:00.000Z');
    coreScreen(j);
    j.run();
    j.t = at('2026-03-04T10:00:00.000Z');
    tellAssessment(j, 'SUMMARY_REVIEW', [], 'e-summary');
    j.run();
    j.t = at('2026-03-16T10:00:00.000Z');
    j.run();
    j.tell(j.facts.referralAcknowledged, {
      referralId: 'ref-1',
      acknowledgedAt: j.now,
      acknowledgedBy: 'cjsw-duty',
      eventId: 'e-ack',
    });
    return j;
  }
  const shortItem = {
    kind: 'raise',
    action: 'visits-short:2026-03-18',
    mustAct: 'prison:BAR and agency:agency-1',
    failure: {
      type: 'VISITS_DO_NOT_FIT',
      message:
        'only 1 of the 2 custody visits still needed fit before the pre-release meeting on 2026-03-18: arrange contact another way (seed 000 §4.55)',
    },
    options: ['SKIP'],
  };

  it('books the visit that fits, then raises an item saying how many fit', () => {
    const j = lateAcknowledgement();
    expect(j.p.nextAction()).toEqual({
      kind: 'book',
      action: 'book:visit:2026-03-17',
      wanted: {
        slot: 'visit:2026-03-17',
        kind: 'CJSW_VISIT',
        establishmentCode: 'BAR',
        date: '2026-03-17',
        agencyId: 'agency-1',
      },
    });
    j.stepOnce();
    expect(j.p.nextAction()).toEqual(shortItem);
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['visits-short:2026-03-18', 'OPEN']]);
  });

  it('raises it even with another item on record', () => {
    const j = lateAcknowledgement();
    j.failing = (a) => a.kind === 'book';
    j.stepOnce();
    j.failing = () => false;
    resolve(j, 'book:visit:2026-03-17', 'RETRY');
    j.stepOnce();
    expect(j.p.nextAction()).toEqual(shortItem);
  });

  it('closes the item once the visits fit again (the meeting moved later)', () => {
    const j = lateAcknowledgement();
    j.run();
    const item = j.s.attention[0]!;
    dateChange(j, '2026-06-30', 'd1');
    expect(stepUntil(j, 'closeItem')).toEqual({
      kind: 'closeItem',
      item,
      reason: 'the visits the policy wants fit again',
    });
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status, a.resolution?.by])).toEqual([
      ['visits-short:2026-03-18', 'RESOLVED', 'throughcare'],
    ]);
  });

  it('leaves an item the operator skipped as it is when the visits fit again', () => {
    const j = lateAcknowledgement();
    j.run();
    resolve(j, 'visits-short:2026-03-18', 'SKIP', 'video call arranged');
    dateChange(j, '2026-06-30', 'd1');
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status, a.resolution?.by])).toEqual([
      ['visits-short:2026-03-18', 'RESOLVED', 'operator'],
    ]);
  });

  it('leaves the item open for acknowledgement once the person is released', () => {
    const j = lateAcknowledgement();
    j.run();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.stage).toBe('FOLLOW_UP');
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['visits-short:2026-03-18', 'OPEN']]);
  });
});

describe('journey planner: requests, agency and referral', () => {
  it('asks for the first standard review when its window opens, and the next one after it is done', () => {
    const j = longSentence(730);
    const opens = at('2026-08-05T22:59:59.999Z');
    expect(j.p.nextWake()).toBe(opens);
    j.t = opens - 1;
    expect(j.p.nextAction()).toBeUndefined();
    j.t = opens;
    expect(j.p.nextAction()).toEqual({
      kind: 'request',
      action: 'request:STANDARD_REVIEW:1',
      assessment: 'STANDARD_REVIEW',
      dueAt: '2026-09-02T22:59:59.999Z',
    });
    j.run();
    j.t = at('2026-08-20T10:00:00.000Z');
    tellAssessment(j, 'STANDARD_REVIEW', [], 'r1');
    expect(j.run()).toBe(0);
    expect(j.p.nextWake()).toBe(at('2027-07-23T22:59:59.999Z'));
    j.t = at('2027-07-23T22:59:59.999Z');
    expect(j.p.nextAction()).toEqual({
      kind: 'request',
      action: 'request:STANDARD_REVIEW:2',
      assessment: 'STANDARD_REVIEW',
      dueAt: '2027-08-20T22:59:59.999Z',
    });
  });

  it('holds a standard review request that failed for good', () => {
    const j = longSentence(730);
    j.t = at('2026-08-05T22:59:59.999Z');
    j.failing = (a) => a.kind === 'request';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['request:STANDARD_REVIEW:1', 'OPEN']]);
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('asks for the summary review only after the core screen, even when planning is open at reception', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 10));
    j.run();
    expect(j.s.requests.map((r) => r.kind)).toEqual(['CORE_SCREEN']);
    j.t = at('2026-03-03T10:00:00.000Z');
    coreScreen(j);
    expect(stepUntil(j, 'request')).toEqual({
      kind: 'request',
      action: 'request:COMPREHENSIVE_SCREEN',
      assessment: 'COMPREHENSIVE_SCREEN',
      dueAt: '2026-03-16T23:59:59.999Z',
    });
    j.stepOnce();
    expect(j.p.nextAction()).toEqual({
      kind: 'request',
      action: 'request:SUMMARY_REVIEW',
      assessment: 'SUMMARY_REVIEW',
      dueAt: j.s.deadlines.find((d) => d.key === 'summaryReview')!.dueAt,
    });
    j.stepOnce();
    expect(j.p.nextAction()).toEqual({ kind: 'findAgency', action: 'directory:find-agency' });
    j.stepOnce();
    expect(j.p.nextAction()).toEqual({ kind: 'sendReferral', action: 'referral:send' });
  });

  it.each([
    ['request:COMPREHENSIVE_SCREEN'],
    ['request:SUMMARY_REVIEW'],
    ['directory:find-agency'],
    ['referral:send'],
  ])('holds %s on its item once it failed for good, and does the rest', (action) => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 10));
    j.run();
    j.t = at('2026-03-03T10:00:00.000Z');
    coreScreen(j);
    j.failing = (a) => 'action' in a && a.action === action;
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([[action, 'OPEN']]);
    expect(j.log.filter((l) => l.endsWith(`FAILED ${action}`))).toHaveLength(1);
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('asks the directory again only when the retry time it was given has come', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    j.t = at('2026-03-03T10:00:00.000Z');
    coreScreen(j);
    stepUntil(j, 'findAgency');
    // As the shell does when the directory lists no agency for the area: ask again in a day.
    const retryAt = at('2026-03-04T10:00:00.000Z');
    j.s.agencyRetryAt = new Date(retryAt).toISOString();
    expect(j.p.nextAction()).toBeUndefined();
    expect(j.p.nextWake()).toBe(retryAt);
    j.t = retryAt - 1;
    expect(j.p.nextAction()).toBeUndefined();
    j.t = retryAt;
    expect(j.p.nextAction()).toEqual({ kind: 'findAgency', action: 'directory:find-agency' });
  });

  it('after a liberation from court with no needs, finds an agency for the appointment but sends no referral', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    expect(
      j.facts.receivedAgain({
        ...j.input,
        liberatedFromCourt: { releasedAt: j.now, legalStatus: 'REMAND', eventId: 'court' },
      }),
    ).toBe(true);
    j.run();
    expect(j.log.map((l) => l.slice(25))).toEqual([
      'enter stage:CORE_SCREEN',
      'request request:CORE_SCREEN',
      'enter stage:FOLLOW_UP',
      'findAgency directory:find-agency',
      'book book:first-appointment:court',
    ]);
    expect(j.s.referralId).toBeUndefined();
  });

  it('withdraws the referral on a closure, holding the withdrawal if it fails for good', () => {
    const j = planned();
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    expect(j.p.nextAction()).toEqual({
      kind: 'withdrawReferral',
      action: 'referral:withdraw',
      closing: 'CONSENT_WITHDRAWN',
    });
    j.failing = (a) => a.kind === 'withdrawReferral';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['referral:withdraw', 'OPEN']]);
    expect(j.s.referralWithdrawn).toBeUndefined();
    expect(j.s.closureRecorded).toBe(true);
  });

  it('does not withdraw the referral when the follow-up window ends: the case closes as complete', () => {
    const j = planned();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    const ends = j.p.nextWake()!;
    expect(new Date(ends).toISOString()).toBe('2026-07-05T22:59:59.999Z');
    j.t = ends;
    expect(j.p.closingReason()).toBe('FOLLOW_UP_COMPLETE');
    j.run();
    expect(j.s).toMatchObject({
      closureReason: 'FOLLOW_UP_COMPLETE',
      closureRecorded: true,
      stage: 'CLOSED',
    });
    expect(j.s.referralWithdrawn).toBeUndefined();
    expect(j.log.some((l) => l.includes('withdrawReferral'))).toBe(false);
    expect(j.notices.map((n) => n.subject)).toEqual(['RELEASED']); // the release, and no closure notice
  });
});

describe('journey planner: bookings', () => {
  it('cancels the bookings that no longer fit newest first', () => {
    const j = planned();
    const live = j.s.bookings.filter((b) => b.status === 'BOOKED');
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    const newest = live[live.length - 1]!;
    expect(stepUntil(j, 'cancel')).toEqual({
      kind: 'cancel',
      booking: newest,
      because: 'person moved from BAR to EDI',
    });
    const order: string[] = [];
    for (let a = j.p.nextAction(); a?.kind === 'cancel' && order.length < 10; a = j.p.nextAction()) {
      order.push(a.booking.bookingId);
      j.stepOnce();
    }
    expect(order).toEqual(live.map((b) => b.bookingId).reverse());
  });

  it('names each booking action after its slot, and holds one that failed for good', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 10));
    j.stepOnce();
    j.stepOnce();
    expect(j.p.nextAction()).toEqual({
      kind: 'book',
      action: 'book:gate-pickup',
      // Due Thursday 2026-03-12: the 1993 rule leaves a Thursday alone (scotland-release-day-1).
      wanted: { slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: 'BAR', date: '2026-03-12' },
    });
    j.failing = (a) => a.kind === 'book';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['book:gate-pickup', 'OPEN']]);
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('when the case closes after release, keeps the gate pick-up of the release day and cancels the rest', () => {
    const j = planned();
    j.t = at('2026-04-01T08:00:00.000Z');
    j.run();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    const pickup = j.s.bookings.find((b) => b.kind === 'GATE_PICKUP' && b.status === 'BOOKED')!;
    expect(pickup.date).toBe('2026-04-01');
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(pickup.status).toBe('BOOKED');
    expect(
      j.s.bookings.filter((b) => b.kind === 'FIRST_APPOINTMENT').map((b) => [b.status, b.cancelledBecause]),
    ).toEqual([['CANCELLED', 'case closed (CONSENT_WITHDRAWN)']]);
  });

  it('tries a failed compensation again only when an operator asks, with its first reason', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    const meeting = j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
    j.failing = (a) => a.kind === 'cancel' && a.booking === meeting;
    j.run();
    j.failing = () => false;
    expect(meeting).toMatchObject({ status: 'CANCELLED', cancelFailed: 'SIMULATED: failed for good' });
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([[`cancel:${meeting.bookingId}`, 'OPEN']]);
    expect(j.p.nextAction()).toBeUndefined();
    resolve(j, `cancel:${meeting.bookingId}`, 'RETRY');
    expect(j.p.nextAction()).toEqual({
      kind: 'cancel',
      booking: meeting,
      because: 'person moved from BAR to EDI',
    });
    j.run();
    expect(meeting.cancelFailed).toBeUndefined();
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('does not try again a failed compensation the operator skipped, nor one recorded before attention items', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    const meeting = j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
    j.failing = (a) => a.kind === 'cancel' && a.booking === meeting;
    j.run();
    j.failing = () => false;
    resolve(j, `cancel:${meeting.bookingId}`, 'SKIP', 'cancelled by phone');
    expect(j.p.nextAction()).toBeUndefined();
    // A state carried from before attention items: a failed compensation with no item.
    const visit = j.s.bookings.find((b) => b.kind === 'CJSW_VISIT')!;
    visit.cancelFailed = 'HTTP 404: unknown booking';
    expect(j.p.nextAction()).toBeUndefined();
  });
});

describe('journey planner: notices held, skipped, and the end of the case', () => {
  it('holds a notice that failed for good, and records it as not sent when an operator skips it', () => {
    const j = planned();
    transfer(j, 'EDI', 't1');
    j.advance(2 * HOUR);
    j.failing = (a) => a.kind === 'notify';
    j.run();
    j.failing = () => false;
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['notify:TRANSFERRED:1', 'OPEN']]);
    expect(j.p.nextAction()).toBeUndefined();
    resolve(j, 'notify:TRANSFERRED:1', 'SKIP', 'phoned the agency');
    expect(j.p.nextAction()).toEqual({
      kind: 'skipNotice',
      action: 'notify:TRANSFERRED:1',
      notice: expect.objectContaining({ subject: 'TRANSFERRED' }),
    });
    j.run();
    expect(j.notices).toEqual([]);
    expect(j.s.notifications.map((n) => n.message)).toEqual([
      '(not sent: skipped by an operator, phoned the agency) The person has moved from BAR to EDI; visits and meetings are rebooked there.',
    ]);
    expect(j.s.told?.establishmentCode).toBe('EDI');
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('records the closure as its own step, held if it fails for good, and then sleeps', () => {
    const j = planned();
    j.tell(j.facts.caseCloseRequested, {
      reason: 'OTHER',
      requestedAt: j.now,
      note: 'moved abroad',
      eventId: 'x',
    } as never);
    expect(stepUntil(j, 'close')).toEqual({ kind: 'close', action: 'case:close', closing: 'OTHER' });
    j.failing = (a) => a.kind === 'close';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['case:close', 'OPEN']]);
    expect(j.s.closureRecorded).toBeUndefined();
    expect(j.p.nextAction()).toBeUndefined();
    j.failing = () => false;
    resolve(j, 'case:close', 'RETRY');
    j.run();
    expect(j.s).toMatchObject({ closureRecorded: true, stage: 'CLOSED' });
    // Closed and not returned to custody: nothing to hand over, no timer.
    expect(j.p.nextAction()).toBeUndefined();
    expect(j.s.nextEpisodeHandedOver).toBeUndefined();
    expect(j.p.nextWake()).toBeUndefined();
  });

  it('on a return to custody, closes the case and then hands over to the next episode, once', () => {
    const j = planned();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    j.advance(DAY);
    expect(
      j.tell(j.facts.returnedToCustody, {
        reason: 'RECALL',
        receivedAt: j.now,
        establishmentCode: 'EDI',
        newEpisode: 2,
        sentenceDate: '2026-03-09',
        sentenceLengthDays: 60,
        expectedReleaseDate: '2026-05-01',
        eventId: 'ret',
      } as never),
    ).toBe('applied');
    expect(stepUntil(j, 'handOver')).toEqual({ kind: 'handOver', action: 'episode:next' });
    expect(j.s.closureRecorded).toBe(true);
    j.stepOnce();
    expect(j.s.nextEpisodeHandedOver).toBe(true);
    expect(j.p.nextAction()).toBeUndefined();
  });

  it('holds the hand-over while its item is open', () => {
    const j = planned();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    j.advance(DAY);
    j.tell(j.facts.returnedToCustody, {
      reason: 'NEW_SENTENCE',
      receivedAt: j.now,
      establishmentCode: 'EDI',
      newEpisode: 2,
      sentenceDate: '2026-03-09',
      sentenceLengthDays: 60,
      expectedReleaseDate: '2026-05-01',
      eventId: 'ret',
    } as never);
    stepUntil(j, 'handOver');
    // As the shell does when the hand-over fails for good.
    raised(j.s, 'episode:next', 'orchestrator (next episode)', { message: 'start failed' }, ['RETRY'], j.now);
    expect(j.p.nextAction()).toBeUndefined();
    resolve(j, 'episode:next', 'RETRY');
    expect(j.p.nextAction()).toEqual({ kind: 'handOver', action: 'episode:next' });
  });
});

describe('journey planner: when it sleeps until (nextWake)', () => {
  it('on a long sentence sleeps until release planning opens; before v3 until the first clock due', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 365));
    j.run();
    expect(new Date(j.p.nextWake()!).toISOString()).toBe('2026-12-08T23:59:59.999Z');
    const v2 = v2PlannerOf(j);
    expect(new Date(v2.nextWake()!).toISOString()).toBe('2026-03-05T23:59:59.999Z');
    // A clock met is no reason to wake.
    j.t = at('2026-03-03T10:00:00.000Z');
    coreScreen(j);
    j.p.syncDeadlines();
    expect(j.s.deadlines.find((d) => d.key === 'coreScreen')?.status).toBe('MET');
    expect(new Date(v2.nextWake()!).toISOString()).toBe('2026-03-16T23:59:59.999Z');
  });

  it('wakes for the next standard review window once the comprehensive screen is done', () => {
    const j = longSentence(365);
    expect(new Date(j.p.nextWake()!).toISOString()).toBe('2026-08-05T22:59:59.999Z');
  });

  it('wakes when a release settles, then only for the end of the follow-up window', () => {
    const j = longSentence(120);
    release(j);
    expect(new Date(j.p.nextWake()!).toISOString()).toBe(j.s.release!.settlesAt);
    expect(j.s.release!.settlesAt).toBe('2026-03-05T10:45:00.000Z');
    j.advance(2 * HOUR);
    j.run();
    // Neither release planning (2026-04-07) nor the open clocks wake a released person's journey.
    expect(new Date(j.p.nextWake()!).toISOString()).toBe('2026-07-02T22:59:59.999Z');
  });

  it('in the release-planning window wakes at the start of the next working day', () => {
    const j = planned();
    expect(new Date(j.p.nextWake()!).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });

  it('never wakes for an instant already reached (planning opening at reception)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 10));
    j.run();
    expect(new Date(j.p.nextWake()!).toISOString()).toBe('2026-03-03T00:00:00.000Z');
  });

  it('has nothing to wake for when only an operator can move the journey on', () => {
    const j = planned();
    release(j);
    j.advance(2 * HOUR);
    j.run();
    j.t = at('2026-07-05T22:59:59.999Z');
    j.failing = (a) => a.kind === 'close';
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status])).toEqual([['case:close', 'OPEN']]);
    expect(j.p.nextWake()).toBeUndefined();
  });
});
