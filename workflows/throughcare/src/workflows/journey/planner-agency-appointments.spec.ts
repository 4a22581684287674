import type { AgencyAttendanceRecorded, Pathway } from '@throughcare/contracts';
import { deadlineFor } from '@throughcare/domain';
import { AGENCY_APPOINTMENTS_PATCH, iso, needAppointmentKey } from './planner';
import type { SimulatedJourney } from './journey-simulation.spec-support';
import { DAY, HOUR, releaseNow, screenedJourney } from './journey-simulation.spec-support';

/**
 * The clocks follow the appointments agencies book themselves (`agency-appointments-1`, issue 9):
 * the justice social work team's own appointment meets the release's first-appointment clock, and
 * each need's agency that took the need on owes the person a first appointment after release, with
 * a follow-up of one missed. On the simulated journey (pure core).
 */

const received = Date.parse('2026-03-02T09:00:00.000Z');

/** A Scottish journey screened with `needs` (release in 40 days), its needs referred to `eligible`. */
function referred(needs: Pathway[], eligible = ['housing-1', 'housing-2'], refused: string[] = []) {
  const j = screenedJourney(needs, eligible, 40, refused);
  for (const pathway of needs) expect(tryOf(j, pathway).sentAt).toBeDefined();
  return j;
}
const tryOf = (j: SimulatedJourney, pathway: Pathway, n = 0) => j.p.needReferral(pathway)!.tries[n]!;
const decide = (
  j: SimulatedJourney,
  referralId: string,
  decision: 'ACCEPTED' | 'ON_WAITING_LIST' | 'DECLINED' | 'WITHDRAWN',
  eventId: string,
) =>
  j.tell(j.facts.referralOutcome, {
    referralId,
    decision,
    decidedAt: j.now,
    eventId,
    ...(decision === 'DECLINED' || decision === 'WITHDRAWN' ? { reason: 'no capacity' } : {}),
  });
const release = releaseNow;
/**
 * A journey whose one `pathway` need `agencyId` accepted in custody, released 20 days after its
 * reception: the journey and the need try's referral id.
 */
function acceptedThenReleased(
  pathway: Pathway = 'ACCOMMODATION',
  agencyId = 'housing-1',
  refused: string[] = [],
) {
  const j = referred([pathway], [agencyId], refused);
  const id = tryOf(j, pathway).referralId;
  decide(j, id, 'ACCEPTED', 'e-acc');
  j.t = received + 20 * DAY;
  release(j);
  return { j, id };
}
let appointments = 0;
const attended = (
  j: SimulatedJourney,
  referralId: string,
  agencyId: string,
  attendance: 'YES' | 'LATE' | 'NO',
  eventId: string,
  more: Partial<AgencyAttendanceRecorded> = {},
) =>
  j.tell(j.facts.agencyAttendanceRecorded, {
    referralId,
    appointmentId: `appt-${++appointments}`,
    agencyId,
    attendance,
    attendedAt: j.now,
    eventId,
    ...(attendance === 'NO' ? { reason: 'did not come' } : {}),
    ...more,
  });
const clock = (j: SimulatedJourney, key: string) => j.s.deadlines.find((d) => d.key === key);
const firstAppointment = (j: SimulatedJourney) =>
  j.s.deadlines.find((d) => d.key.startsWith('firstAppointment:'));
const needFirst = (j: SimulatedJourney, pathway: Pathway, no = 1, rel = 'rel') =>
  clock(j, needAppointmentKey('needFirstAppointment', pathway, no, rel));

