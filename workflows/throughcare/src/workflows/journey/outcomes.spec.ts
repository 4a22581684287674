import type { AttentionItemView } from '@throughcare/contracts';
import {
  HOUR,
  inputFor,
  liberatedFromCourtJourney,
  setUp,
  SimulatedJourney,
  tellCoreScreen,
} from './journey-simulation.spec-support';
import { initialState, type Booking, type JourneyState } from './journey-state';
import {
  booked,
  bookingEntry,
  cancelAnswered,
  cancelFailed,
  closedByJourney,
  noticeEntry,
  noticeSkipped,
  raised,
  requested,
  requestSeq,
  stageEntered,
  stageEntry,
} from './outcomes';
import { RELEASE_NOTICE_PATCH, type Notice } from './planner';

/** The outcome recorders: what each effect's answer changes in the journey's books. */

const AT = '2026-03-10T10:00:00.000Z';

const state = (): JourneyState => initialState('2026-06-30');

const booking = (over: Partial<Booking>): Booking => ({
  bookingId: 'bk-7',
  slot: 'visit:2026-03-20',
  kind: 'CJSW_VISIT',
  establishmentCode: 'BAR',
  date: '2026-03-20',
  status: 'BOOKED',
  ...over,
});

describe('outcomes: counters taken before an effect (idempotency keys)', () => {
  it('counts stage entries, bookings and notices from 1, each on its own counter', () => {
    const s = state();
    expect([stageEntry(s), stageEntry(s)]).toEqual([1, 2]);
    expect([bookingEntry(s), bookingEntry(s), bookingEntry(s)]).toEqual([1, 2, 3]);
    expect(noticeEntry(s)).toBe(1);
    expect(s).toMatchObject({ stageEntries: 2, bookingSeq: 3, notifySeq: 1 });
  });

  it('numbers the requests of each kind separately, from 1', () => {
    const s = state();
    expect(requestSeq(s, 'CORE_SCREEN')).toBe(1);
    requested(s, 'CORE_SCREEN', 1, 'asm-core', '2026-03-05T23:59:59.999Z');
    requested(s, 'STANDARD_REVIEW', 1, 'asm-r1', '2026-09-02T22:59:59.999Z');
    requested(s, 'STANDARD_REVIEW', 2, 'asm-r2', '2027-09-02T22:59:59.999Z');
    expect(requestSeq(s, 'STANDARD_REVIEW')).toBe(3);
    expect(requestSeq(s, 'CORE_SCREEN')).toBe(2);
    expect(requestSeq(s, 'SUMMARY_REVIEW')).toBe(1);
    expect(s.requests[0]).toEqual({
      kind: 'CORE_SCREEN',
      seq: 1,
      assessmentId: 'asm-core',
      dueAt: '2026-03-05T23:59:59.999Z',
    });
  });
});

describe('outcomes: stages entered', () => {
  it('records reception as done once, then each stage left, in order', () => {
    const s = state();
    stageEntered(s, 'CORE_SCREEN');
    expect(s.stage).toBe('CORE_SCREEN');
    expect(s.stagesDone).toEqual(['RECEPTION']);
    stageEntered(s, 'COMPREHENSIVE_SCREEN');
    stageEntered(s, 'REFERRAL');
    expect(s.stage).toBe('REFERRAL');
    expect(s.stagesDone).toEqual(['RECEPTION', 'CORE_SCREEN', 'COMPREHENSIVE_SCREEN']);
  });

  it('does not list a stage twice when it is left again (re-entered after a reversal), nor one re-entered in place', () => {
    const s = state();
    stageEntered(s, 'PRE_RELEASE_MEETING');
    stageEntered(s, 'FOLLOW_UP');
    stageEntered(s, 'PRE_RELEASE_MEETING'); // the release was reversed
    stageEntered(s, 'FOLLOW_UP');
    expect(s.stagesDone).toEqual(['RECEPTION', 'PRE_RELEASE_MEETING', 'FOLLOW_UP']);
    stageEntered(s, 'FOLLOW_UP');
    expect(s.stagesDone).toEqual(['RECEPTION', 'PRE_RELEASE_MEETING', 'FOLLOW_UP']);
    expect(s.stage).toBe('FOLLOW_UP');
    const fresh = state();
    stageEntered(fresh, 'CORE_SCREEN');
    stageEntered(fresh, 'CORE_SCREEN');
    expect(fresh.stagesDone).toEqual(['RECEPTION']);
  });
});

