import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Not, Repository } from 'typeorm';
import type { AgencyNotifiedV2 } from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { Referral } from '../referrals/referral.entity';
import { AgencyNotification } from './notification.entity';
import { NotificationNotFoundError } from './notification.errors';
import { defaultNotificationMessage } from './notification.message';
import type {
  ListNotificationsQuery,
  MarkNotificationReadBody,
  NotificationView,
  NotifyAgencyInput,
} from './notification.schemas';
import { toNotificationView } from './notification.state';

/** Notices that tell where the person is now held (`establishmentCode`). */
const MOVES_THE_PERSON: ReadonlySet<NotifyAgencyInput['subject']> = new Set([
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
]);

@Injectable()
export class NotificationsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(AgencyNotification) private readonly notifications: Repository<AgencyNotification>,
  ) {}

  /**
   * Once per idempotency key: the notification row and `referral.agency.notified` v2 commit
   * together. Without a message, one is written from the subject and the facts given.
   */
  notify(input: NotifyAgencyInput, now = new Date()): Promise<{ notificationId: string }> {
    return withIdempotency(this.dataSource.manager, `notifyAgency:${input.idempotencyKey}`, async (tx) => {
      const facts = {
        liberationDate: input.liberationDate ?? null,
        previousLiberationDate: input.previousLiberationDate ?? null,
        establishmentCode: input.establishmentCode ?? null,
        previousEstablishmentCode: input.previousEstablishmentCode ?? null,
      };
      const notification = tx.getRepository(AgencyNotification).create({
        id: randomUUID(),
        personId: input.personId,
        episode: input.episode,
        agencyId: input.agencyId,
        subject: input.subject,
        message: input.message ?? defaultNotificationMessage(input.subject, facts),
        ...facts,
        notifiedAt: now,
        readAt: null,
        readBy: null,
        correlationId: input.correlationId,
      });
      await tx.getRepository(AgencyNotification).insert(notification);
      if (MOVES_THE_PERSON.has(input.subject) && input.establishmentCode)
        // The prison now holding the person reads their referrals (the referring one no longer
        // does); a referral that names no prison (sent before it was recorded) gains none.
        await tx
          .getRepository(Referral)
          .update(
            { personId: input.personId, episode: input.episode, establishmentCode: Not(IsNull()) },
            { establishmentCode: input.establishmentCode },
          );
      const event: AgencyNotifiedV2 = {
        eventType: 'referral.agency.notified',
        version: 2,
        eventId: randomUUID(),
        occurredAt: now.toISOString(),
        correlationId: input.correlationId,
        personReference: personReferenceOf(notification.personId),
        data: {
          notificationId: notification.id,
          episode: notification.episode,
          agencyId: notification.agencyId,
          subject: notification.subject,
          message: notification.message,
          ...(input.liberationDate ? { liberationDate: input.liberationDate } : {}),
          ...(input.previousLiberationDate ? { previousLiberationDate: input.previousLiberationDate } : {}),
          ...(input.establishmentCode ? { establishmentCode: input.establishmentCode } : {}),
          ...(input.previousEstablishmentCode
            ? { previousEstablishmentCode: input.previousEstablishmentCode }
            : {}),
        },
      };
      await enqueueEvent(tx, event);
      return { notificationId: notification.id };
    });
  }

  /** The agency's inbox, newest first; keyset pagination on (notified_at, id) descending. */
  async list(agencyId: string, query: ListNotificationsQuery): Promise<Page<NotificationView>> {
    const qb = this.notifications
      .createQueryBuilder('n')
      .where('n.agency_id = :agencyId', { agencyId })
      .orderBy('n.notified_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .take(query.limit + 1);
    if (query.unread === true) qb.andWhere('n.read_at IS NULL');
    if (query.unread === false) qb.andWhere('n.read_at IS NOT NULL');
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(n.notified_at, n.id) < (:at::timestamptz, :id::uuid)', after);
    }
    const rows = await qb.getMany();
    return toPage(rows, query.limit, toNotificationView, (n) => ({ at: n.notifiedAt, id: n.id }));
  }

  async get(agencyId: string, id: string): Promise<NotificationView> {
    const notification = await this.notifications.findOneBy({ id, agencyId });
    if (!notification) throw new NotificationNotFoundError(id);
    return toNotificationView(notification);
  }

  /**
   * Marks the notification read once. The row lock serialises concurrent requests; one already
   * read is answered as it stands (the first read is kept). Reading emits no event: it is the
   * agency's own bookkeeping, not a fact of the journey.
   */
  markRead(
    agencyId: string,
    id: string,
    body: MarkNotificationReadBody,
    now = new Date(),
  ): Promise<NotificationView> {
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(AgencyNotification);
      const notification = await repository.findOne({
        where: { id, agencyId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!notification) throw new NotificationNotFoundError(id);
      if (notification.readAt) return toNotificationView(notification);

      await repository.update({ id }, { readAt: now, readBy: body.readBy });
      notification.readAt = now;
      notification.readBy = body.readBy;
      return toNotificationView(notification);
    });
  }
}
