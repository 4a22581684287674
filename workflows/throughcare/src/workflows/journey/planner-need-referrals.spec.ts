import type { Pathway } from '@throughcare/contracts';
import { deadlineFor } from '@throughcare/domain';
import { booked, NEED_GAP_RETRY_MS } from './outcomes';
import {
  DECLINE_COOL_OFF_MS,
  MAX_DECLINES_PER_NEED,
  iso,
  NEED_AGENCY_NOTICES_PATCH,
  NEED_REFERRAL_CLOCKS_PATCH,
  needAcknowledgementKey,
  REFERRAL_PER_NEED_PATCH,
  directoryAgeOf,
  sentenceMonthsOf,
  type Lane,
} from './planner';
import {
  DAY,
  HOUR,
  inputFor,
  retryAll,
  screenedJourney,
  SimulatedJourney,
  tellAssessment,
  tellCoreScreen,
} from './journey-simulation.spec-support';

/**
 * One referral per need (`referral-per-need-1`, issue 9): each assessed need goes, once release
 * planning opens, to the agency the directory chooses for it; a decline moves it to the next; none
 * left is a gap prison staff see; closing the case withdraws what is still open. On the simulated
 * journey (pure core).
 */

const received = Date.parse('2026-03-02T09:00:00.000Z');

/** A Scottish journey (release in `releaseInDays`) screened with `needs`, comprehensive screen done. */
const screened = screenedJourney;
const view = (j: SimulatedJourney) =>
  j.p.needReferralsView()!.map((n) => ({
    pathway: n.pathway,
    status: n.status,
    agencyId: n.agencyId,
    tried: n.tried.map((t) => [t.agencyId, t.endedBecause ?? 'open']),
  }));
const decide = (
  j: SimulatedJourney,
  referralId: string,
  decision: 'DECLINED' | 'ACCEPTED' | 'MORE_INFORMATION_REQUESTED' | 'WITHDRAWN',
  eventId: string,
  reason?: string,
) => j.tell(j.facts.referralOutcome, { referralId, decision, reason, decidedAt: j.now, eventId });
const tryOf = (j: SimulatedJourney, pathway: Pathway, n = 0) => j.p.needReferral(pathway)!.tries[n]!;
/** The next effect to start, doing the attention-item bookkeeping planned before it (a gap's item closed). */
const nextEffect = (j: SimulatedJourney, busy?: Set<Lane>) => {
  for (;;) {
    const a = j.p.nextAction(busy)!;
    if (a.kind !== 'closeItem' && a.kind !== 'raise') return a;
    j.execute(a);
  }
};
const needLog = (j: SimulatedJourney) =>
  j.log.map((l) => l.slice(25)).filter((l) => /eferral|Agency/.test(l));

