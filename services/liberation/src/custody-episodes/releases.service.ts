import { randomUUID } from 'node:crypto';
import { noteAuditSubject } from '@throughcare/platform-audit';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, Not, type EntityManager } from 'typeorm';
import { ConflictError } from '@throughcare/platform-errors';
import { withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, OPEN_EPISODE } from './custody-episode.entity';
import {
  ConflictingRetryError,
  EpisodeAlreadyReleasedError,
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  ReleaseBeforeReceptionError,
  ReleaseEstablishmentMismatchError,
  refuseVoid,
} from './custody-episode.errors';
import { personReleasedEvent } from './custody-episode.events';
import { enqueueCustodyEvent } from './custody-outbox';
import type { RecordReleaseBody } from './custody-episode.schemas';
import { isWithin, loadMovements, whereHeld } from './episode-history';
import { Movement } from './movement.entity';
import { lockPerson } from './person-lock';
import { PersonIds } from './person-ids';
import { covers } from './prison-scope';
import type { RequestContext } from './request-context';
import { TemporaryAbsence } from './temporary-absence.entity';
import {
  endAbsenceByMovement,
  overdueWhenEnded,
  type OverdueAbsenceEnded,
} from './temporary-absences.service';

export interface ReleaseOutcome {
  /** False when this was a retry of a release already recorded (no second event). */
  created: boolean;
  episode: CustodyEpisode;
  /** The eventId of the episode's custody.person.released (null only for a release that predates movements). */
  eventId: string | null;
  /**
   * The absence (ROTL or court) the release ended while the person was out past its dueBackAt:
   * released without coming back when due (issue 10: flagged, not silent). Null otherwise.
   */
  overdueAbsence: OverdueAbsenceEnded | null;
}

@Injectable()
export class ReleasesService {
  private readonly logger = new Logger('Releases');

  constructor(
    private readonly dataSource: DataSource,
    private readonly personIds: PersonIds,
  ) {}

