import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { DataSource } from 'typeorm';
import { Streams, subjectFor, type AnyEventEnvelope } from '@throughcare/contracts';
import { connectBus } from '@throughcare/platform-messaging';

/**
 * Test helper: what this service's outbox wrote and what reached THROUGHCARE_EVENTS. Waits for
 * the relay to publish every matching outbox row first, so a bus read afterwards is complete
 * and "exactly one event" is a fair assertion.
 */
export class EventsOnBus {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly dataSource: DataSource,
    private readonly since: Date,
  ) {}

  static async open(natsUrl: string, dataSource: DataSource): Promise<EventsOnBus> {
    const nc = await connectBus(natsUrl, 'referral-int-spec');
    return new EventsOnBus(nc, jetstream(nc), dataSource, new Date(Date.now() - 1000));
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }

  /** Outbox rows of `eventType` whose `data[field]` is `value`, once all of them are published. */
  async outbox(
    eventType: string,
    field: string,
    value: string,
    timeoutMs = 10_000,
  ): Promise<AnyEventEnvelope[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows: Array<{ payload: AnyEventEnvelope; published_at: Date | null }> =
        await this.dataSource.query(
          `SELECT payload, published_at FROM "referral"."outbox"
          WHERE payload->>'eventType' = $1 AND payload->'data'->>$2 = $3 ORDER BY created_at`,
          [eventType, field, value],
        );
      if (rows.every((r) => r.published_at !== null)) return rows.map((r) => r.payload);
      if (Date.now() > deadline)
        throw new Error(`outbox rows of ${eventType} ${field}=${value} still unpublished`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Events of `eventType` on the bus (since this helper opened) whose `data[field]` is `value`. */
  async onBus(eventType: string, field: string, value: string): Promise<unknown[]> {
    await this.outbox(eventType, field, value);
    const reader = await this.js.consumers.get(Streams.events.name, {
      filter_subjects: [subjectFor(eventType)],
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: this.since.toISOString(),
    });
    const found: unknown[] = [];
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      const event = msg.json() as { data?: Record<string, unknown> };
      if (event.data?.[field] === value) found.push(event);
    }
    await reader.delete().catch(() => undefined);
    return found;
  }
}
