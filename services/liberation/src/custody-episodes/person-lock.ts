import type { EntityManager } from 'typeorm';

/**
 * Serialises every custody change of one person until the transaction ends, so concurrent
 * receptions cannot both open an episode or take the same episode number. The unique indexes
 * stay as the backstop.
 */
export async function lockPerson(manager: EntityManager, personId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `liberation:person:${personId}`,
  ]);
}
