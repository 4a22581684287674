import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type {
  EngagementAnsweredV1,
  EngagementRecordedV1,
  EngagementRequestedV1,
  EngagementWithdrawnV1,
} from '@throughcare/contracts';
import { addDays, localDateOf } from '@throughcare/domain';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { acrossScopes, enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import type { PrisonScope } from '../notes/referral-notes.service';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { IdempotencyKeyReusedError } from '../referrals/referral.errors';
import { CLOCK_SKEW_MS } from '../referrals/referral.state';
import { enqueueWebhooks } from '../webhooks/webhook-fanout';
import { EngagementRequest } from './engagement-request.entity';
import {
  EngagementAlreadyRequestedError,
  EngagementDateError,
  EngagementMovedError,
  EngagementRequestNotFoundError,
  EngagementTransitionNotAllowedError,
} from './engagement.errors';
import {
  allowedEngagementActions,
  OPEN_ENGAGEMENT_STATUSES,
  type EngagementAction,
  type EngagementActor,
} from './engagement.lifecycle';
import {
  RESPOND_BY_MAX_DAYS,
  type AnswerEngagementBody,
  type CreateEngagementRequestBody,
  type EngagementRequestView,
  type ListEngagementRequestsQuery,
  type ListPrisonEngagementRequestsQuery,
  type RecordEngagementBody,
  type WithdrawEngagementBody,
} from './engagement.schemas';

export interface EngagementRecording {
  request: EngagementRequestView;
  /** False when the request answered is a repeat (an Idempotency-Key retry, or the same fact again). */
  recorded: boolean;
}

interface WriteContext {
  correlationId: string;
  idempotencyKey?: string | undefined;
}

/** What an Idempotency-Key keeps of a request to engage: its id and what was asked (the purpose as its SHA-256 only). */
interface RequestKeyResult {
  id: string;
  facts: Record<string, string | number | null>;
}

function keyedFacts(establishmentCode: string, body: CreateEngagementRequestBody): RequestKeyResult['facts'] {
  return {
    personId: body.personId,
    episode: body.episode,
    establishmentCode,
    agencyId: body.agencyId,
    bodyKind: body.bodyKind,
    purposeSha256: createHash('sha256').update(body.purpose).digest('hex'),
    requestedBy: body.requestedBy,
    respondBy: body.respondBy,
    expectedReleaseDate: body.expectedReleaseDate ?? null,
  };
}

/**
 * Whether a prison may read the request: the one responsible or the one that asked (the
 * service's own check, as migration 1800's read policy has it).
 */
const prisonReads = (row: EngagementRequest, scope: PrisonScope) =>
  [row.establishmentCode, row.requestingEstablishmentCode].some((e) => scope.establishments.includes(e));

const sameInstant = (a: Date | null, b: string | undefined) =>
  b === undefined || (a !== null && a.getTime() === Date.parse(b));

/**
 * Duty to engage (issue 9; Bail and Release from Custody (Scotland) Act 2023 s.12): prison staff
 * ask a named body to engage in a person's release planning by a day; the body answers, and
 * records when and how it engaged; the prison may withdraw a request still open. Every write is
 * under the request's row lock, every repeat of a recorded fact answers it again (200), and each
 * fact goes on the bus (and, for the body, to its webhooks) in the transaction that records it.
 * The service's own checks name the caller's scope; row-level security is the second wall.
 */
@Injectable()
export class EngagementsService {
  constructor(private readonly dataSource: DataSource) {}

  /** A new request from one of the caller's prisons (an Idempotency-Key retry answers the one on record). */
  request(
    scope: PrisonScope,
    body: CreateEngagementRequestBody,
    context: WriteContext,
    clock: () => Date = () => new Date(),
  ): Promise<EngagementRecording> {
    const establishmentCode = this.askingPrison(scope, body.establishmentCode);
    return this.dataSource.transaction(async (tx) => {
      const now = clock();
      let recorded = false;
      const insert = async (manager: EntityManager): Promise<RequestKeyResult> => {
        const today = localDateOf(now);
        if (body.respondBy < today)
          throw new EngagementDateError(
            'RESPOND_BY_IN_PAST',
            'respondBy',
            `respondBy ${body.respondBy} is before today (${today}, Europe/London)`,
          );
        const latest = addDays(today, RESPOND_BY_MAX_DAYS);
        if (body.respondBy > latest)
          throw new EngagementDateError(
            'RESPOND_BY_TOO_FAR',
            'respondBy',
            `respondBy ${body.respondBy} is more than ${RESPOND_BY_MAX_DAYS} days ahead (latest ${latest})`,
          );
        // One open request per body, person and episode: serialised per triple, so two
        // concurrent requests cannot both pass the check (migration 1800's unique index is the backstop).
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
          `engagement:${body.personId}:${body.episode}:${body.agencyId}`,
        ]);
        // Across every prison's requests: one left at another prison (a transfer this service was
        // not told of) still stands; its id is named only to a prison that can read it.
        const open = await acrossScopes(manager, () =>
          manager
            .getRepository(EngagementRequest)
            .createQueryBuilder('e')
            .where('e.person_id = :personId AND e.episode = :episode AND e.agency_id = :agencyId', body)
            .andWhere('e.status IN (:...open)', { open: OPEN_ENGAGEMENT_STATUSES })
            .getOne(),
        );
        if (open) throw new EngagementAlreadyRequestedError(prisonReads(open, scope) ? open.id : undefined);
        const row: EngagementRequest = {
          id: randomUUID(),
          personId: body.personId,
          episode: body.episode,
          establishmentCode,
          requestingEstablishmentCode: establishmentCode,
          agencyId: body.agencyId,
          bodyKind: body.bodyKind,
          purpose: body.purpose,
          expectedReleaseDate: body.expectedReleaseDate ?? null,
          requestedBy: body.requestedBy,
          requestedAt: now,
          respondBy: body.respondBy,
          status: 'REQUESTED',
          answer: null,
          answeredAt: null,
          answerRecordedAt: null,
          answeredBy: null,
          answerReason: null,
          contact: null,
          engagedAt: null,
          engagementMode: null,
          engagementSummary: null,
          withdrawnAt: null,
          withdrawalReason: null,
          updatedAt: now,
          correlationId: context.correlationId,
        };
        try {
          await manager.getRepository(EngagementRequest).insert(row);
        } catch (error) {
          // The partial unique index, behind the check above.
          if ((error as { driverError?: { code?: string } }).driverError?.code === '23505')
            throw new EngagementAlreadyRequestedError(undefined);
          throw error;
        }
        const event: EngagementRequestedV1 = {
          eventType: 'referral.engagement.requested',
          version: 1,
          eventId: randomUUID(),
          occurredAt: now.toISOString(),
          correlationId: context.correlationId,
          personReference: personReferenceOf(row.personId),
          data: {
            engagementRequestId: row.id,
            episode: row.episode,
            agencyId: row.agencyId,
            bodyKind: row.bodyKind,
            establishmentCode,
            requestedAt: now.toISOString(),
            respondBy: row.respondBy,
          },
        };
        await enqueueEvent(manager, event);
        await enqueueWebhooks(manager, row.agencyId, event);
        recorded = true;
        return { id: row.id, facts: keyedFacts(establishmentCode, body) };
      };
      const result = context.idempotencyKey
        ? await withIdempotency(
            tx,
            `referral:engagement:${establishmentCode}:${context.idempotencyKey}`,
            insert,
          )
        : await insert(tx);
      const again = keyedFacts(establishmentCode, body);
      const differences = Object.keys(again).filter((k) => result.facts[k] !== again[k]);
      if (differences.length > 0)
        throw new IdempotencyKeyReusedError(
          'the engagement request sent with this Idempotency-Key',
          differences,
        );
      const row = await tx.getRepository(EngagementRequest).findOneBy({ id: result.id });
      if (!row) throw new EngagementRequestNotFoundError(result.id);
      return { request: toEngagementView(row, 'PRISON', now, scope), recorded };
    });
  }

  /** The named body's answer: WILL_ENGAGE, or CANNOT_ENGAGE with its reason. */
  answer(
    agencyId: string,
    id: string,
    body: AnswerEngagementBody,
    context: WriteContext,
    clock: () => Date = () => new Date(),
  ): Promise<EngagementRecording> {
    return this.change({ agencyId }, id, clock, async (tx, row, now) => {
      if (
        row.answer !== null &&
        row.answer === body.answer &&
        row.answeredBy === body.answeredBy &&
        row.answerReason === (body.reason ?? null) &&
        (body.contact === undefined || row.contact === body.contact) &&
        sameInstant(row.answeredAt, body.answeredAt)
      )
        return false;
      this.allowed(row, 'ANSWER', 'NAMED_BODY');
      const answeredAt = this.pastFact('answeredAt', body.answeredAt, row, now);
      await tx.getRepository(EngagementRequest).update(
        { id: row.id },
        {
          status: body.answer,
          answer: body.answer,
          answeredAt,
          answerRecordedAt: now,
          answeredBy: body.answeredBy,
          answerReason: body.reason ?? null,
          contact: body.contact ?? null,
          updatedAt: now,
        },
      );
      const event: EngagementAnsweredV1 = {
        ...this.envelope('referral.engagement.answered', row, now, context),
        data: {
          engagementRequestId: row.id,
          episode: row.episode,
          agencyId: row.agencyId,
          answer: body.answer,
          answeredAt: answeredAt.toISOString(),
          late: localDateOf(now) > row.respondBy,
        },
      };
      await enqueueEvent(tx, event);
      return true;
    });
  }

  /** When and how the body engaged, once it said it would. */
  recordEngagement(
    agencyId: string,
    id: string,
    body: RecordEngagementBody,
    context: WriteContext,
    clock: () => Date = () => new Date(),
  ): Promise<EngagementRecording> {
    return this.change({ agencyId }, id, clock, async (tx, row, now) => {
      if (
        row.engagedAt !== null &&
        sameInstant(row.engagedAt, body.engagedAt) &&
        row.engagementMode === body.mode &&
        row.engagementSummary === body.summary
      )
        return false;
      this.allowed(row, 'RECORD_ENGAGEMENT', 'NAMED_BODY');
      const engagedAt = this.pastFact('engagedAt', body.engagedAt, row, now);
      await tx.getRepository(EngagementRequest).update(
        { id: row.id },
        {
          status: 'ENGAGED',
          engagedAt,
          engagementMode: body.mode,
          engagementSummary: body.summary,
          updatedAt: now,
        },
      );
      const event: EngagementRecordedV1 = {
        ...this.envelope('referral.engagement.recorded', row, now, context),
        data: {
          engagementRequestId: row.id,
          episode: row.episode,
          agencyId: row.agencyId,
          mode: body.mode,
          engagedAt: engagedAt.toISOString(),
        },
      };
      await enqueueEvent(tx, event);
      return true;
    });
  }

  /** The prison withdraws a request still open; the body is told (bus, webhooks). */
  withdraw(
    scope: PrisonScope,
    id: string,
    body: WithdrawEngagementBody,
    context: WriteContext,
    clock: () => Date = () => new Date(),
  ): Promise<EngagementRecording> {
    return this.change({ prison: scope }, id, clock, async (tx, row, now) => {
      if (row.status === 'WITHDRAWN' && row.withdrawalReason === body.reason) return false;
      this.allowed(row, 'WITHDRAW', 'PRISON');
      await tx
        .getRepository(EngagementRequest)
        .update(
          { id: row.id },
          { status: 'WITHDRAWN', withdrawnAt: now, withdrawalReason: body.reason, updatedAt: now },
        );
      const event: EngagementWithdrawnV1 = {
        ...this.envelope('referral.engagement.withdrawn', row, now, context),
        data: {
          engagementRequestId: row.id,
          episode: row.episode,
          agencyId: row.agencyId,
          withdrawnAt: now.toISOString(),
        },
      };
      await enqueueEvent(tx, event);
      await enqueueWebhooks(tx, row.agencyId, event);
      return true;
    });
  }

  async getForAgency(agencyId: string, id: string, now = new Date()): Promise<EngagementRequestView> {
    const row = await this.dataSource.getRepository(EngagementRequest).findOneBy({ id, agencyId });
    if (!row) throw new EngagementRequestNotFoundError(id);
    return toEngagementView(row, 'NAMED_BODY', now, undefined);
  }

  async getForPrison(scope: PrisonScope, id: string, now = new Date()): Promise<EngagementRequestView> {
    const row = await this.dataSource.getRepository(EngagementRequest).findOneBy({ id });
    if (!row || !prisonReads(row, scope)) throw new EngagementRequestNotFoundError(id);
    return toEngagementView(row, 'PRISON', now, scope);
  }

  /** The requests made to the calling agency, in request order. */
  listForAgency(
    agencyId: string,
    query: ListEngagementRequestsQuery,
    now = new Date(),
  ): Promise<Page<EngagementRequestView>> {
    return this.page(query, 'NAMED_BODY', now, undefined, (qb) =>
      qb.where('e.agency_id = :agencyId', { agencyId }),
    );
  }

  /** The requests of the caller's prisons, in request order; by person (and episode), status, overdue. */
  listForPrison(
    scope: PrisonScope,
    query: ListPrisonEngagementRequestsQuery,
    now = new Date(),
  ): Promise<Page<EngagementRequestView>> {
    return this.page(query, 'PRISON', now, scope, (qb) => {
      qb.where(
        '(e.establishment_code IN (:...establishments) OR e.requesting_establishment_code IN (:...establishments))',
        { establishments: [...scope.establishments] },
      );
      if (query.personId) qb.andWhere('e.person_id = :personId', { personId: query.personId });
      if (query.episode !== undefined) qb.andWhere('e.episode = :episode', { episode: query.episode });
    });
  }

  private async page(
    query: ListEngagementRequestsQuery,
    actor: EngagementActor,
    now: Date,
    scope: PrisonScope | undefined,
    scoped: (qb: SelectQueryBuilder<EngagementRequest>) => void,
  ): Promise<Page<EngagementRequestView>> {
    const qb = this.dataSource.getRepository(EngagementRequest).createQueryBuilder('e');
    scoped(qb);
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    const overdue = `(e.status = 'REQUESTED' AND e.respond_by < :today::date)`;
    if (query.overdue !== undefined)
      qb.andWhere(query.overdue ? overdue : `NOT ${overdue}`, { today: localDateOf(now) });
    if (query.cursor)
      qb.andWhere('(e.requested_at, e.id) > (:at::timestamptz, :id::uuid)', decodeCursor(query.cursor));
    qb.orderBy('e.requested_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(query.limit + 1);
    return toPage(
      await qb.getMany(),
      query.limit,
      (row) => toEngagementView(row, actor, now, scope),
      (row) => ({ at: row.requestedAt, id: row.id }),
    );
  }

  /** One change under the request's row lock; `apply` answers false for a repeat of the fact on record. */
  private change(
    caller: { agencyId: string } | { prison: PrisonScope },
    id: string,
    clock: () => Date,
    apply: (tx: EntityManager, row: EngagementRequest, now: Date) => Promise<boolean>,
  ): Promise<EngagementRecording> {
    const actor: EngagementActor = 'agencyId' in caller ? 'NAMED_BODY' : 'PRISON';
    return this.dataSource.transaction(async (tx) => {
      const row = await tx
        .getRepository(EngagementRequest)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      const inScope =
        row &&
        ('agencyId' in caller
          ? row.agencyId === caller.agencyId
          : caller.prison.establishments.includes(row.establishmentCode));
      if (!row || !inScope) {
        // The prison that asked reads it after a transfer but may not lock it (row-level security
        // gives it reads only): say who acts on it now.
        const read = 'prison' in caller ? await tx.getRepository(EngagementRequest).findOneBy({ id }) : null;
        if (
          read &&
          'prison' in caller &&
          caller.prison.establishments.includes(read.requestingEstablishmentCode)
        )
          throw new EngagementMovedError(read.id, read.establishmentCode);
        throw new EngagementRequestNotFoundError(id);
      }
      const now = clock();
      const recorded = await apply(tx, row, now);
      const after = await tx.getRepository(EngagementRequest).findOneByOrFail({ id });
      return {
        request: toEngagementView(after, actor, now, 'prison' in caller ? caller.prison : undefined),
        recorded,
      };
    });
  }

  private allowed(row: EngagementRequest, action: EngagementAction, by: EngagementActor): void {
    const allowed = allowedEngagementActions(row.status, by);
    if (!allowed.includes(action))
      throw new EngagementTransitionNotAllowedError(row.id, action, row.status, allowed);
  }

  /** A date the body gives for its own fact: defaults to now; not before the request, nor in the future. */
  private pastFact(field: string, given: string | undefined, row: EngagementRequest, now: Date): Date {
    const at = given ? new Date(given) : now;
    if (at < row.requestedAt)
      throw new EngagementDateError(
        'BEFORE_REQUESTED',
        field,
        `${field} ${at.toISOString()} is before the request was made (${row.requestedAt.toISOString()})`,
      );
    if (at.getTime() > now.getTime() + CLOCK_SKEW_MS)
      throw new EngagementDateError('IN_FUTURE', field, `${field} ${at.toISOString()} is in the future`);
    return at;
  }

  private envelope<T extends string>(eventType: T, row: EngagementRequest, now: Date, context: WriteContext) {
    return {
      eventType,
      version: 1 as const,
      eventId: randomUUID(),
      occurredAt: now.toISOString(),
      correlationId: context.correlationId,
      personReference: personReferenceOf(row.personId),
    };
  }

  /** The prison asking: the one named (one of the caller's), or the caller's only one. */
  private askingPrison(scope: PrisonScope, named: string | undefined): string {
    if (named !== undefined) {
      if (!scope.establishments.includes(named))
        throw new ValidationFailedError('establishmentCode is not one of your prisons', [
          { field: 'establishmentCode', message: "is not one of the prisons the caller's token names" },
        ]);
      return named;
    }
    if (scope.establishments.length !== 1)
      throw new ValidationFailedError('establishmentCode is required', [
        { field: 'establishmentCode', message: "is required: the caller's token names several prisons" },
      ]);
    return scope.establishments[0]!;
  }
}

