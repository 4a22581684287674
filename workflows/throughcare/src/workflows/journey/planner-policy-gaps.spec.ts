import { ClockNotInPolicyError, deadlineFor, JOURNEY_CLOCKS, policyById } from '@throughcare/domain';
import { HOUR, inputFor, setUp, SimulatedJourney } from './journey-simulation.spec-support';
import {
  createPlanner,
  NEWEST_CAPTURED_POLICY_VERSION,
  MEETING_DAY_GONE_PATCH,
  PLANNER_FIXES_PATCH,
  POLICY_GAPS_PATCH,
  usePolicy,
  RELEASE_NOTICE_PATCH,
  AGENCY_DECLINED_PATCH,
  PICKUP_RELEASE_PRISON_PATCH,
  DECLINED_APPOINTMENTS_PATCH,
  AGENCY_APPOINTMENTS_PATCH,
  PICKUP_AT_CLOSURE_PATCH,
  MEETING_IN_NOTICE_PATCH,
  EW_RELEASE_DAY_PATCH,
} from './planner';

/**
 * `policy-gaps-1`: England & Wales policy versions 1–3 had no follow-up after a missed first
 * appointment, so an England & Wales journey could not plan once its person missed one (found by
 * the clock register: issue 7, finding 8). Version 4 adds the clock; journeys holding an older
 * version take it from there once they adopt the patch.
 */
function releasedInEngland(version: number, adopting: boolean): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 40));
  j.adopting = adopting;
  j.s.policy = { id: 'england-wales-2026', version };
  usePolicy(j.ctx, j.s.policy);
  setUp(j, 6);
  j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' });
  j.advance(2 * HOUR);
  j.run();
  return j;
}

function missFirstAppointment(j: SimulatedJourney): string {
  const first = j.s.bookings.at(-1)!;
  expect(first).toMatchObject({ kind: 'FIRST_APPOINTMENT', status: 'BOOKED' });
  const missedAt = j.now;
  expect(
    j.tell(j.facts.attendanceRecorded, {
      appointmentId: first.bookingId,
      attendance: 'NO',
      reason: 'unwell',
      attendedAt: missedAt,
      eventId: 'a1',
    }),
  ).toBe('applied');
  return missedAt;
}

describe('policy gaps: a clock the captured policy version lacks (policy-gaps-1)', () => {
  it.each([3, 4])(
    'England & Wales v%i: a missed first appointment books a follow-up due in 2 working days, with its clock',
    (version) => {
      const j = releasedInEngland(version, true);
      const missedAt = missFirstAppointment(j);
      j.run();
      const due = deadlineFor(
        policyById('england-wales-2026', 4),
        'missedAppointmentFollowUp',
        new Date(missedAt),
      ).toISOString();
      expect(j.s.bookings.at(-1)).toMatchObject({ kind: 'FOLLOW_UP_APPOINTMENT', status: 'BOOKED' });
      expect(j.s.deadlines.find((d) => d.clock === 'missedAppointmentFollowUp')).toMatchObject({
        key: 'missedAppointmentFollowUp:a1',
        dueAt: due,
        status: 'OPEN',
      });
      expect(j.s.deadlines.find((d) => d.clock === 'missedAppointmentFollowUp')?.note).toBe(
        version === 3 ? "rule from england-wales-2026 v4 (this journey's v3 has none)" : undefined,
      );
      expect(j.s.policy).toEqual({ id: 'england-wales-2026', version }); // the captured version is kept
      expect(j.s.adopted).toContain('policy-gaps-1');
    },
  );

  it('before it (a journey recorded earlier, replayed on the old branch), v3 cannot plan the follow-up', () => {
    const j = releasedInEngland(3, false);
    missFirstAppointment(j);
    expect(() => j.run()).toThrow(ClockNotInPolicyError);
  });

  it('is adopted on its own answer: a replay that took planner-fixes-2 but not it keeps the old rule', () => {
    const j = releasedInEngland(3, false);
    const asked: string[] = [];
    const p = createPlanner(
      { ...j.ctx, patched: (id) => (asked.push(id), id === PLANNER_FIXES_PATCH) },
      j.s,
      () => j.t,
    );
    p.adoptFixes();
    p.adoptFixes();
    expect(j.s.adopted).toEqual([PLANNER_FIXES_PATCH]);
    expect(asked).toEqual([
      PLANNER_FIXES_PATCH,
      POLICY_GAPS_PATCH,
      MEETING_DAY_GONE_PATCH,
      RELEASE_NOTICE_PATCH,
      AGENCY_DECLINED_PATCH,
      PICKUP_RELEASE_PRISON_PATCH,
      AGENCY_APPOINTMENTS_PATCH,
      PICKUP_AT_CLOSURE_PATCH,
      MEETING_IN_NOTICE_PATCH,
      EW_RELEASE_DAY_PATCH,
      POLICY_GAPS_PATCH,
      MEETING_DAY_GONE_PATCH,
      RELEASE_NOTICE_PATCH,
      AGENCY_DECLINED_PATCH,
      PICKUP_RELEASE_PRISON_PATCH,
      AGENCY_APPOINTMENTS_PATCH,
      PICKUP_AT_CLOSURE_PATCH,
      MEETING_IN_NOTICE_PATCH,
      EW_RELEASE_DAY_PATCH,
    ]);
    missFirstAppointment(j);
    expect(() => p.syncDeadlines()).toThrow(ClockNotInPolicyError);
    p.adoptFixes(() => true);
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
      EW_RELEASE_DAY_PATCH,
    ]);
    p.syncDeadlines();
    expect(j.s.deadlines.map((d) => d.key)).toContain('missedAppointmentFollowUp:a1');
  });

  it('a new England & Wales journey captures v3 and borrows the follow-up (what the shell does)', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 40));
    expect(j.s.policy).toEqual({ id: 'england-wales-2026', version: NEWEST_CAPTURED_POLICY_VERSION });
    expect(NEWEST_CAPTURED_POLICY_VERSION).toBe(3);
  });

  it('every clock the journey runs is in the newest policy version of each jurisdiction', () => {
    for (const [id, version] of [
      ['scotland-2026', 3],
      ['england-wales-2026', 4],
    ] as const) {
      const policy = policyById(id, version);
      expect(JOURNEY_CLOCKS.filter((c) => policy.clocks[c] === undefined)).toEqual([]);
    }
  });
});
