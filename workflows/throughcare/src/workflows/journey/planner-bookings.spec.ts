import type { AttentionOption } from '@throughcare/contracts';
import type { Deadline } from './journey-state';
import {
  DAY,
  HOUR,
  inputFor,
  liberatedFromCourtJourney,
  releaseNow,
  setUp,
  SimulatedJourney,
  tellCoreScreen,
  tellAssessment,
  summaryReviewedIn30Days,
} from './journey-simulation.spec-support';
import { raised } from './outcomes';
import {
  AGENCY_DECLINED_PATCH,
  COURT_REVERSAL_NOTICE_PATCH,
  DECLINED_APPOINTMENTS_PATCH,
  PICKUP_RELEASE_PRISON_PATCH,
} from './planner';

/**
 * The planner's clocks (which deadlines the facts call for, how they move, are met, breached or
 * cancelled), the bookings it wants (visits, the pre-release meeting, the gate pick-up, the
 * appointments after release) and its attention helpers, on worked examples.
 *
 * The reference journey (`setUp(j, 6)` on a Scottish release 30 days after a Monday reception):
 * liberation 2026-04-01, visits on 2026-03-10 and 2026-03-12, the meeting on 2026-03-18, the gate
 * pick-up on 2026-04-01; the plan is made at 2026-03-08T07:00Z.
 */

/** An instant `days` after the reception day (2026-03-02), at `hour` UTC. */
const at = (days: number, hour: number) => Date.parse('2026-03-02T00:00:00.000Z') + days * DAY + hour * HOUR;

/** The reference journey with its plan made. */
function planned(): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
  setUp(j, 6);
  return j;
}

const deadline = (j: SimulatedJourney, key: string): Deadline => {
  const d = j.s.deadlines.find((x) => x.key === key);
  if (!d) throw new Error(`no deadline ${key}: ${j.s.deadlines.map((x) => x.key).join(', ')}`);
  return d;
};
/** A deadline's status and when it was met (null when not met). */
const statusOf = (j: SimulatedJourney, key: string) => {
  const d = deadline(j, key);
  return [d.status, d.metAt ?? null];
};
const keys = (j: SimulatedJourney) => j.s.deadlines.map((d) => d.key);
const live = (j: SimulatedJourney) =>
  j.s.bookings
    .filter((b) => b.status === 'BOOKED')
    .map((b) => `${b.kind} ${b.establishmentCode ?? '-'} ${b.date ?? '-'}`);
const booking = (j: SimulatedJourney, slot: string) => {
  const b = j.s.bookings.find((x) => x.slot === slot);
  if (!b) throw new Error(`no booking ${slot}`);
  return b;
};

/**
 * Reception to the summary review done, the referral sent but not yet acknowledged (at 2026-03-05):
 * the meeting (2026-03-18) and the gate pick-up (2026-04-01) are booked, no visit yet.
 */
function meetingBookedBeforeAcknowledgement(): SimulatedJourney {
  const j = summaryReviewedIn30Days();
  expect(live(j)).toEqual(['GATE_PICKUP BAR 2026-04-01', 'PRE_RELEASE_MEETING BAR 2026-03-18']);
  return j;
}

function acknowledge(j: SimulatedJourney): void {
  expect(
    j.tell(j.facts.referralAcknowledged, {
      referralId: 'ref-1',
      acknowledgedAt: j.now,
      acknowledgedBy: 'cjsw-duty',
      eventId: 'ack',
    }),
  ).toBe('applied');
}

/** Runs the journey until idle, returning its cancellations in order (slot and reason). */
function cancellations(j: SimulatedJourney): string[][] {
  const done: string[][] = [];
  for (let n = 0; n < 100; n++) {
    const a = j.p.nextAction();
    if (!a) return done;
    if (a.kind === 'cancel') done.push([a.booking.slot, a.because]);
    j.stepOnce();
  }
  throw new Error('the journey did not settle');
}

/** Plans and does each action in turn without the clocks' coroutine (so that the test records breaches itself). */
function planOnly(j: SimulatedJourney): void {
  for (let n = 0; n < 100; n++) {
    const a = j.p.nextAction();
    if (!a) return;
    j.execute(a);
  }
  throw new Error('the journey did not settle');
}

/** As the shell's clocks coroutine when the SLA ledger refuses a record for good: the key is taken, an item raised. */
function recordingFailed(j: SimulatedJourney, d: Deadline, action: string): void {
  d.breachKey ??= `wf:breach:${d.key}`;
  raised(
    j.s,
    action,
    'orchestrator (SLA ledger)',
    { type: 'LEDGER_REFUSED', message: 'the SLA ledger refused the record' },
    ['RETRY', 'SKIP'],
    j.now,
  );
}

function resolve(j: SimulatedJourney, action: string, option: AttentionOption, reason?: string): void {
  const item = j.s.attention.find((a) => a.action === action && a.status === 'OPEN')!;
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

function changeDate(j: SimulatedJourney, expectedReleaseDate: string, eventId = 'date'): void {
  expect(
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate,
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId,
    }),
  ).toBe('applied');
}

/** Releases the person now and lets the release settle (the first appointment is then booked). */
const release = releaseNow;

function attend(
  j: SimulatedJourney,
  slot: string,
  attendance: 'YES' | 'LATE' | 'NO',
  attendedAt: string,
  eventId: string,
): void {
  expect(
    j.tell(j.facts.attendanceRecorded, {
      appointmentId: booking(j, slot).bookingId,
      attendance,
      attendedAt,
      reason: attendance === 'NO' ? 'did not attend' : undefined,
      eventId,
    }),
  ).toBe('applied');
}

describe('journey planner: the pre-release meeting clock', () => {
  it('is owed to the person by prison and agency, and met by the meeting held, not by a visit', () => {
    const j = planned();
    expect(deadline(j, 'preReleaseMeeting')).toEqual({
      key: 'preReleaseMeeting',
      clock: 'preReleaseMeeting',
      owedBy: 'prison:BAR and agency:agency-1',
      owedTo: 'person',
      startedAt: '2026-03-31T23:00:00.000Z',
      dueAt: '2026-03-18T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
    j.t = at(8, 10);
    expect(
      j.tell(j.facts.meetingHeld, {
        bookingId: booking(j, 'visit:2026-03-10').bookingId,
        kind: 'CJSW_VISIT',
        heldAt: j.now,
        eventId: 'visit-1',
      }),
    ).toBe('applied');
    j.run();
    expect(statusOf(j, 'preReleaseMeeting')).toEqual(['OPEN', null]);
    j.t = at(16, 10);
    expect(
      j.tell(j.facts.meetingHeld, {
        bookingId: booking(j, 'pre-release-meeting').bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: '2026-03-18T10:00:00.000Z',
        eventId: 'meeting',
      }),
    ).toBe('applied');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-18T10:00:00.000Z',
    });
    expect(j.s.stage).toBe('AWAITING_RELEASE');
  });

  it('is noted as short notice when the policy wanted it before planning could start', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 2));
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'OPEN',
      owedBy: 'prison:BAR and community agency',
      dueAt: '2026-03-03T23:59:59.999Z',
      note: "short notice: the policy's due 2026-02-18T23:59:59.999Z was before release planning could start",
    });
  });

  it('is breached at once, noted impossible, when no working day is left before liberation', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 1));
    j.run();
    expect(j.t).toBeLessThan(Date.parse('2026-03-02T23:59:59.999Z'));
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'BREACHED',
      breachKey: 'breach:preReleaseMeeting',
      dueAt: '2026-03-02T23:59:59.999Z',
      note: 'no working day left before liberation on 2026-03-03: meeting impossible',
    });
    // Only the meeting's clock: the summary review, due the same instant, can still be met.
    expect(deadline(j, 'summaryReview')).toMatchObject({ status: 'OPEN', dueAt: '2026-03-02T23:59:59.999Z' });
    expect(j.s.deadlines.filter((d) => d.status === 'BREACHED').map((d) => d.key)).toEqual([
      'preReleaseMeeting',
    ]);
  });
});

