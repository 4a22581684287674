import type { Deadline } from './journey-state';
import {
  apply,
  DAY,
  HOUR,
  inputFor,
  retryAll,
  settle,
  setUp,
  SimulatedJourney,
  tellCoreScreen,
} from './journey-simulation.spec-support';
import {
  createPlanner,
  NEED_REFERRAL_CLOCKS_PATCH,
  MEETING_DAY_GONE_PATCH,
  PLANNER_FIXES_PATCH,
  POLICY_GAPS_PATCH,
  REFERRAL_PER_NEED_PATCH,
  RELEASE_NOTICE_PATCH,
  AGENCY_DECLINED_PATCH,
  PICKUP_RELEASE_PRISON_PATCH,
  DECLINED_APPOINTMENTS_PATCH,
  AGENCY_APPOINTMENTS_PATCH,
  NEED_AGENCY_NOTICES_PATCH,
  MEETING_IN_NOTICE_PATCH,
  SCOTLAND_RELEASE_DAY_PATCH,
  PICKUP_AT_CLOSURE_PATCH,
} from './planner';

/**
 * The fixes of `planner-fixes-2` (found by the planner's mutation tests, issue 7), each shown on
 * the old branch (a journey recorded before the patch, `adopting = false`) and on the new one.
 *
 * The Scottish reference journey (`setUp(j, 6)` on a release 30 days after a Monday reception):
 * liberation 2026-04-01, the meeting booked on its due day 2026-03-18 (due by its end).
 */

/** An instant `days` after the reception day (2026-03-02), at `hour` UTC. */
const at = (days: number, hour: number) => Date.parse('2026-03-02T00:00:00.000Z') + days * DAY + hour * HOUR;

function journey(adopting: boolean, jurisdiction: 'SCOTLAND' | 'ENGLAND_AND_WALES', days: number) {
  const j = new SimulatedJourney(inputFor(jurisdiction, days));
  j.adopting = adopting;
  setUp(j, 6);
  return j;
}
const deadline = (j: SimulatedJourney, key: string): Deadline => {
  const d = j.s.deadlines.find((x) => x.key === key);
  if (!d) throw new Error(`no deadline ${key}`);
  return d;
};
const meetings = (j: SimulatedJourney) =>
  j.s.bookings
    .filter((b) => b.kind === 'PRE_RELEASE_MEETING')
    .map((b) => [b.date, b.status, b.cancelledBecause ?? null]);
const items = (j: SimulatedJourney) => j.s.attention.map((a) => [a.action, a.status]);
const meetingBooking = (j: SimulatedJourney) => {
  const b = j.s.bookings.find((x) => x.kind === 'PRE_RELEASE_MEETING' && x.status === 'BOOKED');
  if (!b) throw new Error('no meeting booked');
  return b;
};

