import type { Pathway } from '@throughcare/contracts';
import { NEED_GAP_RETRY_MS } from './outcomes';
import { createPlanner, REFERRAL_PER_NEED_PATCH } from './planner';
import {
  DAY,
  HOUR,
  inputFor,
  SimulatedJourney,
  tellAssessment,
  tellCoreScreen,
} from './journey-simulation.spec-support';

/**
 * One referral per need (`referral-per-need-1`, issue 9): each assessed need goes to the agency the
 * directory chooses for it, a decline moves it to the next, none left is a gap prison staff see,
 * and closing the case withdraws what is still open. On the simulated journey (pure core).
 */

const received = Date.parse('2026-03-02T09:00:00.000Z');

/** A Scottish journey screened with `needs`, comprehensive screen done (the referrals are due). */
function screened(needs: Pathway[], eligible: string[] = ['housing-1', 'housing-2']): SimulatedJourney {
  const j = new SimulatedJourney(inputFor('SCOTLAND', 300));
  j.eligible = eligible;
  j.run();
  j.t = received + DAY;
  tellCoreScreen(j, needs, 'e-core');
  j.run();
  j.t = received + 3 * DAY;
  tellAssessment(j, 'COMPREHENSIVE_SCREEN', needs, 'e-comprehensive');
  j.run();
  return j;
}
const view = (j: SimulatedJourney) =>
  j.p.needReferralsView()!.map((n) => ({
    pathway: n.pathway,
    status: n.status,
    agencyId: n.agencyId,
    tried: n.tried.map((t) => [t.agencyId, t.endedBecause ?? 'open']),
  }));
const decline = (j: SimulatedJourney, referralId: string, reason: string, eventId: string) =>
  j.tell(j.facts.referralOutcome, { referralId, decision: 'DECLINED', reason, decidedAt: j.now, eventId });