  /**
   * Records the release facts of an episode (the open one unless `episode` is given) and
   * enqueues `custody.person.released`, in one transaction. The same releasedAt again, or the
   * same Idempotency-Key, answers with the release already recorded. A caller may release only
   * from its own establishments a person held there: anything else answers as if the episode
   * did not exist. Within them, `establishmentCode` must be where the person is held
   * (RELEASE_ESTABLISHMENT_MISMATCH otherwise).
   */
  async record(body: RecordReleaseBody, context: RequestContext): Promise<ReleaseOutcome> {
    // The schema guarantees exactly one of personId and prisonNumber.
    const personId = body.personId ?? this.personIds.of(body.prisonNumber ?? '');
    noteAuditSubject(personId);
    if (!covers(context.scope, body.establishmentCode)) throw episodeNotFound(personId, body.episode);
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      let created = false;
      const release = async (manager: EntityManager) => {
        const outcome = await this.release(manager, personId, body, context);
        created = outcome.created;
        return { personId, episode: outcome.episode.episode };
      };
      const key = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:release:${context.idempotencyKey}`, release)
        : await release(tx);
      const episode = await tx.findOneByOrFail(CustodyEpisode, key);
      // An Idempotency-Key retry answers only while the episode is still the caller's to see.
      if (!(await isWithin(tx, episode, context.scope))) throw episodeNotFound(personId, body.episode);
      if (!created && episode.releasedAt === null) throw releaseReversed(personId, episode.episode);
      if (!created) {
        const differences = [
          ...(episode.personId === personId ? [] : [body.personId ? 'personId' : 'prisonNumber']),
          ...(body.episode === undefined || body.episode === episode.episode ? [] : ['episode']),
          ...differingReleaseFacts(episode, body),
        ];
        if (differences.length > 0) {
          throw new IdempotencyKeyReusedError('the release sent with this Idempotency-Key', differences);
        }
      }
      const movement = await tx.findOneBy(Movement, {
        personId,
        episode: episode.episode,
        movement: 'RELEASE',
        reversedAt: IsNull(),
      });
      // Answered on a retry too: read from the absence the release's event ended.
      const ended = movement
        ? await tx.findOneBy(TemporaryAbsence, {
            personId,
            episode: episode.episode,
            endedByMovementEventId: movement.eventId,
          })
        : null;
      const overdueAbsence = ended ? overdueWhenEnded(ended) : null;
      if (created && overdueAbsence)
        this.logger.warn(
          `release ${movement!.eventId} of episode ${episode.episode} of person ${personId} ended the ${overdueAbsence.kind} absence ${overdueAbsence.absenceId} (out since ${overdueAbsence.leftAt}) past the time it was due back by, ${overdueAbsence.overdueSince}${overdueAbsence.dueBackKnown ? '' : ' (no dueBackAt: the default of its kind)'}: released while overdue back`,
        );
      return { created, episode, eventId: movement?.eventId ?? null, overdueAbsence };
    });
  }

  private async release(
    manager: EntityManager,
    personId: string,
    body: RecordReleaseBody,
    context: RequestContext,
  ): Promise<Omit<ReleaseOutcome, 'eventId' | 'overdueAbsence'>> {
    const releasedAt = new Date(body.releasedAt);
    const episode = await this.target(manager, personId, body.episode, releasedAt);
    const movements = await loadMovements(manager, personId, episode.episode);
    if (!(await isWithin(manager, episode, context.scope, movements)))
      throw episodeNotFound(personId, body.episode);

    refuseVoid(episode);
    if (episode.releasedAt !== null) {
      if (episode.releasedAt.getTime() !== releasedAt.getTime()) {
        throw new EpisodeAlreadyReleasedError(personId, episode.episode, episode.releasedAt);
      }
      const differences = differingReleaseFacts(episode, body);
      if (differences.length > 0) {
        throw new ConflictingRetryError(
          `the release of episode ${episode.episode} of person ${personId}`,
          differences,
          'RELEASE_CONFLICT',
        );
      }
      return { created: false, episode };
    }
    // A person is released by the establishment holding them (one of the caller's: see above).
    // An upstream prison system's release (the bus) is applied as it states it.
    const heldAt = whereHeld(episode, { movements });
    if (context.scope !== 'unrestricted' && body.establishmentCode !== heldAt) {
      throw new ReleaseEstablishmentMismatchError(personId, episode.episode, heldAt);
    }
    if (episode.receivedAt !== null && releasedAt < episode.receivedAt) {
      throw new ReleaseBeforeReceptionError(personId, episode.episode, episode.receivedAt, body.releasedAt);
    }
    // The same release again after it was reversed (an upstream re-publish): not a new release.
    const reversed = await manager.findOneBy(Movement, {
      personId,
      episode: episode.episode,
      movement: 'RELEASE',
      occurredAt: releasedAt,
      reversedAt: Not(IsNull()),
    });
    if (reversed) throw releaseReversed(personId, episode.episode, reversed);

    episode.releasedAt = releasedAt;
    episode.releasedBy = context.actor;
    episode.releaseEstablishmentCode = body.establishmentCode;
    episode.releaseReason = body.reason;
    await manager.update(
      CustodyEpisode,
      { personId, episode: episode.episode },
      {
        releasedAt,
        releasedBy: context.actor,
        releaseEstablishmentCode: body.establishmentCode,
        releaseReason: body.reason,
      },
    );
    const eventId = context.fromBus?.eventId ?? randomUUID();
    await manager.insert(Movement, {
      eventId,
      personId,
      episode: episode.episode,
      movement: 'RELEASE',
      fromEstablishmentCode: body.establishmentCode,
      toEstablishmentCode: null,
      releaseReason: body.reason,
      occurredAt: releasedAt,
      recordedAt: new Date(),
      recordedBy: context.actor,
      correlationId: context.correlationId,
      reversedAt: null,
      reversedBy: null,
      reversalEventId: null,
      reversalCorrelationId: null,
    });
    const endedAbsence = await endAbsenceByMovement(
      manager,
      personId,
      episode.episode,
      'RELEASE',
      releasedAt,
      eventId,
    );
    await enqueueCustodyEvent(
      manager,
      personReleasedEvent(episode, context.correlationId, eventId, endedAbsence),
      context,
    );
    return { created: true, episode };
  }

  /** The named episode; else the open one; else (a retry after success) the one released at that instant. */
  private async target(
    manager: EntityManager,
    personId: string,
    episode: number | undefined,
    releasedAt: Date,
  ): Promise<CustodyEpisode> {
    if (episode !== undefined) {
      const named = await manager.findOneBy(CustodyEpisode, { personId, episode });
      if (!named) throw EpisodeNotFoundError.of(personId, episode);
      return named;
    }
    const open =
      (await manager.findOneBy(CustodyEpisode, { personId, ...OPEN_EPISODE })) ??
      // A retry of a release this service recorded: an episode opened by a reception, not void
      // (a liberation from court is released at its own instant, and a void one never was: the
      // HTTP fuzz found a 500 replaying a voided liberation's instant here).
      (await manager.findOne(CustodyEpisode, {
        where: { personId, releasedAt, origin: 'RECEPTION', voidedAt: IsNull() },
        order: { episode: 'DESC' },
      }));
    if (!open) throw EpisodeNotFoundError.openOf(personId);
    return open;
  }
}

/** What a release answers for an episode that does not exist, or that the caller may not see. */
function episodeNotFound(personId: string, episode: number | undefined): EpisodeNotFoundError {
  return episode === undefined
    ? EpisodeNotFoundError.openOf(personId)
    : EpisodeNotFoundError.of(personId, episode);
}

/** A retry of a release that has since been reversed: recording it again would undo the correction. */
function releaseReversed(personId: string, episode: number, movement?: Movement): ConflictError {
  return new ConflictError(
    `this release of episode ${episode} of person ${personId} was reversed${movement?.reversedAt ? ` at ${movement.reversedAt.toISOString()} (event ${movement.eventId})` : ''}; record a new release with a new releasedAt or Idempotency-Key`,
    'RELEASE_REVERSED',
    { details: { personId, episode, ...(movement ? { eventId: movement.eventId } : {}) } },
  );
}

function differingReleaseFacts(e: CustodyEpisode, body: RecordReleaseBody): string[] {
  return [
    ...(e.releasedAt?.getTime() === Date.parse(body.releasedAt) ? [] : ['releasedAt']),
    ...(e.releaseEstablishmentCode === body.establishmentCode ? [] : ['establishmentCode']),
    ...(e.releaseReason === body.reason ? [] : ['reason']),
  ];
}