describe('planner-fixes-2 (and policy-gaps-1, adopted the same way): adoption', () => {
  it('is adopted once, at the first planning of a v3 journey whose shell says the patch applies', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    expect(j.p.fixed()).toBe(false);
    j.stepOnce();
    expect(j.s.adopted).toEqual([
      PLANNER_FIXES_PATCH,
      POLICY_GAPS_PATCH,
      MEETING_DAY_GONE_PATCH,
      RELEASE_NOTICE_PATCH,
      AGENCY_DECLINED_PATCH,
      PICKUP_RELEASE_PRISON_PATCH,
      DECLINED_APPOINTMENTS_PATCH,
      AGENCY_APPOINTMENTS_PATCH,
      PICKUP_AT_CLOSURE_PATCH,
      MEETING_IN_NOTICE_PATCH,
      SCOTLAND_RELEASE_DAY_PATCH,
      REFERRAL_PER_NEED_PATCH,
      NEED_REFERRAL_CLOCKS_PATCH,
      NEED_AGENCY_NOTICES_PATCH,
    ]);
    j.run();
    expect(j.s.adopted).toEqual([
      PLANNER_FIXES_PATCH,
      POLICY_GAPS_PATCH,
      MEETING_DAY_GONE_PATCH,
      RELEASE_NOTICE_PATCH,
      AGENCY_DECLINED_PATCH,
      PICKUP_RELEASE_PRISON_PATCH,
      DECLINED_APPOINTMENTS_PATCH,
      AGENCY_APPOINTMENTS_PATCH,
      PICKUP_AT_CLOSURE_PATCH,
      MEETING_IN_NOTICE_PATCH,
      SCOTLAND_RELEASE_DAY_PATCH,
      REFERRAL_PER_NEED_PATCH,
      NEED_REFERRAL_CLOCKS_PATCH,
      NEED_AGENCY_NOTICES_PATCH,
    ]);
    expect(j.p.fixed()).toBe(true);
  });

  it('is not adopted where the patch does not apply (a replay of a journey recorded before it)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    const asked: string[] = [];
    const p = createPlannerAsking(j, asked, false);
    p.adoptFixes();
    p.adoptFixes();
    expect(asked).toEqual([PLANNER_FIXES_PATCH, POLICY_GAPS_PATCH, PLANNER_FIXES_PATCH, POLICY_GAPS_PATCH]);
    expect(j.s.adopted).toBeUndefined();
    expect(p.fixed()).toBe(false);
  });

  it('is never asked again once adopted (the answer is in the state, carried to the next run)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.stepOnce();
    const asked: string[] = [];
    const p = createPlannerAsking(j, asked, true);
    p.adoptFixes();
    expect(asked).toEqual([]);
    expect(p.fixed()).toBe(true);
  });
});

/** A planner over `j`'s state whose `patched()` answers `answer` and notes each question. */
function createPlannerAsking(j: SimulatedJourney, asked: string[], answer: boolean) {
  return createPlanner(
    {
      ...j.ctx,
      patched: (id) => {
        asked.push(id);
        return answer;
      },
    },
    j.s,
    () => j.t,
  );
}

describe('planner-fixes-2: a meeting booked on its due day, the last working day before liberation', () => {
  // England & Wales, release 9 days after reception: liberation Wednesday 2026-03-11, the meeting
  // due (and booked) on Tuesday 2026-03-10, the last working day before it.
  it('old branch: on the day itself the meeting is cancelled as impossible and its clock breached', () => {
    const j = journey(false, 'ENGLAND_AND_WALES', 9);
    expect(meetings(j)).toEqual([['2026-03-10', 'BOOKED', null]]);
    j.t = Date.parse('2026-03-10T07:00:00.000Z');
    j.run();
    expect(meetings(j)).toEqual([
      ['2026-03-10', 'CANCELLED', 'no working day left before liberation on 2026-03-11'],
    ]);
    expect(items(j)).toContainEqual(['meeting-impossible:2026-03-11', 'OPEN']);
    expect(deadline(j, 'preReleaseMeeting').status).toBe('BREACHED');
  });

  it('new branch: the meeting is kept on its day, held there, and its clock met', () => {
    const j = journey(true, 'ENGLAND_AND_WALES', 9);
    j.t = Date.parse('2026-03-10T07:00:00.000Z');
    j.run();
    expect(meetings(j)).toEqual([['2026-03-10', 'BOOKED', null]]);
    expect(items(j).map(([action]) => action)).not.toContain('meeting-impossible:2026-03-11');
    expect(j.notices.map((n) => n.subject)).not.toContain('PRE_RELEASE_MEETING_IMPOSSIBLE');
    expect(deadline(j, 'preReleaseMeeting').status).toBe('OPEN');
    j.t = Date.parse('2026-03-10T10:00:00.000Z');
    expect(
      j.tell(j.facts.meetingHeld, {
        bookingId: meetingBooking(j).bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: j.now,
        eventId: 'held',
      }),
    ).toBe('applied');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-10T10:00:00.000Z',
    });
  });
});

