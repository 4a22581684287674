import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TemporalTarget } from './temporal-client';
import { failingActivityInterceptors } from './failing-activities';
import { tracingActivityInterceptors } from './tracing-interceptors';
import { runWorker, type UnexpectedWorkerStop } from './worker-run';

export interface ActivityWorkerOptions extends TemporalTarget {
  taskQueue: string;
  activities: object;
  /**
   * How long in-flight activities may run on after shutdown starts. The SDK default is 0,
   * which cancels them at once; activities commit their side effect and outbox event together,
   * so letting them finish avoids needless retries.
   */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  maxConcurrentActivityTaskExecutions?: number;
  /** Called when the worker stops without `shutdown()` having been called (see `runWorker`). */
  onUnexpectedStop?: UnexpectedWorkerStop;
}

export interface ActivityWorkerHandle {
  worker: Worker;
  /** Resolves when the worker stops; rejects if it crashes. */
  done: Promise<void>;
  /** Stops polling, waits for in-flight activities (up to the grace time), closes the connection. */
  shutdown(): Promise<void>;
}

/** Runs an activities-only worker (no workflows, so no bundle) on `taskQueue`. */
export async function runActivityWorker(options: ActivityWorkerOptions): Promise<ActivityWorkerHandle> {
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
    taskQueue: options.taskQueue,
    activities: options.activities,
    interceptors: { activity: [...tracingActivityInterceptors(), ...failingActivityInterceptors()] },
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
  });
  const run = runWorker(worker, options.onUnexpectedStop);
  const done = run.done;
  let stopping: Promise<void> | undefined;
  return {
    worker,
    done,
    shutdown() {
      run.expectStop();
      stopping ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        try {
          await done;
        } finally {
          await connection.close();
        }
      })();
      return stopping;
    },
  };
}
