import type { RiskAssessed } from '@throughcare/contracts';
import { RISK_ASSESSED_PATCH, riskEscalationAction } from './planner';
import type { SimulatedJourney } from './journey-simulation.spec-support';
import { DAY, HOUR, screenedJourney, summaryReviewedIn30Days } from './journey-simulation.spec-support';

/**
 * Risk assessments (`risk-assessed-1`, issue 10) on the simulated journey (pure core): the latest
 * risk is kept and shown, and a rise is escalated once to the responsible agency.
 */

let events = 0;
function assess(j: SimulatedJourney, version: number, more: Partial<RiskAssessed> = {}, eventId?: string) {
  return j.tell(j.facts.riskAssessed, {
    version,
    likelihoodOfReoffending: 'MEDIUM',
    riskOfSeriousHarm: 'MEDIUM',
    mappa: null,
    assessedOn: j.now.slice(0, 10),
    rises: [],
    eventId: eventId ?? `e-risk-${++events}`,
    ...more,
  });
}
const escalations = (j: SimulatedJourney) => j.s.attention.filter((a) => a.action.startsWith('risk-rose:'));

describe('risk assessments (risk-assessed-1)', () => {
  it('escalates a rise in risk of serious harm to the responsible agency, once', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    j.t += DAY;
    expect(assess(j, 1)).toBe('applied');
    j.run();
    expect(escalations(j)).toEqual([]);
    expect(j.s.adopted).toContain(RISK_ASSESSED_PATCH);
    expect(j.p.latestRisk()).toMatchObject({ version: 1, riskOfSeriousHarm: 'MEDIUM', rises: [] });

    j.t += DAY;
    expect(assess(j, 2, { riskOfSeriousHarm: 'HIGH' }, 'e-rise')).toBe('applied');
    j.run();
    const [item] = escalations(j);
    expect(escalations(j)).toHaveLength(1);
    expect(item).toMatchObject({
      action: riskEscalationAction(2),
      errorType: 'RISK_ESCALATED',
      mustAct: `agency:${j.s.agencyId}`,
      options: ['SKIP'],
      status: 'OPEN',
    });
    expect(item!.what).toContain('risk of serious harm HIGH');
    expect(j.p.latestRisk()).toMatchObject({ version: 2, rises: ['RISK_OF_SERIOUS_HARM'] });

    // The same event again is harmless: nothing new is kept or raised.
    expect(assess(j, 2, { riskOfSeriousHarm: 'HIGH' }, 'e-rise')).toBe('duplicate');
    j.run();
    expect(escalations(j)).toHaveLength(1);
    expect(j.s.risks).toHaveLength(2);
  });

  it('a fall, or the same risk again, escalates nothing; an older version delivered late changes nothing', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    expect(assess(j, 1, { riskOfSeriousHarm: 'VERY_HIGH', mappa: { category: 1, level: 2 } })).toBe(
      'applied',
    );
    j.run();
    expect(assess(j, 3, { riskOfSeriousHarm: 'HIGH', mappa: { category: 1, level: 1 } })).toBe('applied');
    j.run();
    expect(assess(j, 4, { riskOfSeriousHarm: 'HIGH', mappa: { category: 1, level: 1 } })).toBe('applied');
    j.run();
    // Version 2 (a rise against 1 as the service saw it) arrives after 4: kept out.
    expect(
      assess(j, 2, {
        riskOfSeriousHarm: 'VERY_HIGH',
        mappa: { category: 1, level: 3 },
        rises: ['MAPPA_LEVEL'],
      }),
    ).toBe('applied');
    j.run();
    expect(escalations(j)).toEqual([]);
    expect(j.s.risks!.map((r) => r.version)).toEqual([1, 3, 4]);
    expect(j.p.latestRisk()).toMatchObject({ version: 4, riskOfSeriousHarm: 'HIGH', rises: [] });
  });

  it('a MAPPA level rising (or becoming a MAPPA case) is a rise; the first version carries the service’s comparison', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    // The first version the journey hears of: the service compared it with the person's earlier one.
    expect(assess(j, 5, { rises: ['LIKELIHOOD_OF_REOFFENDING'] })).toBe('applied');
    j.run();
    expect(escalations(j).map((a) => a.action)).toEqual([riskEscalationAction(5)]);
    expect(assess(j, 6, { mappa: { category: 2, level: 1 } })).toBe('applied');
    j.run();
    expect(escalations(j).map((a) => a.action)).toEqual([riskEscalationAction(5), riskEscalationAction(6)]);
    expect(j.p.latestRisk()!.rises).toEqual(['MAPPA_LEVEL']);
  });

  it('before the patch (a journey replayed on the branch before it) the risk is kept but not acted on', () => {
    const j = screenedJourney(['ACCOMMODATION'], undefined, 40, [RISK_ASSESSED_PATCH]);
    expect(assess(j, 1)).toBe('applied');
    expect(assess(j, 2, { riskOfSeriousHarm: 'VERY_HIGH' })).toBe('applied');
    j.run();
    expect(escalations(j)).toEqual([]);
    expect(j.s.adopted ?? []).not.toContain(RISK_ASSESSED_PATCH);
    expect(j.p.latestRisk()).toBeUndefined();
  });

  describe('an earlier pre-release meeting for an elevated risk, where the policy has one', () => {
    const at = (days: number, hour: number) =>
      Date.parse('2026-03-02T00:00:00.000Z') + days * DAY + hour * HOUR;
    const live = (j: SimulatedJourney) =>
      j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => `${b.kind} ${b.date}`);
    const meetingDue = (j: SimulatedJourney) =>
      j.s.deadlines.find((d) => d.key === 'preReleaseMeeting')?.dueAt;
    /** A test policy (no seed sets the value: no source gives one): 15 working days before liberation. */
    function withElevatedRiskClock(j: SimulatedJourney): void {
      const seed = j.ctx.policy;
      j.ctx.policy = {
        ...seed,
        preReleaseMeetingElevatedRisk: {
          ...seed.clocks.preReleaseMeeting!,
          kind: 'workingDaysBefore',
          value: 15,
          source: 'test policy (no seed policy sets it)',
        },
      };
    }
    /** Liberation 2026-04-01; summary review done on 2026-03-05: meeting booked 10 working days before. */
    function meetingBooked(policy: (j: SimulatedJourney) => void = () => {}): SimulatedJourney {
      const j = summaryReviewedIn30Days(policy);
      expect(live(j)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-18']);
      return j;
    }

    it('a rise to HIGH moves the meeting earlier: the booking is cancelled and made again, the clock moves', () => {
      const j = meetingBooked(withElevatedRiskClock);
      expect(meetingDue(j)?.slice(0, 10)).toBe('2026-03-18');
      j.t = at(4, 10);
      expect(assess(j, 1, { riskOfSeriousHarm: 'MEDIUM' })).toBe('applied');
      j.run();
      expect(live(j)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-18']);
      expect(assess(j, 2, { riskOfSeriousHarm: 'HIGH' })).toBe('applied');
      j.run();
      expect(live(j)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-11']);
      const old = j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.date === '2026-03-18');
      expect(old?.status).toBe('CANCELLED');
      expect(meetingDue(j)?.slice(0, 10)).toBe('2026-03-11');
      expect(escalations(j).map((a) => a.action)).toEqual([riskEscalationAction(2)]);
    });

    it('a MAPPA case is elevated too; the same rise under a seed policy (no value) escalates but keeps the meeting', () => {
      const mappa = meetingBooked(withElevatedRiskClock);
      mappa.t = at(4, 10);
      assess(mappa, 1, { mappa: { category: 2, level: 1 }, rises: ['MAPPA_LEVEL'] });
      mappa.run();
      expect(live(mappa)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-11']);

      const seed = meetingBooked();
      expect(seed.ctx.policy.preReleaseMeetingElevatedRisk).toBeUndefined();
      seed.t = at(4, 10);
      assess(seed, 1);
      assess(seed, 2, { riskOfSeriousHarm: 'VERY_HIGH' });
      seed.run();
      expect(escalations(seed).map((a) => a.action)).toEqual([riskEscalationAction(2)]);
      expect(live(seed)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-18']);
    });
  });
});