describe('planner-fixes-2: a meeting not reported held by the end of the next working day', () => {
  const held = (j: SimulatedJourney, eventId: string) =>
    expect(
      j.tell(j.facts.meetingHeld, {
        bookingId: meetingBooking(j).bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: j.now,
        eventId,
      }),
    ).toBe('applied');

  it('old branch: the stale booking holds the slot and no meeting is ever booked again', () => {
    const j = journey(false, 'SCOTLAND', 30);
    expect(meetings(j)).toEqual([['2026-03-18', 'BOOKED', null]]);
    j.t = at(17, 7); // 2026-03-19
    j.run();
    j.t = at(24, 7); // a week on
    j.run();
    expect(meetings(j)).toEqual([['2026-03-18', 'BOOKED', null]]);
    expect(deadline(j, 'preReleaseMeeting').status).toBe('BREACHED');
  });

  it('new branch: kept through the next working day for a late report, which it accepts', () => {
    const j = journey(true, 'SCOTLAND', 30);
    j.t = at(17, 16); // Thursday 2026-03-19, the meeting of Wednesday reported late
    j.run();
    expect(meetings(j)).toEqual([['2026-03-18', 'BOOKED', null]]);
    held(j, 'held-late');
    j.run();
    expect(meetings(j)).toEqual([['2026-03-18', 'HELD', null]]);
    // The breach went on record at the due instant, when nothing was known: met late, reported late.
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET_LATE',
      metAt: '2026-03-19T16:00:00.000Z',
    });
    expect(items(j)).toEqual([]);
  });

  it('new branch: after that day it lapses: an item for prison and agency, the booking cancelled and made again for the next working day', () => {
    const j = journey(true, 'SCOTLAND', 30);
    j.t = at(18, 7); // Friday 2026-03-20
    j.run();
    expect(meetings(j)).toEqual([
      [
        '2026-03-18',
        'CANCELLED',
        'meeting on 2026-03-18 not reported held by the end of the next working day',
      ],
      ['2026-03-23', 'BOOKED', null],
    ]);
    expect(j.s.attention.map((a) => [a.action, a.status, a.errorType, a.mustAct])).toEqual([
      [
        'meeting-not-held:2026-03-18',
        'OPEN',
        'PRE_RELEASE_MEETING_NOT_HELD',
        'prison:BAR and agency:agency-1',
      ],
    ]);
    expect(deadline(j, 'preReleaseMeeting').status).toBe('BREACHED');
    j.t = at(21, 10); // Monday 2026-03-23
    held(j, 'held');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET_LATE',
      metAt: '2026-03-23T10:00:00.000Z',
    });
    // Closed by the journey once a meeting is held; nothing more is booked.
    expect(items(j)).toEqual([['meeting-not-held:2026-03-18', 'RESOLVED']]);
    j.t = at(25, 7);
    j.run();
    expect(meetings(j)).toEqual([
      [
        '2026-03-18',
        'CANCELLED',
        'meeting on 2026-03-18 not reported held by the end of the next working day',
      ],
      ['2026-03-23', 'HELD', null],
    ]);
  });

  it('new branch: a meeting the prison held but never reported is kept as held, at the instant the service gives', () => {
    const j = journey(true, 'SCOTLAND', 30);
    const world = j.bookings.get(meetingBooking(j).bookingId)!;
    world.status = 'HELD';
    world.heldAt = '2026-03-18T11:00:00.000Z';
    j.t = at(18, 7);
    j.run();
    expect(meetings(j)).toEqual([['2026-03-18', 'HELD', null]]);
    expect(j.s.meetingsHeld.find((m) => m.kind === 'PRE_RELEASE_MEETING')?.heldAt).toBe(
      '2026-03-18T11:00:00.000Z',
    );
    // The breach was on record before anyone knew (the clocks run at the due instant): it stays,
    // met late with the meeting's own time (held on time, reported late).
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET_LATE',
      metAt: '2026-03-18T11:00:00.000Z',
    });
    // The item raised with the lapse is closed by the journey: the meeting was held.
    expect(items(j)).toEqual([['meeting-not-held:2026-03-18', 'RESOLVED']]);
  });

  it('new branch: on liberation day the meeting of the day before still waits for its report, which it accepts', () => {
    // England & Wales, release 9 days on: the meeting on 2026-03-10, liberation 2026-03-11.
    const j = journey(true, 'ENGLAND_AND_WALES', 9);
    j.t = Date.parse('2026-03-11T00:30:00.000Z');
    j.run();
    expect(meetings(j)).toEqual([['2026-03-10', 'BOOKED', null]]);
    expect(items(j).map(([action]) => action)).not.toContain('meeting-impossible:2026-03-11');
    j.t = Date.parse('2026-03-11T08:00:00.000Z');
    held(j, 'held-on-liberation-day');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({ status: 'MET_LATE' });
  });

  it('new branch: a meeting booked again that is not reported either lapses in its turn, with an item of its own', () => {
    const j = journey(true, 'SCOTLAND', 30);
    j.t = at(18, 7); // Friday 2026-03-20: the 18th lapses, booked again for Monday 23rd
    j.run();
    j.t = at(22, 7); // Tuesday 24th: the 23rd still waits for its report
    j.run();
    expect(meetings(j).slice(1)).toEqual([['2026-03-23', 'BOOKED', null]]);
    j.t = at(23, 7); // Wednesday 25th: it lapses too
    j.run();
    expect(meetings(j)).toEqual([
      [
        '2026-03-18',
        'CANCELLED',
        'meeting on 2026-03-18 not reported held by the end of the next working day',
      ],
      [
        '2026-03-23',
        'CANCELLED',
        'meeting on 2026-03-23 not reported held by the end of the next working day',
      ],
      ['2026-03-26', 'BOOKED', null],
    ]);
    expect(items(j)).toEqual([
      ['meeting-not-held:2026-03-18', 'OPEN'],
      ['meeting-not-held:2026-03-23', 'OPEN'],
    ]);
  });

  it('new branch: the item is raised even when the cancellation (another lane) was done first', () => {
    const j = journey(true, 'SCOTLAND', 30);
    j.t = at(18, 7);
    j.p.adoptFixes();
    j.p.syncDeadlines();
    const cancel = [...j.s.bookings].reverse().find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
    const { fits } = j.p.wantedBookings();
    j.execute({ kind: 'cancel', booking: cancel, because: fits(cancel)! });
    j.run();
    expect(items(j)).toEqual([['meeting-not-held:2026-03-18', 'OPEN']]);
  });
});

