import { noteAuditSubject } from '@throughcare/platform-audit';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { parseOrThrow, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, parseIfMatch, requireIfMatch } from '@throughcare/platform-http';
import { idempotencyKeyTaken, qualifiedTable, runUnrestricted } from '@throughcare/platform-persistence';
import { RecordReceptionBodySchema } from './custody-episode.schemas';
import { HMPPS_ACTOR } from './hmpps-actor';
import { linksOf } from './custody-episode.view';
import {
  PendingReceptionCompletedError,
  PendingReceptionDismissedError,
  PendingReceptionNotFoundError,
  PendingReceptionVoidError,
} from './pending-reception.completion';
import { PendingReception } from './pending-reception.entity';
import { lockPerson } from './person-lock';
import {
  PendingReceptionCursor,
  type CompletePendingReceptionBody,
  type DismissPendingReceptionBody,
  type ListPendingReceptionsQuery,
  type PendingReceptionPage,
  type PendingReceptionView,
} from './pending-reception.schemas';
import { covers, whereEstablishment, type EstablishmentScope } from './prison-scope';
import { ReceptionsService } from './receptions.service';
import type { RequestContext } from './request-context';

/**
 * The idempotency key a pending reception's completion records its reception under (whoever
 * completes it): one per opening, so a pending reception reopened by a reception reversal opens a
 * new episode when completed again, instead of replaying the void one.
 */
const completionKey = (p: Pick<PendingReception, 'id' | 'reopenedAfterEpisode'>) =>
  p.reopenedAfterEpisode === null
    ? `pending-reception:${p.id}`
    : `pending-reception:${p.id}:reopened-after-episode-${p.reopenedAfterEpisode}`;

export const PENDING_RECEPTION_ETAG_PREFIX = 'pending-reception';

/**
 * The ETag of a pending reception's opening (review of stop 39, M3): `"pending-reception-v1"` for
 * the admission as HMPPS announced it, `"pending-reception-v<E+1>"` once a reception reversal
 * reopened it after episode E. It grows with each opening (episodes only grow), not by one. It
 * names what a completion is decided on, the opening, not the status: a retry of a completion that
 * went through (same opening, now COMPLETED) still answers the same episode; a dismissal or a void
 * is refused (409) whatever the tag.
 */
export const pendingReceptionTag = (p: Pick<PendingReception, 'reopenedAfterEpisode'>): string =>
  entityTag(PENDING_RECEPTION_ETAG_PREFIX, p.reopenedAfterEpisode === null ? 1 : p.reopenedAfterEpisode + 1);

/**
 * A completion or a dismissal of a reopened admission must say which opening it was decided on
 * (If-Match): a retry of the first completion (a double submit, an offline queue) arriving after
 * the reversal would otherwise open another episode from the facts staff just reversed as wrong,
 * and a stale dismissal would close an admission reopened because the person is arriving (review
 * of stop 40, M1). The message does not name the current tag (review of stop 40, N1): a client
 * that retries by itself would copy it and defeat the check; reading the admission again is the
 * step that makes a person decide.
 */
export class IfMatchRequiredError extends ValidationFailedError {
  constructor(pending: PendingReception, what: 'completing' | 'dismissing') {
    super(
      `pending reception ${pending.id} was reopened after episode ${pending.reopenedAfterEpisode} (its reception reversed): ${what} it needs If-Match with the ETag of the opening it was decided on ("*" is not one), so a stale request acts on nothing; read it again and decide`,
      [
        {
          field: 'if-match',
          message:
            'required, naming an entity tag (not "*"): the pending reception was reopened since it was announced',
        },
      ],
      'IF_MATCH_REQUIRED',
    );
  }
}

/**
 * The precondition of a completion or a dismissal, on the pending reception as locked: If-Match
 * (when sent, or required for a reopened admission, where `*` counts as missing: it would match
 * any opening, the stale one's included) names its opening, and the opening is the one the
 * request was worked out from (`readTag`, a completion's key: a reopening between the read and the
 * lock is a 412 too, never a completion under the previous opening's key).
 */
export function checkOpeningPrecondition(
  locked: PendingReception,
  ifMatch: string | undefined,
  what: 'completing' | 'dismissing',
  readTag?: string,
): void {
  if (locked.reopenedAfterEpisode !== null && (ifMatch === undefined || parseIfMatch(ifMatch).includes('*')))
    throw new IfMatchRequiredError(locked, what);
  const subject = `pending reception ${locked.id}`;
  requireIfMatch(ifMatch, pendingReceptionTag(locked), subject);
  if (readTag !== undefined) requireIfMatch(readTag, pendingReceptionTag(locked), subject);
}

