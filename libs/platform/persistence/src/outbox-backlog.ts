import type { DataSource } from 'typeorm';
import { qualifiedTable } from './qualified-table';

export interface OutboxBacklog {
  /** Rows not yet published (waiting for the relay, or for their retry after a failed publish). */
  unpublished: number;
  /** Seconds since the oldest of them was written; 0 when there is none. */
  oldestAgeSeconds: number;
}

/**
 * The service's outbox backlog in one statement on the partial index of unpublished rows
 * (`outbox_unpublished_idx`, WHERE published_at IS NULL), so it costs what the backlog is, not
 * what the table holds. Names nothing but counts.
 */
export async function outboxBacklog(dataSource: DataSource): Promise<OutboxBacklog> {
  const table = qualifiedTable(dataSource.manager, 'outbox');
  const [row] = (await dataSource.query(
    `SELECT count(*)::int AS unpublished,
            coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
       FROM ${table} WHERE published_at IS NULL`,
  )) as { unpublished: number; oldest: number }[];
  return { unpublished: row?.unpublished ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest ?? 0) };
}