describe('one referral per need (referral-per-need-1)', () => {
  it('waits for release planning to open (not the comprehensive screen), then refers each need beside the justice social work referral', () => {
    const j = screened(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'], ['housing-1'], 300);
    // The justice social work referral follows the comprehensive screen; the needs wait.
    expect(needLog(j)).toEqual(['findAgency directory:find-agency', 'sendReferral referral:send']);
    expect(view(j).map((n) => n.status)).toEqual(['NOT_YET_DUE', 'NOT_YET_DUE']);
    const wake = j.p.nextWake()!;
    let opened = 0;
    for (let n = 0; n < 60 && view(j)[0]!.status === 'NOT_YET_DUE'; n++) {
      j.t = Math.max(j.t + DAY, j.p.nextWake() ?? j.t + DAY);
      j.run();
      opened = j.t;
    }
    expect(opened).toBeGreaterThanOrEqual(wake);
    expect(opened - received).toBeGreaterThan(200 * DAY); // within weeks of release, not at the screen
    expect(needLog(j).slice(2)).toEqual([
      'chooseNeedAgency need:ACCOMMODATION:choose',
      'sendNeedReferral need:ACCOMMODATION:send:1',
      'chooseNeedAgency need:DRUGS_AND_ALCOHOL:choose',
      'sendNeedReferral need:DRUGS_AND_ALCOHOL:send:1',
    ]);
    expect(view(j)).toEqual([
      { pathway: 'ACCOMMODATION', status: 'SENT', agencyId: 'housing-1', tried: [['housing-1', 'open']] },
      { pathway: 'DRUGS_AND_ALCOHOL', status: 'SENT', agencyId: 'housing-1', tried: [['housing-1', 'open']] },
    ]);
    expect(j.s.referralId).toBe('ref-1');
  });

  it("follows the agency's latest decision; the justice social work referral's own facts untouched", () => {
    const j = screened(['ACCOMMODATION']);
    const id = tryOf(j, 'ACCOMMODATION').referralId;
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
    j.t += HOUR;
    expect(decide(j, id, 'MORE_INFORMATION_REQUESTED', 'e-more')).toBe('applied');
    expect(view(j)[0]!.status).toBe('MORE_INFORMATION_REQUESTED');
    j.t += HOUR;
    expect(decide(j, id, 'ACCEPTED', 'e-ok')).toBe('applied');
    expect(view(j)[0]!.status).toBe('ACCEPTED');
    expect(j.s.outcomes).toEqual([]);
    // A decline then a reconsidered acceptance: the latest decision stands, nothing moves on.
    const k = screened(['HEALTH']);
    const hid = tryOf(k, 'HEALTH').referralId;
    k.t += HOUR;
    decide(k, hid, 'DECLINED', 'e-d', 'waiting list full');
    k.t += HOUR;
    decide(k, hid, 'ACCEPTED', 'e-a');
    k.run();
    expect(view(k)).toEqual([
      { pathway: 'HEALTH', status: 'ACCEPTED', agencyId: 'housing-1', tried: [['housing-1', 'open']] },
    ]);
  });

  it('moves a declined need to the next eligible agency, with the reason kept', () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION');
    expect(first.agencyId).toBe('housing-1');
    j.t += HOUR;
    expect(decide(j, first.referralId, 'DECLINED', 'e-dec-1', 'no capacity until June')).toBe('applied');
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

  it('shows a gap when no eligible agency is left, asks again daily, offers a declining agency again after its cool-off, and refers to one listed since', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-dec', 'outside our criteria');
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
    expect(j.p.nextAction()).toBeUndefined();
    expect(j.p.nextWake()).toBeLessThanOrEqual(gapAt + NEED_GAP_RETRY_MS);

    // The next day: still none (housing-1 is in its cool-off); the gap keeps the instant it started.
    j.t = gapAt + NEED_GAP_RETRY_MS;
    j.run();
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'GAP',
      gap: { since: new Date(gapAt).toISOString() },
    });
    // Once the cool-off has passed, the agency that declined is asked again.
    j.t = gapAt + DECLINE_COOL_OFF_MS + NEED_GAP_RETRY_MS;
    j.run();
    expect(view(j)[0]).toMatchObject({
      status: 'SENT',
      agencyId: 'housing-1',
      tried: [
        ['housing-1', 'declined: outside our criteria'],
        ['housing-1', 'open'],
      ],
    });
  });

  it('refers, after a gap, to an agency listed since', () => {
    const j = screened(['ACCOMMODATION'], []);
    expect(view(j)[0]!.status).toBe('GAP');
    j.eligible = ['housing-3'];
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-3' });
    expect(j.p.needReferralsView()![0]!.gap).toBeUndefined();
  });

  it('never offers the justice social work agency the journey already referred to', () => {
    const j = screened(['ACCOMMODATION'], ['agency-1', 'housing-1']);
    expect(j.s.agencyId).toBe('agency-1');
    expect(tryOf(j, 'ACCOMMODATION').agencyId).toBe('housing-1');
    expect(j.p.needExclusions('ACCOMMODATION')).toEqual(['agency-1', 'housing-1']);
  });

  it('refers a need that a later assessment adds', () => {
    const j = screened(['ACCOMMODATION']);
    const summary = j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW');
    expect(summary).toBeDefined();
    expect(tellAssessment(j, 'SUMMARY_REVIEW', ['HEALTH'], 'e-summary')).toBe('applied');
    j.run();
    expect(view(j).map((n) => [n.pathway, n.status])).toEqual([
      ['ACCOMMODATION', 'SENT'],
      ['HEALTH', 'SENT'],
    ]);
  });

  it("applies the agency's answer to a referral whose send is still in flight (its id is minted when the agency is chosen)", () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    j.eligible = ['housing-1'];
    j.t += NEED_GAP_RETRY_MS;
    const a = j.p.nextAction()!;
    expect(a).toMatchObject({ kind: 'chooseNeedAgency' });
    j.execute(a);
    const send = nextEffect(j);
    expect(send).toMatchObject({ kind: 'sendNeedReferral' });
    const id = tryOf(j, 'ACCOMMODATION').referralId;
    // The agency's acknowledgement arrives before the send's answer.
    expect(
      j.tell(j.facts.referralAcknowledged, {
        referralId: id,
        acknowledgedAt: j.now,
        acknowledgedBy: 'housing',
        eventId: 'e-early',
      }),
    ).toBe('applied');
    j.execute(send);
    expect(view(j)[0]).toMatchObject({ status: 'ACKNOWLEDGED', agencyId: 'housing-1' });
    // An id no try holds is refused, as before.
    expect(
      j.tell(j.facts.referralAcknowledged, {
        referralId: 'ref-unknown',
        acknowledgedAt: j.now,
        acknowledgedBy: 'x',
        eventId: 'e-x',
      }),
    ).toBe('rejected');
  });

  it('records a late send against the try it was for, after a decline moved the need on meanwhile', () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    j.eligible = ['housing-1', 'housing-2'];
    j.t += NEED_GAP_RETRY_MS;
    j.execute(j.p.nextAction()!); // housing-1 chosen
    const send = nextEffect(j);
    expect(send).toMatchObject({ kind: 'sendNeedReferral' });
    const answer = j.begin(send); // in flight in the referral lane
    j.t += HOUR;
    expect(decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'no')).toBe('applied');
    const next = nextEffect(j, new Set(['referral']));
    expect(next).toMatchObject({ kind: 'chooseNeedAgency' });
    j.execute(next); // housing-2 chosen while the first send is still out
    answer(); // the first send answers late
    expect(tryOf(j, 'ACCOMMODATION', 0).sentAt).toBeDefined();
    expect(tryOf(j, 'ACCOMMODATION', 1).sentAt).toBeUndefined();
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-2' });
    expect([...j.needReferralsSent.values()].map((r) => r.agencyId)).toEqual(['housing-1', 'housing-2']);
  });

  it('moves on when an operator skips sending to an agency, and the item is per try', () => {
    const j = screened(['ACCOMMODATION']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-dec', 'no');
    j.failing = (a) => a.kind === 'sendNeedReferral';
    j.run();
    const item = j.s.attention.find((a) => a.status === 'OPEN');
    expect(item?.action).toBe('need:ACCOMMODATION:send:2');
    j.failing = () => false;
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item!.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'agency closed',
        resolvedAt: j.now,
        eventId: 'e-skip',
      }),
    ).toBe('applied');
    j.run();
    expect(view(j)[0]!.tried).toEqual([
      ['housing-1', 'declined: no'],
      ['housing-2', 'not sent: skipped by an operator'],
    ]);
    expect(view(j)[0]!.status).toBe('GAP');
  });

  it('withdraws the need referrals still open when the case closes, not a declined one, and closes their items', () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], ['agency-a']);
    j.t += HOUR;
    decide(j, tryOf(j, 'HEALTH').referralId, 'DECLINED', 'e-dec', 'not our area');
    j.run();
    expect(view(j).map((n) => n.status)).toEqual(['SENT', 'GAP']);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.log.map((l) => l.slice(25)).filter((l) => l.includes(':withdraw'))).toEqual([
      'withdrawReferral referral:withdraw',
      'withdrawNeedReferral need:ACCOMMODATION:withdraw:1',
    ]);
    expect([...j.needReferralsSent.values()].map((r) => [r.pathway, r.withdrawn])).toEqual([
      ['ACCOMMODATION', true],
      ['HEALTH', false],
    ]);
    expect(view(j).map((n) => n.status)).toEqual(['WITHDRAWN', 'CLOSED']);
    expect(j.s.closureRecorded).toBe(true);
    expect(j.p.nextWake()).toBeUndefined();
  });

  it('is not done by a journey that did not adopt the patch (replayed on the branch before it)', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40, [REFERRAL_PER_NEED_PATCH]);
    expect(j.s.referralId).toBe('ref-1');
    expect(j.s.adopted).not.toContain(REFERRAL_PER_NEED_PATCH);
    expect(j.p.needReferralsView()).toBeUndefined();
    expect(j.s.needReferrals).toBeUndefined();
    expect(needLog(j)).toEqual(['findAgency directory:find-agency', 'sendReferral referral:send']);
    // The same journey on today's code refers the need.
    const k = screened(['ACCOMMODATION'], ['housing-1'], 40);
    expect(needLog(k)).toContain('sendNeedReferral need:ACCOMMODATION:send:1');
  });

  it('is not adopted by a journey already released (a deploy sends nothing for people already out)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 40));
    j.adopting = false;
    j.run();
    expect(
      j.tell(j.facts.releaseRecorded, { releasedAt: j.now, reason: 'RELEASED', eventId: 'e-rel' } as never),
    ).toBe('applied');
    j.t += HOUR;
    j.run();
    expect(j.p.released()).toBe(true);
    j.t += DAY;
    j.adopting = true;
    j.run();
    expect(j.s.adopted ?? []).not.toContain(REFERRAL_PER_NEED_PATCH);
  });
});

