import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { requireIfMatch } from '@throughcare/platform-http';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { acrossScopes, idempotencyKeyTaken, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import {
  IdempotencyKeyReusedError,
  MovementCorrectionRefusedError,
  MovementNotFoundError,
  SameEstablishmentTransferError,
  refuseVoid,
} from './custody-episode.errors';
import { movementCorrectedEvent } from './custody-episode.events';
import { enqueueCustodyEvent, refuseEpisodeMismatch } from './custody-outbox';
import type {
  CorrectMovementBody,
  MovementCorrectedView,
  MovementCorrectionView,
} from './custody-episode.schemas';
import { linksOf, movementTag } from './custody-episode.view';
import { currentEstablishment, isWithin, loadMovements, refusalOver } from './episode-history';
import { Movement, MovementCorrection, stands } from './movement.entity';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';
import { TemporaryAbsence, absenceReturned, absenceStands } from './temporary-absence.entity';

export interface CorrectionOutcome {
  /** False when nothing changed: the movement already had these facts, or a retry of the same Idempotency-Key. */
  created: boolean;
  correction: MovementCorrectedView;
}

/** What an Idempotency-Key remembers of the first request: a retry must send the same. */
interface FirstCorrection {
  eventId: string;
  occurredAt: string | null;
  toEstablishmentCode: string | null;
  reason: string;
  note: string | null;
  /** The answer given, kept for a retry with the same key (absent from results kept before it). */
  view?: MovementCorrectedView;
}

/** A fact of the episode a correction may not move a movement or absence past. */
export interface StandingFact {
  what: string;
  at: Date;
  /** The movement's eventId or the absence's id, named in the refusal. */
  ref: { eventId: string } | { absenceId: string };
}

@Injectable()
export class MovementCorrectionService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Corrects a release or transfer in place: its instant, a transfer's destination, or both. The
   * movement keeps its eventId and takes the corrected facts (its version one more); the
   * correction is recorded with the facts it superseded, who made it and when, and
   * `custody.movement.corrected` enqueued, in one transaction. Derived state follows: the
   * episode's release instant, where the person is held, an absence the movement ended.
   *
   * A correction that would make the episode's history impossible is refused (409, see
   * MovementCorrectionRefusedError): the movement must keep its place among the episode's standing
   * facts, not go before the reception, nor a release past the person's next episode; a
   * destination may not change once a later fact happened there. Asking for the facts the movement
   * has already changes nothing (200, no event). If-Match, when sent, must name the movement's
   * current version ("movement-vN"), else 412.
   *
   * Who may correct: as for a reversal, a caller whose establishments hold (or released) the episode.
   */
  async correct(
    eventId: string,
    body: CorrectMovementBody,
    ifMatch: string | undefined,
    context: RequestContext,
  ): Promise<CorrectionOutcome> {
    return this.dataSource.transaction(async (tx) => {
      // Found past the caller's scope, then checked (`visible`): the same 404 either way.
      const found = await acrossScopes(tx, () => tx.findOneBy(Movement, { eventId }));
      if (!found) throw new MovementNotFoundError(eventId);
      await lockPerson(tx, found.personId);
      const key = context.idempotencyKey && `liberation:movement-correction:${context.idempotencyKey}`;
      if (!(await this.visible(tx, found, context, key))) throw new MovementNotFoundError(eventId);
      let created = false;
      const correct = async (manager: EntityManager): Promise<FirstCorrection> => {
        created = await this.apply(manager, eventId, body, ifMatch, context);
        return {
          eventId,
          occurredAt: body.occurredAt ?? null,
          toEstablishmentCode: body.toEstablishmentCode ?? null,
          reason: body.reason,
          note: body.note ?? null,
          // Read past the caller's scope: a destination corrected away from the caller's
          // establishments leaves the episode outside them (review stop 43, S1), and the caller,
          // allowed above, is owed the answer to what it did.
          view: await acrossScopes(manager, () => correctionView(manager, eventId)),
        };
      };
      const first = key ? await withIdempotency(tx, key, correct) : await correct(tx);
      const differences = [
        ...(first.eventId === eventId ? [] : ['eventId']),
        ...(sameInstant(first.occurredAt, body.occurredAt ?? null) ? [] : ['occurredAt']),
        ...(first.toEstablishmentCode === (body.toEstablishmentCode ?? null) ? [] : ['toEstablishmentCode']),
        ...(first.reason === body.reason ? [] : ['reason']),
        ...(first.note === (body.note ?? null) ? [] : ['note']),
      ];
      if (differences.length > 0)
        throw new IdempotencyKeyReusedError('the correction sent with this Idempotency-Key', differences);
      return {
        created,
        correction: first.view ?? (await acrossScopes(tx, () => correctionView(tx, eventId))),
      };
    });
  }

  /**
   * Whether the caller may correct the movement (read under the person's lock): its establishments
   * hold (or released) the episode. A retry of the caller's own correction (its Idempotency-Key,
   * already taken) is answered the stored answer even when the correction took the episode out of
   * the caller's establishments (a destination corrected away); a new correction is not (review
   * stop 43, S1).
   */
  private async visible(
    manager: EntityManager,
    movement: Movement,
    context: RequestContext,
    key: string | undefined,
  ): Promise<boolean> {
    if (context.scope === 'unrestricted') return true;
    if (key && (await idempotencyKeyTaken(manager, key))) return true;
    return acrossScopes(manager, async () =>
      isWithin(
        manager,
        await manager.findOneByOrFail(CustodyEpisode, {
          personId: movement.personId,
          episode: movement.episode,
        }),
        context.scope,
      ),
    );
  }

  /** Returns whether this call corrected the movement. */
  private async apply(
    manager: EntityManager,
    eventId: string,
    body: CorrectMovementBody,
    ifMatch: string | undefined,
    context: RequestContext,
  ): Promise<boolean> {
    const movement = await manager.findOneByOrFail(Movement, { eventId });
    const { personId, episode: episodeNumber } = movement;
    refuseEpisodeMismatch(context, personId, episodeNumber);
    const episode = await manager.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });
    refuseVoid(episode);
    if (body.toEstablishmentCode !== undefined && movement.movement !== 'TRANSFER') {
      throw new ValidationFailedError('a release has no destination to correct', [
        {
          field: 'toEstablishmentCode',
          message: `movement ${eventId} is a release: only a transfer has one`,
        },
      ]);
    }
    const occurredAt = body.occurredAt !== undefined ? new Date(body.occurredAt) : movement.occurredAt;
    const toEstablishmentCode = body.toEstablishmentCode ?? movement.toEstablishmentCode;
    if (!stands(movement)) {
      throw new MovementCorrectionRefusedError(
        'MOVEMENT_REVERSED',
        eventId,
        `it was reversed at ${movement.reversedAt?.toISOString() ?? '?'} (event ${movement.reversalEventId ?? '?'}): a movement undone has nothing to correct`,
        { personId, episode: episodeNumber, reversalEventId: movement.reversalEventId },
      );
    }
    // The facts it has already: nothing to do (a duplicate is harmless), whatever If-Match says.
    if (
      occurredAt.getTime() === movement.occurredAt.getTime() &&
      toEstablishmentCode === movement.toEstablishmentCode
    )
      return false;
    requireIfMatch(ifMatch, movementTag(movement.version), `movement ${eventId}`);
    if (movement.movement === 'TRANSFER' && toEstablishmentCode === movement.fromEstablishmentCode)
      throw new SameEstablishmentTransferError(personId, episodeNumber, movement.fromEstablishmentCode);

    const movements = await loadMovements(manager, personId, episodeNumber);
    const absences = await manager.find(TemporaryAbsence, { where: { personId, episode: episodeNumber } });
    const opened = episode.receivedAt ?? (episode.origin === 'COURT_LIBERATION' ? episode.releasedAt : null);
    if (opened !== null && occurredAt < opened) {
      throw new MovementCorrectionRefusedError(
        'CORRECTION_BEFORE_RECEPTION',
        eventId,
        `occurredAt ${occurredAt.toISOString()} is before episode ${episodeNumber} of person ${personId} began (${opened.toISOString()})`,
        { field: 'occurredAt', personId, episode: episodeNumber, openedAt: opened.toISOString() },
      );
    }
    // Every other standing fact keeps its side of the movement: before it stays before, after stays after.
    const facts = standingFacts(movement, movements, absences);
    const crossed = factCrossed(facts, movement.occurredAt, occurredAt);
    if (crossed) {
      const { fact, before } = crossed;
      throw new MovementCorrectionRefusedError(
        'CORRECTION_REORDERS_HISTORY',
        eventId,
        `occurredAt ${occurredAt.toISOString()} would put the ${movement.movement.toLowerCase()} ${before ? 'before' : 'after'} the ${fact.what} at ${fact.at.toISOString()}, which ${before ? 'preceded' : 'followed'} it`,
        { field: 'occurredAt', personId, episode: episodeNumber, at: fact.at.toISOString() },
        fact.ref,
      );
    }
    if (movement.movement === 'RELEASE' && occurredAt > movement.occurredAt) {
      // The person's next episode (held anywhere: looked for across scopes, named only within the caller's).
      const refused = await acrossScopes(manager, async () => {
        const next = await manager.findOne(CustodyEpisode, {
          where: { personId, episode: MoreThan(episodeNumber), voidedAt: IsNull() },
          order: { episode: 'ASC' },
        });
        const nextOpened = next ? (next.receivedAt ?? next.releasedAt) : null;
        if (!next || nextOpened === null || nextOpened > occurredAt) return null;
        return refusalOver(
          manager,
          next,
          context.scope,
          () =>
            new MovementCorrectionRefusedError(
              'CORRECTION_AFTER_LATER_EPISODE',
              eventId,
              `occurredAt ${occurredAt.toISOString()} is not before episode ${next.episode} of person ${personId} began (${nextOpened.toISOString()})`,
              { field: 'occurredAt', personId, episode: episodeNumber, laterEpisode: next.episode },
            ),
        );
      });
      if (refused) throw refused;
    }
    if (movement.movement === 'TRANSFER' && toEstablishmentCode !== movement.toEstablishmentCode) {
      // What happened after the transfer happened at its destination: it cannot have been elsewhere.
      const there = facts.find((f) => f.at > movement.occurredAt);
      if (there) {
        throw new MovementCorrectionRefusedError(
          'DESTINATION_IN_USE',
          eventId,
          `the ${there.what} at ${there.at.toISOString()} followed the transfer at ${movement.toEstablishmentCode ?? '?'}: correct or reverse it first`,
          { field: 'toEstablishmentCode', personId, episode: episodeNumber },
          there.ref,
        );
      }
    }

    const correction = manager.create(MovementCorrection, {
      eventId: context.fromBus?.eventId ?? randomUUID(),
      movementEventId: eventId,
      personId,
      episode: episodeNumber,
      version: movement.version + 1,
      reason: body.reason,
      note: body.note ?? null,
      occurredAt,
      previousOccurredAt: movement.occurredAt,
      toEstablishmentCode: movement.movement === 'TRANSFER' ? toEstablishmentCode : null,
      previousToEstablishmentCode: movement.movement === 'TRANSFER' ? movement.toEstablishmentCode : null,
      correctedAt: new Date(),
      correctedBy: context.actor,
      correlationId: context.correlationId,
    });
    await manager.insert(MovementCorrection, correction);
    await manager.update(
      Movement,
      { eventId },
      { occurredAt, toEstablishmentCode: correction.toEstablishmentCode, version: correction.version },
    );
    if (movement.movement === 'RELEASE' && episode.releasedAt !== null)
      await manager.update(CustodyEpisode, { personId, episode: episodeNumber }, { releasedAt: occurredAt });
    // An absence the movement ended (sent from court to another prison, released while out) ended then.
    await manager.update(
      TemporaryAbsence,
      { endedByMovementEventId: eventId },
      { endedByMovementAt: occurredAt },
    );
    await enqueueCustodyEvent(manager, movementCorrectedEvent(episode, movement, correction), context);
    return true;
  }
}

