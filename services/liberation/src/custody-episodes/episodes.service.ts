import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError, InvalidCursorError, PersonNotFoundError } from './custody-episode.errors';
import type { EpisodePage, EpisodeView, ListEpisodesQuery } from './custody-episode.schemas';
import { episodeStateOf, toEpisodeView } from './custody-episode.view';
import { loadEpisodeHistories, loadEpisodeHistory, NO_HISTORY, whereHeld } from './episode-history';
import { covers, type EstablishmentScope } from './prison-scope';

@Injectable()
export class EpisodesService {
  constructor(@InjectRepository(CustodyEpisode) private readonly episodes: Repository<CustodyEpisode>) {}

  /**
   * The person's episodes within the caller's scope (see `whereHeld`), oldest first, by keyset
   * on the episode number. None within scope answers as an unknown person. Where an episode is
   * held is derived from its movements, so the person's episodes are read whole and filtered
   * here: a person has a handful of episodes, not pages of them.
   */
  async list(personId: string, query: ListEpisodesQuery, scope: EstablishmentScope): Promise<EpisodePage> {
    const after = query.cursor ? decodeCursor(query.cursor) : 0;
    const all = await this.episodes.find({ where: { personId }, order: { episode: 'ASC' } });
    const histories = await loadEpisodeHistories(
      this.episodes.manager,
      personId,
      all.map((e) => e.episode),
    );
    const historyOf = (e: CustodyEpisode) => histories.get(e.episode) ?? NO_HISTORY;
    const visible = all.filter((e) => covers(scope, whereHeld(e, historyOf(e))));
    if (visible.length === 0) throw new PersonNotFoundError(personId);
    const rest = visible.filter(
      (e) => e.episode > after && (query.state === undefined || episodeStateOf(e) === query.state),
    );
    const page = rest.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((e) => toEpisodeView(e, historyOf(e))),
      nextCursor: rest.length > query.limit && last ? encodeCursor(last.episode) : null,
    };
  }

  async get(personId: string, episode: number, scope: EstablishmentScope): Promise<EpisodeView> {
    const row = await this.episodes.findOneBy({ personId, episode });
    if (!row) throw EpisodeNotFoundError.of(personId, episode);
    const history = await loadEpisodeHistory(this.episodes.manager, row);
    if (!covers(scope, whereHeld(row, history))) throw EpisodeNotFoundError.of(personId, episode);
    return toEpisodeView(row, history);
  }
}

function encodeCursor(episode: number): string {
  return Buffer.from(JSON.stringify([episode])).toString('base64url');
}

function decodeCursor(raw: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 1 &&
      Number.isInteger(value[0]) &&
      (value[0] as number) >= 0
    ) {
      return value[0] as number;
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new InvalidCursorError();
}