describe('one referral per need: second review fixes', () => {
  it('adopts at the first planning of a journey started by a liberation from court', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    // As the shell does for a reception that is a liberation from court, before its first planning.
    expect(
      j.facts.receivedAgain({
        ...j.input,
        liberatedFromCourt: { releasedAt: j.now, legalStatus: 'REMAND', eventId: 'court' },
      }),
    ).toBe(true);
    j.run();
    expect(j.p.fromCourt()).toBe(true);
    expect(j.s.adopted).toContain(REFERRAL_PER_NEED_PATCH);
  });

  it('gives the need back to an earlier agency that accepts after declining (the later one withdrawn), and withdraws it at closure', () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    decide(j, first.referralId, 'DECLINED', 'e-d', 'full');
    j.run(); // moved on to housing-2
    expect(tryOf(j, 'ACCOMMODATION', 1).agencyId).toBe('housing-2');
    j.t += HOUR;
    decide(j, first.referralId, 'ACCEPTED', 'e-a'); // housing-1 thought again
    j.run();
    expect(view(j)).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'ACCEPTED',
        agencyId: 'housing-1',
        tried: [
          ['housing-1', 'open'],
          ['housing-2', 'withdrawn: housing-1 took the need on'],
        ],
      },
    ]);
    // housing-2's own decline, arriving after, changes nothing: no gap, no new agency.
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION', 1).referralId, 'DECLINED', 'e-d2', 'crossed in the post');
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'ACCEPTED', agencyId: 'housing-1' });
    expect(j.p.needReferral('ACCOMMODATION')!.tries).toHaveLength(2);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.log.map((l) => l.slice(25)).filter((l) => l.startsWith('withdrawNeedReferral'))).toEqual([
      'withdrawNeedReferral need:ACCOMMODATION:superseded:2',
      'withdrawNeedReferral need:ACCOMMODATION:withdraw:1',
    ]);
    expect([...j.needReferralsSent.values()].map((r) => [r.agencyId, r.withdrawn])).toEqual([
      ['housing-1', true],
      ['housing-2', true],
    ]);
  });

  it("shows the need CLOSED_BY_AGENCY with the agency's outcome, before and after the case closes, and acts as it would without the closure", () => {
    let closedAt = '';
    const run = (closing: boolean) => {
      const j = screened(['ACCOMMODATION', 'HEALTH'], ['agency-a']);
      const id = tryOf(j, 'ACCOMMODATION').referralId;
      j.t += HOUR;
      expect(decide(j, id, 'ACCEPTED', 'e-acc')).toBe('applied');
      j.run();
      j.t += DAY;
      closedAt = j.now;
      if (closing) {
        const closed = {
          referralId: id,
          outcome: 'PARTIALLY_ACHIEVED' as const,
          closedAt,
          eventId: 'e-close',
        };
        // Not before the referral was chosen, and only about a referral the journey knows.
        expect(j.tell(j.facts.referralClosed, { ...closed, closedAt: iso(received) })).toBe('rejected');
        expect(j.tell(j.facts.referralClosed, { ...closed, referralId: 'ref-unknown' })).toBe('rejected');
        expect(j.tell(j.facts.referralClosed, closed)).toBe('applied');
        expect(j.p.needReferralsView()![0]).toMatchObject({
          pathway: 'ACCOMMODATION',
          status: 'CLOSED_BY_AGENCY',
          agencyId: 'agency-a',
          referralId: id,
          closure: { outcome: 'PARTIALLY_ACHIEVED', closedAt: j.now },
        });
        expect(view(j)[1]!.status).toBe('SENT');
      }
      j.run();
      j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
      j.run();
      return j;
    };
    const closed = run(true);
    // The journey's actions do not depend on the closure (the referral service leaves a closed
    // case as it is when the journey withdraws it at the end).
    expect(closed.log).toEqual(run(false).log);
    expect(view(closed).map((n) => n.status)).toEqual(['CLOSED_BY_AGENCY', 'WITHDRAWN']);
    const closure = { outcome: 'PARTIALLY_ACHIEVED', closedAt };
    // The try says why it ended: the agency's closure, not the journey's withdrawal after it.
    expect(closed.p.needReferralsView()![0]).toMatchObject({
      closure,
      tried: [{ agencyId: 'agency-a', endedBecause: 'closed by the agency: PARTIALLY_ACHIEVED', closure }],
    });
  });

  it("keeps an agency's closure on its try when an earlier agency takes the need back", () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    decide(j, first.referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    const second = tryOf(j, 'ACCOMMODATION', 1);
    j.t += HOUR;
    decide(j, second.referralId, 'ACCEPTED', 'e-a2');
    j.t += DAY;
    const closedAt = j.now;
    expect(
      j.tell(j.facts.referralClosed, {
        referralId: second.referralId,
        outcome: 'ACHIEVED',
        closedAt,
        eventId: 'e-close',
      }),
    ).toBe('applied');
    expect(view(j)[0]).toMatchObject({ status: 'CLOSED_BY_AGENCY', agencyId: 'housing-2' });
    j.t += HOUR;
    decide(j, first.referralId, 'ACCEPTED', 'e-a1');
    j.run();
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'ACCEPTED',
      agencyId: 'housing-1',
      tried: [
        { agencyId: 'housing-1' },
        {
          agencyId: 'housing-2',
          endedBecause: 'closed by the agency: ACHIEVED',
          closure: { outcome: 'ACHIEVED', closedAt },
        },
      ],
    });
  });

  it('keeps both when the later agency had accepted too', () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    decide(j, first.referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION', 1).referralId, 'ACCEPTED', 'e-a2');
    j.t += HOUR;
    decide(j, first.referralId, 'ACCEPTED', 'e-a1');
    j.run();
    expect(needLog(j).filter((l) => l.includes('withdraw'))).toEqual([]);
    expect(view(j)[0]).toMatchObject({ status: 'ACCEPTED', agencyId: 'housing-1' });
  });

  it('does not send to the agency a choice in flight found, when an earlier one accepts meanwhile', () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    decide(j, first.referralId, 'DECLINED', 'e-d', 'full');
    const choose = nextEffect(j);
    expect(choose).toMatchObject({ kind: 'chooseNeedAgency' });
    const answer = j.begin(choose); // in flight in the directory lane
    j.t += HOUR;
    decide(j, first.referralId, 'ACCEPTED', 'e-a');
    answer(); // housing-2 chosen
    j.run();
    expect(needLog(j).filter((l) => l.includes('send:2'))).toEqual([]);
    expect(view(j)).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'ACCEPTED',
        agencyId: 'housing-1',
        tried: [
          ['housing-1', 'open'],
          ['housing-2', 'not sent: housing-1 took the need on'],
        ],
      },
    ]);
  });

  it('closes a need whose send waits on an operator when the case closes: CLOSED, not SENDING', () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    j.eligible = ['housing-1'];
    j.failing = (a) => a.kind === 'sendNeedReferral';
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    expect(j.s.attention.filter((a) => a.status === 'OPEN').map((a) => a.action)).toEqual([
      'need:ACCOMMODATION:send:1',
    ]);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.s.attention.filter((a) => a.status === 'OPEN')).toEqual([]);
    expect(view(j)).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'CLOSED',
        agencyId: undefined,
        tried: [['housing-1', 'not sent: the case closed']],
      },
    ]);
    expect(j.p.needReferralsView()![0]!.tried[0]!.status).toBe('ENDED');
    expect(j.s.closureRecorded).toBe(true);
  });
});

describe('one referral per need: a late skip', () => {
  it('leaves the skipped agency out for the cool-off from the skip, not from when it was chosen', () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    j.eligible = ['housing-1'];
    j.failing = (a) => a.kind === 'sendNeedReferral';
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    const item = j.s.attention.find((a) => a.status === 'OPEN')!;
    expect(item.action).toBe('need:ACCOMMODATION:send:1');
    j.failing = () => false;
    j.t += 30 * DAY; // the item waited a month for an operator
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'agency closed for refurbishment',
        resolvedAt: j.now,
        eventId: 'e-skip',
      }),
    ).toBe('applied');
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'GAP' });
    expect(j.p.needExclusions('ACCOMMODATION')).toContain('housing-1');
    j.t += DECLINE_COOL_OFF_MS;
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-1' });
  });
});

describe('the sentence the directory is told, in whole calendar months', () => {
  it('counts months from the sentence date, and knows none for a liberation from court', () => {
    const base = inputFor('SCOTLAND', 40);
    expect(sentenceMonthsOf({ ...base, sentenceDate: '2026-03-02', sentenceLengthDays: 365 })).toBe(12);
    expect(sentenceMonthsOf({ ...base, sentenceDate: '2026-03-02', sentenceLengthDays: 364 })).toBe(11);
    expect(sentenceMonthsOf({ ...base, sentenceDate: '2026-01-31', sentenceLengthDays: 27 })).toBe(0);
    expect(sentenceMonthsOf({ ...base, sentenceDate: '2024-03-02', sentenceLengthDays: 1461 })).toBe(48);
    expect(
      sentenceMonthsOf({
        ...base,
        sentenceLengthDays: 1,
        liberatedFromCourt: { releasedAt: base.receivedAt, legalStatus: 'REMAND', eventId: 'e' } as never,
      }),
    ).toBeUndefined();
  });
});

describe('the age the directory is told, in whole years on the day it is asked', () => {
  it('counts from the date of birth in Europe/London; none without one, nor for one no person in custody could have', () => {
    const base = inputFor('SCOTLAND', 40);
    const at = (iso: string) => new Date(iso);
    expect(directoryAgeOf({ ...base, dateOfBirth: '1990-06-15' }, at('2026-06-14T12:00:00Z'))).toBe(35);
    // 23:30 UTC on 14 June is 00:30 on the 15th in London (BST): the birthday.
    expect(directoryAgeOf({ ...base, dateOfBirth: '1990-06-15' }, at('2026-06-14T23:30:00Z'))).toBe(36);
    expect(directoryAgeOf(base, at('2026-06-14T12:00:00Z'))).toBeUndefined();
    expect(
      directoryAgeOf({ ...base, dateOfBirth: '2020-01-01' }, at('2026-06-14T12:00:00Z')),
    ).toBeUndefined();
    expect(
      directoryAgeOf({ ...base, dateOfBirth: '1990-02-30' }, at('2026-06-14T12:00:00Z')),
    ).toBeUndefined();
  });
});

