import { entityTag } from '@throughcare/platform-http';
import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EndedAbsence } from '@throughcare/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { ConflictError, DomainError, NotFoundError } from '@throughcare/platform-errors';
import { withIdempotency } from '@throughcare/platform-persistence';
import { absenceDueBy } from './absence-due';
import { CustodyEpisode } from './custody-episode.entity';
import {
  EpisodeAlreadyReleasedError,
  MovementOutOfOrderError,
  refuseUnlessOpen,
} from './custody-episode.errors';
import { absenceEndedEvent, absenceReversedEvent, absenceStartedEvent } from './custody-episode.events';
import { enqueueCustodyEvent } from './custody-outbox';
import { currentEstablishment, episodeWithin, loadMovements, standingTransfers } from './episode-history';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import type { RequestContext } from './request-context';
import {
  ABSENCE_STATUS_SQL,
  absenceEndedByMovement,
  absenceOpen,
  absenceReturned,
  absenceStands,
  absenceStatusOf,
  TemporaryAbsence,
} from './temporary-absence.entity';
import {
  AbsenceCursor,
  type AbsencePage,
  type AbsenceView,
  type ListAbsencesQuery,
  type RecordDepartureBody,
  type RecordReturnBody,
  type ReverseAbsenceBody,
} from './temporary-absence.schemas';

export class AbsenceNotFoundError extends NotFoundError {
  constructor(personId: string, episode: number, absenceId: string) {
    super(
      `episode ${episode} of person ${personId} has no temporary absence ${absenceId}`,
      'ABSENCE_NOT_FOUND',
      {
        details: { personId, episode, absenceId },
      },
    );
  }
}

/** The idempotency key of an absence's departure, return or reversal recorded with `key` (Idempotency-Key, or `hmpps:<event id>`). */
export const absenceIdempotencyKey = (what: string, key: string): string =>
  `liberation:absence-${what}:${key}`;

export interface AbsenceOutcome {
  /** False for a retry (the same fact again, or the same Idempotency-Key): nothing new recorded. */
  created: boolean;
  absence: AbsenceView;
}

/**
 * Temporary absences of an open episode (issue 10): release on temporary licence and production at
 * court. The person leaves and comes back; the episode stays open and the journey is not re-planned
 * (the events tell whoever listens). Each fact is recorded once: the same departure (kind and
 * instant), the same return, the same reversal, or the same Idempotency-Key again answers what is
 * recorded (200) and emits nothing; the same key with another request is 422.
 */