describe('journey planner: clocks after release', () => {
  it('starts the first appointment clock only once the release has settled, owed by the agency', () => {
    const j = planned();
    const releasedAt = j.now;
    j.tell(j.facts.releaseRecorded, { releasedAt, establishmentCode: 'BAR', eventId: 'rel' });
    j.run();
    expect(keys(j)).not.toContain('firstAppointment:rel');
    j.advance(2 * HOUR);
    j.run();
    expect(deadline(j, 'firstAppointment:rel')).toEqual({
      key: 'firstAppointment:rel',
      clock: 'firstAppointment',
      owedBy: 'agency:agency-1',
      owedTo: 'person',
      startedAt: releasedAt,
      dueAt: '2026-03-16T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
    // Custody clocks still open are cancelled; those met stay met.
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'CANCELLED',
      note: 'released before it was done',
    });
    expect(deadline(j, 'coreScreen')).toMatchObject({ status: 'MET', metAt: '2026-03-03T10:00:00.000Z' });
    expect(deadline(j, 'comprehensiveScreen').status).toBe('MET');
    expect(deadline(j, 'summaryReview').status).toBe('MET');
    expect(deadline(j, 'referralAcknowledgement').status).toBe('MET_LATE');
    // The appointment is booked for that release; no gate pick-up is wanted after it.
    expect(live(j)).toEqual(['FIRST_APPOINTMENT - -']);
    expect(booking(j, 'first-appointment:rel')).toMatchObject({
      releaseEventId: 'rel',
      agencyId: 'agency-1',
    });
    expect(booking(j, 'gate-pickup').cancelledBecause).toBe('liberated on 2026-03-08, not 2026-04-01');
  });

  it('counts an attendance at the very instant of the release as meeting the first appointment', () => {
    const j = planned();
    const releasedAt = release(j);
    attend(j, 'first-appointment:rel', 'YES', releasedAt, 'att');
    j.run();
    expect(deadline(j, 'firstAppointment:rel')).toMatchObject({ status: 'MET', metAt: releasedAt });
    expect(keys(j).filter((k) => k.startsWith('missed'))).toEqual([]);
  });

  it('counts a late attendance as meeting the first appointment', () => {
    const j = planned();
    release(j);
    attend(j, 'first-appointment:rel', 'LATE', '2026-03-10T10:20:00.000Z', 'att');
    j.run();
    expect(deadline(j, 'firstAppointment:rel')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-10T10:20:00.000Z',
    });
    expect(j.p.wantedBookings().wanted.map((w) => w.slot)).toEqual(['first-appointment:rel']);
  });

  it('on a missed first appointment opens a follow-up clock and books a follow-up; attending it meets both', () => {
    const j = planned();
    release(j);
    j.t = at(8, 10);
    attend(j, 'first-appointment:rel', 'NO', j.now, 'missed');
    expect(j.p.nextAction()).toEqual({
      kind: 'book',
      action: 'book:follow-up-appointment:missed',
      wanted: {
        slot: 'follow-up-appointment:missed',
        kind: 'FOLLOW_UP_APPOINTMENT',
        agencyId: 'agency-1',
        releaseEventId: 'rel',
        dueBy: '2026-03-12T23:59:59.999Z',
      },
    });
    j.run();
    expect(statusOf(j, 'firstAppointment:rel')).toEqual(['OPEN', null]);
    expect(deadline(j, 'missedAppointmentFollowUp:missed')).toEqual({
      key: 'missedAppointmentFollowUp:missed',
      clock: 'missedAppointmentFollowUp',
      owedBy: 'agency:agency-1',
      owedTo: 'person',
      startedAt: '2026-03-10T10:00:00.000Z',
      dueAt: '2026-03-12T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
    expect(live(j)).toEqual(['FOLLOW_UP_APPOINTMENT - -']);

    j.t = at(10, 10);
    attend(j, 'follow-up-appointment:missed', 'YES', j.now, 'seen');
    j.run();
    expect(deadline(j, 'missedAppointmentFollowUp:missed')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-12T10:00:00.000Z',
    });
    expect(deadline(j, 'firstAppointment:rel')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-12T10:00:00.000Z',
    });
    // Attended: no further follow-up is wanted, and no clock for the attendance.
    expect(j.p.wantedBookings().wanted.map((w) => w.slot)).toEqual(['first-appointment:rel']);
    expect(keys(j)).toEqual([
      'coreScreen',
      'comprehensiveScreen',
      'summaryReview',
      'preReleaseMeeting',
      'referralAcknowledgement',
      // Each need's referral (need-referral-clocks-1).
      'needReferralAcknowledgement:ACCOMMODATION:1',
      'needReferralAcknowledgement:EDUCATION_SKILLS_AND_WORK:1',
      'firstAppointment:rel',
      'missedAppointmentFollowUp:missed',
    ]);
    expect(j.s.bookings.filter((b) => b.kind === 'FOLLOW_UP_APPOINTMENT').length).toBe(1);
  });

  it('meets a follow-up clock only with an attendance after the missed one', () => {
    const j = planned();
    release(j);
    j.t = at(8, 10);
    attend(j, 'first-appointment:rel', 'NO', j.now, 'missed');
    j.run();
    // Recorded for the same instant as the missed appointment: not a later contact.
    attend(j, 'follow-up-appointment:missed', 'YES', '2026-03-10T10:00:00.000Z', 'same-instant');
    j.run();
    expect(statusOf(j, 'missedAppointmentFollowUp:missed')).toEqual(['OPEN', null]);
    expect(deadline(j, 'firstAppointment:rel')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-10T10:00:00.000Z',
    });
  });

  it('meets a follow-up clock with a late attendance, not with the follow-up missed too (which opens its own)', () => {
    const j = planned();
    release(j);
    j.t = at(8, 10);
    attend(j, 'first-appointment:rel', 'NO', j.now, 'missed');
    j.run();
    j.t = at(10, 10);
    attend(j, 'follow-up-appointment:missed', 'NO', j.now, 'missed-again');
    j.run();
    expect(statusOf(j, 'missedAppointmentFollowUp:missed')).toEqual(['OPEN', null]);
    expect(statusOf(j, 'missedAppointmentFollowUp:missed-again')).toEqual(['OPEN', null]);
    expect(live(j)).toEqual(['FOLLOW_UP_APPOINTMENT - -']);
    j.t = at(11, 10);
    attend(j, 'follow-up-appointment:missed-again', 'LATE', j.now, 'seen-late');
    j.run();
    // The first follow-up was due by the end of 2026-03-12: met a day late, so breached first
    // (planner-fixes-2; before it, a completion handled before the breach was simply met).
    expect(statusOf(j, 'missedAppointmentFollowUp:missed')).toEqual(['MET_LATE', '2026-03-13T10:00:00.000Z']);
    expect(statusOf(j, 'missedAppointmentFollowUp:missed-again')).toEqual([
      'MET',
      '2026-03-13T10:00:00.000Z',
    ]);
  });

  it('after a release reversed and made again, an attendance from the first release meets nothing of the second', () => {
    const j = planned();
    release(j, 'rel-1');
    j.t = at(7, 10);
    attend(j, 'first-appointment:rel-1', 'YES', j.now, 'att-1');
    j.run();
    expect(deadline(j, 'firstAppointment:rel-1')).toMatchObject({
      status: 'MET',
      metAt: '2026-03-09T10:00:00.000Z',
    });
    j.t = at(7, 11);
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel-1',
      reversedAt: j.now,
      eventId: 'rev-1',
    });
    j.run();
    // Back in custody: the custody clock cancelled at the release is wanted (and open) again.
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({ status: 'OPEN', note: undefined });
    expect(deadline(j, 'firstAppointment:rel-1').status).toBe('MET');
    expect(j.notices.at(-1)).toEqual({
      agencyId: 'agency-1',
      subject: 'MOVEMENT_REVERSED',
      fields: { establishmentCode: 'BAR', liberationDate: '2026-04-01' },
    });
    expect(j.s.told).toMatchObject({ custody: 'IN', establishmentCode: 'BAR', liberationDate: '2026-04-01' });

    j.t = at(8, 9);
    release(j, 'rel-2');
    expect(statusOf(j, 'firstAppointment:rel-2')).toEqual(['OPEN', null]);
    j.t = at(9, 10);
    attend(j, 'first-appointment:rel-2', 'NO', j.now, 'missed-2');
    j.run();
    expect(statusOf(j, 'missedAppointmentFollowUp:missed-2')).toEqual(['OPEN', null]);
    expect(statusOf(j, 'firstAppointment:rel-2')).toEqual(['OPEN', null]);
    expect(live(j)).toEqual(['FOLLOW_UP_APPOINTMENT - -']);

    // Reversed again: the follow-up appointment goes, and the appointment clocks no longer apply.
    j.t = at(9, 12);
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel-2',
      reversedAt: j.now,
      eventId: 'rev-2',
    });
    j.run();
    expect(booking(j, 'follow-up-appointment:missed-2')).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause: 'release reversed: person in custody',
    });
    expect(deadline(j, 'firstAppointment:rel-2')).toMatchObject({
      status: 'CANCELLED',
      note: 'no longer applies',
    });
    expect(deadline(j, 'missedAppointmentFollowUp:missed-2')).toMatchObject({
      status: 'CANCELLED',
      note: 'no longer applies',
    });
  });
});

