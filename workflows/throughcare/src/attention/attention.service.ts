import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AttentionRaisedV1, AttentionRecord, AttentionResolvedV1 } from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { AttentionItem } from './attention-item.entity';
import {
  AttentionCursor,
  type AttentionPage,
  type AttentionView,
  type ListAttentionQuery,
} from './attention.schemas';

export function toAttentionView(a: AttentionItem): AttentionView {
  return {
    personId: a.personId,
    episode: a.episode,
    itemId: a.itemId,
    action: a.action,
    what: a.what,
    errorType: a.errorType,
    mustAct: a.mustAct,
    since: a.since.toISOString(),
    options: [...a.options],
    status: a.status,
    resolution: a.resolution,
  };
}

/**
 * The operator list of attention items (what journeys could not do and will not retry alone).
 * Each write and its bus event commit together; the journey stays the source of truth.
 */
@Injectable()
export class AttentionService {
  constructor(private readonly dataSource: DataSource) {}

  /** Upserts the item's latest state and publishes raised / resolved. Idempotent on the key. */
  async recordAttention(input: AttentionRecord): Promise<void> {
    const { item } = input;
    await withIdempotency(this.dataSource.manager, `recordAttention:${input.idempotencyKey}`, async (tx) => {
      // One way only: a late retry of the "raised" write never reopens a resolved item. Who must act
      // follows the journey while the item is open (an item addressed again: `reassigned`). A write
      // that changes nothing (the item resolved already, or open as written) publishes nothing.
      // Last writer wins on `must_act`: safe while every item naming a prison is raised and
      // addressed again in the journey's one `throughcare` lane (its writes are serial).
      const written = (await tx.query(
        `INSERT INTO "throughcare"."attention_item"
           (person_id, episode, item_id, action, what, error_type, must_act, since, options, status, resolution)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (person_id, episode, item_id) DO UPDATE
           SET status = EXCLUDED.status, resolution = EXCLUDED.resolution, must_act = EXCLUDED.must_act,
               updated_at = now()
           WHERE "attention_item".status = 'OPEN'
             AND ("attention_item".status, "attention_item".resolution, "attention_item".must_act)
                 IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.resolution, EXCLUDED.must_act)
         RETURNING item_id`,
        [
          input.personId,
          input.episode,
          item.id,
          item.action,
          item.what,
          item.errorType ?? null,
          item.mustAct,
          new Date(item.since),
          [...item.options],
          item.status,
          item.resolution ? JSON.stringify(item.resolution) : null,
        ],
      )) as unknown[];
      if (written.length === 0) return null;
      const data = {
        episode: input.episode,
        itemId: item.id,
        action: item.action,
        what: item.what,
        errorType: item.errorType,
        mustAct: item.mustAct,
        since: item.since,
        options: [...item.options],
        ...(item.reassigned ? { reassigned: { ...item.reassigned } } : {}),
      };
      const envelope = {
        version: 1 as const,
        eventId: randomUUID(),
        correlationId: input.correlationId,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID' as const, value: input.personId }] },
      };
      const event: AttentionRaisedV1 | AttentionResolvedV1 = item.resolution
        ? {
            ...envelope,
            eventType: 'throughcare.attention.resolved',
            occurredAt: item.resolution.at,
            data: {
              ...data,
              option: item.resolution.option,
              resolvedBy: item.resolution.by,
              reason: item.resolution.reason,
              resolvedAt: item.resolution.at,
            },
          }
        : {
            ...envelope,
            eventType: 'throughcare.attention.raised',
            // Addressed again: published again, with the new `mustAct`, at the instant it moved.
            occurredAt: item.reassigned?.at ?? item.since,
            data,
          };
      await enqueueEvent(tx, event);
      return null;
    });
  }

  /** Open items by who must act, oldest first: the operators' queue at a glance. */
  async openSummary(): Promise<{ mustAct: string; open: number; oldestSince: string }[]> {
    const rows: { must_act: string; open: string; oldest: Date }[] = await this.dataSource.query(
      `SELECT must_act, count(*) AS open, min(since) AS oldest
         FROM "throughcare"."attention_item" WHERE status = 'OPEN'
        GROUP BY must_act ORDER BY min(since)`,
    );
    return rows.map((r) => ({
      mustAct: r.must_act,
      open: Number(r.open),
      oldestSince: r.oldest.toISOString(),
    }));
  }

  /** Items by status (open by default), oldest first: the operator's work queue, keyset-paginated. */
  async list(query: ListAttentionQuery): Promise<AttentionPage> {
    const qb = this.dataSource
      .getRepository(AttentionItem)
      .createQueryBuilder('a')
      .where('a.status = :status', { status: query.status });
    if (query.personId) qb.andWhere('a.person_id = :personId', { personId: query.personId });
    if (query.cursor) {
      const c = query.cursor;
      qb.andWhere('(a.since, a.person_id, a.episode, a.item_id) > (:since, :personId, :episode, :itemId)', {
        since: c.since,
        personId: c.personId,
        episode: c.episode,
        itemId: c.itemId,
      });
    }
    const rows = await qb
      .orderBy('a.since', 'ASC')
      .addOrderBy('a.person_id', 'ASC')
      .addOrderBy('a.episode', 'ASC')
      .addOrderBy('a.item_id', 'ASC')
      .limit(query.limit + 1)
      .getMany();
    const { items, nextCursor } = AttentionCursor.page(rows, query.limit, (last) => ({
      since: last.since.toISOString(),
      personId: last.personId,
      episode: last.episode,
      itemId: last.itemId,
    }));
    return { items: items.map(toAttentionView), nextCursor };
  }
}