describe('planner-fixes-2: a meeting due on a day that is no working day', () => {
  it('is planned on the working day before it, never on the weekend', () => {
    for (const adopting of [false, true]) {
      const j = new SimulatedJourney(inputFor('SCOTLAND', 7));
      j.adopting = adopting;
      setUp(j, 1);
      const days = j.s.bookings.filter((b) => b.kind === 'PRE_RELEASE_MEETING').map((b) => b.date);
      expect([adopting, j.p.liberationDate(), days]).toEqual(
        adopting ? [true, '2026-03-09', ['2026-03-06']] : [false, '2026-03-09', ['2026-03-08']],
      );
    }
  });
});

describe('planner-fixes-2: a clock already overdue when the case closes (handled together, e.g. after downtime)', () => {
  /** The Scottish reference journey at 07:00 the day after its meeting, consent withdrawn at 06:00. */
  function withdrawnAfterDue(adopting: boolean, withdrawnAt: string) {
    const j = journey(adopting, 'SCOTLAND', 30);
    j.t = at(17, 7);
    expect(j.tell(j.facts.consentWithdrawn, { withdrawnAt, eventId: 'consent' })).toBe('applied');
    return j;
  }

  it('a repeat withdrawal (after consent given again, review stop 41 M3) is accepted as a no-op: the first is kept', () => {
    const j = withdrawnAfterDue(true, '2026-03-19T06:00:00.000Z');
    j.run();
    const first = structuredClone(j.s.consentWithdrawn);
    const { seenEventIds: _seen, ...before } = structuredClone(j.s);
    // Refused as "closed" before the fix, so the bridge dead-lettered it.
    expect(
      j.tell(j.facts.consentWithdrawn, { withdrawnAt: '2026-03-19T06:30:00.000Z', eventId: 'consent-2' }),
    ).toBe('applied');
    j.run();
    expect(j.s.consentWithdrawn).toEqual(first);
    const { seenEventIds: _after, ...after } = structuredClone(j.s);
    expect(after).toEqual(before);
  });

  it('old branch: the overdue clock is cancelled with the case, its breach never recorded', () => {
    const j = withdrawnAfterDue(false, '2026-03-19T06:00:00.000Z');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'CANCELLED',
      note: 'case closed (CONSENT_WITHDRAWN)',
    });
  });

  it('new branch: the overdue clock is breached, not cancelled with the case', () => {
    const j = withdrawnAfterDue(true, '2026-03-19T06:00:00.000Z');
    j.run();
    expect(j.s.closureRecorded).toBe(true);
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'BREACHED',
      breachKey: expect.any(String),
    });
    expect(j.s.deadlines.filter((d) => d.status === 'CANCELLED').map((d) => [d.key, d.note])).toEqual([]);
    expect(deadline(j, 'summaryReview').status).toBe('MET');
  });

  it('new branch: a clock due after the withdrawal is cancelled, even when handled after its due instant', () => {
    // Withdrawn at 18:00 on the meeting's day (before its end-of-day due), handled the next morning.
    const j = withdrawnAfterDue(true, '2026-03-18T18:00:00.000Z');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'CANCELLED',
      note: 'case closed (CONSENT_WITHDRAWN)',
    });
  });

  it('new branch: the closure waits until the overdue breach is on record', () => {
    const j = withdrawnAfterDue(true, '2026-03-19T06:00:00.000Z');
    j.p.adoptFixes();
    j.p.syncDeadlines(); // the loop plans before the clocks' coroutine has recorded the breach
    const planned: string[] = [];
    for (let a = j.p.nextAction(); a && planned.length < 50; a = j.p.nextAction()) {
      planned.push(a.kind);
      j.execute(a);
    }
    expect(planned).not.toContain('close');
    expect(j.s.closureRecorded).toBeUndefined();
    const d = j.p.dueClock();
    expect(d?.key).toBe('preReleaseMeeting');
    d!.breachKey = 'breach:preReleaseMeeting';
    d!.status = 'BREACHED';
    expect(j.p.nextAction()).toMatchObject({ kind: 'close', closing: 'CONSENT_WITHDRAWN' });
  });

  it('new branch: custody clocks overdue before a release (told late) are breached; those due after it are cancelled', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    // No core screen: due 2026-03-05 (end of day). Released on 2026-03-06, told on 2026-03-07.
    j.t = at(5, 10);
    expect(
      j.tell(j.facts.releaseRecorded, {
        releasedAt: j.now,
        establishmentCode: 'BAR',
        eventId: 'release',
      }),
    ).toBe('applied');
    j.t = at(7, 10);
    j.run();
    expect(deadline(j, 'coreScreen').status).toBe('BREACHED');
    expect(deadline(j, 'comprehensiveScreen')).toMatchObject({
      status: 'CANCELLED',
      note: 'released before it was done',
    });
  });
});

