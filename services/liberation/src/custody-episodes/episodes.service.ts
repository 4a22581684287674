import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError, InvalidCursorError, PersonNotFoundError } from './custody-episode.errors';
import type { EpisodePage, EpisodeView, ListEpisodesQuery } from './custody-episode.schemas';
import { toEpisodeView } from './custody-episode.view';
import { loadEpisodeHistories, loadEpisodeHistory } from './episode-history';

@Injectable()
export class EpisodesService {
  constructor(@InjectRepository(CustodyEpisode) private readonly episodes: Repository<CustodyEpisode>) {}

  /** Keyset pagination on the episode number, oldest first. */
  async list(personId: string, query: ListEpisodesQuery): Promise<EpisodePage> {
    const qb = this.episodes
      .createQueryBuilder('e')
      .where('e.person_id = :personId', { personId })
      .orderBy('e.episode', 'ASC')
      .take(query.limit + 1);
    if (query.cursor) qb.andWhere('e.episode > :after', { after: decodeCursor(query.cursor) });
    const rows = await qb.getMany();
    if (rows.length === 0 && !(await this.episodes.existsBy({ personId })))
      throw new PersonNotFoundError(personId);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const histories = await loadEpisodeHistories(
      this.episodes.manager,
      personId,
      page.map((e) => e.episode),
    );
    return {
      items: page.map((e) => toEpisodeView(e, histories.get(e.episode))),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.episode) : null,
    };
  }

  async get(personId: string, episode: number): Promise<EpisodeView> {
    const row = await this.episodes.findOneBy({ personId, episode });
    if (!row) throw EpisodeNotFoundError.of(personId, episode);
    return toEpisodeView(row, await loadEpisodeHistory(this.episodes.manager, row));
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
