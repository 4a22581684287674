import {
  ClockNotInPolicyError,
  InvalidArgumentError,
  InvalidLocalDateError,
  UnknownPolicyError,
} from '../errors';
import { clockLender, policyById, policyFor, withClock } from './policy-registry';
import { SLA_POLICIES } from './seed-policies';
import { isBankHoliday } from '../calendar/bank-holidays';
import { startOfLocalDay } from '../time/london';
import { deadlineFor, releaseRelativeDeadline, type SlaPolicy } from './sla-policy';

const at = (iso: string) => new Date(iso);

describe('SLA policies', () => {
  it('returns the policy in force for each jurisdiction', () => {
    expect(policyFor('SCOTLAND')).toMatchObject({
      id: 'scotland-2026',
      version: 3,
      cutOff: '13:00',
      dayStart: '09:00',
    });
    expect(policyFor('ENGLAND_AND_WALES', '2026-06-01')).toMatchObject({
      id: 'england-wales-2026',
      version: 4,
    });
    // A replay that knew only version 2 still captures version 2.
    expect(policyFor('SCOTLAND', '2026-06-01', 2)).toMatchObject({ id: 'scotland-2026', version: 2 });
    expect(() => policyFor('SCOTLAND', '2025-12-31')).toThrow(UnknownPolicyError);
  });

  it('returns a captured version by id, and refuses an unknown one', () => {
    expect(policyById('england-wales-2026', 4)).toBe(policyFor('ENGLAND_AND_WALES'));
    expect(policyById('england-wales-2026', 1).clocks.preReleaseMeeting).toBeUndefined();
    expect(() => policyById('england-wales-2026', 5)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_UNKNOWN_POLICY' }),
    );
  });

  it('v3: a summary review counted back onto a bank holiday falls due the working day before (v2 kept it there)', () => {
    // 56 days before a Monday 21 Feb 2028 liberation is Monday 27 Dec 2027, a Scottish bank holiday.
    expect(isBankHoliday('SCOTLAND', '2027-12-27')).toBe(true);
    const base = startOfLocalDay('2028-02-21');
    expect(deadlineFor(policyById('scotland-2026', 2), 'summaryReview', base).toISOString()).toBe(
      '2027-12-27T23:59:59.999Z',
    );
    expect(deadlineFor(policyById('scotland-2026', 3), 'summaryReview', base).toISOString()).toBe(
      '2027-12-24T23:59:59.999Z',
    );
    // A working day stays where it is.
    expect(
      deadlineFor(
        policyById('scotland-2026', 3),
        'summaryReview',
        startOfLocalDay('2028-03-01'),
      ).toISOString(),
    ).toBe('2028-01-05T23:59:59.999Z');
  });

  it('cannot be mutated by a caller', () => {
    const policy = policyById('scotland-2026', 1);
    expect(() => {
      (policy.clocks.firstAppointment as { value: number }).value = 50;
    }).toThrow(TypeError);
    expect(policy.clocks.firstAppointment.value).toBe(5);
  });

  it('seeds the clocks from clocks.md, each with a source', () => {
    const scotland = policyById('scotland-2026', 1);
    expect(scotland.clocks.coreScreen).toMatchObject({ kind: 'workingDays', value: 3 });
    expect(scotland.clocks.coreScreen.source).toMatch(/platform default/i);
    expect(scotland.clocks.referralAcknowledgement).toMatchObject({ kind: 'workingDays', value: 1 });
    expect(scotland.clocks.firstAppointment).toMatchObject({ kind: 'workingDays', value: 5 });
    expect(scotland.clocks.followUpWindow).toMatchObject({ kind: 'calendarDays', value: 119 });
    expect(scotland.clocks.inductionMeeting).toMatchObject({ kind: 'workingDays', value: 10 });
    expect(scotland.clocks.firstSupervisionMeeting).toMatchObject({ kind: 'hours', value: 24 });
    expect(policyById('england-wales-2026', 1).clocks.accommodationAssessmentEmergency).toMatchObject({
      kind: 'hours',
      value: 2,
    });
    for (const policy of SLA_POLICIES) {
      for (const rule of Object.values(policy.clocks)) expect(rule?.source.length).toBeGreaterThan(10);
    }
  });

  describe('deadlineFor', () => {
    const release = at('2026-04-02T09:00:00Z'); // Thursday 10:00 BST

    it('working days: first appointment across Easter differs by jurisdiction', () => {
      expect(deadlineFor(policyFor('ENGLAND_AND_WALES'), 'firstAppointment', release).toISOString()).toBe(
        '2026-04-13T22:59:59.999Z',
      );
      expect(deadlineFor(policyFor('SCOTLAND'), 'firstAppointment', release).toISOString()).toBe(
        '2026-04-10T22:59:59.999Z',
      );
    });

    it('calendar days: end of the 119th local day', () => {
      expect(deadlineFor(policyFor('SCOTLAND'), 'followUpWindow', release).toISOString()).toBe(
        '2026-07-30T22:59:59.999Z',
      );
    });

    it('hours: elapsed time, across a clock change', () => {
      expect(
        deadlineFor(
          policyFor('SCOTLAND'),
          'firstSupervisionMeeting',
          at('2026-03-28T12:00:00Z'),
        ).toISOString(),
      ).toBe('2026-03-29T12:00:00.000Z');
    });

    it('uses the policy’s cut-off for working-day clocks', () => {
      const fridayAfternoon = at('2026-03-20T15:00:00Z');
      expect(
        deadlineFor(policyFor('SCOTLAND'), 'referralAcknowledgement', fridayAfternoon).toISOString(),
      ).toBe('2026-03-24T23:59:59.999Z');
    });

    it('calendar months: same day of the month, clamped to a short month', () => {
      expect(
        deadlineFor(policyFor('SCOTLAND'), 'firstStandardReview', at('2026-08-31T10:00:00Z')).toISOString(),
      ).toBe('2027-02-28T23:59:59.999Z');
      expect(
        deadlineFor(policyFor('SCOTLAND'), 'standardReview', at('2027-02-28T10:00:00Z')).toISOString(),
      ).toBe('2028-02-28T23:59:59.999Z');
    });

    it('working days before the liberation date: Easter Monday counts only in Scotland', () => {
      const liberation = at('2026-04-16T23:00:00Z'); // start of Fri 17 April, BST
      expect(deadlineFor(policyFor('ENGLAND_AND_WALES'), 'preReleaseMeeting', liberation).toISOString()).toBe(
        '2026-04-01T22:59:59.999Z',
      );
      expect(deadlineFor(policyFor('SCOTLAND'), 'preReleaseMeeting', liberation).toISOString()).toBe(
        '2026-04-02T22:59:59.999Z',
      );
    });

    it('calendar days before the liberation date: the handover point, 8 weeks ahead', () => {
      expect(
        deadlineFor(policyFor('SCOTLAND'), 'summaryReview', at('2026-04-16T23:00:00Z')).toISOString(),
      ).toBe('2026-02-20T23:59:59.999Z');
    });

    it('version 2 seeds the custody contacts and the movement settle window, with sources', () => {
      for (const jurisdiction of ['SCOTLAND', 'ENGLAND_AND_WALES'] as const) {
        const policy = policyFor(jurisdiction);
        expect(policy.custodyContactsBeforePreRelease?.value).toBe(2);
        expect(policy.custodyContactsBeforePreRelease?.source).toMatch(/seed 000 §4\.55/i);
        expect(policy.movementSettleMinutes?.value).toBe(45);
        expect(policy.releaseStageLeadDays?.source).toMatch(/platform default/i);
      }
    });

    it('release-relative clocks: the policy due day, or short notice when it falls before planning could start', () => {
      const policy = policyFor('SCOTLAND');
      // Planning started long enough before: the policy's own due day.
      expect(
        releaseRelativeDeadline(policy, 'summaryReview', '2026-04-17', at('2026-01-05T10:00:00Z'), 28),
      ).toEqual({ dueAt: at('2026-02-20T23:59:59.999Z') });
      // Received 45 days before liberation: 8 weeks before is already past, so 28 days after reception.
      expect(
        releaseRelativeDeadline(policy, 'summaryReview', '2026-04-17', at('2026-03-03T10:00:00Z'), 28),
      ).toEqual({ dueAt: at('2026-03-31T22:59:59.999Z'), policyDueAt: at('2026-02-20T23:59:59.999Z') });
      // Never later than the day before liberation.
      expect(
        releaseRelativeDeadline(policy, 'preReleaseMeeting', '2026-04-17', at('2026-04-10T10:00:00Z'), 28)
          .dueAt,
      ).toEqual(at('2026-04-16T22:59:59.999Z'));
      expect(() =>
        releaseRelativeDeadline(policy, 'firstAppointment', '2026-04-17', at('2026-04-10T10:00:00Z'), 28),
      ).toThrow(/not counted back/);
    });

    it('throws for a clock the policy does not define', () => {
      expect(() => deadlineFor(policyFor('ENGLAND_AND_WALES'), 'inductionMeeting', release)).toThrow(
        ClockNotInPolicyError,
      );
    });
  });
});

