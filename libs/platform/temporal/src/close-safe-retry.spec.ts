import { status } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { closeSafeRetryInterceptor } from './close-safe-retry';

describe('closeSafeRetryInterceptor', () => {
  it('ends a call whose retry comes after the connection closed as CANCELLED, instead of throwing from the retry timer', async () => {
    // Nothing listens on port 1: the first attempt fails UNAVAILABLE and a retry is scheduled
    // (100 ms later, by the SDK's default backoff); the connection closes before it fires.
    const connection = await Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [closeSafeRetryInterceptor()],
    });
    const call = connection.workflowService.getSystemInfo({});
    const failed = call.then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 30));
    await connection.close();
    // With the SDK's interceptor alone this call never settles: its retry throws "Channel has been
    // shut down" from a timer, an uncaught exception that fails whatever test runs then.
    expect(await failed).toMatchObject({ code: status.CANCELLED, details: 'Channel has been shut down' });
  });

  it('leaves a call made after the connection closed to fail on its caller as before (rejected, not hung)', async () => {
    const connection = await Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [closeSafeRetryInterceptor()],
    });
    await connection.close();
    const err = await connection.workflowService.getSystemInfo({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/Channel has been shut down/);
  });

  it('still retries a failed call while the connection is open, and answers as the SDK does', async () => {
    const connection = await Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [closeSafeRetryInterceptor()],
    });
    try {
      const err = await connection
        .withDeadline(Date.now() + 1_500, () => connection.workflowService.getSystemInfo({}))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // Retried until the deadline (UNAVAILABLE is retryable), not ended at the first failure.
      expect(err).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    } finally {
      await connection.close();
    }
  });
});
