import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not } from 'typeorm';
import type { LiberationActivities } from '@throughcare/contracts';
import { ageOn, dateOfBirthIssues, localDateOf } from '@throughcare/domain';
import { parseOrThrow, ValidationFailedError } from '@throughcare/platform-errors';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError } from './custody-episode.errors';
import { PersonAgeOnInputSchema } from './custody-episode.schemas';

export type PersonAgeOnInput = Parameters<LiberationActivities['personAgeOn']>[0];

/**
 * How far the caller's `at` may be from the instant the question was asked (the activity's
 * scheduled time) before it is refused: the journey sends its own clock, seconds from it.
 */
export const AGE_ASKED_TOLERANCE_MS = 60 * 60 * 1000;

/**
 * The person's age on a day, for the directory's age bands. The date of birth stays here: the
 * journey asks for the age when it chooses an agency, and neither the bus nor the journey's
 * history carries the date itself.
 */
@Injectable()
export class PersonAgeService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Whole years on the day the question was asked (`askedAt`, the activity's scheduled time;
   * Europe/London) from the date of birth recorded with the episode or, when that reception did
   * not give one (a return to custody recorded without it), with the person's latest episode that
   * did. `{}` when none is recorded. EPISODE_NOT_FOUND for an episode this service has no record
   * of. The caller's `at` must be within AGE_ASKED_TOLERANCE_MS of `askedAt` (VALIDATION_FAILED
   * otherwise): whoever may ask the age today cannot ask it for other days, which would find the
   * birthday by bisection.
   */
  async ageOn(raw: PersonAgeOnInput, askedAt: Date): Promise<{ age?: number }> {
    const input = parseOrThrow(PersonAgeOnInputSchema, raw, 'personAgeOn input');
    if (Math.abs(Date.parse(input.at) - askedAt.getTime()) > AGE_ASKED_TOLERANCE_MS)
      throw new ValidationFailedError(
        `personAgeOn answers the age on the day it is asked only: at ${input.at} is not the instant asked (${askedAt.toISOString()})`,
        [{ field: 'at', message: 'must be the instant the age is asked' }],
      );
    const episodes = this.dataSource.getRepository(CustodyEpisode);
    const episode = await episodes.findOne({
      where: { personId: input.personId, episode: input.episode },
      select: { personId: true, episode: true, dateOfBirth: true, voidedAt: true },
    });
    if (!episode) throw EpisodeNotFoundError.of(input.personId, input.episode);
    const dateOfBirth =
      (episode.voidedAt ? null : episode.dateOfBirth) ??
      (
        await episodes.findOne({
          // Never a void episode's (recorded in error, perhaps against the wrong person).
          where: { personId: input.personId, dateOfBirth: Not(IsNull()), voidedAt: IsNull() },
          select: { episode: true, dateOfBirth: true },
          order: { episode: 'DESC' },
        })
      )?.dateOfBirth ??
      null;
    // Checked when recorded; one that no longer reads as a plausible age (a record from before the
    // check) is not offered to the directory rather than guessed at.
    if (
      dateOfBirth === null ||
      dateOfBirthIssues('dateOfBirth', dateOfBirth, askedAt.toISOString(), 'now').length > 0
    )
      return {};
    return { age: ageOn(dateOfBirth, localDateOf(askedAt)) };
  }
}
