import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { enqueueEvent } from '@throughcare/platform-persistence';
import { DomainError, NotFoundError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { CustodyEpisode, isOpen, isReceived, openEpisodeSql } from './custody-episode.entity';
import { refuseUnlessOpen, refuseVoid } from './custody-episode.errors';
import { gateArrangementRecordedEvent, gateReconfirmationNeededEvent } from './custody-episode.events';
import { liberationDayFor } from './custody-episode.view';
import {
  currentExpectedReleaseDate,
  episodeWithin,
  loadEpisodeHistory,
  whereHeld,
  type EpisodeHistory,
} from './episode-history';
import { GateArrangement } from './gate-arrangement.entity';
import {
  GateArrangementEpisodeCursor,
  type GateArrangementBody,
  type GateArrangementPage,
  type GateArrangementView,
  type ListEstablishmentGateArrangementsQuery,
  type ListGateArrangementsQuery,
} from './gate-arrangement.schemas';
import { lockPerson } from './person-lock';
import { covers, type EstablishmentScope } from './prison-scope';
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
      // Said on the bus (issue 10: nobody silently misses a moved date): the journey closes its
      // reconfirmation item when this version holds for the liberation date.
      await enqueueEvent(tx, gateArrangementRecordedEvent(episode, row));
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

  /**
   * The current arrangement of each open episode held in the caller's establishments (or the one
   * named), by person then episode; `needsReconfirmation` keeps those made for another liberation
   * date than the one now (true) or for it (false). The liberation date is the release-day rule's
   * (code, not SQL): episodes are read in batches and filtered until the page is full.
   */
  async listForEstablishments(
    query: ListEstablishmentGateArrangementsQuery,
    scope: EstablishmentScope,
  ): Promise<GateArrangementPage> {
    const establishments =
      query.establishmentCode !== undefined
        ? covers(scope, query.establishmentCode)
          ? [query.establishmentCode]
          : []
        : scope === 'unrestricted'
          ? null
          : [...scope.establishments];
    if (establishments !== null && establishments.length === 0) return { items: [], nextCursor: null };
    return this.dataSource.transaction(async (tx) => {
      const items: GateArrangementView[] = [];
      let after = query.cursor ?? null;
      for (;;) {
        const batch: Array<{ person_id: string; episode: number }> = await tx.query(
          `${CURRENT_ARRANGEMENTS_HELD}
             AND ($1::text[] IS NULL OR held.code = ANY($1))
             AND ($2::text IS NULL OR (g.person_id, g.episode) > ($2::text, $3::int))
           ORDER BY g.person_id, g.episode LIMIT $4`,
          [establishments, after?.personId ?? null, after?.episode ?? 0, query.limit + 1],
        );
        for (const key of batch) {
          after = { personId: key.person_id, episode: key.episode };
          const episode = await tx.findOneByOrFail(CustodyEpisode, after);
          const latest = await this.latest(tx, key.person_id, key.episode);
          const view = viewOf(episode, await loadEpisodeHistory(tx, episode), latest!);
          if (
            query.needsReconfirmation !== undefined &&
            view.needsReconfirmation !== query.needsReconfirmation
          )
            continue;
          if (items.length === query.limit)
            return { items, nextCursor: GateArrangementEpisodeCursor.encode(last(items)) };
          items.push(view);
        }
        if (batch.length <= query.limit) return { items, nextCursor: null };
      }
    });
  }

  private latest(tx: EntityManager, personId: string, episode: number): Promise<GateArrangement | null> {
    return tx.findOne(GateArrangement, { where: { personId, episode }, order: { version: 'DESC' } });
  }
}

const last = (items: GateArrangementView[]) => {
  const view = items.at(-1)!;
  return { personId: view.personId, episode: view.episode };
};

/** The current version of every open episode's gate arrangement, with where the person is held (`held.code`). */
const CURRENT_ARRANGEMENTS_HELD = `SELECT g.person_id, g.episode
    FROM "liberation"."gate_arrangement" g
    JOIN "liberation"."custody_episode" e ON e.person_id = g.person_id AND e.episode = g.episode
    CROSS JOIN LATERAL (
      SELECT coalesce((
        SELECT m.to_establishment_code FROM "liberation"."movement" m
         WHERE m.person_id = e.person_id AND m.episode = e.episode
           AND m.movement = 'TRANSFER' AND m.reversed_at IS NULL
         ORDER BY m.occurred_at DESC, m.recorded_at DESC, m.event_id DESC LIMIT 1
      ), e.establishment_code) AS code
    ) held
   WHERE ${openEpisodeSql('e')}
     AND g.version = (SELECT max(v.version) FROM "liberation"."gate_arrangement" v
                       WHERE v.person_id = g.person_id AND v.episode = g.episode)`;

/**
 * After the expected release date of an open episode moved from `previousDue` to `due` (by hand,
 * from the bus, by a sentence calculation or a re-plan's): when the liberation date moved with it
 * away from the date the current gate arrangement was made for, `custody.gate-arrangement.
 * reconfirmation-needed` goes out in the caller's transaction, so that the journey raises the
 * work and the collecting agency hears the new date. A move back to the date it was made for says
 * nothing here: the journey sees the liberation date again matches (`GateArrangementRecordedV1`'s
 * date) and closes its item.
 */
export async function gateArrangementAfterDateMove(
  manager: EntityManager,
  e: CustodyEpisode,
  move: { previousDue: string; due: string; changedAt: Date },
  context: RequestContext,
): Promise<void> {
  const liberationDate = liberationDateForDue(e, move.due);
  const previousLiberationDate = liberationDateForDue(e, move.previousDue);
  if (liberationDate === previousLiberationDate) return;
  const latest = await manager.findOne(GateArrangement, {
    where: { personId: e.personId, episode: e.episode },
    order: { version: 'DESC' },
  });
  if (!latest || latest.forLiberationDate === liberationDate) return;
  await enqueueEvent(
    manager,
    gateReconfirmationNeededEvent(e, latest, {
      liberationDate,
      previousLiberationDate,
      changedAt: move.changedAt,
      correlationId: context.correlationId,
    }),
  );
}

/** The liberation date now: the release-day rule applied to the expected release date. */
function liberationDateOf(e: CustodyEpisode, history: EpisodeHistory): string | null {
  const due = currentExpectedReleaseDate(e, history);
  return due === null ? null : liberationDateForDue(e, due);
}

/** The release-day rule applied to an expected release date of the episode. */
function liberationDateForDue(e: CustodyEpisode, due: string): string {
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
    needsReconfirmation: liberationDate !== null && liberationDate !== row.forLiberationDate,
    establishmentCode: whereHeld(e, history),
    recordedAt: row.recordedAt.toISOString(),
    recordedBy: row.recordedBy,
  };
}
