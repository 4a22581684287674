import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTimeSkippingTestEnv } from './temporal';
import { sleepADay } from './fixtures/sleep.workflow';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('time-skipping test environment (per-file lifecycle)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('uses the provisioned Java test server when npm test provides one', () => {
    if (process.env.THROUGHCARE_CACHE)
      expect(process.env.TEMPORAL_TEST_SERVER_PATH).toMatch(/temporal-test-server$/);
    expect(env.supportsTimeSkipping).toBe(true);
  });

  it('skips a one-day sleep in well under a minute of wall-clock time', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'testing-sleep',
      workflowsPath: require.resolve('./fixtures/sleep.workflow'),
    });
    const wallStart = Date.now();
    const slept = await worker.runUntil(
      env.client.workflow.execute(sleepADay, {
        taskQueue: 'testing-sleep',
        workflowId: `sleep-${Date.now()}`,
      }),
    );
    expect(slept).toBeGreaterThanOrEqual(DAY_MS);
    expect(Date.now() - wallStart).toBeLessThan(60_000);
  });
});
