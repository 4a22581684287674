import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  caseCloseRequestedUpdate,
  coreScreenCompletedUpdate,
  releaseDateChangedUpdate,
  resolveAttentionUpdate,
  SearchAttributes,
  transferredUpdate,
  type AttentionItemView,
  type AttentionOption,
  type PlanView,
} from '@throughcare/contracts';
import { deadlineFor, localDateOf, policyFor } from '@throughcare/domain';
import {
  advance,
  acknowledgeReferral,
  DAY_MS,
  live,
  of,
  receptionInput,
  recordHistory,
  recordingActivities,
  screenAndRefer,
  serverNow,
  settleAttention,
  skipTo,
  startJourney,
  tally,
  tell,
  waitForEffect,
  waitForPlan,
  withWorkers,
  useJourneyEnvironment,
} from './journey-harness';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

const openItems = (p: PlanView) => (p.attention ?? []).filter((a) => a.status === 'OPEN');
const resolve = async (handle: WorkflowHandle, itemId: string, option: AttentionOption, reason?: string) =>
  tell(handle, resolveAttentionUpdate, {
    itemId,
    option,
    by: 'operator:test',
    reason,
    resolvedAt: await serverNow(env),
  });
/** Polls the NeedsAttention search attribute until it is `want` (upserted once the item is recorded). */
async function needsAttentionAttribute(handle: WorkflowHandle, want: boolean): Promise<boolean | undefined> {
  const until = Date.now() + 10_000;
  let seen: boolean | undefined;
  while (Date.now() < until) {
    seen = (await handle.describe()).typedSearchAttributes.get(SearchAttributes.needsAttention);
    if (seen === want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}
/** The reason a rejected update gives (the journey's validator message). */
async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof Error) return err.cause.message;
    throw err;
  }
  throw new Error('the update was accepted');
}
async function close(handle: WorkflowHandle): Promise<void> {
  await tell(handle, caseCloseRequestedUpdate, {
    reason: 'OTHER',
    requestedAt: await serverNow(env),
    note: 'test over',
  });
  await settleAttention(handle);
}

