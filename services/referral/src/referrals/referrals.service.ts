import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { ReferralAcknowledgedV1, ReferralSentV1 } from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { Referral } from './referral.entity';
import {
  AcknowledgedBeforeSentError,
  AcknowledgedInFutureError,
  ReferralNotFoundError,
} from './referral.errors';
import type {
  AcknowledgeReferralBody,
  ListReferralsQuery,
  ReferralView,
  SendReferralInput,
} from './referral.schemas';
import { CLOCK_SKEW_MS, referralStatus, toReferralView } from './referral.state';

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
        id: randomUUID(),
        personId: input.personId,
        episode: input.episode,
        agencyId: input.agencyId,
        pathways: input.pathways,
        sentAt: new Date(input.sentAt),
        acknowledgeBy: new Date(input.acknowledgeBy),
        correlationId: input.correlationId,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgementRecordedAt: null,
      });
      await tx.getRepository(Referral).insert(referral);
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
        },
      };
      await enqueueEvent(tx, event);
      return { referralId: referral.id };
    });
  }

  /** The agency's referrals in sent order; keyset pagination on (sent_at, id). */
  async list(agencyId: string, query: ListReferralsQuery): Promise<Page<ReferralView>> {
    const qb = this.referrals
      .createQueryBuilder('r')
      .where('r.agency_id = :agencyId', { agencyId })
      .orderBy('r.sent_at', 'ASC')
      .addOrderBy('r.id', 'ASC')
      .take(query.limit + 1);
    if (query.status === 'ACKNOWLEDGED') qb.andWhere('r.acknowledged_at IS NOT NULL');
    if (query.status === 'AWAITING_ACKNOWLEDGEMENT') qb.andWhere('r.acknowledged_at IS NULL');
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(r.sent_at, r.id) > (:at::timestamptz, :id::uuid)', after);
    }
    const rows = await qb.getMany();
    return toPage(rows, query.limit, toReferralView, (r) => ({ at: r.sentAt, id: r.id }));
  }

  async get(agencyId: string, id: string): Promise<ReferralView> {
    const referral = await this.referrals.findOneBy({ id, agencyId });
    if (!referral) throw new ReferralNotFoundError(id);
    return toReferralView(referral);
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
      const referral = await repository.findOne({
        where: { id, agencyId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!referral) throw new ReferralNotFoundError(id);
      if (referralStatus(referral) === 'ACKNOWLEDGED')
        return { referral: toReferralView(referral), recorded: false };

      const acknowledgedAt = body.acknowledgedAt ? new Date(body.acknowledgedAt) : now;
      if (acknowledgedAt < referral.sentAt)
        throw new AcknowledgedBeforeSentError(acknowledgedAt, referral.sentAt);
      if (acknowledgedAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
        throw new AcknowledgedInFutureError(acknowledgedAt);

      referral.acknowledgedAt = acknowledgedAt;
      referral.acknowledgedBy = body.acknowledgedBy;
      referral.acknowledgementRecordedAt = now;
      await repository.update(
        { id },
        { acknowledgedAt, acknowledgedBy: body.acknowledgedBy, acknowledgementRecordedAt: now },
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
      return { referral: toReferralView(referral), recorded: true };
    });
  }
}
