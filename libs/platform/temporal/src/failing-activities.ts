import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import {
  activityFailingSignal,
  FAILING_ACTIVITY_REPORT_AFTER,
  THROUGHCARE_WORKFLOW_TYPE,
  type ActivityFailing,
} from '@throughcare/contracts';

/** How long reporting one failed attempt may hold up the activity's failure. */
const REPORT_TIMEOUT_MS = 5000;

/** Attempts worth a report: the third, then the sixth, twelfth … (a day-long outage is a handful). */
export function reportsAttempt(attempt: number, after = FAILING_ACTIVITY_REPORT_AFTER): boolean {
  if (attempt < after || attempt % after !== 0) return false;
  const ratio = attempt / after;
  return (ratio & (ratio - 1)) === 0;
}

/** The failure's type as the retry policy matches it: an ApplicationFailure's `type`, else the error's name. */
export function errorTypeOf(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? 'Error';
  return err instanceof Error ? err.name : 'Error';
}

/** Whether the server will retry an activity that failed with `err` at this attempt. */
export function willRetry(err: unknown, info: ActivityContext['info']): boolean {
  if (err instanceof ApplicationFailure && err.nonRetryable) return false;
  const policy = info.retryPolicy;
  if (policy?.nonRetryableErrorTypes?.includes(errorTypeOf(err))) return false;
  const max = policy?.maximumAttempts ?? 0;
  return max <= 0 || info.attempt < max;
}

/**
 * "Stuck on a failing activity", made visible: when a journey's activity fails an attempt it will
 * be retried after (a service down, a bug), at the third attempt and then at the sixth, twelfth …,
 * the worker that ran it tells the run that scheduled it (`activityFailing`), which then lists the
 * activity's type in its `FailingActivities` search attribute until the activity settles. The
 * journey's own retry policy goes on unchanged. Best effort: a report that cannot be sent is logged
 * and the activity's failure goes on to the server as it would have.
 */
class ReportFailingAttempts implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext) {}

  execute: ActivityInboundCallsInterceptor['execute'] = async (input, next) => {
    try {
      return await next(input);
    } catch (err) {
      await this.report(err);
      throw err;
    }
  };

  private async report(err: unknown): Promise<void> {
    const { info } = this.ctx;
    const run = info.workflowExecution;
    if (!run || info.workflowType !== THROUGHCARE_WORKFLOW_TYPE || info.isLocal) return;
    if (!reportsAttempt(info.attempt) || this.ctx.cancellationSignal.aborted || !willRetry(err, info)) return;
    const report: ActivityFailing = {
      activityId: info.activityId,
      activityType: info.activityType,
      attempt: info.attempt,
      errorType: errorTypeOf(err),
      scheduledAt: new Date(info.scheduledTimestampMs).toISOString(),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const handle = this.ctx.client.workflow.getHandle(run.workflowId, run.runId);
      await Promise.race([
        handle.signal(activityFailingSignal, report),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer in ${REPORT_TIMEOUT_MS} ms`)),
            REPORT_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (e) {
      this.ctx.log.warn('could not report a failing activity to its journey', {
        activityType: info.activityType,
        attempt: info.attempt,
        reason: e instanceof Error ? e.message : String(e),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The activity interceptor of every worker that runs journeys' activities (see ReportFailingAttempts). */
export function failingActivityInterceptors(): ActivityInterceptorsFactory[] {
  return [(ctx) => ({ inbound: new ReportFailingAttempts(ctx) })];
}