describe('planner-fixes-2: completions and clocks handled late (after downtime)', () => {
  it('a meeting held on time, reported together with a closure, is met, not breached', () => {
    for (const adopting of [false, true]) {
      const j = journey(adopting, 'SCOTLAND', 30);
      j.t = at(17, 7);
      expect(
        j.tell(j.facts.meetingHeld, {
          bookingId: meetingBooking(j).bookingId,
          kind: 'PRE_RELEASE_MEETING',
          heldAt: '2026-03-18T10:00:00.000Z',
          eventId: 'held',
        }),
      ).toBe('applied');
      expect(
        j.tell(j.facts.consentWithdrawn, { withdrawnAt: '2026-03-19T06:00:00.000Z', eventId: 'consent' }),
      ).toBe('applied');
      j.run();
      expect([adopting, deadline(j, 'preReleaseMeeting').status]).toEqual([
        adopting,
        adopting ? 'MET' : 'CANCELLED',
      ]);
    }
  });

  it('a completion after the due instant, handled before the breach was recorded, is breached then met late', () => {
    for (const adopting of [false, true]) {
      const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
      j.adopting = adopting;
      j.run();
      // Due by the end of 2026-03-05; completed on 2026-03-06, both handled then.
      j.t = at(4, 10);
      expect(tellCoreScreen(j, ['ACCOMMODATION'], 'core')).toBe('applied');
      j.run();
      expect([adopting, deadline(j, 'coreScreen').status]).toEqual([adopting, adopting ? 'MET_LATE' : 'MET']);
    }
  });

  it('a clock that stopped applying before it was due is cancelled, even when handled after its due instant', () => {
    // No core screen yet: release planning is open from reception and its summary review clock runs.
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    const due = Date.parse(deadline(j, 'summaryReview').dueAt);
    // An hour before it is due the release moves months later (planning closes again); the
    // journey hears of it only two hours after the due instant.
    j.t = due - HOUR;
    expect(
      j.tell(j.facts.releaseDateChanged, {
        expectedReleaseDate: '2026-09-30',
        reason: 'SENTENCE_RECALCULATED',
        changedAt: j.now,
        eventId: 'moved',
      }),
    ).toBe('applied');
    j.t = due + 2 * HOUR;
    j.run();
    expect(deadline(j, 'summaryReview')).toMatchObject({ status: 'CANCELLED', note: 'no longer applies' });
  });
});