describe('clockLender / withClock (a clock the captured version lacks)', () => {
  it('lends nothing when the captured version defines the clock', () => {
    const v3 = policyById('england-wales-2026', 3);
    expect(clockLender(v3, 'firstAppointment')).toBeUndefined();
    expect(withClock(v3, 'firstAppointment')).toBe(v3);
    const scotland = policyById('scotland-2026', 1);
    expect(withClock(scotland, 'missedAppointmentFollowUp')).toBe(scotland);
  });

  it('borrows from the oldest later version of the same policy that defines it (England & Wales v4: the missed-appointment follow-up)', () => {
    for (const version of [1, 2, 3]) {
      const captured = policyById('england-wales-2026', version);
      expect(captured.clocks.missedAppointmentFollowUp).toBeUndefined();
      expect(clockLender(captured, 'missedAppointmentFollowUp')).toBe(policyById('england-wales-2026', 4));
      const lent = withClock(captured, 'missedAppointmentFollowUp');
      expect(lent.clocks.missedAppointmentFollowUp).toBe(
        policyById('england-wales-2026', 4).clocks.missedAppointmentFollowUp,
      );
      // Only that clock is borrowed: the version, the working day and every other clock stay the captured one's.
      expect({ ...lent, clocks: { ...lent.clocks, missedAppointmentFollowUp: undefined } }).toEqual({
        ...captured,
        clocks: { ...captured.clocks, missedAppointmentFollowUp: undefined },
      });
      expect(withClock(captured, 'missedAppointmentFollowUp')).toBe(lent); // kept, not rebuilt
      expect(Object.isFrozen(lent.clocks)).toBe(true);
    }
    // The oldest lender, not the newest: a later version that redefines a clock moves no promised deadline.
    expect(clockLender(policyById('england-wales-2026', 1), 'summaryReview')?.version).toBe(2);
    expect(clockLender(policyById('scotland-2026', 1), 'preReleaseMeeting')?.version).toBe(2);
  });

  it('names the clock and the captured version when no version of the policy defines it', () => {
    expect(() => withClock(policyById('england-wales-2026', 4), 'firstSupervisionMeeting')).toThrow(
      new ClockNotInPolicyError('england-wales-2026', 4, 'firstSupervisionMeeting'),
    );
    expect(() => clockLender(policyById('scotland-2026', 3), 'cas2AssessmentHdc')).toThrow(
      ClockNotInPolicyError,
    );
  });
});

