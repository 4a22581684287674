import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { DomainError, NotFoundError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { CustodyEpisode, isOpen, isReceived } from './custody-episode.entity';
import { refuseUnlessOpen, refuseVoid } from './custody-episode.errors';
import { liberationDayFor } from './custody-episode.view';
import {
  currentExpectedReleaseDate,
  episodeWithin,
  loadEpisodeHistory,
  type EpisodeHistory,
} from './episode-history';
import { GateArrangement } from './gate-arrangement.entity';
import {
  type GateArrangementBody,
  type GateArrangementPage,
  type GateArrangementView,
  type ListGateArrangementsQuery,
} from './gate-arrangement.schemas';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import type { RequestContext } from './request-context';
import { newestVersionsFirst } from './version-pages';

export const GATE_ETAG_PREFIX = 'gate';

export class GateArrangementNotFoundError extends NotFoundError {
  constructor(personId: string, episode: number) {
    super(
      `episode ${episode} of person ${personId} has no gate arrangement recorded`,
      'GATE_ARRANGEMENT_NOT_FOUND',
      { details: { personId, episode } },
    );
  }
}

export interface GateArrangementOutcome {
  /** False when the arrangement sent is the current one (a retry): nothing new recorded. */
  created: boolean;
  view: GateArrangementView;
}

/**
 * Gate arrangements (issue 10): recorded by prison staff for an open episode, each recording a
 * version for the liberation date of the day. The journey books (and, when the date moves,
 * cancels and books again) the gate pick-up at the prison; the arrangement is the people and the
 * plan behind it, and says when the date it was made for is no longer the liberation date.
 */
@Injectable()
export class GateArrangementsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the arrangement as the next version (If-Match, when sent, must name the current one:
   * 412 otherwise). The same arrangement as the current version answers it unchanged (200, a
   * retry) while the liberation date is the one it was made for, or once the person is released
   * (an exact replay of what is recorded; nothing is recorded after release). After the date
   * moved, the same arrangement is a reconfirmation for the new date only when the body says so
   * (`confirmedForLiberationDate`, the liberation date now): a blind retry of an old request is
   * refused (422 GATE_RECONFIRMATION_REQUIRED) and leaves the concern standing (review M6).
   */
  async record(
    personId: string,
    episodeNumber: number,
    body: GateArrangementBody,
    context: RequestContext,
    ifMatch: string | undefined,
  ): Promise<GateArrangementOutcome> {
    const { confirmedForLiberationDate, ...arrangement } = body;
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const episode = await episodeWithin(tx, personId, episodeNumber, context.scope);
      // An episode received in error never was: nothing is arranged or replayed for it (409
      // EPISODE_RECEIVED_IN_ERROR before any check of the date; final review of stop 37, N2).
      refuseVoid(episode);
      const history = await loadEpisodeHistory(tx, episode);
      const latest = await this.latest(tx, personId, episodeNumber);
      const forLiberationDate = liberationDateOf(episode, history);
      const sameAsCurrent =
        latest !== null && canonicalJson(latest.arrangement) === canonicalJson(arrangement);
      // A date staff confirmed with the collector that is not the liberation date now is refused
      // before the replay below (stop 37 review M6): the date may have moved back to the one the
      // current version was made for, and the collector was last told another. Not after release
      // (an exact replay then answers what is recorded).
      if (
        episode.releasedAt === null &&
        forLiberationDate !== null &&
        confirmedForLiberationDate !== undefined &&
        confirmedForLiberationDate !== forLiberationDate
      )
        throw new DomainError(
          'GATE_CONFIRMED_FOR_ANOTHER_DATE',
          'RULE_VIOLATED',
          `confirmedForLiberationDate ${confirmedForLiberationDate} is not the liberation date now (${forLiberationDate}): confirm the arrangement for ${forLiberationDate} with whoever collects, then send that date`,
          {
            details: { field: 'confirmedForLiberationDate', liberationDate: forLiberationDate },
            extensions: { field: 'confirmedForLiberationDate', liberationDate: forLiberationDate },
          },
        );
      // A replay of the current version (review N5: checked before the release, so a retry after
      // release is answered, not refused), while the date is the one it was made for.
      if (sameAsCurrent && (episode.releasedAt !== null || latest.forLiberationDate === forLiberationDate))
        return { created: false, view: viewOf(episode, history, latest) };
      refuseUnlessOpen(episode);
      requireIfMatch(
        ifMatch,
        latest ? entityTag(GATE_ETAG_PREFIX, latest.version) : null,
        `the gate arrangement of episode ${episodeNumber}`,
      );
      // Not reachable while every open episode is a reception's, which always has an expected
      // release date (a liberation from court is released from the start, refused above). Kept
      // so that a change of the model answers 409 NO_EXPECTED_RELEASE_DATE (documented), not 500.
      if (forLiberationDate === null)
        throw new DomainError(
          'NO_EXPECTED_RELEASE_DATE',
          'CONFLICT',
          `episode ${episodeNumber} of person ${personId} has no expected release date yet: record one (or a sentence calculation) before the gate arrangement`,
          { details: { personId, episode: episodeNumber } },
        );
      // The current arrangement after the date moved: a reconfirmation only when staff say so.
      if (sameAsCurrent && confirmedForLiberationDate === undefined)
        throw new DomainError(
          'GATE_RECONFIRMATION_REQUIRED',
          'RULE_VIOLATED',
          `the arrangement is the current version, made for liberation on ${latest.forLiberationDate}; the liberation date is now ${forLiberationDate}. To reconfirm it, confirm it with whoever collects and send confirmedForLiberationDate ${forLiberationDate}`,
          {
            details: {
              field: 'confirmedForLiberationDate',
              forLiberationDate: latest.forLiberationDate,
              liberationDate: forLiberationDate,
            },
            extensions: {
              field: 'confirmedForLiberationDate',
              forLiberationDate: latest.forLiberationDate,
              liberationDate: forLiberationDate,
            },
          },
        );
      const row = tx.create(GateArrangement, {
        personId,
        episode: episodeNumber,
        version: (latest?.version ?? 0) + 1,
        forLiberationDate,
        arrangement,
        recordedAt: new Date(),
        recordedBy: context.actor,
        correlationId: context.correlationId,
      });
      await tx.insert(GateArrangement, row);
      return { created: true, view: viewOf(episode, history, row) };
    });
  }

  async current(
    personId: string,
    episodeNumber: number,
    scope: EstablishmentScope,
  ): Promise<GateArrangementView> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const latest = await this.latest(tx, personId, episodeNumber);
      if (!latest) throw new GateArrangementNotFoundError(personId, episodeNumber);
      return viewOf(episode, await loadEpisodeHistory(tx, episode), latest);
    });
  }

  /** Every version, newest first. */
  async list(
    personId: string,
    episodeNumber: number,
    query: ListGateArrangementsQuery,
    scope: EstablishmentScope,
  ): Promise<GateArrangementPage> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const history = await loadEpisodeHistory(tx, episode);
      const { items, nextCursor } = await newestVersionsFirst(
        tx,
        GateArrangement,
        { personId, episode: episodeNumber },
        query,
      );
      return { items: items.map((r) => viewOf(episode, history, r)), nextCursor };
    });
  }

  private latest(tx: EntityManager, personId: string, episode: number): Promise<GateArrangement | null> {
    return tx.findOne(GateArrangement, { where: { personId, episode }, order: { version: 'DESC' } });
  }
}

