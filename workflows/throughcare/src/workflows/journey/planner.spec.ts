import { ApplicationFailure } from '@temporalio/common';
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
    expect(j.p.needs()).toEqual(['ACCOMMODATION', 'EDUCATION_TRAINING_AND_EMPLOYMENT']);
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