describe('journey planner: keeping the deadline list in line with the facts', () => {
  it('moves the open release clocks with a later liberation date; met and breached-then-met ones keep theirs', () => {
    const j = planned();
    changeDate(j, '2026-04-21');
    j.run();
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'OPEN',
      startedAt: '2026-04-20T23:00:00.000Z',
      dueAt: '2026-04-07T22:59:59.999Z',
    });
    expect(deadline(j, 'summaryReview')).toMatchObject({
      status: 'MET',
      startedAt: '2026-03-31T23:00:00.000Z',
      dueAt: '2026-03-30T22:59:59.999Z',
    });
    expect(deadline(j, 'referralAcknowledgement')).toMatchObject({
      status: 'MET_LATE',
      dueAt: '2026-03-04T23:59:59.999Z',
      metAt: '2026-03-06T10:00:00.000Z',
    });
  });

  it('cancels the release clocks as no longer applying when planning closes again before any review was asked', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.failing = (a) => a.kind === 'request' && a.assessment === 'SUMMARY_REVIEW';
    j.run();
    tellCoreScreen(j, [], 'core');
    j.run();
    expect(deadline(j, 'summaryReview').status).toBe('OPEN');
    changeDate(j, '2026-07-01');
    j.run();
    expect(deadline(j, 'summaryReview')).toMatchObject({ status: 'CANCELLED', note: 'no longer applies' });
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'CANCELLED',
      note: 'no longer applies',
    });
    expect(deadline(j, 'coreScreen').status).toBe('MET');
  });

  it('leaves a breach being recorded alone: neither met nor cancelled until it is on record', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    planOnly(j);
    j.t = Date.parse('2026-03-06T09:00:00.000Z');
    j.p.syncDeadlines();
    const d = j.p.dueClock()!;
    expect(d.key).toBe('coreScreen');
    d.breachKey = 'wf:breach:coreScreen'; // the shell's record is in flight
    tellCoreScreen(j, [], 'core');
    j.p.syncDeadlines();
    expect(statusOf(j, 'coreScreen')).toEqual(['OPEN', null]);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'consent' });
    j.p.syncDeadlines();
    expect(deadline(j, 'coreScreen')).toMatchObject({ status: 'OPEN', note: undefined });
    expect(deadline(j, 'comprehensiveScreen')).toMatchObject({
      status: 'CANCELLED',
      note: 'case closed (CONSENT_WITHDRAWN)',
    });
  });
});

