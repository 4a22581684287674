import type { EntityManager } from 'typeorm';
import { qualifiedTable } from './qualified-table';

/**
 * Runs `fn` once per `key`: a retry with the same key returns the first run's (JSON) result
 * without repeating the side effect. The key row, the side effect and any outbox rows commit
 * in one transaction; a concurrent run with the same key waits on the key's row lock and then
 * sees the committed result. Call it with a transactional manager, or it opens a transaction.
 */
export async function withIdempotency<T>(
  manager: EntityManager,
  key: string,
  fn: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (!manager.queryRunner?.isTransactionActive) {
    return manager.transaction((tx) => withIdempotency(tx, key, fn));
  }
  const table = qualifiedTable(manager, 'idempotency_key');
  const claimed: unknown[] = await manager.query(
    `INSERT INTO ${table} (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [key],
  );
  if (claimed.length === 0) {
    const rows: Array<{ result: T }> = await manager.query(`SELECT result FROM ${table} WHERE key = $1`, [
      key,
    ]);
    return rows[0]!.result;
  }
  const result = await fn(manager);
  await manager.query(`UPDATE ${table} SET result = $2 WHERE key = $1`, [
    key,
    JSON.stringify(result ?? null),
  ]);
  return result;
}

/** Whether `key` was taken by `withIdempotency` (its side effect is on record). */
export async function idempotencyKeyTaken(manager: EntityManager, key: string): Promise<boolean> {
  const rows = (await manager.query(
    `SELECT 1 FROM ${qualifiedTable(manager, 'idempotency_key')} WHERE key = $1`,
    [key],
  )) as unknown[];
  return rows.length > 0;
}
