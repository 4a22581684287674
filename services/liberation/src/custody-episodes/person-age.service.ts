import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not } from 'typeorm';
import type { LiberationActivities } from '@throughcare/contracts';
import { ageOn, dateOfBirthIssues, localDateOf } from '@throughcare/domain';
import { parseOrThrow } from '@throughcare/platform-errors';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError } from './custody-episode.errors';
import { PersonAgeOnInputSchema } from './custody-episode.schemas';

export type PersonAgeOnInput = Parameters<LiberationActivities['personAgeOn']>[0];

/**
 * The person's age on a day, for the directory's age bands. The date of birth stays here: the
 * journey asks for the age when it chooses an agency, and neither the bus nor the journey's
 * history carries the date itself.
 */
@Injectable()
export class PersonAgeService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Whole years on the day of `at` (Europe/London) from the date of birth recorded with the
   * episode or, when that reception did not give one (a return to custody recorded without it),
   * with the person's latest episode that did. `{}` when none is recorded. EPISODE_NOT_FOUND for an
   * episode this service has no record of.
   */
  async ageOn(raw: PersonAgeOnInput): Promise<{ age?: number }> {
    const input = parseOrThrow(PersonAgeOnInputSchema, raw, 'personAgeOn input');
    const episodes = this.dataSource.getRepository(CustodyEpisode);
    const episode = await episodes.findOne({
      where: { personId: input.personId, episode: input.episode },
      select: { personId: true, episode: true, dateOfBirth: true },
    });
    if (!episode) throw EpisodeNotFoundError.of(input.personId, input.episode);
    const dateOfBirth =
      episode.dateOfBirth ??
      (
        await episodes.findOne({
          where: { personId: input.personId, dateOfBirth: Not(IsNull()) },
          select: { episode: true, dateOfBirth: true },
          order: { episode: 'DESC' },
        })
      )?.dateOfBirth ??
      null;
    // Checked when recorded; one that no longer reads as a plausible age (a record from before the
    // check) is not offered to the directory rather than guessed at.
    if (dateOfBirth === null || dateOfBirthIssues('dateOfBirth', dateOfBirth, input.at, 'now').length > 0)
      return {};
    return { age: ageOn(dateOfBirth, localDateOf(new Date(input.at))) };
  }
}
