import { factShapeProblem, type AssessedPathway, type AssessmentKind } from '@throughcare/contracts';
import {
  DAY,
  HOUR,
  inputFor,
  screenedJourney,
  SimulatedJourney,
  tellCoreScreen,
} from './journey-simulation.spec-support';
import {
  needHoldAction,
  needNoLongerIndicatedAction,
  PATHWAY_HOLD_PATCH,
  PATHWAY_OUTCOMES_PATCH,
  type PlanContext,
} from './planner';

/**
 * Pathway outcomes (issue 10 audit, A10): each completed assessment's pathway statuses reach the
 * plan (`pathways`, the latest assessment reporting a pathway wins), and a referred need a later
 * assessment no longer indicates is put before prison staff (`pathway-outcomes-1`), never withdrawn
 * by the journey. On the simulated journey (pure core).
 */

const declined = (pathway: AssessedPathway['pathway']): AssessedPathway => ({
  pathway,
  status: 'SUPPORT_DECLINED',
});

/** Completes the requested assessment of `kind` now, with `pathways`. */
function complete(
  j: SimulatedJourney,
  kind: AssessmentKind,
  needs: AssessedPathway['pathway'][],
  pathways: AssessedPathway[] | undefined,
  eventId: string,
) {
  const req = j.s.requests.find(
    (r) => r.kind === kind && !j.s.assessments.some((a) => a.assessmentId === r.assessmentId),
  );
  expect(req).toBeDefined();
  return j.tell(j.facts.assessmentCompleted, {
    assessmentId: req!.assessmentId,
    kind,
    needs,
    completedAt: j.now,
    eventId,
    ...(pathways ? { pathways } : {}),
  });
}

/** Screened with ACCOMMODATION and HEALTH (release in 40 days: both referred at once). */
function referred(refused: string[] = []) {
  const j = screenedJourney(['ACCOMMODATION', 'HEALTH'], ['housing-1', 'housing-2'], 40, refused);
  expect(j.p.needReferralsView()!.map((n) => [n.pathway, n.status])).toEqual([
    ['ACCOMMODATION', 'SENT'],
    ['HEALTH', 'SENT'],
  ]);
  expect(j.s.requests.map((r) => r.kind)).toContain('SUMMARY_REVIEW');
  return j;
}
const items = (j: SimulatedJourney) =>
  j.s.attention.filter((a) => a.action.includes(':no-longer-indicated:'));
const holds = (j: SimulatedJourney) => j.s.attention.filter((a) => /^need:[A-Z_]+:hold:/.test(a.action));

/** Runs a journey whose release is far off until release planning opens for its needs. */
function untilHeld(j: SimulatedJourney) {
  for (let n = 0; n < 400 && j.p.needReferralsView()!.some((v) => v.status === 'NOT_YET_DUE'); n++) {
    j.t = Math.max(j.t + DAY, j.p.nextWake() ?? j.t + DAY);
    j.run();
  }
  expect(j.p.needReferralsView()!.every((v) => v.status !== 'NOT_YET_DUE')).toBe(true);
}

/** Screened with HEALTH (release in 300 days); a standard review finds HEALTH `status`; planning opens. */
function heldJourney(status: AssessedPathway['status'] = 'SUPPORT_DECLINED', refused: string[] = []) {
  const j = screenedJourney(['HEALTH'], ['housing-1', 'housing-2'], 300, refused);
  j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 1, assessmentId: 'asm-r', dueAt: j.now });
  j.t += HOUR;
  complete(j, 'STANDARD_REVIEW', [], [{ pathway: 'HEALTH', status }], 'e-r');
  j.run();
  untilHeld(j);
  return j;
}
const resolve = (j: SimulatedJourney, action: string, eventId: string) => {
  const item = j.s.attention.find((a) => a.action === action && a.status === 'OPEN');
  expect(item).toBeDefined();
  return j.tell(j.facts.resolveAttention, {
    itemId: item!.id,
    option: 'SKIP',
    by: 'officer-17',
    reason: 'the person asked for the referral after all',
    resolvedAt: j.now,
    eventId,
  });
};

