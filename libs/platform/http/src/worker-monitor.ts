import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Worker } from '@temporalio/worker';
import type { UnexpectedWorkerStop } from '@throughcare/platform-temporal';
import type { HealthCheck } from './health/health-check';

/** Ends the process (`process.exit` unless a test injects its own through PlatformOptions). */
export type ExitProcess = (code: number) => void;
export const EXIT_PROCESS = Symbol('EXIT_PROCESS');

/** Exit code of a process whose Temporal worker stopped by itself: a supervisor restarts it. */
export const WORKER_STOPPED_EXIT_CODE = 70; // EX_SOFTWARE

/**
 * Watches the Temporal workers of this process. `/health` reports them as the `worker`
 * dependency (DOWN, so 503, unless every worker is RUNNING), and a worker that stops while the
 * application is not shutting down is logged at error level and ends the process with a non-zero
 * code: a process that answers HTTP while polling nothing looks healthy and moves no journey.
 */
@Injectable()
export class WorkerMonitor implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WorkerMonitor');
  private readonly workers = new Map<string, Pick<Worker, 'getState'>>();
  private shuttingDown = false;

  constructor(@Inject(EXIT_PROCESS) private readonly exit: ExitProcess) {}

  /** Reports `worker` (named `name`, e.g. its task queue) in `/health` from now on. */
  watch(name: string, worker: Pick<Worker, 'getState'>): void {
    this.workers.set(name, worker);
  }

  /** The listener to give `runWorker` / `runActivityWorker` for the worker named `name`. */
  onUnexpectedStop(name: string): UnexpectedWorkerStop {
    return (reason, error) => {
      if (this.shuttingDown) return;
      this.logger.error(
        `worker "${name}" stopped: ${reason}; exiting with code ${WORKER_STOPPED_EXIT_CODE} so that the process is restarted`,
        error instanceof Error ? error.stack : undefined,
      );
      this.exit(WORKER_STOPPED_EXIT_CODE);
    };
  }

  /** Worker name → SDK state (`RUNNING`, `STOPPING`, `FAILED`, …). */
  states(): Record<string, string> {
    return Object.fromEntries([...this.workers].map(([name, w]) => [name, w.getState()]));
  }

  /** The `worker` dependency of `/health`: UP while every watched worker is RUNNING. */
  healthCheck(): HealthCheck {
    return {
      name: 'worker',
      check: () => {
        const down = Object.entries(this.states()).filter(([, state]) => state !== 'RUNNING');
        if (down.length)
          return Promise.reject(new Error(down.map(([name, state]) => `${name} is ${state}`).join(', ')));
        return Promise.resolve();
      },
    };
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
