import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Not, Repository, type EntityManager } from 'typeorm';
import type { AgencyNotifiedV2 } from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { AuditTrail } from '@throughcare/platform-audit';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { Referral } from '../referrals/referral.entity';
import { OPEN_REFERRAL_STATUSES } from '../referrals/referral.lifecycle';
import { enqueueWebhooks } from '../webhooks/webhook-fanout';
import { EngagementRequest } from '../engagements/engagement-request.entity';
import { AgencyNotification } from './notification.entity';
import { NotificationNotFoundError } from './notification.errors';
import { defaultNotificationMessage } from './notification.message';
import type {
  NotificationBasis,
  ListNotificationsQuery,
  MarkNotificationReadBody,
  NotificationView,
  NotifyAgencyInput,
} from './notification.schemas';
import { toNotificationView } from './notification.state';

/**
 * Changes of plan every agency working with the person hears of, not only the one the journey
 * tells: each agency holding an open referral of the episode gets its own copy (see `notify`).
 */
const SHARED_WITH_EVERY_AGENCY: ReadonlySet<NotifyAgencyInput['subject']> = new Set([
  'LIBERATION_DATE_CHANGED',
  'TRANSFERRED',
  'RELEASED',
  'MOVEMENT_REVERSED',
  'RETURNED_TO_CUSTODY',
]);

/**
 * Notices whose words stay in the agency's inbox (row-level security): the bus event and webhook
 * carry the subject's default sentence only. A risk notice's bands are special category data that
 * every reader of the referral stream would otherwise keep for the stream's retention.
 */
const WORDS_IN_INBOX_ONLY: ReadonlySet<NotifyAgencyInput['subject']> = new Set(['RISK_ESCALATED']);

/** Notices that tell where the person is now held (`establishmentCode`). */
const MOVES_THE_PERSON: ReadonlySet<NotifyAgencyInput['subject']> = new Set([
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
]);

/** The audit action of a copy of a notice given on a basis other than an open referral. */
export const NOTIFICATION_COPY_AUDIT_ACTION = 'notification.copy';

