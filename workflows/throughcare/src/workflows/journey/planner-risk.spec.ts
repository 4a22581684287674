import type { RiskAssessed } from '@throughcare/contracts';
import { RISK_ASSESSED_PATCH, RISK_NOTICE_PATCH, riskEscalationAction } from './planner';
import type { SimulatedJourney } from './journey-simulation.spec-support';
import {
  DAY,
  HOUR,
  releaseNow,
  screenedJourney,
  summaryReviewedIn30Days,
} from './journey-simulation.spec-support';

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
/** The RISK_ESCALATED notices the journey sent (`risk-notice-1`), as the agency reads them. */
const riskNotices = (j: SimulatedJourney) => j.s.notifications.filter((n) => n.subject === 'RISK_ESCALATED');
/** A journey on the branch of `risk-assessed-1` alone (recorded before `risk-notice-1`). */
const beforeRiskNotices = (needs: Parameters<typeof screenedJourney>[0]) =>
  screenedJourney(needs, undefined, 40, [RISK_NOTICE_PATCH]);

describe('risk assessments (risk-assessed-1)', () => {
  it('escalates a rise in risk of serious harm to the responsible agency, once (an attention item, before risk-notice-1)', () => {
    const j = beforeRiskNotices(['ACCOMMODATION']);
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
    // The first version is elevated (very high, a MAPPA case): the agency, told none yet, is told it
    // once (risk-notice-1); the falls and the late older version tell nothing more.
    expect(riskNotices(j).map((n) => n.message)).toEqual([
      expect.stringContaining('is raised (risk of serious harm, MAPPA level): as of the risk assessment'),
    ]);
    expect(j.s.risks!.map((r) => r.version)).toEqual([1, 3, 4]);
    expect(j.p.latestRisk()).toMatchObject({ version: 4, riskOfSeriousHarm: 'HIGH', rises: [] });
  });

  it('a MAPPA level rising (or becoming a MAPPA case) is a rise; the first version carries the service’s comparison', () => {
    const j = beforeRiskNotices(['ACCOMMODATION']);
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
      // The reason says why (not a liberation date that never changed), and names no band.
      expect(old?.cancelledBecause).toBe(
        'liberation 2026-04-01, brought forward for an elevated risk (risk assessment version 2): meeting due by 2026-03-11',
      );
      expect(meetingDue(j)?.slice(0, 10)).toBe('2026-03-11');
      expect(riskNotices(j)).toHaveLength(1);
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
      expect(riskNotices(seed).map((n) => n.message)).toEqual([
        expect.stringContaining('risk of serious harm VERY_HIGH'),
      ]);
      expect(live(seed)).toEqual(['GATE_PICKUP 2026-04-01', 'PRE_RELEASE_MEETING 2026-03-18']);
    });
  });
});