/** What the HMPPS adapter keeps of an admission it cannot receive by itself. */
export interface PendingReceptionFacts {
  hmppsEventId: string;
  personId: string;
  prisonNumber: string;
  establishmentCode: string;
  reason: 'ADMISSION' | 'READMISSION';
  movementReasonCode?: string;
  receivedAt: Date;
  correlationId: string;
}

export function toPendingReceptionView(p: PendingReception): PendingReceptionView {
  return {
    id: p.id,
    personId: p.personId,
    prisonNumber: p.prisonNumber,
    establishmentCode: p.establishmentCode,
    reason: p.reason,
    movementReasonCode: p.movementReasonCode,
    receivedAt: p.receivedAt.toISOString(),
    status: p.status,
    pendingSince: p.createdAt.toISOString(),
    episode: p.episode,
    links: p.episode === null ? null : linksOf(p.personId, p.episode),
    resolvedBy: p.resolvedBy,
    resolvedAt: p.resolvedAt?.toISOString() ?? null,
    voidedBy: p.voidedBy,
    voidedAt: p.voidedAt?.toISOString() ?? null,
    dismissalReason: p.dismissalReason,
    reopenedAfterEpisode: p.reopenedAfterEpisode,
    etag: pendingReceptionTag(p),
  };
}

/**
 * Receptions announced by HMPPS (a new admission) that staff complete with the facts the event
 * lacks, or dismiss (issue 9). Each is the receiving establishment's: its staff see and act on
 * it (the scope here, row-level security below); the platform's adapter records them.
 */
