import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Streams, throughcareWorkflowId } from '@throughcare/contracts';
import { CommonEnv, loadConfig } from '@throughcare/platform-config';
import {
  connectBus,
  DlqHeaders,
  DurableConsumer,
  ensureStreams,
  jetstream,
  jetstreamManager,
  JetStreamPublisher,
} from '@throughcare/platform-messaging';
import { BridgeErrorCodes, bridgeHandler } from './bridge';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { derive, receptionData } from './spec-support';

// Issue 7 findings 1 and 9 on a real nats-server and Temporal dev server: a reception the
// journey could not plan, published straight onto the bus, is dead-lettered with its reason and
// no journey is started; the same reception with plannable dates does start one.

const env = loadConfig(
  z.object({ ...CommonEnv.nats, ...CommonEnv.temporal, ...CommonEnv.payloadEncryption }),
);
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A bridge logger that resolves `handled(text)` once a log line containing `text` is written. */
function watchingLogger() {
  const lines: string[] = [];
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const log = (line: string) => {
    lines.push(line);
    for (const w of waiters.filter((w) => line.includes(w.text))) w.resolve();
  };
  const handled = (text: string) =>
    new Promise<void>((resolve) => {
      if (lines.some((l) => l.includes(text))) resolve();
      else waiters.push({ text, resolve });
    });
  return { logger: { log, warn: log, error: log }, handled };
}

/** The dead letter carrying `eventId` among those on `subject` (other tests' letters are skipped). */
async function deadLetterOf(js: JetStreamClient, subject: string, eventId: string): Promise<JsMsg> {
  const reader = await js.consumers.get(Streams.deadLetter.name, {
    filter_subjects: [subject],
    deliver_policy: DeliverPolicy.All,
  });
  for (;;) {
    const msg = await reader.next({ expires: 10_000 });
    if (!msg) throw new Error(`no dead letter for ${eventId} on ${subject}`);
    if (new TextDecoder().decode(msg.data).includes(eventId)) return msg;
  }
}

describe('bridge on real NATS and Temporal: events the journey cannot plan', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let connection: Connection;
  let client: Client;
  let consumer: DurableConsumer;
  const subject = `throughcare.events.t${randomUUID().slice(0, 8)}.person.received`;
  const started: string[] = [];
  const bridgeLog = watchingLogger();

  beforeAll(async () => {
    nc = await connectBus(env.NATS_URL, 'bridge-int-spec');
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    js = jetstream(nc);
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    client = new Client({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(env),
    });
    // A private subject under the events stream, so no other suite's events reach this consumer.
    consumer = new DurableConsumer({
      js,
      jsm,
      name: `bridge-spec-${subject.split('.')[2]}`,
      filterSubjects: [subject],
      handler: bridgeHandler(client, derive, bridgeLog.logger),
      maxDeliver: 3,
      retryDelayMs: () => 50,
      logger: quietLogger,
    });
    await consumer.start();
  });

  afterAll(async () => {
    for (const workflowId of started) {
      await client.workflow.getHandle(workflowId).terminate('bridge int spec cleanup');
    }
    await consumer?.stop();
    await (await jetstreamManager(nc)).consumers.delete(Streams.events.name, consumer.name);
    await nc?.drain();
    await connection?.close();
  });

  /** Publishes a reception for a new person and answers its journey's workflow id. */
  async function publishReception(
    data: Record<string, unknown>,
  ): Promise<{ eventId: string; workflowId: string }> {
    const personId = `p${randomBytes(10).toString('hex')}`;
    const eventId = randomUUID();
    await new JetStreamPublisher(js).publishMessage({
      subject,
      eventId,
      payload: {
        eventType: 'custody.person.received',
        version: 1,
        eventId,
        occurredAt: new Date().toISOString(),
        correlationId: `bridge-int-${eventId}`,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data: { ...receptionData, episode: 1, ...data },
      },
    });
    return { eventId, workflowId: throughcareWorkflowId(personId, 1) };
  }

  it('dead-letters a reception released in 2099 with code UNPLANNABLE_EVENT naming the field, and starts no journey', async () => {
    const { eventId, workflowId } = await publishReception({ expectedReleaseDate: '2099-01-01' });

    const dead = await deadLetterOf(js, consumer.deadLetterSubject, eventId);

    expect(dead.headers?.get(DlqHeaders.code)).toBe(BridgeErrorCodes.unplannable);
    expect(dead.headers?.get(DlqHeaders.reason)).toMatch(
      /^custody\.person\.received: data\.expectedReleaseDate 2099-01-01 is after the last date this build can plan \(2044-12-31\)/,
    );
    expect(dead.headers?.get(DlqHeaders.originalSubject)).toBe(subject);
    await expect(client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('starts the journey for the same reception with plannable dates (the path does reach Temporal)', async () => {
    const { workflowId } = await publishReception({});

    await bridgeLog.handled(`journey ${workflowId} started or signalled`);
    const description = await client.workflow.getHandle(workflowId).describe();
    started.push(workflowId);

    expect(description.status.name).toBe('RUNNING');
  });
});
