import { noteAuditSubject } from '@throughcare/platform-audit';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '@throughcare/platform-errors';
import { acrossScopes, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, isVoid, OPEN_EPISODE, receivedEpisode } from './custody-episode.entity';
import {
  ConflictingRetryError,
  EpisodeAlreadyOpenError,
  IdempotencyKeyReusedError,
  NotAReturnToCustodyError,
  OpeningReversedError,
  PersonNotFoundError,
} from './custody-episode.errors';
import { personReceivedEvent } from './custody-episode.events';
import { enqueueCustodyEvent, refuseEpisodeMismatch, refusePreviousEpisodeMismatch } from './custody-outbox';
import type { RecordReceptionBody } from './custody-episode.schemas';
import { completePendingReceptions, lockPendingForCompletion } from './pending-reception.completion';
import type { PendingReception } from './pending-reception.entity';
import { lockPerson } from './person-lock';
import { PersonIds } from './person-ids';
import { lastEpisodeNumber, latestStandingEpisode, refusalOver } from './episode-history';
import { covers } from './prison-scope';
import type { RequestContext } from './request-context';

export interface ReceptionOutcome {
  /** False when this was a retry of a reception already recorded (no new episode, no new event). */
  created: boolean;
  episode: CustodyEpisode;
}

interface EpisodeKey {
  personId: string;
  episode: number;
}

/** The number a reception opens, and for a return to custody the released episode it follows. */
interface NextEpisode {
  episode: number;
  previousEpisode: number | undefined;
}