describe('risk notices (risk-notice-1)', () => {
  const notices = (j: SimulatedJourney) => riskNotices(j).map((n) => n.message);

  it('an elevated rise reaches the responsible agency as a RISK_ESCALATED notice with the bands, no item; a fall tells nothing; a later net rise is told against what it was told', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    j.t += DAY;
    assess(j, 1);
    j.run();
    expect(j.s.adopted).toEqual(expect.arrayContaining([RISK_ASSESSED_PATCH, RISK_NOTICE_PATCH]));
    expect(riskNotices(j)).toEqual([]);

    j.t += DAY;
    assess(j, 2, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 1 } }, 'e-rise-2');
    j.run();
    expect(riskNotices(j)).toEqual([
      expect.objectContaining({
        agencyId: j.s.agencyId,
        message: expect.stringMatching(
          /is raised \(risk of serious harm, MAPPA level\): .*version 2.*risk of serious harm HIGH, likelihood of reoffending MEDIUM, MAPPA category 2 level 1/,
        ),
      }),
    ]);
    expect(j.notices.filter((n) => n.subject === 'RISK_ESCALATED')).toHaveLength(1);
    expect(escalations(j)).toEqual([]);
    expect(j.s.told?.risk).toMatchObject({ version: 2, riskOfSeriousHarm: 'HIGH' });

    // A redelivery and a fall tell nothing; a rise back to what it was told tells nothing either.
    assess(j, 2, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 1 } }, 'e-rise-2');
    assess(j, 3, { riskOfSeriousHarm: 'MEDIUM', mappa: { category: 2, level: 1 } });
    j.run();
    assess(j, 4, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 1 } });
    j.run();
    expect(riskNotices(j)).toHaveLength(1);
    // A MAPPA level above what it was told is a rise.
    assess(j, 5, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 2 } });
    j.run();
    expect(notices(j)).toEqual([
      expect.any(String),
      expect.stringContaining('has risen since you were last told (MAPPA level): as of the risk assessment'),
    ]);
    expect(j.s.told?.risk?.version).toBe(5);
    expect(escalations(j)).toEqual([]);
  });

  it('a rise while only need agencies hold referrals is an item for the prison; the main referral then carries the latest level, the agency is told and the item closes', () => {
    const j = screenedJourney(['ACCOMMODATION'], undefined, 40, [], (w) => (w.mainAgency = undefined));
    expect(j.s.told?.forNeeds).toBe(true);
    assess(j, 1, { riskOfSeriousHarm: 'HIGH', rises: ['RISK_OF_SERIOUS_HARM'] });
    j.run();
    expect(escalations(j)).toEqual([
      expect.objectContaining({ action: riskEscalationAction(1), mustAct: 'prison:BAR', status: 'OPEN' }),
    ]);
    expect(riskNotices(j)).toEqual([]);
    expect(j.s.told?.risk).toBeUndefined();
    expect(j.p.referralRiskOfSeriousHarm()).toBe('HIGH');

    // The directory lists a justice social work team again: the main referral goes, then the notice.
    j.mainAgency = 'agency-1';
    j.t += DAY;
    j.run();
    expect(j.s.referralId).toBeDefined();
    expect(riskNotices(j)).toEqual([
      expect.objectContaining({
        agencyId: 'agency-1',
        message: expect.stringContaining('risk of serious harm HIGH'),
      }),
    ]);
    expect(escalations(j)[0]).toMatchObject({ status: 'RESOLVED', resolution: { option: 'SKIP' } });
  });

  it('a rise then a fall before the referral: the agency is told nothing misleading; the prison keeps its item to acknowledge', () => {
    const j = screenedJourney(['ACCOMMODATION'], undefined, 40, [], (w) => (w.mainAgency = undefined));
    assess(j, 1);
    assess(j, 2, { riskOfSeriousHarm: 'VERY_HIGH' });
    j.run();
    assess(j, 3, { riskOfSeriousHarm: 'LOW' });
    j.run();
    j.mainAgency = 'agency-1';
    j.t += DAY;
    j.run();
    expect(j.s.referralId).toBeDefined();
    expect(j.p.referralRiskOfSeriousHarm()).toBe('LOW');
    expect(riskNotices(j)).toEqual([]);
    expect(escalations(j)).toEqual([
      expect.objectContaining({ action: riskEscalationAction(2), status: 'OPEN' }),
    ]);
  });

  it.each(['DECLINED', 'WITHDRAWN'] as const)(
    'never to an agency whose decision on the referral is %s: the rise is an item for the prison',
    (decision) => {
      const j = screenedJourney(['ACCOMMODATION']);
      expect(
        j.tell(j.facts.referralOutcome, {
          referralId: 'ref-1',
          decision,
          reason: 'outside our catchment',
          decidedAt: j.now,
          eventId: 'dec-1',
        }),
      ).toBe('applied');
      j.run();
      assess(j, 1, { riskOfSeriousHarm: 'VERY_HIGH', rises: ['RISK_OF_SERIOUS_HARM'] });
      j.run();
      expect(riskNotices(j)).toEqual([]);
      expect(escalations(j)).toEqual([
        expect.objectContaining({ action: riskEscalationAction(1), mustAct: 'prison:BAR', status: 'OPEN' }),
      ]);
    },
  );

  it('never while the journey closes (its referral withdrawn): a rise then tells nobody', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    expect(j.s.referralId).toBeDefined();
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'consent' });
    // Step until the referral is withdrawn, and no further: the journey is still closing.
    for (let i = 0; i < 50 && !j.s.referralWithdrawn; i++) j.stepOnce();
    expect(j.s.referralWithdrawn).toBe(true);
    expect(j.s.stage).not.toBe('CLOSED');
    const told = assess(j, 1, { riskOfSeriousHarm: 'VERY_HIGH', rises: ['RISK_OF_SERIOUS_HARM'] });
    j.run();
    // The closing journey still takes the fact (it is shown), and no agency hears of it.
    expect(told).toBe('applied');
    expect(j.s.risks?.at(-1)).toMatchObject({ version: 1, riskOfSeriousHarm: 'VERY_HIGH' });
    expect(riskNotices(j)).toEqual([]);
  });

  it('adopted by a journey that escalated by items: an open item is told then closed; one an operator resolved counts as told', () => {
    const refused = [RISK_NOTICE_PATCH];
    const j = screenedJourney(['ACCOMMODATION'], undefined, 40, refused);
    assess(j, 1);
    assess(j, 2, { riskOfSeriousHarm: 'HIGH' });
    j.run();
    expect(escalations(j).map((a) => a.action)).toEqual([riskEscalationAction(2)]);
    expect(j.s.adopted).not.toContain(RISK_NOTICE_PATCH);

    refused.length = 0; // the journey now runs on code with risk-notice-1
    j.t += DAY;
    j.run();
    expect(j.s.adopted).toContain(RISK_NOTICE_PATCH);
    expect(notices(j)).toEqual([expect.stringContaining('risk of serious harm HIGH')]);
    expect(escalations(j)[0]).toMatchObject({ status: 'RESOLVED', resolution: { by: 'throughcare' } });

    const acted = [RISK_NOTICE_PATCH];
    const k = screenedJourney(['ACCOMMODATION'], undefined, 40, acted);
    assess(k, 1);
    assess(k, 2, { riskOfSeriousHarm: 'HIGH' });
    k.run();
    const item = escalations(k)[0]!;
    expect(
      k.tell(k.facts.resolveAttention, {
        itemId: item.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'phoned the justice social work team',
        resolvedAt: k.now,
        eventId: `resolve-${item.id}`,
      }),
    ).toBe('applied');
    k.run();
    acted.length = 0;
    k.t += DAY;
    k.run();
    expect(k.s.told?.risk).toMatchObject({ version: 2 });
    expect(riskNotices(k)).toEqual([]);
    assess(k, 3, { riskOfSeriousHarm: 'VERY_HIGH' });
    k.run();
    expect(notices(k)).toEqual([
      expect.stringContaining('has risen since you were last told (risk of serious harm)'),
    ]);
  });

  it('after the release the agency supervising in the community is told too', () => {
    const j = screenedJourney(['ACCOMMODATION'], undefined, 3);
    j.t += 3 * DAY;
    j.run();
    releaseNow(j);
    assess(j, 1, { likelihoodOfReoffending: 'HIGH', rises: ['LIKELIHOOD_OF_REOFFENDING'] });
    j.run();
    expect(notices(j)).toEqual([expect.stringContaining('is raised (likelihood of reoffending)')]);
  });
});
