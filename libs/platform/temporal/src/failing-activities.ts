import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure, ensureApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import {
  activityFailingSignal,
  FAILING_ACTIVITY_REPORT_AFTER_MS,
  THROUGHCARE_WORKFLOW_TYPE,
  type ActivityFailing,
} from '@throughcare/contracts';

/** How long one report may take in the background (it never holds up the activity's failure). */
const REPORT_DEADLINE_MS = 10_000;

/**
 * Attempts worth a report: once the activity has been failing for `afterMs` since it was first
 * scheduled, attempts 2, 4, 8, 16 … (with the journeys' retry policy, 1 s doubling to 5 min, the
 * first is about the 8th attempt, two minutes in; then a handful a day).
 */
export function reportsAttempt(
  attempt: number,
  failingForMs: number,
  afterMs = FAILING_ACTIVITY_REPORT_AFTER_MS,
): boolean {
  return failingForMs >= afterMs && attempt >= 2 && (attempt & (attempt - 1)) === 0;
}

/** The failure's type as the server matches it against the retry policy (the SDK's own conversion). */
export function errorTypeOf(err: unknown): string {
  return ensureApplicationFailure(err).type ?? 'Error';
}

/** Whether the server will retry an activity that failed with `err` at this attempt. */
export function willRetry(err: unknown, info: ActivityContext['info']): boolean {
  if (err instanceof ApplicationFailure && err.nonRetryable) return false;
  const policy = info.retryPolicy;
  const type = ensureApplicationFailure(err).type;
  if (type && policy?.nonRetryableErrorTypes?.includes(type)) return false;
  const max = policy?.maximumAttempts ?? 0;
  return max <= 0 || info.attempt < max;
}

/**
 * "Stuck on a failing activity", made visible: when a journey's activity has been failing for a
 * while (FAILING_ACTIVITY_REPORT_AFTER_MS) and fails an attempt the server will retry (a
 * dependency of the service down, a bug that throws), the worker that ran it tells the run that
 * scheduled it (`activityFailing`, at attempts 2, 4, 8 … past that), which then lists the
 * activity's type in its `FailingActivities` search attribute until the activity settles. It
 * cannot see a service that is down altogether: nobody polls its task queue, so its activities
 * are never attempted (the task queue's pollers and backlog show that). The journey's retry policy
 * is unchanged. Best effort and in the background: the activity's failure goes to the server at
 * once; a report that cannot be sent is logged (a late one is ignored by the journey: the activity
 * is no longer pending).
 */
class ReportFailingAttempts implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: ActivityContext,
    private readonly afterMs: number,
  ) {}

  execute: ActivityInboundCallsInterceptor['execute'] = async (input, next) => {
    try {
      return await next(input);
    } catch (err) {
      this.report(err);
      throw err;
    }
  };

  private report(err: unknown): void {
    const { info } = this.ctx;
    const run = info.workflowExecution;
    if (!run || info.workflowType !== THROUGHCARE_WORKFLOW_TYPE || info.isLocal) return;
    const failingForMs = Date.now() - info.scheduledTimestampMs;
    if (!reportsAttempt(info.attempt, failingForMs, this.afterMs)) return;
    if (this.ctx.cancellationSignal.aborted || !willRetry(err, info)) return;
    const report: ActivityFailing = {
      activityId: info.activityId,
      activityType: info.activityType,
      attempt: info.attempt,
      errorType: errorTypeOf(err),
      scheduledAt: new Date(info.scheduledTimestampMs).toISOString(),
    };
    const { log } = this.ctx;
    const warn = (e: unknown) =>
      log.warn('could not report a failing activity to its journey', {
        activityType: info.activityType,
        attempt: info.attempt,
        reason: e instanceof Error ? e.message : String(e),
      });
    try {
      const client = this.ctx.client;
      void client
        .withDeadline(Date.now() + REPORT_DEADLINE_MS, () =>
          client.workflow.getHandle(run.workflowId, run.runId).signal(activityFailingSignal, report),
        )
        .catch(warn);
    } catch (e) {
      warn(e); // no client (a worker made without a connection)
    }
  }
}

/** The activity interceptor of every worker that runs journeys' activities (see ReportFailingAttempts; `reportAfterMs` for tests). */
export function failingActivityInterceptors(
  options: { reportAfterMs?: number } = {},
): ActivityInterceptorsFactory[] {
  const afterMs = options.reportAfterMs ?? FAILING_ACTIVITY_REPORT_AFTER_MS;
  return [(ctx) => ({ inbound: new ReportFailingAttempts(ctx, afterMs) })];
}
