import type { EntityManager } from 'typeorm';
import { PendingReception } from './pending-reception.entity';

/**
 * A reception recorded for the person at the establishment completes the pending receptions it
 * answers (in the reception's transaction): however staff recorded it, it is no longer to do.
 */
export async function completePendingReceptions(
  manager: EntityManager,
  personId: string,
  establishmentCode: string,
  episode: number,
  actor: string,
): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(PendingReception)
    .set({ status: 'COMPLETED', episode, resolvedBy: actor, resolvedAt: () => 'now()' })
    .where("person_id = :personId AND establishment_code = :establishmentCode AND status = 'PENDING'", {
      personId,
      establishmentCode,
    })
    .execute();
}
