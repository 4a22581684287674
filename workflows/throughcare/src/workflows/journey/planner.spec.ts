import { ApplicationFailure } from '@temporalio/common';
import { localDateOf } from '@throughcare/domain';
import { HOUR, inputFor, setUp, SimulatedJourney } from './journey-simulation.spec-support';

/** The planner and fact rules on worked examples (the properties are in planner.property.spec.ts). */
describe('journey planner', () => {
  const scotland = () => new SimulatedJourney(inputFor('SCOTLAND', 120));

  it('starts a reception by entering the core screen and asking for it, then waits', () => {
    const j = scotland();
    expect(j.p.nextAction()).toMatchObject({ kind: 'enter', stage: 'CORE_SCREEN', record: true });
    j.stepOnce();
    expect(j.p.nextAction()).toMatchObject({
      kind: 'request',
      action: 'request:CORE_SCREEN',
      assessment: 'CORE_SCREEN',
      dueAt: j.s.deadlines.find((d) => d.key === 'coreScreen')!.dueAt,
    });
    j.stepOnce();
    expect(j.p.nextAction()).toBeUndefined();
    expect(j.p.waitingOn()).toBe('assessment by prison:BAR');
    // Nothing to do until the next instant that matters (release planning opens, or the summary review).
    expect(j.p.nextWake()).toBeGreaterThan(j.t);
    expect(j.s.deadlines.map((d) => [d.key, d.status])).toEqual([
      ['coreScreen', 'OPEN'],
      ['comprehensiveScreen', 'OPEN'],
    ]);
  });

  it('plans the release once the referral is acknowledged: visits, then the meeting and the gate pick-up', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    const live = j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => b.kind);
    expect(live).toEqual(expect.arrayContaining(['GATE_PICKUP', 'PRE_RELEASE_MEETING']));
    expect(j.s.stage).toBe('PRE_RELEASE_MEETING');
    expect(j.s.told).toMatchObject({ agencyId: 'agency-1', establishmentCode: 'BAR', custody: 'IN' });
    expect(j.p.needs()).toEqual(['ACCOMMODATION', 'EDUCATION_SKILLS_AND_WORK']);
  });

  it('on a transfer: waits for it to settle, then moves each booking and tells the agency once', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't1' }),
    ).toBe('applied');
    expect(j.p.establishment()).toBe('BAR'); // not settled yet
    expect(j.run()).toBe(0);
    j.advance(2 * HOUR);
    j.run();
    expect(j.p.establishment()).toBe('EDI');
    const live = j.s.bookings.filter((b) => b.status === 'BOOKED');
    expect(live.every((b) => b.establishmentCode === 'EDI')).toBe(true);
    const cancelled = j.s.bookings.filter((b) => b.status === 'CANCELLED');
    expect(cancelled.length).toBeGreaterThan(1);
    expect(cancelled.map((b) => b.cancelledBecause)).toEqual(
      cancelled.map(() => 'person moved from BAR to EDI'),
    );
    expect(j.notices).toEqual([
      {
        agencyId: 'agency-1',
        subject: 'TRANSFERRED',
        fields: { establishmentCode: 'EDI', previousEstablishmentCode: 'BAR' },
      },
    ]);
  });

  it('refuses facts it cannot use, with the reason, and ignores a repeated one', () => {
    const j = scotland();
    j.run();
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return err instanceof ApplicationFailure ? [err.type, err.message] : err;
      }
      return undefined;
    };
    expect(
      refusal(() =>
        j.facts.transferred.validate({ toEstablishmentCode: 'BAR', transferredAt: j.now, eventId: 'x' }),
      ),
    ).toEqual(['VALIDATION_FAILED', 'already at BAR: a transfer must change the establishment']);
    expect(
      refusal(() =>
        j.facts.releaseDateChanged.validate({
          expectedReleaseDate: '2026-03-01',
          reason: 'OTHER',
          changedAt: j.now,
          eventId: 'y',
        }),
      ),
    ).toEqual([
      'VALIDATION_FAILED',
      'expected release date 2026-03-01 is before reception (2026-03-02T09:00:00.000Z)',
    ]);
    expect(
      refusal(() =>
        j.facts.assessmentCompleted.validate({
          assessmentId: 'asm-unknown',
          kind: 'COMPREHENSIVE_SCREEN',
          needs: [],
          completedAt: j.now,
          eventId: 'z',
        }),
      ),
    ).toEqual(['NOT_YET_KNOWN', 'assessment asm-unknown is not one this episode requested (yet)']);
    const change = {
      expectedReleaseDate: '2026-05-01',
      reason: 'OTHER' as const,
      changedAt: j.now,
      eventId: 'd1',
    };
    expect(j.tell(j.facts.releaseDateChanged, change)).toBe('applied');
    expect(j.tell(j.facts.releaseDateChanged, { ...change, expectedReleaseDate: '2026-06-01' })).toBe(
      'duplicate',
    );
    expect(j.s.expectedReleaseDate).toBe('2026-05-01');
  });

  it('holds a step that failed for good on an attention item until an operator retries it', () => {
    const j = scotland();
    j.failing = (a) => a.kind === 'request';
    j.run();
    expect(j.s.attention).toEqual([
      expect.objectContaining({ action: 'request:CORE_SCREEN', status: 'OPEN', options: ['RETRY', 'SKIP'] }),
    ]);
    expect(j.p.blocked('request:CORE_SCREEN')).toBe(true);
    expect(j.p.nextAction()).toBeUndefined();
    j.failing = () => false;
    j.tell(j.facts.resolveAttention, {
      itemId: 'att-1',
      option: 'RETRY',
      by: 'operator',
      resolvedAt: j.now,
      eventId: 'r1',
    });
    expect(j.p.nextAction()).toMatchObject({ kind: 'request', action: 'request:CORE_SCREEN' });
  });

  it('closes the case on consent withdrawn: referral withdrawn, bookings cancelled, agency told, closure recorded', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.s.referralWithdrawn).toBe(true);
    expect(j.s.bookings.filter((b) => b.status === 'BOOKED')).toEqual([]);
    expect(j.liveInWorld()).toEqual([]);
    expect(j.notices.map((n) => n.subject)).toEqual(['CONSENT_WITHDRAWN']);
    expect(j.s).toMatchObject({ closureReason: 'CONSENT_WITHDRAWN', closureRecorded: true, stage: 'CLOSED' });
    expect(j.s.deadlines.filter((d) => d.status === 'OPEN')).toEqual([]);
  });
});

