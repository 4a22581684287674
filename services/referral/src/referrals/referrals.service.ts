import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type {
  ReferralAcknowledgedV1,
  ReferralClosedV1,
  ReferralOutcomeRecordedV1,
  ReferralSentV1,
  ReferralWithdrawnV1,
} from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { ReferralOutcome } from './referral-outcome.entity';
import { Referral } from './referral.entity';
import { loadAppointmentFacts, loadOutcomes, loadReferralFacts } from './referral-status';
import {
  AcknowledgedBeforeSentError,
  AcknowledgedInFutureError,
  ClosedBeforeSentError,
  ClosedInFutureError,
  DecidedBeforeSentError,
  DecidedInFutureError,
  IdempotencyKeyReusedError,
  ReferralIdTakenError,
  ReferralNotFoundError,
  ReferralWithdrawnError,
  TransitionNotAllowedError,
} from './referral.errors';
import {
  ACKNOWLEDGEMENT_RANK,
  actionOfDecision,
  allowedActions,
  CLOSURE_RANK,
  insert,
  referralAllowedActions,
  statusOf,
  statusWithAppointments,
  type LifecycleFact,
  type ReferralAction,
  type ReferralStatus,
} from './referral.lifecycle';
import type {
  AcknowledgeReferralBody,
  CloseReferralBody,
  ListReferralsQuery,
  RecordOutcomeBody,
  ReferralView,
  SendReferralInput,
  WithdrawReferralInput,
} from './referral.schemas';
import { cancelOpenReferralAppointments } from '../appointments/appointments.service';
import { lockedOpenReferral } from './referral-lock';
import { CLOCK_SKEW_MS, lifecycleFacts, NEW_FACT_RANK, toReferralView } from './referral.state';

export { loadOutcomes } from './referral-status';
import { enqueueWebhooks } from '../webhooks/webhook-fanout';

export interface OutcomeRecording {
  referral: ReferralView;
  /** False for a repeat (same Idempotency-Key, or the same decision at the same instant): no event. */
  recorded: boolean;
}

/** What an Idempotency-Key remembers: enough to tell a faithful retry from a reused key. */
interface OutcomeKeyResult {
  referralId: string;
  decision: string;
  reason: string | null;
  decidedAt: string | null;
}

export interface ClosureRecording {
  referral: ReferralView;
  /** False for the same closure again: nothing changed, no event. */
  recorded: boolean;
}

export interface AcknowledgementOutcome {
  referral: ReferralView;
  /** False when the referral was already acknowledged: nothing changed, no event. */
  recorded: boolean;
}

