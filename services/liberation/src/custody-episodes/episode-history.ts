import { In, type EntityManager } from 'typeorm';
import type { CustodyEpisode } from './custody-episode.entity';
import { GatePickup } from './gate-pickup.entity';
import { ReleaseDateChange } from './release-date-change.entity';

/** Facts recorded against an episode after its reception: changes of plan and gate pick-ups. */
export interface EpisodeHistory {
  /** Oldest first. */
  releaseDateChanges: ReleaseDateChange[];
  /** Oldest first. */
  gatePickups: GatePickup[];
}

export const NO_HISTORY: EpisodeHistory = { releaseDateChanges: [], gatePickups: [] };

/** Derived, never stored: the latest change's date, else the one given at reception. */
export function currentExpectedReleaseDate(e: CustodyEpisode, history: EpisodeHistory): string {
  return history.releaseDateChanges.at(-1)?.expectedReleaseDate ?? e.expectedReleaseDate;
}

/** The histories of one person's episodes, by episode number (two queries whatever the count). */
export async function loadEpisodeHistories(
  manager: EntityManager,
  personId: string,
  episodes: number[],
): Promise<Map<number, EpisodeHistory>> {
  const histories = new Map<number, EpisodeHistory>(
    episodes.map((episode) => [episode, { releaseDateChanges: [], gatePickups: [] }]),
  );
  if (episodes.length === 0) return histories;
  const where = { personId, episode: In(episodes) };
  const [changes, pickups] = await Promise.all([
    manager.find(ReleaseDateChange, { where, order: { episode: 'ASC', changeNumber: 'ASC' } }),
    manager.find(GatePickup, { where, order: { episode: 'ASC', bookedAt: 'ASC', id: 'ASC' } }),
  ]);
  for (const change of changes) histories.get(change.episode)?.releaseDateChanges.push(change);
  for (const pickup of pickups) histories.get(pickup.episode)?.gatePickups.push(pickup);
  return histories;
}

export async function loadEpisodeHistory(manager: EntityManager, e: CustodyEpisode): Promise<EpisodeHistory> {
  return (await loadEpisodeHistories(manager, e.personId, [e.episode])).get(e.episode) ?? NO_HISTORY;
}
