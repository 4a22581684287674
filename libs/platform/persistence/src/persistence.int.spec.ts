import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { PRODUCER_HEADER, Streams, subjectFor, type PersonReleasedV1 } from '@throughcare/contracts';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';
import { connectBus, ensureStreams, JetStreamPublisher } from '@throughcare/platform-messaging';
import {
  createPlatformTablesMigration,
  createServiceDataSource,
  enqueueEvent,
  OutboxRelay,
  platformEntities,
  withIdempotency,
  type OutboxPublisher,
} from './index';

const env = loadConfig(z.object({ ...CommonEnv.database, ...CommonEnv.nats }));
const schema = `persistence_spec_${randomUUID().slice(0, 8)}`;
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

class CreateNote1700000000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner) {
    await queryRunner.query(`CREATE TABLE "${schema}"."note" (id uuid PRIMARY KEY, body text NOT NULL)`);
  }
  async down(queryRunner: QueryRunner) {
    await queryRunner.query(`DROP TABLE "${schema}"."note"`);
  }
}

function personReleased(): PersonReleasedV1 {
  return {
    eventType: 'custody.person.released',
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2026-09-01T09:00:00Z',
    correlationId: randomUUID(),
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
    data: { episode: 1, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: '2026-09-01T09:00:00Z' },
  };
}

