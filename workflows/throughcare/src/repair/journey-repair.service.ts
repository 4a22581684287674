import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { DataSource, type EntityManager } from 'typeorm';
import { THROUGHCARE_WORKFLOW_TYPE } from '@throughcare/contracts';
import { PLATFORM_OPTIONS, TEMPORAL_CLIENT, type PlatformOptions } from '@throughcare/platform-http';
import { onCoreNondeterminism, type CoreNondeterminism } from '@throughcare/platform-temporal';
import {
  RepairCursor,
  type ListRepairsQuery,
  type RepairPage,
  type RepairStatus,
} from './journey-repair.schemas';
import { acceptedUpdates, isResetOf, repairPointOf } from './repair-point';

/** At most this many resets of one journey (all its runs): a journey that keeps failing needs a person. */
export const MAX_RESETS_PER_JOURNEY = 3;
/** At most this many resets in an hour across the platform: more is a wave, not the defect. */
export const MAX_RESETS_PER_HOUR = 20;
/** Sweeps of a run the server does not list yet (visibility lags) before it is skipped. */
const MAX_LOOKUPS = 20;
/** Refusals of a re-sent update before the repair is INCOMPLETE (or an hour since the reset). */
const MAX_REFUSALS = 10;
const MAX_VERIFY_MS = 60 * 60_000;
/** Failed sweeps of one row (Temporal or Postgres errors) before it is refused (REPAIR_FAILED). */
const MAX_ERRORS = 20;
/** Every Temporal call of a sweep has this long. */
const CALL_MS = 15_000;

export const JOURNEY_REPAIR_OPTIONS = Symbol('JOURNEY_REPAIR_OPTIONS');
export interface JourneyRepairOptions {
  /** This process's journey worker build (`Worker.options.buildId`); a history another build wrote is a code change. */
  buildId: () => string | undefined;
  /** How often pending repairs are worked (and right after a detection). */
  sweepMs: number;
  /** How long after a reset the new run is first checked for the updates it had to carry. */
  verifyAfterMs: number;
}

/** The update id a re-sent update carries: stable, so a re-send after a rejection is validated afresh. */
export const resentId = (updateId: string) => `${updateId}:repair`;

