import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Streams, type KnownEvent } from '@throughcare/contracts';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';
import {
  connectBus,
  DurableConsumer,
  ensureStreams,
  JetStreamPublisher,
  type DurableConsumerOptions,
  type EventHandler,
} from './index';
import { personReceived } from './spec-support';

// Issue 7, finding 4, on a real nats-server: one key's messages are handled in stream order even
// while one of them is retried, and across a consumer stopped or crashed and started again; a
// key whose handler hangs does not hold up the other keys.

const env = loadConfig(z.object({ ...CommonEnv.nats }));
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A valid event whose correlationId is the ordering key. */
const eventFor = (key: string) => personReceived({ correlationId: key });
/** eventId → label, so the handler can say which message it got. */
const labels = new Map<string, string>();
const labelOf = (event: KnownEvent) => labels.get(event.eventId)!;

/** A handler failing transiently until `journeyBack()`, then recording [label, deliveryCount]. */
function downUntilBack() {
  const applied: Array<[string, number]> = [];
  let up = false;
  const handler: EventHandler = async (event, context) => {
    if (!up) throw new Error('14 UNAVAILABLE');
    applied.push([labelOf(event), context.deliveryCount]);
  };
  return { applied, handler, journeyBack: () => (up = true) };
}

async function eventually(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ordered durable consumer on a real nats-server', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    nc = await connectBus(env.NATS_URL, 'ordered-consumer-int-spec');
    await ensureStreams(await jetstreamManager(nc));
    js = jetstream(nc);
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await nc.drain();
  });

  /** A private subject and durable name; `consumerOn` makes consumers of that durable on any connection. */
  async function setup() {
    const tag = `t${randomUUID().slice(0, 8)}`;
    const subject = `throughcare.events.${tag}.person.received`;
    const name = `ordered-spec-${tag}`;
    const consumerOn = async (
      conn: NatsConnection,
      handler: EventHandler,
      options: Partial<DurableConsumerOptions> = {},
    ) => {
      const consumer = new DurableConsumer({
        js: jetstream(conn),
        jsm: await jetstreamManager(conn),
        name,
        filterSubjects: [subject],
        handler,
        orderingKey: (event) => event.correlationId,
        concurrency: 4,
        retryDelayMs: () => 100,
        logger: quietLogger,
        ...options,
      });
      await consumer.start();
      return consumer;
    };
    cleanup.push(async () => {
      await (await jetstreamManager(nc)).consumers.delete(Streams.events.name, name).catch(() => undefined);
    });
    const publisher = new JetStreamPublisher(js);
    const send = async (key: string, ...names: string[]) => {
      for (const label of names) {
        const event = eventFor(key);
        labels.set(event.eventId, label);
        await publisher.publishMessage({ subject, eventId: event.eventId, payload: event });
      }
    };
    /**
     * A consumer on a connection of its own whose handler fails every message (so it holds them),
     * for the test to close without acking or nak'ing anything: a process that crashes.
     */
    const doomedConsumer = async (connectionName: string) => {
      const connection = await connectBus(env.NATS_URL, connectionName);
      const consumer = await consumerOn(
        connection,
        async () => {
          throw new Error('14 UNAVAILABLE');
        },
        { ackWaitMs: 1500 },
      );
      cleanup.push(() => consumer.stop());
      return { connection, consumer };
    };
    return { consumerOn, send, doomedConsumer };
  }

  it("keeps one key's order while its head is retried, and lets other keys pass", async () => {
    const { consumerOn, send } = await setup();
    const applied: string[] = [];
    let a1Failures = 0;
    const consumer = await consumerOn(nc, async (event) => {
      const label = labelOf(event);
      if (label === 'A1' && a1Failures < 3) {
        a1Failures += 1;
        throw new Error('14 UNAVAILABLE: journey unreachable');
      }
      applied.push(label);
    });
    cleanup.push(() => consumer.stop());
    await send('A', 'A1', 'A2', 'A3');
    await send('B', 'B1', 'B2');

    await eventually('all five applied', () => applied.length === 5);

    expect(applied.filter((l) => l.startsWith('A'))).toEqual(['A1', 'A2', 'A3']);
    expect(applied.filter((l) => l.startsWith('B'))).toEqual(['B1', 'B2']);
    // B did not wait for A's retries (3 × 100 ms).
    expect(applied.indexOf('B2')).toBeLessThan(applied.indexOf('A1'));
    expect(a1Failures).toBe(3);
  });

  it('messages held behind a failing head age with it: they give up together, not one horizon after another', async () => {
    const { consumerOn, send } = await setup();
    const tried: string[] = [];
    const consumer = await consumerOn(
      nc,
      async (event) => {
        tried.push(labelOf(event));
        throw new Error('14 UNAVAILABLE: Temporal is down');
      },
      { retryHorizonMs: 1500 },
    );
    cleanup.push(() => consumer.stop());
    const sentAt = Date.now();
    await send('A', 'A1', 'A2', 'A3');

    await eventually('all three given up', () => consumer.pending === 0 && tried.includes('A3'));
    const tookMs = Date.now() - sentAt;

    // In order; the later ones at most twice each (at or past the horizon when their turn came);
    // one horizon after another would have taken 3 × 1.5 s.
    expect(tried).toEqual([...tried].sort());
    expect(tried.filter((l) => l === 'A2').length).toBeLessThanOrEqual(2);
    expect(tried.filter((l) => l === 'A3').length).toBeLessThanOrEqual(2);
    expect(tookMs).toBeLessThan(3000);
  });

  it('a key whose handler hangs holds only its own messages', async () => {
    const { consumerOn, send } = await setup();
    const applied: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const consumer = await consumerOn(nc, async (event) => {
      if (labelOf(event) === 'H1') await released;
      applied.push(labelOf(event));
    });
    cleanup.push(() => consumer.stop());
    await send('H', 'H1', 'H2');
    await send('C', 'C1', 'C2');
    await send('D', 'D1');

    await eventually('the other keys applied', () => applied.length === 3);
    expect([...applied].sort()).toEqual(['C1', 'C2', 'D1']);
    expect(consumer.pending).toBe(2); // H1 in hand, H2 held behind it

    release();
    await eventually('the hung key applied', () => applied.length === 5);
    expect(applied.slice(3)).toEqual(['H1', 'H2']);
  });

  it("keeps one key's order when the consumer is stopped and started again (held messages nak'd in order)", async () => {
    const { consumerOn, send } = await setup();
    const { applied, handler, journeyBack } = downUntilBack();
    const first = await consumerOn(nc, handler);
    await send('A', 'A1', 'A2', 'A3', 'A4');
    await eventually('all four held', () => first.pending === 4);
    await first.stop();

    journeyBack();
    const second = await consumerOn(nc, handler);
    cleanup.push(() => second.stop());
    await eventually('all four applied', () => applied.length === 4);

    expect(applied).toEqual([
      ['A1', 2],
      ['A2', 2],
      ['A3', 2],
      ['A4', 2],
    ]);
  });

  it("keeps one key's order when the consumer process dies holding them (redelivered after ack_wait)", async () => {
    const { consumerOn, send, doomedConsumer } = await setup();
    const { applied, handler, journeyBack } = downUntilBack();
    const { connection: doomed, consumer: first } = await doomedConsumer('ordered-consumer-int-spec-doomed');
    await send('A', 'A1', 'A2', 'A3');
    await send('B', 'B1');
    await eventually('all four held', () => first.pending === 4);
    // Longer than ack_wait: the heartbeat (+WPI) keeps them from being redelivered meanwhile.
    await new Promise((r) => setTimeout(r, 2500));
    await doomed.close();

    journeyBack();
    const second = await consumerOn(nc, handler, { ackWaitMs: 1500 });
    cleanup.push(() => second.stop());
    await eventually('all four applied', () => applied.length === 4);

    expect(applied.filter(([l]) => l.startsWith('A'))).toEqual([
      ['A1', 2],
      ['A2', 2],
      ['A3', 2],
    ]);
    expect(applied).toContainEqual(['B1', 2]);
  });

  it('keeps bus order across a crash when later messages of a key arrive before the redelivery of those the dead process held', async () => {
    const { consumerOn, send, doomedConsumer } = await setup();
    // The crashed process held A1 and A2 (retrying them) when it died.
    const { connection: doomed, consumer: first } = await doomedConsumer(
      'ordered-consumer-int-spec-doomed-2',
    );
    await send('A', 'A1', 'A2');
    await eventually('A1 and A2 held', () => first.pending === 2);
    await doomed.close();

    // A3 is published since, and would be delivered at once; A1 and A2 only when their ack wait is
    // over. A3 succeeds whenever it comes: nothing but the consumer keeps it behind A1 and A2.
    await send('A', 'A3');
    const applied: string[] = [];
    const errors: string[] = [];
    const second = await consumerOn(nc, async (event) => void applied.push(labelOf(event)), {
      ackWaitMs: 1500,
      logger: { ...quietLogger, error: (m: string) => void errors.push(m) },
    });
    cleanup.push(() => second.stop());
    await eventually('all three applied', () => applied.length === 3, 15_000);
    expect(applied).toEqual(['A1', 'A2', 'A3']);
    expect(errors).toEqual([]);
  });
});