describe('persistence against real Postgres and NATS', () => {
  let dataSource: DataSource;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let publisher: JetStreamPublisher;
  const startedAt = new Date();

  beforeAll(async () => {
    dataSource = await createServiceDataSource({
      url: env.DATABASE_URL,
      schema,
      entities: platformEntities,
      migrations: [createPlatformTablesMigration(schema), CreateNote1700000000001],
    });
    nc = await connectBus(env.NATS_URL, 'persistence-int-spec');
    await ensureStreams(await jetstreamManager(nc));
    js = jetstream(nc);
    publisher = new JetStreamPublisher(js);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
    await nc.drain();
  });

  const outboxRow = async (id: string) =>
    (await dataSource.query(`SELECT * FROM "${schema}".outbox WHERE id = $1`, [id]))[0] as
      | { published_at: Date | null; attempts: number; last_error: string | null; subject: string }
      | undefined;

  /** Counts stored copies of each eventId on the events stream since this file started. */
  async function storedCopies(eventIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(eventIds.map((id) => [id, 0]));
    const reader = await js.consumers.get(Streams.events.name, {
      filter_subjects: [subjectFor('custody.person.released')],
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: startedAt.toISOString(),
    });
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      const id = (msg.json() as { eventId: string }).eventId;
      if (counts.has(id)) counts.set(id, counts.get(id)! + 1);
    }
    return counts;
  }

  it('ran the migrations into the service schema', async () => {
    const tables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual([
      'idempotency_key',
      'note',
      'outbox',
      `${schema}_migrations`,
    ]);
  });

  it('commits the event with the side effect', async () => {
    const event = personReleased();

    await dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO "${schema}".note (id, body) VALUES ($1, 'released')`, [event.eventId]);
      await enqueueEvent(tx, event);
    });

    expect(await outboxRow(event.eventId)).toMatchObject({
      subject: 'throughcare.events.custody.person.released',
      published_at: null,
      attempts: 0,
    });
  });

  it('leaves no event behind when the side effect rolls back', async () => {
    const event = personReleased();

    await expect(
      dataSource.transaction(async (tx) => {
        await enqueueEvent(tx, event);
        await tx.query(`INSERT INTO "${schema}".note (id, body) VALUES ($1, NULL)`, [event.eventId]);
      }),
    ).rejects.toThrow(/null value/);

    expect(await outboxRow(event.eventId)).toBeUndefined();
  });

  it('rejects an event the catalogue does not accept', async () => {
    await expect(
      dataSource.transaction((tx) => enqueueEvent(tx, { ...personReleased(), data: { episode: 0 } })),
    ).rejects.toThrow(/INVALID_DATA/);
  });

  it('runs an idempotent step once per key and returns the first result', async () => {
    const key = `spec:${randomUUID()}`;
    let runs = 0;
    const step = () =>
      withIdempotency(dataSource.manager, key, async (tx) => {
        runs += 1;
        const id = randomUUID();
        await tx.query(`INSERT INTO "${schema}".note (id, body) VALUES ($1, 'once')`, [id]);
        return { noteId: id };
      });

    const [first, second] = await Promise.all([step(), step()]);
    const third = await step();

    expect(runs).toBe(1);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
  });

  it('publishes each event exactly once with two relays racing and a restart after a crash', async () => {
    const events = Array.from({ length: 30 }, personReleased);
    await dataSource.transaction(async (tx) => {
      for (const event of events) await enqueueEvent(tx, event);
    });
    // A crashed relay published the first event but never marked it published.
    await publisher.publishMessage({
      subject: subjectFor('custody.person.released'),
      eventId: events[0]!.eventId,
      payload: events[0],
    });
    const calls = new Map<string, number>();
    const counting: OutboxPublisher = {
      publishMessage: async (message) => {
        calls.set(message.eventId, (calls.get(message.eventId) ?? 0) + 1);
        return publisher.publishMessage(message);
      },
    };
    const relays = [1, 2].map(
      () =>
        new OutboxRelay({
          dataSource,
          publisher: counting,
          batchSize: 7,
          idleDelayMs: 20,
          producer: 'spec',
          logger: quietLogger,
        }),
    );

    relays.forEach((r) => r.start());
    await waitFor(async () => {
      const rows = await dataSource.query(
        `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL AND id = ANY($1)`,
        [events.map((e) => e.eventId)],
      );
      return rows[0].n === 0;
    });
    await Promise.all(relays.map((r) => r.stop()));
    // Restart: nothing is left to publish.
    const restarted = new OutboxRelay({
      dataSource,
      publisher: counting,
      producer: 'spec',
      logger: quietLogger,
    });
    expect(await restarted.relayBatch()).toBe(0);

    expect(events.map((e) => calls.get(e.eventId))).toEqual(events.map(() => 1));
    const copies = await storedCopies(events.map((e) => e.eventId));
    expect([...copies.values()]).toEqual(events.map(() => 1));
  });

  it("names its service in the Throughcare-Producer header, the row's own headers kept", async () => {
    const event = personReleased();
    await dataSource.transaction((tx) => enqueueEvent(tx, event, { 'Spec-Trace': 'abc' }));
    const sent: Array<Record<string, string> | undefined> = [];
    const relay = new OutboxRelay({
      dataSource,
      publisher: {
        // Other rows pending in the schema are published as the other relays would.
        publishMessage: async (message) =>
          message.eventId === event.eventId ? sent.push(message.headers) : publisher.publishMessage(message),
      },
      producer: 'liberation',
      logger: quietLogger,
    });
    await relay.relayBatch();
    expect(sent).toEqual([{ 'Spec-Trace': 'abc', [PRODUCER_HEADER]: 'liberation' }]);
  });

  it('records the error and backs off when publishing fails', async () => {
    const event = personReleased();
    await dataSource.transaction((tx) => enqueueEvent(tx, event));
    const failing: OutboxPublisher = {
      publishMessage: async () => {
        throw new Error('no responders: stream unavailable');
      },
    };
    const relay = new OutboxRelay({
      dataSource,
      publisher: failing,
      producer: 'spec',
      baseRetryDelayMs: 60_000,
      logger: quietLogger,
    });

    await relay.relayBatch();
    const retried = await relay.relayBatch();

    const row = await outboxRow(event.eventId);
    expect(retried).toBe(0);
    expect(row).toMatchObject({
      published_at: null,
      attempts: 1,
      last_error: 'no responders: stream unavailable',
    });
    await dataSource.query(`DELETE FROM "${schema}".outbox WHERE id = $1`, [event.eventId]);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
