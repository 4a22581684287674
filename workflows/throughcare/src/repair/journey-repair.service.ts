import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { DataSource } from 'typeorm';
import { THROUGHCARE_WORKFLOW_TYPE } from '@throughcare/contracts';
import { PLATFORM_OPTIONS, TEMPORAL_CLIENT, type PlatformOptions } from '@throughcare/platform-http';
import { onCoreNondeterminism, type CoreNondeterminism } from '@throughcare/platform-temporal';
import { RepairCursor, type ListRepairsQuery, type RepairPage } from './journey-repair.schemas';
import { repairPointOf } from './repair-point';

/** At most this many resets of one journey (all its runs): a journey that keeps failing needs a person. */
export const MAX_RESETS_PER_JOURNEY = 3;
/** At most this many resets in an hour across the platform: more is a wave (a deploy), not the defect. */
export const MAX_RESETS_PER_HOUR = 20;

export type RepairOutcome =
  | { outcome: 'RESET'; workflowId: string; resetTo: number; newRunId: string }
  | { outcome: 'REFUSED'; workflowId: string; refused: string; why: string }
  /** Nothing to do: not found, no longer the current run, already handled (by this or another replica). */
  | { outcome: 'SKIPPED'; why: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Journeys their own worker cannot replay are reset, when the cause is the SDK's update-ordering
 * defect (test/chaos/results/README.md §4): the core's log of a failed workflow task or legacy
 * query (`installCoreLogWatch`) names the run and the event; `repairPointOf` checks the failure is
 * that defect and finds the task to run again; the reset reapplies the task's updates, and the
 * journey's activities are idempotent on keys of the workflow id, not the run, so the effects it
 * runs again are not duplicated. Every attempt is a row of `journey_repair` (GET /journey-repairs)
 * and a log line: RESET at WARN, REFUSED at ERROR (an operator acts: roll back a deploy, or reset
 * by hand). Bounded per journey and per hour, so a wave of non-determinism (new code) is refused.
 */
@Injectable()
export class JourneyRepairService implements OnModuleDestroy {
  private readonly logger = new Logger('JourneyRepair');
  /** Runs handled by this process (core logs the failure again on every retry of the task). */
  private readonly seen = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(PLATFORM_OPTIONS) private readonly platform: PlatformOptions,
  ) {
    this.unsubscribe = onCoreNondeterminism((n) => this.notice(n));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The repairs queued so far, settled (for tests and shutdown). */
  async settled(): Promise<void> {
    await this.queue;
  }

  private notice(n: CoreNondeterminism): void {
    if (this.seen.has(n.runId)) return;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.add(n.runId);
    this.queue = this.queue.then(() =>
      this.repair(n).catch((e: unknown) => {
        // Transient (Temporal or Postgres down): the next failure of the task logs it again.
        this.seen.delete(n.runId);
        this.logger.warn(`repair of run ${n.runId} failed, retried on its next failure: ${String(e)}`);
      }),
    );
  }

  /** Repairs one run that failed for non-determinism, if it is the defect and within the bounds. */
  async repair(n: CoreNondeterminism): Promise<RepairOutcome> {
    if (!UUID.test(n.runId)) return { outcome: 'SKIPPED', why: `not a run id: ${n.runId}` };
    const namespace = this.platform.temporal.namespace;
    const service = this.temporal.workflowService;
    const listed = await service.listWorkflowExecutions({
      namespace,
      query: `RunId = '${n.runId}'`,
      pageSize: 1,
    });
    const info = listed.executions[0];
    const workflowId = info?.execution?.workflowId;
    if (!workflowId) return { outcome: 'SKIPPED', why: `run ${n.runId} is not listed` };
    if (info.type?.name !== THROUGHCARE_WORKFLOW_TYPE)
      return {
        outcome: 'SKIPPED',
        why: `run ${n.runId} is a ${info.type?.name ?? 'unknown'}, not a journey`,
      };
    const current = await this.temporal.workflow.getHandle(workflowId).describe();
    if (current.runId !== n.runId || current.status.name !== 'RUNNING')
      return { outcome: 'SKIPPED', why: `run ${n.runId} of ${workflowId} is no longer the running one` };

    const requestId = await this.claim(workflowId, n);
    if (!requestId) return { outcome: 'SKIPPED', why: `run ${n.runId} is already handled` };
    const refuse = async (refused: string, why: string): Promise<RepairOutcome> => {
      await this.dataSource.query(
        `UPDATE "throughcare"."journey_repair" SET outcome = 'REFUSED', refused = $2, at = now() WHERE run_id = $1`,
        [n.runId, refused],
      );
      this.logger.error(
        `journey ${workflowId} (run ${n.runId}) cannot be replayed by its worker and was not reset (${refused}: ${why}): ${n.message}. ` +
          'An operator acts: roll back a deploy that changed the workflow, or reset the run in the Temporal UI.',
      );
      return { outcome: 'REFUSED', workflowId, refused, why };
    };
    if (n.eventId === undefined) return refuse('NO_EVENT_NAMED', 'the failure names no history event');
    const history = await this.temporal.workflow.getHandle(workflowId, n.runId).fetchHistory();
    const point = repairPointOf(history.events ?? [], n.eventId);
    if ('refused' in point) return refuse(point.refused, point.why);
    const [counts] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE workflow_id = $1)::int AS journey,
              count(*) FILTER (WHERE at > now() - interval '1 hour')::int AS hour
         FROM "throughcare"."journey_repair" WHERE outcome = 'RESET'`,
      [workflowId],
    )) as Array<{ journey: number; hour: number }>;
    const { journey, hour } = counts ?? { journey: 0, hour: 0 };
    if (journey >= MAX_RESETS_PER_JOURNEY)
      return refuse('RESET_TOO_OFTEN', `the journey was reset ${journey} times already`);
    if (hour >= MAX_RESETS_PER_HOUR)
      return refuse(
        'TOO_MANY_RESETS',
        `${hour} journeys were reset in the last hour: a wave, not the defect`,
      );

    const reset = await service.resetWorkflowExecution({
      namespace,
      workflowExecution: { workflowId, runId: n.runId },
      workflowTaskFinishEventId: Long.fromNumber(point.resetTo),
      reason: `Throughcare journey repair: ${n.message}`.slice(0, 1000),
      requestId,
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
    });
    await this.dataSource.query(
      `UPDATE "throughcare"."journey_repair"
          SET outcome = 'RESET', reset_to_event_id = $2, update_ids = $3, new_run_id = $4, at = now()
        WHERE run_id = $1`,
      [n.runId, point.resetTo, point.updateIds, reset.runId],
    );
    this.logger.warn(
      `journey ${workflowId} (run ${n.runId}) could not be replayed by its worker (${n.message}); ` +
        `reset to the workflow task completed at event ${point.resetTo}, reapplying ${point.updateIds.length} update(s): new run ${reset.runId}`,
    );
    return { outcome: 'RESET', workflowId, resetTo: point.resetTo, newRunId: reset.runId };
  }

  /** Repairs, newest first (keyset pages): what operators read at GET /journey-repairs. */
  async list(query: ListRepairsQuery): Promise<RepairPage> {
    const params: unknown[] = [query.limit + 1];
    const where: string[] = [];
    if (query.outcome) where.push(`outcome = $${params.push(query.outcome)}`);
    if (query.cursor)
      where.push(
        `(date_trunc('milliseconds', at), run_id) < ($${params.push(query.cursor.at)}::timestamptz, $${params.push(query.cursor.runId)}::uuid)`,
      );
    const rows = (await this.dataSource.query(
      `SELECT run_id, workflow_id, outcome, refused, failure, failing_event_id, reset_to_event_id,
              update_ids, new_run_id, date_trunc('milliseconds', at) AS at
         FROM "throughcare"."journey_repair" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY date_trunc('milliseconds', at) DESC, run_id DESC LIMIT $1`,
      params,
    )) as RepairRow[];
    const { items, nextCursor } = RepairCursor.page(rows, query.limit, (r) => ({
      at: r.at.toISOString(),
      runId: r.run_id,
    }));
    return {
      items: items.map((r) => {
        const journey = /^throughcare-(p[0-9a-f]{20})-([0-9]+)$/.exec(r.workflow_id);
        return {
          workflowId: r.workflow_id,
          personId: journey ? journey[1]! : null,
          episode: journey ? Number(journey[2]) : null,
          runId: r.run_id,
          outcome: r.outcome,
          refused: r.refused,
          failure: r.failure,
          failingEventId: r.failing_event_id === null ? null : Number(r.failing_event_id),
          resetToEventId: r.reset_to_event_id === null ? null : Number(r.reset_to_event_id),
          updateIds: r.update_ids,
          newRunId: r.new_run_id,
          at: r.at.toISOString(),
        };
      }),
      nextCursor,
    };
  }

  /**
   * One replica repairs a run: the row's insert claims it. A claim left by a replica that died
   * before finishing is taken over after two minutes, with its request id (the reset is idempotent
   * on it). Answers the request id, or undefined when the run is handled or being handled.
   */
  private async claim(workflowId: string, n: CoreNondeterminism): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO "throughcare"."journey_repair" (run_id, workflow_id, outcome, failure, failing_event_id, request_id)
       VALUES ($1, $2, 'CLAIMED', $3, $4, $5)
       ON CONFLICT (run_id) DO UPDATE SET claimed_at = now()
         WHERE "journey_repair".outcome = 'CLAIMED' AND "journey_repair".claimed_at < now() - interval '2 minutes'
       RETURNING request_id`,
      [n.runId, workflowId, n.message, n.eventId ?? null, randomUUID()],
    )) as Array<{ request_id: string }>;
    return rows[0]?.request_id;
  }
}

interface RepairRow {
  run_id: string;
  workflow_id: string;
  outcome: 'CLAIMED' | 'RESET' | 'REFUSED';
  refused: string | null;
  failure: string;
  failing_event_id: string | null;
  reset_to_event_id: string | null;
  update_ids: string[];
  new_run_id: string | null;
  at: Date;
}