/**
 * The view for the body or a prison; `scope` is the calling prison's (its actions are those of
 * the prison responsible: the one that asked reads, and acts no more, once the person has moved).
 */
export function toEngagementView(
  row: EngagementRequest,
  actor: EngagementActor,
  now: Date,
  scope: PrisonScope | undefined,
): EngagementRequestView {
  const acts = actor === 'NAMED_BODY' || (scope?.establishments.includes(row.establishmentCode) ?? false);
  return {
    id: row.id,
    personId: row.personId,
    episode: row.episode,
    establishmentCode: row.establishmentCode,
    requestingEstablishmentCode: row.requestingEstablishmentCode,
    agencyId: row.agencyId,
    bodyKind: row.bodyKind,
    purpose: row.purpose,
    expectedReleaseDate: row.expectedReleaseDate,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt.toISOString(),
    respondBy: row.respondBy,
    status: row.status,
    overdue: row.status === 'REQUESTED' && row.respondBy < localDateOf(now),
    answer:
      row.answer && row.answeredAt && row.answeredBy && row.answerRecordedAt
        ? {
            answer: row.answer,
            answeredAt: row.answeredAt.toISOString(),
            answeredBy: row.answeredBy,
            recordedAt: row.answerRecordedAt.toISOString(),
            reason: row.answerReason,
            contact: row.contact,
            late: localDateOf(row.answerRecordedAt) > row.respondBy,
          }
        : null,
    engagement:
      row.engagedAt && row.engagementMode && row.engagementSummary
        ? { engagedAt: row.engagedAt.toISOString(), mode: row.engagementMode, summary: row.engagementSummary }
        : null,
    withdrawal:
      row.withdrawnAt && row.withdrawalReason
        ? { withdrawnAt: row.withdrawnAt.toISOString(), reason: row.withdrawalReason }
        : null,
    allowedActions: acts ? allowedEngagementActions(row.status, actor) : [],
    updatedAt: row.updatedAt.toISOString(),
  };
}
