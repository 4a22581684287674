import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { TaskQueues } from '@throughcare/contracts';
import {
  AuditCheckpointError,
  verifyAuditStore,
  type SealKeys,
  type SqlRunner,
} from '@throughcare/platform-audit';
import { TEMPORAL_CLIENT } from '@throughcare/platform-http';
import {
  AUDIT_VERIFICATION_SCHEDULE_ID,
  AUDIT_VERIFICATION_WORKFLOW_TYPE,
  type AuditVerificationActivities,
  type AuditVerificationReport,
} from './audit-verification.contract';

export { AUDIT_VERIFICATION_SCHEDULE_ID } from './audit-verification.contract';
export const AUDIT_VERIFICATION_OPTIONS = Symbol('AUDIT_VERIFICATION_OPTIONS');

export interface AuditVerificationOptions {
  /** The owner's database URL (DATABASE_URL): the verifier reads every chain, unfiltered. */
  databaseUrl: string;
  /** The sealing keys (every chain's key derives from them). */
  seal: SealKeys;
  /** Minutes between verifications (AUDIT_VERIFY_EVERY_MINUTES); 0: no schedule (an existing one is deleted). */
  everyMinutes: number;
  /** Where checkpoints are kept (AUDIT_CHECKPOINT_DIR); without it the chains' ends are not compared. */
  checkpointDir?: string;
  /** Accept records from before sealing at the start of a chain (AUDIT_VERIFY_ALLOW_UNSEALED). */
  allowUnsealed?: boolean;
}

/**
 * Verifies the audit trail on a Temporal schedule (`throughcare-audit-verification`): at boot it
 * creates the schedule, or brings an existing one to the configured interval, in the background
 * (retried while Temporal is unreachable: the orchestrator's start does not wait for it), and it
 * serves the `verifyAuditTrail` activity the schedule's runs call on the orchestrator's task
 * queue. A failing verification fails its run with `AUDIT_TRAIL_BROKEN` and the report, logged at
 * error level and shown in the Temporal UI.
 */