@Injectable()
export class TemporaryAbsencesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * `upstream`: what an upstream system (the HMPPS adapter) says of the departure beyond the body:
   * the NOMIS movement reason code, and the HMPPS event it is (kept as the absence's
   * `hmppsDepartureEventId`).
   */
  depart(
    personId: string,
    episode: number,
    body: RecordDepartureBody,
    context: RequestContext,
    upstream: { movementReasonCode: string | null; hmppsEventId?: string } = { movementReasonCode: null },
  ) {
    return this.once('departure', personId, episode, null, body, context, (tx, e) =>
      this.recordDeparture(tx, e, body, context, upstream.movementReasonCode, upstream.hmppsEventId ?? null),
    );
  }

  /** `upstream.hmppsEventId`: the HMPPS event this return is (kept as `hmppsReturnEventId`). */
  return(
    personId: string,
    episode: number,
    absenceId: string,
    body: RecordReturnBody,
    context: RequestContext,
    upstream: { hmppsEventId?: string } = {},
  ) {
    return this.once('return', personId, episode, absenceId, body, context, (tx, e) =>
      this.recordReturn(tx, e, absenceId, body, context, upstream.hmppsEventId ?? null),
    );
  }

  reverse(
    personId: string,
    episode: number,
    absenceId: string,
    body: ReverseAbsenceBody,
    context: RequestContext,
  ) {
    return this.once('reversal', personId, episode, absenceId, body, context, (tx, e) =>
      this.recordReversal(tx, e, absenceId, body, context),
    );
  }

  async list(
    personId: string,
    episodeNumber: number,
    query: ListAbsencesQuery,
    scope: EstablishmentScope,
  ): Promise<AbsencePage> {
    return this.dataSource.transaction(async (tx) => {
      await episodeWithin(tx, personId, episodeNumber, scope);
      const qb = tx
        .getRepository(TemporaryAbsence)
        .createQueryBuilder('a')
        .where('a.person_id = :personId AND a.episode = :episode', { personId, episode: episodeNumber })
        .orderBy('a.left_at', 'DESC')
        .addOrderBy('a.id', 'DESC')
        .take(query.limit + 1);
      if (query.status) qb.andWhere(`(${ABSENCE_STATUS_SQL[query.status]})`);
      if (query.kind) qb.andWhere('a.kind = :kind', { kind: query.kind });
      if (query.cursor)
        qb.andWhere('(a.left_at, a.id) < (:at, :id)', { at: query.cursor.leftAt, id: query.cursor.id });
      const rows = await qb.getMany();
      const { items, nextCursor } = AbsenceCursor.page(rows, query.limit, (a) => ({
        leftAt: a.leftAt.toISOString(),
        id: a.id,
      }));
      return { items: items.map(absenceView), nextCursor };
    });
  }

  /** One transaction, the person locked, the episode in the caller's scope, the fact recorded once. */
  private async once(
    what: string,
    personId: string,
    episodeNumber: number,
    absenceId: string | null,
    body: unknown,
    context: RequestContext,
    record: (
      tx: EntityManager,
      episode: CustodyEpisode,
    ) => Promise<{ created: boolean; absence: TemporaryAbsence }>,
  ): Promise<AbsenceOutcome> {
    const request = createHash('sha256')
      .update(canonicalJson({ personId, episodeNumber, absenceId, body }))
      .digest('hex');
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const episode = await episodeWithin(tx, personId, episodeNumber, context.scope);
      let created = false;
      const apply = async (manager: EntityManager) => {
        const outcome = await record(manager, episode);
        created = outcome.created;
        return { request, absenceId: outcome.absence.id };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, absenceIdempotencyKey(what, context.idempotencyKey), apply)
        : await apply(tx);
      if (first.request !== request)
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'RULE_VIOLATED',
          `this Idempotency-Key was used for another ${what}; use a new key for a new request`,
        );
      const absence = await tx.findOneByOrFail(TemporaryAbsence, { id: first.absenceId });
      return { created, absence: absenceView(absence) };
    });
  }

  private async recordDeparture(
    tx: EntityManager,
    episode: CustodyEpisode,
    body: RecordDepartureBody,
    context: RequestContext,
    movementReasonCode: string | null,
    hmppsEventId: string | null,
  ): Promise<{ created: boolean; absence: TemporaryAbsence }> {
    const { personId, episode: episodeNumber } = episode;
    const leftAt = new Date(body.leftAt);
    const absences = await tx.find(TemporaryAbsence, { where: { personId, episode: episodeNumber } });
    const same = absences.find(
      (a) => absenceStands(a) && a.kind === body.kind && a.leftAt.getTime() === leftAt.getTime(),
    );
    if (same) return { created: false, absence: same };
    refuseUnlessOpen(episode);
    const open = absences.find(absenceOpen);
    if (open)
      throw new ConflictError(
        `person ${personId} is already out on a ${open.kind} absence since ${open.leftAt.toISOString()} (${open.id}): record its return first`,
        'ABSENCE_ALREADY_OPEN',
        { details: { absenceId: open.id } },
      );
    if (episode.receivedAt !== null && leftAt < episode.receivedAt)
      throw new MovementOutOfOrderError(
        'ABSENCE_BEFORE_RECEPTION',
        'leftAt',
        `leftAt ${body.leftAt} is before episode ${episodeNumber} was received (${episode.receivedAt.toISOString()})`,
        { personId, episode: episodeNumber },
      );
    const movements = await loadMovements(tx, personId, episodeNumber);
    const lastTransfer = standingTransfers({ movements }).at(-1);
    if (lastTransfer && leftAt <= lastTransfer.occurredAt)
      throw new MovementOutOfOrderError(
        'ABSENCE_BEFORE_TRANSFER',
        'leftAt',
        `leftAt ${body.leftAt} is not after the last transfer (${lastTransfer.occurredAt.toISOString()}): the person was elsewhere`,
        { personId, episode: episodeNumber, previousEventId: lastTransfer.eventId },
      );
    const lastBack = absences
      .filter(absenceReturned)
      .map((a) => a.returnedAt!)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    if (lastBack && leftAt <= lastBack)
      throw new MovementOutOfOrderError(
        'ABSENCE_BEFORE_LAST_RETURN',
        'leftAt',
        `leftAt ${body.leftAt} is not after the person came back from the last absence (${lastBack.toISOString()})`,
        { personId, episode: episodeNumber },
      );
    const absence = tx.create(TemporaryAbsence, {
      id: randomUUID(),
      personId,
      episode: episodeNumber,
      kind: body.kind,
      establishmentCode: currentEstablishment(episode, { movements }),
      leftAt,
      dueBackAt: body.dueBackAt === undefined ? null : new Date(body.dueBackAt),
      movementReasonCode,
      departureEventId: randomUUID(),
      departureRecordedAt: new Date(),
      departureRecordedBy: context.actor,
      returnedAt: null,
      returnEventId: null,
      returnRecordedAt: null,
      returnRecordedBy: null,
      departureReversedAt: null,
      departureReversedBy: null,
      departureReversalEventId: null,
      returnReversedAt: null,
      returnReversedBy: null,
      returnReversalEventId: null,
      endedByMovement: null,
      endedByMovementAt: null,
      endedByMovementEventId: null,
      hmppsDepartureEventId: hmppsEventId,
      hmppsReturnEventId: null,
      correlationId: context.correlationId,
    });
    await tx.insert(TemporaryAbsence, absence);
    await enqueueCustodyEvent(tx, absenceStartedEvent(episode, absence), context);
    return { created: true, absence };
  }

  private async absenceOf(
    tx: EntityManager,
    episode: CustodyEpisode,
    absenceId: string,
  ): Promise<TemporaryAbsence> {
    const absence = await tx.findOneBy(TemporaryAbsence, {
      id: absenceId,
      personId: episode.personId,
      episode: episode.episode,
    });
    if (!absence) throw new AbsenceNotFoundError(episode.personId, episode.episode, absenceId);
    return absence;
  }

  private async recordReturn(
    tx: EntityManager,
    episode: CustodyEpisode,
    absenceId: string,
    body: RecordReturnBody,
    context: RequestContext,
    hmppsEventId: string | null,
  ): Promise<{ created: boolean; absence: TemporaryAbsence }> {
    const absence = await this.absenceOf(tx, episode, absenceId);
    const returnedAt = new Date(body.returnedAt);
    if (!absenceStands(absence))
      throw new ConflictError(`absence ${absenceId} was reversed: it never was`, 'ABSENCE_REVERSED', {
        details: { absenceId },
      });
    if (absenceReturned(absence)) {
      if (absence.returnedAt!.getTime() === returnedAt.getTime()) return { created: false, absence };
      throw new ConflictError(
        `the person came back from absence ${absenceId} at ${absence.returnedAt!.toISOString()}; reverse that return to record another`,
        'ABSENCE_ALREADY_ENDED',
        { details: { absenceId, returnedAt: absence.returnedAt!.toISOString() } },
      );
    }
    // Released while out (or since): the person did not come back to this episode's custody.
    if (episode.releasedAt !== null)
      throw new EpisodeAlreadyReleasedError(episode.personId, episode.episode, episode.releasedAt);
    if (absenceEndedByMovement(absence)) throw endedByMovement(absence);
    if (returnedAt <= absence.leftAt)
      throw new MovementOutOfOrderError(
        'RETURN_BEFORE_DEPARTURE',
        'returnedAt',
        `returnedAt ${body.returnedAt} is not after the person left (${absence.leftAt.toISOString()})`,
        { absenceId },
      );
    // A return recorded after one was reversed replaces it (the reversed one and its reversal
    // stay on the bus and in the audit trail).
    Object.assign(absence, {
      returnedAt,
      returnEventId: randomUUID(),
      returnRecordedAt: new Date(),
      returnRecordedBy: context.actor,
      hmppsReturnEventId: hmppsEventId,
      returnReversedAt: null,
      returnReversedBy: null,
      returnReversalEventId: null,
    });
    await tx.save(TemporaryAbsence, absence);
    await enqueueCustodyEvent(tx, absenceEndedEvent(episode, absence, context.correlationId), context);
    return { created: true, absence };
  }

  private async recordReversal(
    tx: EntityManager,
    episode: CustodyEpisode,
    absenceId: string,
    body: ReverseAbsenceBody,
    context: RequestContext,
  ): Promise<{ created: boolean; absence: TemporaryAbsence }> {
    const absence = await this.absenceOf(tx, episode, absenceId);
    const released = () => {
      if (episode.releasedAt !== null)
        throw new EpisodeAlreadyReleasedError(episode.personId, episode.episode, episode.releasedAt);
    };
    if (body.part === 'DEPARTURE') {
      if (!absenceStands(absence)) return { created: false, absence };
      // The release (reverse it first, if it too was an error) rests on the episode as it stood.
      released();
      if (absenceEndedByMovement(absence)) throw endedByMovement(absence);
      if (absenceReturned(absence))
        throw new ConflictError(
          `absence ${absenceId} has a return recorded: reverse the return first`,
          'ABSENCE_RETURN_STANDS',
          { details: { absenceId } },
        );
      return this.markReversed(
        tx,
        episode,
        absence,
        'DEPARTURE',
        absence.departureEventId,
        absence.leftAt,
        body,
        context,
      );
    }
    if (!absenceStands(absence))
      throw new ConflictError(`absence ${absenceId} was reversed: it never was`, 'ABSENCE_REVERSED', {
        details: { absenceId },
      });
    if (!absenceReturned(absence)) {
      if (absence.returnReversedAt !== null) return { created: false, absence };
      throw new ConflictError(`absence ${absenceId} has no return to reverse`, 'ABSENCE_NOT_ENDED', {
        details: { absenceId },
      });
    }
    released();
    const others = await tx.find(TemporaryAbsence, {
      where: { personId: episode.personId, episode: episode.episode },
    });
    const later = others.find((a) => a.id !== absence.id && absenceStands(a) && a.leftAt > absence.leftAt);
    if (later)
      throw new ConflictError(
        `a later absence (${later.id}, left ${later.leftAt.toISOString()}) stands on this return: reverse it first`,
        'ABSENCE_SUPERSEDED',
        { details: { absenceId, laterAbsenceId: later.id } },
      );
    return this.markReversed(
      tx,
      episode,
      absence,
      'RETURN',
      absence.returnEventId!,
      absence.returnedAt!,
      body,
      context,
    );
  }

  /** Records the reversal of `part` (whose event is `reversedEventId`, at `movementAt`) and its event. */
  private async markReversed(
    tx: EntityManager,
    episode: CustodyEpisode,
    absence: TemporaryAbsence,
    part: 'DEPARTURE' | 'RETURN',
    reversedEventId: string,
    movementAt: Date,
    body: ReverseAbsenceBody,
    context: RequestContext,
  ): Promise<{ created: boolean; absence: TemporaryAbsence }> {
    const reversedAt = new Date(body.reversedAt);
    if (reversedAt < movementAt)
      throw new MovementOutOfOrderError(
        'REVERSAL_BEFORE_MOVEMENT',
        'reversedAt',
        `reversedAt ${body.reversedAt} is before the ${part === 'DEPARTURE' ? 'departure' : 'return'} it undoes (${movementAt.toISOString()})`,
        { absenceId: absence.id },
      );
    // From the bus: recorded under the upstream event's id (already published; its copies skipped).
    const eventId = context.fromBus?.eventId ?? randomUUID();
    Object.assign(
      absence,
      part === 'DEPARTURE'
        ? {
            departureReversedAt: reversedAt,
            departureReversedBy: context.actor,
            departureReversalEventId: eventId,
          }
        : { returnReversedAt: reversedAt, returnReversedBy: context.actor, returnReversalEventId: eventId },
    );
    await tx.save(TemporaryAbsence, absence);
    await enqueueCustodyEvent(
      tx,
      absenceReversedEvent(
        episode,
        absence,
        { part, eventId, reversedEventId, reversedAt },
        context.correlationId,
      ),
      context,
    );
    return { created: true, absence };
  }
}