describe("the justice social work team's own appointments (agency-appointments-1)", () => {
  it("meet the release's first-appointment clock; before the patch only the journey's own appointment did", () => {
    for (const refused of [[], [AGENCY_APPOINTMENTS_PATCH]]) {
      const j = referred(['ACCOMMODATION'], undefined, refused);
      expect(j.s.adopted?.includes(AGENCY_APPOINTMENTS_PATCH)).toBe(refused.length === 0);
      j.t = received + 20 * DAY;
      release(j);
      expect(firstAppointment(j)).toMatchObject({ status: 'OPEN', owedBy: 'agency:agency-1' });
      j.t += DAY;
      expect(attended(j, j.s.referralId!, 'agency-1', 'YES', `e-yes-${refused.length}`)).toBe('applied');
      j.run();
      if (refused.length === 0) expect(firstAppointment(j)).toMatchObject({ status: 'MET', metAt: j.now });
      else expect(firstAppointment(j)).toMatchObject({ status: 'OPEN' });
    }
  });

  it('a missed one starts the follow-up clock, owed by the team and met by the next one attended', () => {
    const j = referred(['ACCOMMODATION']);
    j.t = received + 20 * DAY;
    release(j);
    j.t += DAY;
    expect(attended(j, j.s.referralId!, 'agency-1', 'NO', 'e-missed')).toBe('applied');
    j.run();
    const missedAt = j.now;
    const followUp = clock(j, 'missedAppointmentFollowUp:e-missed')!;
    expect(followUp).toMatchObject({
      clock: 'missedAppointmentFollowUp',
      owedBy: 'agency:agency-1',
      owedTo: 'person',
      startedAt: missedAt,
      status: 'OPEN',
    });
    expect(followUp.dueAt).toBe(
      deadlineFor(j.ctx.policy, 'missedAppointmentFollowUp', new Date(missedAt)).toISOString(),
    );
    expect(firstAppointment(j)?.status).toBe('OPEN');
    j.t += HOUR;
    expect(attended(j, j.s.referralId!, 'agency-1', 'LATE', 'e-late')).toBe('applied');
    j.run();
    expect(clock(j, 'missedAppointmentFollowUp:e-missed')).toMatchObject({ status: 'MET', metAt: j.now });
    expect(firstAppointment(j)).toMatchObject({ status: 'MET', metAt: j.now });
  });

  it('one attended in custody does not count as the first appointment after release', () => {
    const j = referred(['ACCOMMODATION']);
    j.t = received + 10 * DAY;
    expect(attended(j, j.s.referralId!, 'agency-1', 'YES', 'e-visit')).toBe('applied');
    j.t = received + 20 * DAY;
    release(j);
    expect(firstAppointment(j)?.status).toBe('OPEN');
  });
});