describe('one referral per need (referral-per-need-1)', () => {
  it('refers each need to the agency the directory chooses once the referrals are due, beside the justice social work referral', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 300));
    j.run();
    j.t = received + DAY;
    tellCoreScreen(j, ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'], 'e-core');
    j.run();
    // Before the comprehensive screen nothing is referred (seed 000 stage 3), and the view says so.
    expect(j.log.some((l) => l.includes('need:'))).toBe(false);
    expect(view(j).map((n) => n.status)).toEqual(['CHOOSING', 'CHOOSING']);

    j.t = received + 3 * DAY;
    tellAssessment(j, 'COMPREHENSIVE_SCREEN', ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'], 'e-comprehensive');
    j.run();
    expect(j.log.map((l) => l.slice(25)).filter((l) => /eferral|Agency/.test(l))).toEqual([
      'findAgency directory:find-agency',
      'sendReferral referral:send',
      'chooseNeedAgency need:ACCOMMODATION:choose',
      'sendNeedReferral need:ACCOMMODATION:send',
      'chooseNeedAgency need:DRUGS_AND_ALCOHOL:choose',
      'sendNeedReferral need:DRUGS_AND_ALCOHOL:send',
    ]);
    expect(view(j)).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'SENT',
        agencyId: 'need-agency-1',
        tried: [['need-agency-1', 'open']],
      },
      {
        pathway: 'DRUGS_AND_ALCOHOL',
        status: 'SENT',
        agencyId: 'need-agency-1',
        tried: [['need-agency-1', 'open']],
      },
    ]);
    expect([...j.needReferralsSent.values()].map((r) => r.pathway)).toEqual([
      'ACCOMMODATION',
      'DRUGS_AND_ALCOHOL',
    ]);
    expect(j.s.referralId).toBe('ref-1');
  });

  it("follows the agency's answers: acknowledged, accepted; the justice social work referral's own facts untouched", () => {
    const j = screened(['ACCOMMODATION']);
    const id = j.p.needReferral('ACCOMMODATION')!.tries[0]!.referralId!;
    expect(
      j.tell(j.facts.referralAcknowledged, {
        referralId: id,
        acknowledgedAt: j.now,
        acknowledgedBy: 'housing duty team',
        eventId: 'e-ack',
      }),
    ).toBe('applied');
    expect(view(j)[0]!.status).toBe('ACKNOWLEDGED');
    expect(j.s.acknowledgement).toBeUndefined();
    expect(
      j.tell(j.facts.referralOutcome, {
        referralId: id,
        decision: 'ACCEPTED',
        decidedAt: j.now,
        eventId: 'e-ok',
      }),
    ).toBe('applied');
    expect(view(j)[0]!.status).toBe('ACCEPTED');
    expect(j.s.outcomes).toEqual([]);
  });

  it('moves a declined need to the next eligible agency, with the reason kept', () => {
    const j = screened(['ACCOMMODATION']);
    const first = j.p.needReferral('ACCOMMODATION')!.tries[0]!;
    expect(first.agencyId).toBe('housing-1');
    j.t += HOUR;
    expect(decline(j, first.referralId!, 'no capacity until June', 'e-dec-1')).toBe('applied');
    j.run();
    expect(view(j)).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'SENT',
        agencyId: 'housing-2',
        tried: [
          ['housing-1', 'declined: no capacity until June'],
          ['housing-2', 'open'],
        ],
      },
    ]);
    expect([...j.needReferralsSent.values()].map((r) => r.agencyId)).toEqual(['housing-1', 'housing-2']);
  });

  it('shows a gap when no eligible agency is left, asks the directory again daily, and refers once one is listed', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1']);
    j.t += HOUR;
    decline(j, j.p.needReferral('ACCOMMODATION')!.tries[0]!.referralId!, 'outside our criteria', 'e-dec');
    j.run();
    const gapAt = j.t;
    const [gap] = j.p.needReferralsView()!;
    expect(gap).toMatchObject({
      status: 'GAP',
      gap: {
        since: new Date(gapAt).toISOString(),
        nextAskedAt: new Date(gapAt + NEED_GAP_RETRY_MS).toISOString(),
      },
      tried: [{ agencyId: 'housing-1', endedBecause: 'declined: outside our criteria' }],
    });
    expect(gap!.agencyId).toBeUndefined();
    // Nothing to do until the directory is asked again; the journey sleeps until then at the latest.
    expect(j.p.nextAction()).toBeUndefined();
    expect(j.p.nextWake()).toBeLessThanOrEqual(gapAt + NEED_GAP_RETRY_MS);

    // Asked again the next day: still none, and the gap keeps the instant it started.
    j.t = gapAt + NEED_GAP_RETRY_MS;
    j.run();
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'GAP',
      gap: { since: new Date(gapAt).toISOString() },
    });

    // A new agency is listed: the next day's question refers the need to it.
    j.eligible = ['housing-1', 'housing-3'];
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-3' });
    expect(j.p.needReferralsView()![0]!.gap).toBeUndefined();
  });

  it('refers a need that a later assessment adds', () => {
    const j = screened(['ACCOMMODATION']);
    let review = j.s.requests.find((r) => r.kind === 'STANDARD_REVIEW');
    for (let n = 0; n < 40 && !review; n++) {
      j.t += 7 * DAY;
      j.run();
      review = j.s.requests.find((r) => r.kind === 'STANDARD_REVIEW');
    }
    expect(
      j.tell(j.facts.assessmentCompleted, {
        assessmentId: review!.assessmentId,
        kind: 'STANDARD_REVIEW',
        needs: ['HEALTH'],
        completedAt: j.now,
        eventId: 'e-review',
      }),
    ).toBe('applied');
    j.run();
    expect(view(j).map((n) => [n.pathway, n.status])).toEqual([
      ['ACCOMMODATION', 'SENT'],
      ['HEALTH', 'SENT'],
    ]);
  });

  it('waits, rather than refuses, a fact about a referral whose sending is in flight', () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], []);
    // Both needs are gaps; a new agency is listed and HEALTH's referral is being sent.
    j.eligible = ['health-1'];
    j.t += NEED_GAP_RETRY_MS;
    const before = j.log.length;
    for (
      let n = 0;
      n < 10 && !j.log.slice(before).some((l) => l.includes('chooseNeedAgency need:HEALTH'));
      n++
    )
      j.stepOnce();
    expect(j.p.needReferral('HEALTH')!.tries).toMatchObject([{ agencyId: 'health-1' }]);
    expect(j.p.needReferral('HEALTH')!.tries[0]!.referralId).toBeUndefined();
    const fact = {
      referralId: 'ref-not-yet-known',
      acknowledgedAt: j.now,
      acknowledgedBy: 'health',
      eventId: 'e-x',
    };
    expect(j.tell(j.facts.referralAcknowledged, fact)).toBe('not-yet');
    j.run();
    expect(j.tell(j.facts.referralAcknowledged, { ...fact, eventId: 'e-y' })).toBe('rejected');
  });

  it('withdraws the need referrals still open when the case closes, and not a declined one', () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], ['agency-a']);
    const health = j.p.needReferral('HEALTH')!.tries[0]!;
    j.t += HOUR;
    decline(j, health.referralId!, 'not our area', 'e-dec');
    j.run();
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.log.map((l) => l.slice(25)).filter((l) => l.includes(':withdraw'))).toEqual([
      'withdrawReferral referral:withdraw',
      'withdrawNeedReferral need:ACCOMMODATION:withdraw',
    ]);
    expect([...j.needReferralsSent.values()].map((r) => [r.pathway, r.withdrawn])).toEqual([
      ['ACCOMMODATION', true],
      ['HEALTH', false],
    ]);
    expect(view(j).map((n) => n.status)).toEqual(['WITHDRAWN', 'GAP']);
    expect(j.s.closureRecorded).toBe(true);
  });

  it('is not done by a journey that did not adopt the patch (a replay of one recorded before it)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 300));
    const p = createPlanner({ ...j.ctx, patched: (id) => id !== REFERRAL_PER_NEED_PATCH }, j.s, () => j.t);
    p.adoptFixes();
    expect(j.s.adopted).not.toContain(REFERRAL_PER_NEED_PATCH);
    expect(p.needReferralsView()).toBeUndefined();
    j.t = received + DAY;
    tellCoreScreen(j, ['ACCOMMODATION'], 'e-core');
    j.t = received + 3 * DAY;
    tellAssessment(j, 'COMPREHENSIVE_SCREEN', ['ACCOMMODATION'], 'e-comprehensive');
    for (let n = 0; n < 30; n++) {
      const a = p.nextAction();
      if (!a) break;
      expect(a.kind).not.toMatch(/Need/);
      j.execute(a);
    }
  });
});