describe('outcomes: bookings made', () => {
  it('after a liberation straight from court, booking the first appointment is how the agency learns of the release', () => {
    const j = liberatedFromCourtJourney();
    expect(j.s.told).toEqual({
      agencyId: 'agency-1',
      establishmentCode: 'BAR',
      liberationDate: '2026-03-02',
      custody: 'OUT',
      meetingImpossibleFor: [],
    });
    expect(j.s.bookings).toEqual([
      {
        bookingId: 'bk-1',
        slot: 'first-appointment:court',
        kind: 'FIRST_APPOINTMENT',
        establishmentCode: undefined,
        date: undefined,
        status: 'BOOKED',
        agencyId: 'agency-1',
        releaseEventId: 'court',
      },
    ]);
  });

  it('an appointment booked for an agency already told of the person keeps what it was told, now out of custody', () => {
    // The journey's branch before release-notice-1 (since it, the release notice comes first and
    // `booked` finds the agency told already).
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30), [RELEASE_NOTICE_PATCH]);
    setUp(j, 6);
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
    j.advance(HOUR);
    j.run();
    expect(j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => b.kind)).toEqual([
      'FIRST_APPOINTMENT',
    ]);
    // The release day is not a new liberation date for the agency: it hears of the release itself.
    expect(j.p.liberationDate()).toBe('2026-03-08');
    expect(j.s.told).toEqual({
      agencyId: 'agency-1',
      establishmentCode: 'BAR',
      liberationDate: '2026-04-01',
      custody: 'OUT',
      meetingImpossibleFor: [],
    });
  });

  it('a follow-up appointment booked is recorded with its slot, and the agency counts the person as out', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    expect(j.s.told!.custody).toBe('IN');
    booked(
      j.p,
      j.s,
      {
        slot: 'follow-up-appointment:e9',
        kind: 'FOLLOW_UP_APPOINTMENT',
        agencyId: 'agency-1',
        releaseEventId: 'rel',
      },
      'bk-f',
    );
    expect(j.s.told!.custody).toBe('OUT');
    expect(j.s.bookings.at(-1)).toEqual({
      bookingId: 'bk-f',
      slot: 'follow-up-appointment:e9',
      kind: 'FOLLOW_UP_APPOINTMENT',
      establishmentCode: undefined,
      date: undefined,
      status: 'BOOKED',
      agencyId: 'agency-1',
      releaseEventId: 'rel',
    });
  });

  it('a booking in custody (visit, meeting, pick-up) does not change what the agency believes', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    const before = { ...j.s.told! };
    booked(
      j.p,
      j.s,
      { slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: 'BAR', date: '2026-04-01' },
      'bk-g',
    );
    expect(j.s.told).toEqual(before);
    expect(j.s.told!.custody).toBe('IN');
  });
});