export function absenceView(a: TemporaryAbsence): AbsenceView {
  return {
    etag: entityTag('absence', a.version),
    absenceId: a.id,
    personId: a.personId,
    episode: a.episode,
    kind: a.kind,
    status: absenceStatusOf(a),
    establishmentCode: a.establishmentCode,
    leftAt: a.leftAt.toISOString(),
    dueBackAt: a.dueBackAt?.toISOString() ?? null,
    movementReasonCode: a.movementReasonCode,
    returnedAt: absenceReturned(a) ? a.returnedAt!.toISOString() : null,
    departureEventId: a.departureEventId,
    returnEventId: absenceReturned(a) ? a.returnEventId : null,
    departureRecordedBy: a.departureRecordedBy,
    returnRecordedBy: absenceReturned(a) ? a.returnRecordedBy : null,
    departureReversal:
      a.departureReversedAt === null
        ? null
        : {
            reversedAt: a.departureReversedAt.toISOString(),
            reversedBy: a.departureReversedBy ?? '',
            eventId: a.departureReversalEventId ?? '',
          },
    returnReversal:
      a.returnReversedAt === null
        ? null
        : {
            reversedAt: a.returnReversedAt.toISOString(),
            reversedBy: a.returnReversedBy ?? '',
            eventId: a.returnReversalEventId ?? '',
          },
    endedBy:
      a.endedByMovement === null || a.endedByMovementAt === null
        ? null
        : {
            movement: a.endedByMovement,
            at: a.endedByMovementAt.toISOString(),
            eventId: a.endedByMovementEventId ?? '',
          },
  };
}