@Injectable()
export class PendingReceptionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly receptions: ReceptionsService,
  ) {}

  /** Once per HMPPS event (its id): another copy records nothing. True when recorded now. */
  recordFromHmpps(facts: PendingReceptionFacts): Promise<boolean> {
    return runUnrestricted(async () => {
      const manager = this.dataSource.manager;
      const rows = (await manager.query(
        `INSERT INTO ${qualifiedTable(manager, 'pending_reception')}
           (id, hmpps_event_id, person_id, prison_number, establishment_code, reason, movement_reason_code, received_at, status, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'PENDING', $9)
         ON CONFLICT (hmpps_event_id) DO NOTHING
         RETURNING id`,
        [
          randomUUID(),
          facts.hmppsEventId,
          facts.personId,
          facts.prisonNumber,
          facts.establishmentCode,
          facts.reason,
          facts.movementReasonCode ?? null,
          facts.receivedAt,
          facts.correlationId,
        ],
      )) as unknown[];
      return rows.length > 0;
    });
  }

  /** The person's oldest reception still pending, if any (the adapter's view: every prison). */
  pendingOf(personId: string): Promise<PendingReception | null> {
    return runUnrestricted(() =>
      this.dataSource.getRepository(PendingReception).findOne({
        where: { personId, status: 'PENDING' },
        order: { receivedAt: 'ASC', id: 'ASC' },
      }),
    );
  }

  /**
   * The person was released (HMPPS) before staff completed their pending reception: it is
   * dismissed with `reason`, under the person's lock (a completion in flight finishes first), so
   * no episode is opened later for someone already free. The number dismissed.
   */
  dismissOnRelease(personId: string, reason: string): Promise<number> {
    return runUnrestricted(() =>
      this.dataSource.transaction(async (tx) => {
        await lockPerson(tx, personId);
        const result = await tx.update(
          PendingReception,
          { personId, status: 'PENDING' },
          { status: 'DISMISSED', dismissalReason: reason, resolvedBy: HMPPS_ACTOR, resolvedAt: new Date() },
        );
        return result.affected ?? 0;
      }),
    );
  }

  /** The caller's establishments' pending receptions (or those of one), oldest received first. */
  async list(scope: EstablishmentScope, query: ListPendingReceptionsQuery): Promise<PendingReceptionPage> {
    const q = this.dataSource
      .getRepository(PendingReception)
      .createQueryBuilder('p')
      .where('p.status = :status', { status: query.status })
      .orderBy('p.received_at', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(query.limit + 1);
    if (!whereEstablishment(q, 'p.establishment_code', scope, query.establishmentCode))
      return { items: [], nextCursor: null };
    if (query.cursor)
      q.andWhere('(p.received_at, p.id) > (:afterAt::timestamptz, :afterId::uuid)', {
        afterAt: query.cursor.receivedAt,
        afterId: query.cursor.id,
      });
    const rows = await q.getMany();
    const { items, nextCursor } = PendingReceptionCursor.page(rows, query.limit, (last) => ({
      receivedAt: last.receivedAt.toISOString(),
      id: last.id,
    }));
    return { items: items.map(toPendingReceptionView), nextCursor };
  }

  async get(scope: EstablishmentScope, id: string): Promise<PendingReceptionView> {
    return toPendingReceptionView(await this.find(scope, id));
  }

  /**
   * Opens the episode with the facts staff add (checked as `POST /receptions` checks them), under
   * a key of the pending reception's own: a retry, by anyone, answers the same episode; other
   * facts after it are IDEMPOTENCY_KEY_REUSED. The reception completes the pending one in its own
   * transaction. A dismissed one is refused (record the reception with `POST /receptions`), as is
   * a void one (its admission was in error: PENDING_RECEPTION_VOID). `ifMatch` (If-Match), when
   * sent, must name the current opening (412 otherwise); for a reopened admission it is required
   * (400 IF_MATCH_REQUIRED), so a stale retry of its first completion opens nothing.
   */
  async complete(
    id: string,
    body: CompletePendingReceptionBody,
    context: RequestContext,
    ifMatch?: string,
  ): Promise<{ created: boolean; view: PendingReceptionView }> {
    const pending = await this.find(context.scope, id);
    if (pending.status === 'DISMISSED') throw new PendingReceptionDismissedError(pending);
    // A stale completion (a retry of the first, say) of an admission voided as in error opens nothing.
    if (pending.status === 'VOID') throw new PendingReceptionVoidError(pending, 'nothing completes from it');
    // Completed by a reception staff recorded themselves: nothing to complete (a completion's retry goes on).
    if (pending.status === 'COMPLETED' && !(await this.completedHere(pending)))
      throw new PendingReceptionCompletedError(pending, 'by a reception recorded for the person');
    const reception = parseOrThrow(
      RecordReceptionBodySchema,
      {
        prisonNumber: pending.prisonNumber,
        establishmentCode: pending.establishmentCode,
        // HMPPS events speak for England and Wales only.
        jurisdiction: 'ENGLAND_AND_WALES',
        reason: pending.reason,
        receivedAt: pending.receivedAt.toISOString(),
        ...body,
      },
      'body',
    );
    const readTag = pendingReceptionTag(pending);
    const { created } = await this.receptions.record(
      reception,
      { ...context, idempotencyKey: completionKey(pending) },
      pending.id,
      (locked) => checkOpeningPrecondition(locked, ifMatch, 'completing', readTag),
    );
    return { created, view: await this.get(context.scope, id) };
  }

  /**
   * No episode is opened from it: staff say why. The same dismissal again answers it; a completed
   * or void one is refused. Conditional on the opening as a completion is (If-Match: required once
   * reopened, 412 naming another opening; review of stop 40, M1).
   */
  async dismiss(
    id: string,
    body: DismissPendingReceptionBody,
    context: RequestContext,
    ifMatch?: string,
  ): Promise<PendingReceptionView> {
    const { personId } = await this.find(context.scope, id);
    return this.dataSource.transaction(async (tx) => {
      // The person's lock first, as a reception takes it: a completion in flight finishes first.
      await lockPerson(tx, personId);
      const pending = await this.find(context.scope, id, tx, true);
      if (pending.status === 'COMPLETED')
        throw new PendingReceptionCompletedError(pending, 'there is nothing to dismiss');
      if (pending.status === 'VOID')
        throw new PendingReceptionVoidError(pending, 'there is nothing to dismiss');
      checkOpeningPrecondition(pending, ifMatch, 'dismissing');
      if (pending.status === 'DISMISSED' && pending.dismissalReason !== body.reason)
        throw new PendingReceptionDismissedError(pending);
      if (pending.status === 'PENDING') {
        await tx.update(
          PendingReception,
          { id, status: 'PENDING' },
          {
            status: 'DISMISSED',
            dismissalReason: body.reason,
            resolvedBy: context.actor,
            resolvedAt: new Date(),
          },
        );
      }
      return toPendingReceptionView(await this.find(context.scope, id, tx));
    });
  }

  /** Whether the completion endpoint opened its episode (its key is taken), not a reception recorded by hand. */
  private completedHere(pending: PendingReception): Promise<boolean> {
    // (The platform's key table; the caller's scope was checked on the pending reception.)
    return runUnrestricted(() =>
      idempotencyKeyTaken(this.dataSource.manager, `liberation:reception:${completionKey(pending)}`),
    );
  }

  /** One the caller's establishments hold; any other answers as unknown. */
  private async find(
    scope: EstablishmentScope,
    id: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<PendingReception> {
    const found = await manager.getRepository(PendingReception).findOne({
      where: { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!found || !covers(scope, found.establishmentCode)) throw new PendingReceptionNotFoundError(id);
    noteAuditSubject(found.personId);
    return found;
  }
}
