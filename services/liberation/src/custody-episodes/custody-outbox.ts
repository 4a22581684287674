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

/**
 * A return to custody from the bus: the episode it follows, as the event states it
 * (`data.previousEpisode`; unstated, the one numbered before it, as the orchestrator's bridge then
 * reads it), must be the one the record says it follows (`follows`, the latest episode that stands):
 * else the bridge would tell another journey of the return than the record's (after a void episode,
 * one that never was), and the released episode's journey would never hear of it.
 */
export function refusePreviousEpisodeMismatch(
  context: RequestContext,
  personId: string,
  follows: number,
): void {
  const bus = context.fromBus;
  if (!bus) return;
  const stated = bus.previousEpisode ?? bus.episode - 1;
  if (stated === follows) return;
  throw new ConflictError(
    bus.previousEpisode === undefined
      ? `the event names no previousEpisode, so episode ${bus.episode} of person ${personId} would follow episode ${stated}, but it follows episode ${follows} in the custody record (the episodes between were received in error): publish the return to custody with previousEpisode ${follows}`
      : `the event says episode ${bus.episode} of person ${personId} follows episode ${stated}, but it follows episode ${follows} in the custody record`,
    'PREVIOUS_EPISODE_MISMATCH',
    {
      details: {
        field: 'data.previousEpisode',
        personId,
        episode: bus.episode,
        previousEpisode: stated,
        recordedPreviousEpisode: follows,
      },
    },
  );
}
