import { In, IsNull, type EntityManager } from 'typeorm';
import type { DomainError } from '@throughcare/platform-errors';
import { CustodyEpisode } from './custody-episode.entity';
import { CustodyRecordConflictError, EpisodeNotFoundError } from './custody-episode.errors';
import { GatePickup } from './gate-pickup.entity';
import { Meeting } from './meeting.entity';
import { Movement, stands } from './movement.entity';
import { covers, type EstablishmentScope } from './prison-scope';
import type { CalculatedReleaseDate, RecordedReleaseDate } from './episode-release-date';
import { RecordedSentenceDates } from './recorded-dates.entity';
import { ReleaseDateChange } from './release-date-change.entity';
import { SentenceCalculationRecord } from './sentence-calculation.entity';

/** Facts recorded against an episode after it began: changes of plan, bookings and movements. */
export interface EpisodeHistory {
  /** Oldest first. */
  releaseDateChanges: ReleaseDateChange[];
  /** Oldest first. */
  gatePickups: GatePickup[];
  /** By meeting date, then booking time. */
  meetings: Meeting[];
  /** Releases and transfers by when they happened, reversed ones included. */
  movements: Movement[];
  /** The latest sentence calculation's release date (CRD/ARD); null: none recorded, or it gave none. */
  calculatedReleaseDate: CalculatedReleaseDate | null;
  /**
   * The latest recorded official dates' version and release date (PRRD/CRD/ARD; null: they give
   * none); null when no dates are recorded.
   */
  recorded: { version: number; releaseDate: RecordedReleaseDate | null } | null;
}

const emptyHistory = (): EpisodeHistory => ({
  releaseDateChanges: [],
  gatePickups: [],
  meetings: [],
  movements: [],
  calculatedReleaseDate: null,
  recorded: null,
});

export const NO_HISTORY: EpisodeHistory = Object.freeze(emptyHistory());

/** Derived, never stored: the latest change's date, else the one given at reception (none: from court). */
export function currentExpectedReleaseDate(e: CustodyEpisode, history: EpisodeHistory): string | null {
  return history.releaseDateChanges.at(-1)?.expectedReleaseDate ?? e.expectedReleaseDate;
}

/** Standing transfers, oldest first. */
export function standingTransfers(history: Pick<EpisodeHistory, 'movements'>): Movement[] {
  return history.movements.filter((m) => m.movement === 'TRANSFER' && stands(m));
}

/** Derived, never stored: the latest standing transfer's destination, else where the episode began. */
export function currentEstablishment(e: CustodyEpisode, history: Pick<EpisodeHistory, 'movements'>): string {
  return standingTransfers(history).at(-1)?.toEstablishmentCode ?? e.establishmentCode;
}

/**
 * Derived, never stored: the establishment whose staff see the episode. Where the person is held
 * now; for a released episode, where they were released from (a court liberation: the court's
 * establishment). A prison a person was transferred away from no longer sees the episode.
 */
export function whereHeld(e: CustodyEpisode, history: Pick<EpisodeHistory, 'movements'>): string {
  return e.releasedAt !== null && e.releaseEstablishmentCode !== null
    ? e.releaseEstablishmentCode
    : currentEstablishment(e, history);
}

/**
 * Whether the episode is within the caller's scope (see `whereHeld`). Reads the episode's
 * movements when it needs them and they are not given; never for an unrestricted scope.
 */
export async function isWithin(
  manager: EntityManager,
  e: CustodyEpisode,
  scope: EstablishmentScope,
  movements?: Movement[],
): Promise<boolean> {
  if (scope === 'unrestricted') return true;
  if (e.releasedAt !== null && e.releaseEstablishmentCode !== null)
    return covers(scope, e.releaseEstablishmentCode);
  return covers(
    scope,
    whereHeld(e, { movements: movements ?? (await loadMovements(manager, e.personId, e.episode)) }),
  );
}

/**
 * What to answer for a request refused because of episode `e` (an open episode in the way, an
 * earlier release, a different reception at that instant…): `detailed()`, which may name the
 * episode, its number, dates and establishments, when the episode is within the caller's scope
 * (always, for the bus); else CUSTODY_RECORD_CONFLICT, which says nothing of it. A business
 * error about an episode held elsewhere would otherwise tell a caller what a read of that
 * episode answers as unknown: that the person was in custody, where, when, and how often.
 */
