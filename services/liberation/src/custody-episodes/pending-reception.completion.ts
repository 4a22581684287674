import type { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '@throughcare/platform-errors';
import { acrossScopes } from '@throughcare/platform-persistence';
import { PendingReception } from './pending-reception.entity';

export class PendingReceptionNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no pending reception ${id}`, 'PENDING_RECEPTION_NOT_FOUND');
  }
}

export class PendingReceptionDismissedError extends ConflictError {
  constructor(pending: PendingReception) {
    super(
      `pending reception ${pending.id} was dismissed (${pending.dismissalReason}): record the reception with POST /receptions`,
      'PENDING_RECEPTION_DISMISSED',
      { details: { status: pending.status, dismissalReason: pending.dismissalReason } },
    );
  }
}

export class PendingReceptionCompletedError extends ConflictError {
  constructor(pending: PendingReception, what: string) {
    super(
      `pending reception ${pending.id} is completed (episode ${pending.episode}, by ${pending.resolvedBy}): ${what}`,
      'PENDING_RECEPTION_COMPLETED',
      { details: { status: pending.status, episode: pending.episode } },
    );
  }
}

/**
 * The admission was voided as in error by the reversal of the reception that had completed it
 * (review of stop 37, M1): nothing completes from it, nor is it dismissed (it is closed).
 */
export class PendingReceptionVoidError extends ConflictError {
  constructor(pending: PendingReception, what: string) {
    super(
      `pending reception ${pending.id} is void: the reception of episode ${pending.episode} that completed it was reversed, the admission itself in error (by ${pending.voidedBy ?? pending.resolvedBy}): ${what}. ` +
        `If the person is in fact received, record it with POST /receptions, at another instant than episode ${pending.episode}'s reception`,
      'PENDING_RECEPTION_VOID',
      { details: { status: pending.status, episode: pending.episode } },
    );
  }
}

/**
 * How far a reception's instant may be from a pending reception's (HMPPS's `occurredAt`) for the
 * one to answer the other: staff record the time they know, which may differ by hours.
 */
export const PENDING_RECEPTION_MATCH_MS = 24 * 60 * 60 * 1000;

/**
 * The pending reception being completed, locked for the reception's transaction (taken after
 * the person's lock, as a dismissal takes it): a dismissed one is refused, so a completion racing
 * a dismissal never opens an episode for a dismissed reception.
 */
export async function lockPendingForCompletion(
  manager: EntityManager,
  id: string,
): Promise<PendingReception> {
  const pending = await manager
    .getRepository(PendingReception)
    .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!pending) throw new PendingReceptionNotFoundError(id);
  if (pending.status === 'DISMISSED') throw new PendingReceptionDismissedError(pending);
  if (pending.status === 'VOID') throw new PendingReceptionVoidError(pending, 'nothing completes from it');
  return pending;
}

/**
 * In a reception reversal's transaction (under the person's lock): the pending receptions the
 * void episode had completed go back to PENDING, naming it (`reopenedAfterEpisode`), for staff of
 * the receiving prison to complete again or dismiss (review stop 37, M5). Across scopes: they are
 * the person's, whoever reverses.
 */
export async function reopenPendingReceptions(
  manager: EntityManager,
  personId: string,
  voidEpisode: number,
): Promise<void> {
  await acrossScopes(manager, () =>
    manager
      .createQueryBuilder()
      .update(PendingReception)
      .set({
        status: 'PENDING',
        episode: null,
        resolvedBy: null,
        resolvedAt: null,
        reopenedAfterEpisode: voidEpisode,
      })
      .where(`person_id = :personId AND status = 'COMPLETED' AND episode = :voidEpisode`, {
        personId,
        voidEpisode,
      })
      .execute(),
  );
}

/**
 * In a reception reversal's transaction (under the person's lock), when staff said the admission
 * itself was in error: the pending receptions the void episode had completed are VOID, keeping it
 * as their episode and who completed them, voided by who reversed it. Nothing completes from them again: not their
 * completion (PENDING_RECEPTION_VOID), not a reception recorded by hand near them (only PENDING
 * ones are completed), not another copy of their HMPPS admission (skipped). Across scopes, as a
 * reopening. The number voided.
 */
export async function voidPendingReceptions(
  manager: EntityManager,
  personId: string,
  voidEpisode: number,
  actor: string,
): Promise<number> {
  const result = await acrossScopes(manager, () =>
    manager
      .createQueryBuilder()
      .update(PendingReception)
      // Who completed it stays (resolved_*); who voided it is its own (review of stop 39, N7).
      .set({ status: 'VOID', voidedBy: actor, voidedAt: () => 'now()' })
      .where(`person_id = :personId AND status = 'COMPLETED' AND episode = :voidEpisode`, {
        personId,
        voidEpisode,
      })
      .execute(),
  );
  return result.affected ?? 0;
}

/** How many pending receptions (HMPPS admissions) the episode's reception completed (across scopes). */
export function completedAdmissions(
  manager: EntityManager,
  personId: string,
  episode: number,
): Promise<number> {
  return acrossScopes(manager, () =>
    manager.countBy(PendingReception, { personId, episode, status: 'COMPLETED' }),
  );
}

/**
 * A reception recorded for the person at the establishment completes the pending receptions it
 * answers, in the reception's transaction: those received there within PENDING_RECEPTION_MATCH_MS
 * of it (however staff recorded it, it is no longer to do), and the one being completed (`id`).
 */
export async function completePendingReceptions(
  manager: EntityManager,
  reception: { personId: string; establishmentCode: string; receivedAt: Date; episode: number },
  actor: string,
  id?: string,
): Promise<void> {
  const at = reception.receivedAt.getTime();
  await manager
    .createQueryBuilder()
    .update(PendingReception)
    .set({ status: 'COMPLETED', episode: reception.episode, resolvedBy: actor, resolvedAt: () => 'now()' })
    .where(
      `person_id = :personId AND status = 'PENDING' AND (id = :id OR (establishment_code = :establishmentCode AND received_at BETWEEN :from AND :to))`,
      {
        personId: reception.personId,
        establishmentCode: reception.establishmentCode,
        id: id ?? '00000000-0000-0000-0000-000000000000',
        from: new Date(at - PENDING_RECEPTION_MATCH_MS),
        to: new Date(at + PENDING_RECEPTION_MATCH_MS),
      },
    )
    .execute();
}