/** The liberation date now: the release-day rule applied to the expected release date. */
function liberationDateOf(e: CustodyEpisode, history: EpisodeHistory): string | null {
  const due = currentExpectedReleaseDate(e, history);
  if (due === null) return null;
  return (
    liberationDayFor(e.jurisdiction, due, isReceived(e) ? e.sentenceLengthDays : undefined)?.liberationDate ??
    due
  );
}

function viewOf(e: CustodyEpisode, history: EpisodeHistory, row: GateArrangement): GateArrangementView {
  // Only an open episode has a liberation date to come (not a released or a void one).
  const liberationDate = isOpen(e) ? liberationDateOf(e, history) : null;
  const pickup = history.gatePickups.filter((p) => p.cancelledAt === null).at(-1);
  const concerns: string[] = [];
  if (liberationDate !== null && liberationDate !== row.forLiberationDate)
    concerns.push(
      `made for liberation on ${row.forLiberationDate}; the liberation date is now ${liberationDate}: confirm it again with whoever collects`,
    );
  if (row.arrangement.firstNight.kind === 'NONE_ARRANGED')
    concerns.push('no first-night accommodation arranged');
  if (pickup && liberationDate !== null && pickup.liberationDate !== liberationDate)
    concerns.push(
      `the gate pick-up is booked for ${pickup.liberationDate}, not the liberation date ${liberationDate}`,
    );
  return {
    ...row.arrangement,
    personId: row.personId,
    episode: row.episode,
    version: row.version,
    etag: entityTag(GATE_ETAG_PREFIX, row.version),
    forLiberationDate: row.forLiberationDate,
    liberationDate,
    gatePickup: pickup
      ? { bookingId: pickup.id, date: pickup.liberationDate, establishmentCode: pickup.establishmentCode }
      : null,
    concerns,
    recordedAt: row.recordedAt.toISOString(),
    recordedBy: row.recordedBy,
  };
}