describe('outcomes: compensations answered', () => {
  it("since v3, a visit the service says was already held is kept as held, once, under the compensation's key", () => {
    const s = state();
    s.meetingsHeld.push({
      bookingId: 'bk-1',
      kind: 'CJSW_VISIT',
      heldAt: '2026-03-09T10:00:00.000Z',
      eventId: 'e1',
    });
    const b = booking({ cancelFailed: 'GONE: earlier attempt' });
    expect(cancelAnswered(s, true, b, 'person moved from BAR to EDI', 'ALREADY_HELD', AT)).toBe('HELD');
    expect(b).toEqual(booking({ status: 'HELD', cancelFailed: undefined }));
    expect(s.meetingsHeld).toEqual([
      { bookingId: 'bk-1', kind: 'CJSW_VISIT', heldAt: '2026-03-09T10:00:00.000Z', eventId: 'e1' },
      { bookingId: 'bk-7', kind: 'CJSW_VISIT', heldAt: AT, eventId: 'cancel-outcome:bk-7' },
    ]);
    // The same answer again (a retried compensation): nothing new is recorded.
    expect(cancelAnswered(s, true, b, 'person moved from BAR to EDI', 'ALREADY_HELD', AT)).toBe('HELD');
    expect(s.meetingsHeld).toHaveLength(2);
  });

  it('since v3, a pre-release meeting already held is kept as held too', () => {
    const s = state();
    const b = booking({ bookingId: 'bk-m', slot: 'pre-release-meeting', kind: 'PRE_RELEASE_MEETING' });
    expect(cancelAnswered(s, true, b, 'no working day left', 'ALREADY_HELD', AT)).toBe('HELD');
    expect(b.status).toBe('HELD');
    expect(b.cancelledBecause).toBeUndefined();
    expect(s.meetingsHeld).toEqual([
      { bookingId: 'bk-m', kind: 'PRE_RELEASE_MEETING', heldAt: AT, eventId: 'cancel-outcome:bk-m' },
    ]);
  });

  it('anything else answered is cancelled with its reason: a gate pick-up "already held", or any answer before v3', () => {
    const s = state();
    const pickup = booking({ bookingId: 'bk-g', slot: 'gate-pickup', kind: 'GATE_PICKUP' });
    expect(cancelAnswered(s, true, pickup, 'liberation date now 2026-04-08', 'ALREADY_HELD', AT)).toBe(
      'CANCELLED',
    );
    expect(pickup).toMatchObject({ status: 'CANCELLED', cancelledBecause: 'liberation date now 2026-04-08' });
    const visit = booking({ cancelFailed: 'GONE: earlier attempt' });
    expect(cancelAnswered(s, false, visit, 'released on 2026-03-12', 'ALREADY_HELD', AT)).toBe('CANCELLED');
    // Before v3 the failure stays on the booking.
    expect(visit).toMatchObject({
      status: 'CANCELLED',
      cancelledBecause: 'released on 2026-03-12',
      cancelFailed: 'GONE: earlier attempt',
    });
    const meeting = booking({ bookingId: 'bk-m', kind: 'PRE_RELEASE_MEETING' });
    expect(cancelAnswered(s, true, meeting, 'case closed (OTHER)', 'CANCELLED', AT)).toBe('CANCELLED');
    expect(meeting.status).toBe('CANCELLED');
    expect(s.meetingsHeld).toEqual([]);
  });

  it('a compensation that failed for good is kept on the booking, which counts as cancelled', () => {
    const b = booking({});
    cancelFailed(b, 'person moved from BAR to EDI', 'NOT_FOUND: no such booking');
    expect(b).toEqual(
      booking({
        status: 'CANCELLED',
        cancelledBecause: 'person moved from BAR to EDI',
        cancelFailed: 'NOT_FOUND: no such booking',
      }),
    );
  });
});

describe('outcomes: notices', () => {
  const notice = (s: JourneyState): Notice => ({
    subject: 'LIBERATION_DATE_CHANGED',
    message: 'The liberation date is now 2026-04-08 (was 2026-04-01).',
    agencyId: 'agency-3',
    apply: () => {
      s.told!.liberationDate = '2026-04-08';
    },
  });
  const told = (s: JourneyState) => {
    s.told = {
      agencyId: 'agency-3',
      establishmentCode: 'BAR',
      liberationDate: '2026-04-01',
      custody: 'IN',
      meetingImpossibleFor: [],
    };
  };

  it("a skipped notice is recorded as not sent, with the operator's reason, and the agency counts as told", () => {
    const s = state();
    told(s);
    noticeSkipped(s, notice(s), 'told by phone', AT);
    expect(s.notifications).toEqual([
      {
        agencyId: 'agency-3',
        subject: 'LIBERATION_DATE_CHANGED',
        message:
          '(not sent: skipped by an operator, told by phone) The liberation date is now 2026-04-08 (was 2026-04-01).',
        at: AT,
      },
    ]);
    expect(s.told!.liberationDate).toBe('2026-04-08');
  });

  it('a skipped notice without a reason says so', () => {
    const s = state();
    told(s);
    noticeSkipped(s, notice(s), undefined, AT);
    expect(s.notifications.map((n) => n.message)).toEqual([
      '(not sent: skipped by an operator, no reason) The liberation date is now 2026-04-08 (was 2026-04-01).',
    ]);
  });

  it('an operator skipping a notice that failed for good: the journey records it and moves on', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    j.failing = (a) => a.kind === 'notify';
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: '2026-04-21',
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId: 'd',
    });
    j.run();
    const item = j.s.attention.find((a) => a.action === 'notify:LIBERATION_DATE_CHANGED:1')!;
    expect(item.status).toBe('OPEN');
    j.failing = () => false;
    j.tell(j.facts.resolveAttention, {
      itemId: item.id,
      option: 'SKIP',
      reason: 'told by phone',
      by: 'operator',
      resolvedAt: j.now,
      eventId: 'skip',
    });
    j.run();
    expect(j.s.notifications.map((n) => [n.agencyId, n.subject, n.message])).toEqual([
      [
        'agency-1',
        'LIBERATION_DATE_CHANGED',
        '(not sent: skipped by an operator, told by phone) The liberation date is now 2026-04-21 (was 2026-04-01). The pre-release meeting is on 2026-03-18 at BAR.',
      ],
    ]);
    expect(j.s.told!.liberationDate).toBe('2026-04-21');
    expect(j.notices).toEqual([]);
  });
});

