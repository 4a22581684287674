import { randomUUID } from 'node:crypto';
import { IsNull, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import type { CourtLiberationReversedV1, ReceptionReversedV1 } from '@throughcare/contracts';
import { acrossScopes, withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, isVoid } from './custody-episode.entity';
import {
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  MovementOutOfOrderError,
  ReceptionReversalRefusedError,
  ReversalConflictError,
} from './custody-episode.errors';
import { enqueueCustodyEvent, refuseEpisodeMismatch } from './custody-outbox';
import type { AdmissionDecision, ReceptionReversedView, ReverseOpeningBody } from './custody-episode.schemas';
import { linksOf, reversalOf } from './custody-episode.view';
import { currentEstablishment, isWithin, loadMovements, refusalOver } from './episode-history';
import type { Movement } from './movement.entity';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';

/** Builds a 409 refusal of the reversal, about the episode (see ReceptionReversalRefusedError). */
export type Refuse = (
  code: string,
  message: string,
  details?: Record<string, unknown>,
  reverseFirst?: { eventId: string } | { absenceId: string },
) => ReceptionReversalRefusedError;

/**
 * What tells one reversal of the record that opened an episode (a reception, a liberation direct
 * from court) from the other. Everything else is shared: the caller's scope, the person's lock,
 * the Idempotency-Key, a repeat of a reversal recorded already, the latest episode only, the void
 * facts (the same columns and reason), the event in the same transaction, the answer.
 */
export interface OpeningKind {
  /** The record reversed, in messages: "reception", "liberation from court". */
  name: string;
  /** The Idempotency-Key's scope: `liberation:<keyScope>:<key>`. */
  keyScope: string;
  /** Refuses an episode this reversal cannot undo at all (another kind of opening, say), before anything else. */
  refuseKind(e: CustodyEpisode, refused: Refuse): void;
  /** The instant of the record reversed, which `reversedAt` is not before: its field and the 422 code. */
  opened(e: CustodyEpisode): { at: Date; field: string; code: string };
  /**
   * Refuses while something recorded on the episode stands on the record reversed (the latest
   * episode, not void, of this kind). `movements`: the episode's, oldest first.
   */
  refuseStanding(
    manager: EntityManager,
    e: CustodyEpisode,
    reversedAt: Date,
    movements: readonly Movement[],
    refused: Refuse,
  ): Promise<void>;
  /**
   * What the reversal records of what its opening had completed (`voidAdmission`), checked against
   * the record before anything changes (a 422 naming the field). None: never anything (null).
   */
  admission?(
    manager: EntityManager,
    e: CustodyEpisode,
    body: ReverseOpeningBody,
    context: RequestContext,
  ): Promise<AdmissionDecision | null>;
  /** In the reversal's transaction, once the episode is void (and its decision recorded): what else it changes. */
  afterVoid(manager: EntityManager, e: CustodyEpisode, context: RequestContext): Promise<void>;
  /** The event enqueued with it. */
  event(e: CustodyEpisode, establishmentCode: string): ReceptionReversedV1 | CourtLiberationReversedV1;
}

export interface OpeningReversalOutcome {
  /** False when the episode was already void by this reversal (no second event). */
  created: boolean;
  reversal: ReceptionReversedView;
  /** The void episode, as recorded. */
  episode: CustodyEpisode;
}

/** What an Idempotency-Key remembers of the first request: a retry must send the same. */
interface FirstReversal {
  personId: string;
  episode: number;
  reversedAt: string;
  reason: string;
  note: string | null;
  /** Absent from keys remembered before migration 2800: none was said then. */
  admission?: AdmissionDecision | null;
}

/**
 * Voids an episode whose opening record (`kind`) was made in error: the episode is no longer in
 * custody, not open, state RECEIVED_IN_ERROR; the reversal is recorded on it (the void columns)
 * and `kind`'s event enqueued, in one transaction. An episode already void by the same facts
 * answers that reversal (no second event); other facts are a 409 naming each that differs.
 *
 * Only the person's latest episode that is not void; what else stands in the way is `kind`'s to
 * say. A caller may reverse only an episode held in (or released from) one of its
 * establishments; any other answers as an unknown episode. The caller that reversed it still has
 * its retries answered.
 */
export async function reverseOpening(
  dataSource: DataSource,
  kind: OpeningKind,
  personId: string,
  episodeNumber: number,
  body: ReverseOpeningBody,
  context: RequestContext,
): Promise<OpeningReversalOutcome> {
  return dataSource.transaction(async (tx) => {
    await lockPerson(tx, personId);
    const found = await tx.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
    if (!found || !(await visible(tx, found, context)))
      throw EpisodeNotFoundError.of(personId, episodeNumber);
    let created = false;
    const reverse = async (manager: EntityManager): Promise<FirstReversal> => {
      created = await applyReversal(manager, kind, found, body, context);
      return {
        personId,
        episode: episodeNumber,
        reversedAt: body.reversedAt,
        reason: body.reason,
        note: body.note ?? null,
        admission: body.admission ?? null,
      };
    };
    const first = context.idempotencyKey
      ? await withIdempotency(tx, `liberation:${kind.keyScope}:${context.idempotencyKey}`, reverse)
      : await reverse(tx);
    const differences = [
      ...(first.personId === personId ? [] : ['personId']),
      ...(first.episode === episodeNumber ? [] : ['episode']),
      ...(Date.parse(first.reversedAt) === Date.parse(body.reversedAt) ? [] : ['reversedAt']),
      ...(first.reason === body.reason ? [] : ['reason']),
      ...(first.note === (body.note ?? null) ? [] : ['note']),
      ...((first.admission ?? null) === (body.admission ?? null) ? [] : ['admission']),
    ];
    if (differences.length > 0) {
      throw new IdempotencyKeyReusedError(
        `the ${kind.name} reversal sent with this Idempotency-Key`,
        differences,
      );
    }
    const episode = await tx.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });
    const reversal = reversalOf(episode);
    if (!reversal) throw new Error(`episode ${episodeNumber} of ${personId} is not void after its reversal`);
    return {
      created,
      episode,
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

/** Returns whether this call voided the episode. */
async function applyReversal(
  manager: EntityManager,
  kind: OpeningKind,
  episode: CustodyEpisode,
  body: ReverseOpeningBody,
  context: RequestContext,
): Promise<boolean> {
  const { personId, episode: episodeNumber } = episode;
  refuseEpisodeMismatch(context, personId, episodeNumber);
  const refused: Refuse = (code, message, details = {}, reverseFirst) =>
    new ReceptionReversalRefusedError(
      code,
      message,
      { personId, episode: episodeNumber, ...details },
      reverseFirst,
    );
  // Before the replay of a void episode: another kind's reversal is never answered as this one.
  kind.refuseKind(episode, refused);
  if (isVoid(episode)) {
    // Reversed already: the same facts again answer that reversal; others are not a correction
    // (the reversal stands as recorded), so they are refused naming what differs (review M6).
    const differences = differingReversalFacts(episode, body);
    if (differences.length > 0) throw new ReversalConflictError(episode, differences);
    return false;
  }
  const reversedAt = new Date(body.reversedAt);
  const opened = kind.opened(episode);
  if (reversedAt < opened.at) {
    throw new MovementOutOfOrderError(
      opened.code,
      'reversedAt',
      `reversedAt ${body.reversedAt} is before the ${kind.name} it reverses (${opened.at.toISOString()})`,
      { personId, episode: episodeNumber, [opened.field]: opened.at.toISOString() },
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
        `episode ${next.episode} of person ${personId} was opened after episode ${episodeNumber}: only the latest episode's ${kind.name} can be reversed`,
        { laterEpisode: next.episode },
      ),
    );
  });
  if (later) throw later;

  const movements = await loadMovements(manager, personId, episodeNumber);
  await kind.refuseStanding(manager, episode, reversedAt, movements, refused);
  const admission = kind.admission ? await kind.admission(manager, episode, body, context) : null;

  const voided = {
    voidedAt: reversedAt,
    voidedBy: context.actor,
    voidReason: body.reason,
    voidNote: body.note ?? null,
    voidEventId: context.fromBus?.eventId ?? randomUUID(),
    voidCorrelationId: context.correlationId,
    voidAdmission: admission,
  };
  await manager.update(CustodyEpisode, { personId, episode: episodeNumber }, voided);
  Object.assign(episode, voided);
  await kind.afterVoid(manager, episode, context);
  await enqueueCustodyEvent(
    manager,
    kind.event(episode, currentEstablishment(episode, { movements })),
    context,
  );
  return true;
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
function differingReversalFacts(e: CustodyEpisode, body: ReverseOpeningBody): string[] {
  return [
    ...(e.voidedAt?.getTime() === Date.parse(body.reversedAt) ? [] : ['reversedAt']),
    ...(e.voidReason === body.reason ? [] : ['reason']),
    ...(e.voidNote === (body.note ?? null) ? [] : ['note']),
    ...(e.voidAdmission === (body.admission ?? null) ? [] : ['admission']),
  ];
}