export async function refusalOver(
  manager: EntityManager,
  e: CustodyEpisode,
  scope: EstablishmentScope,
  detailed: () => DomainError,
): Promise<DomainError> {
  return (await isWithin(manager, e, scope)) ? detailed() : new CustodyRecordConflictError();
}

/** The movements of one episode, in the order they happened. */
export async function loadMovements(
  manager: EntityManager,
  personId: string,
  episode: number,
): Promise<Movement[]> {
  return manager.find(Movement, {
    where: { personId, episode },
    order: { occurredAt: 'ASC', recordedAt: 'ASC', eventId: 'ASC' },
  });
}

/** The histories of one person's episodes, by episode number (six queries whatever the count). */
export async function loadEpisodeHistories(
  manager: EntityManager,
  personId: string,
  episodes: number[],
): Promise<Map<number, EpisodeHistory>> {
  const histories = new Map<number, EpisodeHistory>(episodes.map((episode) => [episode, emptyHistory()]));
  if (episodes.length === 0) return histories;
  const where = { personId, episode: In(episodes) };
  const [changes, pickups, meetings, movements, calculations, recordings] = await Promise.all([
    manager.find(ReleaseDateChange, { where, order: { episode: 'ASC', changeNumber: 'ASC' } }),
    manager.find(GatePickup, { where, order: { episode: 'ASC', bookedAt: 'ASC', id: 'ASC' } }),
    manager.find(Meeting, { where, order: { episode: 'ASC', date: 'ASC', bookedAt: 'ASC', id: 'ASC' } }),
    manager.find(Movement, {
      where,
      order: { episode: 'ASC', occurredAt: 'ASC', recordedAt: 'ASC', eventId: 'ASC' },
    }),
    // Every version's release date only (a handful an episode), oldest first: the last one counts.
    manager.find(SentenceCalculationRecord, {
      where,
      select: { episode: true, version: true, releaseDateType: true, releaseDate: true },
      order: { episode: 'ASC', version: 'ASC' },
    }),
    // Likewise the recorded official dates: the last version counts.
    manager.find(RecordedSentenceDates, {
      where,
      select: { episode: true, version: true, releaseDateType: true, releaseDate: true },
      order: { episode: 'ASC', version: 'ASC' },
    }),
  ]);
  for (const change of changes) histories.get(change.episode)?.releaseDateChanges.push(change);
  for (const pickup of pickups) histories.get(pickup.episode)?.gatePickups.push(pickup);
  for (const meeting of meetings) histories.get(meeting.episode)?.meetings.push(meeting);
  for (const movement of movements) histories.get(movement.episode)?.movements.push(movement);
  for (const c of calculations) {
    const history = histories.get(c.episode);
    if (history)
      history.calculatedReleaseDate =
        c.releaseDateType !== null && c.releaseDate !== null
          ? { type: c.releaseDateType, date: c.releaseDate }
          : null;
  }
  for (const r of recordings) {
    const history = histories.get(r.episode);
    if (history)
      history.recorded = {
        version: r.version,
        releaseDate:
          r.releaseDateType !== null && r.releaseDate !== null
            ? { type: r.releaseDateType, date: r.releaseDate }
            : null,
      };
  }
  return histories;
}

export async function loadEpisodeHistory(manager: EntityManager, e: CustodyEpisode): Promise<EpisodeHistory> {
  return (await loadEpisodeHistories(manager, e.personId, [e.episode])).get(e.episode) ?? NO_HISTORY;
}

/** The episode, if the caller's scope covers it; else EPISODE_NOT_FOUND (as if there were none). */
export async function episodeWithin(
  tx: EntityManager,
  personId: string,
  episodeNumber: number,
  scope: EstablishmentScope,
): Promise<CustodyEpisode> {
  const episode = await tx.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
  if (!episode || !(await isWithin(tx, episode, scope)))
    throw EpisodeNotFoundError.of(personId, episodeNumber);
  return episode;
}

/** The person's latest episode whose reception was not reversed (null: none). */
export function latestStandingEpisode(
  manager: EntityManager,
  personId: string,
): Promise<CustodyEpisode | null> {
  return manager.findOne(CustodyEpisode, {
    where: { personId, voidedAt: IsNull() },
    order: { episode: 'DESC' },
  });
}

/** The person's highest episode number, void ones included (0: none): the next episode follows it. */
export async function lastEpisodeNumber(manager: EntityManager, personId: string): Promise<number> {
  const last = await manager.findOne(CustodyEpisode, { where: { personId }, order: { episode: 'DESC' } });
  return last?.episode ?? 0;
}
