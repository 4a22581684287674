import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import {
  activityFailingProblem,
  activityFailingSignal,
  THROUGHCARE_WORKFLOW_TYPE,
} from '@throughcare/contracts';
import { errorTypeOf, failingActivityInterceptors, reportsAttempt, willRetry } from './failing-activities';

describe('which failed attempts a worker reports to the journey', () => {
  it('reports once the activity has been failing for the threshold, at attempts 2, 4, 8, 16 …', () => {
    const twoMinutes = 120_000;
    const attempts = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(attempts.filter((n) => reportsAttempt(n, twoMinutes))).toEqual([2, 4, 8, 16, 32, 64]);
    expect(reportsAttempt(8, twoMinutes - 1)).toBe(false); // a blip is not stuck
    expect(reportsAttempt(4, 5_000, 2_000)).toBe(true);
  });

  it("names the failure as the server matches it (the SDK's conversion), never by its message", () => {
    expect(errorTypeOf(ApplicationFailure.create({ type: 'EPISODE_NOT_FOUND', message: 'x' }))).toBe(
      'EPISODE_NOT_FOUND',
    );
    class ServiceUnavailable extends Error {}
    expect(errorTypeOf(new ServiceUnavailable('boom'))).toBe('ServiceUnavailable');
    expect(errorTypeOf(new TypeError('boom'))).toBe('TypeError');
    expect(errorTypeOf('a string')).toBe('Error');
  });

  it('knows what the server will not retry: non-retryable, a listed type, the last attempt', () => {
    const info = (attempt: number, maximumAttempts?: number) =>
      ({ attempt, retryPolicy: { nonRetryableErrorTypes: ['VALIDATION_FAILED'], maximumAttempts } }) as never;
    expect(willRetry(new Error('down'), info(3))).toBe(true);
    expect(willRetry(ApplicationFailure.create({ message: 'x', nonRetryable: true }), info(3))).toBe(false);
    expect(willRetry(ApplicationFailure.create({ type: 'VALIDATION_FAILED', message: 'x' }), info(3))).toBe(
      false,
    );
    expect(willRetry(new Error('down'), info(3, 3))).toBe(false);
    expect(willRetry(new Error('down'), info(3, 4))).toBe(true);
  });
});

describe('the reporting interceptor', () => {
  const run = async (
    overrides: {
      attempt?: number;
      failingForMs?: number;
      workflowType?: string;
      signal?: () => Promise<void>;
      error?: unknown;
    } = {},
  ) => {
    const signal = jest.fn(overrides.signal ?? (async () => undefined));
    const getHandle = jest.fn(() => ({ signal }));
    const warn = jest.fn();
    const scheduledTimestampMs = Date.now() - (overrides.failingForMs ?? 130_000);
    const ctx = {
      info: {
        activityId: '7',
        activityType: 'requestCoreScreen',
        attempt: overrides.attempt ?? 8,
        isLocal: false,
        workflowType: overrides.workflowType ?? THROUGHCARE_WORKFLOW_TYPE,
        workflowExecution: { workflowId: 'throughcare-p1-1', runId: 'run-1' },
        scheduledTimestampMs,
        retryPolicy: { nonRetryableErrorTypes: [] },
      },
      cancellationSignal: new AbortController().signal,
      client: { workflow: { getHandle }, withDeadline: (_: number, fn: () => Promise<void>) => fn() },
      log: { warn },
    } as unknown as ActivityContext;
    const { inbound } = failingActivityInterceptors()[0]!(ctx);
    const error = overrides.error ?? new Error('service unavailable');
    const thrown = await inbound!.execute!({ args: [] } as unknown as ActivityExecuteInput, async () => {
      throw error;
    }).catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r)); // the report goes on in the background
    return {
      thrown,
      error,
      signal,
      getHandle,
      warn,
      scheduledAt: new Date(scheduledTimestampMs).toISOString(),
    };
  };

  it('tells the run that scheduled the activity, with ids, types and counts only, in the background; the activity fails as before', async () => {
    const { thrown, error, signal, getHandle, scheduledAt } = await run();
    expect(thrown).toBe(error);
    expect(getHandle).toHaveBeenCalledWith('throughcare-p1-1', 'run-1');
    expect(signal).toHaveBeenCalledWith(activityFailingSignal, {
      activityId: '7',
      activityType: 'requestCoreScreen',
      attempt: 8,
      errorType: 'Error',
      scheduledAt,
    });
    expect(activityFailingProblem(signal.mock.calls[0]![1 as never])).toBeUndefined();
  });

  it('says nothing before the threshold, at an attempt it does not report, for another workflow, or when it will not be retried', async () => {
    expect((await run({ failingForMs: 60_000 })).signal).not.toHaveBeenCalled();
    expect((await run({ attempt: 9 })).signal).not.toHaveBeenCalled();
    expect((await run({ workflowType: 'releasePointReplan' })).signal).not.toHaveBeenCalled();
    const permanent = ApplicationFailure.create({
      type: 'EPISODE_NOT_FOUND',
      message: 'x',
      nonRetryable: true,
    });
    const { signal, thrown } = await run({ error: permanent });
    expect(signal).not.toHaveBeenCalled();
    expect(thrown).toBe(permanent);
  });

  it('logs a report it could not send, and the activity fails with its own error', async () => {
    const { thrown, error, warn } = await run({
      signal: async () => {
        throw new Error('workflow execution already completed');
      },
    });
    expect(thrown).toBe(error);
    expect(warn).toHaveBeenCalledWith('could not report a failing activity to its journey', {
      activityType: 'requestCoreScreen',
      attempt: 8,
      reason: 'workflow execution already completed',
    });
  });
});

describe('activityFailingProblem (the journey refuses a malformed report)', () => {
  const good = {
    activityId: '7',
    activityType: 'requestCoreScreen',
    attempt: 3,
    errorType: 'Error',
    scheduledAt: '2027-03-01T09:00:00.000Z',
  };
  it('names the field', () => {
    expect(activityFailingProblem(good)).toBeUndefined();
    expect(activityFailingProblem(null)).toBe('not an object');
    expect(activityFailingProblem({ ...good, activityId: '' })).toMatch(/^activityId/);
    expect(activityFailingProblem({ ...good, attempt: 0 })).toMatch(/^attempt/);
    expect(activityFailingProblem({ ...good, errorType: 'x'.repeat(201) })).toMatch(/^errorType/);
    expect(activityFailingProblem({ ...good, scheduledAt: 'yesterday' })).toMatch(/^scheduledAt/);
  });
});
