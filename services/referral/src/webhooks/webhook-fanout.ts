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
 * retried under its idempotency key delivers nothing twice. Returns how many were queued.
 */
export async function enqueueWebhooks(
  manager: EntityManager,
  agencyId: string,
  event: AgencyEvent,
): Promise<number> {
  const endpoints = qualifiedTable(manager, 'webhook_endpoint');
  const deliveries = qualifiedTable(manager, 'webhook_delivery');
  const rows: unknown[] = await manager.query(
    `INSERT INTO ${deliveries}
       (id, endpoint_id, agency_id, message_id, event_type, payload, status, next_attempt_at, created_at)
     SELECT gen_random_uuid(), e.id, e.agency_id, $2, $3, $4::jsonb, 'PENDING', now(), now()
       FROM ${endpoints} e
      WHERE e.agency_id = $1 AND e.disabled_at IS NULL AND (e.event_types IS NULL OR $3 = ANY(e.event_types))
     ON CONFLICT (endpoint_id, message_id) DO NOTHING
     RETURNING id`,
    [agencyId, event.eventId, event.eventType, JSON.stringify(webhookPayload(event))],
  );
  return rows.length;
}
