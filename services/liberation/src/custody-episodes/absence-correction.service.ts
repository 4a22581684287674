import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { ConflictError } from '@throughcare/platform-errors';
import { withIdempotency } from '@throughcare/platform-persistence';
import {
  IdempotencyKeyReusedError,
  MovementCorrectionRefusedError,
  MovementOutOfOrderError,
  refuseVoid,
} from './custody-episode.errors';
import { absenceCorrectedEvent } from './custody-episode.events';
import { enqueueCustodyEvent } from './custody-outbox';
import { episodeWithin, loadMovements } from './episode-history';
import { absenceFacts, factCrossed, movementFacts } from './movement-correction.service';
import { lockPerson } from './person-lock';
import type { RequestContext } from './request-context';
import {
  AbsenceCorrection,
  TemporaryAbsence,
  absenceReturned,
  absenceStands,
} from './temporary-absence.entity';
import type {
  AbsenceCorrectedView,
  AbsenceCorrectionView,
  CorrectAbsenceBody,
} from './temporary-absence.schemas';
import { AbsenceNotFoundError, absenceView } from './temporary-absences.service';

/** What an Idempotency-Key remembers of the first request: a retry must send the same. */
interface FirstCorrection {
  absenceId: string;
  leftAt: string | null;
  returnedAt: string | null;
  dueBackAt: string | null;
  reason: string;
  note: string | null;
}

