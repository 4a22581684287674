import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { Streams } from '@throughcare/contracts';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';
import {
  connectBus,
  DlqCodes,
  DlqHeaders,
  DurableConsumer,
  ensureStreams,
  JetStreamPublisher,
  PermanentError,
  TransientError,
  type EventHandler,
} from './index';
import { personReceived } from './spec-support';

const env = loadConfig(z.object({ ...CommonEnv.nats }));
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function eventually<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function nextDeadLetter(js: JetStreamClient, subject: string): Promise<JsMsg> {
  const reader = await js.consumers.get(Streams.deadLetter.name, {
    filter_subjects: [subject],
    deliver_policy: DeliverPolicy.All,
  });
  const msg = await reader.next({ expires: 10_000 });
  if (!msg) throw new Error(`no dead letter on ${subject}`);
  return msg;
}

describe('messaging against a real nats-server', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let publisher: JetStreamPublisher;
  const consumers: DurableConsumer[] = [];

  beforeAll(async () => {
    nc = await connectBus(env.NATS_URL, 'messaging-int-spec');
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    await ensureStreams(jsm); // idempotent
    js = jetstream(nc);
    publisher = new JetStreamPublisher(js);
  });

  afterEach(async () => {
    const jsm = await jetstreamManager(nc);
    for (const c of consumers.splice(0)) {
      await c.stop();
      await jsm.consumers.delete(Streams.events.name, c.name);
    }
  });

  afterAll(async () => {
    await nc.drain();
  });

  /** Each test owns a private subject under the events stream, so test files never see each other's messages. */
  async function startConsumer(handler: EventHandler, options: { retryHorizonMs?: number } = {}) {
    const tag = `t${randomUUID().slice(0, 8)}`;
    const subject = `throughcare.events.${tag}.person.received`;
    const consumer = new DurableConsumer({
      js,
      jsm: await jetstreamManager(nc),
      name: `messaging-spec-${tag}`,
      filterSubjects: [subject],
      handler,
      retryHorizonMs: options.retryHorizonMs ?? 60_000,
      retryDelayMs: () => 50,
      logger: quietLogger,
    });
    consumers.push(consumer);
    await consumer.start();
    const send = (payload: unknown, eventId: string = randomUUID()) =>
      publisher.publishMessage({ subject, eventId, payload });
    return { consumer, subject, send };
  }

  it('handles a valid event exactly once', async () => {
    const seen: string[] = [];
    const { send } = await startConsumer(async (event) => {
      seen.push(event.eventId);
    });
    const event = personReceived();

    await send(event, event.eventId);

    await eventually(() => (seen.length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([event.eventId]);
  });

  it('dead-letters malformed JSON with its reason and still processes the next valid event', async () => {
    const seen: string[] = [];
    const { consumer, subject, send } = await startConsumer(async (event) => {
      seen.push(event.eventId);
    });
    const next = personReceived();

    await js.publish(subject, '{"eventType": oops', { msgID: randomUUID() });
    await send(next, next.eventId);

    await eventually(() => (seen.includes(next.eventId) ? true : undefined));
    const dead = await nextDeadLetter(js, consumer.deadLetterSubject);
    expect(dead.headers?.get(DlqHeaders.code)).toBe('MALFORMED_JSON');
    expect(dead.headers?.get(DlqHeaders.reason)).toMatch(/not JSON/);
    expect(dead.headers?.get(DlqHeaders.consumer)).toBe(consumer.name);
    expect(dead.headers?.get(DlqHeaders.originalSubject)).toBe(subject);
    expect(JSON.parse(dead.headers?.get(DlqHeaders.originalHeaders) ?? '{}')).toMatchObject({
      'Nats-Msg-Id': [expect.any(String)],
    });
    expect(dead.string()).toBe('{"eventType": oops');
  });

  it('dead-letters an event whose data breaks the catalogue schema', async () => {
    const { consumer, send } = await startConsumer(async () => undefined);
    const bad = personReceived();
    (bad.data as { prisonNumber: string }).prisonNumber = 'not-a-prison-number';

    await send(bad);

    const dead = await nextDeadLetter(js, consumer.deadLetterSubject);
    expect(dead.headers?.get(DlqHeaders.code)).toBe('INVALID_DATA');
    expect(dead.headers?.get(DlqHeaders.reason)).toContain('data.prisonNumber');
  });

  it('dead-letters at once when the handler throws a PermanentError', async () => {
    let calls = 0;
    const { consumer, send } = await startConsumer(async () => {
      calls += 1;
      throw new PermanentError('EPISODE_CLOSED', 'episode 1 is already closed');
    });

    await send(personReceived());

    const dead = await nextDeadLetter(js, consumer.deadLetterSubject);
    expect(dead.headers?.get(DlqHeaders.code)).toBe('EPISODE_CLOSED');
    expect(dead.headers?.get(DlqHeaders.reason)).toBe('episode 1 is already closed');
    expect(calls).toBe(1);
  });

  it('retries transient failures in process for the horizon, then dead-letters with "gave up after …" and the last error', async () => {
    const attempts: Array<[number, number | undefined]> = [];
    const { consumer, send } = await startConsumer(
      async (_event, context) => {
        attempts.push([context.deliveryCount, context.attempt]);
        throw new Error(`database unavailable (attempt ${context.attempt})`);
      },
      { retryHorizonMs: 400 },
    );
    await send(personReceived());
    const dead = await nextDeadLetter(js, consumer.deadLetterSubject);
    const n = attempts.length;
    expect(n).toBeGreaterThanOrEqual(3);
    // Held and retried by this process: never nak'd back, so never redelivered by the server.
    expect(attempts).toEqual(Array.from({ length: n }, (_, i) => [1, i + 1]));
    expect(dead.headers?.get(DlqHeaders.code)).toBe(DlqCodes.retriesExhausted);
    expect(dead.headers?.get(DlqHeaders.reason)).toMatch(
      new RegExp(
        `^gave up after \\d+ ms of transient failures \\(${n} attempts; horizon 400 ms\\): database unavailable \\(attempt ${n}\\)$`,
      ),
    );
    expect(dead.headers?.get(DlqHeaders.attempts)).toBe(String(n));
  });

  it("a TransientError's own horizon (e.g. NOT_YET_KNOWN) wins over the consumer's", async () => {
    const { consumer, send } = await startConsumer(
      async () => {
        throw new TransientError('NOT_YET_KNOWN', 'booking b-1 is not known (yet)', 200);
      },
      { retryHorizonMs: 3_600_000 },
    );
    await send(personReceived());
    const dead = await nextDeadLetter(js, consumer.deadLetterSubject);
    expect(dead.headers?.get(DlqHeaders.reason)).toMatch(
      /^gave up after \d+ ms of transient failures \(\d+ attempts; horizon 200 ms\): NOT_YET_KNOWN: booking b-1 is not known \(yet\)$/,
    );
  });

  it('recovers when a transient failure clears within the horizon', async () => {
    let attempts = 0;
    const { send } = await startConsumer(async () => {
      attempts += 1;
      if (attempts < 2) throw new Error('flaky');
    });

    await send(personReceived());

    await eventually(() => (attempts === 2 ? true : undefined));
  });

  it('stores a re-publish with the same eventId once (Nats-Msg-Id de-duplication)', async () => {
    const event = personReceived();

    const first = await publisher.publish(event);
    const second = await publisher.publish(event);

    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });

  it('refuses to publish an event the catalogue rejects', async () => {
    await expect(
      publisher.publish({ ...personReceived(), eventType: 'custody.person.vanished' }),
    ).rejects.toThrow(/UNKNOWN_EVENT_TYPE|no schema/);
  });
});
