import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { acrossScopes, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, isReceived, isVoid } from './custody-episode.entity';
import {
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  MovementOutOfOrderError,
  ReceptionReversalConflictError,
  ReceptionReversalRefusedError,
} from './custody-episode.errors';
import { receptionReversedEvent } from './custody-episode.events';
import { enqueueCustodyEvent, refuseEpisodeMismatch } from './custody-outbox';
import type { ReceptionReversedView, ReverseReceptionBody } from './custody-episode.schemas';
import type { Movement } from './movement.entity';
import { linksOf, receptionReversalOf } from './custody-episode.view';
import {
  currentEstablishment,
  isWithin,
  loadMovements,
  refusalOver,
  standingTransfers,
} from './episode-history';
import { reopenPendingReceptions } from './pending-reception.completion';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';
import { absenceStands, TemporaryAbsence } from './temporary-absence.entity';

export interface ReceptionReversalOutcome {
  /** False when the reception was already reversed (no second event). */
  created: boolean;
  reversal: ReceptionReversedView;
}

/** What an Idempotency-Key remembers of the first request: a retry must send the same. */
interface FirstReversal {
  personId: string;
  episode: number;
  reversedAt: string;
  reason: string;
  note: string | null;
}

@Injectable()
export class ReceptionReversalService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Undoes a reception recorded in error (NOMIS "admission in error"): the episode is void (no
   * longer in custody, not open, state RECEIVED_IN_ERROR), the reversal is recorded on it and
   * `custody.reception.reversed` enqueued, in one transaction. An episode already void answers
   * that reversal (no second event).
   *
   * Only the person's latest episode, received and still in custody with nothing later standing
   * on it: a standing release, transfer or temporary absence (open or returned) is refused with a
   * code naming what to reverse first. Sentence calculations, gate arrangements, meetings, gate
   * pick-ups and release-date changes do not block: they become void with the episode (the
   * journey's early closure cancels what it booked).
   *
   * A caller may reverse only a reception of an episode held in one of its establishments; any
   * other answers as an unknown episode. The caller that reversed it still has its retries answered.
   */
  async reverse(
    personId: string,
    episodeNumber: number,
    body: ReverseReceptionBody,
    context: RequestContext,
  ): Promise<ReceptionReversalOutcome> {
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const found = await tx.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
      if (!found || !(await visible(tx, found, context)))
        throw EpisodeNotFoundError.of(personId, episodeNumber);
      let created = false;
      const reverse = async (manager: EntityManager): Promise<FirstReversal> => {
        created = await this.apply(manager, found, body, context);
        return {
          personId,
          episode: episodeNumber,
          reversedAt: body.reversedAt,
          reason: body.reason,
          note: body.note ?? null,
        };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:reception-reversal:${context.idempotencyKey}`, reverse)
        : await reverse(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.episode === episodeNumber ? [] : ['episode']),
        ...(Date.parse(first.reversedAt) === Date.parse(body.reversedAt) ? [] : ['reversedAt']),
        ...(first.reason === body.reason ? [] : ['reason']),
        ...(first.note === (body.note ?? null) ? [] : ['note']),
      ];
      if (differences.length > 0) {
        throw new IdempotencyKeyReusedError(
          'the reception reversal sent with this Idempotency-Key',
          differences,
        );
      }
      const episode = await tx.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });
      const reversal = receptionReversalOf(episode);
      if (!reversal)
        throw new Error(`episode ${episodeNumber} of ${personId} is not void after its reversal`);
      return {
        created,
        reversal: {
          personId,
          episode: episodeNumber,
          state: 'RECEIVED_IN_ERROR',
          establishmentCode: currentEstablishment(episode, {
            movements: await loadMovements(tx, personId, episodeNumber),
          }),
          ...reversal,
          links: linksOf(personId, episodeNumber),
        },
      };
    });
  }

  /** Returns whether this call reversed the reception. */
  private async apply(
    manager: EntityManager,
    episode: CustodyEpisode,
    body: ReverseReceptionBody,
    context: RequestContext,
  ): Promise<boolean> {
    const { personId, episode: episodeNumber } = episode;
    refuseEpisodeMismatch(context, personId, episodeNumber);
    if (isVoid(episode)) {
      // Reversed already: the same facts again answer that reversal; others are not a correction
      // (the reversal stands as recorded), so they are refused naming what differs (review M6).
      const differences = differingReversalFacts(episode, body);
      if (differences.length > 0) {
        throw new ReceptionReversalConflictError(personId, episodeNumber, differences);
      }
      return false;
    }
    const refused = (
      code: string,
      message: string,
      details: Record<string, unknown> = {},
      reverseFirst?: { eventId: string } | { absenceId: string },
    ) =>
      new ReceptionReversalRefusedError(
        code,
        message,
        { personId, episode: episodeNumber, ...details },
        reverseFirst,
      );
    if (!isReceived(episode)) {
      throw refused(
        'NOT_A_RECEPTION',
        `episode ${episodeNumber} of person ${personId} was not opened by a reception (liberated direct from court): there is no reception to reverse`,
      );
    }
    if (episode.returnToCustodyReason !== null) {
      // That reception closed the journey of the episode before as returned to custody (recalled,
      // new sentence) and told its agencies so: a reversal cannot reopen it yet. Refused, not lost.
      throw refused(
        'RETURN_TO_CUSTODY_NOT_REVERSIBLE',
        `episode ${episodeNumber} of person ${personId} was a return to custody (${episode.returnToCustodyReason}): its reception closed the journey of the episode before, which a reversal cannot reopen yet; correct the reception's facts instead, or ask an operator`,
        { returnToCustodyReason: episode.returnToCustodyReason },
      );
    }
    const reversedAt = new Date(body.reversedAt);
    if (reversedAt < episode.receivedAt) {
      throw new MovementOutOfOrderError(
        'REVERSAL_BEFORE_RECEPTION',
        'reversedAt',
        `reversedAt ${body.reversedAt} is before the reception it reverses (${episode.receivedAt.toISOString()})`,
        { personId, episode: episodeNumber, receivedAt: episode.receivedAt.toISOString() },
      );
    }

    // A later episode may be held where the caller has no scope, even in the database (row-level
    // security): it is looked for across scopes, and named only to a caller that may see it.
    const later = await acrossScopes(manager, async () => {
      // A later episode received in error (void) never was: it does not stand (as for a release's
      // reversal past it, review M1).
      const next = await manager.findOne(CustodyEpisode, {
        where: { personId, episode: MoreThan(episodeNumber), voidedAt: IsNull() },
        order: { episode: 'ASC' },
      });
      if (!next) return null;
      return refusalOver(manager, next, context.scope, () =>
        refused(
          'LATER_EPISODE_STANDS',
          `episode ${next.episode} of person ${personId} was opened after episode ${episodeNumber}: only the latest episode's reception can be reversed`,
          { laterEpisode: next.episode },
        ),
      );
    });
    if (later) throw later;

    const movements = await loadMovements(manager, personId, episodeNumber);
    if (episode.releasedAt !== null) {
      const release = movements.find((m) => m.movement === 'RELEASE' && m.reversedAt === null);
      throw refused(
        'REVERSE_RELEASE_FIRST',
        `episode ${episodeNumber} of person ${personId} was released at ${episode.releasedAt.toISOString()}${release ? ` (event ${release.eventId})` : ''}: reverse the release first (POST /movements/:eventId/reversal)`,
        {},
        release ? { eventId: release.eventId } : undefined,
      );
    }
    const transfer = standingTransfers({ movements }).at(-1);
    if (transfer) {
      throw refused(
        'REVERSE_TRANSFER_FIRST',
        `a transfer of episode ${episodeNumber} of person ${personId} stands (event ${transfer.eventId}, to ${transfer.toEstablishmentCode ?? '?'} at ${transfer.occurredAt.toISOString()}): reverse it first (POST /movements/:eventId/reversal)`,
        {},
        { eventId: transfer.eventId },
      );
    }
    const absences = await manager.find(TemporaryAbsence, {
      where: { personId, episode: episodeNumber },
      order: { leftAt: 'DESC' },
    });
    const absence = absences.find(absenceStands);
    if (absence) {
      throw refused(
        'REVERSE_ABSENCE_FIRST',
        `a ${absence.kind} absence of episode ${episodeNumber} of person ${personId} stands (${absence.id}, out ${absence.leftAt.toISOString()}): reverse it first (POST …/absences/:absenceId/reversal: its return, if recorded, then its departure)`,
        {},
        { absenceId: absence.id },
      );
    }
    // The journey closes at reversedAt, which decides which of its clocks count as breached: not
    // before what was recorded on the episode, nor the reversals that had to come first (N3).
    const latest = latestMovementOn(movements, absences);
    if (latest && reversedAt < latest) {
      throw new MovementOutOfOrderError(
        'REVERSAL_BEFORE_LATEST_MOVEMENT',
        'reversedAt',
        `reversedAt ${body.reversedAt} is before the latest movement recorded on episode ${episodeNumber} of person ${personId} or its reversal (${latest.toISOString()}): a reception is reversed after what was recorded on it`,
        { personId, episode: episodeNumber, latestMovementAt: latest.toISOString() },
      );
    }

    const voided = {
      voidedAt: reversedAt,
      voidedBy: context.actor,
      voidReason: body.reason,
      voidNote: body.note ?? null,
      voidEventId: context.fromBus?.eventId ?? randomUUID(),
      voidCorrelationId: context.correlationId,
    };
    await manager.update(CustodyEpisode, { personId, episode: episodeNumber }, voided);
    Object.assign(episode, voided);
    // An HMPPS admission this reception had completed is to do again (or to dismiss).
    await reopenPendingReceptions(manager, personId, episodeNumber);
    await enqueueCustodyEvent(
      manager,
      receptionReversedEvent(episode, currentEstablishment(episode, { movements })),
      context,
    );
    return true;
  }
}