describe('one referral per need: an operator skips choosing an agency', () => {
  it('shows the need NOT_REFERRED with the reason, and stops asking the directory for it', () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], ['housing-1'], 40);
    expect(view(j).map((n) => n.status)).toEqual(['SENT', 'SENT']);
    j.t += HOUR;
    decide(j, tryOf(j, 'HEALTH').referralId, 'DECLINED', 'e-dec', 'not our area');
    j.run();
    expect(view(j)[1]!.status).toBe('GAP'); // housing-1, the only one, declined
    // At the next daily question the directory fails for good: an item for an operator.
    j.failing = (a) => a.kind === 'chooseNeedAgency';
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    const item = j.s.attention.find((a) => a.status === 'OPEN' && a.action === 'need:HEALTH:choose')!;
    expect(item).toBeDefined();
    j.failing = () => false;
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'referred to the GP by the health centre, outside the platform',
        resolvedAt: j.now,
        eventId: 'e-skip',
      }),
    ).toBe('applied');
    j.run();
    const health = j.p.needReferralsView()![1]!;
    expect(health).toMatchObject({
      pathway: 'HEALTH',
      status: 'NOT_REFERRED',
      notReferredBecause: 'referred to the GP by the health centre, outside the platform',
    });
    expect(health.gap).toBeUndefined();
    // No more daily questions for it: the journey does not wake for the skipped need's gap.
    const wake = j.p.nextWake();
    expect(wake === undefined || wake > Date.parse(j.p.needReferral('HEALTH')!.gap!.retryAt)).toBe(true);
    const chosen = needLog(j).filter((l) => l.includes('HEALTH:choose')).length;
    j.t += 3 * NEED_GAP_RETRY_MS;
    j.run();
    expect(needLog(j).filter((l) => l.includes('HEALTH:choose')).length).toBe(chosen);
    expect(view(j)[0]!.status).toBe('SENT'); // the other need is untouched
  });
});

describe('one referral per need: prison staff stop referring a need', () => {
  const stop = (j: SimulatedJourney, pathway: Pathway, eventId: string, reason = 'housed by family') =>
    j.tell(j.facts.needStopped, { pathway, reason, stoppedBy: 'officer-17', stoppedAt: j.now, eventId });

  it("withdraws the need's standing referrals with the reason and refers it no more; the other need untouched", () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], ['housing-1', 'housing-2'], 40);
    expect(view(j).map((n) => n.status)).toEqual(['SENT', 'SENT']);
    const sent = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    expect(stop(j, 'ACCOMMODATION', 'e-stop')).toBe('applied');
    expect(stop(j, 'ACCOMMODATION', 'e-stop')).toBe('duplicate'); // the same request again
    j.run();
    expect(needLog(j).filter((l) => l.includes(':stop:'))).toEqual([
      'withdrawNeedReferral need:ACCOMMODATION:stop:1',
    ]);
    expect(j.needReferralsSent.get(sent.referralId)?.withdrawn).toBe(true);
    expect(j.p.needReferralsView()![0]).toMatchObject({
      pathway: 'ACCOMMODATION',
      status: 'NOT_REFERRED',
      notReferredBecause: 'housed by family',
      stopped: { by: 'officer-17', as: 'PRISON_STAFF', at: j.now, reason: 'housed by family' },
      tried: [
        expect.objectContaining({
          status: 'ENDED',
          endedBecause: 'withdrawn: stopped by prison staff: housed by family',
        }),
      ],
    });
    // Its acknowledgement, overdue before the stop, stays breached on record (a withdrawal ends the
    // clock as any withdrawal does: need-referral-clocks-1's own tests).
    expect(
      j.s.deadlines
        .filter((d) => d.key.startsWith('needReferralAcknowledgement:ACCOMMODATION:'))
        .map((d) => d.status),
    ).toEqual(['BREACHED']);
    // Never chosen again, even once a decline's cool-off would have passed.
    j.t += 3 * DECLINE_COOL_OFF_MS;
    j.run();
    expect(j.p.needReferral('ACCOMMODATION')!.tries).toHaveLength(1);
    expect(view(j)[1]).toMatchObject({ pathway: 'HEALTH', status: 'SENT' });
    // Stopping it again for another reason, or a need that is not one, is refused.
    expect(stop(j, 'ACCOMMODATION', 'e-stop-2', 'another reason')).toBe('rejected');
    expect(stop(j, 'EDUCATION_SKILLS_AND_WORK', 'e-stop-3')).toBe('rejected');
  });

  it('says an operator stopped it when an operator did (the agency is told so too)', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    const reason = 'arranged by the council directly';
    const told = j.tell(j.facts.needStopped, {
      pathway: 'ACCOMMODATION',
      reason,
      stoppedBy: 'operator-3',
      stoppedAs: 'OPERATOR',
      stoppedAt: j.now,
      eventId: 'e-stop',
    });
    expect(told).toBe('applied');
    j.run();
    const sent = tryOf(j, 'ACCOMMODATION');
    expect(sent.withdrawnBecause).toBe(`stopped by an operator: ${reason}`);
    expect(j.needReferralsSent.get(sent.referralId)?.withdrawalReason).toBe(
      `an operator stopped referring the need: ${reason}`,
    );
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'NOT_REFERRED',
      stopped: { by: 'operator-3', as: 'OPERATOR', reason },
    });
  });

  it('withdraws an agency that reconsiders its decline after the stop, and ends a choice never sent without a call', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1', 'housing-2'], 40);
    const first = tryOf(j, 'ACCOMMODATION');
    j.t += HOUR;
    decide(j, first.referralId, 'DECLINED', 'e-dec', 'no capacity');
    // The next agency is chosen and its send is still to start when staff stop the need.
    const choose = nextEffect(j);
    expect(choose).toMatchObject({ kind: 'chooseNeedAgency' });
    j.execute(choose);
    expect(tryOf(j, 'ACCOMMODATION', 1).sentAt).toBeUndefined();
    expect(stop(j, 'ACCOMMODATION', 'e-stop', 'the person refuses housing support')).toBe('applied');
    j.run();
    expect(
      j.p.needReferral('ACCOMMODATION')!.tries.map((t) => [t.agencyId, !!t.sentAt, t.withdrawnBecause]),
    ).toEqual([
      ['housing-1', true, undefined],
      ['housing-2', false, 'stopped by prison staff: the person refuses housing support'],
    ]);
    expect(j.needSends).toHaveLength(1);
    // The first agency reconsiders: its referral stands again, and is withdrawn with the reason.
    j.t += HOUR;
    decide(j, first.referralId, 'ACCEPTED', 'e-acc');
    j.run();
    expect(j.needReferralsSent.get(first.referralId)?.withdrawn).toBe(true);
    expect(view(j)[0]!.status).toBe('NOT_REFERRED');
  });

  it("closes the need's gap item for prison staff: the need is no longer theirs to find an agency for", () => {
    const j = screened(['HEALTH'], ['housing-1'], 40);
    j.t += HOUR;
    decide(j, tryOf(j, 'HEALTH').referralId, 'DECLINED', 'e-dec', 'not our area');
    j.run();
    const gap = () => j.s.attention.find((a) => a.action.startsWith('need:HEALTH:gap:'));
    expect(gap()?.status).toBe('OPEN');
    expect(stop(j, 'HEALTH', 'e-stop', 'GP registration arranged by the health centre')).toBe('applied');
    j.run();
    expect(gap()?.status).not.toBe('OPEN');
    expect(view(j)[0]!.status).toBe('NOT_REFERRED');
  });

  it('accepts the same stop again (a retry that lost its answer) and refuses another reason', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    expect(stop(j, 'ACCOMMODATION', 'e-stop')).toBe('applied');
    expect(stop(j, 'ACCOMMODATION', 'e-stop-retry')).toBe('applied');
    expect(j.s.needStops).toHaveLength(1);
    expect(stop(j, 'ACCOMMODATION', 'e-stop-other', 'another reason')).toBe('rejected');
  });

  it('shows NEEDS_ATTENTION while a withdrawal the stop asked for has failed for good, and NOT_REFERRED once retried', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    j.failing = (a) => a.kind === 'withdrawNeedReferral';
    expect(stop(j, 'ACCOMMODATION', 'e-stop')).toBe('applied');
    j.run();
    const item = j.s.attention.find((a) => a.status === 'OPEN' && a.action === 'need:ACCOMMODATION:stop:1')!;
    expect(item).toBeDefined();
    expect(view(j)[0]!.status).toBe('NEEDS_ATTENTION');
    retryAll(j);
    expect(view(j)[0]!.status).toBe('NOT_REFERRED');
  });

  it("keeps a failed send's item until the stop has ended its try, whatever is in flight in the referral lane", () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40, [], (x) => {
      x.failing = (a) => a.kind === 'sendNeedReferral';
    });
    const send = () => j.s.attention.find((a) => a.action === 'need:ACCOMMODATION:send:1');
    expect(send()?.status).toBe('OPEN');
    j.failing = () => false;
    expect(stop(j, 'ACCOMMODATION', 'e-stop')).toBe('applied');
    // The referral lane busy: nothing of the need's is done, its send item is not swept.
    const busy = new Set<Lane>(['referral']);
    for (let a = j.p.nextAction(busy); a && a.kind === 'closeItem'; a = j.p.nextAction(busy)) {
      expect(a.item.action).not.toBe('need:ACCOMMODATION:send:1');
      j.execute(a);
    }
    j.run();
    expect(tryOf(j, 'ACCOMMODATION')).toMatchObject({
      withdrawnBecause: 'stopped by prison staff: housed by family',
    });
    expect(send()?.status).not.toBe('OPEN');
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'NOT_REFERRED',
      tried: [
        expect.objectContaining({ endedBecause: 'not sent: stopped by prison staff: housed by family' }),
      ],
    });
  });

  it('is refused once the case is closing', () => {
    const closing = screened(['ACCOMMODATION'], ['housing-1'], 40);
    closing.tell(closing.facts.consentWithdrawn, { withdrawnAt: closing.now, eventId: 'c1' });
    expect(stop(closing, 'ACCOMMODATION', 'e-stop')).toBe('rejected');
  });
});

