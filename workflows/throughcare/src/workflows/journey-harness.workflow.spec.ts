import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  advance,
  receptionInput,
  recordingActivities,
  startJourney,
  stopWorkers,
  waitForPlan,
  withWorkers,
  useJourneyEnvironment,
} from './journey-harness';

/**
 * The journey harness itself: a hung test body must fail its own test and stop, never outlive it
 * (a body still polling after its file's afterAll tore the environment down made grpc-js throw
 * "Channel has been shut down" outside any test, which ended the whole Jest run with no results).
 */
let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

describe('journey harness', () => {
  it('stops a hung test body at its deadline, naming the step it hung on, and its loop ends', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    let loopEnded: unknown;
    let workflowId = '';
    const hung = withWorkers(
      env,
      acts,
      async () => {
        const handle = await startJourney(env, input);
        workflowId = handle.workflowId;
        try {
          await waitForPlan(handle, () => false, 'a plan that never comes', 600_000);
        } catch (err) {
          loopEnded = err;
          throw err;
        }
      },
      // Long enough for the workers and the start on a loaded machine (at 3 s a CI run under load
      // was still starting the journey): the body must hang in the wait, not before it.
      { deadlineMs: 10_000 },
    );
    await expect(hung).rejects.toThrow(
      'test body still running after 10 s, last step: waitForPlan a plan that never comes',
    );
    // The loop notices at its next turn (a query has a 3 s deadline of its own).
    const until = Date.now() + 10_000;
    while (loopEnded === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(String(loopEnded)).toContain('test body over: stopped waiting for a plan that never comes');
    // The harness ended the journey the body started (a journey left running wakes in a later
    // test's time skip).
    expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('stopWorkers (a file’s afterAll) ends a body Jest gave up on and waits for its workers', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    let workflowId = '';
    const running = withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      workflowId = handle.workflowId;
      await waitForPlan(handle, () => false, 'a plan that never comes', 600_000);
    });
    const outcome = running.then(
      () => 'resolved',
      (err: unknown) => String(err),
    );
    while (!workflowId) await new Promise((r) => setTimeout(r, 50));
    await stopWorkers();
    // By the time stopWorkers returns, the body has ended and the workers have shut down.
    expect(await Promise.race([outcome, 'still running'])).toContain(
      'test body over: stopped waiting for a plan that never comes',
    );
    expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('advance releases a stray time-skipping lock once the journey is idle, and the sleep then skips', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await waitForPlan(handle, (p) => p.assessmentId !== undefined && !p.working, 'core screen requested');
      // What the Java test server was seen to do after an update: keep a lock nobody releases.
      await env.connection.testService!.lockTimeSkipping({});
      const before = await env.currentTimeMs();
      const started = Date.now();
      await advance(env, '46 minutes', handle);
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(46 * 60_000);
      // Released after two 5 s checks, not after 46 real minutes.
      expect(Date.now() - started).toBeLessThan(30_000);
      await handle.terminate('harness test over');
    });
  }, 60_000);
});
