import type { EntityManager } from 'typeorm';
import { ConflictError } from '@throughcare/platform-errors';
import { enqueueEvent, qualifiedTable } from '@throughcare/platform-persistence';
import type { RequestContext } from './request-context';

/**
 * Writes a custody fact's event to the outbox, in the caller's transaction. A fact that arrived
 * as an upstream bus event (`context.fromBus`) gets the same row, under the bus event's id, but
 * written already published: that event is on the bus, and a second copy published later could
 * reach the journey after the facts that followed it. Either way the outbox then holds every
 * custody event id this service has applied, which is how its bus consumer recognises its own
 * events and the ones it has already applied.
 */
export async function enqueueCustodyEvent(
  manager: EntityManager,
  event: { eventId: string },
  context: RequestContext,
): Promise<void> {
  await enqueueEvent(manager, event);
  if (context.fromBus) {
    await manager.query(
      `UPDATE ${qualifiedTable(manager, 'outbox')} SET published_at = now() WHERE id = $1`,
      [event.eventId],
    );
  }
}

/** Whether the outbox holds an event with this id: one this service published, or applied from the bus. */
export async function isInOutbox(manager: EntityManager, eventId: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM ${qualifiedTable(manager, 'outbox')} WHERE id = $1`,
    [eventId],
  );
  return rows.length > 0;
}

/** The episode number a bus event states disagrees with the record's: applying it would split the two. */
export function refuseEpisodeMismatch(context: RequestContext, personId: string, episode: number): void {
  const stated = context.fromBus?.episode;
  if (stated === undefined || stated === episode) return;
  throw new ConflictError(
    `the event names episode ${stated} of person ${personId}, but this fact is episode ${episode} in the custody record`,
    'EPISODE_NUMBER_MISMATCH',
    { details: { field: 'data.episode', personId, episode: stated, recordedEpisode: episode } },
  );
}