describe('policyFor / policyById (which version is handed out)', () => {
  it('hands out a version from its effectiveFrom day on, the highest version on a tie', () => {
    // All 2026 versions take effect on 2026-01-01 (seed-policies.ts): the highest published wins.
    expect(policyFor('SCOTLAND', '2026-01-01')).toMatchObject({ id: 'scotland-2026', version: 3 });
    expect(policyFor('ENGLAND_AND_WALES', '2026-06-30').version).toBe(4);
    expect(policyFor('ENGLAND_AND_WALES', '2026-06-30', 3).version).toBe(3);
    // A workflow replaying an older history caps the version it may capture.
    expect(policyFor('SCOTLAND', '2026-06-30', 1).version).toBe(1);
    expect(policyFor('SCOTLAND', '2026-06-30', 2).version).toBe(2);
    expect(policyFor('ENGLAND_AND_WALES', undefined, 2).version).toBe(2);
  });

  it('names what it could not find, and refuses a non-date', () => {
    expect(() => policyFor('SCOTLAND', '2025-12-31')).toThrow(
      new UnknownPolicyError('No SLA policy for SCOTLAND in force on 2025-12-31'),
    );
    expect(() => policyFor('SCOTLAND', undefined, 0)).toThrow(
      new UnknownPolicyError('No SLA policy for SCOTLAND'),
    );
    expect(() => policyById('scotland-2026', 9)).toThrow(
      new UnknownPolicyError('No SLA policy scotland-2026 v9'),
    );
    expect(() => policyFor('SCOTLAND', '2026-13-01')).toThrow(InvalidLocalDateError);
  });
});

describe('deadlineFor: clock values', () => {
  const withFirstAppointment = (value: number): SlaPolicy => {
    const policy = policyFor('SCOTLAND');
    return {
      ...policy,
      clocks: { ...policy.clocks, firstAppointment: { ...policy.clocks.firstAppointment, value } },
    };
  };

  it('refuses a negative (or non-numeric) clock value, and takes 0 as the end of the start day', () => {
    const base = new Date('2026-03-02T10:00:00Z'); // Monday, before the 13:00 cut-off
    expect(() => deadlineFor(withFirstAppointment(-1), 'firstAppointment', base)).toThrow(
      InvalidArgumentError,
    );
    expect(() => deadlineFor(withFirstAppointment(Number.NaN), 'firstAppointment', base)).toThrow(
      /negative value/,
    );
    expect(deadlineFor(withFirstAppointment(0), 'firstAppointment', base)).toEqual(
      new Date('2026-03-02T23:59:59.999Z'),
    );
  });

  it('release-relative: planning that starts exactly at the policy due instant keeps the policy due instant', () => {
    const policy = policyFor('SCOTLAND');
    const policyDueAt = deadlineFor(policy, 'summaryReview', startOfLocalDay('2026-04-17'));
    expect(releaseRelativeDeadline(policy, 'summaryReview', '2026-04-17', policyDueAt, 28)).toEqual({
      dueAt: policyDueAt,
    });
  });
});
