import type { Worker } from '@temporalio/worker';

/** Told why a worker stopped when nobody asked it to (`error` when its run() rejected). */
export type UnexpectedWorkerStop = (reason: string, error?: unknown) => void;

export interface WorkerRun {
  /** Resolves when the worker stops; rejects if it crashes. */
  done: Promise<void>;
  /** Call before a deliberate shutdown, so that the stop that follows is not reported. */
  expectStop(): void;
}

/**
 * Runs `worker` and reports, through `onUnexpectedStop`, a run() that rejects (e.g.
 * `ERR_WORKER_OUT_OF_MEMORY` in a workflow thread) or ends without `expectStop()` having been
 * called first. A process whose worker has stopped polls nothing while still answering HTTP, so
 * callers end the process and let their supervisor restart it.
 */
export function runWorker(worker: Worker, onUnexpectedStop?: UnexpectedWorkerStop): WorkerRun {
  let expected = false;
  const done = worker.run();
  done.then(
    () => {
      if (!expected) onUnexpectedStop?.('its run() ended although no shutdown was requested');
    },
    (error: unknown) => {
      if (!expected)
        onUnexpectedStop?.(
          `its run() failed: ${error instanceof Error ? error.message : String(error)}`,
          error,
        );
    },
  );
  return {
    done,
    expectStop() {
      expected = true;
    },
  };
}