@Injectable()
export class NotificationsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(AgencyNotification) private readonly notifications: Repository<AgencyNotification>,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * Once per idempotency key: the notification row and `referral.agency.notified` v2 commit
   * together. Without a message, one is written from the subject and the facts given.
   *
   * A change of plan (`SHARED_WITH_EVERY_AGENCY`) also goes, in the same transaction, to every
   * other agency holding an open referral of the person's episode (the agencies each need was
   * referred to), each with its own notification, event and webhooks, and the message written
   * from the facts (the journey's words are for the agency it tells); so does each agency of
   * `alsoTell` (the agency collecting the person at the gate), one copy per agency whatever both
   * lists hold. The answer is the told agency's notification.
   *
   * Each notice keeps why its agency holds it (`basis`, migration 2500): ADDRESSED, OPEN_REFERRAL,
   * or the `alsoTell` basis (GATE_COLLECTOR with the arrangement's version) for an agency holding no
   * open referral. Such a copy is the one disclosure with no referral behind it, so it is also
   * written to the audit trail in the same transaction (`notification.copy`, the person disclosed,
   * the notice, agency and basis as object; review stop 42, M5).
   */
  notify(input: NotifyAgencyInput, now = new Date()): Promise<{ notificationId: string }> {
    return withIdempotency(this.dataSource.manager, `notifyAgency:${input.idempotencyKey}`, async (tx) => {
      const notificationId = await this.record(tx, input, input.agencyId, input.message, now, {
        because: 'ADDRESSED',
        reference: null,
      });
      if (SHARED_WITH_EVERY_AGENCY.has(input.subject)) {
        const others = (await tx
          .getRepository(Referral)
          .createQueryBuilder('r')
          .select('DISTINCT r.agency_id', 'agencyId')
          .where('r.person_id = :personId AND r.episode = :episode AND r.agency_id <> :agencyId', input)
          .andWhere('r.status IN (:...open)', { open: OPEN_REFERRAL_STATUSES })
          .orderBy('r.agency_id')
          .getRawMany()) as Array<{ agencyId: string }>;
        // And the agencies the journey names besides (the gate collector): each agency one copy,
        // on its open referral when it holds one, else on the basis the journey gives.
        const referred = new Set(others.map((o) => o.agencyId));
        const bases = new Map<string, { because: NotificationBasis; reference: string | null }>();
        for (const agencyId of referred) bases.set(agencyId, { because: 'OPEN_REFERRAL', reference: null });
        for (const t of input.alsoTell ?? [])
          if (!bases.has(t.agencyId)) bases.set(t.agencyId, { because: t.because, reference: t.reference });
        bases.delete(input.agencyId);
        for (const [agencyId, basis] of [...bases].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          // The collector hears the date it collects on, not the pre-release meeting (review stop 43, N3).
          const told =
            basis.because === 'GATE_COLLECTOR'
              ? { ...input, preReleaseMeetingDate: undefined, preReleaseMeetingEstablishmentCode: undefined }
              : input;
          const copyId = await this.record(tx, told, agencyId, undefined, now, basis);
          if (basis.because !== 'OPEN_REFERRAL') await this.auditCopy(tx, input, agencyId, copyId, basis);
        }
      }
      if (SHARED_WITH_EVERY_AGENCY.has(input.subject) && input.liberationDate) {
        // The liberation date every open referral of the episode shows (a new date, the day
        // released, the date again in force after a reversal): the agencies working with the
        // person plan around it. One declined, withdrawn or closed keeps the date it had (its
        // agency hears nothing more).
        await tx
          .getRepository(Referral)
          .update(
            { personId: input.personId, episode: input.episode, status: In([...OPEN_REFERRAL_STATUSES]) },
            { liberationDate: input.liberationDate },
          );
      }
      if (MOVES_THE_PERSON.has(input.subject) && input.establishmentCode) {
        // The prison now holding the person reads their referrals (the referring one no longer
        // does); a referral that names no prison (sent before it was recorded) gains none.
        await tx
          .getRepository(Referral)
          .update(
            { personId: input.personId, episode: input.episode, establishmentCode: Not(IsNull()) },
            { establishmentCode: input.establishmentCode },
          );
        // And follows up the requests to engage made for them (duty to engage); the prison that
        // asked still reads them.
        await tx.getRepository(EngagementRequest).update(
          {
            personId: input.personId,
            episode: input.episode,
            ...(input.previousEstablishmentCode
              ? { establishmentCode: input.previousEstablishmentCode }
              : {}),
          },
          { establishmentCode: input.establishmentCode, updatedAt: now },
        );
      }
      return { notificationId };
    });
  }

  /**
   * One agency's notification of the change, its `referral.agency.notified` and its webhooks;
   * without a message, one is written from the subject and the facts.
   */
  private async record(
    tx: EntityManager,
    input: NotifyAgencyInput,
    agencyId: string,
    message: string | undefined,
    now: Date,
    basis: { because: NotificationBasis; reference: string | null },
  ): Promise<string> {
    const facts = {
      liberationDate: input.liberationDate ?? null,
      previousLiberationDate: input.previousLiberationDate ?? null,
      establishmentCode: input.establishmentCode ?? null,
      previousEstablishmentCode: input.previousEstablishmentCode ?? null,
      preReleaseMeetingDate: input.preReleaseMeetingDate ?? null,
      preReleaseMeetingEstablishmentCode: input.preReleaseMeetingEstablishmentCode ?? null,
    };
    const notification = tx.getRepository(AgencyNotification).create({
      id: randomUUID(),
      personId: input.personId,
      episode: input.episode,
      agencyId,
      subject: input.subject,
      message: message ?? defaultNotificationMessage(input.subject, facts),
      ...facts,
      notifiedAt: now,
      readAt: null,
      readBy: null,
      basis: basis.because,
      basisReference: basis.reference,
      correlationId: input.correlationId,
    });
    await tx.getRepository(AgencyNotification).insert(notification);
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
        message: WORDS_IN_INBOX_ONLY.has(notification.subject)
          ? defaultNotificationMessage(notification.subject, facts)
          : notification.message,
        ...(input.liberationDate ? { liberationDate: input.liberationDate } : {}),
        ...(input.previousLiberationDate ? { previousLiberationDate: input.previousLiberationDate } : {}),
        ...(input.establishmentCode ? { establishmentCode: input.establishmentCode } : {}),
        ...(input.previousEstablishmentCode
          ? { previousEstablishmentCode: input.previousEstablishmentCode }
          : {}),
        ...(input.preReleaseMeetingDate && input.preReleaseMeetingEstablishmentCode
          ? {
              preReleaseMeetingDate: input.preReleaseMeetingDate,
              preReleaseMeetingEstablishmentCode: input.preReleaseMeetingEstablishmentCode,
            }
          : {}),
      },
    };
    await enqueueEvent(tx, event);
    await enqueueWebhooks(tx, notification.agencyId, event);
    return notification.id;
  }

  /**
   * The audit record of a copy given on a basis other than a referral (the gate collector's): the
   * referral service's own disclosure, in its chain, in the notice's transaction.
   */
  private async auditCopy(
    tx: EntityManager,
    input: NotifyAgencyInput,
    agencyId: string,
    notificationId: string,
    basis: { because: NotificationBasis; reference: string | null },
  ): Promise<void> {
    await this.audit.writer.append(
      {
        actor: 'service:referral',
        clientId: null,
        roles: ['service'],
        purpose: 'case-work',
        subjectPerson: input.personId,
        disclosedPersons: [input.personId],
        action: NOTIFICATION_COPY_AUDIT_ACTION,
        objectType: 'agency-notification',
        objectId: `${notificationId}&agency=${agencyId}&subject=${input.subject}&basis=${basis.because}${
          basis.reference ? `&reference=${basis.reference}` : ''
        }`,
        outcome: 'allowed',
        reason: null,
        httpMethod: null,
        route: 'activity:notifyAgency',
        requestId: input.correlationId,
      },
      tx,
    );
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