@Injectable()
export class AbsenceCorrectionService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Corrects a temporary absence in place: its departure instant, its return instant (a standing
   * return), its due-back time. The absence keeps its id and events and takes the corrected facts
   * (its version one more); the correction is recorded with the facts it superseded and
   * `custody.absence.corrected` enqueued, in one transaction. The same facts again change nothing
   * (no event). If-Match, when sent, must name the absence's version ("absence-vN"), else 412.
   *
   * Refused (409) where the episode's history would become impossible: a reversed absence
   * (ABSENCE_REVERSED), no return to correct (ABSENCE_NOT_ENDED), a departure before the episode
   * began (CORRECTION_BEFORE_RECEPTION), an instant moved past another standing release, transfer,
   * departure or return (CORRECTION_REORDERS_HISTORY, named in `conflictsWith`); a return not after
   * the departure is 422 RETURN_BEFORE_DEPARTURE, a due-back time not after it 422
   * DUE_BACK_BEFORE_DEPARTURE.
   */
  async correct(
    personId: string,
    episodeNumber: number,
    absenceId: string,
    body: CorrectAbsenceBody,
    ifMatch: string | undefined,
    context: RequestContext,
  ): Promise<{ created: boolean; absence: AbsenceCorrectedView }> {
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      await episodeWithin(tx, personId, episodeNumber, context.scope);
      const found = await tx.findOneBy(TemporaryAbsence, { id: absenceId, personId, episode: episodeNumber });
      if (!found) throw new AbsenceNotFoundError(personId, episodeNumber, absenceId);
      let created = false;
      const correct = async (manager: EntityManager): Promise<FirstCorrection> => {
        created = await this.apply(manager, found, body, ifMatch, context);
        return {
          absenceId,
          leftAt: body.leftAt ?? null,
          returnedAt: body.returnedAt ?? null,
          dueBackAt: body.dueBackAt ?? null,
          reason: body.reason,
          note: body.note ?? null,
        };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:absence-correction:${context.idempotencyKey}`, correct)
        : await correct(tx);
      const differences = (
        ['absenceId', 'leftAt', 'returnedAt', 'dueBackAt', 'reason', 'note'] as const
      ).filter((f) => {
        const now = f === 'absenceId' ? absenceId : (body[f] ?? null);
        const then = first[f];
        return f.endsWith('At') && then !== null && now !== null
          ? Date.parse(then) !== Date.parse(now)
          : then !== now;
      });
      if (differences.length > 0)
        throw new IdempotencyKeyReusedError('the correction sent with this Idempotency-Key', [
          ...differences,
        ]);
      return { created, absence: await correctedView(tx, absenceId) };
    });
  }

  /** Returns whether this call corrected the absence. */
  private async apply(
    manager: EntityManager,
    absence: TemporaryAbsence,
    body: CorrectAbsenceBody,
    ifMatch: string | undefined,
    context: RequestContext,
  ): Promise<boolean> {
    const { personId, episode: episodeNumber, id: absenceId } = absence;
    const episode = await episodeWithin(manager, personId, episodeNumber, 'unrestricted');
    refuseVoid(episode);
    if (!absenceStands(absence))
      throw new ConflictError(`absence ${absenceId} was reversed: it never was`, 'ABSENCE_REVERSED', {
        details: { absenceId },
      });
    if (body.returnedAt !== undefined && !absenceReturned(absence))
      throw new ConflictError(`absence ${absenceId} has no return to correct`, 'ABSENCE_NOT_ENDED', {
        details: { absenceId, field: 'returnedAt' },
      });
    const leftAt = body.leftAt !== undefined ? new Date(body.leftAt) : absence.leftAt;
    const returnedAt = absenceReturned(absence)
      ? body.returnedAt !== undefined
        ? new Date(body.returnedAt)
        : absence.returnedAt
      : null;
    const dueBackAt = body.dueBackAt !== undefined ? new Date(body.dueBackAt) : absence.dueBackAt;
    const same = (a: Date | null, b: Date | null) =>
      a === null || b === null ? a === b : a.getTime() === b.getTime();
    if (
      same(leftAt, absence.leftAt) &&
      same(returnedAt, absenceReturned(absence) ? absence.returnedAt : null) &&
      same(dueBackAt, absence.dueBackAt)
    )
      return false;
    requireIfMatch(ifMatch, entityTag('absence', absence.version), `absence ${absenceId}`);

    if (returnedAt !== null && returnedAt <= leftAt)
      throw new MovementOutOfOrderError(
        'RETURN_BEFORE_DEPARTURE',
        body.returnedAt !== undefined ? 'returnedAt' : 'leftAt',
        `returnedAt ${returnedAt.toISOString()} is not after the person left (${leftAt.toISOString()})`,
        { absenceId },
      );
    if (dueBackAt !== null && dueBackAt <= leftAt)
      throw new MovementOutOfOrderError(
        'DUE_BACK_BEFORE_DEPARTURE',
        body.dueBackAt !== undefined ? 'dueBackAt' : 'leftAt',
        `dueBackAt ${dueBackAt.toISOString()} is not after the person left (${leftAt.toISOString()})`,
        { absenceId },
      );
    if (episode.receivedAt !== null && leftAt < episode.receivedAt)
      throw new MovementCorrectionRefusedError(
        'CORRECTION_BEFORE_RECEPTION',
        absenceId,
        `leftAt ${leftAt.toISOString()} is before episode ${episodeNumber} of person ${personId} was received (${episode.receivedAt.toISOString()})`,
        { field: 'leftAt', personId, episode: episodeNumber, openedAt: episode.receivedAt.toISOString() },
      );
    // Every other standing fact keeps its side of the departure and of the return (the movement
    // that ended the absence, if any, stays after its departure).
    const others = await manager.find(TemporaryAbsence, { where: { personId, episode: episodeNumber } });
    const facts = [
      ...movementFacts(await loadMovements(manager, personId, episodeNumber)),
      ...absenceFacts(others, absenceId),
    ];
    const moves: Array<[field: 'leftAt' | 'returnedAt', from: Date | null, to: Date | null]> = [
      ['leftAt', absence.leftAt, leftAt],
      ['returnedAt', absenceReturned(absence) ? absence.returnedAt : null, returnedAt],
    ];
    for (const [field, from, to] of moves) {
      if (from === null || to === null) continue;
      const crossed = factCrossed(facts, from, to);
      if (!crossed) continue;
      const { fact, before } = crossed;
      throw new MovementCorrectionRefusedError(
        'CORRECTION_REORDERS_HISTORY',
        absenceId,
        `${field} ${to.toISOString()} would put the ${field === 'leftAt' ? 'departure' : 'return'} ${before ? 'before' : 'after'} the ${fact.what} at ${fact.at.toISOString()}, which ${before ? 'preceded' : 'followed'} it`,
        { field, personId, episode: episodeNumber, at: fact.at.toISOString() },
        fact.ref,
      );
    }

    const correction = manager.create(AbsenceCorrection, {
      eventId: context.fromBus?.eventId ?? randomUUID(),
      absenceId,
      personId,
      episode: episodeNumber,
      version: absence.version + 1,
      reason: body.reason,
      note: body.note ?? null,
      leftAt,
      previousLeftAt: absence.leftAt,
      returnedAt,
      previousReturnedAt: returnedAt === null ? null : absence.returnedAt,
      dueBackAt,
      previousDueBackAt: absence.dueBackAt,
      correctedAt: new Date(),
      correctedBy: context.actor,
      correlationId: context.correlationId,
    });
    await manager.insert(AbsenceCorrection, correction);
    await manager.update(
      TemporaryAbsence,
      { id: absenceId },
      { leftAt, dueBackAt, version: correction.version, ...(returnedAt !== null ? { returnedAt } : {}) },
    );
    await enqueueCustodyEvent(manager, absenceCorrectedEvent(episode, absence, correction), context);
    return true;
  }
}

async function correctedView(manager: EntityManager, absenceId: string): Promise<AbsenceCorrectedView> {
  const absence = await manager.findOneByOrFail(TemporaryAbsence, { id: absenceId });
  const corrections = await manager.find(AbsenceCorrection, {
    where: { absenceId },
    order: { version: 'ASC' },
  });
  return { ...absenceView(absence), corrections: corrections.map(toCorrectionView) };
}

function toCorrectionView(c: AbsenceCorrection): AbsenceCorrectionView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    eventId: c.eventId,
    version: c.version,
    reason: c.reason,
    note: c.note,
    leftAt: c.leftAt.toISOString(),
    previousLeftAt: c.previousLeftAt.toISOString(),
    returnedAt: iso(c.returnedAt),
    previousReturnedAt: iso(c.previousReturnedAt),
    dueBackAt: iso(c.dueBackAt),
    previousDueBackAt: iso(c.previousDueBackAt),
    correctedAt: c.correctedAt.toISOString(),
    correctedBy: c.correctedBy,
  };
}
