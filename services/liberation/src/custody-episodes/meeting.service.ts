import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CancelMeetingResult, LiberationActivities } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import {
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  MeetingAlreadyHeldError,
  MeetingCancelledError,
  MeetingHeldBeforeReceptionError,
  MeetingNotFoundError,
  refuseVoid,
} from './custody-episode.errors';
import { meetingBookedEvent, meetingCancelledEvent, meetingHeldEvent } from './custody-episode.events';
import {
  BookMeetingInputSchema,
  CancelMeetingInputSchema,
  type MeetingHeldView,
  type RecordMeetingHeldBody,
} from './custody-episode.schemas';
import { linksOf, toMeetingView } from './custody-episode.view';
import { isWithin } from './episode-history';
import { Meeting } from './meeting.entity';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';

export type BookMeetingInput = Parameters<LiberationActivities['bookMeeting']>[0];
export type CancelMeetingInput = Parameters<LiberationActivities['cancelMeeting']>[0];

export interface MeetingHeldOutcome {
  /** False when the meeting was already recorded held at that instant, or this was a retry (no new event). */
  recorded: boolean;
  meeting: MeetingHeldView;
}

@Injectable()
export class MeetingService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Books a CJSW custody visit or the pre-release meeting and enqueues `custody.meeting.booked`,
   * in one transaction, once per idempotency key: a retry answers the first booking's id (even
   * after the episode became void, so the journey learns the booking its closure must cancel). An
   * episode whose reception was reversed is refused, EPISODE_RECEIVED_IN_ERROR (non-retryable).
   * Cancelling stays allowed (the journey's compensation).
   */
  async book(raw: BookMeetingInput, actor: string): Promise<{ bookingId: string }> {
    const input = parseOrThrow(BookMeetingInputSchema, raw, 'bookMeeting input');
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, input.personId);
      return withIdempotency(tx, `liberation:bookMeeting:${input.idempotencyKey}`, async (manager) => {
        const episode = await manager.findOneBy(CustodyEpisode, {
          personId: input.personId,
          episode: input.episode,
        });
        if (!episode) throw EpisodeNotFoundError.of(input.personId, input.episode);
        refuseVoid(episode);
        const meeting = manager.create(Meeting, {
          id: randomUUID(),
          personId: input.personId,
          episode: input.episode,
          kind: input.kind,
          establishmentCode: input.establishmentCode,
          date: input.date,
          agencyId: input.agencyId ?? null,
          bookedAt: new Date(),
          bookedBy: actor,
          correlationId: input.correlationId,
          heldAt: null,
          heldRecordedAt: null,
          heldBy: null,
          heldEventId: null,
          cancelledAt: null,
          cancelledBy: null,
          cancellationReason: null,
        });
        await manager.insert(Meeting, meeting);
        await enqueueEvent(manager, meetingBookedEvent(episode, meeting));
        return { bookingId: meeting.id };
      });
    });
  }

  /**
   * Cancels a visit or meeting (a compensation) and enqueues `custody.meeting.cancelled`, in one
   * transaction. Idempotent on the key; a meeting already cancelled stays as it was (no second
   * event), and so does one already held: what took place cannot be called off. Returns whether
   * this call cancelled it, and what the meeting's state was when it did not.
   */
  async cancel(
    raw: CancelMeetingInput,
    actor: string,
  ): Promise<{ cancelled: boolean; outcome?: CancelMeetingResult['outcome']; heldAt?: string }> {
    const input = parseOrThrow(CancelMeetingInputSchema, raw, 'cancelMeeting input');
    return this.dataSource.transaction(async (tx) => {
      const found = await tx.findOneBy(Meeting, { id: input.bookingId });
      if (!found) throw new MeetingNotFoundError(input.bookingId);
      await lockPerson(tx, found.personId);
      return withIdempotency(tx, `liberation:cancelMeeting:${input.idempotencyKey}`, async (manager) => {
        // Read again under the person lock: a concurrent cancel or held may have committed meanwhile.
        const meeting = await manager.findOneByOrFail(Meeting, { id: input.bookingId });
        if (meeting.heldAt !== null)
          return { cancelled: false, outcome: 'ALREADY_HELD' as const, heldAt: meeting.heldAt.toISOString() };
        if (meeting.cancelledAt !== null) return { cancelled: false, outcome: 'ALREADY_CANCELLED' as const };
        const now = new Date();
        meeting.cancelledAt = now < meeting.bookedAt ? meeting.bookedAt : now;
        meeting.cancelledBy = actor;
        meeting.cancellationReason = input.reason;
        await manager.update(
          Meeting,
          { id: meeting.id },
          { cancelledAt: meeting.cancelledAt, cancelledBy: actor, cancellationReason: input.reason },
        );
        const episode = await manager.findOneByOrFail(CustodyEpisode, {
          personId: meeting.personId,
          episode: meeting.episode,
        });
        await enqueueEvent(manager, meetingCancelledEvent(episode, meeting, input.correlationId));
        return { cancelled: true, outcome: 'CANCELLED' as const };
      });
    });
  }

  /**
   * Records that a booked visit or meeting took place and enqueues `custody.meeting.held`, in one
   * transaction. The same heldAt again, or the same Idempotency-Key, answers the first result.
   * A caller may record only meetings of a person held in one of its establishments: any other
   * answers as an unknown meeting. A meeting of an episode whose reception was reversed is refused,
   * 409 EPISODE_RECEIVED_IN_ERROR, before any replay (nothing is recorded against a void episode).
   */
  async recordHeld(
    bookingId: string,
    body: RecordMeetingHeldBody,
    context: RequestContext,
  ): Promise<MeetingHeldOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const found = await tx.findOneBy(Meeting, { id: bookingId });
      if (!found) throw new MeetingNotFoundError(bookingId);
      await lockPerson(tx, found.personId);
      const episode = await tx.findOneByOrFail(CustodyEpisode, {
        personId: found.personId,
        episode: found.episode,
      });
      if (!(await isWithin(tx, episode, context.scope))) throw new MeetingNotFoundError(bookingId);
      refuseVoid(episode);
      let recorded = false;
      const hold = async (manager: EntityManager) => {
        recorded = await this.hold(manager, bookingId, body, context);
        return { bookingId, heldAt: body.heldAt };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:meeting-held:${context.idempotencyKey}`, hold)
        : await hold(tx);
      const differences = [
        ...(first.bookingId === bookingId ? [] : ['bookingId']),
        ...(Date.parse(first.heldAt) === Date.parse(body.heldAt) ? [] : ['heldAt']),
      ];
      if (differences.length > 0) {
        throw new IdempotencyKeyReusedError('the meeting held sent with this Idempotency-Key', differences);
      }
      const meeting = await tx.findOneByOrFail(Meeting, { id: bookingId });
      return {
        recorded,
        meeting: {
          personId: meeting.personId,
          episode: meeting.episode,
          ...toMeetingView(meeting),
          eventId: meeting.heldEventId ?? '',
          links: linksOf(meeting.personId, meeting.episode),
        },
      };
    });
  }

  /** Returns whether the held fact was recorded by this call. */
  private async hold(
    manager: EntityManager,
    bookingId: string,
    body: RecordMeetingHeldBody,
    context: RequestContext,
  ): Promise<boolean> {
    const meeting = await manager.findOneByOrFail(Meeting, { id: bookingId });
    const heldAt = new Date(body.heldAt);
    if (meeting.cancelledAt !== null) {
      throw new MeetingCancelledError(bookingId, meeting.cancelledAt, meeting.cancellationReason);
    }
    if (meeting.heldAt !== null) {
      if (meeting.heldAt.getTime() !== heldAt.getTime())
        throw new MeetingAlreadyHeldError(bookingId, meeting.heldAt);
      return false;
    }
    const episode = await manager.findOneByOrFail(CustodyEpisode, {
      personId: meeting.personId,
      episode: meeting.episode,
    });
    if (episode.receivedAt !== null && heldAt < episode.receivedAt) {
      throw new MeetingHeldBeforeReceptionError(bookingId, episode.receivedAt, body.heldAt);
    }
    meeting.heldAt = heldAt;
    meeting.heldRecordedAt = new Date();
    meeting.heldBy = context.actor;
    meeting.heldEventId = randomUUID();
    await manager.update(
      Meeting,
      { id: bookingId },
      {
        heldAt,
        heldRecordedAt: meeting.heldRecordedAt,
        heldBy: context.actor,
        heldEventId: meeting.heldEventId,
      },
    );
    await enqueueEvent(manager, meetingHeldEvent(episode, meeting, context.correlationId));
    return true;
  }
}
