import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager } from 'typeorm';
import type { PayloadKeyring } from '@throughcare/platform-config';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { qualifiedTable } from '@throughcare/platform-persistence';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { IdempotencyKeyReusedError } from '../referrals/referral.errors';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './webhook-secrets';
import { webhookUrlProblem, type WebhookTargetPolicy } from './webhook-target';
import {
  WebhookDeliveryNotFoundError,
  WebhookEndpointDisabledError,
  WebhookEndpointLimitError,
  WebhookEndpointNotFoundError,
  WebhookUrlNotAllowedError,
} from './webhook.errors';
import {
  WEBHOOK_ENDPOINTS_PER_AGENCY,
  type CreateWebhookEndpointBody,
  type ListWebhookDeliveriesQuery,
  type RecoverWebhookDeliveriesBody,
  WEBHOOK_RECOVERY_WINDOW_DAYS,
  type WebhookRecoveryView,
  type ListWebhookEndpointsQuery,
  type UpdateWebhookEndpointBody,
  type WebhookAttemptView,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecretView,
} from './webhook.schemas';

export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');

export interface WebhookSettings {
  keyring: PayloadKeyring;
  policy: WebhookTargetPolicy;
}

/** How long a rotated-out secret still signs (both signatures are sent): a day to deploy the new one. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

interface DeliveryRow {
  id: string;
  message_id: string;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  created_at: Date;
  next_attempt_at: Date;
  finished_at: Date | null;
  redelivery_requested_at: Date | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  /**
   * A new endpoint and its signing secret, answered this once. With an Idempotency-Key, a retry
   * answers the endpoint made first (and its secret, so that a lost answer loses nothing);
   * the same key with another URL, description or event types is IDEMPOTENCY_KEY_REUSED.
   */
  create(
    agencyId: string,
    body: CreateWebhookEndpointBody,
    idempotencyKey: string | undefined,
    now = new Date(),
  ): Promise<{ endpoint: WebhookEndpointWithSecretView; created: boolean }> {
    this.checkUrl(body.url);
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(WebhookEndpoint);
      // One creation at a time per agency, so the limit holds under concurrent requests.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `webhook-endpoints:${agencyId}`,
      ]);
      if (idempotencyKey) {
        const earlier = await repository.findOneBy({ agencyId, idempotencyKey });
        if (earlier) {
          const changed = [
            earlier.url !== body.url ? 'url' : '',
            (earlier.description ?? undefined) !== body.description ? 'description' : '',
            !sameTypes(earlier.eventTypes, body.eventTypes ?? null) ? 'eventTypes' : '',
          ].filter(Boolean);
          if (changed.length) throw new IdempotencyKeyReusedError('the webhook endpoint', changed);
          return { endpoint: this.withSecret(earlier), created: false };
        }
      }
      if ((await repository.countBy({ agencyId })) >= WEBHOOK_ENDPOINTS_PER_AGENCY)
        throw new WebhookEndpointLimitError(WEBHOOK_ENDPOINTS_PER_AGENCY);
      const id = randomUUID();
      const secret = newWebhookSecret();
      const sealed = sealWebhookSecret(this.settings.keyring, id, secret);
      const endpoint = repository.create({
        id,
        agencyId,
        url: body.url,
        description: body.description ?? null,
        eventTypes: body.eventTypes ?? null,
        secretKeyId: sealed.keyId,
        secretSealed: sealed.sealed,
        previousSecretKeyId: null,
        previousSecretSealed: null,
        previousSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
        disabledReason: null,
        failingSince: null,
        idempotencyKey: idempotencyKey ?? null,
        lastFailedAt: null,
        rotationIdempotencyKey: null,
      });
      await repository.insert(endpoint);
      return { endpoint: { ...toEndpointView(endpoint), secret }, created: true };
    });
  }

  /** The agency's endpoints in creation order; keyset pagination on (created_at, id). */
  async list(agencyId: string, query: ListWebhookEndpointsQuery): Promise<Page<WebhookEndpointView>> {
    const qb = this.endpoints
      .createQueryBuilder('e')
      .where('e.agency_id = :agencyId', { agencyId })
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(query.limit + 1);
    if (query.cursor)
      qb.andWhere('(e.created_at, e.id) > (:at::timestamptz, :id::uuid)', decodeCursor(query.cursor));
    const rows = await qb.getMany();
    return toPage(rows, query.limit, toEndpointView, (e) => ({ at: e.createdAt, id: e.id }));
  }

  async get(agencyId: string, id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await this.owned(this.dataSource.manager, agencyId, id));
  }

  /**
   * The endpoint as it should stand. Disabling it cancels its pending deliveries (a delivery being
   * posted at that moment finishes); enabling it again (also one the platform disabled for
   * failing) delivers what happens from then on, and starts its failure count afresh.
   */
  update(
    agencyId: string,
    id: string,
    body: UpdateWebhookEndpointBody,
    now = new Date(),
  ): Promise<WebhookEndpointView> {
    this.checkUrl(body.url);
    return this.dataSource.transaction(async (tx) => {
      const endpoint = await this.owned(tx, agencyId, id, true);
      const disabledAt = body.enabled ? null : (endpoint.disabledAt ?? now);
      const changes = {
        url: body.url,
        description: body.description ?? null,
        eventTypes: body.eventTypes ?? null,
        disabledAt,
        // Disabled already (by the agency or for failing): the reason stands.
        disabledReason: body.enabled ? null : (endpoint.disabledReason ?? ('BY_AGENCY' as const)),
        failingSince: body.enabled && endpoint.disabledAt ? null : endpoint.failingSince,
      };
      const unchanged =
        endpoint.url === changes.url &&
        endpoint.description === changes.description &&
        sameTypes(endpoint.eventTypes, changes.eventTypes) &&
        (endpoint.disabledAt === null) === (disabledAt === null);
      if (unchanged) return toEndpointView(endpoint);
      await tx.getRepository(WebhookEndpoint).update({ id }, { ...changes, updatedAt: now });
      if (!body.enabled && !endpoint.disabledAt)
        await tx.query(
          `UPDATE ${qualifiedTable(tx, 'webhook_delivery')}
              SET status = 'CANCELLED', finished_at = $2, last_error = 'the endpoint was disabled', lease_token = NULL
            WHERE endpoint_id = $1 AND status = 'PENDING' AND (leased_until IS NULL OR leased_until < now())`,
          [id, now],
        );
      return toEndpointView({ ...endpoint, ...changes, updatedAt: now });
    });
  }

  /**
   * A new signing secret, answered this once. The one it replaces still signs for a day
   * (`webhook-signature` carries both), so the receiver can deploy the new one without a gap.
   */
  rotateSecret(
    agencyId: string,
    id: string,
    idempotencyKey: string | undefined,
    now = new Date(),
  ): Promise<WebhookEndpointWithSecretView> {
    return this.dataSource.transaction(async (tx) => {
      const endpoint = await this.owned(tx, agencyId, id, true);
      // A retried rotation (its answer lost) answers the secret it made: rotating again would
      // drop the secret the receiver still holds.
      // Only while that rotation's overlap lasts: a key sent again days later rotates anew.
      if (
        idempotencyKey &&
        endpoint.rotationIdempotencyKey === idempotencyKey &&
        endpoint.previousSecretExpiresAt !== null &&
        endpoint.previousSecretExpiresAt > now
      )
        return this.withSecret(endpoint);
      const secret = newWebhookSecret();
      const sealed = sealWebhookSecret(this.settings.keyring, id, secret);
      const changes = {
        secretKeyId: sealed.keyId,
        secretSealed: sealed.sealed,
        previousSecretKeyId: endpoint.secretKeyId,
        previousSecretSealed: endpoint.secretSealed,
        previousSecretExpiresAt: new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS),
        rotationIdempotencyKey: idempotencyKey ?? null,
        updatedAt: now,
      };
      await tx.getRepository(WebhookEndpoint).update({ id }, changes);
      return { ...toEndpointView({ ...endpoint, ...changes }), secret };
    });
  }

  /**
   * Sends a delivery again (the agency lost it, or mended its endpoint). One that is finished
   * (`DELIVERED`, `FAILED`, `CANCELLED`) gets one more attempt, now, with no retries after it: ask
   * again if it fails. One still `PENDING` is tried now rather than at its next retry, and keeps
   * its schedule; one being posted at this moment is left to finish. The `webhook-id` is the same
   * as before, so a receiver that kept it drops the copy. Asking twice is harmless. A disabled
   * endpoint is enabled first (409 `WEBHOOK_ENDPOINT_DISABLED`).
   */
  redeliver(
    agencyId: string,
    endpointId: string,
    deliveryId: string,
    now = new Date(),
  ): Promise<WebhookDeliveryView> {
    return this.dataSource.transaction(async (tx) => {
      const endpoint = await this.owned(tx, agencyId, endpointId);
      if (endpoint.disabledAt) throw new WebhookEndpointDisabledError(endpointId, endpoint.disabledReason);
      const deliveries = qualifiedTable(tx, 'webhook_delivery');
      const [found]: { status: WebhookDeliveryStatus; leased: boolean }[] = await tx.query(
        `SELECT status, (leased_until IS NOT NULL AND leased_until >= now()) AS leased
           FROM ${deliveries} WHERE id = $1 AND endpoint_id = $2 FOR UPDATE`,
        [deliveryId, endpointId],
      );
      if (!found) throw new WebhookDeliveryNotFoundError(deliveryId);
      if (found.status !== 'PENDING')
        await tx.query(
          `UPDATE ${deliveries}
              SET status = 'PENDING', next_attempt_at = $2, finished_at = NULL, leased_until = NULL, lease_token = NULL,
                  max_attempts = attempts + 1, redelivery_requested_at = $2
            WHERE id = $1`,
          [deliveryId, now],
        );
      else if (!found.leased)
        await tx.query(
          `UPDATE ${deliveries} SET next_attempt_at = LEAST(next_attempt_at, $2), redelivery_requested_at = $2
            WHERE id = $1`,
          [deliveryId, now],
        );
      const [view] = await this.deliveryViews(tx, [`id = $1`], [deliveryId], 1);
      if (!view) throw new WebhookDeliveryNotFoundError(deliveryId);
      return view;
    });
  }

  /**
   * After an outage: every delivery made to the endpoint in [since, until) that did not get through
   * (`FAILED`, or `CANCELLED` while it was disabled) gets one more attempt, now, as a redelivery of
   * each would. Those delivered or still pending are left as they are, so asking twice sends
   * nothing twice that got through. `since` reaches back at most the recovery window.
   */
  recover(
    agencyId: string,
    endpointId: string,
    body: RecoverWebhookDeliveriesBody,
    now = new Date(),
  ): Promise<WebhookRecoveryView> {
    const since = new Date(body.since);
    const until = body.until ? new Date(body.until) : now;
    if (now.getTime() - since.getTime() > WEBHOOK_RECOVERY_WINDOW_DAYS * 86_400_000)
      throw new ValidationFailedError(`since reaches back more than ${WEBHOOK_RECOVERY_WINDOW_DAYS} days`, [
        { field: 'since', message: `at most ${WEBHOOK_RECOVERY_WINDOW_DAYS} days ago` },
      ]);
    return this.dataSource.transaction(async (tx) => {
      const endpoint = await this.owned(tx, agencyId, endpointId);
      if (endpoint.disabledAt) throw new WebhookEndpointDisabledError(endpointId, endpoint.disabledReason);
      const [, queued]: [unknown[], number] = await tx.query(
        `UPDATE ${qualifiedTable(tx, 'webhook_delivery')}
            SET status = 'PENDING', next_attempt_at = $4, finished_at = NULL, leased_until = NULL, lease_token = NULL,
                max_attempts = attempts + 1, redelivery_requested_at = $4
          WHERE endpoint_id = $1 AND status IN ('FAILED', 'CANCELLED')
            AND created_at >= $2 AND created_at < $3`,
        [endpointId, since, until, now],
      );
      return { queued };
    });
  }

  /** The delivery log of one endpoint, newest first, each delivery with every attempt made. */
  async deliveries(
    agencyId: string,
    endpointId: string,
    query: ListWebhookDeliveriesQuery,
  ): Promise<Page<WebhookDeliveryView>> {
    const manager = this.dataSource.manager;
    await this.owned(manager, agencyId, endpointId);
    const params: unknown[] = [endpointId];
    const where = ['endpoint_id = $1'];
    if (query.status) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const views = await this.deliveryViews(manager, where, params, query.limit + 1);
    return toPage(
      views,
      query.limit,
      (v) => v,
      (v) => ({ at: new Date(v.createdAt), id: v.id }),
    );
  }

  /** Deliveries matching `where` (newest first, at most `limit`), each with every attempt made. */
  private async deliveryViews(
    manager: EntityManager,
    where: string[],
    params: unknown[],
    limit: number,
  ): Promise<WebhookDeliveryView[]> {
    const rows: DeliveryRow[] = await manager.query(
      `SELECT id, message_id, event_type, status, attempts, created_at, next_attempt_at, finished_at,
              redelivery_requested_at
         FROM ${qualifiedTable(manager, 'webhook_delivery')}
        WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC
        LIMIT ${Number(limit)}`,
      params,
    );
    const attempts: AttemptRow[] = rows.length
      ? await manager.query(
          `SELECT delivery_id, attempt, attempted_at, duration_ms, http_status, error
             FROM ${qualifiedTable(manager, 'webhook_attempt')}
            WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt`,
          [rows.map((r) => r.id)],
        )
      : [];
    const logs = new Map<string, WebhookAttemptView[]>();
    for (const a of attempts)
      logs.set(a.delivery_id, [
        ...(logs.get(a.delivery_id) ?? []),
        {
          attempt: a.attempt,
          attemptedAt: a.attempted_at.toISOString(),
          durationMs: a.duration_ms,
          httpStatus: a.http_status,
          error: a.error,
        },
      ]);
    return rows.map(
      (r): WebhookDeliveryView => ({
        id: r.id,
        messageId: r.message_id,
        eventType: r.event_type,
        status: r.status,
        attempts: logs.get(r.id)?.length ?? 0,
        createdAt: r.created_at.toISOString(),
        nextAttemptAt: r.status === 'PENDING' ? r.next_attempt_at.toISOString() : null,
        finishedAt: r.finished_at?.toISOString() ?? null,
        redeliveryRequestedAt: r.redelivery_requested_at?.toISOString() ?? null,
        log: logs.get(r.id) ?? [],
      }),
    );
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.settings.policy);
    if (problem) throw new WebhookUrlNotAllowedError(problem);
  }

  private async owned(
    manager: EntityManager,
    agencyId: string,
    id: string,
    lock = false,
  ): Promise<WebhookEndpoint> {
    const endpoint = await manager.getRepository(WebhookEndpoint).findOne({
      where: { id, agencyId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  private withSecret(endpoint: WebhookEndpoint): WebhookEndpointWithSecretView {
    const secret = openWebhookSecret(this.settings.keyring, endpoint.id, {
      keyId: endpoint.secretKeyId,
      sealed: endpoint.secretSealed,
    });
    return { ...toEndpointView(endpoint), secret };
  }
}

function sameTypes(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function toEndpointView(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.disabledAt === null,
    disabledReason: e.disabledAt === null ? null : e.disabledReason,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    failingSince: e.failingSince?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
  };
}