describe('one referral per need: a return to custody on a new sentence', () => {
  it('withdraws the needs referred in the episode that ends, and the next episode refers its carried needs afresh', () => {
    const j = screened(['ACCOMMODATION', 'HEALTH'], ['housing-1', 'housing-2'], 20);
    const acc = tryOf(j, 'ACCOMMODATION').referralId;
    j.t += HOUR;
    expect(decide(j, acc, 'ACCEPTED', 'e-ok')).toBe('applied');
    j.t = Date.parse(`${j.input.expectedReleaseDate}T09:00:00.000Z`);
    expect(
      j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' }),
    ).toBe('applied');
    j.run();
    j.t += 20 * DAY;
    j.run();
    expect(
      j.tell(j.facts.returnedToCustody, {
        reason: 'NEW_SENTENCE',
        receivedAt: j.now,
        establishmentCode: 'EDI',
        newEpisode: 2,
        sentenceDate: j.now.slice(0, 10),
        sentenceLengthDays: 60,
        expectedReleaseDate: new Date(j.t + 30 * DAY).toISOString().slice(0, 10),
        eventId: 'ret',
      }),
    ).toBe('applied');
    j.run();
    expect(
      j.log.map((l) => l.slice(25)).filter((l) => l.includes('NeedReferral need:') && l.includes('withdraw')),
    ).toEqual([
      'withdrawNeedReferral need:ACCOMMODATION:withdraw:1',
      'withdrawNeedReferral need:HEALTH:withdraw:1',
    ]);
    expect(view(j).map((n) => [n.pathway, n.status])).toEqual([
      ['ACCOMMODATION', 'WITHDRAWN'],
      ['HEALTH', 'WITHDRAWN'],
    ]);
    expect([...j.needReferralsSent.values()].every((r) => r.withdrawn)).toBe(true);
    expect(j.s.nextEpisodeHandedOver).toBe(true);

    // The next episode: a new journey carrying the open needs, on a 30-day sentence (planning open at once).
    const r = j.s.returned!;
    const next = new SimulatedJourney({
      ...j.input,
      episode: 2,
      establishmentCode: r.establishmentCode,
      receivedAt: r.receivedAt,
      sentenceDate: r.sentenceDate,
      sentenceLengthDays: r.sentenceLengthDays,
      expectedReleaseDate: r.expectedReleaseDate,
      carried: {
        fromEpisode: 1,
        reason: 'NEW_SENTENCE',
        openNeeds: ['ACCOMMODATION', 'HEALTH'],
        agencyId: j.s.agencyId,
        referralId: j.s.referralId,
        releasedAt: j.s.release!.releasedAt,
        episodes: [],
      },
    });
    next.eligible = ['housing-1', 'housing-2'];
    next.t = Date.parse(r.receivedAt);
    next.run();
    expect(next.s.adopted).toContain(REFERRAL_PER_NEED_PATCH);
    expect(view(next)).toEqual([
      { pathway: 'ACCOMMODATION', status: 'SENT', agencyId: 'housing-1', tried: [['housing-1', 'open']] },
      { pathway: 'HEALTH', status: 'SENT', agencyId: 'housing-1', tried: [['housing-1', 'open']] },
    ]);
    // Standing referrals of the new episode (the simulation mints ids per journey; the workflow's are uuid4).
    expect([...next.needReferralsSent.values()].map((r) => [r.pathway, r.withdrawn])).toEqual([
      ['ACCOMMODATION', false],
      ['HEALTH', false],
    ]);
  });
});

describe('one referral per need: third review fixes', () => {
  it('tells prison staff of a gap by an attention item, once per gap, closed when an agency is found', () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    const gapItems = () => j.s.attention.filter((a) => a.action.startsWith('need:ACCOMMODATION:gap:'));
    expect(view(j)[0]!.status).toBe('GAP');
    expect(gapItems()).toHaveLength(1);
    expect(gapItems()[0]).toMatchObject({ status: 'OPEN', options: ['SKIP'], errorType: 'NEED_GAP' });
    expect(gapItems()[0]!.what).toContain('no eligible agency is left for the ACCOMMODATION need');
    expect(j.p.needsAttention()).toBe(true);
    // Asked again the next day, still none: the same item, not another.
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    expect(gapItems()).toHaveLength(1);
    // An agency listed since: chosen, sent, and the item closed by the journey.
    j.eligible = ['housing-9'];
    j.t += NEED_GAP_RETRY_MS;
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-9' });
    expect(gapItems()[0]).toMatchObject({ status: 'RESOLVED', resolution: { by: 'throughcare' } });
    expect(j.p.needsAttention()).toBe(false);
  });

  it('stops referring a need whose gap item an operator skips (arranged outside the platform)', () => {
    const j = screened(['ACCOMMODATION'], [], 40);
    const item = j.s.attention.find((a) => a.action.startsWith('need:ACCOMMODATION:gap:'))!;
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'housing options team arranged a tenancy directly',
        resolvedAt: j.now,
        eventId: 'e-skip',
      }),
    ).toBe('applied');
    j.eligible = ['housing-9'];
    const choices = needLog(j).length;
    j.t += 3 * NEED_GAP_RETRY_MS;
    j.run();
    expect(needLog(j)).toHaveLength(choices);
    expect(j.p.needReferralsView()![0]).toMatchObject({
      status: 'NOT_REFERRED',
      notReferredBecause: 'housing options team arranged a tenancy directly',
    });
    expect(j.p.nextWake() === undefined || j.p.nextWake()! > j.t + HOUR).toBe(true);
  });

  it(`does not offer a need again to an agency that declined it ${MAX_DECLINES_PER_NEED} times`, () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    for (let n = 0; n < MAX_DECLINES_PER_NEED; n++) {
      const t = j.p.needReferral('ACCOMMODATION')!.tries.at(-1)!;
      expect(t.agencyId).toBe('housing-1');
      j.t += HOUR;
      decide(j, t.referralId, 'DECLINED', `e-d${n}`, 'outside our criteria');
      j.run();
      expect(view(j)[0]!.status).toBe('GAP');
      j.t += DECLINE_COOL_OFF_MS + NEED_GAP_RETRY_MS;
      j.run();
    }
    expect(j.p.needReferral('ACCOMMODATION')!.tries).toHaveLength(MAX_DECLINES_PER_NEED);
    expect(view(j)[0]!.status).toBe('GAP');
    expect(j.p.needExclusions('ACCOMMODATION')).toContain('housing-1');
  });

  it('is not adopted by a journey whose release planning is already open (its needs may be arranged by hand)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 40));
    j.adopting = false;
    j.run();
    j.t += DAY;
    expect(tellCoreScreen(j, ['ACCOMMODATION'], 'e-core')).toBe('applied');
    j.run();
    j.adopting = true; // deployed now: planning opened at reception (a 40-day sentence)
    j.t += HOUR;
    j.run();
    expect(j.s.adopted ?? []).not.toContain(REFERRAL_PER_NEED_PATCH);
    expect(j.p.needReferralsView()).toBeUndefined();
    // A long sentence, planning months away, adopts at its next planning.
    const k = new SimulatedJourney(inputFor('SCOTLAND', 400));
    k.adopting = false;
    k.run();
    k.adopting = true;
    k.t += DAY;
    k.run();
    expect(k.s.adopted).toContain(REFERRAL_PER_NEED_PATCH);
  });
});

