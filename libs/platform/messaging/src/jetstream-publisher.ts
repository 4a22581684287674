import { headers as natsHeaders } from '@nats-io/nats-core';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { parseEvent, subjectFor } from '@throughcare/contracts';
import { DomainError } from '@throughcare/platform-errors';
import { inSpan, injectTraceHeaders, SpanKind } from '@throughcare/platform-observability';

/** A message already validated and addressed, e.g. a row of a service's outbox. */
export interface OutgoingMessage {
  subject: string;
  /** Becomes Nats-Msg-Id, so JetStream de-duplicates a re-publish within the duplicate window. */
  eventId: string;
  payload: unknown;
  headers?: Record<string, string>;
}

export class InvalidEventError extends DomainError {
  constructor(code: string, reason: string) {
    super(code, 'VALIDATION_FAILED', `refusing to publish an invalid event: ${reason}`);
  }
}

export class JetStreamPublisher {
  constructor(private readonly js: JetStreamClient) {}

  /** Validates `event` against the catalogue, then publishes it on its subject with msgID = eventId. */
  async publish(event: unknown, extraHeaders?: Record<string, string>): Promise<PubAck> {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new InvalidEventError(parsed.code, parsed.reason);
    return this.publishMessage({
      subject: subjectFor(parsed.event.eventType),
      eventId: parsed.event.eventId,
      payload: parsed.event,
      headers: extraHeaders,
    });
  }

  /**
   * Publishes a pre-validated message as-is (the outbox relay's path), in a PRODUCER span of the
   * active trace whose context (W3C `traceparent`, and `baggage` with the correlation id) the
   * message carries, replacing any the headers held.
   */
  async publishMessage(message: OutgoingMessage): Promise<PubAck> {
    return inSpan(
      `publish ${message.subject}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': message.subject },
      },
      () => {
        const hdrs = natsHeaders();
        for (const [key, value] of Object.entries(injectTraceHeaders({ ...message.headers })))
          hdrs.set(key, value);
        return this.js.publish(message.subject, JSON.stringify(message.payload), {
          msgID: message.eventId,
          headers: hdrs,
        });
      },
    );
  }
}