/**
 * The episode's standing facts other than `movement`: the other standing releases and transfers,
 * and the standing departures and returns of its absences. The absence `movement` ended is
 * checked by its departure only (its end is the movement itself).
 */
function standingFacts(
  movement: Movement,
  movements: readonly Movement[],
  absences: readonly TemporaryAbsence[],
): StandingFact[] {
  return [...movementFacts(movements, movement.eventId), ...absenceFacts(absences)];
}

/**
 * The first fact a correction from `from` to `to` would move past (before it, it would come
 * after; after it, before), with which side it was on; undefined: every fact keeps its side.
 */
export function factCrossed(
  facts: readonly StandingFact[],
  from: Date,
  to: Date,
): { fact: StandingFact; before: boolean } | undefined {
  for (const fact of facts) {
    const before = fact.at <= from;
    if (before ? fact.at < to : fact.at > to) continue;
    return { fact, before };
  }
  return undefined;
}

/** The standing releases and transfers of an episode as facts (`except` one). */
export function movementFacts(movements: readonly Movement[], except?: string): StandingFact[] {
  return movements
    .filter((m) => m.eventId !== except && stands(m))
    .map((m) => ({ what: m.movement.toLowerCase(), at: m.occurredAt, ref: { eventId: m.eventId } }));
}

