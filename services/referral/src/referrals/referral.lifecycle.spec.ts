import fc from 'fast-check';
import {
  ACKNOWLEDGEMENT_RANK,
  actionOfDecision,
  allowedActions,
  allows,
  APPOINTMENT_ACTIONS,
  insert,
  OPEN_REFERRAL_STATUSES,
  REFERRAL_ACTIONS,
  REFERRAL_LIFECYCLE,
  REFERRAL_STATUSES,
  referralAllowedActions,
  standingAttendance,
  statusOf,
  statusWithAppointments,
  TAKEN_ON_STATUSES,
  type LifecycleFact,
  type ReferralAction,
  type ReferralAppointmentFact,
  type ReferralStatus,
} from './referral.lifecycle';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 9, minute));
let recorded = 0;
/** A fact as the service builds it: the acknowledgement ranks first in its instant, decisions as recorded. */
const fact = (action: ReferralAction, minute: number): LifecycleFact => ({
  action,
  at: at(minute),
  rank: action === 'ACKNOWLEDGE' ? ACKNOWLEDGEMENT_RANK : ++recorded,
});

/** Inserts each fact in the order given (the order they are reported), failing on a refusal. */
function history(...facts: LifecycleFact[]): LifecycleFact[] {
  return facts.reduce<LifecycleFact[]>((so, f) => {
    const insertion = insert(so, f);
    if (!insertion.ok) throw new Error(`${f.action} at ${f.at.toISOString()} refused from ${insertion.from}`);
    return [...so, f];
  }, []);
}