describe('journey planner: breaches to record (dueClock) and the clocks timer (clockWake)', () => {
  const due = '2026-03-05T23:59:59.999Z'; // the core screen's

  it('hands over a clock at its due instant exactly, still OPEN, and records it as breached', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    j.t = Date.parse(due) - 1;
    j.p.syncDeadlines();
    expect(j.p.dueClock()).toBeUndefined();
    j.t = Date.parse(due);
    expect(j.p.dueClock()).toMatchObject({ key: 'coreScreen', status: 'OPEN', dueAt: due });
    j.run();
    expect(deadline(j, 'coreScreen')).toMatchObject({ status: 'BREACHED', breachKey: 'breach:coreScreen' });
    expect(j.p.dueClock()).toBeUndefined();
  });

  it('hands over a breach met late once, still BREACHED with its met time, then it is MET_LATE', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    j.t = at(4, 9);
    j.run();
    expect(deadline(j, 'coreScreen').status).toBe('BREACHED');
    tellCoreScreen(j, [], 'core');
    j.p.syncDeadlines();
    expect(j.p.dueClock()).toMatchObject({
      key: 'coreScreen',
      status: 'BREACHED',
      metAt: '2026-03-06T09:00:00.000Z',
    });
    j.run();
    expect(deadline(j, 'coreScreen')).toMatchObject({
      status: 'MET_LATE',
      metAt: '2026-03-06T09:00:00.000Z',
    });
    expect(j.p.dueClock()).toBeUndefined();
  });

  it('holds a breach whose record failed for good while its item is open; skipped, it is BREACHED off the record', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    planOnly(j);
    j.t = at(15, 9); // both screens overdue
    j.p.syncDeadlines();
    const core = j.p.dueClock()!;
    expect(core.key).toBe('coreScreen');
    recordingFailed(j, core, 'breach:coreScreen');
    // The other clocks go on.
    expect(j.p.dueClock()).toMatchObject({ key: 'comprehensiveScreen', status: 'OPEN' });
    expect(deadline(j, 'coreScreen').status).toBe('OPEN');

    resolve(j, 'breach:coreScreen', 'SKIP', 'recorded by hand in the ledger');
    expect(j.p.dueClock()).toMatchObject({ key: 'comprehensiveScreen' });
    expect(deadline(j, 'coreScreen')).toMatchObject({ status: 'BREACHED', breachKey: undefined });

    // Met late: nothing is on record to close, so it stays BREACHED.
    tellCoreScreen(j, [], 'core');
    j.p.syncDeadlines();
    expect(j.p.dueClock()).toMatchObject({ key: 'comprehensiveScreen' });
    expect(deadline(j, 'coreScreen')).toMatchObject({
      status: 'BREACHED',
      metAt: '2026-03-17T09:00:00.000Z',
    });
  });

  it('holds a late completion whose record failed for good; skipped, it is closed as MET_LATE', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    j.t = at(4, 9);
    j.run();
    tellCoreScreen(j, [], 'core');
    j.p.syncDeadlines();
    const core = j.p.dueClock()!;
    expect(core).toMatchObject({ key: 'coreScreen', status: 'BREACHED' });
    recordingFailed(j, core, 'breach-met:coreScreen');
    expect(j.p.dueClock()).toBeUndefined();
    expect(deadline(j, 'coreScreen').status).toBe('BREACHED');
    resolve(j, 'breach-met:coreScreen', 'SKIP', 'closed by hand in the ledger');
    expect(j.p.dueClock()).toBeUndefined();
    expect(deadline(j, 'coreScreen').status).toBe('MET_LATE');
  });

  it('wakes the clocks at the earliest open clock still ahead', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    // Core screen (2026-03-05) before the comprehensive screen (2026-03-16).
    expect(j.p.clockWake()).toBe(Date.parse(due));
    // At its due instant the core screen is for dueClock, not a timer.
    j.t = Date.parse(due);
    expect(j.p.clockWake()).toBe(Date.parse('2026-03-16T23:59:59.999Z'));
  });

  it('sets no timer for a met clock', () => {
    const j = planned();
    // The comprehensive screen (met) was due 2026-03-16; the meeting is due 2026-03-18.
    expect(deadline(j, 'comprehensiveScreen')).toMatchObject({
      status: 'MET',
      dueAt: '2026-03-16T23:59:59.999Z',
    });
    expect(j.p.clockWake()).toBe(Date.parse('2026-03-18T23:59:59.999Z'));
  });

  it('sets no timer for a clock held by an attention item, and none at all once every clock is closed', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 1));
    planOnly(j);
    tellCoreScreen(j, [], 'core');
    planOnly(j);
    tellAssessment(j, 'SUMMARY_REVIEW', [], 'summary');
    planOnly(j);
    j.p.syncDeadlines();
    // The impossible meeting is breached before its due instant; its record fails for good.
    const meeting = j.p.dueClock()!;
    expect(meeting).toMatchObject({
      key: 'preReleaseMeeting',
      status: 'OPEN',
      dueAt: '2026-03-02T23:59:59.999Z',
    });
    recordingFailed(j, meeting, 'breach:preReleaseMeeting');
    expect(j.p.dueClock()).toBeUndefined();
    expect(j.p.clockWake()).toBe(Date.parse('2026-03-16T23:59:59.999Z'));

    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'consent' });
    j.p.syncDeadlines();
    expect(j.s.deadlines.filter((d) => d.status === 'OPEN').map((d) => d.key)).toEqual(['preReleaseMeeting']);
    expect(j.p.clockWake()).toBeUndefined();
  });
});