describe('pathway outcomes in the plan', () => {
  it('shows each pathway as the latest completed assessment reporting it left it, skips with their reason', () => {
    const j = new SimulatedJourney(screenedJourney([], [], 40).input);
    j.run();
    expect(j.p.pathwaysView()).toBeUndefined(); // nothing reported yet
    j.t += DAY;
    expect(
      j.tell(j.facts.coreScreenCompleted, {
        assessmentId: 'asm-CORE_SCREEN-1',
        needs: ['ACCOMMODATION'],
        riskOfSeriousHarm: 'LOW',
        completedAt: j.now,
        eventId: 'e-core',
        pathways: [
          { pathway: 'HEALTH', status: 'SUPPORT_NOT_REQUIRED' },
          { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          { pathway: 'FINANCE_AND_ID', status: 'NOT_STARTED', skipped: { reason: 'TRANSFER' } },
        ],
      }),
    ).toBe('applied');
    j.run();
    const core = { assessmentId: 'asm-CORE_SCREEN-1', kind: 'CORE_SCREEN', completedAt: j.now };
    const coreAt = j.now;
    expect(j.p.pathwaysView()).toEqual([
      { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED', ...core },
      { pathway: 'FINANCE_AND_ID', status: 'NOT_STARTED', skipped: { reason: 'TRANSFER' }, ...core },
      { pathway: 'HEALTH', status: 'SUPPORT_NOT_REQUIRED', ...core },
    ]);
    // A later assessment replaces the pathways it reports, and only those; a typed one changes nothing.
    j.t += 2 * DAY;
    expect(
      complete(
        j,
        'COMPREHENSIVE_SCREEN',
        ['ACCOMMODATION'],
        [
          { pathway: 'ACCOMMODATION', status: 'DONE' },
          { pathway: 'HEALTH', status: 'SUPPORT_DECLINED', skipped: undefined },
        ],
        'e-comp',
      ),
    ).toBe('applied');
    const view = j.p.pathwaysView()!;
    expect(view.map((o) => [o.pathway, o.status, o.kind])).toEqual([
      ['ACCOMMODATION', 'DONE', 'COMPREHENSIVE_SCREEN'],
      ['FINANCE_AND_ID', 'NOT_STARTED', 'CORE_SCREEN'],
      ['HEALTH', 'SUPPORT_DECLINED', 'COMPREHENSIVE_SCREEN'],
    ]);
    expect(view[1]).toMatchObject({ completedAt: coreAt, skipped: { reason: 'TRANSFER' } });
    expect(view[2]).not.toHaveProperty('skipped');
    j.run();
    j.t += DAY;
    expect(j.s.requests.map((r) => r.kind)).toContain('SUMMARY_REVIEW');
    expect(complete(j, 'SUMMARY_REVIEW', [], undefined, 'e-typed')).toBe('applied');
    expect(j.p.pathwaysView()).toEqual(view);
  });

  it('takes the latest by completion instant, not by the order told', () => {
    const j = referred();
    const comprehensive = j.s.assessments.find((a) => a.kind === 'COMPREHENSIVE_SCREEN')!;
    j.t += HOUR;
    // The summary review, told now, completed before the comprehensive screen (which reported nothing).
    j.tell(j.facts.assessmentCompleted, {
      assessmentId: j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW')!.assessmentId,
      kind: 'SUMMARY_REVIEW',
      needs: [],
      completedAt: j.s.coreScreen!.completedAt,
      eventId: 'e-early',
      pathways: [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }],
    });
    comprehensive.pathways = [declined('HEALTH')];
    expect(j.p.pathwaysView()).toEqual([
      expect.objectContaining({
        pathway: 'HEALTH',
        status: 'SUPPORT_DECLINED',
        kind: 'COMPREHENSIVE_SCREEN',
      }),
    ]);
    // Two at the same instant: the later told wins.
    j.s.assessments.find((a) => a.kind === 'SUMMARY_REVIEW')!.completedAt = comprehensive.completedAt;
    expect(j.p.pathwaysView()![0]).toMatchObject({ status: 'SUPPORT_REQUIRED', kind: 'SUMMARY_REVIEW' });
  });

  it('refuses misshapen pathways with the field named, never applying them', () => {
    const j = referred();
    const req = j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW')!;
    const base = {
      assessmentId: req.assessmentId,
      kind: 'SUMMARY_REVIEW' as const,
      needs: [],
      completedAt: j.now,
      eventId: 'e-bad',
    };
    const bad: unknown[] = [
      [declined('HEALTH'), { pathway: 'HEALTH', status: 'DONE' }],
      [{ pathway: 'HEALTH', status: 'MAYBE' }],
      [{ pathway: 'ASTROLOGY', status: 'DONE' }],
      [{ pathway: 'HEALTH', status: 'NOT_STARTED', skipped: { reason: 'BORED' } }],
      [{ pathway: 'HEALTH', status: 'NOT_STARTED', skipped: null }],
      [null],
      'HEALTH',
    ];
    for (const pathways of bad)
      expect(j.tell(j.facts.assessmentCompleted, { ...base, pathways } as never)).toBe('rejected');
    expect(j.s.assessments.map((a) => a.kind)).not.toContain('SUMMARY_REVIEW');
    expect(() =>
      j.facts.assessmentCompleted.validate({ ...base, pathways: [declined('HEALTH'), declined('HEALTH')] }),
    ).toThrow('SUMMARY_REVIEW completion: HEALTH is listed twice in pathways');
    expect(() =>
      j.facts.coreScreenCompleted.validate({
        assessmentId: 'asm-CORE_SCREEN-1',
        needs: [],
        riskOfSeriousHarm: 'LOW',
        completedAt: j.now,
        eventId: 'e-core-bad',
        pathways: [{ pathway: 'HEALTH', status: 'MAYBE' }] as never,
      }),
    ).toThrow('core screen completion: pathways.0.status "MAYBE" is not a pathway status');
    // The workflow's shape check (before the journey's own) names the field.
    expect(
      factShapeProblem('assessmentCompleted', {
        ...base,
        pathways: [{ pathway: 'HEALTH', status: 'MAYBE' }],
      }),
    ).toMatch(/^pathways\.0\.status: /);
    expect(
      factShapeProblem('coreScreenCompleted', { ...base, riskOfSeriousHarm: 'LOW', pathways: 'x' }),
    ).toMatch(/^pathways: /);
    expect(
      factShapeProblem('assessmentCompleted', { ...base, pathways: [declined('HEALTH')] }),
    ).toBeUndefined();
    expect(factShapeProblem('assessmentCompleted', base)).toBeUndefined();
    // A valid one is then taken.
    expect(complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-good')).toBe('applied');
  });
});

describe('a referred need a later assessment no longer indicates (pathway-outcomes-1)', () => {
  it.each([['SUPPORT_DECLINED'], ['SUPPORT_NOT_REQUIRED'], ['DONE']] as const)(
    'raises one item for prison staff when the summary review finds HEALTH %s; the referral stands',
    (status) => {
      const j = referred();
      const health = j.p.needReferral('HEALTH')!.tries[0]!;
      j.t += HOUR;
      const req = j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW')!;
      expect(
        complete(
          j,
          'SUMMARY_REVIEW',
          ['ACCOMMODATION'],
          [
            { pathway: 'HEALTH', status },
            { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          ],
          'e-summary',
        ),
      ).toBe('applied');
      const completedAt = j.now;
      j.run();
      expect(items(j)).toEqual([
        expect.objectContaining({
          action: needNoLongerIndicatedAction('HEALTH', req.assessmentId),
          status: 'OPEN',
          mustAct: 'prison:BAR',
          errorType: 'NEED_NO_LONGER_INDICATED',
          options: ['SKIP'],
          what: `the SUMMARY_REVIEW ${req.assessmentId} completed at ${completedAt} shows HEALTH ${status === 'SUPPORT_DECLINED' ? 'SUPPORT_DECLINED (the person declines the support)' : `${status} (no support needed now)`}, but the need is still referred to agency:${health.agencyId} (referral ${health.referralId}): the journey does not withdraw it. If the support is no longer wanted, stop the need (POST /journeys/p-property/episodes/1/needs/HEALTH/stop with the reason), which withdraws its referral and closes this item; to keep the referral, POST …/needs/HEALTH/keep with the reason`,
        }),
      ]);
      // Never withdrawn by the journey; the need stays a need; raised once.
      expect(j.needReferralsSent.get(health.referralId)?.withdrawn).toBe(false);
      expect(j.p.needs()).toEqual(['ACCOMMODATION', 'HEALTH']);
      expect(j.p.needReferralsView()!.map((n) => n.status)).toEqual(['SENT', 'SENT']);
      j.advance(DAY);
      j.run();
      expect(items(j)).toHaveLength(1);
    },
  );

  it('asks nothing when support is in place or no longer needed while the agency has taken the need on; a decline is still asked (review of stop 40, pathways S1)', () => {
    for (const [status, asked] of [
      ['DONE', false],
      ['SUPPORT_NOT_REQUIRED', false],
      ['SUPPORT_DECLINED', true],
    ] as const) {
      const j = referred();
      const health = j.p.needReferral('HEALTH')!.tries[0]!;
      expect(
        j.tell(j.facts.referralOutcome, {
          referralId: health.referralId!,
          decision: 'ACCEPTED',
          decidedAt: j.now,
          eventId: `e-accept-${status}`,
        }),
      ).toBe('applied');
      j.run();
      j.t += HOUR;
      complete(j, 'SUMMARY_REVIEW', [], [{ pathway: 'HEALTH', status }], `e-summary-${status}`);
      j.run();
      expect([status, items(j).length]).toEqual([status, asked ? 1 : 0]);
    }
  });

  it('a later skip of the pathway neither closes the item nor hides the decline from the decision; a later assessment that says it again supersedes the older item (review of stop 40, pathways M2, M3)', () => {
    const j = referred();
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    const [first] = items(j);
    expect(first).toMatchObject({ status: 'OPEN' });
    // A review after a transfer skips HEALTH: not an assessment of the need.
    j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 1, assessmentId: 'asm-review-1', dueAt: j.now });
    j.t += HOUR;
    complete(
      j,
      'STANDARD_REVIEW',
      [],
      [{ pathway: 'HEALTH', status: 'NOT_STARTED', skipped: { reason: 'TRANSFER' } }],
      'e-review-1',
    );
    j.run();
    expect(items(j).map((a) => [a.action, a.status])).toEqual([[first!.action, 'OPEN']]);
    // Another review declines again: one item, the latest's.
    j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 2, assessmentId: 'asm-review-2', dueAt: j.now });
    j.t += HOUR;
    complete(j, 'STANDARD_REVIEW', [], [declined('HEALTH')], 'e-review-2');
    j.run();
    expect(items(j).map((a) => [a.action, a.status])).toEqual([
      [first!.action, 'RESOLVED'],
      [needNoLongerIndicatedAction('HEALTH', 'asm-review-2'), 'OPEN'],
    ]);
  });

  it('closes the item once prison staff stop the need (its referral withdrawn)', () => {
    const j = referred();
    const health = j.p.needReferral('HEALTH')!.tries[0]!;
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    expect(items(j).map((a) => a.status)).toEqual(['OPEN']);
    j.t += HOUR;
    expect(
      j.tell(j.facts.needStopped, {
        pathway: 'HEALTH',
        reason: 'the person declines health support (summary review)',
        stoppedBy: 'officer-17',
        stoppedAt: j.now,
        eventId: 'e-stop',
      }),
    ).toBe('applied');
    j.run();
    expect(j.needReferralsSent.get(health.referralId)?.withdrawn).toBe(true);
    expect(items(j)).toEqual([
      expect.objectContaining({
        status: 'RESOLVED',
        resolution: expect.objectContaining({
          by: 'throughcare',
          reason: 'prison staff stopped referring the need',
        }),
      }),
    ]);
    expect(j.p.needReferralsView()![1]).toMatchObject({ pathway: 'HEALTH', status: 'NOT_REFERRED' });
  });

  it('closes the item when a later assessment shows the pathway indicated again, and raises afresh for a later decline', () => {
    const j = referred();
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    // A standing review (requested by hand here: the journey's own schedule is not the point).
    const review = 'asm-STANDARD_REVIEW-x';
    j.s.requests.push({ kind: 'STANDARD_REVIEW', assessmentId: review, requestedAt: j.now } as never);
    j.t += HOUR;
    expect(
      j.tell(j.facts.assessmentCompleted, {
        assessmentId: review,
        kind: 'STANDARD_REVIEW',
        needs: ['HEALTH'],
        completedAt: j.now,
        eventId: 'e-review',
        pathways: [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }],
      }),
    ).toBe('applied');
    j.run();
    expect(items(j)).toEqual([
      expect.objectContaining({
        status: 'RESOLVED',
        resolution: expect.objectContaining({
          by: 'throughcare',
          reason: `the STANDARD_REVIEW ${review} completed at ${j.now} shows HEALTH SUPPORT_REQUIRED`,
        }),
      }),
    ]);
    // A later decline (another assessment) is told again.
    const review2 = 'asm-STANDARD_REVIEW-y';
    j.s.requests.push({ kind: 'STANDARD_REVIEW', assessmentId: review2, requestedAt: j.now } as never);
    j.t += HOUR;
    j.tell(j.facts.assessmentCompleted, {
      assessmentId: review2,
      kind: 'STANDARD_REVIEW',
      needs: [],
      completedAt: j.now,
      eventId: 'e-review-2',
      pathways: [declined('HEALTH')],
    });
    j.run();
    expect(items(j).map((a) => [a.action, a.status])).toEqual([
      [
        needNoLongerIndicatedAction(
          'HEALTH',
          j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW')!.assessmentId,
        ),
        'RESOLVED',
      ],
      [needNoLongerIndicatedAction('HEALTH', review2), 'OPEN'],
    ]);
  });

  it('an item skipped by prison staff keeps the referral and is not raised again for that assessment', () => {
    const j = referred();
    const health = j.p.needReferral('HEALTH')!.tries[0]!;
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    const [item] = items(j);
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item!.id,
        option: 'SKIP',
        by: 'officer-17',
        reason: 'the person changed their mind: keep the GP referral',
        resolvedAt: j.now,
        eventId: 'e-skip',
      }),
    ).toBe('applied');
    j.advance(DAY);
    j.run();
    expect(items(j)).toHaveLength(1);
    expect(j.needReferralsSent.get(health.referralId)?.withdrawn).toBe(false);
  });

  it('raises nothing for a pathway not referred, a need not yet referred, or one already stopped; closes its item with the case', () => {
    // Not a need (the core screen reported it declined): nothing referred, nothing to raise.
    const j = referred();
    j.t += HOUR;
    complete(
      j,
      'SUMMARY_REVIEW',
      [],
      [declined('FINANCE_AND_ID'), { pathway: 'HEALTH', status: 'IN_PROGRESS' }],
      'e-s',
    );
    j.run();
    expect(items(j)).toEqual([]);

    // Needs not yet referred (release far off): nothing until planning opens; then the referral is
    // held behind its own item (`pathway-hold-1`, specs below), and no "still referred" item.
    const far = screenedJourney(['HEALTH'], ['housing-1'], 300);
    expect(far.p.needReferralsView()![0]!.status).toBe('NOT_YET_DUE');
    far.s.requests.push({ kind: 'STANDARD_REVIEW', assessmentId: 'asm-r', requestedAt: far.now } as never);
    far.t += HOUR;
    far.tell(far.facts.assessmentCompleted, {
      assessmentId: 'asm-r',
      kind: 'STANDARD_REVIEW',
      needs: [],
      completedAt: far.now,
      eventId: 'e-r',
      pathways: [declined('HEALTH')],
    });
    far.run();
    expect(items(far)).toEqual([]);
    untilHeld(far);
    expect(items(far)).toEqual([]);
    expect(holds(far).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 1, 'asm-r'), 'OPEN'],
    ]);
    // The case closing closes it.
    far.t += HOUR;
    far.tell(far.facts.consentWithdrawn, { withdrawnAt: far.now, eventId: 'e-consent' });
    far.run();
    expect(holds(far).map((a) => a.status)).toEqual(['RESOLVED']);
    expect(far.needReferralsSent.size).toBe(0);

    // Stopped already: nothing raised.
    const stopped = referred();
    stopped.t += HOUR;
    stopped.tell(stopped.facts.needStopped, {
      pathway: 'HEALTH',
      reason: 'declined',
      stoppedBy: 'officer-17',
      stoppedAt: stopped.now,
      eventId: 'e-stop',
    });
    stopped.run();
    complete(stopped, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-s');
    stopped.run();
    expect(items(stopped)).toEqual([]);
  });

  it('on the branch before the patch (a journey replayed from before it) raises nothing; the patch is asked only where an item would be raised', () => {
    const old = referred([PATHWAY_OUTCOMES_PATCH]);
    old.t += HOUR;
    complete(old, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    old.run();
    expect(items(old)).toEqual([]);
    expect(old.p.pathwaysView()).toHaveLength(1); // the plan shows it all the same (a query)

    const j = referred();
    const asked: string[] = [];
    const ctx = j.ctx as { patched: PlanContext['patched'] };
    const patched = ctx.patched;
    ctx.patched = (id) => {
      asked.push(id);
      return patched(id);
    };
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }], 'e-summary');
    j.advance(DAY);
    j.run();
    expect(asked).not.toContain(PATHWAY_OUTCOMES_PATCH);
    expect(items(j)).toEqual([]);
  });

  it('a typed core screen (no pathways) shows none and raises nothing', () => {
    const j = new SimulatedJourney(screenedJourney([], [], 40).input);
    j.run();
    j.t += DAY;
    tellCoreScreen(j, ['HEALTH'], 'e-core');
    j.run();
    expect(j.p.pathwaysView()).toBeUndefined();
    expect(items(j)).toEqual([]);
  });
});