/** The standing departures and returns of an episode's absences as facts (`except` one absence). */
export function absenceFacts(absences: readonly TemporaryAbsence[], except?: string): StandingFact[] {
  const facts: StandingFact[] = [];
  for (const a of absences.filter((x) => x.id !== except && absenceStands(x))) {
    const kind = a.kind === 'ROTL' ? 'ROTL' : 'court';
    facts.push({ what: `${kind} departure`, at: a.leftAt, ref: { absenceId: a.id } });
    if (absenceReturned(a) && a.returnedAt !== null)
      facts.push({ what: `${kind} return`, at: a.returnedAt, ref: { absenceId: a.id } });
  }
  return facts;
}

function sameInstant(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : Date.parse(a) === Date.parse(b);
}

/** The movement as it stands, with its corrections (oldest first). */
export async function correctionView(
  manager: EntityManager,
  eventId: string,
): Promise<MovementCorrectedView> {
  const movement = await manager.findOneByOrFail(Movement, { eventId });
  const episode = await manager.findOneByOrFail(CustodyEpisode, {
    personId: movement.personId,
    episode: movement.episode,
  });
  const corrections = await manager.find(MovementCorrection, {
    where: { movementEventId: eventId },
    order: { version: 'ASC' },
  });
  return {
    personId: movement.personId,
    episode: movement.episode,
    eventId,
    movement: movement.movement,
    fromEstablishmentCode: movement.fromEstablishmentCode,
    toEstablishmentCode: movement.toEstablishmentCode,
    occurredAt: movement.occurredAt.toISOString(),
    etag: movementTag(movement.version),
    corrections: corrections.map(toCorrectionView),
    establishmentCode: currentEstablishment(episode, {
      movements: await loadMovements(manager, movement.personId, movement.episode),
    }),
    links: linksOf(movement.personId, movement.episode),
  };
}

function toCorrectionView(c: MovementCorrection): MovementCorrectionView {
  return {
    eventId: c.eventId,
    version: c.version,
    reason: c.reason,
    note: c.note,
    occurredAt: c.occurredAt.toISOString(),
    previousOccurredAt: c.previousOccurredAt.toISOString(),
    toEstablishmentCode: c.toEstablishmentCode,
    previousToEstablishmentCode: c.previousToEstablishmentCode,
    correctedAt: c.correctedAt.toISOString(),
    correctedBy: c.correctedBy,
  };
}
