import { noteAuditSubject } from '@throughcare/platform-audit';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '@throughcare/platform-errors';
import { acrossScopes, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, isVoid, OPEN_EPISODE, receivedEpisode } from './custody-episode.entity';
import {
  ConflictingRetryError,
  EpisodeAlreadyOpenError,
  IdempotencyKeyReusedError,
  OpeningReversedError,
  PersonNotFoundError,
} from './custody-episode.errors';
import { liberatedFromCourtEvent } from './custody-episode.events';
import { enqueueCustodyEvent, refuseEpisodeMismatch } from './custody-outbox';
import type { RecordCourtLiberationBody } from './custody-episode.schemas';
import { lockPerson } from './person-lock';
import { PersonIds } from './person-ids';
import { lastEpisodeNumber, latestStandingEpisode, refusalOver } from './episode-history';
import { covers } from './prison-scope';
import type { RequestContext } from './request-context';

export interface CourtLiberationOutcome {
  /** False when this was a retry of a liberation already recorded (no new episode, no new event). */
  created: boolean;
  episode: CustodyEpisode;
}

@Injectable()
export class CourtLiberationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly personIds: PersonIds,
  ) {}

  /**
   * A person liberated straight from court (remand ended, time served): opens the person's next
   * episode already released, with no reception, and enqueues
   * `custody.person.liberated-from-court`, in one transaction. The same prison number and
   * releasedAt again, or the same Idempotency-Key, answers the episode already recorded; once that
   * liberation was reversed as recorded in error, either is 409 COURT_LIBERATION_REVERSED. A caller
   * may record liberations at its own establishments only: another answers as an unknown person.
   * A liberation refused because of an episode held elsewhere (open, or released later) answers
   * CUSTODY_RECORD_CONFLICT, which says nothing of that episode.
   */
  async record(body: RecordCourtLiberationBody, context: RequestContext): Promise<CourtLiberationOutcome> {
    const personId = this.personIds.of(body.prisonNumber);
    noteAuditSubject(personId);
    if (!covers(context.scope, body.establishmentCode)) throw new PersonNotFoundError(personId);
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      let created = false;
      const liberate = async (manager: EntityManager) => {
        const outcome = await this.liberate(manager, personId, body, context);
        created = outcome.created;
        return { personId, episode: outcome.episode.episode };
      };
      const key = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:court-liberation:${context.idempotencyKey}`, liberate)
        : await liberate(tx);
      const episode = await tx.findOneByOrFail(CustodyEpisode, key);
      if (!created) {
        const differences = differingLiberationFacts(episode, body);
        if (differences.length > 0) {
          throw new IdempotencyKeyReusedError(
            'the court liberation sent with this Idempotency-Key',
            differences,
          );
        }
        // A keyed retry of a liberation reversed since is not answered as if it stood.
        if (isVoid(episode)) throw new OpeningReversedError(episode);
      }
      return { created, episode };
    });
  }

  private async liberate(
    manager: EntityManager,
    personId: string,
    body: RecordCourtLiberationBody,
    context: RequestContext,
  ): Promise<CourtLiberationOutcome> {
    const releasedAt = new Date(body.releasedAt);
    // Whether this opens the person's next episode, and its number, depends on the person's whole
    // custody record, wherever it is held: read across row-level security scopes (a refusal over an
    // episode the caller may not see names nothing of it). The new episode is written under the
    // caller's own scope, so the database checks it is at one of the caller's establishments.
    const decided = await acrossScopes(manager, async (): Promise<CourtLiberationOutcome | number> => {
      // The liberation standing at that instant, else one reversed there (refused below): one
      // liberation from court per person and instant.
      const atInstant = await manager.find(CustodyEpisode, {
        where: { personId, origin: 'COURT_LIBERATION', releasedAt },
        order: { episode: 'ASC' },
      });
      const already = atInstant.find((e) => !isVoid(e)) ?? atInstant.at(-1);
      // Each refusal below is about an episode already recorded: detailed only to a caller that may see it.
      const refusal = (e: CustodyEpisode, detailed: () => DomainError) =>
        refusalOver(manager, e, context.scope, detailed);
      if (already && isVoid(already)) {
        // Reversed as recorded in error: not answered as if it stood, nor recorded again at that
        // instant, with these facts or others (a blind retry would make the error stand again).
        throw await refusal(already, () => new OpeningReversedError(already));
      }
      if (already) {
        const differences = differingLiberationFacts(already, body);
        if (differences.length > 0) {
          throw await refusal(
            already,
            () =>
              new ConflictingRetryError(
                `the court liberation of person ${personId} at ${releasedAt.toISOString()}`,
                differences,
                'COURT_LIBERATION_CONFLICT',
              ),
          );
        }
        // The same facts, so a liberation at one of the caller's establishments: its retry.
        refuseEpisodeMismatch(context, personId, already.episode);
        return { created: false, episode: already } as const;
      }

      const open = await manager.findOneBy(CustodyEpisode, { personId, ...OPEN_EPISODE });
      if (open) {
        throw await refusal(
          open,
          () => new EpisodeAlreadyOpenError(personId, open.episode, receivedEpisode(open).receivedAt),
        );
      }

      const previous = await latestStandingEpisode(manager, personId);
      const previousRelease = previous?.releasedAt;
      if (previous && previousRelease && releasedAt < previousRelease) {
        throw await refusal(
          previous,
          () =>
            new DomainError(
              'LIBERATION_BEFORE_PREVIOUS_RELEASE',
              'RULE_VIOLATED',
              `releasedAt ${releasedAt.toISOString()} is before person ${personId} was released from episode ${previous.episode} (${previousRelease.toISOString()})`,
              { details: { field: 'releasedAt', personId, episode: previous.episode } },
            ),
        );
      }

      return (await lastEpisodeNumber(manager, personId)) + 1;
    });
    if (typeof decided !== 'number') return decided;
    const episodeNumber = decided;
    refuseEpisodeMismatch(context, personId, episodeNumber);
    const episode = manager.create(CustodyEpisode, {
      personId,
      episode: episodeNumber,
      origin: 'COURT_LIBERATION',
      prisonNumber: body.prisonNumber,
      establishmentCode: body.establishmentCode,
      jurisdiction: body.jurisdiction,
      homeLocalAuthority: body.homeLocalAuthority,
      sex: body.sex ?? null,
      dateOfBirth: body.dateOfBirth ?? null,
      receptionReason: null,
      sentenceDate: null,
      sentenceLengthDays: null,
      expectedReleaseDate: null,
      receivedAt: null,
      receivedBy: null,
      returnToCustodyReason: null,
      recallReasonCode: null,
      legalStatus: body.legalStatus,
      courtLiberationEventId: context.fromBus?.eventId ?? randomUUID(),
      releasedAt,
      releasedBy: context.actor,
      releaseEstablishmentCode: body.establishmentCode,
      releaseReason: 'RELEASED',
      stage: null,
      stageAt: null,
      stageRecordedAt: null,
    });
    const saved = await manager.save(episode);
    await enqueueCustodyEvent(manager, liberatedFromCourtEvent(saved, context.correlationId), context);
    return { created: true, episode: saved };
  }
}

/** Names (never values: they may be personal data) of the facts a retry disagrees on. */
function differingLiberationFacts(e: CustodyEpisode, body: RecordCourtLiberationBody): string[] {
  const recorded: Record<string, unknown> = {
    origin: e.origin,
    prisonNumber: e.prisonNumber,
    establishmentCode: e.establishmentCode,
    jurisdiction: e.jurisdiction,
    homeLocalAuthority: e.homeLocalAuthority,
    legalStatus: e.legalStatus,
    releasedAt: e.releasedAt?.getTime(),
  };
  // Optional, and absent before migration 700: a disagreement only when both give one.
  if (e.sex !== null && body.sex !== undefined) recorded['sex'] = e.sex;
  if (e.dateOfBirth !== null && body.dateOfBirth !== undefined) recorded['dateOfBirth'] = e.dateOfBirth;
  const sent: Record<string, unknown> = {
    ...body,
    origin: 'COURT_LIBERATION',
    releasedAt: Date.parse(body.releasedAt),
  };
  return Object.keys(recorded).filter((field) => recorded[field] !== sent[field]);
}