describe('outcomes: the referral sent', () => {
  it('in custody: the agency is told where the person is and when they are due out', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    expect(j.s.referralId).toBe('ref-1');
    // Release planning is open from reception (a short sentence): sent once the core screen found needs.
    expect(j.s.referralSentAt).toBe('2026-03-03T10:00:00.000Z');
    expect(j.s.told).toEqual({
      agencyId: 'agency-1',
      establishmentCode: 'BAR',
      liberationDate: '2026-04-01',
      custody: 'IN',
      meetingImpossibleFor: [],
    });
  });

  it('sent after the release (the screens were not done in time): the agency is told the person is out', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 120));
    j.run();
    tellCoreScreen(j, ['ACCOMMODATION'], 'core');
    j.run();
    expect(j.s.agencyId).toBe('agency-1');
    expect(j.s.referralId).toBeUndefined(); // waits for the comprehensive screen
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
    j.advance(HOUR);
    while (!j.s.referralId) expect(j.stepOnce()).toBe(true);
    expect(j.s.referralSentAt).toBe('2026-03-02T10:00:00.000Z');
    expect(j.s.told).toEqual({
      agencyId: 'agency-1',
      establishmentCode: 'BAR',
      liberationDate: '2026-03-02',
      custody: 'OUT',
      meetingImpossibleFor: [],
    });
  });
});

describe('outcomes: attention items', () => {
  it('raises one item per step: none while one is open for it, a new one once it is resolved', () => {
    const s = state();
    const failure = { type: 'TIMEOUT', message: 'referral service did not answer' };
    const first = raised(s, 'referral:send', 'referral service', failure, ['RETRY', 'SKIP'], AT);
    expect(first).toEqual({
      id: 'att-1',
      action: 'referral:send',
      what: 'referral service did not answer',
      errorType: 'TIMEOUT',
      mustAct: 'referral service',
      since: AT,
      options: ['RETRY', 'SKIP'],
      status: 'OPEN',
    });
    expect(raised(s, 'referral:send', 'referral service', failure, ['RETRY', 'SKIP'], AT)).toBeUndefined();
    // Another step is not held by it.
    expect(raised(s, 'book:gate-pickup', 'liberation service', failure, ['RETRY'], AT)?.id).toBe('att-2');
    first!.status = 'RESOLVED';
    expect(raised(s, 'referral:send', 'referral service', failure, ['RETRY', 'SKIP'], AT)?.id).toBe('att-3');
    expect(s.attention.map((a) => [a.id, a.action, a.status])).toEqual([
      ['att-1', 'referral:send', 'RESOLVED'],
      ['att-2', 'book:gate-pickup', 'OPEN'],
      ['att-3', 'referral:send', 'OPEN'],
    ]);
  });

  it('says what failed: the message, else the error type, else that there was no message', () => {
    const s = state();
    const what = (failure: { type?: string; message: string }, action: string) =>
      raised(s, action, 'someone', failure, ['SKIP'], AT)!.what;
    expect(what({ type: 'T', message: 'it broke' }, 'a')).toBe('it broke');
    expect(what({ type: 'GONE', message: '' }, 'b')).toBe('GONE');
    expect(what({ message: '' }, 'c')).toBe('failed without a message');
    expect(s.attention.map((a) => a.errorType)).toEqual(['T', 'GONE', undefined]);
  });

  it('an item the journey closes itself is resolved by throughcare and queued for the operator list', () => {
    const s = state();
    const item: AttentionItemView = raised(
      s,
      'meeting-impossible:2026-04-01',
      'prison:BAR and agency:agency-1',
      { type: 'PRE_RELEASE_MEETING_IMPOSSIBLE', message: 'no working day left' },
      ['SKIP'],
      AT,
    )!;
    closedByJourney(s, item, 'SKIP', 'a pre-release meeting is possible again', '2026-03-11T09:00:00.000Z');
    expect(s.attention[0]).toEqual({
      ...item,
      status: 'RESOLVED',
      resolution: {
        option: 'SKIP',
        by: 'throughcare',
        reason: 'a pre-release meeting is possible again',
        at: '2026-03-11T09:00:00.000Z',
      },
    });
    expect(item.status).toBe('RESOLVED');
    expect(s.attentionUnrecorded).toEqual(['att-1']);
  });
});
