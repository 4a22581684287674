import type { EntityManager } from 'typeorm';
import { parseEvent, subjectFor } from '@throughcare/contracts';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { injectTraceHeaders } from '@throughcare/platform-observability';
import { OutboxMessageEntity } from './outbox-message.entity';

/**
 * Writes `event` to the outbox inside the caller's transaction, so the side effect and the
 * event commit (or roll back) together. The relay publishes it later. Validated here, at the
 * write, so an event the catalogue rejects fails the business transaction, not the relay.
 * The row keeps the active trace context and correlation (W3C `traceparent`, `baggage`), so the
 * relay's publish continues the trace of the request or activity that wrote it.
 */
export async function enqueueEvent(
  manager: EntityManager,
  event: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  const parsed = parseEvent(event);
  if (!parsed.ok)
    throw new ValidationFailedError(`event rejected (${parsed.code}): ${parsed.reason}`, [], parsed.code);
  await manager
    .createQueryBuilder()
    .insert()
    .into(OutboxMessageEntity)
    .values({
      id: parsed.event.eventId,
      subject: subjectFor(parsed.event.eventType),
      payload: parsed.event,
      headers: injectTraceHeaders({ ...headers }),
    })
    .execute();
}
