import type { EntityManager } from 'typeorm';
import { qualifiedTable } from '@throughcare/platform-persistence';
import type { WebhookEventType } from './webhook.schemas';

/** A bus event as the services write it: what a webhook's `data` carries. */
interface AgencyEvent {
  eventType: WebhookEventType;
  eventId: string;
  occurredAt: string;
}

/**
 * The Standard Webhooks payload: `type`, `timestamp` (when it happened) and `data`, the bus event
 * as its contract in `libs/contracts` states it (envelope included, so `data.eventId` is the
 * `webhook-id` and `data.personReference` names the person by pseudonym only).
 */
export function webhookPayload(event: AgencyEvent): { type: string; timestamp: string; data: AgencyEvent } {
  return { type: event.eventType, timestamp: event.occurredAt, data: event };
}

/**
 * In the caller's transaction (the one that records the event): one delivery of `event` to each
 * enabled endpoint of `agencyId` that wants its type. Once per (endpoint, event id), so a write
 * retried under its idempotency key delivers nothing twice. An endpoint the platform disabled for
 * failing gets the delivery logged as `CANCELLED`, not sent, so that the agency can recover what
 * it missed once it has mended its receiver; one its agency disabled gets nothing. Returns how
 * many were queued to be sent.
 */
export async function enqueueWebhooks(
  manager: EntityManager,
  agencyId: string,
  event: AgencyEvent,
): Promise<number> {
  const endpoints = qualifiedTable(manager, 'webhook_endpoint');
  const deliveries = qualifiedTable(manager, 'webhook_delivery');
  const rows: { status: string }[] = await manager.query(
    `INSERT INTO ${deliveries}
       (id, endpoint_id, agency_id, message_id, event_type, payload, status, next_attempt_at, created_at,
        finished_at, last_error)
     SELECT gen_random_uuid(), e.id, e.agency_id, $2, $3, $4::jsonb,
            CASE WHEN e.disabled_at IS NULL THEN 'PENDING' ELSE 'CANCELLED' END, now(),
            -- milliseconds, as the delivery log's cursor carries them
            date_trunc('milliseconds', now()),
            CASE WHEN e.disabled_at IS NULL THEN NULL ELSE now() END,
            CASE WHEN e.disabled_at IS NULL THEN NULL ELSE 'the endpoint was disabled: it kept failing' END
       FROM ${endpoints} e
      WHERE e.agency_id = $1 AND (e.disabled_at IS NULL OR e.disabled_reason = 'FAILING')
        AND (e.event_types IS NULL OR $3 = ANY(e.event_types))
     ON CONFLICT (endpoint_id, message_id) DO NOTHING
     RETURNING status`,
    [agencyId, event.eventId, event.eventType, JSON.stringify(webhookPayload(event))],
  );
  return rows.filter((r) => r.status === 'PENDING').length;
}
