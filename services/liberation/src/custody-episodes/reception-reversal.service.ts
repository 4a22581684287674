import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isReceived, receivedEpisode, type CustodyEpisode } from './custody-episode.entity';
import { AdmissionDecisionError, MovementOutOfOrderError } from './custody-episode.errors';
import { receptionReversedEvent } from './custody-episode.events';
import type { ReverseReceptionBody } from './custody-episode.schemas';
import {
  reverseOpening,
  type OpeningKind,
  type OpeningReversalOutcome,
  type Refuse,
} from './episode-reversal';
import type { Movement } from './movement.entity';
import { standingTransfers } from './episode-history';
import {
  completedAdmissions,
  reopenPendingReceptions,
  voidPendingReceptions,
} from './pending-reception.completion';
import type { RequestContext } from './request-context';
import { absenceStands, TemporaryAbsence } from './temporary-absence.entity';

export type ReceptionReversalOutcome = OpeningReversalOutcome;

/**
 * A reception recorded in error (NOMIS "admission in error"), reversed (see `reverseOpening`). Only
 * an episode opened by a reception (a return to custody included: the release of the episode before
 * stands, and its journey follows the person up again), with nothing later standing on it: a standing release, transfer or temporary absence (open or returned) is refused with a code
 * naming what to reverse first, and `reversedAt` is not before anything recorded on the episode.
 * Sentence calculations, gate arrangements, meetings, gate pick-ups and release-date changes do
 * not block: they become void with the episode (the journey's early closure cancels what it
 * booked).
 *
 * An HMPPS admission (pending reception) the reception had completed: staff say what it was
 * (`admission`, recorded on the reversal), and it changes in the same transaction: TO_RECEIVE_AGAIN,
 * the person really is arriving, it is pending again to complete again; IN_ERROR, the admission
 * itself was wrong, it is void and nothing completes from it. Not said when it completed one:
 * 422 ADMISSION_DECISION_REQUIRED. Said when it completed none: 422 ADMISSION_DECISION_NOT_APPLICABLE
 * (stricter than ignoring it: a decision about an admission that is not there is a mistake about
 * which reception this is, and would be recorded on the reversal for nothing).
 */
export const RECEPTION_OPENING: OpeningKind = {
  name: 'reception',
  keyScope: 'reception-reversal',
  refuseKind(episode, refused) {
    const { personId, episode: n } = episode;
    if (!isReceived(episode)) {
      throw refused(
        'NOT_A_RECEPTION',
        `episode ${n} of person ${personId} was not opened by a reception (liberated direct from court): there is no reception to reverse; a liberation from court recorded in error is reversed with POST /people/${personId}/episodes/${n}/court-liberation-reversal`,
      );
    }
    // A return to custody (recall, new sentence) is reversible too: the episode before keeps its
    // release, and the journey of this one, closing RECEIVED_IN_ERROR, starts the journey of the
    // episode before again (return-reversal-1), so the person is followed up in the community.
  },
  opened: (episode) => ({
    at: receivedEpisode(episode).receivedAt,
    field: 'receivedAt',
    code: 'REVERSAL_BEFORE_RECEPTION',
  }),
  refuseStanding: refuseWhileMovementsStand,
  async admission(manager, episode, body, context) {
    const { personId, episode: n } = episode;
    const completed = await completedAdmissions(manager, personId, n);
    // An upstream system's reversal (the bus) carries no decision, and the bridge closes the
    // journey on the same event: it must not be dead-lettered here, or the record and the journey
    // disagree (review of stop 39, S2). The admission goes back to the prison's list to complete
    // again or dismiss (the non-destructive choice, as before decisions were asked for).
    if (completed > 0 && body.admission === undefined && context.fromBus) return 'TO_RECEIVE_AGAIN';
    if (completed > 0 && body.admission === undefined) {
      throw new AdmissionDecisionError(
        'ADMISSION_DECISION_REQUIRED',
        `the reception of episode ${n} of person ${personId} completed an HMPPS admission: say what the admission was (admission: TO_RECEIVE_AGAIN, the person really is arriving and it is to complete again; IN_ERROR, the admission itself was wrong and is void)`,
        { personId, episode: n },
      );
    }
    if (completed === 0 && body.admission !== undefined) {
      throw new AdmissionDecisionError(
        'ADMISSION_DECISION_NOT_APPLICABLE',
        `the reception of episode ${n} of person ${personId} completed no HMPPS admission: there is no admission to decide on; send the reversal without admission`,
        { personId, episode: n },
      );
    }
    // One decision covers every admission the reception completed (those at its prison within a
    // day of it): IN_ERROR would void a genuine one with a wrong one (review of stop 39, M5).
    if (completed > 1 && body.admission === 'IN_ERROR') {
      throw new AdmissionDecisionError(
        'ADMISSION_DECISION_AMBIGUOUS',
        `the reception of episode ${n} of person ${personId} completed ${completed} HMPPS admissions: IN_ERROR would void every one of them; reverse it with admission TO_RECEIVE_AGAIN (each is pending again), then dismiss the wrong ones (POST /receptions/pending/:id/dismissal) and complete the right one`,
        { personId, episode: n, completed },
      );
    }
    return body.admission ?? null;
  },
  async afterVoid(manager, episode, context) {
    const { personId, episode: n } = episode;
    // An HMPPS admission this reception had completed: to do again (or to dismiss), or void.
    if (episode.voidAdmission === 'TO_RECEIVE_AGAIN') await reopenPendingReceptions(manager, personId, n);
    if (episode.voidAdmission === 'IN_ERROR')
      await voidPendingReceptions(manager, personId, n, context.actor);
  },
  event: receptionReversedEvent,
};

@Injectable()
export class ReceptionReversalService {
  constructor(private readonly dataSource: DataSource) {}

  /** Voids the episode its reception opened (see RECEPTION_OPENING). */
  reverse(
    personId: string,
    episodeNumber: number,
    body: ReverseReceptionBody,
    context: RequestContext,
  ): Promise<ReceptionReversalOutcome> {
    return reverseOpening(this.dataSource, RECEPTION_OPENING, personId, episodeNumber, body, context);
  }
}

/** A release, transfer or temporary absence standing on the episode, or recorded after reversedAt. */
async function refuseWhileMovementsStand(
  manager: EntityManager,
  episode: CustodyEpisode,
  reversedAt: Date,
  movements: readonly Movement[],
  refused: Refuse,
): Promise<void> {
  const { personId, episode: episodeNumber } = episode;
  if (episode.releasedAt !== null) {
    const release = movements.find((m) => m.movement === 'RELEASE' && m.reversedAt === null);
    throw refused(
      'REVERSE_RELEASE_FIRST',
      `episode ${episodeNumber} of person ${personId} was released at ${episode.releasedAt.toISOString()}${release ? ` (event ${release.eventId})` : ''}: reverse the release first (POST /movements/:eventId/reversal)`,
      {},
      release ? { eventId: release.eventId } : undefined,
    );
  }
  const transfer = standingTransfers({ movements: [...movements] }).at(-1);
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
      `reversedAt ${reversedAt.toISOString()} is before the latest movement recorded on episode ${episodeNumber} of person ${personId} or its reversal (${latest.toISOString()}): a reception is reversed after what was recorded on it`,
      { personId, episode: episodeNumber, latestMovementAt: latest.toISOString() },
    );
  }
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