describe('one referral per need: fourth review fixes', () => {
  it('raises a new gap item when a need taken back ends again (the revival cleared the gap)', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    const first = tryOf(j, 'ACCOMMODATION').referralId;
    j.t += HOUR;
    decide(j, first, 'DECLINED', 'e-d', 'full');
    j.run();
    const items = () => j.s.attention.filter((a) => a.action.startsWith('need:ACCOMMODATION:gap:'));
    expect(items().map((a) => a.status)).toEqual(['OPEN']);
    j.t += HOUR;
    decide(j, first, 'ACCEPTED', 'e-a');
    j.run();
    expect(view(j)[0]).toMatchObject({ status: 'ACCEPTED', agencyId: 'housing-1' });
    expect(items().map((a) => a.status)).toEqual(['RESOLVED']);
    j.t += HOUR;
    decide(j, first, 'WITHDRAWN', 'e-w', 'person did not engage');
    j.run();
    expect(view(j)[0]!.status).toBe('GAP');
    expect(items().map((a) => a.status)).toEqual(['RESOLVED', 'OPEN']);
    expect(j.p.needsAttention()).toBe(true);
  });

  it('keeps the gap (one item) when a decision reported late, dated before the decline, arrives', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40);
    const first = tryOf(j, 'ACCOMMODATION').referralId;
    const before = j.now;
    j.t += 2 * HOUR;
    decide(j, first, 'DECLINED', 'e-d', 'full');
    j.run();
    j.t += HOUR;
    expect(
      j.tell(j.facts.referralOutcome, {
        referralId: first,
        decision: 'ACCEPTED',
        decidedAt: before,
        eventId: 'e-late',
      }),
    ).toBe('applied');
    j.run();
    expect(view(j)[0]!.status).toBe('GAP');
    expect(j.s.attention.filter((a) => a.action.startsWith('need:ACCOMMODATION:gap:'))).toHaveLength(1);
  });

  it('never sends later a choice an earlier agency superseded, and a failed supersede does not block the closure', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1', 'housing-2', 'housing-3']);
    const first = tryOf(j, 'ACCOMMODATION').referralId;
    j.t += HOUR;
    decide(j, first, 'DECLINED', 'e-d', 'full');
    const answer = j.begin(nextEffect(j)); // choosing housing-2, in flight
    j.t += HOUR;
    decide(j, first, 'ACCEPTED', 'e-a');
    answer();
    j.run();
    expect(view(j)[0]!.tried).toEqual([
      ['housing-1', 'open'],
      ['housing-2', 'not sent: housing-1 took the need on'],
    ]);
    // housing-1 withdraws later: a fresh choice (housing-3 after the cool-offs), not housing-2's stale one.
    j.t += HOUR;
    decide(j, first, 'WITHDRAWN', 'e-w', 'moved out of area');
    j.run();
    expect(needLog(j).filter((l) => l.includes(':send:2'))).toEqual([]);
    expect(view(j)[0]).toMatchObject({ status: 'SENT', agencyId: 'housing-3' });

    // A supersede that fails for good waits on an operator, and does not hold the closure's withdrawal.
    const k = screened(['ACCOMMODATION']);
    const k1 = tryOf(k, 'ACCOMMODATION').referralId;
    k.t += HOUR;
    decide(k, k1, 'DECLINED', 'e-d', 'full');
    k.run();
    k.failing = (a) => a.kind === 'withdrawNeedReferral';
    k.t += HOUR;
    decide(k, k1, 'ACCEPTED', 'e-a');
    k.run();
    expect(k.p.openAttention('need:ACCOMMODATION:superseded:2')).toBeDefined();
    k.failing = () => false;
    k.tell(k.facts.consentWithdrawn, { withdrawnAt: k.now, eventId: 'c1' });
    k.run();
    expect([...k.needReferralsSent.values()].map((r) => [r.agencyId, r.withdrawn])).toEqual([
      ['housing-1', true],
      ['housing-2', true],
    ]);
    expect(k.s.attention.filter((a) => a.status === 'OPEN')).toEqual([]);
  });

  it('adopts in a journey asleep until release planning opens (the stage is entered after adoption)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 200));
    j.adopting = false;
    j.run();
    j.t += DAY;
    expect(tellCoreScreen(j, ['ACCOMMODATION'], 'e-core')).toBe('applied');
    j.run();
    const wake = j.p.nextWake()!;
    j.adopting = true; // deployed while it sleeps
    j.t = wake;
    j.run();
    expect(j.s.adopted).toContain(REFERRAL_PER_NEED_PATCH);
  });

  it('withdraws a superseded referral when wanted again after the journey closed its failed item', () => {
    const j = screened(['ACCOMMODATION']);
    const first = tryOf(j, 'ACCOMMODATION').referralId;
    j.t += HOUR;
    decide(j, first, 'DECLINED', 'e-d1', 'full');
    j.run(); // housing-2 sent
    j.failing = (a) => a.kind === 'withdrawNeedReferral';
    j.t += HOUR;
    decide(j, first, 'ACCEPTED', 'e-a1');
    j.run();
    expect(j.p.openAttention('need:ACCOMMODATION:superseded:2')).toBeDefined();
    j.failing = () => false;
    j.t += HOUR;
    decide(j, first, 'DECLINED', 'e-d2', 'full after all');
    j.run(); // no longer wanted: the journey closes the item
    expect(j.p.openAttention('need:ACCOMMODATION:superseded:2')).toBeUndefined();
    j.t += HOUR;
    decide(j, first, 'ACCEPTED', 'e-a2');
    j.run();
    expect([...j.needReferralsSent.values()].map((r) => [r.agencyId, r.withdrawn])).toEqual([
      ['housing-1', false],
      ['housing-2', true],
    ]);
    expect(j.s.attention.filter((a) => a.status === 'OPEN')).toEqual([]);
  });
});