@Injectable()
export class AuditVerificationHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditVerification');
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(AUDIT_VERIFICATION_OPTIONS) private readonly options: AuditVerificationOptions,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  /** The activities the journey worker registers. */
  readonly activities: AuditVerificationActivities = {
    verifyAuditTrail: () => this.verify(),
  };

  onApplicationBootstrap(): void {
    void this.keepScheduled(1);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Creates or updates the schedule; on failure tries again later (at most every 5 minutes). */
  private async keepScheduled(attempt: number): Promise<void> {
    try {
      await this.ensureSchedule();
    } catch (e) {
      if (this.stopped) return;
      const wait = Math.min(300_000, 5_000 * 2 ** (attempt - 1));
      this.logger.warn(
        `could not put schedule ${AUDIT_VERIFICATION_SCHEDULE_ID} in place (${(e as Error).message}); trying again in ${wait / 1000} s`,
      );
      this.retry = setTimeout(() => void this.keepScheduled(attempt + 1), wait);
      this.retry.unref();
    }
  }

  /** The schedule as configured: created, updated to the interval, or deleted when it is 0. */
  async ensureSchedule(): Promise<void> {
    const every = this.options.everyMinutes;
    const handle = this.temporal.schedule.getHandle(AUDIT_VERIFICATION_SCHEDULE_ID);
    if (every === 0) {
      await handle.delete().catch((e: unknown) => {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      });
      this.logger.log(`no scheduled audit verification (AUDIT_VERIFY_EVERY_MINUTES=0)`);
      return;
    }
    const spec = { intervals: [{ every: every * 60_000 }] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: AUDIT_VERIFICATION_WORKFLOW_TYPE,
      workflowId: AUDIT_VERIFICATION_SCHEDULE_ID,
      taskQueue: TaskQueues.throughcare,
      args: [],
      workflowExecutionTimeout: 2 * 3_600_000,
    };
    // One verification at a time; after an outage of Temporal, one run (not one per interval missed).
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 3_600_000 };
    try {
      await this.temporal.schedule.create({
        scheduleId: AUDIT_VERIFICATION_SCHEDULE_ID,
        spec,
        action,
        policies,
        memo: { purpose: 'verifies the audit trail (./throughcare audit verify, on a schedule)' },
      });
      this.logger.log(
        `scheduled audit verification every ${every} minutes (${AUDIT_VERIFICATION_SCHEDULE_ID})`,
      );
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
      await handle.update((previous) => ({ ...previous, spec, action, policies }));
      this.logger.log(
        `audit verification every ${every} minutes (${AUDIT_VERIFICATION_SCHEDULE_ID}, updated)`,
      );
    }
  }

  /**
   * One verification of every chain (verifyAuditStore), on a connection of its own. As an activity
   * it heartbeats every 30 s while it walks, and a cancellation (the run's timeout, a worker
   * shutting down) ends the connection, so the walk stops instead of racing its retry.
   */
  async verify(): Promise<AuditVerificationReport> {
    const activity = activityContext();
    const client = new PgClient({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 30_000,
      // No single statement of the walk should take this long; one that does is a stuck database.
      statement_timeout: 600_000,
    });
    // A connection that drops between two queries (a restart, a failover) is an 'error' event: with
    // no listener pg would throw it out of the process. The query under way rejects, and the attempt
    // is retried.
    client.on('error', (e) =>
      this.logger.warn(`audit verification: the database connection failed (${e.message})`),
    );
    await client.connect();
    const beat = activity && setInterval(() => activity.heartbeat(), 30_000);
    const ended = client.end.bind(client);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await ended().catch(() => undefined);
    };
    void activity?.cancelled.catch(() => close());
    let lines: string[];
    let fails: boolean;
    let checkpointChanged: boolean | undefined;
    try {
      const sql: SqlRunner = async (text, params) =>
        (await client.query(text, params)).rows as Array<Record<string, unknown>>;
      ({ lines, fails, checkpointChanged } = await verifyAuditStore(sql, this.options.seal, {
        allowUnsealed: this.options.allowUnsealed ?? false,
        checkpoint: this.options.checkpointDir ? { dir: this.options.checkpointDir } : undefined,
        onWaiting: (line) => this.logger.log(line),
        // Within the activity's 30 minutes, leaving the walk time of its own.
        lockWaitMs: 10 * 60_000,
      }));
    } catch (e) {
      // Cancelled (the run timed out, the worker is shutting down): said as such, not as a failure.
      if (activity?.cancellationSignal.aborted) throw activity.cancellationSignal.reason;
      if (e instanceof AuditCheckpointError) {
        this.logger.error(`audit trail verification refused: ${e.message}`);
        throw ApplicationFailure.nonRetryable(e.message, 'AUDIT_CHECKPOINT_UNUSABLE');
      }
      throw e;
    } finally {
      if (beat) clearInterval(beat);
      await close();
    }
    if (!this.options.checkpointDir)
      lines.push(
        'audit checkpoint: none kept (AUDIT_CHECKPOINT_DIR unset): records cut off a chain’s end cannot be seen',
      );
    const broken = lines.filter((l) => /BROKEN|NOT SEALED|TRUNCATED|REWRITTEN|^audit store:/.test(l));
    if (checkpointChanged && broken.length === 0) {
      // Someone else wrote the checkpoint meanwhile: retried (the next attempt compares with it).
      this.logger.warn(`audit verification: the checkpoint changed during the run; trying again`);
      throw ApplicationFailure.retryable(
        `the audit checkpoint changed while this run verified: ${lines.find((l) => l.includes('CHANGED'))}`,
        'AUDIT_CHECKPOINT_CHANGED',
      );
    }
    if (fails) {
      this.logger.error(`audit trail verification FAILED:\n${lines.join('\n')}`);
      throw ApplicationFailure.nonRetryable(
        `audit trail verification failed: ${[...broken, ...lines.filter((l) => l.includes('CHANGED'))].join('; ')}`,
        'AUDIT_TRAIL_BROKEN',
        { lines },
      );
    }
    this.logger.log(`audit trail verified: ${lines.join('; ')}`);
    return { lines };
  }
}

/** The activity's context when called as one (the schedule's runs), else undefined (a direct call). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
