import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LiberationActivities } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError, GatePickupNotFoundError, refuseVoid } from './custody-episode.errors';
import { gatePickupBookedEvent, gatePickupCancelledEvent } from './custody-episode.events';
import { BookGatePickupInputSchema, CancelGatePickupInputSchema } from './custody-episode.schemas';
import { GatePickup } from './gate-pickup.entity';
import { lockPerson } from './person-lock';

export type BookGatePickupInput = Parameters<LiberationActivities['bookGatePickup']>[0];
export type CancelGatePickupInput = Parameters<LiberationActivities['cancelGatePickup']>[0];

@Injectable()
export class GatePickupService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Books a gate pick-up for the liberation date and enqueues `custody.gate-pickup.booked`, in
   * one transaction, once per idempotency key: a retry answers the first booking's id (even after
   * the episode became void, so the journey learns the booking its closure must cancel). An
   * episode whose reception was reversed is refused, EPISODE_RECEIVED_IN_ERROR (non-retryable):
   * nobody is collected from a custody that never was. Cancelling stays allowed.
   */
  async book(raw: BookGatePickupInput, actor: string): Promise<{ bookingId: string }> {
    const input = parseOrThrow(BookGatePickupInputSchema, raw, 'bookGatePickup input');
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, input.personId);
      return withIdempotency(tx, `liberation:bookGatePickup:${input.idempotencyKey}`, async (manager) => {
        const episode = await manager.findOneBy(CustodyEpisode, {
          personId: input.personId,
          episode: input.episode,
        });
        if (!episode) throw EpisodeNotFoundError.of(input.personId, input.episode);
        refuseVoid(episode);
        const booking = manager.create(GatePickup, {
          id: randomUUID(),
          personId: input.personId,
          episode: input.episode,
          establishmentCode: input.establishmentCode,
          liberationDate: input.liberationDate,
          bookedAt: new Date(),
          bookedBy: actor,
          cancelledAt: null,
          cancelledBy: null,
          cancellationReason: null,
          correlationId: input.correlationId,
        });
        await manager.insert(GatePickup, booking);
        await enqueueEvent(manager, gatePickupBookedEvent(episode, booking));
        return { bookingId: booking.id };
      });
    });
  }

  /**
   * Cancels a booking (a compensation) and enqueues `custody.gate-pickup.cancelled`, in one
   * transaction. Idempotent on the key, and a booking already cancelled stays as it was (no
   * second event). Returns whether this call cancelled it.
   */
  async cancel(raw: CancelGatePickupInput, actor: string): Promise<{ cancelled: boolean }> {
    const input = parseOrThrow(CancelGatePickupInputSchema, raw, 'cancelGatePickup input');
    return this.dataSource.transaction(async (tx) => {
      const found = await tx.findOneBy(GatePickup, { id: input.bookingId });
      if (!found) throw new GatePickupNotFoundError(input.bookingId);
      await lockPerson(tx, found.personId);
      return withIdempotency(tx, `liberation:cancelGatePickup:${input.idempotencyKey}`, async (manager) => {
        // Read again under the person lock: a concurrent cancel may have committed meanwhile.
        const booking = await manager.findOneByOrFail(GatePickup, { id: input.bookingId });
        if (booking.cancelledAt !== null) return { cancelled: false };
        const now = new Date();
        booking.cancelledAt = now < booking.bookedAt ? booking.bookedAt : now;
        booking.cancelledBy = actor;
        booking.cancellationReason = input.reason;
        await manager.update(
          GatePickup,
          { id: booking.id },
          {
            cancelledAt: booking.cancelledAt,
            cancelledBy: actor,
            cancellationReason: input.reason,
          },
        );
        const episode = await manager.findOneByOrFail(CustodyEpisode, {
          personId: booking.personId,
          episode: booking.episode,
        });
        await enqueueEvent(manager, gatePickupCancelledEvent(episode, booking, input.correlationId));
        return { cancelled: true };
      });
    });
  }
}
