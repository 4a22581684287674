import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CaseClosedV1,
  ClocksReport,
  ClocksReportedV1,
  SlaBreachedV1,
  SlaBreachRecord,
  ThroughcareActivities,
} from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { CaseClosure } from './case-closure.entity';
import { SlaBreach } from './sla-breach.entity';
import { BreachCursor, type BreachPage, type BreachView } from './sla.schemas';

export type { BreachView } from './sla.schemas';

const personReferenceOf = (personId: string) => ({
  identifiers: [{ type: 'THROUGHCARE_ID' as const, value: personId }],
});

export function toBreachView(b: SlaBreach): BreachView {
  return {
    id: b.id,
    personId: b.personId,
    episode: b.episode,
    clock: b.clock,
    owedBy: b.owedBy,
    owedTo: b.owedTo,
    dueAt: b.dueAt.toISOString(),
    breachedAt: b.breachedAt.toISOString(),
    metAt: b.metAt?.toISOString() ?? null,
    latenessMinutes: b.metAt ? Math.round((b.metAt.getTime() - b.dueAt.getTime()) / 60_000) : null,
    status: b.metAt ? 'MET_LATE' : 'OPEN',
    note: b.note,
  };
}

/** SLA breaches and case closures: the record managers review. Each write and its event commit together. */
@Injectable()
export class SlaService
  implements Omit<ThroughcareActivities, 'openNextEpisode' | 'resumeEpisode' | 'recordAttention'>
{
  constructor(private readonly dataSource: DataSource) {}

  recordSlaBreach(input: SlaBreachRecord): Promise<{ breachId: string }> {
    return withIdempotency(this.dataSource.manager, `recordSlaBreach:${input.idempotencyKey}`, async (tx) => {
      const breach = tx.getRepository(SlaBreach).create({
        id: randomUUID(),
        breachKey: input.idempotencyKey,
        personId: input.personId,
        episode: input.episode,
        clock: input.clock,
        owedBy: input.owedBy,
        owedTo: input.owedTo,
        dueAt: new Date(input.dueAt),
        breachedAt: new Date(input.breachedAt),
        metAt: null,
        note: input.note ?? null,
        correlationId: input.correlationId,
      });
      await tx.getRepository(SlaBreach).insert(breach);
      const event: SlaBreachedV1 = {
        eventType: 'throughcare.sla.breached',
        version: 1,
        eventId: randomUUID(),
        occurredAt: input.breachedAt,
        correlationId: input.correlationId,
        personReference: personReferenceOf(input.personId),
        data: {
          breachId: breach.id,
          episode: input.episode,
          clock: input.clock,
          owedBy: input.owedBy,
          owedTo: input.owedTo,
          dueAt: input.dueAt,
          breachedAt: input.breachedAt,
        },
      };
      await enqueueEvent(tx, event);
      return { breachId: breach.id };
    });
  }

  async recordBreachMet(input: { idempotencyKey: string; metAt: string }): Promise<void> {
    // Idempotent by nature: only the first metAt sticks.
    await this.dataSource
      .getRepository(SlaBreach)
      .createQueryBuilder()
      .update()
      .set({ metAt: new Date(input.metAt) })
      .where('breach_key = :key AND met_at IS NULL', { key: input.idempotencyKey })
      .execute();
  }

  /**
   * Publishes the journey's clocks for the SLA ledger (sla-ledger-1). Only an event: the ledger is
   * a read model built from the bus (../oversight), so it can be rebuilt by replaying the stream.
   */
  async reportClocks(input: ClocksReport): Promise<void> {
    await withIdempotency(this.dataSource.manager, `reportClocks:${input.idempotencyKey}`, async (tx) => {
      const event: ClocksReportedV1 = {
        eventType: 'throughcare.sla.clocks-reported',
        version: 1,
        eventId: randomUUID(),
        occurredAt: input.reportedAt,
        correlationId: input.correlationId,
        personReference: personReferenceOf(input.personId),
        data: {
          episode: input.episode,
          journey: input.journey,
          seq: input.seq,
          reportedAt: input.reportedAt,
          jurisdiction: input.jurisdiction,
          establishmentCode: input.establishmentCode,
          localAuthority: input.localAuthority,
          policy: input.policy,
          clocks: input.clocks,
          ...(input.closedAt !== undefined ? { closedAt: input.closedAt } : {}),
        },
      };
      await enqueueEvent(tx, event);
      return null;
    });
  }

  async recordCaseClosed(input: {
    idempotencyKey: string;
    personId: string;
    episode: number;
    closedAt: string;
    reason: string;
    correlationId: string;
  }): Promise<void> {
    await withIdempotency(this.dataSource.manager, `recordCaseClosed:${input.idempotencyKey}`, async (tx) => {
      // One row per episode, its latest closure: a journey started again after the return to
      // custody that closed it was reversed (return-reversal-1) closes the episode again, under a
      // key of its own (its idempotency keys have a base of their own).
      await tx.getRepository(CaseClosure).upsert(
        {
          personId: input.personId,
          episode: input.episode,
          closedAt: new Date(input.closedAt),
          reason: input.reason,
        },
        ['personId', 'episode'],
      );
      const event: CaseClosedV1 = {
        eventType: 'throughcare.case.closed',
        version: 1,
        eventId: randomUUID(),
        occurredAt: input.closedAt,
        correlationId: input.correlationId,
        personReference: personReferenceOf(input.personId),
        data: { episode: input.episode, closedAt: input.closedAt, reason: input.reason },
      };
      await enqueueEvent(tx, event);
      return null;
    });
  }

  /**
   * The episode is open again (review of stop 39, N6): its journey was started again after the
   * return to custody that closed it was reversed (return-reversal-1), so its closure by that
   * return (RECALLED, NEW_SENTENCE) is removed; the run started again records its own when it
   * closes. Any other closure is kept (none is made by a return). Idempotent. No event: nothing
   * consumes `throughcare.case.closed` (README, _Returns to custody reversed_).
   */
  async recordCaseReopened(input: { personId: string; episode: number; closedAt: string }): Promise<void> {
    await this.dataSource
      .getRepository(CaseClosure)
      .createQueryBuilder()
      .delete()
      .where(
        'person_id = :personId AND episode = :episode AND reason IN (:...reasons) AND closed_at = :closedAt',
        {
          personId: input.personId,
          episode: input.episode,
          reasons: ['RECALLED', 'NEW_SENTENCE'],
          closedAt: new Date(input.closedAt),
        },
      )
      .execute();
  }

  /** Newest breaches first, keyset-paginated on (breached_at, id). */
  async list(query: {
    status?: 'OPEN' | 'MET_LATE';
    clock?: string;
    personId?: string;
    limit: number;
    cursor?: { breachedAt: string; id: string };
  }): Promise<BreachPage> {
    const qb = this.dataSource.getRepository(SlaBreach).createQueryBuilder('b');
    if (query.status === 'OPEN') qb.andWhere('b.met_at IS NULL');
    if (query.status === 'MET_LATE') qb.andWhere('b.met_at IS NOT NULL');
    if (query.clock) qb.andWhere('b.clock = :clock', { clock: query.clock });
    if (query.personId) qb.andWhere('b.person_id = :personId', { personId: query.personId });
    if (query.cursor) {
      qb.andWhere('(b.breached_at, b.id) < (:at, :id)', { at: query.cursor.breachedAt, id: query.cursor.id });
    }
    const rows = await qb
      .orderBy('b.breached_at', 'DESC')
      .addOrderBy('b.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const { items, nextCursor } = BreachCursor.page(rows, query.limit, (last) => ({
      breachedAt: last.breachedAt.toISOString(),
      id: last.id,
    }));
    return { items: items.map(toBreachView), nextCursor };
  }

  /** Counts per clock: how many breached, how many still open, mean lateness of those met late. */
  async summary(): Promise<
    { clock: string; breached: number; open: number; metLate: number; meanLatenessMinutes: number | null }[]
  > {
    const rows: {
      clock: string;
      breached: string;
      open: string;
      met_late: string;
      mean_lateness: string | null;
    }[] = await this.dataSource.query(`
        SELECT clock,
               count(*) AS breached,
               count(*) FILTER (WHERE met_at IS NULL) AS open,
               count(*) FILTER (WHERE met_at IS NOT NULL) AS met_late,
               round(avg(extract(epoch FROM met_at - due_at) / 60) FILTER (WHERE met_at IS NOT NULL)) AS mean_lateness
        FROM "throughcare"."sla_breach" GROUP BY clock ORDER BY clock`);
    return rows.map((r) => ({
      clock: r.clock,
      breached: Number(r.breached),
      open: Number(r.open),
      metLate: Number(r.met_late),
      meanLatenessMinutes: r.mean_lateness === null ? null : Number(r.mean_lateness),
    }));
  }
}