describe('journey planner: the bookings it wants', () => {
  it('wants two visits before the meeting, the meeting once the summary review is done, and the gate pick-up', () => {
    const j = planned();
    const { wanted, visitsShort } = j.p.wantedBookings();
    expect(wanted).toEqual([
      { slot: 'visit:2026-03-10', kind: 'CJSW_VISIT' },
      { slot: 'visit:2026-03-12', kind: 'CJSW_VISIT' },
      {
        slot: 'pre-release-meeting',
        kind: 'PRE_RELEASE_MEETING',
        establishmentCode: 'BAR',
        date: '2026-03-18',
        agencyId: 'agency-1',
      },
      { slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: 'BAR', date: '2026-04-01' },
    ]);
    expect(visitsShort).toBeUndefined();
    expect(live(j)).toEqual([
      'GATE_PICKUP BAR 2026-04-01',
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-12',
      'PRE_RELEASE_MEETING BAR 2026-03-18',
    ]);
  });

  it('books the meeting without the summary review once the review is overdue, not before', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    tellCoreScreen(j, [], 'core');
    j.run();
    expect(j.p.wantedBookings().wanted.map((w) => w.slot)).toEqual(['gate-pickup']);
    const summaryDue = deadline(j, 'summaryReview').dueAt;
    expect(summaryDue).toBe('2026-03-30T22:59:59.999Z');
    j.t = Date.parse(summaryDue) - 1;
    expect(j.p.wantedBookings().wanted.map((w) => w.slot)).toEqual(['gate-pickup']);
    j.t = Date.parse(summaryDue);
    expect(j.p.wantedBookings().wanted).toEqual([
      {
        slot: 'pre-release-meeting',
        kind: 'PRE_RELEASE_MEETING',
        establishmentCode: 'BAR',
        date: '2026-03-31',
        agencyId: undefined,
      },
      { slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: 'BAR', date: '2026-04-01' },
    ]);
  });

  it('keeps a late meeting on the day it was booked, while that day is still to come', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    tellCoreScreen(j, [], 'core');
    j.run();
    // The summary review is overdue: the meeting (due 2026-03-18) is booked on the next working day.
    j.t = Date.parse('2026-03-30T22:59:59.999Z');
    j.run();
    expect(live(j)).toEqual(['GATE_PICKUP BAR 2026-04-01', 'PRE_RELEASE_MEETING BAR 2026-03-31']);
    // On that day (the next working day is now liberation day) the meeting stays where it is.
    j.t = Date.parse('2026-03-31T08:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(booking(j, 'pre-release-meeting')).toMatchObject({ status: 'BOOKED', date: '2026-03-31' });
  });

  it('books the gate pick-up on the liberation day itself when that is today', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 0));
    j.run();
    expect(live(j)).toEqual(['GATE_PICKUP BAR 2026-03-02']);
  });

  it('keeps the gate pick-up when the person is liberated on its day', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 1));
    j.run();
    j.t = Date.parse('2026-03-03T08:00:00.000Z');
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.stage).toBe('FOLLOW_UP');
    expect(booking(j, 'gate-pickup')).toMatchObject({ status: 'BOOKED', date: '2026-03-03' });
  });

  it('plans visits booked after the meeting before the meeting as booked, when the release has moved later', () => {
    const j = meetingBookedBeforeAcknowledgement();
    // The release moves later: the meeting booked on 2026-03-18 still comes before its new due day.
    changeDate(j, '2026-04-21');
    j.run();
    expect(deadline(j, 'preReleaseMeeting').dueAt).toBe('2026-04-07T22:59:59.999Z');
    // Then the referral is acknowledged: the visits go before the meeting as booked.
    j.t = at(4, 10);
    acknowledge(j);
    j.run();
    expect(live(j)).toEqual([
      'PRE_RELEASE_MEETING BAR 2026-03-18',
      'GATE_PICKUP BAR 2026-04-21',
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-12',
    ]);
  });

  it('after a transfer reversed, plans visits before the meeting booked there now, not an old cancelled one', () => {
    const j = planned();
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'to-edi' });
    j.advance(2 * HOUR);
    j.run();
    // At EDI the meeting stays on 2026-03-18 when the release moves later.
    changeDate(j, '2026-04-21');
    j.run();
    expect(live(j)).toEqual([
      'CJSW_VISIT EDI 2026-03-10',
      'CJSW_VISIT EDI 2026-03-12',
      'PRE_RELEASE_MEETING EDI 2026-03-18',
      'GATE_PICKUP EDI 2026-04-21',
    ]);
    // Back at BAR, where the meeting of 2026-03-18 was cancelled: a new one by its due day, visits before it.
    j.tell(j.facts.movementReversed, {
      movement: 'TRANSFER',
      reversedEventId: 'to-edi',
      reversedAt: j.now,
      eventId: 'back',
    });
    j.run();
    expect(live(j)).toEqual([
      'CJSW_VISIT BAR 2026-03-16',
      'CJSW_VISIT BAR 2026-03-25',
      'PRE_RELEASE_MEETING BAR 2026-04-07',
      'GATE_PICKUP BAR 2026-04-21',
    ]);
  });

  it('cancels what no longer fits newest first: a visit booked after the meeting goes before the meeting', () => {
    const j = meetingBookedBeforeAcknowledgement();
    j.t = at(4, 10);
    acknowledge(j);
    j.run();
    expect(live(j)).toEqual([
      'GATE_PICKUP BAR 2026-04-01',
      'PRE_RELEASE_MEETING BAR 2026-03-18',
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-12',
    ]);
    changeDate(j, '2026-03-25');
    expect(cancellations(j)).toEqual([
      [
        'visit:2026-03-12',
        'visit on 2026-03-12 no longer fits before the pre-release meeting (liberation 2026-03-25)',
      ],
      ['pre-release-meeting', 'liberation date now 2026-03-25: meeting due by 2026-03-11'],
      ['gate-pickup', 'liberation date now 2026-03-25'],
    ]);
    expect(live(j)).toEqual([
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-09',
      'PRE_RELEASE_MEETING BAR 2026-03-11',
      'GATE_PICKUP BAR 2026-03-25',
    ]);
  });

  it('keeps the meeting and the visits before it when the release moves later', () => {
    const j = planned();
    changeDate(j, '2026-04-21');
    j.run();
    expect(live(j)).toEqual([
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-12',
      'PRE_RELEASE_MEETING BAR 2026-03-18',
      'GATE_PICKUP BAR 2026-04-21',
    ]);
    expect(booking(j, 'gate-pickup').cancelledBecause).toBe('liberation date now 2026-04-21');
  });

  it('when the release moves earlier, moves the meeting to its new due day and keeps the visits still before it', () => {
    const j = planned();
    changeDate(j, '2026-03-25');
    j.run();
    const meetings = j.s.bookings.filter((b) => b.kind === 'PRE_RELEASE_MEETING');
    expect(meetings.map((b) => [b.date, b.status, b.cancelledBecause])).toEqual([
      ['2026-03-18', 'CANCELLED', 'liberation date now 2026-03-25: meeting due by 2026-03-11'],
      ['2026-03-11', 'BOOKED', undefined],
    ]);
    expect(booking(j, 'visit:2026-03-12')).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause:
        'visit on 2026-03-12 no longer fits before the pre-release meeting (liberation 2026-03-25)',
    });
    expect(live(j)).toEqual([
      'CJSW_VISIT BAR 2026-03-10',
      'CJSW_VISIT BAR 2026-03-09',
      'PRE_RELEASE_MEETING BAR 2026-03-11',
      'GATE_PICKUP BAR 2026-03-25',
    ]);
    expect(j.p.wantedBookings().visitsShort).toBeUndefined();
    expect(j.s.attention).toEqual([]);
  });

  it('says when fewer visits than the policy wants fit before the meeting (never one on the meeting day)', () => {
    const j = planned();
    changeDate(j, '2026-03-24');
    j.run();
    expect(booking(j, 'visit:2026-03-10')).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause:
        'visit on 2026-03-10 no longer fits before the pre-release meeting (liberation 2026-03-24)',
    });
    expect(live(j)).toEqual([
      'CJSW_VISIT BAR 2026-03-09',
      'PRE_RELEASE_MEETING BAR 2026-03-10',
      'GATE_PICKUP BAR 2026-03-24',
    ]);
    expect(j.p.wantedBookings().visitsShort).toEqual({ needed: 2, fit: 1, before: '2026-03-10' });
    expect(j.s.attention.map((a) => [a.action, a.what])).toEqual([
      [
        'visits-short:2026-03-10',
        'only 1 of the 2 custody visits still needed fit before the pre-release meeting on 2026-03-10: arrange contact another way (seed 000 §4.55)',
      ],
    ]);
  });

  it('counts the visits already held towards the policy number', () => {
    const j = planned();
    j.t = at(8, 10);
    expect(
      j.tell(j.facts.meetingHeld, {
        bookingId: booking(j, 'visit:2026-03-10').bookingId,
        kind: 'CJSW_VISIT',
        heldAt: j.now,
        eventId: 'visit-1',
      }),
    ).toBe('applied');
    expect(j.run()).toBe(0);
    expect(j.p.wantedBookings().wanted.filter((w) => w.kind === 'CJSW_VISIT')).toEqual([
      { slot: 'visit:2026-03-12', kind: 'CJSW_VISIT' },
    ]);
    expect(live(j)).toEqual([
      'GATE_PICKUP BAR 2026-04-01',
      'CJSW_VISIT BAR 2026-03-12',
      'PRE_RELEASE_MEETING BAR 2026-03-18',
    ]);
  });

  it('cancels the booked meeting and the visits when no working day is left before the new liberation date', () => {
    const j = planned();
    changeDate(j, '2026-03-09');
    j.run();
    expect(booking(j, 'pre-release-meeting')).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause: 'no working day left before liberation on 2026-03-09',
    });
    expect(live(j)).toEqual(['GATE_PICKUP BAR 2026-03-09']);
    expect(j.p.wantedBookings()).toMatchObject({ visitsShort: undefined });
    expect(j.s.attention.map((a) => a.action)).toEqual(['meeting-impossible:2026-03-09']);
  });

  it('cancels a meeting booked before the release moved out of the planning window, to book again when it opens', () => {
    const j = planned();
    changeDate(j, '2026-07-01');
    j.run();
    expect(booking(j, 'pre-release-meeting')).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause:
        'liberation date now 2026-07-01: the meeting is booked again when release planning opens on 2026-04-08',
    });
    expect(live(j)).toEqual(['CJSW_VISIT BAR 2026-03-10', 'CJSW_VISIT BAR 2026-03-12']);
  });

  it('wants no gate pick-up for a liberation date already past', () => {
    const j = planned();
    changeDate(j, '2026-03-05');
    j.run();
    expect(j.p.liberationDate()).toBe('2026-03-05');
    expect(live(j)).toEqual([]);
    expect(j.p.wantedBookings().wanted).toEqual([]);
  });
});

