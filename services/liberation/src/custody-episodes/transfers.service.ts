import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import {
  ConflictingRetryError,
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  MovementOutOfOrderError,
  SameEstablishmentTransferError,
  refuseUnlessOpen,
} from './custody-episode.errors';
import { personTransferredEvent } from './custody-episode.events';
import { enqueueCustodyEvent } from './custody-outbox';
import type { RecordTransferBody, TransferRecordedView } from './custody-episode.schemas';
import { linksOf } from './custody-episode.view';
import { currentEstablishment, isWithin, loadMovements, standingTransfers } from './episode-history';
import { Movement } from './movement.entity';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';
import { endAbsenceByMovement } from './temporary-absences.service';

export interface TransferOutcome {
  /** False when this transfer was already recorded (same instant and destination, or same Idempotency-Key). */
  created: boolean;
  transfer: TransferRecordedView;
}

@Injectable()
export class TransfersService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Moves an open episode's person to another establishment: records the transfer (from the
   * episode's current establishment) and enqueues `custody.person.transferred`, in one
   * transaction. The same transfer again (same transferredAt and destination), or the same
   * Idempotency-Key, answers the transfer already recorded.
   *
   * A caller may transfer only a person held in one of its establishments; any other episode
   * answers as if it did not exist. The establishment the person left no longer sees the
   * episode, but the caller that recorded the transfer still has its retries answered.
   */
  async record(
    personId: string,
    episodeNumber: number,
    body: RecordTransferBody,
    context: RequestContext,
  ): Promise<TransferOutcome> {
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      let created = false;
      const transfer = async (manager: EntityManager) => {
        const outcome = await this.transfer(manager, personId, episodeNumber, body, context);
        created = outcome.created;
        return {
          eventId: outcome.movement.eventId,
          personId,
          episode: episodeNumber,
          toEstablishmentCode: body.toEstablishmentCode,
          transferredAt: body.transferredAt,
        };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:transfer:${context.idempotencyKey}`, transfer)
        : await transfer(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.episode === episodeNumber ? [] : ['episode']),
        ...(first.toEstablishmentCode === body.toEstablishmentCode ? [] : ['toEstablishmentCode']),
        ...(Date.parse(first.transferredAt) === Date.parse(body.transferredAt) ? [] : ['transferredAt']),
      ];
      if (differences.length > 0) {
        throw new IdempotencyKeyReusedError('the transfer sent with this Idempotency-Key', differences);
      }
      const movement = await tx.findOneByOrFail(Movement, { eventId: first.eventId });
      if (movement.recordedBy !== context.actor) {
        // An Idempotency-Key retry by a caller that neither recorded it nor holds the person now.
        const episode = await tx.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });
        if (!(await isWithin(tx, episode, context.scope)))
          throw EpisodeNotFoundError.of(personId, episodeNumber);
      }
      return { created, transfer: toTransferView(movement) };
    });
  }

  private async transfer(
    manager: EntityManager,
    personId: string,
    episodeNumber: number,
    body: RecordTransferBody,
    context: RequestContext,
  ): Promise<{ created: boolean; movement: Movement }> {
    const transferredAt = new Date(body.transferredAt);
    const episode = await manager.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
    if (!episode) throw EpisodeNotFoundError.of(personId, episodeNumber);
    const movements = await loadMovements(manager, personId, episodeNumber);

    // A retry: the standing transfer of this episode at that instant.
    const already = await manager.findOneBy(Movement, {
      personId,
      episode: episodeNumber,
      movement: 'TRANSFER',
      occurredAt: transferredAt,
      reversedAt: IsNull(),
    });
    const visible =
      (already !== null && already.recordedBy === context.actor) ||
      (await isWithin(manager, episode, context.scope, movements));
    if (!visible) throw EpisodeNotFoundError.of(personId, episodeNumber);
    if (already) {
      if (already.toEstablishmentCode !== body.toEstablishmentCode) {
        throw new ConflictingRetryError(
          `the transfer of episode ${episodeNumber} of person ${personId} at ${transferredAt.toISOString()}`,
          ['toEstablishmentCode'],
          'TRANSFER_CONFLICT',
        );
      }
      return { created: false, movement: already };
    }

    refuseUnlessOpen(episode);
    const from = currentEstablishment(episode, { movements });
    if (from === body.toEstablishmentCode) {
      throw new SameEstablishmentTransferError(personId, episodeNumber, from);
    }
    const latest = standingTransfers({ movements }).at(-1);
    if (latest && transferredAt <= latest.occurredAt) {
      throw new MovementOutOfOrderError(
        'TRANSFER_BEFORE_PREVIOUS_TRANSFER',
        'transferredAt',
        `transferredAt ${body.transferredAt} is not after the last transfer of episode ${episodeNumber} of person ${personId} (${latest.occurredAt.toISOString()}, event ${latest.eventId})`,
        { personId, episode: episodeNumber, previousEventId: latest.eventId },
      );
    }
    if (episode.receivedAt !== null && transferredAt < episode.receivedAt) {
      throw new MovementOutOfOrderError(
        'TRANSFER_BEFORE_RECEPTION',
        'transferredAt',
        `transferredAt ${body.transferredAt} is before episode ${episodeNumber} of person ${personId} was received (${episode.receivedAt.toISOString()})`,
        { personId, episode: episodeNumber, receivedAt: episode.receivedAt.toISOString() },
      );
    }

    const movement = manager.create(Movement, {
      eventId: context.fromBus?.eventId ?? randomUUID(),
      personId,
      episode: episodeNumber,
      movement: 'TRANSFER',
      fromEstablishmentCode: from,
      toEstablishmentCode: body.toEstablishmentCode,
      releaseReason: null,
      occurredAt: transferredAt,
      recordedAt: new Date(),
      recordedBy: context.actor,
      correlationId: context.correlationId,
      reversedAt: null,
      reversedBy: null,
      reversalEventId: null,
      reversalCorrelationId: null,
    });
    // Sent from court to another prison: the transfer ends the court absence the person is out on
    // (refused while out on ROTL, and inside a returned absence: see endAbsenceByMovement).
    const endedAbsence = await endAbsenceByMovement(
      manager,
      personId,
      episodeNumber,
      'TRANSFER',
      transferredAt,
      movement.eventId,
    );
    await manager.insert(Movement, movement);
    await enqueueCustodyEvent(manager, personTransferredEvent(episode, movement, endedAbsence), context);
    return { created: true, movement };
  }
}

export function toTransferView(m: Movement): TransferRecordedView {
  return {
    personId: m.personId,
    episode: m.episode,
    eventId: m.eventId,
    fromEstablishmentCode: m.fromEstablishmentCode,
    toEstablishmentCode: m.toEstablishmentCode ?? '',
    transferredAt: m.occurredAt.toISOString(),
    reversedAt: m.reversedAt?.toISOString() ?? null,
    links: linksOf(m.personId, m.episode),
  };
}