@Injectable()
export class ReceptionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly personIds: PersonIds,
  ) {}

  /**
   * Opens the person's next custody episode and enqueues `custody.person.received`, in one
   * transaction. The same prison number and receivedAt again, or the same Idempotency-Key,
   * answers with the episode already recorded. A return to custody (recall, new sentence) is
   * carried into the event, and is accepted only after a released episode. A caller may receive
   * people into its own establishments only: another establishment answers as an unknown person.
   * A reception refused because of an episode held elsewhere (open, or released later than this
   * reception) answers CUSTODY_RECORD_CONFLICT, which says nothing of that episode.
   */
  async record(
    body: RecordReceptionBody,
    context: RequestContext,
    /** The pending reception (HMPPS) this reception completes, refused if it was dismissed. */
    pendingReceptionId?: string,
    /** Checks the pending reception once locked, before anything is recorded (its completion's precondition). */
    checkPending?: (pending: PendingReception) => void,
  ): Promise<ReceptionOutcome> {
    const personId = this.personIds.of(body.prisonNumber);
    noteAuditSubject(personId);
    if (!covers(context.scope, body.establishmentCode)) throw new PersonNotFoundError(personId);
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const pending =
        pendingReceptionId === undefined ? null : await lockPendingForCompletion(tx, pendingReceptionId);
      if (pending !== null) checkPending?.(pending);
      // A pending reception reopened by a reception reversal is received again at its own instant.
      const receivedAgain = pending !== null && pending.reopenedAfterEpisode !== null;
      let created = false;
      const receive = async (manager: EntityManager): Promise<EpisodeKey> => {
        const outcome = await this.receive(manager, personId, body, context, receivedAgain);
        created = outcome.created;
        return { personId, episode: outcome.episode.episode };
      };
      const key = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:reception:${context.idempotencyKey}`, receive)
        : await receive(tx);
      const episode = await tx.findOneByOrFail(CustodyEpisode, key);
      // However it was recorded, a reception answers the person's pending ones (HMPPS) at that prison.
      if (created)
        await completePendingReceptions(
          tx,
          {
            personId,
            establishmentCode: body.establishmentCode,
            receivedAt: new Date(body.receivedAt),
            episode: episode.episode,
          },
          context.actor,
          pendingReceptionId,
        );
      if (!created) {
        const differences = differingReceptionFacts(episode, body);
        if (differences.length > 0) {
          throw new IdempotencyKeyReusedError('the reception sent with this Idempotency-Key', differences);
        }
        // A keyed retry of a reception reversed since is not answered as if it stood, as a retry
        // without a key is not (review stop 37, N2).
        if (isVoid(episode)) throw new OpeningReversedError(episode);
      }
      return { created, episode };
    });
  }

  private async receive(
    manager: EntityManager,
    personId: string,
    body: RecordReceptionBody,
    context: RequestContext,
    /** The completion of a pending reception a reversal reopened: a void reception at its instant is not in the way. */
    receivedAgain = false,
  ): Promise<ReceptionOutcome> {
    const receivedAt = new Date(body.receivedAt);
    // Whether this opens the person's next episode, and its number, depends on the person's whole
    // custody record, wherever it is held: read across row-level security scopes (a refusal over an
    // episode the caller may not see names nothing of it). The new episode is written under the
    // caller's own scope, so the database checks it is at one of the caller's establishments.
    const decided = await acrossScopes(manager, async (): Promise<ReceptionOutcome | NextEpisode> => {
      // The reception standing at that instant (one at most), else one reversed there: a retry of
      // it is refused below, unless this completes the pending reception its reversal reopened.
      const atInstant = await manager.find(CustodyEpisode, {
        where: { personId, receivedAt },
        order: { episode: 'ASC' },
      });
      const already = atInstant.find((e) => !isVoid(e)) ?? (receivedAgain ? undefined : atInstant.at(-1));
      // Each refusal below is about an episode already recorded: detailed only to a caller that may see it.
      const refusal = (e: CustodyEpisode, detailed: () => DomainError) =>
        refusalOver(manager, e, context.scope, detailed);
      if (already) {
        const differences = differingReceptionFacts(already, body);
        if (differences.length > 0) {
          throw await refusal(
            already,
            () =>
              new ConflictingRetryError(
                `the reception of person ${personId} at ${receivedAt.toISOString()}`,
                differences,
                'RECEPTION_CONFLICT',
              ),
          );
        }
        // The same facts, so a reception at one of the caller's establishments: its retry.
        refuseEpisodeMismatch(context, personId, already.episode);
        // Reversed since as recorded in error: not answered as if it stood (it cannot be recorded
        // again at that instant either: one reception per person and instant).
        if (isVoid(already)) throw new OpeningReversedError(already);
        return { created: false, episode: already } as const;
      }

      // A void episode (its reception reversed as recorded in error) never was: the return to
      // custody and the previous release are the latest other episode's; it keeps its number.
      const previous = await latestStandingEpisode(manager, personId);
      if (body.returnToCustody && !previous) throw new NotAReturnToCustodyError(personId, null);
      if (body.returnToCustody && previous && previous.releasedAt === null) {
        throw await refusal(
          previous,
          () => new NotAReturnToCustodyError(personId, { episode: previous.episode, open: true }),
        );
      }

      const open = await manager.findOneBy(CustodyEpisode, { personId, ...OPEN_EPISODE });
      if (open) {
        throw await refusal(
          open,
          () => new EpisodeAlreadyOpenError(personId, open.episode, receivedEpisode(open).receivedAt),
        );
      }

      const previousRelease = previous?.releasedAt;
      if (previous && previousRelease && receivedAt < previousRelease) {
        throw await refusal(
          previous,
          () =>
            new DomainError(
              'RECEPTION_BEFORE_PREVIOUS_RELEASE',
              'RULE_VIOLATED',
              `receivedAt ${receivedAt.toISOString()} is before person ${personId} was released from episode ${previous.episode} (${previousRelease.toISOString()})`,
              { details: { field: 'receivedAt', personId, episode: previous.episode } },
            ),
        );
      }

      const last = await lastEpisodeNumber(manager, personId);
      // A return to custody follows the latest episode that stands, released (checked above):
      // with void episodes between, not the one numbered just before it. The event says which, so
      // the journey told of the return is that episode's.
      return { episode: last + 1, previousEpisode: body.returnToCustody ? previous?.episode : undefined };
    });
    if ('created' in decided) return decided;
    const { episode: episodeNumber, previousEpisode } = decided;
    refuseEpisodeMismatch(context, personId, episodeNumber);
    if (previousEpisode !== undefined) refusePreviousEpisodeMismatch(context, personId, previousEpisode);
    const episode = manager.create(CustodyEpisode, {
      personId,
      episode: episodeNumber,
      origin: 'RECEPTION',
      prisonNumber: body.prisonNumber,
      establishmentCode: body.establishmentCode,
      jurisdiction: body.jurisdiction,
      homeLocalAuthority: body.homeLocalAuthority,
      sex: body.sex ?? null,
      dateOfBirth: body.dateOfBirth ?? null,
      receptionReason: body.reason,
      sentenceDate: body.sentenceDate,
      sentenceLengthDays: body.sentenceLengthDays,
      expectedReleaseDate: body.expectedReleaseDate,
      receivedAt,
      receivedBy: context.actor,
      returnToCustodyReason: body.returnToCustody?.reason ?? null,
      recallReasonCode: body.returnToCustody?.recallReasonCode ?? null,
      legalStatus: null,
      courtLiberationEventId: null,
      releasedAt: null,
      releasedBy: null,
      releaseEstablishmentCode: null,
      releaseReason: null,
      stage: null,
      stageAt: null,
      stageRecordedAt: null,
    });
    const saved = await manager.save(episode);
    await enqueueCustodyEvent(
      manager,
      personReceivedEvent(
        receivedEpisode(saved),
        context.correlationId,
        context.fromBus?.eventId,
        previousEpisode,
      ),
      context,
    );
    return { created: true, episode: saved };
  }
}

/** Names (never values: they may be personal data) of the facts a retry disagrees on. */
function differingReceptionFacts(e: CustodyEpisode, body: RecordReceptionBody): string[] {
  const recorded: Record<string, unknown> = {
    prisonNumber: e.prisonNumber,
    establishmentCode: e.establishmentCode,
    jurisdiction: e.jurisdiction,
    homeLocalAuthority: e.homeLocalAuthority,
    reason: e.receptionReason,
    receivedAt: e.receivedAt?.getTime(),
    sentenceDate: e.sentenceDate,
    sentenceLengthDays: e.sentenceLengthDays,
    expectedReleaseDate: e.expectedReleaseDate,
    returnToCustody: `${e.returnToCustodyReason ?? ''}/${e.recallReasonCode ?? ''}`,
  };
  // Optional, and absent before migration 700: a disagreement only when both give one (a copy
  // without them, from an upstream system or an older client, is the same reception).
  if (e.sex !== null && body.sex !== undefined) recorded['sex'] = e.sex;
  if (e.dateOfBirth !== null && body.dateOfBirth !== undefined) recorded['dateOfBirth'] = e.dateOfBirth;
  const sent: Record<string, unknown> = {
    ...body,
    receivedAt: Date.parse(body.receivedAt),
    returnToCustody: `${body.returnToCustody?.reason ?? ''}/${body.returnToCustody?.recallReasonCode ?? ''}`,
  };
  return Object.keys(recorded).filter((field) => recorded[field] !== sent[field]);
}