/** Whether the caller may see the episode (read under the person's lock). */
async function visible(
  manager: EntityManager,
  episode: CustodyEpisode,
  context: RequestContext,
): Promise<boolean> {
  if (context.scope === 'unrestricted') return true;
  if (episode.voidedAt !== null && episode.voidedBy === context.actor) return true;
  return isWithin(manager, episode, context.scope);
}

/** Names of the facts a repeat of a recorded reversal disagrees on (never values: the note is free text). */
function differingReversalFacts(e: CustodyEpisode, body: ReverseReceptionBody): string[] {
  return [
    ...(e.voidedAt?.getTime() === Date.parse(body.reversedAt) ? [] : ['reversedAt']),
    ...(e.voidReason === body.reason ? [] : ['reason']),
    ...(e.voidNote === (body.note ?? null) ? [] : ['note']),
  ];
}

/**
 * The latest instant recorded on the episode's movements and temporary absences, their reversals
 * included (by the time a reception is reversed, nothing on it stands); null when there is none.
 */
function latestMovementOn(
  movements: readonly Movement[],
  absences: readonly TemporaryAbsence[],
): Date | null {
  const instants = [
    ...movements.flatMap((m) => [m.occurredAt, m.reversedAt]),
    ...absences.flatMap((a) => [a.leftAt, a.returnedAt, a.departureReversedAt, a.returnReversedAt]),
  ].filter((d): d is Date => d !== null);
  return instants.length === 0 ? null : new Date(Math.max(...instants.map((d) => d.getTime())));
}