describe("each need agency's first appointment after release (agency-appointments-1)", () => {
  it('is owed by the agency that accepted the need, from the release, and met by an appointment it booked', () => {
    const j = referred(['ACCOMMODATION', 'HEALTH'], ['housing-1']);
    const housing = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    expect(decide(j, housing.referralId, 'ACCEPTED', 'e-acc')).toBe('applied');
    j.t = received + 20 * DAY;
    const releasedAt = release(j);
    expect(needFirst(j, 'ACCOMMODATION')).toEqual({
      key: 'needFirstAppointment:ACCOMMODATION:1:rel',
      clock: 'firstAppointment',
      owedBy: 'agency:housing-1',
      owedTo: 'person',
      startedAt: releasedAt,
      dueAt: deadlineFor(j.ctx.policy, 'firstAppointment', new Date(releasedAt)).toISOString(),
      status: 'OPEN',
      note: "the ACCOMMODATION need's agency",
    });
    // The HEALTH need's agency has not taken it on: it owes no appointment.
    expect(needFirst(j, 'HEALTH')).toBeUndefined();
    j.t += 2 * DAY;
    expect(attended(j, housing.referralId, 'housing-1', 'YES', 'e-seen')).toBe('applied');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({ status: 'MET', metAt: j.now });
    // The justice social work team's clock is its own.
    expect(firstAppointment(j)?.status).not.toBe('MET');
    expect(j.p.needReferralsView()![0]!.tried[0]!.attendances).toEqual([
      { appointmentId: expect.any(String), attendance: 'YES', attendedAt: j.now },
    ]);
  });

  it('runs from the acceptance when the agency took the need on after the release', () => {
    const j = referred(['ACCOMMODATION'], ['housing-1']);
    j.t = received + 20 * DAY;
    release(j);
    expect(needFirst(j, 'ACCOMMODATION')).toBeUndefined();
    j.t += DAY;
    expect(decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'ACCEPTED', 'e-acc')).toBe('applied');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({ status: 'OPEN', startedAt: j.now });
  });

  it('is breached when the agency does not see the person in time, and met late when it does', () => {
    const { j, id } = acceptedThenReleased();
    j.t = Date.parse(needFirst(j, 'ACCOMMODATION')!.dueAt);
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({
      status: 'BREACHED',
      breachKey: 'breach:needFirstAppointment:ACCOMMODATION:1:rel',
    });
    j.t += DAY;
    expect(attended(j, id, 'housing-1', 'YES', 'e-seen')).toBe('applied');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({ status: 'MET_LATE', metAt: j.now });
  });

  it('stops when the agency stands down: cancelled before it was due, a breach once overdue', () => {
    for (const overdue of [false, true]) {
      const { j, id } = acceptedThenReleased();
      const dueAt = Date.parse(needFirst(j, 'ACCOMMODATION')!.dueAt);
      j.t = overdue ? dueAt + HOUR : dueAt - DAY;
      expect(decide(j, id, 'WITHDRAWN', 'e-gone')).toBe('applied');
      j.run();
      expect(needFirst(j, 'ACCOMMODATION')?.status).toBe(overdue ? 'BREACHED' : 'CANCELLED');
    }
  });

  it('runs afresh from a new acceptance after the agency waiting-listed the need: never charged for the time it stood down', () => {
    const j = referred(['ACCOMMODATION'], ['housing-1']);
    const id = tryOf(j, 'ACCOMMODATION').referralId;
    decide(j, id, 'ACCEPTED', 'e-acc');
    j.t += HOUR;
    expect(decide(j, id, 'ON_WAITING_LIST', 'e-wait')).toBe('applied');
    j.t = received + 20 * DAY;
    release(j);
    // Waiting-listed at the release: no appointment is owed yet.
    expect(needFirst(j, 'ACCOMMODATION')).toBeUndefined();
    j.t += 10 * DAY;
    expect(decide(j, id, 'ACCEPTED', 'e-acc-again')).toBe('applied');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({
      status: 'OPEN',
      startedAt: j.now,
      dueAt: deadlineFor(j.ctx.policy, 'firstAppointment', new Date(j.now)).toISOString(),
    });
  });

  it('a clock cancelled while the agency stood down reopens from its new acceptance', () => {
    const { j, id } = acceptedThenReleased();
    j.t += DAY;
    decide(j, id, 'ON_WAITING_LIST', 'e-w');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')?.status).toBe('CANCELLED');
    j.t += 10 * DAY;
    decide(j, id, 'ACCEPTED', 'e-again');
    j.run();
    expect(needFirst(j, 'ACCOMMODATION')).toMatchObject({ status: 'OPEN', startedAt: j.now });
  });

  it("a missed one starts the agency's follow-up clock, met by the next it records attended", () => {
    const { j, id } = acceptedThenReleased('DRUGS_AND_ALCOHOL', 'addiction-1');
    j.t += DAY;
    expect(attended(j, id, 'addiction-1', 'NO', 'e-missed')).toBe('applied');
    j.run();
    const key = needAppointmentKey('needMissedFollowUp', 'DRUGS_AND_ALCOHOL', 1, 'e-missed');
    expect(clock(j, key)).toMatchObject({
      clock: 'missedAppointmentFollowUp',
      owedBy: 'agency:addiction-1',
      startedAt: j.now,
      status: 'OPEN',
    });
    expect(needFirst(j, 'DRUGS_AND_ALCOHOL')?.status).toBe('OPEN');
    j.t += DAY;
    expect(attended(j, id, 'addiction-1', 'YES', 'e-seen')).toBe('applied');
    j.run();
    expect(clock(j, key)).toMatchObject({ status: 'MET', metAt: j.now });
    expect(needFirst(j, 'DRUGS_AND_ALCOHOL')).toMatchObject({ status: 'MET', metAt: j.now });
  });

  it('charges no clock based before the journey adopted the patch', () => {
    const refused = [AGENCY_APPOINTMENTS_PATCH];
    const { j } = acceptedThenReleased('ACCOMMODATION', 'housing-1', refused);
    refused.length = 0;
    j.t += 7 * DAY;
    j.run();
    expect(j.s.agencyAppointmentsFrom).toBe(iso(j.t));
    expect(needFirst(j, 'ACCOMMODATION')).toBeUndefined();
    expect(j.s.deadlines.filter((d) => d.status === 'BREACHED' && d.key.startsWith('need'))).toEqual([]);
  });
});

describe("an agency's attendance is checked before the journey takes it", () => {
  it('refuses a referral of another episode, another agency, a missed one with no reason, and an appointment told twice', () => {
    const j = referred(['ACCOMMODATION'], ['housing-1']);
    const id = tryOf(j, 'ACCOMMODATION').referralId;
    expect(attended(j, 'ref-of-someone-else', 'housing-1', 'YES', 'e-1')).toBe('rejected');
    expect(attended(j, id, 'agency-1', 'YES', 'e-2')).toBe('rejected');
    expect(attended(j, j.s.referralId!, 'housing-1', 'YES', 'e-3')).toBe('rejected');
    expect(attended(j, id, 'housing-1', 'NO', 'e-4', { reason: undefined })).toBe('rejected');
    expect(
      attended(j, id, 'housing-1', 'YES', 'e-5', { attendedAt: new Date(received - DAY).toISOString() }),
    ).toBe('rejected');
    expect(attended(j, id, 'housing-1', 'YES', 'e-6', { appointmentId: 'appt-x' })).toBe('applied');
    expect(attended(j, id, 'housing-1', 'YES', 'e-6', { appointmentId: 'appt-x' })).toBe('duplicate');
    expect(attended(j, id, 'housing-1', 'NO', 'e-7', { appointmentId: 'appt-x' })).toBe('rejected');
    expect(j.s.agencyAttendances).toHaveLength(1);
  });
});
