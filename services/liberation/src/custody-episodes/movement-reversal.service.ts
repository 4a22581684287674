import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { withIdempotency, acrossScopes } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import {
  IdempotencyKeyReusedError,
  MovementNotFoundError,
  MovementOutOfOrderError,
  MovementSupersededError,
} from './custody-episode.errors';
import { movementReversedEvent } from './custody-episode.events';
import { enqueueCustodyEvent, refuseEpisodeMismatch } from './custody-outbox';
import type { MovementReversedView, ReverseMovementBody } from './custody-episode.schemas';
import { episodeStateOf, linksOf } from './custody-episode.view';
import {
  currentEstablishment,
  isWithin,
  loadMovements,
  refusalOver,
  standingTransfers,
} from './episode-history';
import { Movement } from './movement.entity';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';
import { reopenAbsenceEndedBy } from './temporary-absences.service';

export interface ReversalOutcome {
  /** False when the movement was already reversed (no second event). */
  created: boolean;
  reversal: MovementReversedView;
}

@Injectable()
export class MovementReversalService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Undoes a release or a transfer recorded in error, named by the eventId this service published
   * for it: the episode is back in custody, or back at the establishment it was at before; the
   * reversal is recorded on the movement and `custody.movement.reversed` enqueued, in one
   * transaction. A movement already reversed answers that reversal (no second event). Only the
   * latest standing movement of a person can be undone: a later one must be reversed first.
   *
   * A caller may reverse only a movement of an episode held in (or released from) one of its
   * establishments; any other answers as an unknown movement. A reversal already made is still
   * answered to the caller that made it: reversing a transfer moves the person away from it.
   * A release that a later episode held elsewhere supersedes answers CUSTODY_RECORD_CONFLICT,
   * which says nothing of that episode.
   */
  async reverse(
    eventId: string,
    body: ReverseMovementBody,
    context: RequestContext,
  ): Promise<ReversalOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const found = await tx.findOneBy(Movement, { eventId });
      if (!found) throw new MovementNotFoundError(eventId);
      await lockPerson(tx, found.personId);
      if (!(await this.visible(tx, eventId, context))) throw new MovementNotFoundError(eventId);
      let created = false;
      const reverse = async (manager: EntityManager) => {
        created = await this.apply(manager, eventId, body, context);
        return { eventId };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:movement-reversal:${context.idempotencyKey}`, reverse)
        : await reverse(tx);
      if (first.eventId !== eventId) {
        throw new IdempotencyKeyReusedError('the reversal sent with this Idempotency-Key', ['eventId']);
      }
      const movement = await tx.findOneByOrFail(Movement, { eventId });
      const episode = await tx.findOneByOrFail(CustodyEpisode, {
        personId: movement.personId,
        episode: movement.episode,
      });
      const movements = await loadMovements(tx, movement.personId, movement.episode);
      return {
        created,
        reversal: {
          personId: movement.personId,
          episode: movement.episode,
          eventId: movement.reversalEventId ?? '',
          movement: movement.movement,
          reversedEventId: movement.eventId,
          reversedAt: movement.reversedAt?.toISOString() ?? '',
          // A void episode (its reception reversed since) is neither in custody nor released.
          state: episodeStateOf(episode),
          establishmentCode: currentEstablishment(episode, { movements }),
          links: linksOf(movement.personId, movement.episode),
        },
      };
    });
  }

  /** Whether the caller may see the movement (read under the person's lock). */
  private async visible(manager: EntityManager, eventId: string, context: RequestContext): Promise<boolean> {
    if (context.scope === 'unrestricted') return true;
    const movement = await manager.findOneByOrFail(Movement, { eventId });
    if (movement.reversedAt !== null && movement.reversedBy === context.actor) return true;
    const episode = await manager.findOneByOrFail(CustodyEpisode, {
      personId: movement.personId,
      episode: movement.episode,
    });
    return isWithin(manager, episode, context.scope);
  }

  /** Returns whether this call reversed the movement. */
  private async apply(
    manager: EntityManager,
    eventId: string,
    body: ReverseMovementBody,
    context: RequestContext,
  ): Promise<boolean> {
    const movement = await manager.findOneByOrFail(Movement, { eventId });
    const { personId, episode: episodeNumber } = movement;
    refuseEpisodeMismatch(context, personId, episodeNumber);
    if (movement.reversedAt !== null) return false;
    const reversedAt = new Date(body.reversedAt);
    if (reversedAt < movement.occurredAt) {
      throw new MovementOutOfOrderError(
        'REVERSAL_BEFORE_MOVEMENT',
        'reversedAt',
        `reversedAt ${body.reversedAt} is before the ${movement.movement.toLowerCase()} it reverses (${movement.occurredAt.toISOString()})`,
        { eventId, occurredAt: movement.occurredAt.toISOString() },
      );
    }
    const episode = await manager.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });

    if (movement.movement === 'RELEASE') {
      // A later episode may be held where the caller has no scope, even in the database (row-level
      // security): it is looked for across scopes, and named only to a caller that may see it.
      const superseded = await acrossScopes(manager, async () => {
        // A later episode received in error (void) never was: it does not supersede the release.
        const later = await manager.findOne(CustodyEpisode, {
          where: { personId, episode: MoreThan(episodeNumber), voidedAt: IsNull() },
          order: { episode: 'ASC' },
        });
        if (!later) return null;
        return refusalOver(
          manager,
          later,
          context.scope,
          () =>
            new MovementSupersededError(
              eventId,
              `episode ${later.episode} of person ${personId} was opened after this release of episode ${episodeNumber}`,
              { personId, episode: episodeNumber, laterEpisode: later.episode },
            ),
        );
      });
      if (superseded) throw superseded;
      await manager.update(
        CustodyEpisode,
        { personId, episode: episodeNumber },
        { releasedAt: null, releasedBy: null, releaseEstablishmentCode: null, releaseReason: null },
      );
    } else {
      const movements = await loadMovements(manager, personId, episodeNumber);
      const release = movements.find((m) => m.movement === 'RELEASE' && m.reversedAt === null);
      if (episode.releasedAt !== null) {
        throw new MovementSupersededError(
          eventId,
          `episode ${episodeNumber} of person ${personId} was released after this transfer${release ? ` (event ${release.eventId}); reverse the release first` : ''}`,
          { personId, episode: episodeNumber, ...(release ? { supersededBy: release.eventId } : {}) },
        );
      }
      const later = standingTransfers({ movements }).find((m) => m.occurredAt > movement.occurredAt);
      if (later) {
        throw new MovementSupersededError(
          eventId,
          `a later transfer of episode ${episodeNumber} of person ${personId} stands (event ${later.eventId}, to ${later.toEstablishmentCode ?? '?'} at ${later.occurredAt.toISOString()}); reverse it first`,
          { personId, episode: episodeNumber, supersededBy: later.eventId },
        );
      }
    }

    // The person was out on an absence the release or transfer ended: out on it again.
    await reopenAbsenceEndedBy(manager, movement);
    movement.reversedAt = reversedAt;
    movement.reversedBy = context.actor;
    movement.reversalEventId = context.fromBus?.eventId ?? randomUUID();
    movement.reversalCorrelationId = context.correlationId;
    await manager.update(
      Movement,
      { eventId },
      {
        reversedAt,
        reversedBy: context.actor,
        reversalEventId: movement.reversalEventId,
        reversalCorrelationId: context.correlationId,
      },
    );
    await enqueueCustodyEvent(manager, movementReversedEvent(episode, movement), context);
    return true;
  }
}