describe('journey planner: what it says (messages, reasons, notes)', () => {
  const refusal = (f: () => void): [string | undefined, string] | undefined => {
    try {
      f();
    } catch (err) {
      if (err instanceof ApplicationFailure) return [err.type ?? undefined, err.message];
      throw err;
    }
    return undefined;
  };

  it('refuses each impossible fact with a reason naming it', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    const f = j.facts;
    const at = j.now;
    const cases: [() => void, [string, string]][] = [
      [
        () =>
          f.coreScreenCompleted.validate({
            assessmentId: 'other',
            needs: [],
            riskOfSeriousHarm: 'LOW',
            completedAt: at,
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', "assessment other is not this episode's core screen (asm-CORE_SCREEN-1)"],
      ],
      [
        () =>
          f.coreScreenCompleted.validate({
            assessmentId: 'asm-CORE_SCREEN-1',
            needs: [],
            riskOfSeriousHarm: 'LOW',
            completedAt: '2026-03-01T00:00:00.000Z',
            eventId: 'x',
          }),
        [
          'VALIDATION_FAILED',
          'core screen completion (2026-03-01T00:00:00.000Z) is before reception (2026-03-02T09:00:00.000Z)',
        ],
      ],
      [
        () =>
          f.assessmentCompleted.validate({
            assessmentId: 'asm-COMPREHENSIVE_SCREEN-1',
            kind: 'SUMMARY_REVIEW',
            needs: [],
            completedAt: at,
            eventId: 'x',
          }),
        [
          'VALIDATION_FAILED',
          'assessment asm-COMPREHENSIVE_SCREEN-1 is a COMPREHENSIVE_SCREEN, not a SUMMARY_REVIEW',
        ],
      ],
      [
        () =>
          f.assessmentCompleted.validate({
            assessmentId: 'asm-COMPREHENSIVE_SCREEN-1',
            kind: 'COMPREHENSIVE_SCREEN',
            needs: [],
            completedAt: at,
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', 'assessment asm-COMPREHENSIVE_SCREEN-1 is already completed'],
      ],
      [
        () =>
          f.referralAcknowledged.validate({
            referralId: 'ref-2',
            acknowledgedAt: at,
            acknowledgedBy: 'x',
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', "referral ref-2 is not this episode's referral (ref-1)"],
      ],
      [
        () =>
          f.referralOutcome.validate({
            referralId: 'ref-1',
            decision: 'ACCEPTED',
            decidedAt: '2026-03-02T10:00:00.000Z',
            eventId: 'x',
          } as never),
        [
          'VALIDATION_FAILED',
          `referral outcome (2026-03-02T10:00:00.000Z) is before the referral (${j.s.referralSentAt})`,
        ],
      ],
      [
        () =>
          f.releaseRecorded.validate({
            releasedAt: '2026-03-01T00:00:00.000Z',
            establishmentCode: 'BAR',
            eventId: 'x',
          }),
        [
          'VALIDATION_FAILED',
          'release (2026-03-01T00:00:00.000Z) is before reception (2026-03-02T09:00:00.000Z)',
        ],
      ],
      [
        () =>
          f.releaseDateChanged.validate({
            expectedReleaseDate: '2099-01-01',
            reason: 'OTHER',
            changedAt: at,
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', expect.stringContaining('expectedReleaseDate') as unknown as string],
      ],
      [
        () =>
          f.movementReversed.validate({
            movement: 'RELEASE',
            reversedEventId: 'nope',
            reversedAt: at,
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', 'no release nope in this episode'],
      ],
      [
        () =>
          f.movementReversed.validate({
            movement: 'TRANSFER',
            reversedEventId: 'nope',
            reversedAt: at,
            eventId: 'x',
          }),
        ['VALIDATION_FAILED', 'no transfer nope in this episode'],
      ],
      [
        () => f.meetingHeld.validate({ bookingId: 'nope', kind: 'CJSW_VISIT', heldAt: at, eventId: 'x' }),
        ['NOT_YET_KNOWN', 'booking nope is not known to this episode (yet)'],
      ],
      [
        () =>
          f.attendanceRecorded.validate({
            appointmentId: 'nope',
            attendance: 'YES',
            attendedAt: at,
            eventId: 'x',
          }),
        ['NOT_YET_KNOWN', 'appointment nope is not known to this episode (yet)'],
      ],
      [
        () =>
          f.returnedToCustody.validate({
            reason: 'RECALL',
            receivedAt: at,
            establishmentCode: 'BAR',
            newEpisode: 2,
            sentenceDate: '2026-03-02',
            sentenceLengthDays: 10,
            expectedReleaseDate: '2026-05-01',
            eventId: 'x',
          } as never),
        ['VALIDATION_FAILED', 'not released: a return to custody needs a release first'],
      ],
      [
        () =>
          f.resolveAttention.validate({
            itemId: 'att-9',
            option: 'RETRY',
            by: 'op',
            resolvedAt: at,
            eventId: 'x',
          }),
        ['NOT_FOUND', 'no attention item att-9 in this journey'],
      ],
    ];
    for (const [fn, want] of cases) expect(refusal(fn)).toEqual(want);
    const gatePickup = j.s.bookings.find((b) => b.kind === 'GATE_PICKUP')!;
    expect(
      refusal(() =>
        f.meetingHeld.validate({
          bookingId: gatePickup.bookingId,
          kind: 'CJSW_VISIT',
          heldAt: at,
          eventId: 'x',
        }),
      ),
    ).toEqual([
      'VALIDATION_FAILED',
      `booking ${gatePickup.bookingId} is not a visit or meeting of this episode`,
    ]);
    expect(
      refusal(() =>
        f.attendanceRecorded.validate({
          appointmentId: gatePickup.bookingId,
          attendance: 'YES',
          attendedAt: at,
          eventId: 'x',
        }),
      ),
    ).toEqual([
      'VALIDATION_FAILED',
      `appointment ${gatePickup.bookingId} is not an appointment of this episode`,
    ]);
    // Once closed, movements are refused.
    j.tell(f.caseCloseRequested, {
      reason: 'OTHER',
      requestedAt: at,
      note: 'test',
      eventId: 'close',
    } as never);
    expect(
      refusal(() => f.transferred.validate({ toEstablishmentCode: 'EDI', transferredAt: at, eventId: 'y' })),
    ).toEqual(['VALIDATION_FAILED', 'case is closed (OTHER)']);
  });

  it('says who it waits on at each stage, and why each booking was cancelled', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    j.run();
    expect([j.s.stage, j.p.waitingOn()]).toEqual(['CORE_SCREEN', 'assessment by prison:BAR']);
    setUp(j, 6);
    expect([j.s.stage, j.p.waitingOn()]).toEqual([
      'PRE_RELEASE_MEETING',
      'pre-release meeting at prison:BAR with agency:agency-1',
    ]);
    // A later release date: pick-up and meeting moved, the agency told in words.
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: '2026-04-21',
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId: 'd',
    });
    j.run();
    const pickup = j.s.bookings.find((b) => b.kind === 'GATE_PICKUP' && b.status === 'CANCELLED')!;
    expect(pickup.cancelledBecause).toBe(`liberation date now ${j.p.liberationDate()}`);
    // (The meeting booked before the date moved later is kept, and named.)
    expect(j.s.notifications.map((n) => n.message)).toEqual([
      `The liberation date is now ${j.p.liberationDate()} (was 2026-04-01). The pre-release meeting is on 2026-03-18 at BAR.`,
    ]);
    // Released: custody clocks cancelled with their reason, the follow-up stage waits on the agency.
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
    j.advance(2 * HOUR);
    j.run();
    expect([j.s.stage, j.p.waitingOn()]).toEqual(['FOLLOW_UP', 'first appointment with agency:agency-1']);
    const cancelled = j.s.deadlines.filter((d) => d.status === 'CANCELLED');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.map((d) => d.note)).toEqual(cancelled.map(() => 'released before it was done'));
    expect(j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT').length).toBeGreaterThan(0);
    expect(j.s.bookings.filter((b) => b.kind === 'CJSW_VISIT').map((b) => b.cancelledBecause)).toEqual(
      j.s.bookings
        .filter((b) => b.kind === 'CJSW_VISIT')
        .map(() => `released on ${localDateOf(new Date(j.s.release!.releasedAt))}`),
    );
    expect(j.s.deadlines.find((d) => d.clock === 'firstAppointment')).toMatchObject({
      status: 'OPEN',
      owedBy: 'agency:agency-1',
    });
    // Release reversed: the appointment is cancelled and the agency told the person is in custody.
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel',
      reversedAt: j.now,
      eventId: 'rev',
    });
    j.run();
    expect(j.s.bookings.find((b) => b.kind === 'FIRST_APPOINTMENT')?.cancelledBecause).toBe(
      'release reversed: person in custody',
    );
    expect(j.s.notifications.at(-1)?.message).toBe(
      `The release was recorded in error: the person is still in custody at BAR, liberation date ${j.p.liberationDate()}. Any appointment booked for them is cancelled.`,
    );
  });

  it('sleeps until the next instant that matters: a movement settling, then release planning', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    const opens = j.p.nextWake()!;
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't' });
    expect(j.p.nextWake()).toBe(j.t + j.ctx.settleMs);
    j.advance(j.ctx.settleMs);
    j.run();
    expect(j.p.nextWake()).toBe(opens);
    expect(j.p.establishment()).toBe('EDI');
  });
});