describe('journey planner: what the agency is told when the case closes', () => {
  it('on consent withdrawn: the withdrawal, with every open clock cancelled for that reason', () => {
    const j = planned();
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'consent' });
    j.run();
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      [
        'CONSENT_WITHDRAWN',
        'The person has withdrawn consent to throughcare: the referral is withdrawn and bookings are cancelled.',
      ],
    ]);
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'CANCELLED',
      note: 'case closed (CONSENT_WITHDRAWN)',
    });
    expect(deadline(j, 'coreScreen').status).toBe('MET');
    expect(j.p.clockWake()).toBeUndefined();
  });

  it.each([
    ['RECALL', 'RECALLED', 'recall'],
    ['NEW_SENTENCE', 'NEW_SENTENCE', 'new sentence'],
  ] as const)('on a return to custody (%s): back in custody, where and why', (reason, closure, words) => {
    const j = planned();
    release(j);
    j.t = at(11, 10);
    expect(
      j.tell(j.facts.returnedToCustody, {
        reason,
        receivedAt: j.now,
        establishmentCode: 'GRE',
        expectedReleaseDate: '2026-06-01',
        sentenceDate: '2026-03-13',
        sentenceLengthDays: 80,
        newEpisode: 2,
        eventId: 'returned',
      }),
    ).toBe('applied');
    j.run();
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      [
        'RELEASED',
        'The person was released from BAR on 2026-03-08 (the liberation date you were last told was 2026-04-01).',
      ],
      ['RETURNED_TO_CUSTODY', `The person is back in custody at GRE (${words}); a new episode follows.`],
    ]);
    expect(j.s).toMatchObject({ closureReason: closure, closureRecorded: true, nextEpisodeHandedOver: true });
  });

  /** What the agency is told when the reception that opened its case is reversed. */
  const receptionInError =
    'The reception that opened this case was recorded in error: the person was not received into custody on it. The referral is withdrawn and its bookings are cancelled; please discard what the referral told you of this person.';
  it.each([
    ['DEPORTED', 'removed to another country', 'The case is closed: DEPORTED (removed to another country).'],
    ['DECEASED', undefined, 'The case is closed: DECEASED.'],
    // custody.reception.reversed, bridged: the reception was recorded in error.
    ['RECEIVED_IN_ERROR', undefined, receptionInError],
  ] as const)('on a closure requested (%s): the reason and the note if any', (reason, note, message) => {
    const j = planned();
    expect(j.tell(j.facts.caseCloseRequested, { reason, requestedAt: j.now, note, eventId: 'close' })).toBe(
      'applied',
    );
    j.run();
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([['CASE_CLOSED', message]]);
    expect(j.notices).toEqual([{ agencyId: 'agency-1', subject: 'CASE_CLOSED', fields: {} }]);
  });

  /** What the bridge sends for a reversed reception or liberation from court, then a planning. */
  const closedInError = (j: SimulatedJourney) => {
    expect(
      j.tell(j.facts.caseCloseRequested, {
        reason: 'RECEIVED_IN_ERROR',
        requestedAt: j.now,
        eventId: 'void',
      }),
    ).toBe('applied');
    j.run();
  };

  /** The liberation's own words (`court-reversal-notice-1`). */
  const liberationInError =
    'The liberation from court that opened this case was recorded in error: the person was not liberated from court on it. The referral is withdrawn and its bookings are cancelled; please discard what the referral told you of this person.';

  /**
   * An England & Wales journey a liberation from court opened (the bridge's input names it), its
   * release set as the workflow sets it at start, planned: in follow-up, the first appointment booked.
   */
  const openedByLiberationFromCourt = (refused: string[] = []) => {
    const input = inputFor('ENGLAND_AND_WALES', 120);
    const j = new SimulatedJourney(
      {
        ...input,
        liberatedFromCourt: { releasedAt: input.receivedAt, legalStatus: 'REMAND', eventId: 'court' },
      },
      refused,
    );
    expect(j.facts.receivedAgain(j.input)).toBe(true);
    j.run();
    return j;
  };

  it('after a liberation from court reversed as recorded in error (custody.court-liberation.reversed, bridged), closes: the appointment cancelled, the agency told in the same words', () => {
    const j = openedByLiberationFromCourt();
    expect(j.s.bookings.map((b) => [b.kind, b.status])).toEqual([['FIRST_APPOINTMENT', 'BOOKED']]);
    j.advance(HOUR);
    // The bridge sends the same closure as for a reception reversed.
    closedInError(j);
    expect(j.s).toMatchObject({ closureReason: 'RECEIVED_IN_ERROR', closureRecorded: true, stage: 'CLOSED' });
    expect(j.s.bookings.map((b) => [b.kind, b.status])).toEqual([['FIRST_APPOINTMENT', 'CANCELLED']]);
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([
      ['CASE_CLOSED', liberationInError],
    ]);
  });

  it("old branch (a journey replayed from before court-reversal-notice-1): the agency reads the reception's words", () => {
    const j = openedByLiberationFromCourt([COURT_REVERSAL_NOTICE_PATCH]);
    j.advance(HOUR);
    closedInError(j);
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([['CASE_CLOSED', receptionInError]]);
  });

  it("a reception held on remand, then liberated from court, reversed: the agency reads the reception's words, as the reception opened the case (review of stop 39, N1)", () => {
    // Opened by its reception; the liberation from court came later, by signal.
    const j = liberatedFromCourtJourney();
    expect(j.p.fromCourt()).toBe(true);
    j.advance(HOUR);
    closedInError(j);
    expect(j.s).toMatchObject({ closureReason: 'RECEIVED_IN_ERROR', stage: 'CLOSED' });
    expect(j.s.notifications.map((n) => [n.subject, n.message])).toEqual([['CASE_CLOSED', receptionInError]]);
  });

  it('tells nothing when the follow-up simply ends (the release was told when it settled)', () => {
    const j = planned();
    release(j);
    attend(j, 'first-appointment:rel', 'YES', j.now, 'att');
    j.run();
    j.t = j.p.nextWake()!;
    j.run();
    expect(j.s).toMatchObject({
      closureReason: 'FOLLOW_UP_COMPLETE',
      closureRecorded: true,
      stage: 'CLOSED',
    });
    expect(j.s.notifications.map((n) => n.subject)).toEqual(['RELEASED']);
    expect(j.notices.map((n) => n.subject)).toEqual(['RELEASED']);
  });

  it('after a release reversed, tells the agency of later changes again', () => {
    const j = planned();
    release(j);
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel',
      reversedAt: j.now,
      eventId: 'rev',
    });
    j.run();
    changeDate(j, '2026-04-21');
    j.run();
    expect(j.notices.map((n) => [n.subject, n.fields])).toEqual([
      [
        'RELEASED',
        { establishmentCode: 'BAR', liberationDate: '2026-03-08', previousLiberationDate: '2026-04-01' },
      ],
      ['MOVEMENT_REVERSED', { establishmentCode: 'BAR', liberationDate: '2026-04-01' }],
      // (The meeting booked again once the release was reversed is named.)
      [
        'LIBERATION_DATE_CHANGED',
        {
          liberationDate: '2026-04-21',
          previousLiberationDate: '2026-04-01',
          preReleaseMeetingDate: '2026-03-18',
          preReleaseMeetingEstablishmentCode: 'BAR',
        },
      ],
    ]);
  });
});