interface RepairRow {
  run_id: string;
  workflow_id: string | null;
  status: RepairStatus;
  why: string | null;
  refused: string | null;
  failure: string;
  failing_event_id: string | null;
  detected_build: string | null;
  reset_to_event_id: string | null;
  update_ids: string[];
  updates_missing: string[];
  request_id: string;
  new_run_id: string | null;
  attempts: number;
  errors: number;
  reset_at: Date | null;
  detected_at: Date;
  updated_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** One repair at a time across replicas (repairs are rare; the bounds are counted under it). */
const REPAIR_LOCK = 7_300_500;

/**
 * Journeys their own worker cannot replay are reset when the cause is the SDK's update-ordering
 * defect (test/chaos/results/README.md §4; README "Journeys their own worker cannot replay").
 *
 * - Detection: the core logs a failed workflow task (first attempt only) or legacy query for
 *   non-determinism (`installCoreLogWatch`); the run is written down at once (PENDING), and the
 *   sweeper works it until it has an outcome, across restarts and replicas.
 * - The check: the failing event is a command of a task that accepted an update
 *   (`repairPointOf`), completed by the same build as the worker that cannot replay it (another
 *   build is a code change: REFUSED, for a rollback). Bounded per journey and per hour.
 * - The reset: to that task's completion, reapplying the updates accepted since (RESETTING).
 * - The check after: every one of those updates must be accepted by the new run; one it rejected
 *   (its validator ran before the activities it depends on returned) is sent again, with its
 *   update id and payloads as the old run kept them, until it is taken (RESET) or given up
 *   (INCOMPLETE: an operator re-publishes those facts).
 *
 * Every row is listed at GET /journey-repairs. RESET is logged at WARN; REFUSED and INCOMPLETE at
 * ERROR; a failed sweep at WARN (the row is worked again later, REFUSED REPAIR_FAILED after 20).
 */
@Injectable()
export class JourneyRepairService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('JourneyRepair');
  /** Detections not yet written (the database was away): written on the next sweep. */
  private readonly unsaved = new Map<string, CoreNondeterminism & { build: string | undefined }>();
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(PLATFORM_OPTIONS) private readonly platform: PlatformOptions,
    @Inject(JOURNEY_REPAIR_OPTIONS) private readonly options: JourneyRepairOptions,
  ) {
    this.unsubscribe = onCoreNondeterminism((n) => {
      if (!UUID.test(n.runId)) return;
      // The build of the worker that failed it (this process's), kept with the detection.
      this.unsaved.set(n.runId, { ...n, build: this.options.buildId() });
      void this.sweep(); // never rejects: a sweep's failure is logged and retried
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.timer.unref();
    void this.sweep();
  }

  /** Before the journey worker stops (its own beforeApplicationShutdown): no new repair starts. */
  beforeApplicationShutdown(): void {
    this.stopped = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Works the pending repairs now (one sweep at a time; a call during one runs another after it). */
  sweep(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.again = false;
        try {
          await this.sweepOnce();
        } catch (e) {
          this.logger.warn(
            `journey repair sweep failed, tried again in ${this.options.sweepMs} ms: ${String(e)}`,
          );
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    for (const [runId, n] of [...this.unsaved]) {
      // A run skipped before (not listed yet, say) that fails again is worked again.
      await this.dataSource.query(
        `INSERT INTO "throughcare"."journey_repair" (run_id, failure, failing_event_id, detected_build, request_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (run_id) DO UPDATE
           SET status = 'PENDING', why = NULL, attempts = 0, errors = 0, next_at = now(), updated_at = now()
           WHERE "journey_repair".status = 'SKIPPED'`,
        [runId, n.message, n.eventId ?? null, n.build ?? null, randomUUID()],
      );
      this.unsaved.delete(runId);
    }
    const due = (await this.dataSource.query(
      `SELECT run_id FROM "throughcare"."journey_repair"
        WHERE status IN ('PENDING', 'RESETTING') AND next_at <= now() ORDER BY next_at LIMIT 20`,
    )) as Array<{ run_id: string }>;
    for (const { run_id } of due) {
      if (this.stopped) return;
      const outcome = await this.dataSource
        .transaction(async (tx) => {
          await tx.query(`SET LOCAL lock_timeout = '5s'`);
          await tx.query(`SET LOCAL idle_in_transaction_session_timeout = '120s'`);
          // One repair at a time across replicas; another replica's sweep has it: later.
          const [lock] = (await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
            REPAIR_LOCK,
          ])) as Array<{ locked: boolean }>;
          if (!lock?.locked) return 'busy';
          const [row] = (await tx.query(
            `SELECT * FROM "throughcare"."journey_repair"
              WHERE run_id = $1 AND status IN ('PENDING', 'RESETTING') AND next_at <= now() FOR UPDATE`,
            [run_id],
          )) as RepairRow[];
          if (row) await (row.status === 'PENDING' ? this.repair(tx, row) : this.verify(tx, row));
          return 'done';
        })
        .catch(async (e: unknown) => {
          // Temporal or Postgres away, or a call refused: worked again later, refused after MAX_ERRORS.
          this.logger.warn(`journey repair of run ${run_id}: ${String(e)}; tried again later`);
          await this.dataSource
            .query(
              `UPDATE "throughcare"."journey_repair"
                  SET errors = errors + 1, last_error = $2, updated_at = now(),
                      next_at = now() + least(errors + 1, 20) * $3 * interval '1 millisecond',
                      status = CASE WHEN errors + 1 >= $4 AND status = 'PENDING' THEN 'REFUSED' ELSE status END,
                      refused = CASE WHEN errors + 1 >= $4 AND status = 'PENDING' THEN 'REPAIR_FAILED' ELSE refused END
                WHERE run_id = $1`,
              [run_id, String(e).slice(0, 1000), this.options.sweepMs, MAX_ERRORS],
            )
            .catch(() => undefined);
          return 'failed';
        });
      if (outcome === 'busy') return;
    }
  }

  /** A Temporal call with a deadline (a sweep holds a transaction). */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.temporal.connection.withDeadline(Date.now() + CALL_MS, fn);
  }

  private async set(tx: EntityManager, runId: string, fields: Record<string, unknown>): Promise<void> {
    const names = Object.keys(fields);
    await tx.query(
      `UPDATE "throughcare"."journey_repair"
          SET ${names.map((n, i) => `"${n}" = $${i + 2}`).join(', ')}, updated_at = now() WHERE run_id = $1`,
      [runId, ...names.map((n) => fields[n])],
    );
  }

  /** The run was reset to `point`, as `newRunId`: its updates are checked after `verifyAfterMs`. */
  private resetting(
    tx: EntityManager,
    runId: string,
    point: { resetTo: number; updateIds: string[] },
    newRunId: string,
  ): Promise<void> {
    return this.set(tx, runId, {
      status: 'RESETTING',
      new_run_id: newRunId,
      reset_to_event_id: point.resetTo,
      update_ids: point.updateIds,
      reset_at: new Date(),
      attempts: 0,
      next_at: new Date(Date.now() + this.options.verifyAfterMs),
    });
  }

  /** A detected run: checks it is the defect and within the bounds, then resets it. */
  private async repair(tx: EntityManager, row: RepairRow): Promise<void> {
    const namespace = this.platform.temporal.namespace;
    const service = this.temporal.workflowService;
    const later = (fields: Record<string, unknown> = {}) =>
      this.set(tx, row.run_id, { ...fields, next_at: new Date(Date.now() + this.options.sweepMs) });
    const skip = (why: string) => this.set(tx, row.run_id, { status: 'SKIPPED', why });
    const refuse = async (refused: string, why: string, workflowId: string) => {
      await this.set(tx, row.run_id, { status: 'REFUSED', refused, why });
      this.logger.error(
        `journey ${workflowId} (run ${row.run_id}) cannot be replayed by its worker and was not reset (${refused}: ${why}): ${row.failure}. ` +
          'An operator acts: roll back a deploy that changed the workflow, or reset the run in the Temporal UI.',
      );
    };

    const listed = await this.call(() =>
      service.listWorkflowExecutions({ namespace, query: `RunId = '${row.run_id}'`, pageSize: 1 }),
    );
    const info = listed.executions[0];
    const workflowId = info?.execution?.workflowId;
    if (!workflowId) {
      // Visibility can lag behind a new run: looked up again on later sweeps, then skipped (a
      // new detection of the run works it again).
      if (row.attempts + 1 >= MAX_LOOKUPS) return skip('the run is not listed');
      return later({ attempts: row.attempts + 1 });
    }
    await this.set(tx, row.run_id, { workflow_id: workflowId });
    if (info.type?.name !== THROUGHCARE_WORKFLOW_TYPE)
      return skip(`a ${info.type?.name ?? 'workflow of unknown type'}, not a journey`);
    const current = await this.call(() => this.temporal.workflow.getHandle(workflowId).describe());
    if (current.runId !== row.run_id) {
      // Reset already: by a sweep whose transaction did not commit (then the row is checked as
      // ours), or by an operator (nothing for the repair to do).
      const history = await this.call(() =>
        this.temporal.workflow.getHandle(workflowId, current.runId).fetchHistory(),
      );
      if (!isResetOf(history.events ?? [], row.run_id)) return skip('no longer the running run');
      const old = await this.call(() =>
        this.temporal.workflow.getHandle(workflowId, row.run_id).fetchHistory(),
      );
      const point =
        row.failing_event_id === null
          ? undefined
          : repairPointOf(old.events ?? [], Number(row.failing_event_id));
      if (!point || 'refused' in point) return skip(`reset by someone else, to run ${current.runId}`);
      return this.resetting(tx, row.run_id, point, current.runId);
    }
    if (current.status.name !== 'RUNNING') return skip(`the run is ${current.status.name}`);
    if (row.failing_event_id === null)
      return refuse('NO_EVENT_NAMED', 'the failure names no history event', workflowId);

    const history = await this.call(() =>
      this.temporal.workflow.getHandle(workflowId, row.run_id).fetchHistory(),
    );
    const point = repairPointOf(history.events ?? [], Number(row.failing_event_id));
    if ('refused' in point) return refuse(point.refused, point.why, workflowId);
    // The build that failed to replay it: the detecting worker's, else this process's once its
    // worker runs (a sweep at boot may come before it).
    const replaying = row.detected_build ?? this.options.buildId();
    if (!replaying) return later();
    if (point.buildId !== replaying)
      return refuse(
        'CODE_CHANGED',
        `the task was completed by build ${point.buildId ?? '(none recorded)'}, the worker that cannot replay it is ${replaying}: a code change, not the SDK defect`,
        workflowId,
      );
    const [counts] = (await tx.query(
      `SELECT count(*) FILTER (WHERE workflow_id = $1)::int AS journey,
              count(*) FILTER (WHERE reset_at > now() - interval '1 hour')::int AS hour
         FROM "throughcare"."journey_repair" WHERE reset_at IS NOT NULL`,
      [workflowId],
    )) as Array<{ journey: number; hour: number }>;
    const { journey, hour } = counts ?? { journey: 0, hour: 0 };
    if (journey >= MAX_RESETS_PER_JOURNEY)
      return refuse('RESET_TOO_OFTEN', `the journey was reset ${journey} times already`, workflowId);
    if (hour >= MAX_RESETS_PER_HOUR)
      return refuse(
        'TOO_MANY_RESETS',
        `${hour} journeys were reset in the last hour: a wave, not the defect`,
        workflowId,
      );

    const reset = await this.call(() =>
      service.resetWorkflowExecution({
        namespace,
        workflowExecution: { workflowId, runId: row.run_id },
        workflowTaskFinishEventId: Long.fromNumber(point.resetTo),
        reason: `Throughcare journey repair: ${row.failure}`.slice(0, 1000),
        requestId: row.request_id,
        resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
      }),
    );
    await this.resetting(tx, row.run_id, point, reset.runId);
  }

  /**
   * A reset run: every update the old run accepted from the reset point on must be accepted by the
   * new one (or by a run a later reset made of it). One it refused is sent again, with its
   * payloads as the old run kept them; `attempts` counts the refusals.
   */
  private async verify(tx: EntityManager, row: RepairRow): Promise<void> {
    const workflowId = row.workflow_id!;
    let newRunId = row.new_run_id!;
    // The same defect in the new run: another repair resets it; follow the chain.
    const current = await this.call(() => this.temporal.workflow.getHandle(workflowId).describe());
    if (current.runId !== newRunId) {
      const history = await this.call(() =>
        this.temporal.workflow.getHandle(workflowId, current.runId).fetchHistory(),
      );
      if (isResetOf(history.events ?? [], newRunId)) newRunId = current.runId;
    }
    const fresh = await this.call(() =>
      this.temporal.workflow.getHandle(workflowId, newRunId).fetchHistory(),
    );
    const taken = acceptedUpdates(fresh.events ?? []);
    const missing = row.update_ids.filter((id) => !taken.has(id) && !taken.has(resentId(id)));
    if (missing.length === 0) {
      await this.set(tx, row.run_id, { status: 'RESET', updates_missing: [], new_run_id: newRunId });
      this.logger.warn(
        `journey ${workflowId} (run ${row.run_id}) could not be replayed by its worker (${row.failure}); ` +
          `reset to the workflow task completed at event ${row.reset_to_event_id}; the new run ${newRunId} took all ${row.update_ids.length} update(s) it had to carry`,
      );
      return;
    }
    const incomplete = async (why: string) => {
      await this.set(tx, row.run_id, {
        status: 'INCOMPLETE',
        updates_missing: missing,
        why,
        new_run_id: newRunId,
      });
      this.logger.error(
        `journey ${workflowId} was reset (run ${row.run_id} to ${newRunId}) but the new run did not take update(s) ${missing.join(', ')} (${why}): ` +
          'an operator re-publishes those facts (the update id is the bus event id).',
      );
    };
    const status = newRunId === current.runId ? current.status.name : 'RESET AGAIN ELSEWHERE';
    if (status !== 'RUNNING') return incomplete(`the new run is ${status}`);
    if (row.attempts >= MAX_REFUSALS) return incomplete(`refused ${row.attempts} times when sent again`);
    if (row.reset_at && Date.now() - row.reset_at.getTime() > MAX_VERIFY_MS)
      return incomplete('not taken within an hour of the reset');
    let refusals = row.attempts;
    // The first check leaves the new run its first task (it takes the reapplied updates then).
    if (row.updates_missing.length > 0) {
      const old = acceptedUpdates(
        (await this.call(() => this.temporal.workflow.getHandle(workflowId, row.run_id).fetchHistory()))
          .events ?? [],
      );
      for (const updateId of missing) {
        const request = old.get(updateId);
        if (!request) break; // Not kept by the server: left missing (and the rest), for an operator.
        const answer = await this.call(() =>
          this.temporal.workflowService.updateWorkflowExecution({
            namespace: this.platform.temporal.namespace,
            workflowExecution: { workflowId, runId: newRunId },
            // Under an id of its own: the server keeps the reapplied update's id for the one the
            // new run refused. The journey de-duplicates facts on the event id in the payload, so
            // the fact counts once whichever id reaches it.
            request: { ...request, meta: { ...request.meta, updateId: resentId(updateId) } },
            waitPolicy: {
              lifecycleStage:
                temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
                  .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
            },
          }),
        ).catch((e: unknown) => {
          // A timeout or transport error is not a refusal: sent again on a later sweep.
          this.logger.debug(`re-send of update ${updateId} to run ${newRunId}: ${String(e)}`);
          return undefined;
        });
        if (answer?.outcome?.failure) refusals++;
        // Not taken (yet): the rest wait for a later sweep too. The server reapplied the later
        // facts already, so a re-sent one lands after them: order is not kept across a refusal.
        if (!answer?.outcome?.success) break;
      }
    }
    await this.set(tx, row.run_id, {
      attempts: refusals,
      updates_missing: missing,
      new_run_id: newRunId,
      next_at: new Date(Date.now() + this.options.sweepMs),
    });
  }

  /** Repairs, newest first (keyset pages): what operators read at GET /journey-repairs. */
  async list(query: ListRepairsQuery): Promise<RepairPage> {
    const params: unknown[] = [query.limit + 1];
    const where: string[] = [];
    if (query.status) where.push(`status = $${params.push(query.status)}`);
    if (query.cursor)
      where.push(
        `(detected_at, run_id) < ($${params.push(query.cursor.at)}::timestamptz, $${params.push(query.cursor.runId)}::uuid)`,
      );
    const rows = (await this.dataSource.query(
      `SELECT * FROM "throughcare"."journey_repair" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY detected_at DESC, run_id DESC LIMIT $1`,
      params,
    )) as RepairRow[];
    const { items, nextCursor } = RepairCursor.page(rows, query.limit, (r) => ({
      at: r.detected_at.toISOString(),
      runId: r.run_id,
    }));
    return {
      items: items.map((r) => {
        const journey = /^throughcare-(p[0-9a-f]{20})-([0-9]+)$/.exec(r.workflow_id ?? '');
        return {
          runId: r.run_id,
          workflowId: r.workflow_id,
          personId: journey ? journey[1]! : null,
          episode: journey ? Number(journey[2]) : null,
          status: r.status,
          why: r.why,
          refused: r.refused,
          failure: r.failure,
          failingEventId: r.failing_event_id === null ? null : Number(r.failing_event_id),
          resetToEventId: r.reset_to_event_id === null ? null : Number(r.reset_to_event_id),
          updateIds: r.update_ids,
          updatesMissing: r.updates_missing,
          newRunId: r.new_run_id,
          detectedAt: r.detected_at.toISOString(),
          updatedAt: r.updated_at.toISOString(),
        };
      }),
      nextCursor,
    };
  }
}