@Injectable()
export class ReferralsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Referral) private readonly referrals: Repository<Referral>,
  ) {}

  /** Once per idempotency key: the referral row and `referral.referral.sent` commit together. */
  send(input: SendReferralInput): Promise<{ referralId: string }> {
    return withIdempotency(this.dataSource.manager, `sendReferral:${input.idempotencyKey}`, async (tx) => {
      const referral = tx.getRepository(Referral).create({
        id: input.referralId ?? randomUUID(),
        personId: input.personId,
        episode: input.episode,
        agencyId: input.agencyId,
        pathways: input.pathways,
        establishmentCode: input.establishmentCode ?? null,
        liberationDate: input.liberationDate ?? null,
        riskOfSeriousHarm: input.riskOfSeriousHarm ?? null,
        sentAt: new Date(input.sentAt),
        acknowledgeBy: new Date(input.acknowledgeBy),
        correlationId: input.correlationId,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgementRecordedAt: null,
        withdrawnAt: null,
        withdrawalReason: null,
        closedAt: null,
        closedBy: null,
        closureOutcome: null,
        closureSummary: null,
        closureRecordedAt: null,
        status: statusOf([]),
      });
      try {
        await tx.getRepository(Referral).insert(referral);
      } catch (error) {
        const code = (error as { driverError?: { code?: string } }).driverError;
        // A caller-chosen id another referral already has: not something a retry would change.
        if (input.referralId && code?.code === '23505') throw new ReferralIdTakenError(input.referralId);
        throw error;
      }
      const event: ReferralSentV1 = {
        eventType: 'referral.referral.sent',
        version: 1,
        eventId: randomUUID(),
        occurredAt: referral.sentAt.toISOString(),
        correlationId: input.correlationId,
        personReference: personReferenceOf(referral.personId),
        data: {
          referralId: referral.id,
          episode: referral.episode,
          agencyId: referral.agencyId,
          pathways: referral.pathways,
          sentAt: referral.sentAt.toISOString(),
          acknowledgeBy: referral.acknowledgeBy.toISOString(),
          ...(referral.liberationDate ? { liberationDate: referral.liberationDate } : {}),
          ...(referral.riskOfSeriousHarm ? { riskOfSeriousHarm: referral.riskOfSeriousHarm } : {}),
        },
      };
      await enqueueEvent(tx, event);
      await enqueueWebhooks(tx, referral.agencyId, event);
      return { referralId: referral.id };
    });
  }

  /** The agency's referrals in sent order; keyset pagination on (sent_at, id). */
  list(agencyId: string, query: ListReferralsQuery): Promise<Page<ReferralView>> {
    return pageOfReferrals(this.dataSource.manager, query, (qb) => {
      qb.where('r.agency_id = :agencyId', { agencyId });
      if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    });
  }

  async get(agencyId: string, id: string): Promise<ReferralView> {
    const referral = await this.referrals.findOneBy({ id, agencyId });
    if (!referral) throw new ReferralNotFoundError(id);
    return viewOf(this.dataSource.manager, referral);
  }

  /**
   * Records the agency's acknowledgement once. The row lock serialises concurrent requests;
   * a referral already acknowledged is answered as it stands, with no second event.
   */
  acknowledge(
    agencyId: string,
    id: string,
    body: AcknowledgeReferralBody,
    correlationId: string,
    now = new Date(),
  ): Promise<AcknowledgementOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Referral);
      const referral = await lockedOpenReferral(tx, agencyId, id);
      if (referral.acknowledgedAt) return { referral: await viewOf(tx, referral), recorded: false };

      const acknowledgedAt = body.acknowledgedAt ? new Date(body.acknowledgedAt) : now;
      if (acknowledgedAt < referral.sentAt)
        throw new AcknowledgedBeforeSentError(acknowledgedAt, referral.sentAt);
      if (acknowledgedAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
        throw new AcknowledgedInFutureError(acknowledgedAt);
      const status = await admit(tx, referral, 'ACKNOWLEDGE', acknowledgedAt, ACKNOWLEDGEMENT_RANK);

      referral.acknowledgedAt = acknowledgedAt;
      referral.acknowledgedBy = body.acknowledgedBy;
      referral.acknowledgementRecordedAt = now;
      referral.status = status;
      await repository.update(
        { id },
        { acknowledgedAt, acknowledgedBy: body.acknowledgedBy, acknowledgementRecordedAt: now, status },
      );
      const event: ReferralAcknowledgedV1 = {
        eventType: 'referral.referral.acknowledged',
        version: 1,
        eventId: randomUUID(),
        occurredAt: acknowledgedAt.toISOString(),
        correlationId,
        personReference: personReferenceOf(referral.personId),
        data: {
          referralId: referral.id,
          episode: referral.episode,
          agencyId: referral.agencyId,
          acknowledgedAt: acknowledgedAt.toISOString(),
          acknowledgedBy: body.acknowledgedBy,
        },
      };
      await enqueueEvent(tx, event);
      return { referral: await viewOf(tx, referral), recorded: true };
    });
  }

  /**
   * Records one decision of the agency on its referral, with `referral.referral.outcome-recorded`,
   * in one transaction. The row lock serialises the referral's decisions. A repeat answers the
   * referral as it stands with no second event: the same Idempotency-Key (another referral or
   * other facts under that key is IDEMPOTENCY_KEY_REUSED), or, without a key, the same decision,
   * reason and decidedAt as one already on record. A withdrawn referral takes no decision.
   */
  recordOutcome(
    agencyId: string,
    id: string,
    body: RecordOutcomeBody,
    context: { correlationId: string; idempotencyKey: string | undefined },
    clock: () => Date = () => new Date(),
  ): Promise<OutcomeRecording> {
    return this.dataSource.transaction(async (tx) => {
      const referral = await tx.getRepository(Referral).findOne({
        where: { id, agencyId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!referral) throw new ReferralNotFoundError(id);
      // Stamped under the row lock: recorded_at decides which attendances an acceptance takes
      // (those recorded after it), so it must follow every fact committed before it.
      const now = clock();
      let recorded = false;
      const apply = async (manager: EntityManager): Promise<OutcomeKeyResult> => {
        recorded = await this.applyOutcome(manager, referral, body, context.correlationId, now);
        return {
          referralId: id,
          decision: body.decision,
          reason: body.reason ?? null,
          decidedAt: body.decidedAt ?? null,
        };
      };
      if (context.idempotencyKey) {
        const first = await withIdempotency(
          tx,
          `referral:outcome:${agencyId}:${context.idempotencyKey}`,
          apply,
        );
        const sameInstant = (a: string | null, b: string | null) =>
          a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));
        const differences = [
          ...(first.referralId === id ? [] : ['referral']),
          ...(first.decision === body.decision ? [] : ['decision']),
          ...(first.reason === (body.reason ?? null) ? [] : ['reason']),
          ...(sameInstant(first.decidedAt, body.decidedAt ?? null) ? [] : ['decidedAt']),
        ];
        if (differences.length > 0)
          throw new IdempotencyKeyReusedError('the outcome sent with this Idempotency-Key', differences);
      } else {
        await apply(tx);
      }
      return { referral: await viewOf(tx, referral), recorded };
    });
  }

  /** Returns whether a decision was recorded (false: the same one is already on record). */
  private async applyOutcome(
    manager: EntityManager,
    referral: Referral,
    body: RecordOutcomeBody,
    correlationId: string,
    now: Date,
  ): Promise<boolean> {
    if (referral.withdrawnAt && referral.withdrawalReason)
      throw new ReferralWithdrawnError(referral.id, referral.withdrawnAt, referral.withdrawalReason);
    const decidedAt = body.decidedAt ? new Date(body.decidedAt) : now;
    if (decidedAt < referral.sentAt) throw new DecidedBeforeSentError(decidedAt, referral.sentAt);
    if (decidedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new DecidedInFutureError(decidedAt);
    const repository = manager.getRepository(ReferralOutcome);
    const outcomes = (await loadOutcomes(manager, [referral.id])).get(referral.id) ?? [];
    const reason = body.reason ?? null;
    const same = (o: ReferralOutcome) => o.decision === body.decision && o.reason === reason;
    // A repeat: the same decision and reason at the same instant as one on record, or again (a
    // retry without a key or a decidedAt, stamped now) after the latest decision when it is the same.
    if (outcomes.some((o) => same(o) && o.decidedAt.getTime() === decidedAt.getTime())) return false;
    const latest = outcomes[outcomes.length - 1];
    if (latest && same(latest) && decidedAt >= latest.decidedAt) return false;
    const status = await admit(
      manager,
      referral,
      actionOfDecision(body.decision),
      decidedAt,
      NEW_FACT_RANK,
      now,
    );

    const outcome = repository.create({
      id: randomUUID(),
      referralId: referral.id,
      decision: body.decision,
      reason: body.reason ?? null,
      decidedAt,
      recordedAt: now,
      correlationId,
    });
    await repository.insert(outcome);
    referral.status = status;
    await manager.getRepository(Referral).update({ id: referral.id }, { status });
    const event: ReferralOutcomeRecordedV1 = {
      eventType: 'referral.referral.outcome-recorded',
      version: 1,
      eventId: randomUUID(),
      occurredAt: decidedAt.toISOString(),
      correlationId,
      personReference: personReferenceOf(referral.personId),
      data: {
        referralId: referral.id,
        episode: referral.episode,
        agencyId: referral.agencyId,
        decision: body.decision,
        decidedAt: decidedAt.toISOString(),
        ...(body.reason ? { reason: body.reason } : {}),
      },
    };
    await enqueueEvent(manager, event);
    if (status === 'WITHDRAWN_BY_AGENCY' || status === 'DECLINED')
      await cancelOpenReferralAppointments(
        manager,
        referral.id,
        upTo500(`the agency recorded ${body.decision} on the referral${reason ? `: ${reason}` : ''}`),
        correlationId,
        now,
      );
    return true;
  }

  /**
   * Closes a case the agency took on, with what its work achieved, and `referral.referral.closed`,
   * in one transaction under the referral's row lock. Once: the same closure again (same outcome,
   * role, summary, and the same closedAt or none) is answered as it stands with no second event;
   * a different one is refused by the lifecycle (nothing follows CLOSED).
   */
  close(
    agencyId: string,
    id: string,
    body: CloseReferralBody,
    correlationId: string,
    now = new Date(),
  ): Promise<ClosureRecording> {
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Referral);
      const referral = await lockedOpenReferral(tx, agencyId, id);
      const closedAt = body.closedAt ? new Date(body.closedAt) : now;
      const summary = body.summary ?? null;
      const repeat =
        referral.closedAt !== null &&
        referral.closureOutcome === body.outcome &&
        referral.closedBy === body.closedBy &&
        referral.closureSummary === summary &&
        (body.closedAt === undefined || referral.closedAt.getTime() === closedAt.getTime());
      if (repeat) return { referral: await viewOf(tx, referral), recorded: false };
      if (closedAt < referral.sentAt) throw new ClosedBeforeSentError(closedAt, referral.sentAt);
      if (closedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new ClosedInFutureError(closedAt);
      const status = await admit(tx, referral, 'CLOSE', closedAt, CLOSURE_RANK);
      // CLOSED is final in the fold; anything else here is a bug, not the agency's error.
      if (status !== 'CLOSED') throw new Error(`referral ${id}: a closure admitted as ${status}`);

      const closure = {
        closedAt,
        closedBy: body.closedBy,
        closureOutcome: body.outcome,
        closureSummary: summary,
        closureRecordedAt: now,
        status,
      };
      Object.assign(referral, closure);
      await repository.update({ id }, closure);
      const event: ReferralClosedV1 = {
        eventType: 'referral.referral.closed',
        version: 1,
        eventId: randomUUID(),
        occurredAt: closedAt.toISOString(),
        correlationId,
        personReference: personReferenceOf(referral.personId),
        data: {
          referralId: referral.id,
          episode: referral.episode,
          agencyId: referral.agencyId,
          outcome: body.outcome,
          closedAt: closedAt.toISOString(),
        },
      };
      await enqueueEvent(tx, event);
      await cancelOpenReferralAppointments(
        tx,
        referral.id,
        `the agency closed the case (${body.outcome})`,
        correlationId,
        now,
      );
      return { referral: await viewOf(tx, referral), recorded: true };
    });
  }

  /**
   * Withdraws a referral (the journey's call: consent withdrawn, case closed), whichever agency
   * holds it. Once per key; a referral already withdrawn (by any key) stays as it was, with no
   * second event.
   */
  withdraw(input: WithdrawReferralInput, now = new Date()): Promise<{ withdrawn: boolean }> {
    return withIdempotency(
      this.dataSource.manager,
      `withdrawReferral:${input.idempotencyKey}`,
      async (tx) => {
        const repository = tx.getRepository(Referral);
        const referral = await repository.findOne({
          where: { id: input.referralId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!referral) throw new ReferralNotFoundError(input.referralId);
        // Already withdrawn, or closed by the agency (its work is over; nothing left to withdraw).
        if (referral.withdrawnAt || referral.closedAt) return { withdrawn: false };

        await repository.update(
          { id: referral.id },
          { withdrawnAt: now, withdrawalReason: input.reason, status: 'WITHDRAWN' },
        );
        const event: ReferralWithdrawnV1 = {
          eventType: 'referral.referral.withdrawn',
          version: 1,
          eventId: randomUUID(),
          occurredAt: now.toISOString(),
          correlationId: input.correlationId,
          personReference: personReferenceOf(referral.personId),
          data: { referralId: referral.id, episode: referral.episode, reason: input.reason },
        };
        await enqueueEvent(tx, event);
        await enqueueWebhooks(tx, referral.agencyId, event);
        await cancelOpenReferralAppointments(
          tx,
          referral.id,
          upTo500(`the referral was withdrawn: ${input.reason}`),
          input.correlationId,
          now,
        );
        return { withdrawn: true };
      },
    );
  }
}

/** A cancellation reason within the column's 500 characters. */
const upTo500 = (text: string) => (text.length <= 500 ? text : `${text.slice(0, 499)}…`);

/**
 * A page of referrals in sent order (keyset pagination on (sent_at, id)) with their decisions;
 * `filter` adds the WHERE clauses (alias `r`), starting with `where`.
 */
export async function pageOfReferrals(
  manager: EntityManager,
  query: { limit: number; cursor?: string | undefined },
  filter: (qb: SelectQueryBuilder<Referral>) => void,
): Promise<Page<ReferralView>> {
  const qb = manager.getRepository(Referral).createQueryBuilder('r');
  filter(qb);
  qb.orderBy('r.sent_at', 'ASC')
    .addOrderBy('r.id', 'ASC')
    .take(query.limit + 1);
  if (query.cursor)
    qb.andWhere('(r.sent_at, r.id) > (:at::timestamptz, :id::uuid)', decodeCursor(query.cursor));
  const rows = await qb.getMany();
  const ids = rows.map((r) => r.id);
  const outcomes = await loadOutcomes(manager, ids);
  const appointments = await loadAppointmentFacts(manager, ids);
  return toPage(
    rows,
    query.limit,
    (r) => toReferralView(r, outcomes.get(r.id), appointments.get(r.id)),
    (r) => ({ at: r.sentAt, id: r.id }),
  );
}

/**
 * The status the referral takes with a new fact (its appointments folded in), or
 * TRANSITION_NOT_ALLOWED when the lifecycle table refuses the fact where it falls in time (or it
 * would strand a later one). Called under the referral's row lock (its decisions and appointments
 * read under it), so the history it checks is the one the fact joins.
 */
async function admit(
  manager: EntityManager,
  referral: Referral,
  action: ReferralAction,
  at: Date,
  rank: number,
  /** When it is recorded (a decision's `recorded_at`): which attendances its acceptance takes. */
  recordedAt?: Date,
): Promise<ReferralStatus> {
  const { outcomes, appointments } = await loadReferralFacts(manager, referral.id);
  const history = lifecycleFacts(referral, outcomes);
  const fact: LifecycleFact = { action, at, rank, ...(recordedAt ? { recordedAt } : {}) };
  const insertion = insert(history, fact);
  if (insertion.ok) return statusWithAppointments([...history, fact], appointments);
  const status = statusWithAppointments(history, appointments);
  // Refused after every fact on record: it follows the status now, appointments and all (the
  // table is checked on the referral's own facts, where a taken-on referral is ACCEPTED).
  const last = insertion.refused === fact && history.every((h) => h.at.getTime() <= at.getTime());
  const from = last && insertion.from === statusOf(history) ? status : insertion.from;
  throw new TransitionNotAllowedError({
    id: referral.id,
    action,
    at,
    itself: insertion.refused === fact,
    refused: insertion.refused,
    from,
    allowedThere: from === insertion.from ? insertion.allowedThere : allowedActions(from),
    status,
    allowedActions: referralAllowedActions(status, appointments, recordedAt ?? new Date()),
  });
}

async function viewOf(manager: EntityManager, referral: Referral): Promise<ReferralView> {
  const { outcomes, appointments } = await loadReferralFacts(manager, referral.id);
  return toReferralView(referral, outcomes, appointments);
}
