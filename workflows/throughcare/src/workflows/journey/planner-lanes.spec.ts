import { HOUR, inputFor, setUp, SimulatedJourney } from './journey-simulation.spec-support';
import {
  DATE_NOTICE_MEETING_WAIT_MS,
  laneOf,
  MEETING_IN_NOTICE_PATCH,
  type Action,
  type Lane,
} from './planner';

/** The planner's lanes (`effect-lanes-1`): which service each action goes to, and what waits for what. */
describe('journey planner: lanes', () => {
  it('sends each action to the service its effect calls', () => {
    const booking = (kind: 'GATE_PICKUP' | 'FIRST_APPOINTMENT') =>
      ({ bookingId: 'b', kind, slot: 's', status: 'BOOKED' }) as never;
    const notice = { subject: 'TRANSFERRED', message: 'm', apply: () => undefined } as never;
    const cases: [Action, Lane | undefined][] = [
      [{ kind: 'enter', action: 'stage:X', stage: 'REFERRAL', record: true }, 'liberation'],
      [{ kind: 'enter', action: 'stage:X', stage: 'REFERRAL', record: false }, undefined],
      [
        { kind: 'raise', action: 'x', mustAct: 'm', failure: { message: 'f' }, options: ['SKIP'] },
        'throughcare',
      ],
      [{ kind: 'closeItem', item: {} as never, reason: 'r' }, undefined],
      [
        { kind: 'request', action: 'request:CORE_SCREEN', assessment: 'CORE_SCREEN', dueAt: 'd' },
        'assessment',
      ],
      [{ kind: 'findAgency', action: 'directory:find-agency' }, 'directory'],
      [{ kind: 'sendReferral', action: 'referral:send' }, 'referral'],
      [{ kind: 'withdrawReferral', action: 'referral:withdraw', closing: 'OTHER' }, 'referral'],
      [{ kind: 'cancel', booking: booking('GATE_PICKUP'), because: 'b' }, 'liberation'],
      [{ kind: 'cancel', booking: booking('FIRST_APPOINTMENT'), because: 'b' }, 'referral'],
      [{ kind: 'book', action: 'book:x', wanted: { slot: 'x', kind: 'PRE_RELEASE_MEETING' } }, 'liberation'],
      [{ kind: 'book', action: 'book:x', wanted: { slot: 'x', kind: 'FOLLOW_UP_APPOINTMENT' } }, 'referral'],
      [{ kind: 'notify', action: 'notify:x', notice }, 'referral'],
      [{ kind: 'skipNotice', action: 'notify:x', notice }, undefined],
      [{ kind: 'close', action: 'case:close', closing: 'OTHER' }, 'throughcare'],
      [{ kind: 'handOver', action: 'episode:next' }, 'throughcare'],
    ];
    expect(cases.map(([a]) => laneOf(a))).toEqual(cases.map(([, lane]) => lane));
  });

  it('with a lane busy, its actions wait and the first action of another lane is next', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't1' });
    j.advance(2 * HOUR);
    // Serially: the bookings at the old prison are cancelled first, the agency told last.
    expect(j.p.nextAction()).toMatchObject({ kind: 'cancel' });
    // The prison's booking system busy: the agency is told now.
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toMatchObject({
      kind: 'notify',
      notice: {
        subject: 'TRANSFERRED',
        fields: { establishmentCode: 'EDI', previousEstablishmentCode: 'BAR' },
      },
    });
    // Both busy: nothing can start.
    expect(j.p.nextAction(new Set<Lane>(['liberation', 'referral']))).toBeUndefined();
    // An empty set is no lane busy.
    expect(j.p.nextAction(new Set<Lane>())).toMatchObject({ kind: 'cancel' });
  });

  it('the closure waits for every lane, even one its own actions do not use', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    // Everything but the closure done serially.
    for (let a = j.p.nextAction(); a && a.kind !== 'close'; a = j.p.nextAction()) j.execute(a);
    expect(j.p.nextAction()).toMatchObject({ kind: 'close', closing: 'CONSENT_WITHDRAWN' });
    expect(j.p.nextAction(new Set<Lane>(['assessment']))).toBeUndefined();
  });

  it('"no day left for the meeting" waits while the prison’s bookings are in flight', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    // HDC: liberation on the next working day, no day left for a meeting.
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: '2026-03-09',
      reason: 'HDC_APPROVED',
      changedAt: j.now,
      eventId: 'd1',
    });
    expect(j.p.nextAction()).toMatchObject({ kind: 'enter', stage: 'AWAITING_RELEASE' });
    j.execute(j.p.nextAction()!);
    expect(j.p.nextAction()).toMatchObject({ kind: 'raise', action: 'meeting-impossible:2026-03-09' });
    // The liberation lane busy (a cancellation in flight): neither the item nor the notice goes yet.
    // The date change itself is news the agency gets at once.
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toMatchObject({
      kind: 'notify',
      notice: { subject: 'LIBERATION_DATE_CHANGED', fields: { liberationDate: '2026-03-09' } },
    });
    // Told, and the lane still busy: nothing else goes (no item, no "meeting impossible" notice).
    const notice = j.p.nextAction(new Set<Lane>(['liberation']))!;
    j.execute(notice);
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toBeUndefined();
    // The lane free: the item is raised.
    expect(j.p.nextAction()).toMatchObject({ kind: 'raise', action: 'meeting-impossible:2026-03-09' });
  });

  it('a changed date’s notice waits for the meeting booked again and names it (meeting-in-notice-1)', () => {
    const j = hdcBringsLiberationForward([], (before) =>
      expect(meetingsOf(before)).toEqual([['BOOKED', '2026-03-18', 'BAR']]),
    );
    const meetings = () => meetingsOf(j);
    // Serially the prison's bookings come first; with them in flight the notice waits.
    const cancel = j.p.nextAction()!;
    expect(cancel).toMatchObject({ kind: 'cancel', booking: { kind: 'PRE_RELEASE_MEETING' } });
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toBeUndefined();
    j.run();
    const [, booked] = meetings();
    expect(booked).toEqual(['BOOKED', expect.any(String), 'BAR']);
    expect(j.notices.map((n) => [n.subject, n.fields])).toEqual([
      [
        'LIBERATION_DATE_CHANGED',
        {
          liberationDate: '2026-03-25',
          previousLiberationDate: '2026-04-01',
          preReleaseMeetingDate: booked![1],
          preReleaseMeetingEstablishmentCode: 'BAR',
        },
      ],
    ]);
    expect(j.s.notifications.map((n) => n.message)).toEqual([
      `The liberation date is now 2026-03-25 (was 2026-04-01). The pre-release meeting is on ${booked![1]} at BAR.`,
    ]);
  });

  it('a changed date’s notice waits for the meeting DATE_NOTICE_MEETING_WAIT_MS at most, then goes with the date alone', () => {
    const j = hdcBringsLiberationForward([]);
    const cancel = j.p.nextAction()!;
    expect(cancel).toMatchObject({ kind: 'cancel', booking: { kind: 'PRE_RELEASE_MEETING' } });
    // The liberation service is slow (the cancellation stays in flight): the notice waits…
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toBeUndefined();
    // …and the journey wakes when the wait ends.
    expect(j.p.nextWake()).toBe(j.t + DATE_NOTICE_MEETING_WAIT_MS);
    j.advance(DATE_NOTICE_MEETING_WAIT_MS);
    const notice = j.p.nextAction(new Set<Lane>(['liberation']));
    expect(notice).toMatchObject({
      kind: 'notify',
      notice: {
        subject: 'LIBERATION_DATE_CHANGED',
        fields: { liberationDate: '2026-03-25', previousLiberationDate: '2026-04-01' },
      },
    });
    // (The meeting being cancelled is not named.)
    expect((notice as Extract<Action, { kind: 'notify' }>).notice.fields).not.toHaveProperty(
      'preReleaseMeetingDate',
    );
  });

  it('a changed date’s notice names no meeting, and does not wait, before the patch (meeting-in-notice-1 refused)', () => {
    const j = hdcBringsLiberationForward([MEETING_IN_NOTICE_PATCH]);
    expect(j.p.nextAction(new Set<Lane>(['liberation']))).toMatchObject({
      kind: 'notify',
      notice: {
        subject: 'LIBERATION_DATE_CHANGED',
        fields: { liberationDate: '2026-03-25', previousLiberationDate: '2026-04-01' },
      },
    });
    j.run();
    expect(j.notices.map((n) => Object.keys(n.fields).sort())).toEqual([
      ['liberationDate', 'previousLiberationDate'],
    ]);
  });
});

const meetingsOf = (j: SimulatedJourney) =>
  j.s.bookings
    .filter((b) => b.kind === 'PRE_RELEASE_MEETING')
    .map((b) => [b.status, b.date, b.establishmentCode]);

/** A journey at its pre-release meeting (liberation 2026-04-01) whose liberation HDC brings forward to 2026-03-25, settled. */
function hdcBringsLiberationForward(
  refused: string[],
  before?: (j: SimulatedJourney) => void,
): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', 30), refused);
  setUp(j, 6);
  before?.(j);
  j.advance(2 * HOUR);
  j.tell(j.facts.releaseDateChanged, {
    expectedReleaseDate: '2026-03-25',
    reason: 'HDC_APPROVED',
    changedAt: j.now,
    eventId: 'd1',
  });
  return j;
}