describe('need referral acknowledgement clocks (need-referral-clocks-1)', () => {
  /** As `screened`, stopped at the core screen: release planning is open, so its needs are referred at once. */
  const coreScreened = (needs: Pathway[], eligible = ['housing-1', 'housing-2']) => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 40));
    j.eligible = eligible;
    j.run();
    j.t = received + DAY;
    expect(tellCoreScreen(j, needs, 'e-core')).toBe('applied');
    j.run();
    return j;
  };
  const clock = (j: SimulatedJourney, pathway: Pathway, no = 1) =>
    j.s.deadlines.find((d) => d.key === needAcknowledgementKey(pathway, no));
  const acknowledge = (j: SimulatedJourney, referralId: string, eventId: string) =>
    j.tell(j.facts.referralAcknowledged, {
      referralId,
      acknowledgedAt: j.now,
      acknowledgedBy: 'housing duty team',
      eventId,
    });

  it('starts a clock owed by the agency to the prison when a need referral is sent, met by its acknowledgement', () => {
    const j = coreScreened(['ACCOMMODATION', 'HEALTH'], ['agency-a']);
    expect(j.s.adopted).toContain(NEED_REFERRAL_CLOCKS_PATCH);
    const sent = tryOf(j, 'ACCOMMODATION');
    expect(clock(j, 'ACCOMMODATION')).toEqual({
      key: 'needReferralAcknowledgement:ACCOMMODATION:1',
      clock: 'referralAcknowledgement',
      owedBy: 'agency:agency-a',
      owedTo: 'prison:BAR',
      startedAt: sent.sentAt,
      dueAt: deadlineFor(j.ctx.policy, 'referralAcknowledgement', new Date(sent.sentAt!)).toISOString(),
      status: 'OPEN',
      note: "the ACCOMMODATION need's referral",
    });
    expect(clock(j, 'HEALTH')?.status).toBe('OPEN');
    j.t += HOUR;
    expect(acknowledge(j, sent.referralId, 'e-ack')).toBe('applied');
    j.run();
    expect(clock(j, 'ACCOMMODATION')).toMatchObject({ status: 'MET', metAt: j.now });
    expect(clock(j, 'HEALTH')?.status).toBe('OPEN');
  });

  it('records a breach when the agency does not answer in time, met late when it does', () => {
    const j = coreScreened(['ACCOMMODATION'], ['agency-a']);
    const dueAt = Date.parse(clock(j, 'ACCOMMODATION')!.dueAt);
    expect(j.p.clockWake()).toBe(dueAt);
    j.t = dueAt;
    j.run();
    expect(clock(j, 'ACCOMMODATION')).toMatchObject({
      status: 'BREACHED',
      breachKey: 'breach:needReferralAcknowledgement:ACCOMMODATION:1',
    });
    j.t += DAY;
    expect(acknowledge(j, tryOf(j, 'ACCOMMODATION').referralId, 'e-late')).toBe('applied');
    j.run();
    expect(clock(j, 'ACCOMMODATION')).toMatchObject({ status: 'MET_LATE', metAt: j.now });
  });

  it('counts a decision told before the acknowledgement as the agency having the referral', () => {
    const j = coreScreened(['ACCOMMODATION']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    expect(clock(j, 'ACCOMMODATION', 1)).toMatchObject({ status: 'MET', metAt: j.now });
    // The need moved on: the next agency's referral has its own clock.
    expect(clock(j, 'ACCOMMODATION', 2)).toMatchObject({ status: 'OPEN', owedBy: 'agency:housing-2' });
  });

  it('cancels the clock of a referral withdrawn unanswered, and keeps the breach of one overdue before it was withdrawn', () => {
    // housing-1 declines; housing-2 is sent to; housing-1 reconsiders before housing-2 answers.
    const j = coreScreened(['ACCOMMODATION']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'ACCEPTED', 'e-a');
    j.run();
    expect(tryOf(j, 'ACCOMMODATION', 1).withdrawnAt).toBeDefined();
    expect(clock(j, 'ACCOMMODATION', 2)).toMatchObject({ status: 'CANCELLED', note: 'no longer applies' });

    // The same, but housing-2 was already overdue when housing-1 took the need back.
    const k = coreScreened(['ACCOMMODATION']);
    k.t += HOUR;
    decide(k, tryOf(k, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'full');
    k.run();
    const overdue = Date.parse(clock(k, 'ACCOMMODATION', 2)!.dueAt);
    // The journey sleeps through the due instant (e.g. downtime): the facts arrive after it.
    k.t = overdue + HOUR;
    decide(k, tryOf(k, 'ACCOMMODATION').referralId, 'ACCEPTED', 'e-a');
    k.run();
    expect(tryOf(k, 'ACCOMMODATION', 1).withdrawnAt).toBeDefined();
    expect(clock(k, 'ACCOMMODATION', 2)).toMatchObject({ status: 'BREACHED' });
  });

  it('stops waiting when another agency takes the need on, not when the withdrawal that follows gets through; an answer after that changes nothing', () => {
    const j = coreScreened(['ACCOMMODATION']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    const due = Date.parse(clock(j, 'ACCOMMODATION', 2)!.dueAt);
    // housing-1 takes the need back before housing-2's due instant; the withdrawal of housing-2's
    // referral fails (the referral service is down) and waits on an operator past that instant.
    j.failing = (a) => a.kind === 'withdrawNeedReferral';
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'ACCEPTED', 'e-a');
    j.run();
    expect(j.p.openAttention('need:ACCOMMODATION:superseded:2')).toBeDefined();
    j.t = due + DAY;
    j.run();
    expect(tryOf(j, 'ACCOMMODATION', 1).withdrawnAt).toBeUndefined();
    expect(clock(j, 'ACCOMMODATION', 2)).toMatchObject({ status: 'CANCELLED', note: 'no longer applies' });
    // housing-2's decline, dated after the journey stopped waiting on it, does not reopen the clock.
    decide(j, tryOf(j, 'ACCOMMODATION', 1).referralId, 'DECLINED', 'e-d2', 'crossed in the post');
    j.run();
    expect(clock(j, 'ACCOMMODATION', 2)).toMatchObject({ status: 'CANCELLED' });
    expect(clock(j, 'ACCOMMODATION', 2)!.metAt).toBeUndefined();
  });

  it('is met by the earlier of the acknowledgement and the first decision, whichever was told first', () => {
    const j = coreScreened(['ACCOMMODATION']);
    const sent = tryOf(j, 'ACCOMMODATION');
    const due = Date.parse(clock(j, 'ACCOMMODATION')!.dueAt);
    // Both told after the due instant: an acceptance dated after it, an acknowledgement dated before.
    j.t = due + DAY;
    decide(j, sent.referralId, 'ACCEPTED', 'e-a');
    const acknowledgedAt = iso(due - HOUR);
    j.tell(j.facts.referralAcknowledged, {
      referralId: sent.referralId,
      acknowledgedAt,
      acknowledgedBy: 'housing duty team',
      eventId: 'e-ack',
    });
    j.run();
    expect(clock(j, 'ACCOMMODATION')).toMatchObject({ status: 'MET', metAt: acknowledgedAt });
  });

  it('charges no clock to a referral sent before the journey adopted the clocks, only to those sent since', () => {
    const refused: string[] = [NEED_REFERRAL_CLOCKS_PATCH];
    const j = new SimulatedJourney(inputFor('SCOTLAND', 40), refused);
    j.eligible = ['housing-1', 'housing-2'];
    j.run();
    j.t = received + DAY;
    tellCoreScreen(j, ['ACCOMMODATION'], 'e-core');
    j.run();
    expect(tryOf(j, 'ACCOMMODATION').sentAt).toBeDefined();
    // Deployed a week later, long after the first referral's due instant.
    refused.length = 0;
    j.t += 7 * DAY;
    j.run();
    expect(j.s.adopted).toContain(NEED_REFERRAL_CLOCKS_PATCH);
    expect(j.s.needClocksFrom).toBe(j.now);
    expect(clock(j, 'ACCOMMODATION', 1)).toBeUndefined();
    // A decline moves the need on: the next referral, sent since, has its clock.
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d', 'full');
    j.run();
    expect(clock(j, 'ACCOMMODATION', 2)).toMatchObject({ status: 'OPEN', owedBy: 'agency:housing-2' });
    expect(j.s.deadlines.filter((d) => d.status === 'BREACHED' && d.key.startsWith('needReferral'))).toEqual(
      [],
    );
  });

  it('closes with the case: an open clock is cancelled, a met one stays met', () => {
    const j = coreScreened(['ACCOMMODATION', 'HEALTH'], ['agency-a']);
    j.t += HOUR;
    acknowledge(j, tryOf(j, 'HEALTH').referralId, 'e-ack');
    j.run();
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(clock(j, 'ACCOMMODATION')).toMatchObject({
      status: 'CANCELLED',
      note: 'case closed (CONSENT_WITHDRAWN)',
    });
    expect(clock(j, 'HEALTH')?.status).toBe('MET');
  });

  it('is not run by a journey that did not adopt it (replayed on the branch before it)', () => {
    const j = screened(['ACCOMMODATION'], ['housing-1'], 40, [NEED_REFERRAL_CLOCKS_PATCH]);
    expect(tryOf(j, 'ACCOMMODATION').sentAt).toBeDefined();
    expect(j.s.adopted).not.toContain(NEED_REFERRAL_CLOCKS_PATCH);
    expect(clock(j, 'ACCOMMODATION')).toBeUndefined();
  });
});