/** The absence ended with a release or transfer while out: nothing to return from or undo on it. */
function endedByMovement(a: TemporaryAbsence): ConflictError {
  const what = a.endedByMovement === 'TRANSFER' ? 'transfer' : 'release';
  return new ConflictError(
    `absence ${a.id} ended with the ${what} of ${a.endedByMovementAt!.toISOString()} (event ${a.endedByMovementEventId}): reverse that ${what} first if it was an error`,
    'ABSENCE_ENDED_BY_MOVEMENT',
    { details: { absenceId: a.id, movement: a.endedByMovement, eventId: a.endedByMovementEventId } },
  );
}

/**
 * The absence a release ended while the person was out past the time they were due back (issue
 * 10: flagged, not silent): its `dueBackAt`, or with none (every HMPPS absence) the default of its
 * kind, the same rule as `GET /absences/overdue` ({@link absenceDueBy}).
 */
export interface OverdueAbsenceEnded {
  absenceId: string;
  kind: TemporaryAbsence['kind'];
  leftAt: string;
  /** As recorded: null for an absence with none (HMPPS's). */
  dueBackAt: string | null;
  /** When the person was due back by: `dueBackAt`, or the default of the kind. */
  overdueSince: string;
  /** False: no dueBackAt was given, `overdueSince` is the default of the kind. */
  dueBackKnown: boolean;
}

