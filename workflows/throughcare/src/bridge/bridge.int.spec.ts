import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  returnedToCustodyUpdate,
  Streams,
  TaskQueues,
  THROUGHCARE_WORKFLOW_TYPE,
  throughcareWorkflowId,
  transferredUpdate,
  type ThroughcareInput,
} from '@throughcare/contracts';
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
import { startThroughcareWorker } from './dev-server.spec-support';
import { courtLiberationData, derive, receptionData } from './spec-support';
import { planInScope } from '../sla/plan-scope';
import { resumeEpisode } from '../worker/resume-episode';
import { startInputOfRun } from '../worker/run-start-input';

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

  let worker: { stop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    // A worker of the throughcare task queue: the journey double, and the real tombstone.
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./test-workflows/bridge-int.workflows'),
      logger: { ...quietLogger, info: () => undefined, debug: () => undefined, trace: () => undefined },
    });
    worker = await startThroughcareWorker({
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(env),
      workflowBundle,
    });
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
  }, 120_000);

  afterAll(async () => {
    for (const workflowId of started) {
      await client.workflow.getHandle(workflowId).terminate('bridge int spec cleanup');
    }
    await consumer?.stop();
    await (await jetstreamManager(nc)).consumers.delete(Streams.events.name, consumer.name);
    await nc?.drain();
    await connection?.close();
    await worker?.stop();
  }, 60_000);

  const aPerson = () => `p${randomBytes(10).toString('hex')}`;

  /** Publishes an event of `personId` on the spec's subject; answers its id. */
  async function publishEvent(eventType: string, personId: string, data: Record<string, unknown>) {
    const eventId = randomUUID();
    await new JetStreamPublisher(js).publishMessage({
      subject,
      eventId,
      payload: {
        eventType,
        version: 1,
        eventId,
        occurredAt: new Date().toISOString(),
        correlationId: `bridge-int-${eventId}`,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data,
      },
    });
    return eventId;
  }

  /** Publishes a reception (for a new person by default) and answers its journey's workflow id. */
  async function publishReception(
    data: Record<string, unknown>,
    personId = aPerson(),
  ): Promise<{ eventId: string; workflowId: string }> {
    const eventId = await publishEvent('custody.person.received', personId, {
      ...receptionData,
      episode: 1,
      ...data,
    });
    return { eventId, workflowId: throughcareWorkflowId(personId, 1) };
  }

  /** Publishes the reversal of episode 1's reception (by default the fixture's), recorded in error. */
  const publishReversal = (personId: string, receivedAt = receptionData.receivedAt) =>
    publishEvent('custody.reception.reversed', personId, {
      episode: 1,
      reversedAt: new Date().toISOString(),
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      receivedAt,
    });
  const personOf = (workflowId: string) => workflowId.replace(/^throughcare-/, '').replace(/-1$/, '');

  /** Every run under the workflow id: [type, status], oldest first. */
  async function runsOf(workflowId: string): Promise<Array<[string, string]>> {
    const runs: Array<[string, string, number]> = [];
    for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs.push([e.type, e.status.name, e.startTime.getTime()]);
    return runs.sort((a, b) => a[2] - b[2]).map(([type, status]) => [type, status]);
  }

  /** Waits until the workflow under the id is of that type and status (the worker runs it). */
  async function until(workflowId: string, type: string, status: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await client.workflow.getHandle(workflowId).describe();
      if (d.type === type && d.status.name === status) return;
      if (Date.now() > deadline) throw new Error(`${workflowId} is ${d.type} ${d.status.name}`);
      await new Promise((r) => setTimeout(r, 200));
    }
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

  it('a reversal before the journey started leaves a completed tombstone: the reception replayed after it starts no journey', async () => {
    const personId = aPerson();
    const workflowId = throughcareWorkflowId(personId, 1);
    const reversalId = await publishReversal(personId);
    await bridgeLog.handled(`${reversalId} (delivery 1): no journey ${workflowId} had started; tombstone`);
    await until(workflowId, RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED');

    // The reception comes later (its dead letter replayed): refused as a duplicate, no journey. The
    // bridge read the reversed reception's instant from the tombstone's (encrypted) input.
    const { eventId } = await publishReception({}, personId);
    await bridgeLog.handled(
      `${eventId} (delivery 1): ${workflowId} is a tombstone: this reception at ${receptionData.receivedAt} is the one reversed as recorded in error; duplicate of the reversed reception ignored`,
    );
    expect(await runsOf(workflowId)).toEqual([[RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED']]);
    // Read as a journey, it is none (an operator included): 404, not the query's failure.
    await expect(
      planInScope(client.workflow.getHandle(workflowId), {
        subject: 'spec',
        clientId: 'spec',
        roles: ['operator'],
        establishments: [],
      }),
    ).rejects.toMatchObject({ code: 'JOURNEY_NOT_FOUND' });

    // The same reversal again (a redelivery): the tombstone stands, nothing else happens.
    const again = await publishReversal(personId);
    await bridgeLog.handled(
      `${again} (delivery 1): caseCloseRequested not applied: ${workflowId} is a tombstone already`,
    );
    expect(await runsOf(workflowId)).toEqual([[RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED']]);
  }, 60_000);

  it('a liberation from court reversed before its journey started leaves the same tombstone: the liberation replayed after it starts no journey', async () => {
    const personId = aPerson();
    const workflowId = throughcareWorkflowId(personId, 1);
    const reversalId = await publishEvent('custody.court-liberation.reversed', personId, {
      episode: 1,
      reversedAt: new Date().toISOString(),
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      releasedAt: courtLiberationData.releasedAt,
    });
    await bridgeLog.handled(
      `${reversalId} (delivery 1): no journey ${workflowId} had started; tombstone ${RECEPTION_REVERSED_TOMBSTONE_TYPE} placed under its id, so the episode's liberation from court, if it comes later, starts none`,
    );
    await until(workflowId, RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED');
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(await described.staticSummary()).toBe(
      'Throughcare episode 1 · liberation from court reversed (recorded in error) before its journey started: no journey',
    );

    const liberationId = await publishEvent(
      'custody.person.liberated-from-court',
      personId,
      courtLiberationData,
    );
    await bridgeLog.handled(
      `${liberationId} (delivery 1): ${workflowId} is a tombstone: this liberation from court at ${courtLiberationData.releasedAt} is the one reversed as recorded in error; duplicate of the reversed liberation from court ignored`,
    );
    expect(await runsOf(workflowId)).toEqual([[RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED']]);
  }, 60_000);

  it('a journey that closed already has nothing to close: a tombstone run follows it, so the episode reads as void', async () => {
    const closed = await publishReception({});
    await bridgeLog.handled(`journey ${closed.workflowId} started or signalled`);
    await client.workflow
      .getHandle(closed.workflowId)
      .terminate('bridge int spec: closed before the reversal');
    const reversalId = await publishReversal(personOf(closed.workflowId));
    await bridgeLog.handled(
      `${reversalId} (delivery 1): caseCloseRequested not applied: ${closed.workflowId} had closed (TERMINATED)`,
    );
    const runs = await runsOf(closed.workflowId);
    expect(runs).toHaveLength(2);
    expect(runs).toEqual(
      expect.arrayContaining([
        [THROUGHCARE_WORKFLOW_TYPE, 'TERMINATED'],
        [RECEPTION_REVERSED_TOMBSTONE_TYPE, expect.stringMatching(/^(RUNNING|COMPLETED)$/)],
      ]),
    );
  }, 60_000);

  it('a reversal naming another reception than a closed journey was opened by is dead-lettered REVERSAL_MISMATCH: no tombstone run after it', async () => {
    const closed = await publishReception({});
    await bridgeLog.handled(`journey ${closed.workflowId} started or signalled`);
    await client.workflow
      .getHandle(closed.workflowId)
      .terminate('bridge int spec: closed before the reversal');

    const reversalId = await publishReversal(personOf(closed.workflowId), '2026-11-22T08:00:00Z');

    const dead = await deadLetterOf(js, consumer.deadLetterSubject, reversalId);
    expect(dead.headers?.get(DlqHeaders.code)).toBe(BridgeErrorCodes.reversalMismatch);
    expect(dead.headers?.get(DlqHeaders.reason)).toContain(
      `but episode 1 was opened by its reception at ${receptionData.receivedAt}`,
    );
    expect(await runsOf(closed.workflowId)).toEqual([[THROUGHCARE_WORKFLOW_TYPE, 'TERMINATED']]);
  }, 60_000);

  it('a reception under a tombstone of another reception (an upstream numbering mismatch) is dead-lettered RECEPTION_TOMBSTONED, and starts no journey', async () => {
    const personId = aPerson();
    const workflowId = throughcareWorkflowId(personId, 1);
    const reversalId = await publishReversal(personId, '2026-11-22T08:00:00Z');
    await bridgeLog.handled(`${reversalId} (delivery 1): no journey ${workflowId} had started; tombstone`);
    await until(workflowId, RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED');

    const { eventId } = await publishReception({}, personId);

    const dead = await deadLetterOf(js, consumer.deadLetterSubject, eventId);
    expect(dead.headers?.get(DlqHeaders.code)).toBe(BridgeErrorCodes.receptionTombstoned);
    expect(dead.headers?.get(DlqHeaders.reason)).toContain(
      `this reception at ${receptionData.receivedAt} names episode 1, but that episode number was voided for another reception or liberation (the one at 2026-11-22T08:00:00Z`,
    );
    expect(await runsOf(workflowId)).toEqual([[RECEPTION_REVERSED_TOMBSTONE_TYPE, 'COMPLETED']]);
  }, 60_000);

  it("a reversal naming another reception under the running journey's episode number is dead-lettered REVERSAL_MISMATCH; the journey runs on", async () => {
    const { workflowId } = await publishReception({});
    await bridgeLog.handled(`journey ${workflowId} started or signalled`);
    started.push(workflowId);

    const reversalId = await publishReversal(personOf(workflowId), '2026-11-22T08:00:00Z');

    const dead = await deadLetterOf(js, consumer.deadLetterSubject, reversalId);
    expect(dead.headers?.get(DlqHeaders.code)).toBe(BridgeErrorCodes.reversalMismatch);
    expect(dead.headers?.get(DlqHeaders.reason)).toBe(
      `${workflowId} refused caseCloseRequested: the reversal names the reception or liberation at 2026-11-22T08:00:00Z, but episode 1 was opened by its reception at ${receptionData.receivedAt}: it reverses another opening under this episode number (an upstream numbering mismatch), so this journey is not closed`,
    );
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    expect(await runsOf(workflowId)).toEqual([[THROUGHCARE_WORKFLOW_TYPE, 'RUNNING']]);
  }, 60_000);

  it('a reversal of its own reception closes the journey RECEIVED_IN_ERROR; the reversal again puts no tombstone over it, so its plan stays readable', async () => {
    const { workflowId } = await publishReception({});
    await bridgeLog.handled(`journey ${workflowId} started or signalled`);
    const personId = personOf(workflowId);

    const reversalId = await publishReversal(personId);
    await bridgeLog.handled(`${reversalId} (delivery 1): caseCloseRequested applied to ${workflowId}`);
    await until(workflowId, THROUGHCARE_WORKFLOW_TYPE, 'COMPLETED');

    // Published again (a redelivery, or a replayed dead letter): the journey is void already.
    const again = await publishReversal(personId);
    await bridgeLog.handled(
      `${again} (delivery 1): caseCloseRequested not applied: ${workflowId} completed closing RECEIVED_IN_ERROR already; the episode reads as void, so no tombstone is placed over its plan`,
    );
    expect(await runsOf(workflowId)).toEqual([[THROUGHCARE_WORKFLOW_TYPE, 'COMPLETED']]);
    expect(await client.workflow.getHandle(workflowId).result()).toEqual({
      closureReason: 'RECEIVED_IN_ERROR',
    });
  }, 60_000);
  // resumeEpisode (return-reversal-1) and the bridge read a run's start input from its first event
  // alone (review of stop 39, N5): here through the encrypting client, on a run whose history goes
  // on past that event (updates, its completion), and on the run it starts.
  it("resumeEpisode reads the closed run's input from its first event alone and its plan from its close, starts the run again once, and a retry finds it", async () => {
    const personId = aPerson();
    const workflowId = throughcareWorkflowId(personId, 1);
    const releasedAt = '2026-11-20T10:00:00.000Z';
    const input: ThroughcareInput = {
      personId,
      episode: 1,
      jurisdiction: 'SCOTLAND',
      establishmentCode: 'BAR',
      homeLocalAuthority: 'S12000036',
      receivedAt: receptionData.receivedAt,
      sentenceDate: '2026-06-01',
      sentenceLengthDays: 365,
      expectedReleaseDate: '2026-11-20',
      correlationId: `bridge-int-${personId}`,
      dateOfBirth: '1990-01-01',
      // As a journey continued as new in follow-up carries it (opaque outside the workflow).
      continued: {
        release: { releasedAt, eventId: 'release-1', establishmentCode: 'LOW' },
        personFacts: { sex: 'FEMALE' },
      },
    };
    const handle = await client.workflow.start(THROUGHCARE_WORKFLOW_TYPE, {
      taskQueue: TaskQueues.throughcare,
      workflowId,
      args: [input],
    });
    started.push(workflowId);
    await handle.executeUpdate(transferredUpdate, {
      args: [{ toEstablishmentCode: 'LOW', transferredAt: '2026-11-01T10:00:00.000Z', eventId: 't-1' }],
    });
    await handle.executeUpdate(returnedToCustodyUpdate, {
      args: [
        {
          reason: 'RECALL',
          receivedAt: '2026-11-25T10:00:00.000Z',
          establishmentCode: 'BAR',
          expectedReleaseDate: '2027-05-01',
          sentenceDate: '2026-06-01',
          sentenceLengthDays: 365,
          newEpisode: 2,
          eventId: 'return-1',
        },
      ],
    });
    expect(await handle.result()).toEqual({ closureReason: 'RECALLED', nextEpisode: 2 });
    expect(await startInputOfRun(client, workflowId, handle.firstExecutionRunId)).toEqual(input);

    const resumed = {
      releasedAt,
      reversedAt: '2026-11-27T10:00:00.000Z',
      reversedEpisode: 2,
      eventId: `reversal-${personId}`,
      openNeeds: [],
    };
    // Another return than the one that closed it: not resumed.
    expect(await resumeEpisode(client, { workflowId, resumed: { ...resumed, reversedEpisode: 3 } })).toEqual({
      outcome: 'NOT_RESUMABLE',
      reason: `${workflowId} did not close by the return into episode 3 (closure RECALLED, next episode 2)`,
    });
    expect(await resumeEpisode(client, { workflowId, resumed })).toEqual({ outcome: 'STARTED' });
    const { continued: _c, dateOfBirth: _d, ...facts } = input;
    expect(await startInputOfRun(client, workflowId, undefined)).toEqual({
      ...facts,
      sex: 'FEMALE',
      // The return's reason, when not given, from how the journey closed (RECALLED).
      resumed: {
        ...resumed,
        releaseEventId: 'release-1',
        releaseEstablishmentCode: 'LOW',
        returnReason: 'RECALL',
      },
    });
    // A retry finds the run it started (its first event says so): nothing started again.
    expect(await resumeEpisode(client, { workflowId, resumed })).toEqual({ outcome: 'ALREADY_RESUMED' });
    expect(await runsOf(workflowId)).toEqual([
      [THROUGHCARE_WORKFLOW_TYPE, 'COMPLETED'],
      [THROUGHCARE_WORKFLOW_TYPE, 'RUNNING'],
    ]);
  }, 60_000);
});