describe('a need the assessments no longer indicate is held before it is referred (pathway-hold-1)', () => {
  it.each([['SUPPORT_DECLINED'], ['SUPPORT_NOT_REQUIRED'], ['DONE']] as const)(
    'when planning opens after a review found HEALTH %s: one item for prison staff, no agency chosen, nothing sent',
    (status) => {
      const j = heldJourney(status);
      const [hold] = holds(j);
      expect(holds(j)).toHaveLength(1);
      expect(hold).toMatchObject({
        action: needHoldAction('HEALTH', 1, 'asm-r'),
        status: 'OPEN',
        mustAct: 'prison:BAR',
        errorType: 'NEED_REFERRAL_HELD',
        options: ['SKIP'],
      });
      expect(hold!.what).toContain(`shows HEALTH ${status}`);
      expect(hold!.what).toContain(
        'held before choosing an agency, and no referral for it goes to a community agency until prison staff answer (the justice social work referral names every need)',
      );
      expect(hold!.what).toContain('POST /journeys/p-property/episodes/1/needs/HEALTH/keep with the reason');
      expect(j.p.needReferral('HEALTH')?.tries ?? []).toEqual([]);
      expect(j.needReferralsSent.size).toBe(0);
      expect(j.p.needReferralsView()!.map((n) => n.status)).toEqual(['NEEDS_ATTENTION']);
      expect(items(j)).toEqual([]);
      // Held for as long as nobody answers: not raised again, nothing sent.
      j.advance(5 * DAY);
      j.run();
      expect(holds(j)).toHaveLength(1);
      expect(j.needReferralsSent.size).toBe(0);
    },
  );

  it('skipping the hold refers the need all the same, and staff are not asked again about that try', () => {
    const j = heldJourney();
    expect(resolve(j, needHoldAction('HEALTH', 1, 'asm-r'), 'e-skip')).toBe('applied');
    j.run();
    const tries = j.p.needReferral('HEALTH')!.tries;
    expect(tries).toHaveLength(1);
    expect(j.needReferralsSent.get(tries[0]!.referralId!)).toMatchObject({
      pathway: 'HEALTH',
      withdrawn: false,
    });
    j.advance(DAY);
    j.run();
    // No "still referred" item for the assessment staff already answered about.
    expect(items(j)).toEqual([]);
    expect(holds(j).map((a) => a.status)).toEqual(['RESOLVED']);
  });

  it('after a skip and a decline by that agency, the next agency is held and asked about again (review of stop 40, pathways M1 B)', () => {
    const j = heldJourney();
    resolve(j, needHoldAction('HEALTH', 1, 'asm-r'), 'e-skip');
    j.run();
    const first = j.p.needReferral('HEALTH')!.tries[0]!;
    j.t += HOUR;
    expect(
      j.tell(j.facts.referralOutcome, {
        referralId: first.referralId!,
        decision: 'DECLINED',
        decidedAt: j.now,
        eventId: 'e-decline',
      }),
    ).toBe('applied');
    j.run();
    expect(j.p.needReferral('HEALTH')!.tries).toHaveLength(1);
    expect(holds(j).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 1, 'asm-r'), 'RESOLVED'],
      [needHoldAction('HEALTH', 2, 'asm-r'), 'OPEN'],
    ]);
    expect(j.needReferralsSent.size).toBe(1);
    // The first agency thinks again and accepts: it holds the need, and the hold on a next agency is closed.
    j.t += HOUR;
    expect(
      j.tell(j.facts.referralOutcome, {
        referralId: first.referralId!,
        decision: 'ACCEPTED',
        decidedAt: j.now,
        eventId: 'e-accept',
      }),
    ).toBe('applied');
    j.run();
    expect(holds(j).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 1, 'asm-r'), 'RESOLVED'],
      [needHoldAction('HEALTH', 2, 'asm-r'), 'RESOLVED'],
    ]);
    expect(holds(j)[1]!.resolution?.reason).toContain(`agency:${first.agencyId} holds the need`);
    expect(j.p.needReferral('HEALTH')!.tries).toHaveLength(1);
  });

  it('a "still referred" item whose agency then declines is closed, and the next agency is held and asked about (review of stop 41, M4)', () => {
    const j = referred();
    const health = j.p.needReferral('HEALTH')!.tries[0]!;
    j.t += HOUR;
    const req = j.s.requests.find((r) => r.kind === 'SUMMARY_REVIEW')!;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    expect(items(j).map((a) => a.status)).toEqual(['OPEN']);
    j.t += HOUR;
    j.tell(j.facts.referralOutcome, {
      referralId: health.referralId!,
      decision: 'DECLINED',
      decidedAt: j.now,
      eventId: 'e-decline',
    });
    j.run();
    expect(items(j).map((a) => a.status)).toEqual(['RESOLVED']);
    expect(items(j)[0]!.resolution?.reason).toContain('referral it asked about no longer stands');
    expect(holds(j).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 2, req.assessmentId), 'OPEN'],
    ]);
    expect(j.needReferralsSent.size).toBe(2); // ACCOMMODATION and the declined HEALTH only
  });

  it('stopping the need closes the hold, and nothing is ever sent', () => {
    const j = heldJourney();
    j.t += HOUR;
    expect(
      j.tell(j.facts.needStopped, {
        pathway: 'HEALTH',
        reason: 'the person declines health support',
        stoppedBy: 'officer-17',
        stoppedAt: j.now,
        eventId: 'e-stop',
      }),
    ).toBe('applied');
    j.run();
    j.advance(DAY);
    j.run();
    expect(holds(j).map((a) => a.status)).toEqual(['RESOLVED']);
    expect(j.needReferralsSent.size).toBe(0);
    expect(j.p.needReferralsView()).toEqual([
      expect.objectContaining({
        pathway: 'HEALTH',
        status: 'NOT_REFERRED',
        notReferredBecause: 'the person declines health support',
      }),
    ]);
  });

  it('a later assessment showing the pathway SUPPORT_REQUIRED releases the hold and the need is referred; a later one still declining re-keys it', () => {
    const j = heldJourney();
    j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 2, assessmentId: 'asm-r2', dueAt: j.now });
    j.t += HOUR;
    complete(j, 'STANDARD_REVIEW', [], [declined('HEALTH')], 'e-r2');
    j.run();
    expect(holds(j).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 1, 'asm-r'), 'RESOLVED'],
      [needHoldAction('HEALTH', 1, 'asm-r2'), 'OPEN'],
    ]);
    expect(j.needReferralsSent.size).toBe(0);
    j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 3, assessmentId: 'asm-r3', dueAt: j.now });
    j.t += HOUR;
    complete(j, 'STANDARD_REVIEW', ['HEALTH'], [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }], 'e-r3');
    j.run();
    expect(holds(j).map((a) => a.status)).toEqual(['RESOLVED', 'RESOLVED']);
    expect(holds(j)[1]!.resolution?.reason).toContain(
      'shows HEALTH SUPPORT_REQUIRED: the referral goes ahead',
    );
    expect(j.needReferralsSent.size).toBe(1);
    expect(items(j)).toEqual([]);
  });

  it('a try chosen before the review, its send failing, is held by the "still referred" item until staff answer it', () => {
    const j = screenedJourney(['HEALTH'], ['housing-1', 'housing-2'], 40, [], (x) => {
      x.failing = (a) => a.kind === 'sendNeedReferral';
    });
    const health = j.p.needReferral('HEALTH')!.tries[0]!;
    expect(health.sentAt).toBeUndefined();
    j.failing = () => false;
    j.t += HOUR;
    complete(j, 'SUMMARY_REVIEW', [], [declined('HEALTH')], 'e-summary');
    j.run();
    const [told] = items(j);
    expect(told).toMatchObject({ status: 'OPEN' });
    expect(told!.what).toContain('being referred to agency:');
    // The send's own item is retried: still held, nothing sent.
    const sendItem = j.s.attention.find(
      (a) => a.action.startsWith('need:HEALTH:send:') && a.status === 'OPEN',
    )!;
    j.tell(j.facts.resolveAttention, {
      itemId: sendItem.id,
      option: 'RETRY',
      by: 'officer-17',
      resolvedAt: j.now,
      eventId: 'e-retry',
    });
    j.run();
    expect(j.needReferralsSent.size).toBe(0);
    expect(holds(j)).toEqual([]);
    // Staff keep it: sent.
    expect(resolve(j, told!.action, 'e-keep')).toBe('applied');
    j.run();
    expect(j.needReferralsSent.size).toBe(1);
  });

  it('a next episode (a return to custody) holds a carried need the episode before no longer indicated, until its own assessments say otherwise (review of stop 41, S1)', () => {
    const declinedBefore = {
      pathway: 'HEALTH' as const,
      status: 'SUPPORT_DECLINED' as const,
      assessmentId: 'asm-before',
      kind: 'SUMMARY_REVIEW' as const,
      completedAt: '2026-01-10T10:00:00.000Z',
    };
    const base = inputFor('SCOTLAND', 30);
    const next = new SimulatedJourney({
      ...base,
      episode: 2,
      carried: {
        fromEpisode: 1,
        reason: 'RECALL',
        openNeeds: ['ACCOMMODATION', 'HEALTH'],
        pathways: [
          { ...declinedBefore, pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          declinedBefore,
        ],
        releasedAt: '2026-02-01T10:00:00.000Z',
        episodes: [],
      },
    });
    next.eligible = ['housing-1', 'housing-2'];
    next.run();
    // Planning is open at once (release in 30 days): ACCOMMODATION referred, HEALTH held.
    expect(next.p.needReferralsView()!.map((n) => [n.pathway, n.status])).toEqual([
      ['ACCOMMODATION', 'SENT'],
      ['HEALTH', 'NEEDS_ATTENTION'],
    ]);
    expect(holds(next).map((a) => [a.action, a.status])).toEqual([
      [needHoldAction('HEALTH', 1, 'asm-before'), 'OPEN'],
    ]);
    expect(next.p.pathwaysView()?.find((o) => o.pathway === 'HEALTH')).toEqual(declinedBefore);
    // This episode's core screen finds the need again: the hold is released and the need referred.
    next.t += HOUR;
    expect(
      next.tell(next.facts.coreScreenCompleted, {
        assessmentId: 'asm-CORE_SCREEN-1',
        needs: ['HEALTH'],
        riskOfSeriousHarm: 'LOW',
        completedAt: next.now,
        eventId: 'e-core-2',
        pathways: [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }],
      }),
    ).toBe('applied');
    next.run();
    expect(holds(next).map((a) => a.status)).toEqual(['RESOLVED']);
    expect(next.p.needReferralsView()!.map((n) => n.status)).toEqual(['SENT', 'SENT']);
  });

  it("a run resumed (its return reversed) follows its own episode's latest results, not those handed over into that episode (re-review of stop 41, S1)", () => {
    const at = (assessmentId: string, status: AssessedPathway['status'], completedAt: string) => ({
      pathway: 'HEALTH' as const,
      status,
      assessmentId,
      kind: 'SUMMARY_REVIEW' as const,
      completedAt,
    });
    const resumed = new SimulatedJourney({
      ...inputFor('SCOTLAND', 30),
      episode: 2,
      // Episode 2 was itself a recall: episode 1 had found HEALTH required, episode 2 declined it.
      carried: {
        fromEpisode: 1,
        reason: 'RECALL',
        openNeeds: ['HEALTH'],
        pathways: [at('asm-episode-1', 'SUPPORT_REQUIRED', '2025-10-01T10:00:00.000Z')],
        releasedAt: '2025-11-01T10:00:00.000Z',
        episodes: [],
      },
      resumed: {
        releasedAt: '2026-03-01T10:00:00.000Z',
        reversedAt: '2026-03-02T09:00:00.000Z',
        reversedEpisode: 3,
        eventId: 'e-reversal',
        openNeeds: ['HEALTH'],
        pathways: [at('asm-episode-2', 'SUPPORT_DECLINED', '2026-02-01T10:00:00.000Z')],
      },
    });
    resumed.eligible = ['housing-1'];
    resumed.run();
    expect(resumed.p.pathwaysView()?.map((o) => [o.assessmentId, o.status])).toEqual([
      ['asm-episode-2', 'SUPPORT_DECLINED'],
    ]);
    expect(resumed.needReferralsSent.size).toBe(0);
  });

  it('on the branch before the patch (a journey replayed from before it) the need is referred as before; the patch is asked only where a hold would be raised', () => {
    const old = heldJourney('SUPPORT_DECLINED', [PATHWAY_HOLD_PATCH]);
    expect(holds(old)).toEqual([]);
    expect(old.needReferralsSent.size).toBe(1);
    expect(items(old).map((a) => a.status)).toEqual(['OPEN']);

    const asked: string[] = [];
    const j = screenedJourney(['HEALTH'], ['housing-1', 'housing-2'], 300, [], (x) => {
      const ctx = x.ctx as { patched: PlanContext['patched'] };
      const patched = ctx.patched;
      ctx.patched = (id) => {
        asked.push(id);
        return patched(id);
      };
    });
    j.s.requests.push({ kind: 'STANDARD_REVIEW', seq: 1, assessmentId: 'asm-r', dueAt: j.now });
    j.t += HOUR;
    complete(j, 'STANDARD_REVIEW', ['HEALTH'], [{ pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' }], 'e-r');
    j.run();
    untilHeld(j);
    expect(asked).not.toContain(PATHWAY_HOLD_PATCH);
    expect(j.needReferralsSent.size).toBe(1);
  });
});