/**
 * What a release or transfer does to the episode's absences, checked before it is recorded:
 *
 * - a movement at or before the departure of any standing absence (open, returned, or ended by
 *   a movement) is out of order (422 RELEASE_BEFORE_ABSENCE / TRANSFER_BEFORE_ABSENCE): the
 *   person left this prison after it, so was still held here; a movement comes after the latest
 *   standing absence's return (or while out at court: see below);
 * - a movement strictly inside a returned (standing) absence is refused (422
 *   MOVEMENT_DURING_ABSENCE): the person was out then, and came back to this prison afterwards;
 * - while out at court, a release (liberated at court) or a transfer (sent from court to another
 *   prison) ends the absence: the movement, its instant and event on its row;
 * - while out on ROTL, a release ends the absence (released from ROTL), but a transfer is refused
 *   (409 ABSENCE_OPEN): it would end the absence and hide an overdue return; record the return
 *   at or before the transfer's instant first (or reverse the departure if it was an error).
 *
 * Answers the absence the movement ended, as its event names it (`endedAbsence`, with
 * `overdueSince` when a release ended it past the time it was due back by), else null.
 */
export async function endAbsenceByMovement(
  tx: EntityManager,
  personId: string,
  episode: number,
  movement: 'RELEASE' | 'TRANSFER',
  at: Date,
  eventId: string,
): Promise<EndedAbsence | null> {
  const absences = await tx.find(TemporaryAbsence, { where: { personId, episode } });
  const field = movement === 'RELEASE' ? 'releasedAt' : 'transferredAt';
  const what = movement === 'RELEASE' ? 'release' : 'transfer';
  const during = absences.find((a) => absenceReturned(a) && a.leftAt < at && at < a.returnedAt!);
  if (during)
    throw new MovementOutOfOrderError(
      'MOVEMENT_DURING_ABSENCE',
      field,
      `${field} ${at.toISOString()} falls within the ${during.kind} absence ${during.id} (out ${during.leftAt.toISOString()}, back ${during.returnedAt!.toISOString()}): the person was not in the prison then`,
      {
        personId,
        episode,
        absenceId: during.id,
        leftAt: during.leftAt.toISOString(),
        returnedAt: during.returnedAt!.toISOString(),
      },
    );
  const later = absences
    .filter((a) => absenceStands(a) && at <= a.leftAt)
    .sort((a, b) => b.leftAt.getTime() - a.leftAt.getTime())[0];
  if (later) {
    const state = absenceOpen(later) ? 'open' : absenceReturned(later) ? 'returned' : 'ended';
    throw new MovementOutOfOrderError(
      `${movement}_BEFORE_ABSENCE`,
      field,
      `${field} ${at.toISOString()} is not after the person left on the ${state} ${later.kind} absence ${later.id} (${later.leftAt.toISOString()}) from ${later.establishmentCode}: a ${what} comes after the latest absence${absenceReturned(later) ? `'s return (${later.returnedAt!.toISOString()})` : ''}; reverse that departure if it was an error`,
      { personId, episode, absenceId: later.id, leftAt: later.leftAt.toISOString() },
    );
  }
  const open = absences.find(absenceOpen);
  if (!open) return null;
  if (movement === 'TRANSFER' && open.kind !== 'COURT') {
    const transferredAt = at.toISOString();
    throw new ConflictError(
      `person ${personId} is out on the ${open.kind} absence ${open.id} since ${open.leftAt.toISOString()}${open.dueBackAt ? `, due back ${open.dueBackAt.toISOString()}` : ''}: record the return at or before ${transferredAt} (the transfer's instant), then the ${what} (or reverse the departure if it was an error)`,
      'ABSENCE_OPEN',
      {
        details: {
          personId,
          episode,
          absenceId: open.id,
          kind: open.kind,
          leftAt: open.leftAt.toISOString(),
          dueBackAt: open.dueBackAt?.toISOString() ?? null,
          transferredAt,
        },
        // In the problem details: the return to record comes at or before this instant.
        extensions: { absenceId: open.id, transferredAt },
      },
    );
  }
  await tx.update(
    TemporaryAbsence,
    { id: open.id },
    { endedByMovement: movement, endedByMovementAt: at, endedByMovementEventId: eventId },
  );
  const overdue = overdueWhenEnded({ ...open, endedByMovement: movement, endedByMovementAt: at });
  return {
    absenceId: open.id,
    kind: open.kind,
    leftAt: open.leftAt.toISOString(),
    ...(overdue ? { overdueSince: overdue.overdueSince } : {}),
  };
}