describe('journey planner: attention helpers', () => {
  it('finds the open item of a step, whether any item is open, and the newest item of a step', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    expect(j.p.needsAttention()).toBe(false);
    j.failing = (a) => a.kind === 'request';
    j.run();
    expect(j.p.needsAttention()).toBe(true);
    expect(j.p.openAttention('request:CORE_SCREEN')).toMatchObject({ id: 'att-1', status: 'OPEN' });
    expect(j.p.openAttention('book:gate-pickup')).toBeUndefined();
    expect(j.p.blocked('request:CORE_SCREEN')).toBe(true);
    expect(j.p.blocked('book:gate-pickup')).toBe(false);

    // Retried and failed again: a second item for the same step.
    resolve(j, 'request:CORE_SCREEN', 'RETRY');
    expect(j.p.openAttention('request:CORE_SCREEN')).toBeUndefined();
    expect(j.p.needsAttention()).toBe(false);
    expect(j.p.blocked('request:CORE_SCREEN')).toBe(false);
    j.run();
    expect(j.s.attention.map((a) => [a.id, a.action, a.status])).toEqual([
      ['att-1', 'request:CORE_SCREEN', 'RESOLVED'],
      ['att-2', 'request:CORE_SCREEN', 'OPEN'],
    ]);
    expect(j.p.latestAttention('request:CORE_SCREEN')?.id).toBe('att-2');
    expect(j.p.openAttention('request:CORE_SCREEN')?.id).toBe('att-2');

    // Another step's item, raised later, is not the newest of this one.
    raised(j.s, 'book:gate-pickup', 'someone', { message: 'x' }, ['RETRY'], j.now);
    expect(j.p.latestAttention('request:CORE_SCREEN')?.id).toBe('att-2');
    expect(j.p.latestAttention('book:gate-pickup')?.id).toBe('att-3');
    expect(j.p.latestAttention('referral:send')).toBeUndefined();
  });
});

describe('journey planner: a declined referral stands the agency down (agency-declined-1)', () => {
  const decide = (
    j: SimulatedJourney,
    decision: 'DECLINED' | 'WITHDRAWN' | 'ACCEPTED',
    eventId: string,
    reason?: string,
  ) => j.tell(j.facts.referralOutcome, { referralId: 'ref-1', decision, reason, decidedAt: j.now, eventId });
  const visits = (j: SimulatedJourney) =>
    j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT').map((b) => [b.slot, b.status, b.cancelledBecause]);
  const declinedItems = (j: SimulatedJourney) =>
    j.s.attention.filter((a) => a.action.startsWith('agency-declined:'));

  it('cancels the custody visits booked with the agency, books none, keeps the meeting, and tells prison staff once', () => {
    const j = planned();
    expect(visits(j)).toEqual([
      ['visit:2026-03-10', 'BOOKED', undefined],
      ['visit:2026-03-12', 'BOOKED', undefined],
    ]);
    expect(decide(j, 'DECLINED', 'dec-1', 'outside our catchment')).toBe('applied');
    j.run();
    const because = 'the agency declined the referral: no custody visits with it';
    expect(visits(j)).toEqual([
      ['visit:2026-03-10', 'CANCELLED', because],
      ['visit:2026-03-12', 'CANCELLED', because],
    ]);
    expect(declinedItems(j)).toEqual([
      expect.objectContaining({
        action: 'agency-declined:agency-1:2026-03-08T07:00:00.000Z',
        mustAct: 'prison:BAR',
        errorType: 'REFERRAL_DECLINED',
        status: 'OPEN',
        options: ['SKIP'],
        what: expect.stringContaining(
          'agency agency-1 declined the referral on 2026-03-08 (outside our catchment): no custody visit or appointment after release is booked with it',
        ) as string,
      }),
    ]);
    // The meeting and the pick-up are the prison's: they stay.
    expect(booking(j, 'pre-release-meeting').status).toBe('BOOKED');
    expect(booking(j, 'gate-pickup').status).toBe('BOOKED');
    j.advance(DAY);
    expect(j.run()).toBe(0);
    expect(visits(j).filter(([, status]) => status === 'BOOKED')).toEqual([]);
    expect(declinedItems(j)).toHaveLength(1);
  });

  it('takes the agency back when it accepts after all: the visits booked again, the item closed by the journey', () => {
    const j = planned();
    decide(j, 'WITHDRAWN', 'wd-1', 'caseload');
    j.run();
    expect(declinedItems(j).map((a) => [a.errorType, a.status])).toEqual([
      ['REFERRAL_WITHDRAWN_BY_AGENCY', 'OPEN'],
    ]);
    j.advance(HOUR);
    decide(j, 'ACCEPTED', 'acc-1');
    j.run();
    expect(declinedItems(j).map((a) => [a.status, a.resolution?.by])).toEqual([['RESOLVED', 'throughcare']]);
    expect(j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED')).toHaveLength(2);
    // Declined again later: a new item of its own.
    j.advance(HOUR);
    decide(j, 'DECLINED', 'dec-2');
    j.run();
    expect(declinedItems(j).map((a) => a.status)).toEqual(['RESOLVED', 'OPEN']);
  });

  it('an operator acknowledging the item leaves the visits cancelled', () => {
    const j = planned();
    decide(j, 'DECLINED', 'dec-1');
    j.run();
    const [item] = declinedItems(j);
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item!.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'arranged with the council by phone',
        resolvedAt: j.now,
        eventId: 'resolve-declined',
      }),
    ).toBe('applied');
    j.run();
    expect(j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED')).toEqual([]);
    expect(declinedItems(j)).toHaveLength(1);
  });

  it('before agency-declined-1: the visits stay booked with the agency that declined', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30), [AGENCY_DECLINED_PATCH]);
    setUp(j, 6);
    decide(j, 'DECLINED', 'dec-1');
    j.run();
    expect(j.s.adopted).not.toContain(AGENCY_DECLINED_PATCH);
    expect(j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED')).toHaveLength(2);
    expect(declinedItems(j)).toEqual([]);
  });
});

