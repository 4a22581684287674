import { Worker } from '@temporalio/worker';
import { sharedTimeSkippingTestEnv } from './temporal';
import { sleepADay } from './fixtures/sleep.workflow';

// Second file of the lifecycle comparison: two describe blocks here use the per-worker shared
// environment (sharedTimeSkippingTestEnv), which must survive being used across files.
describe('time-skipping test environment (shared per worker)', () => {
  it.each([1, 2])('skips a one-day sleep (second file, run %i)', async (n) => {
    const env = await sharedTimeSkippingTestEnv();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `testing-shared2-${n}`,
      workflowsPath: require.resolve('./fixtures/sleep.workflow'),
    });
    const slept = await worker.runUntil(
      env.client.workflow.execute(sleepADay, {
        taskQueue: `testing-shared2-${n}`,
        workflowId: `shared2-sleep-${n}-${Date.now()}`,
      }),
    );
    expect(slept).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
  });
});