/**
 * The absence, when a release ended it after the time it was due back by ({@link absenceDueBy}:
 * its `dueBackAt`, else the default of its kind, as the overdue list has it), else null.
 */
export function overdueWhenEnded(
  a: Pick<TemporaryAbsence, 'id' | 'kind' | 'leftAt' | 'dueBackAt' | 'endedByMovement' | 'endedByMovementAt'>,
): OverdueAbsenceEnded | null {
  if (a.endedByMovement !== 'RELEASE' || a.endedByMovementAt === null) return null;
  const { dueBy, dueBackKnown } = absenceDueBy(a);
  if (a.endedByMovementAt <= dueBy) return null;
  return {
    absenceId: a.id,
    kind: a.kind,
    leftAt: a.leftAt.toISOString(),
    dueBackAt: a.dueBackAt?.toISOString() ?? null,
    overdueSince: dueBy.toISOString(),
    dueBackKnown,
  };
}

/**
 * A reversed release or transfer opens again the absence it ended (the person is out on it, as
 * before); refused while a later absence stands (reverse it first).
 */
export async function reopenAbsenceEndedBy(
  tx: EntityManager,
  movement: { personId: string; episode: number; eventId: string },
): Promise<void> {
  // By person and episode (the primary key's prefix), not by the unindexed event column.
  const others = await tx.find(TemporaryAbsence, {
    where: { personId: movement.personId, episode: movement.episode },
  });
  const ended = others.find((a) => a.endedByMovementEventId === movement.eventId);
  if (!ended) return;
  const later = others.find((a) => a.id !== ended.id && absenceStands(a) && a.leftAt > ended.leftAt);
  if (later)
    throw new ConflictError(
      `the movement ended absence ${ended.id}, and a later absence (${later.id}, left ${later.leftAt.toISOString()}) stands: reverse it first`,
      'ABSENCE_SUPERSEDED',
      { details: { absenceId: ended.id, laterAbsenceId: later.id } },
    );
  await tx.update(
    TemporaryAbsence,
    { id: ended.id },
    { endedByMovement: null, endedByMovementAt: null, endedByMovementEventId: null },
  );
}