describe('the referral lifecycle table', () => {
  it('reaches every status from the first one, and nothing leaves WITHDRAWN or CLOSED', () => {
    const reached = new Set<ReferralStatus>(['AWAITING_ACKNOWLEDGEMENT']);
    for (let grown = true; grown; ) {
      grown = false;
      for (const t of REFERRAL_LIFECYCLE)
        if (t.from.some((s) => reached.has(s)) && !reached.has(t.to)) {
          reached.add(t.to);
          grown = true;
        }
    }
    expect([...reached].sort()).toEqual([...REFERRAL_STATUSES].sort());
    expect(allowedActions('WITHDRAWN', 'AGENCY')).toEqual([]);
    expect(allowedActions('WITHDRAWN', 'REFERRER')).toEqual([]);
  });

  it('has one transition per action, and every decision is recorded by exactly one', () => {
    expect(REFERRAL_LIFECYCLE.map((t) => t.action).sort()).toEqual([...REFERRAL_ACTIONS].sort());
    expect(
      (['MORE_INFORMATION_REQUESTED', 'ON_WAITING_LIST', 'ACCEPTED', 'DECLINED', 'WITHDRAWN'] as const).map(
        actionOfDecision,
      ),
    ).toEqual(['REQUEST_MORE_INFORMATION', 'PLACE_ON_WAITING_LIST', 'ACCEPT', 'DECLINE', 'WITHDRAW']);
  });

  it('says what the agency may do in each status, and the referrer may always withdraw until withdrawn or closed', () => {
    expect(allowedActions('AWAITING_ACKNOWLEDGEMENT')).toEqual(['ACKNOWLEDGE']);
    expect(allowedActions('ACKNOWLEDGED')).toEqual([
      'REQUEST_MORE_INFORMATION',
      'PLACE_ON_WAITING_LIST',
      'ACCEPT',
      'DECLINE',
      'WITHDRAW',
    ]);
    expect(allowedActions('ON_WAITING_LIST')).toEqual([
      'REQUEST_MORE_INFORMATION',
      'ACCEPT',
      'DECLINE',
      'WITHDRAW',
    ]);
    // The place fell through: back on the waiting list without giving the need up.
    // Or the work is done: the agency closes the case with what it achieved.
    // Or it books an appointment with the person.
    expect(allowedActions('ACCEPTED')).toEqual([
      'PLACE_ON_WAITING_LIST',
      'WITHDRAW',
      'CLOSE',
      'BOOK_APPOINTMENT',
    ]);
    // Reconsideration: the journey hands the need back to an agency that declined and then takes it up.
    const reconsidering = ['REQUEST_MORE_INFORMATION', 'PLACE_ON_WAITING_LIST', 'ACCEPT'];
    expect(allowedActions('DECLINED')).toEqual(reconsidering);
    expect(allowedActions('WITHDRAWN_BY_AGENCY')).toEqual(reconsidering);
    for (const status of REFERRAL_STATUSES.filter((s) => s !== 'WITHDRAWN' && s !== 'CLOSED'))
      expect(allowedActions(status, 'REFERRER')).toEqual(['WITHDRAW_REFERRAL']);
  });

  it('folds the facts in the order they happened, whatever order they were reported in', () => {
    const facts = history(fact('ACKNOWLEDGE', 0), fact('PLACE_ON_WAITING_LIST', 20));
    // Reported late, decided earlier: it falls between the acknowledgement and the waiting list.
    const late = fact('REQUEST_MORE_INFORMATION', 10);
    expect(insert(facts, late)).toEqual({ ok: true, status: 'ON_WAITING_LIST' });
    expect(statusOf([...facts, late, fact('ACCEPT', 30)])).toBe('ACCEPTED');
  });

  it('refuses a decision before the acknowledgement, naming what is allowed there', () => {
    const accept = fact('ACCEPT', 5);
    expect(insert([], accept)).toEqual({
      ok: false,
      refused: accept,
      from: 'AWAITING_ACKNOWLEDGEMENT',
      allowedThere: ['ACKNOWLEDGE'],
    });
    // Dated before an acknowledgement on record (stamped when a case system synchronised): the
    // decision says the agency had the referral, so the acknowledgement counts from it.
    expect(insert(history(fact('ACKNOWLEDGE', 10)), fact('DECLINE', 5))).toEqual({
      ok: true,
      status: 'DECLINED',
    });
    expect(statusOf([fact('ACKNOWLEDGE', 10), fact('ACCEPT', 2), fact('WITHDRAW', 4)])).toBe(
      'WITHDRAWN_BY_AGENCY',
    );
    // The acknowledgement goes first within its instant.
    expect(insert(history(fact('ACKNOWLEDGE', 10)), fact('DECLINE', 10))).toEqual({
      ok: true,
      status: 'DECLINED',
    });
  });

  it('refuses a fact that would strand a later one, and names the later one', () => {
    const facts = history(fact('ACKNOWLEDGE', 0), fact('DECLINE', 20));
    // Accepted at 10 would put the decline at 20 after ACCEPTED, which does not allow DECLINE.
    expect(insert(facts, fact('ACCEPT', 10))).toEqual({
      ok: false,
      refused: facts[1],
      from: 'ACCEPTED',
      allowedThere: ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'],
    });
    // Declined then reconsidered: allowed in that order.
    expect(insert(facts, fact('ACCEPT', 30))).toEqual({ ok: true, status: 'ACCEPTED' });
  });

  it('does not hold a fact recorded before the table was enforced against a new one', () => {
    // An acceptance without an acknowledgement, as the service recorded before the lifecycle.
    const legacy: LifecycleFact[] = [fact('ACCEPT', 10)];
    expect(statusOf(legacy)).toBe('ACCEPTED');
    expect(insert(legacy, fact('WITHDRAW', 20))).toEqual({ ok: true, status: 'WITHDRAWN_BY_AGENCY' });
    // Acknowledged now, after it (the agency putting its record straight): counted from the decision.
    expect(insert(legacy, fact('ACKNOWLEDGE', 15))).toEqual({ ok: true, status: 'ACCEPTED' });
    expect(insert(legacy, fact('ACKNOWLEDGE', 5))).toEqual({ ok: true, status: 'ACCEPTED' });
    // Folding tolerates the legacy order: a late acknowledgement changes nothing.
    expect(statusOf([fact('DECLINE', 10), fact('ACKNOWLEDGE', 15)])).toBe('DECLINED');
  });

  it('keeps a withdrawn referral withdrawn', () => {
    const facts = history(fact('ACKNOWLEDGE', 0), fact('WITHDRAW_REFERRAL', 10));
    expect(statusOf(facts)).toBe('WITHDRAWN');
    expect(insert(facts, fact('ACCEPT', 20))).toMatchObject({
      ok: false,
      from: 'WITHDRAWN',
      allowedThere: [],
    });
    // A decision dated after the withdrawal (within clock skew) never reopens it.
    expect(statusOf([...facts, fact('ACCEPT', 11)])).toBe('WITHDRAWN');
  });

  it('closes only a case the agency took on, and nothing follows a closure', () => {
    expect(insert(history(fact('ACKNOWLEDGE', 0)), fact('CLOSE', 5))).toMatchObject({
      ok: false,
      from: 'ACKNOWLEDGED',
    });
    const closed = history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('CLOSE', 20));
    expect(statusOf(closed)).toBe('CLOSED');
    for (const actor of ['AGENCY', 'REFERRER'] as const) expect(allowedActions('CLOSED', actor)).toEqual([]);
    expect(insert(closed, fact('PLACE_ON_WAITING_LIST', 30))).toMatchObject({ ok: false, from: 'CLOSED' });
    // A decision dated before the closure that would leave it closing a case not accepted: refused,
    // naming the closure it strands.
    expect(insert(closed, fact('PLACE_ON_WAITING_LIST', 10))).toMatchObject({
      ok: false,
      refused: closed[2],
      from: 'ON_WAITING_LIST',
    });
    // A history recorded before the table was enforced (a decline after an acceptance): a closure
    // dated between them is allowed where it falls, and the legacy decline after it changes nothing.
    const legacy: LifecycleFact[] = [fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('DECLINE', 30)];
    expect(insert(legacy, fact('CLOSE', 20))).toEqual({ ok: true, status: 'CLOSED' });
    expect(statusOf([...legacy, fact('CLOSE', 20)])).toBe('CLOSED');
    // Placed on the waiting list and accepted again before the closure: the history still holds.
    const again = history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('PLACE_ON_WAITING_LIST', 8));
    expect(insert([...again, fact('ACCEPT', 12)], fact('CLOSE', 20))).toEqual({ ok: true, status: 'CLOSED' });
  });

  it('only ever builds paths through the table, whatever is reported in whatever order (property)', () => {
    const appointmentActions: readonly ReferralAction[] = APPOINTMENT_ACTIONS;
    const agencyActions = REFERRAL_ACTIONS.filter(
      (a) => a !== 'WITHDRAW_REFERRAL' && !appointmentActions.includes(a),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ action: fc.constantFrom(...agencyActions), minute: fc.integer({ min: 0, max: 30 }) }),
          {
            maxLength: 12,
          },
        ),
        (reports) => {
          let facts: LifecycleFact[] = [];
          reports.forEach((r, i) => {
            const next: LifecycleFact = {
              action: r.action,
              at: at(r.minute),
              rank: r.action === 'ACKNOWLEDGE' ? ACKNOWLEDGEMENT_RANK : i,
            };
            const insertion = insert(facts, next);
            if (insertion.ok) {
              facts = [...facts, next];
              expect(insertion.status).toBe(statusOf(facts));
            }
          });
          // Every fact taken is allowed from the status before it, in time order (the acknowledgement
          // no later than the first decision): a strict path.
          const firstDecision = Math.min(
            ...facts.filter((f) => f.action !== 'ACKNOWLEDGE').map((f) => f.at.getTime()),
          );
          const when = (f: LifecycleFact) =>
            f.action === 'ACKNOWLEDGE' ? Math.min(f.at.getTime(), firstDecision) : f.at.getTime();
          const ordered = [...facts].sort((a, b) => when(a) - when(b) || a.rank - b.rank);
          let status: ReferralStatus = 'AWAITING_ACKNOWLEDGEMENT';
          for (const f of ordered) {
            expect(allows(status, f.action)).toBe(true);
            status = REFERRAL_LIFECYCLE.find((t) => t.action === f.action)!.to;
          }
          expect(statusOf(facts)).toBe(status);
          // Live, not only safe: every action the status allows is taken after the last fact.
          const later = new Date(Math.max(...facts.map((f) => f.at.getTime()), at(30).getTime()) + 60_000);
          for (const action of allowedActions(status).filter((a) => !appointmentActions.includes(a))) {
            const next: LifecycleFact = { action, at: later, rank: 1_000 };
            expect(insert(facts, next)).toEqual({
              ok: true,
              status: REFERRAL_LIFECYCLE.find((t) => t.action === action)!.to,
            });
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the lifecycle of a referral taken on, with its appointments', () => {
  let n = 0;
  /** An appointment booked against the referral: live, attended (YES, LATE, NO at a minute), or cancelled. */
  const visit = (
    state: { attended: 'YES' | 'LATE' | 'NO'; minute: number; recorded?: number } | 'live' | 'cancelled',
  ): ReferralAppointmentFact => {
    const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    if (state === 'live')
      return {
        id,
        attendance: null,
        attendedAt: null,
        nonAttendanceReason: null,
        attendanceRecordedAt: null,
        cancelledAt: null,
        startsAt: at(8),
      };
    if (state === 'cancelled')
      return {
        id,
        attendance: null,
        attendedAt: null,
        nonAttendanceReason: null,
        attendanceRecordedAt: null,
        cancelledAt: at(40),
        startsAt: at(8),
      };
    return {
      id,
      attendance: state.attended,
      attendedAt: at(state.minute),
      nonAttendanceReason: state.attended === 'NO' ? 'POP_UNACCEPTABLE' : null,
      attendanceRecordedAt: at(state.recorded ?? state.minute),
      cancelledAt: null,
      startsAt: at(state.minute),
    };
  };
  const accepted = () => history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5));

  it('books, attends, misses, books again: each step as the issue lists it', () => {
    const facts = accepted();
    expect(statusWithAppointments(facts, [])).toBe('ACCEPTED');
    const first = visit('live');
    expect(statusWithAppointments(facts, [first])).toBe('APPOINTMENT_BOOKED');
    const missed = visit({ attended: 'NO', minute: 10 });
    expect(statusWithAppointments(facts, [missed])).toBe('NOT_ATTENDED');
    expect(standingAttendance(facts, [missed])).toBe(missed);
    // Booked again after the miss: booked, whatever happened before.
    expect(statusWithAppointments(facts, [missed, visit('live')])).toBe('APPOINTMENT_BOOKED');
    expect(standingAttendance(facts, [missed, visit('live')])).toBeUndefined();
    // Attended late: ATTENDED, and the attendance it stands on says LATE.
    const late = visit({ attended: 'LATE', minute: 20 });
    expect(statusWithAppointments(facts, [missed, late])).toBe('ATTENDED');
    expect(standingAttendance(facts, [missed, late])?.attendance).toBe('LATE');
    expect(statusWithAppointments(facts, [missed, visit({ attended: 'YES', minute: 20 })])).toBe('ATTENDED');
    // Closed with its outcome: CLOSED, the appointments no longer count.
    expect(statusWithAppointments([...facts, fact('CLOSE', 30)], [missed, late])).toBe('CLOSED');
  });

  it('goes by the latest attendance in time (then the latest recorded), not the latest booked', () => {
    const facts = accepted();
    const attended = visit({ attended: 'YES', minute: 20 });
    const missedEarlier = visit({ attended: 'NO', minute: 10, recorded: 25 });
    expect(statusWithAppointments(facts, [attended, missedEarlier])).toBe('ATTENDED');
    const missedSameInstantRecordedLater = visit({ attended: 'NO', minute: 20, recorded: 26 });
    expect(statusWithAppointments(facts, [attended, missedSameInstantRecordedLater])).toBe('NOT_ATTENDED');
  });

  it('cancelling the only live appointment returns to the latest attendance, or to ACCEPTED', () => {
    const facts = accepted();
    expect(statusWithAppointments(facts, [visit('cancelled')])).toBe('ACCEPTED');
    const missed = visit({ attended: 'NO', minute: 10 });
    expect(statusWithAppointments(facts, [missed, visit('cancelled')])).toBe('NOT_ATTENDED');
    // Another still live: still booked.
    expect(statusWithAppointments(facts, [missed, visit('cancelled'), visit('live')])).toBe(
      'APPOINTMENT_BOOKED',
    );
  });

  it('starts afresh when accepted again, and leaves every other status alone', () => {
    const attended = visit({ attended: 'YES', minute: 10 });
    const again = history(
      fact('ACKNOWLEDGE', 0),
      fact('ACCEPT', 5),
      fact('PLACE_ON_WAITING_LIST', 15),
      fact('ACCEPT', 16),
    );
    // The attendance before the acceptance in force no longer counts; a live appointment does.
    expect(statusWithAppointments(again, [attended])).toBe('ACCEPTED');
    expect(statusWithAppointments(again, [attended, visit('live')])).toBe('APPOINTMENT_BOOKED');
    expect(statusWithAppointments(again, [attended, visit({ attended: 'NO', minute: 17 })])).toBe(
      'NOT_ATTENDED',
    );
    // Live when the agency accepted again (recorded at 16), its attendance recorded after that but
    // dated before: it belongs to this acceptance (helper-83's find: it was dropped, and recording
    // the attendance turned APPOINTMENT_BOOKED back into ACCEPTED).
    const liveAtReacceptance = visit({ attended: 'YES', minute: 14, recorded: 18 });
    expect(statusWithAppointments(again, [attended, liveAtReacceptance])).toBe('ATTENDED');
    expect(standingAttendance(again, [attended, liveAtReacceptance])).toBe(liveAtReacceptance);
    // Its attendance recorded before the re-acceptance was: it belongs to the earlier one.
    const recordedBefore = visit({ attended: 'NO', minute: 14, recorded: 15 });
    expect(statusWithAppointments(again, [recordedBefore])).toBe('ACCEPTED');
    // The acceptance reported late (decided at 16, recorded at 30): an attendance recorded at 20,
    // dated 14, was recorded before the agency's acceptance reached us, so it is the earlier one's.
    const reportedLate = history(
      fact('ACKNOWLEDGE', 0),
      fact('ACCEPT', 5),
      fact('PLACE_ON_WAITING_LIST', 15),
      { ...fact('ACCEPT', 16), recordedAt: at(30) },
    );
    expect(statusWithAppointments(reportedLate, [visit({ attended: 'YES', minute: 14, recorded: 20 })])).toBe(
      'ACCEPTED',
    );
    // ... and one attended after the acceptance was decided counts, whenever it was recorded.
    expect(statusWithAppointments(reportedLate, [visit({ attended: 'NO', minute: 17, recorded: 20 })])).toBe(
      'NOT_ATTENDED',
    );
    // Waiting-listed with an appointment still live: the decision stands.
    const waiting = history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('PLACE_ON_WAITING_LIST', 15));
    expect(statusWithAppointments(waiting, [visit('live')])).toBe('ON_WAITING_LIST');
    expect(statusWithAppointments(history(fact('ACKNOWLEDGE', 0)), [visit('live')])).toBe('ACKNOWLEDGED');
    const withdrawn = history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('WITHDRAW_REFERRAL', 15));
    expect(statusWithAppointments(withdrawn, [attended, visit('live')])).toBe('WITHDRAWN');
    const stopped = history(fact('ACKNOWLEDGE', 0), fact('ACCEPT', 5), fact('WITHDRAW', 15));
    expect(statusWithAppointments(stopped, [visit('live')])).toBe('WITHDRAWN_BY_AGENCY');
  });

  it('lets a referral taken on do all an ACCEPTED one did, and book another appointment', () => {
    expect(TAKEN_ON_STATUSES).toEqual(['ACCEPTED', 'APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED']);
    expect(allowedActions('APPOINTMENT_BOOKED')).toEqual([
      'PLACE_ON_WAITING_LIST',
      'WITHDRAW',
      'CLOSE',
      'BOOK_APPOINTMENT',
      'RECORD_ATTENDED',
      'RECORD_NOT_ATTENDED',
      'CANCEL_APPOINTMENT',
    ]);
    for (const status of ['ATTENDED', 'NOT_ATTENDED'] as const)
      expect(allowedActions(status)).toEqual([
        'PLACE_ON_WAITING_LIST',
        'WITHDRAW',
        'CLOSE',
        'BOOK_APPOINTMENT',
      ]);
    for (const status of TAKEN_ON_STATUSES) {
      expect(allowedActions(status, 'REFERRER')).toEqual(['WITHDRAW_REFERRAL']);
      for (const refused of ['ACCEPT', 'DECLINE', 'REQUEST_MORE_INFORMATION', 'ACKNOWLEDGE'] as const)
        expect(allows(status, refused)).toBe(false);
    }
    // The referral's allowed actions name the appointment facts a live appointment would take now,
    // in any status (the status moves only for a referral taken on): attendance on any live one,
    // non-attendance once one has started, cancellation of one yet to start.
    const later = { ...visit('live'), startsAt: at(120) };
    expect(referralAllowedActions('ON_WAITING_LIST', [later], at(0))).toEqual([
      'REQUEST_MORE_INFORMATION',
      'ACCEPT',
      'DECLINE',
      'WITHDRAW',
      'RECORD_ATTENDED',
      'CANCEL_APPOINTMENT',
    ]);
    // Closed with an appointment gone by unrecorded (the cascade cancelled the ones to come): its
    // attendance is owed, it cannot be cancelled (helper-84's find).
    const goneBy = { ...visit('live'), startsAt: at(8) };
    expect(referralAllowedActions('CLOSED', [goneBy], at(60))).toEqual([
      'RECORD_ATTENDED',
      'RECORD_NOT_ATTENDED',
    ]);
    // Within the clock skew of its start, both.
    expect(referralAllowedActions('CLOSED', [goneBy], at(10))).toEqual([
      'RECORD_ATTENDED',
      'RECORD_NOT_ATTENDED',
      'CANCEL_APPOINTMENT',
    ]);
    expect(
      referralAllowedActions('CLOSED', [visit('cancelled'), visit({ attended: 'YES', minute: 9 })], at(60)),
    ).toEqual([]);
    const onAppointments: readonly string[] = [
      'RECORD_ATTENDED',
      'RECORD_NOT_ATTENDED',
      'CANCEL_APPOINTMENT',
    ];
    for (const status of REFERRAL_STATUSES)
      expect(referralAllowedActions(status, [], at(0))).toEqual(
        allowedActions(status).filter((a) => !onAppointments.includes(a)),
      );
    expect(referralAllowedActions('APPOINTMENT_BOOKED', [goneBy], at(5))).toEqual(
      allowedActions('APPOINTMENT_BOOKED'),
    );
    expect(referralAllowedActions('APPOINTMENT_BOOKED', [later], at(0))).toEqual([
      'PLACE_ON_WAITING_LIST',
      'WITHDRAW',
      'CLOSE',
      'BOOK_APPOINTMENT',
      'RECORD_ATTENDED',
      'CANCEL_APPOINTMENT',
    ]);
    // Nothing books, attends or cancels through a referral not taken on by the table (its
    // appointment still takes its attendance, without moving the referral).
    for (const status of REFERRAL_STATUSES.filter(
      (s) => !(TAKEN_ON_STATUSES as readonly string[]).includes(s),
    ))
      for (const action of APPOINTMENT_ACTIONS) expect(allows(status, action)).toBe(false);
    // Open: the agencies of these hear of the person's changes of plan.
    expect(OPEN_REFERRAL_STATUSES).toEqual(expect.arrayContaining([...TAKEN_ON_STATUSES]));
    expect(OPEN_REFERRAL_STATUSES).not.toEqual(expect.arrayContaining(['DECLINED']));
  });

  it('checks a decision on a referral taken on as on an ACCEPTED one, and never takes an appointment fact as a decision', () => {
    const facts = accepted();
    // The decision fold of a referral with appointments is ACCEPTED: decline refused, naming the
    // actions an accepted referral allows; withdrawing and closing are allowed.
    expect(insert(facts, fact('DECLINE', 20))).toMatchObject({ ok: false, from: 'ACCEPTED' });
    expect(insert(facts, fact('WITHDRAW', 20))).toEqual({ ok: true, status: 'WITHDRAWN_BY_AGENCY' });
    expect(insert(facts, fact('CLOSE', 20))).toEqual({ ok: true, status: 'CLOSED' });
    expect(() => statusOf([...facts, fact('BOOK_APPOINTMENT', 20)])).toThrow(/appointment's fact/);
  });
});