describe('journey: needs attention instead of failing or spinning (issue 7 findings 1, 2, 5)', () => {
  it('a step that fails for good becomes an attention item; its clock still breaches on time; RETRY does it', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      // The assessment service no longer knows the episode: the comprehensive screen cannot be asked for.
      acts.failing.requestAssessment = 'permanent';
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['ACCOMMODATION'],
        riskOfSeriousHarm: 'LOW',
        completedAt: await serverNow(env),
      });
      const raised = await waitForPlan(handle, (p) => openItems(p).length === 1, 'attention raised');
      expect(openItems(raised)[0]).toMatchObject({
        id: 'att-1',
        action: 'request:COMPREHENSIVE_SCREEN',
        errorType: 'EPISODE_NOT_FOUND',
        mustAct: 'assessment service',
        options: ['RETRY', 'SKIP'],
        status: 'OPEN',
      });
      expect(raised.stage).toBe('COMPREHENSIVE_SCREEN');
      expect(await needsAttentionAttribute(handle, true)).toBe(true);

      // The journey did not fail, and the screen's clock keeps running: breached at its due instant.
      const due = deadlineFor(policy, 'comprehensiveScreen', new Date(input.receivedAt));
      await skipTo(env, due.getTime() + 1_000, handle);
      const breach = await waitForEffect(acts, of('breachRecorded'), 'comprehensive screen breach');
      expect(breach).toMatchObject({ clock: 'comprehensiveScreen', dueAt: due.toISOString() });
      expect(Date.parse(breach.breachedAt) - due.getTime()).toBeLessThanOrEqual(5_000);

      // Refused resolutions: unknown item, SKIP without a reason, an option not offered.
      expect(await rejection(resolve(handle, 'att-9', 'RETRY'))).toBe(
        'no attention item att-9 in this journey',
      );
      expect(await rejection(resolve(handle, 'att-1', 'SKIP'))).toBe('skipping a step needs a reason');

      // The service is back; the operator retries: the screen is requested, once.
      acts.failing.requestAssessment = undefined;
      await resolve(handle, 'att-1', 'RETRY');
      await waitForEffect(acts, of('assessmentRequested'), 'comprehensive screen requested');
      const after = await waitForPlan(
        handle,
        (p) => openItems(p).length === 0 && p.working === false,
        'attention resolved',
      );
      expect(after.attention).toEqual([
        expect.objectContaining({
          id: 'att-1',
          status: 'RESOLVED',
          resolution: expect.objectContaining({ option: 'RETRY', by: 'operator:test' }),
        }),
      ]);
      expect(await rejection(resolve(handle, 'att-1', 'RETRY'))).toBe(
        'attention item att-1 is already resolved',
      );
      expect(await needsAttentionAttribute(handle, false)).toBe(false);
      expect(tally(acts.effects)).toEqual({
        coreScreenRequested: 1,
        agencyLookedUp: 1, // needs known from the core screen: the agency is found meanwhile
        attentionRecorded: 2, // raised, then resolved
        breachRecorded: 1,
        assessmentRequested: 1,
      });
      expect(acts.effects.filter(of('attentionRecorded')).map((e) => [e.status, e.option])).toEqual([
        ['OPEN', undefined],
        ['RESOLVED', 'RETRY'],
      ]);
      await recordHistory(handle, 'v3.attention-raised-retried');
      await close(handle);
    });
  });

  it('clocks do not wait on effects: during an assessment-service outage the core-screen breach is recorded within 5 s of its due instant', async () => {
    // The service is down from the start: the core screen request is retried all along (every six
    // hours here, to keep the test's log short; the journey's own policy backs off to 5 minutes).
    const acts = recordingActivities({ client: env.client, failing: { requestCoreScreen: 'long-outage' } });
    const input = await receptionInput(env);
    const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const due = deadlineFor(policy, 'coreScreen', new Date(input.receivedAt));
      await skipTo(env, due.getTime() + 1_000, handle);
      const breach = await waitForEffect(acts, of('breachRecorded'), 'core screen breach');
      expect(breach).toMatchObject({ clock: 'coreScreen', dueAt: due.toISOString() });
      expect(Date.parse(breach.breachedAt) - due.getTime()).toBeGreaterThanOrEqual(0);
      expect(Date.parse(breach.breachedAt) - due.getTime()).toBeLessThanOrEqual(5_000);
      expect(acts.effects.filter(of('coreScreenRequested'))).toEqual([]);
      // The service comes back: the next retry (at most 6 hours later) asks for the screen, once.
      acts.failing.requestCoreScreen = undefined;
      await advance(env, '361 minutes', handle);
      const asked = await waitForPlan(
        handle,
        (p) => p.assessmentId !== undefined && p.working === false,
        'asked',
      );
      expect(asked.deadlines.find((d) => d.clock === 'coreScreen')?.status).toBe('BREACHED');
      expect(tally(acts.effects)).toEqual({ breachRecorded: 1, coreScreenRequested: 1 });
      await recordHistory(handle, 'v3.breach-during-outage');
      await close(handle);
    });
  });

  it('a booking the service refuses for good (reception from the bus) is skipped with a reason; the journey goes on', async () => {
    const acts = recordingActivities({ client: env.client, failing: { bookGatePickup: 'permanent' } });
    const t0 = await env.currentTimeMs();
    // A short sentence: release planning is open from reception, so the gate pick-up is wanted at once.
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 30 * DAY_MS)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const raised = await waitForPlan(handle, (p) => openItems(p).length === 1, 'attention raised');
      expect(openItems(raised)[0]).toMatchObject({
        action: 'book:gate-pickup',
        errorType: 'EPISODE_NOT_FOUND',
        mustAct: 'liberation service (bookings at the prison)',
      });
      await resolve(
        handle,
        openItems(raised)[0]!.id,
        'SKIP',
        'gate pick-up arranged by phone with the prison',
      );
      const after = await waitForPlan(
        handle,
        (p) => openItems(p).length === 0 && p.working === false && p.assessmentId !== undefined,
        'skipped',
      );
      // Skipped for good: not asked again, and the journey carries on (core screen asked for).
      await advance(env, '2 days', handle);
      expect(tally(acts.effects)).toMatchObject({ coreScreenRequested: 1, attentionRecorded: 2 });
      expect(acts.effects.filter(of('gatePickupBooked'))).toEqual([]);
      expect(after.attention?.[0]?.resolution).toMatchObject({
        option: 'SKIP',
        reason: 'gate pick-up arranged by phone with the prison',
      });
      await recordHistory(handle, 'v3.attention-skipped');
      await close(handle);
    });
  });

  it('a plan the calendar cannot carry (release in 2099) is an attention item, not a workflow task failing for ever; a corrected date resumes it', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env, { expectedReleaseDate: '2099-06-01' });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const raised = await waitForPlan(handle, (p) => openItems(p).length === 1, 'plan attention');
      expect(openItems(raised)[0]).toMatchObject({
        action: 'plan',
        errorType: 'CalendarOutOfRangeError',
        options: ['RETRY'],
      });
      // The plan endpoint still answers, and says why.
      expect(raised.waitingOn).toMatch(/^operator: the plan cannot be derived/);
      expect(await needsAttentionAttribute(handle, true)).toBe(true);
      // A change to another date the calendar cannot carry is refused outright, naming the field.
      expect(
        await rejection(
          tell(handle, releaseDateChangedUpdate, {
            expectedReleaseDate: '2098-01-05',
            reason: 'RECALCULATION',
            changedAt: await serverNow(env),
          }),
        ),
      ).toMatch(/^expectedReleaseDate 2098-01-05 is after the last date this build can plan/);
      const corrected = localDateOf(new Date((await env.currentTimeMs()) + 200 * DAY_MS));
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: corrected,
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      const resumed = await waitForPlan(
        handle,
        (p) => p.assessmentId !== undefined && openItems(p).length === 0 && p.working === false,
        'core screen requested, item closed',
      );
      expect(resumed.expectedReleaseDate).toBe(corrected);
      // Nobody needs to retry: the item is closed by the journey once the plan can be derived.
      expect(resumed.attention).toEqual([
        expect.objectContaining({
          action: 'plan',
          status: 'RESOLVED',
          resolution: expect.objectContaining({ by: 'throughcare', reason: 'the plan can be derived again' }),
        }),
      ]);
      expect(await needsAttentionAttribute(handle, false)).toBe(false);
      expect(tally(acts.effects)).toEqual({ coreScreenRequested: 1, attentionRecorded: 2 });
      await recordHistory(handle, 'v3.plan-impossible-corrected');
      await close(handle);
    });
  });

  it('a reception no SLA policy covers parks the journey on an attention item (not an endless task failure)', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env, {
      receivedAt: '2019-03-04T10:00:00.000Z',
      sentenceDate: '2019-03-04',
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const raised = await waitForPlan(handle, (p) => openItems(p).length === 1, 'policy attention');
      expect(openItems(raised)[0]).toMatchObject({
        action: 'policy',
        errorType: 'UNKNOWN_POLICY',
        options: ['RETRY'],
      });
      expect(await rejection(resolve(handle, openItems(raised)[0]!.id, 'SKIP', 'no policy applies'))).toBe(
        'attention item att-1 offers RETRY, not SKIP',
      );
      // Retrying cannot help while no policy covers 2019: a new item says so, the old one is resolved.
      await resolve(handle, openItems(raised)[0]!.id, 'RETRY');
      const again = await waitForPlan(
        handle,
        (p) => (p.attention ?? []).length === 2 && openItems(p).length === 1,
        'raised again',
      );
      expect(again.attention!.map((a) => [a.id, a.status])).toEqual([
        ['att-1', 'RESOLVED'],
        ['att-2', 'OPEN'],
      ]);
      expect(tally(acts.effects)).toEqual({ attentionRecorded: 3 });
      await handle.terminate('test over: no policy can cover this reception');
    });
  });

  it('fewer custody visits fit before the meeting than the policy wants: an item says so, closed by the journey when the date moves and they fit', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 40 * DAY_MS)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      await acknowledgeReferral(env, handle, referred.referralId!);
      await waitForPlan(handle, (p) => live(p, 'CJSW_VISIT').length === 2 && !p.working, 'visits booked');
      // HDC brings the release so close that fewer than the two visits seed 000 §4.55 wants fit
      // before the pre-release meeting. Which day does that depends on weekends and holidays around
      // the server's date, so the release is brought nearer a day at a time until it happens.
      let item: AttentionItemView | undefined;
      for (let days = 9; days >= 2 && !item; days--) {
        const expectedReleaseDate = localDateOf(new Date(t0 + days * DAY_MS));
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate,
          reason: 'HDC_APPROVED',
          changedAt: await serverNow(env),
        });
        const replanned = await waitForPlan(
          handle,
          (p) => p.expectedReleaseDate === expectedReleaseDate && !p.working,
          `re-planned for ${expectedReleaseDate}`,
        );
        item = openItems(replanned).find((a) => a.action.startsWith('visits-short:'));
      }
      expect(item).toMatchObject({
        errorType: 'VISITS_DO_NOT_FIT',
        options: ['SKIP'],
        what: expect.stringMatching(/custody visits still needed fit before the pre-release meeting/),
      });
      // The release moves two months on: both visits fit, the journey closes its own item.
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: localDateOf(new Date(t0 + 75 * DAY_MS)),
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      const fitted = await waitForPlan(
        handle,
        (p) => p.attention?.find((a) => a.id === item!.id)?.status === 'RESOLVED',
        'item closed',
      );
      expect(fitted.attention!.find((a) => a.id === item!.id)!.resolution).toMatchObject({
        by: 'throughcare',
        option: 'SKIP',
        reason: 'the visits the policy wants fit again',
      });
      expect(acts.effects.filter(of('attentionRecorded')).map((e) => [e.itemId, e.status])).toEqual(
        expect.arrayContaining([
          [item!.id, 'OPEN'],
          [item!.id, 'RESOLVED'],
        ]),
      );
      await recordHistory(handle, 'v3.planner-properties.visits-short-then-fit');
      await close(handle);
    });
  });

  it('one service down holds up only its own effects (effect-lanes-1): while the prison’s booking system is down, the agency is told of a transfer at once', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 40 * DAY_MS)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      await acknowledgeReferral(env, handle, referred.referralId!);
      await waitForPlan(handle, (p) => live(p, 'CJSW_VISIT').length === 2 && !p.working, 'visits booked');
      const from = acts.effects.length;
      const since = () => acts.effects.slice(from);
      // The liberation service (bookings at the prison) goes down: its activities retry.
      const bookingsAtThePrison = ['cancelMeeting', 'bookMeeting', 'cancelGatePickup', 'bookGatePickup'];
      for (const name of bookingsAtThePrison) acts.failing[name] = 'transient';
      await tell(handle, transferredUpdate, {
        toEstablishmentCode: 'GLE',
        transferredAt: await serverNow(env),
      });
      await advance(env, '46 minutes', handle); // the movement settles
      // The notice comes after the bookings in the planner's order, in another lane: it does not wait.
      const told = await waitForPlan(handle, (p) => p.notifications?.length === 1, 'agency told');
      expect(since().filter(of('agencyNotified'))).toMatchObject([
        { subject: 'TRANSFERRED', establishmentCode: 'GLE', previousEstablishmentCode: 'BAR' },
      ]);
      expect(tally(since())).toEqual({ agencyNotified: 1 });
      expect(live(told, 'CJSW_VISIT').map((b) => b.establishmentCode)).toEqual(['BAR', 'BAR']);
      expect(told.working).toBe(true); // the cancellation is still being retried
      // The service comes back: the visits move to GLE, each once; the agency is not told again.
      for (const name of bookingsAtThePrison) acts.failing[name] = undefined;
      await advance(env, '6 minutes', handle);
      const moved = await waitForPlan(
        handle,
        (p) =>
          live(p, 'CJSW_VISIT').length === 2 &&
          live(p, 'CJSW_VISIT').every((b) => b.establishmentCode === 'GLE') &&
          !p.working,
        'visits at GLE',
      );
      expect(tally(since())).toEqual({
        agencyNotified: 1,
        meetingCancelled: 2,
        meetingBooked: 2,
        gatePickupCancelled: 1,
        gatePickupBooked: 1,
      });
      expect(moved.notifications).toHaveLength(1);
      await recordHistory(handle, 'v3.effect-lanes.notice-during-liberation-outage');
      await close(handle);
    });
  });
});
