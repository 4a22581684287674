import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { activityFailingSignal, SearchAttributes, type ActivityFailing } from '@throughcare/contracts';
import {
  hasPatchMarker,
  receptionInput,
  recordHistory,
  recordingActivities,
  startJourney,
  useJourneyEnvironment,
  waitForEffect,
  waitForPlan,
  withWorkers,
  type Effect,
} from './journey-harness';
import { FAILING_ACTIVITY_PATCH } from './journey/journey-v2';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

/** The journey's FailingActivities once it reads `want` (upserted by a signal's handler), or what it read last. */
async function failingActivities(
  handle: WorkflowHandle,
  want: string[] | undefined,
  timeoutMs = 30_000,
): Promise<string[] | undefined> {
  const read = async () =>
    (await handle.describe()).typedSearchAttributes.get(SearchAttributes.failingActivities);
  const until = Date.now() + timeoutMs;
  let seen = await read();
  while (JSON.stringify(seen) !== JSON.stringify(want) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await read();
  }
  return seen;
}

const coreScreenRequested = (e: Effect): e is Extract<Effect, { kind: 'coreScreenRequested' }> =>
  e.kind === 'coreScreenRequested';

describe('journey: stuck on a failing activity (failing-activity-1, time-skipping server)', () => {
  it('lists an activity still failing past the threshold in FailingActivities, and clears it when the activity goes through', async () => {
    const failing: Parameters<typeof recordingActivities>[0] = {
      failing: { requestCoreScreen: 'transient' },
    };
    const acts = recordingActivities(failing);
    await withWorkers(
      env,
      acts,
      async () => {
        const handle = await startJourney(env, await receptionInput(env));
        expect(await failingActivities(handle, ['requestCoreScreen'])).toEqual(['requestCoreScreen']);
        const history = await handle.fetchHistory();
        expect(hasPatchMarker(history, FAILING_ACTIVITY_PATCH)).toBe(true);
        const reports = (history.events ?? [])
          .map((e) => e.workflowExecutionSignaledEventAttributes)
          .filter((a) => a?.signalName === activityFailingSignal.name);
        // One report so far: the 4th attempt's (7 s in, past the test's 2 s threshold; the next is
        // the 8th's, 2 minutes in).
        expect(reports).toHaveLength(1);
        // The service comes back: the next attempt goes through, and the journey is no longer stuck.
        delete failing.failing!.requestCoreScreen;
        await waitForEffect(acts, coreScreenRequested, 'the core screen requested', 30_000);
        expect(await failingActivities(handle, undefined)).toBeUndefined();
        await recordHistory(handle, 'v2.failing-activity.reported-then-settled');
      },
      { reportFailingAttempts: true },
    );
  });

  it('ignores a malformed report and one for an activity not pending: no marker, no attribute, the journey goes on', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, await receptionInput(env));
      await waitForEffect(acts, coreScreenRequested, 'the core screen requested');
      await handle.signal(activityFailingSignal, {
        activityId: '',
        attempt: -1,
      } as unknown as ActivityFailing);
      const notPending: ActivityFailing = {
        activityId: '999',
        activityType: 'requestCoreScreen',
        attempt: 8,
        errorType: 'Error',
        scheduledAt: new Date().toISOString(),
      };
      await handle.signal(activityFailingSignal, notPending);
      // Both handled (a workflow task completed after the second) and neither changed anything.
      const handled = async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const signalled = events.flatMap((e, i) =>
          e.workflowExecutionSignaledEventAttributes?.signalName === activityFailingSignal.name ? [i] : [],
        );
        const last = signalled[signalled.length - 1] ?? Infinity;
        return (
          signalled.length === 2 && events.slice(last).some((e) => e.workflowTaskCompletedEventAttributes)
        );
      };
      const until = Date.now() + 20_000;
      while (!(await handled()) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      expect(await handled()).toBe(true);
      const history = await handle.fetchHistory();
      expect((await waitForPlan(handle, (p) => p.stage !== undefined, 'the plan')).stage).toBe('CORE_SCREEN');
      expect(hasPatchMarker(history, FAILING_ACTIVITY_PATCH)).toBe(false);
      expect(await failingActivities(handle, undefined, 0)).toBeUndefined();
    });
  });
});