describe('planner-fixes-2: an assessment completed while its failed request waited on an operator', () => {
  function coreScreenRequestFailed(adopting: boolean) {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.adopting = adopting;
    j.failing = (a) => a.kind === 'request';
    j.run();
    expect(items(j)).toEqual([['request:CORE_SCREEN', 'OPEN']]);
    j.failing = () => false;
    j.t = at(1, 10);
    // The prison completed the screen anyway (its own system); the operator then retries.
    expect(tellCoreScreen(j, ['ACCOMMODATION'], 'core')).toBe('applied');
    retryAll(j);
    return j;
  }

  it('old branch: the core screen is asked for again', () => {
    expect(coreScreenRequestFailed(false).s.requests.map((r) => r.kind)).toEqual([
      'CORE_SCREEN',
      'COMPREHENSIVE_SCREEN',
      'SUMMARY_REVIEW',
    ]);
  });

  it('new branch: without an operator, the journey closes the item itself once the screen is completed', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.failing = (a) => a.kind === 'request';
    j.run();
    j.failing = () => false;
    j.t = at(1, 10);
    expect(tellCoreScreen(j, ['ACCOMMODATION'], 'core')).toBe('applied');
    j.run();
    expect(j.s.attention.map((a) => [a.action, a.status, a.resolution?.reason])).toEqual([
      ['request:CORE_SCREEN', 'RESOLVED', 'the core screen was completed'],
    ]);
    expect(j.s.requests.map((r) => r.kind)).toEqual(['COMPREHENSIVE_SCREEN', 'SUMMARY_REVIEW']);
  });

  it('new branch: it is not asked for again; the journey goes on to the comprehensive screen', () => {
    const j = coreScreenRequestFailed(true);
    // (Release planning is open from reception on this short sentence: the summary review too.)
    expect(j.s.requests.map((r) => r.kind)).toEqual(['COMPREHENSIVE_SCREEN', 'SUMMARY_REVIEW']);
    expect(deadline(j, 'coreScreen').status).toBe('MET');
  });
});