describe('journey planner: a gate pick-up is met where the person is released from (pickup-release-prison-1)', () => {
  /** Liberation today (2026-03-10) at BAR, the gate pick-up booked for it. */
  function liberationToday(refused: string[] = []): SimulatedJourney {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 20), refused);
    setUp(j, 8);
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: j.p.today(),
      reason: 'HDC_APPROVED',
      changedAt: j.now,
      eventId: 'hdc',
    });
    j.run();
    return j;
  }
  /** Liberation today at BAR; the release is reported from EDI (a transfer the journey never heard of). */
  function releasedFromEdi(refused: string[] = []): SimulatedJourney {
    const j = liberationToday(refused);
    expect(pickups(j)).toEqual([['BAR', 'BOOKED', undefined]]);
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'EDI', eventId: 'rel' });
    j.advance(HOUR);
    j.run();
    return j;
  }
  /** The pick-ups for the release day (the one for the original liberation date was moved first). */
  const pickups = (j: SimulatedJourney) =>
    j.s.bookings
      .filter((b) => b.kind === 'GATE_PICKUP' && b.date === '2026-03-10')
      .map((b) => [b.establishmentCode, b.status, b.cancelledBecause]);

  it('cancels a pick-up at a prison other than the one released from, and books none', () => {
    const j = releasedFromEdi();
    expect(j.p.released()).toBe(true);
    expect(pickups(j)).toEqual([['BAR', 'CANCELLED', 'released from EDI, not BAR']]);
  });

  it('keeps the pick-up at the prison released from', () => {
    const j = liberationToday();
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
    j.advance(HOUR);
    j.run();
    expect(pickups(j)).toEqual([['BAR', 'BOOKED', undefined]]);
  });

  it('before pickup-release-prison-1: the pick-up stays booked at the old prison', () => {
    const j = releasedFromEdi([PICKUP_RELEASE_PRISON_PATCH]);
    expect(pickups(j)).toEqual([['BAR', 'BOOKED', undefined]]);
  });
});

describe('journey planner: a declined referral stands the agency down after release too (declined-appointments-1)', () => {
  const decide = (j: SimulatedJourney, decision: 'DECLINED' | 'WITHDRAWN' | 'ACCEPTED', eventId: string) =>
    j.tell(j.facts.referralOutcome, { referralId: 'ref-1', decision, decidedAt: j.now, eventId });
  const appointments = (j: SimulatedJourney) =>
    j.s.bookings
      .filter((b) => b.kind === 'FIRST_APPOINTMENT')
      .map((b) => [b.slot, b.status, b.cancelledBecause]);

  it('cancels the first appointment booked with an agency that withdraws after release; the clock runs on', () => {
    const j = planned();
    release(j);
    expect(appointments(j)).toEqual([['first-appointment:rel', 'BOOKED', undefined]]);
    j.advance(HOUR);
    decide(j, 'WITHDRAWN', 'wd-1');
    j.run();
    expect(appointments(j)).toEqual([
      ['first-appointment:rel', 'CANCELLED', 'the agency withdrew from the referral: no appointment with it'],
    ]);
    // Nobody is booked to see the person: the clock stays open, so a breach shows it.
    expect(deadline(j, 'firstAppointment:rel').status).toBe('OPEN');
    expect(j.s.attention.filter((a) => a.action.startsWith('agency-declined:'))).toEqual([
      expect.objectContaining({
        status: 'OPEN',
        what: expect.stringContaining(
          'no custody visit or appointment after release is booked with it',
        ) as string,
      }),
    ]);
    // Taken up again: the item is closed; the journey books a release's first appointment once,
    // so the agency books its own against the referral (POST /referrals/{id}/appointments).
    j.advance(HOUR);
    decide(j, 'ACCEPTED', 'acc-1');
    j.run();
    expect(appointments(j).map(([, status]) => status)).toEqual(['CANCELLED']);
    expect(j.s.attention.filter((a) => a.action.startsWith('agency-declined:')).map((a) => a.status)).toEqual(
      ['RESOLVED'],
    );
  });

  it('leaves a first appointment the person kept: a later withdrawal does not cancel what happened', () => {
    const j = planned();
    const releasedAt = release(j);
    attend(j, 'first-appointment:rel', 'YES', releasedAt, 'att');
    j.run();
    expect(deadline(j, 'firstAppointment:rel').status).toBe('MET');
    j.advance(DAY);
    decide(j, 'WITHDRAWN', 'wd-1');
    j.run();
    expect(appointments(j)).toEqual([['first-appointment:rel', 'HELD', undefined]]);
    expect(deadline(j, 'firstAppointment:rel').status).toBe('MET');
  });

  it('books no first appointment after release with an agency that declined in custody', () => {
    const j = planned();
    decide(j, 'DECLINED', 'dec-1');
    j.run();
    release(j);
    expect(appointments(j)).toEqual([]);
    expect(j.p.wantedBookings().wanted.map((w) => w.slot)).toEqual([]);
    expect(deadline(j, 'firstAppointment:rel').status).toBe('OPEN');
  });

  it('before declined-appointments-1: the first appointment is still booked with the agency that declined', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30), [DECLINED_APPOINTMENTS_PATCH]);
    setUp(j, 6);
    decide(j, 'DECLINED', 'dec-1');
    j.run();
    release(j);
    expect(j.s.adopted).toContain(AGENCY_DECLINED_PATCH);
    expect(j.s.adopted).not.toContain(DECLINED_APPOINTMENTS_PATCH);
    expect(appointments(j)).toEqual([['first-appointment:rel', 'BOOKED', undefined]]);
  });
});