describe('need agencies hear of changes of plan with no main agency (need-agency-notices-1)', () => {
  /** As `screened`, with no justice social work team listed for the area. */
  const withoutMainAgency = (
    needs: Pathway[],
    eligible = ['housing-1', 'housing-2'],
    refused: string[] = [],
  ) => {
    const j = screenedJourney(needs, eligible, 40, refused, (x) => (x.mainAgency = undefined));
    expect([j.s.agencyId, j.s.referralId]).toEqual([undefined, undefined]);
    return j;
  };
  const changeDate = (j: SimulatedJourney, days: number, eventId: string) =>
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: new Date(received + days * DAY).toISOString().slice(0, 10),
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId,
    });
  const told = (j: SimulatedJourney) => j.notices.map((n) => [n.agencyId, n.subject]);

  it('tells the agency holding the first need standing of a new date and a transfer (the referral service copies every other)', () => {
    const j = withoutMainAgency(['ACCOMMODATION', 'HEALTH'], ['housing-1']);
    const sentWith = j.s.told!.liberationDate;
    expect(j.s.told).toMatchObject({ agencyId: 'housing-1', custody: 'IN', establishmentCode: 'BAR' });
    j.t += HOUR;
    expect(changeDate(j, 30, 'e-date')).toBe('applied');
    j.run();
    expect(told(j)).toEqual([['housing-1', 'LIBERATION_DATE_CHANGED']]);
    expect(j.notices[0]!.fields).toMatchObject({ previousLiberationDate: sentWith });
    j.t += HOUR;
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'e-t' }),
    ).toBe('applied');
    j.advance(2 * HOUR);
    j.run();
    expect(told(j)).toEqual([
      ['housing-1', 'LIBERATION_DATE_CHANGED'],
      ['housing-1', 'TRANSFERRED'],
    ]);
  });

  it('tells the next agency standing once the first declines; with none standing it waits, then tells what changed', () => {
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1', 'housing-2']);
    j.t += HOUR;
    decide(j, tryOf(j, 'ACCOMMODATION').referralId, 'DECLINED', 'e-d1', 'full');
    j.run();
    const second = tryOf(j, 'ACCOMMODATION', 1);
    expect(second.agencyId).toBe('housing-2');
    j.t += HOUR;
    decide(j, second.referralId, 'DECLINED', 'e-d2', 'full');
    j.run();
    expect(j.p.needReferralsView()![0]!.status).toBe('GAP');
    j.t += HOUR;
    expect(changeDate(j, 30, 'e-date')).toBe('applied');
    j.run();
    // Nobody stands: nothing is sent, and nothing is marked told.
    expect(j.notices).toEqual([]);
    // The second agency thinks again and accepts: it hears of the change.
    j.t += HOUR;
    decide(j, second.referralId, 'ACCEPTED', 'e-a2');
    j.run();
    expect(told(j)).toEqual([['housing-2', 'LIBERATION_DATE_CHANGED']]);
  });

  it('sends no closing notice to a need agency (its referral is withdrawn with the reason)', () => {
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1']);
    j.t += HOUR;
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.notices).toEqual([]);
    expect(j.needReferralsSent.get(tryOf(j, 'ACCOMMODATION').referralId)?.withdrawn).toBe(true);
  });

  it('hands the notices to the main agency once it is listed and referred', () => {
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1']);
    j.mainAgency = 'agency-1';
    j.t += 2 * DAY;
    j.run();
    expect(j.s.referralId).toBe('ref-1');
    expect(j.s.told?.agencyId).toBe('agency-1');
    j.t += HOUR;
    changeDate(j, 30, 'e-date');
    j.run();
    expect(told(j)).toEqual([['agency-1', 'LIBERATION_DATE_CHANGED']]);
  });

  it('a new date told while the main referral is being sent is still news to its agency (the referral carried the old one)', () => {
    for (const refused of [[], [NEED_AGENCY_NOTICES_PATCH]]) {
      const j = new SimulatedJourney(inputFor('SCOTLAND', 40), refused);
      j.eligible = ['housing-1'];
      j.run();
      j.t = received + DAY;
      tellCoreScreen(j, ['ACCOMMODATION'], 'e-core');
      let inFlight = false;
      for (let n = 0; n < 50 && !inFlight; n++) {
        const a = j.p.nextAction();
        if (!a) break;
        if (a.kind !== 'sendReferral') {
          j.execute(a);
          continue;
        }
        const answer = j.begin(a);
        j.t += HOUR;
        expect(changeDate(j, 30, 'e-date')).toBe('applied');
        answer();
        inFlight = true;
      }
      expect(inFlight).toBe(true);
      j.run();
      expect([refused.length, told(j)]).toEqual([
        refused.length,
        refused.length === 0 ? [['agency-1', 'LIBERATION_DATE_CHANGED']] : [],
      ]);
    }
  });

  it('a change the need agencies have not heard of yet when the main agency is referred is still sent (to it, copied to them)', () => {
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1']);
    // The referral service is out: the notice of a new date fails for good and waits on an operator.
    j.failing = (a) => a.kind === 'notify';
    j.t += HOUR;
    expect(changeDate(j, 30, 'e-date')).toBe('applied');
    j.run();
    expect(j.notices).toEqual([]);
    // Meanwhile the area's team is listed and referred; then the operator retries the notice.
    j.failing = () => false;
    j.mainAgency = 'agency-1';
    j.t += 2 * DAY;
    j.run();
    expect(j.s.referralId).toBe('ref-1');
    retryAll(j);
    j.run();
    expect(told(j)).toEqual([['agency-1', 'LIBERATION_DATE_CHANGED']]);
    expect(j.s.told).toMatchObject({ agencyId: 'agency-1', liberationDate: j.p.liberationDate() });
  });

  it("the main agency's first appointment makes it the one told (a court liberation has no main referral): closing and recall notices are its again", () => {
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1']);
    expect(j.s.told).toMatchObject({ agencyId: 'housing-1', forNeeds: true });
    booked(
      j.p,
      j.s,
      { slot: 'first-appointment:rel', kind: 'FIRST_APPOINTMENT', agencyId: 'agency-1' },
      'bk-x',
    );
    expect(j.s.told).toMatchObject({ agencyId: 'agency-1', custody: 'OUT' });
    expect(j.s.told?.forNeeds).toBeUndefined();
    expect(j.p.noticeRecipient()).toBe('agency-1');
    j.t += HOUR;
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(told(j)).toEqual([['agency-1', 'CONSENT_WITHDRAWN']]);
  });

  it('before the patch nobody was told; adopted later, what was already out counts as told then', () => {
    const refused = [NEED_AGENCY_NOTICES_PATCH];
    const j = withoutMainAgency(['ACCOMMODATION'], ['housing-1'], refused);
    j.t += HOUR;
    changeDate(j, 30, 'e-date');
    j.run();
    expect([j.s.told, j.notices]).toEqual([undefined, []]);
    refused.length = 0;
    j.t += HOUR;
    j.run();
    expect(j.s.told).toMatchObject({ agencyId: 'housing-1', liberationDate: j.p.liberationDate() });
    expect(j.notices).toEqual([]);
    j.t += HOUR;
    changeDate(j, 28, 'e-date-2');
    j.run();
    expect(told(j)).toEqual([['housing-1', 'LIBERATION_DATE_CHANGED']]);
  });
});