describe('planner-fixes-2: the base of a standard review clock after the first', () => {
  /** A long sentence (E&W, 700 days) to its second standard review, asked for on 2027-08-13. */
  function secondReviewAsked(adopting: boolean) {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 700));
    j.adopting = adopting;
    const review = (kind: 'COMPREHENSIVE_SCREEN' | 'STANDARD_REVIEW', seq: number) =>
      expect(
        j.tell(j.facts.assessmentCompleted, {
          assessmentId: `asm-${kind}-${seq}`,
          kind,
          needs: [],
          completedAt: j.now,
          eventId: `e-${kind}-${seq}`,
        }),
      ).toBe('applied');
    j.run();
    j.t = at(1, 10);
    expect(tellCoreScreen(j, [], 'core')).toBe('applied');
    j.run();
    j.t = at(2, 10);
    review('COMPREHENSIVE_SCREEN', 1);
    j.run();
    j.t = Date.parse('2026-09-10T10:00:00.000Z');
    j.run();
    review('STANDARD_REVIEW', 1);
    j.run();
    j.t = Date.parse('2027-08-13T23:00:00.000Z');
    j.run();
    return deadline(j, 'standardReview:2');
  }

  it('old branch: it says it started at reception', () => {
    expect(secondReviewAsked(false)).toMatchObject({
      startedAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2027-09-10T22:59:59.999Z',
    });
  });

  it('new branch: it starts at the previous review’s completion, from which it is counted', () => {
    expect(secondReviewAsked(true)).toMatchObject({
      startedAt: '2026-09-10T10:00:00.000Z',
      dueAt: '2027-09-10T22:59:59.999Z',
    });
  });
});

describe('planner-fixes-2: a transfer the agency never heard of, reversed', () => {
  /** BAR→EDI→GRE, each settled, GRE reversed, all before the agency hears of EDI. */
  function movedTwiceOneReversed(adopting: boolean) {
    const j = journey(adopting, 'SCOTLAND', 30);
    const notices = j.notices.length;
    apply(
      j,
      [
        { kind: 'transfer', to: 'EDI' },
        { kind: 'advance', minutes: 50 },
        { kind: 'transfer', to: 'GRE' },
        { kind: 'advance', minutes: 50 },
        { kind: 'reverseTransfer' },
      ],
      { changes: 0 },
    );
    settle(j);
    return [
      j.notices
        .slice(notices)
        .map((n) => [n.subject, n.fields.previousEstablishmentCode, n.fields.establishmentCode]),
      j.s.notifications.slice(-1).map((n) => n.message),
    ];
  }

  it('old branch: the agency is told the transfer to BAR was an error', () => {
    expect(movedTwiceOneReversed(false)).toEqual([
      [['MOVEMENT_REVERSED', 'BAR', 'EDI']],
      ['The transfer to BAR was recorded in error: the person is at EDI.'],
    ]);
  });

  it('new branch: the agency is told of the move from BAR to EDI', () => {
    expect(movedTwiceOneReversed(true)).toEqual([
      [['TRANSFERRED', 'BAR', 'EDI']],
      ['The person has moved from BAR to EDI; visits and meetings are rebooked there.'],
    ]);
  });
});

describe('pickup-at-closure-1: a pick-up that does not fit the release is cancelled at closure too', () => {
  it('consent withdrawn while an early release settles: the pick-up for the planned day is cancelled (before the patch it was kept)', () => {
    for (const refused of [[], [PICKUP_AT_CLOSURE_PATCH]]) {
      const j = new SimulatedJourney(inputFor('SCOTLAND', 20), refused);
      setUp(j, 6);
      const planned = j.s.bookings.find((b) => b.kind === 'GATE_PICKUP' && b.status === 'BOOKED');
      expect(planned?.date).toBeDefined();
      // Released days before the planned day; consent withdrawn before the release has settled.
      apply(j, [{ kind: 'release' }], { changes: 0 });
      j.advance(10 * 60_000);
      expect(j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'consent' })).toBe('applied');
      // The journey next plans once the release has settled (it was waiting on a service meanwhile).
      j.advance(45 * 60_000);
      settle(j);
      expect(j.p.closingReason()).toBe('CONSENT_WITHDRAWN');
      const pickup = j.s.bookings.find((b) => b.bookingId === planned!.bookingId)!;
      if (refused.length === 0)
        expect(pickup).toMatchObject({
          status: 'CANCELLED',
          cancelledBecause: `liberated on ${j.s.release!.releasedAt.slice(0, 10)}, not ${planned!.date}`,
        });
      else expect(pickup.status).toBe('BOOKED');
    }
  });
});
