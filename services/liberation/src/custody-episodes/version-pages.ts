import { LessThan, type EntityManager, type EntityTarget, type FindOptionsWhere } from 'typeorm';
import { z } from 'zod';
import { keysetCursor } from '@throughcare/platform-http';

/** The cursor of a list of versions, newest first: the last version of the page. */
export const VersionCursor = keysetCursor(z.object({ version: z.number().int().min(1) }));

/**
 * One page of an episode's versioned records (sentence calculations, gate arrangements), newest
 * first, after `cursor`'s version.
 */
export async function newestVersionsFirst<R extends { version: number }>(
  tx: EntityManager,
  entity: EntityTarget<R>,
  where: FindOptionsWhere<R>,
  query: { limit: number; cursor?: { version: number } | undefined },
): Promise<{ items: R[]; nextCursor: string | null }> {
  const rows = await tx.find(entity, {
    where: {
      ...where,
      ...(query.cursor ? { version: LessThan(query.cursor.version) } : {}),
    } as FindOptionsWhere<R>,
    order: { version: 'DESC' } as never,
    take: query.limit + 1,
  });
  return VersionCursor.page(rows, query.limit, (last) => ({ version: last.version }));
}
