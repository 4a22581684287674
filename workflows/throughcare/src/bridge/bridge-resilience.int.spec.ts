import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Module } from '@nestjs/common';
import { Client as PgClient } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  deadLetterSubjectFor,
  Streams,
  throughcareWorkflowId,
  type KnownEvent,
} from '@throughcare/contracts';
import { bootstrapService, listeningPort, PlatformModule } from '@throughcare/platform-http';
import {
  connectBus,
  DlqCodes,
  DlqHeaders,
  DurableConsumer,
  ensureStreams,
} from '@throughcare/platform-messaging';
import { loadOrchestratorConfig, THROUGHCARE_SCHEMA } from '../config';
import { DeadLettersController } from '../dead-letters/dead-letters.controller';
import {
  DeadLetterPageSchema,
  DeadLetterViewSchema,
  type DeadLetterView,
} from '../dead-letters/dead-letters.schemas';
import { DeadLettersService } from '../dead-letters/dead-letters.service';
import { REDACTED } from '../dead-letters/dead-letter-redaction';
import { throughcareMigrations } from '../migrations';
import { BridgeErrorCodes, bridgeHandler, bridgeOrderingKey } from './bridge';
import { DevServer, startThroughcareWorker } from './dev-server.spec-support';
import { derive, fact, receptionData } from './spec-support';
import {
  appliedQuery,
  hangSignal,
  knownSignal,
  refuseSignal,
} from './test-workflows/journey-double.workflow';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';
import {
  expectNoSuchRoute,
  expectUnauthenticated,
  operatorAuth,
  orchestratorAuth,
} from '../orchestrator-auth.spec-support';
import { dataConverterFrom } from '@throughcare/platform-temporal';

// Issue 7, finding 4 and "dead-letter operations", on a real nats-server, Postgres and a Temporal
// dev server this file starts, stops and starts again on the same port and database file. The
// journey is a double under the journey's workflow type (test-workflows/journey-double) that
// records each fact once, in the order applied, and can hang, or refuse a fact for now or for good.

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'bridge-resilience-int-spec-secret',
  ...process.env,
  PORT: '0',
});
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const OUTAGE_MS = 40_000;
/** The audit chain of this file's dead-letter API (PlatformModule's serviceName). */
const CHAIN = 'orchestrator-dead-letters-int-spec';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The dead-letter API alone, on real Postgres and NATS. */
@Module({
  imports: [
    PlatformModule.forRoot({
      serviceName: CHAIN,
      database: {
        url: config.DATABASE_URL,
        schema: THROUGHCARE_SCHEMA,
        entities: [],
        migrations: throughcareMigrations,
      },
      natsUrl: config.NATS_URL,
      temporal: {
        address: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        dataConverter: dataConverterFrom(config),
      },
      auth: accessTokenOptionsFrom(config),
      auditSeal: auditSealKeyringFrom(config),
    }),
  ],
  controllers: [DeadLettersController],
  providers: [DeadLettersService],
})
class DeadLettersTestModule {}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('bridge under failure: Temporal down, a journey hung, facts not known yet; dead-letter operations', () => {
  let server: DevServer;
  let client: Client;
  let connection: Connection;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let workflowBundle: { code: string };
  let app: NestFastifyApplication;
  let base: string;
  let worker: { stop: () => Promise<void> } | undefined;
  const consumers: DurableConsumer[] = [];
  const tag = `t${randomUUID().slice(0, 8)}`;
  /** Subjects of the main bridge consumer (1 h horizon) and of one that gives up after 3 s. */
  const mainPrefix = `throughcare.events.${tag}m`;
  const shortPrefix = `throughcare.events.${tag}s`;
  let main: DurableConsumer;
  let short: DurableConsumer;

  async function startWorker(): Promise<void> {
    worker = await startThroughcareWorker({
      address: server.address,
      namespace: 'default',
      dataConverter: dataConverterFrom(config),
      workflowBundle,
    });
  }

  function bridgeConsumer(name: string, prefix: string, retryHorizonMs: number): DurableConsumer {
    const consumer = new DurableConsumer({
      js,
      jsm,
      name,
      filterSubjects: [`${prefix}.>`],
      handler: bridgeHandler(client, derive, quietLogger, {
        temporalDeadlineMs: 2000,
        notYetKnownHorizonMs: 4000,
      }),
      orderingKey: bridgeOrderingKey(derive),
      concurrency: 8,
      retryHorizonMs,
      retryDelayMs: (attempt) => Math.min(200 * 2 ** (attempt - 1), 2000),
      logger: quietLogger,
    });
    consumers.push(consumer);
    return consumer;
  }

  beforeAll(async () => {
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./test-workflows/journey-double.workflow'),
      logger: { ...quietLogger, info: () => undefined, debug: () => undefined, trace: () => undefined },
    });
    server = await DevServer.start();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: 'default', dataConverter: dataConverterFrom(config) });
    await startWorker();
    nc = await connectBus(config.NATS_URL, 'bridge-resilience-int-spec');
    jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    js = jetstream(nc);
    main = bridgeConsumer(`bridge-spec-${tag}-main`, mainPrefix, 3_600_000);
    short = bridgeConsumer(`bridge-spec-${tag}-short`, shortPrefix, 3000);
    for (const c of consumers) await c.start();
    app = await bootstrapService({
      module: DeadLettersTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
  }, 120_000);

  afterAll(async () => {
    for (const c of consumers) {
      await c.stop();
      await (await jetstreamManager(nc)).consumers.delete(Streams.events.name, c.name).catch(() => undefined);
    }
    await app?.close();
    await worker?.stop();
    await connection?.close();
    await nc?.drain();
    await server?.dispose();
  }, 60_000);

  const newPerson = () => `p${randomBytes(10).toString('hex')}`;
  const wf = (personId: string) => client.workflow.getHandle(throughcareWorkflowId(personId, 1));
  const applied = (personId: string) => wf(personId).query(appliedQuery);
  const publish = (prefix: string, event: KnownEvent) =>
    js.publish(`${prefix}.${event.eventType}`, JSON.stringify(event), { msgID: event.eventId });
  const reception = (personId: string) =>
    fact('custody.person.received@1', { ...receptionData, episode: 1 }, randomUUID(), personId);
  const transfer = (personId: string, to = 'LEI') =>
    fact(
      'custody.person.transferred@1',
      {
        episode: 1,
        fromEstablishmentCode: 'BAR',
        toEstablishmentCode: to,
        transferredAt: '2027-01-11T07:45:00Z',
      },
      randomUUID(),
      personId,
    );
  const reversal = (personId: string, of: KnownEvent) =>
    fact(
      'custody.movement.reversed@1',
      { episode: 1, movement: 'TRANSFER', reversedEventId: of.eventId, reversedAt: '2027-01-11T08:00:00Z' },
      randomUUID(),
      personId,
    );
  const meetingHeld = (personId: string, bookingId: string) =>
    fact(
      'custody.meeting.held@1',
      { bookingId, episode: 1, kind: 'CJSW_VISIT', heldAt: '2027-01-12T10:00:00Z' },
      randomUUID(),
      personId,
    );
  const entry = (e: KnownEvent) =>
    `${{ 'custody.person.transferred': 'transferred', 'custody.movement.reversed': 'movementReversed', 'custody.meeting.held': 'meetingHeld' }[e.eventType as string]}:${e.eventId}`;

  /** Starts journeys through the bridge and waits until each answers. */
  async function startJourneys(prefix: string, people: string[]): Promise<void> {
    for (const p of people) await publish(prefix, reception(p));
    for (const p of people) await eventually(`journey of ${p}`, async () => (await applied(p)) && true);
  }

  /** A request to the dead-letter API, as an operator unless `auth` says otherwise ({}: no token). */
  const request = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    auth?: Record<string, string>,
  ) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth ?? (await operatorAuth())),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(method, path, body);
    return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as unknown };
  };
  /**
   * `./throughcare dlq …` against this file's orchestrator API, as an operator: the CLI sends
   * THROUGHCARE_TOKEN as its bearer access token (infra/src/dlq.ts).
   */
  const cli = async (...args: string[]) => {
    const run = path.resolve(__dirname, '..', '..', '..', '..', 'infra', 'bin', 'run.js');
    const token = (await operatorAuth()).authorization!.replace(/^Bearer /, '');
    const { stdout } = await promisify(execFile)(process.execPath, [run, 'dlq', ...args], {
      env: { ...process.env, ORCHESTRATOR_URL: base, THROUGHCARE_TOKEN: token },
    });
    return stdout;
  };
  const lettersOf = async (consumer: string) => {
    const res = await api('GET', `/dead-letters?consumer=${consumer}&limit=100`);
    expect(res.status).toBe(200);
    return DeadLetterPageSchema.parse(res.json).items;
  };
  const letterOf = async (consumer: string, eventId: string) =>
    eventually(`dead letter of ${eventId}`, async () =>
      (await lettersOf(consumer)).find((l) => l.eventId === eventId),
    );

  it("dead letters are operators' only: 401 without a valid token, any other role as if the routes did not exist", async () => {
    const routes: Array<['GET' | 'POST', string, unknown?]> = [
      ['GET', '/dead-letters'],
      ['GET', '/dead-letters/1'],
      ['POST', '/dead-letters/replay', { by: 'ops:mallory' }],
      ['POST', '/dead-letters/1/replay', { by: 'ops:mallory' }],
      ['POST', '/dead-letters/1/discard', { by: 'ops:mallory', reason: 'not mine to discard' }],
    ];
    for (const [method, route, body] of routes)
      await expectUnauthenticated(await request(method, route, body, {}));
    for (const principal of [
      { roles: ['manager'] },
      { roles: ['prison-staff'], establishments: ['BAR'] },
      { roles: ['agency-system'], agencyId: 'cjsw-s12000036' },
    ]) {
      const auth = await orchestratorAuth(principal);
      for (const [method, route, body] of routes)
        await expectNoSuchRoute(base, await request(method, route, body, auth), method, route);
    }
    // The same routes answer an operator.
    expect((await api('GET', '/dead-letters?limit=1')).status).toBe(200);
  });

  it(`Temporal stopped for ${OUTAGE_MS / 1000} s and restarted: every fact applied exactly once, in bus order; one given up on is replayed`, async () => {
    const people = [newPerson(), newPerson(), newPerson()];
    await startJourneys(mainPrefix, people);

    await worker!.stop();
    worker = undefined;
    await server.down();
    const facts = new Map<string, KnownEvent[]>();
    for (const p of people) {
      const t1 = transfer(p);
      facts.set(p, [t1, reversal(p, t1), transfer(p, 'GMI')]);
    }
    // A person received while Temporal is down, and a fact right behind the reception.
    const late = newPerson();
    const lateTransfer = transfer(late);
    // For the consumer that gives up after 3 s: dead-lettered, to be replayed once Temporal is back.
    const givenUp = transfer(people[0]!, 'SHO');
    for (const [, events] of facts) for (const e of events) await publish(mainPrefix, e);
    await publish(mainPrefix, reception(late));
    await publish(mainPrefix, lateTransfer);
    await publish(shortPrefix, givenUp);

    const letter = await letterOf(short.name, givenUp.eventId);
    expect(letter).toMatchObject({
      code: DlqCodes.retriesExhausted,
      eventType: 'custody.person.transferred',
    });
    expect(letter.reason).toMatch(
      /^gave up after \d+ s of transient failures \(\d+ attempts; horizon 3 s\): /,
    );
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // Held, not dead-lettered: 9 facts, the late reception and its transfer.
    expect(main.pending).toBe(11);
    expect(await lettersOf(main.name)).toEqual([]);

    const restartedAt = Date.now();
    await server.up();
    await startWorker();
    for (const p of people) {
      const want = facts.get(p)!.map(entry);
      await eventually(`facts of ${p}`, async () =>
        (await applied(p)).length === want.length ? true : undefined,
      );
      expect(await applied(p)).toEqual(want);
    }
    await eventually('the late journey', async () => ((await applied(late)).length === 1 ? true : undefined));
    expect(await applied(late)).toEqual([entry(lateTransfer)]);
    const catchUpMs = Date.now() - restartedAt;
    // The journey holds the last fact a moment before the bridge has acknowledged it (its update
    // answers first): nothing is left pending once the acknowledgements are in.
    await eventually('nothing pending', async () => (main.pending === 0 ? true : undefined));
    expect(main.pending).toBe(0);
    expect(await lettersOf(main.name)).toEqual([]);

    const replay = await api('POST', `/dead-letters/${letter.seq}/replay`, {
      by: 'ops:ann',
      reason: 'Temporal is back',
    });
    expect(replay.status).toBe(200);
    const replayed = DeadLetterViewSchema.parse(replay.json);
    expect(replayed).toMatchObject({
      status: 'REPLAYED',
      action: { by: 'ops:ann', reason: 'Temporal is back' },
    });
    const want = [...facts.get(people[0]!)!.map(entry), entry(givenUp)];
    await eventually('the replayed fact', async () =>
      (await applied(people[0]!)).length === 4 ? true : undefined,
    );
    expect(await applied(people[0]!)).toEqual(want);
    // Still exactly once each, after every retry, the restart and the replay.
    for (const p of people.slice(1)) expect(await applied(p)).toEqual(facts.get(p)!.map(entry));
    expect(await applied(late)).toEqual([entry(lateTransfer)]);
    // Replaying it again is refused: it is recorded as replayed.
    expect((await api('POST', `/dead-letters/${letter.seq}/replay`, { by: 'ops:bob' })).status).toBe(409);
    process.stdout.write(
      `bridge resilience: all held facts applied ${catchUpMs} ms after Temporal came back\n`,
    );
  }, 240_000);

  it('a journey whose update hangs costs its own facts a retry, not the other journeys theirs', async () => {
    const hung = newPerson();
    const others = [newPerson(), newPerson(), newPerson()];
    await startJourneys(mainPrefix, [hung, ...others]);
    await wf(hung).signal(hangSignal, true);
    const hungFacts = [transfer(hung), transfer(hung, 'GMI')];
    for (const e of hungFacts) await publish(mainPrefix, e);
    const otherFacts = others.map((p) => transfer(p));
    const publishedAt = Date.now();
    for (const e of otherFacts) await publish(mainPrefix, e);

    for (const [i, p] of others.entries()) {
      await eventually(
        `fact of ${p}`,
        async () => ((await applied(p)).length === 1 ? true : undefined),
        10_000,
      );
      expect(await applied(p)).toEqual([entry(otherFacts[i]!)]);
    }
    const othersMs = Date.now() - publishedAt;
    expect(await applied(hung)).toEqual([]);

    await wf(hung).signal(hangSignal, false);
    await eventually('the hung journey', async () => ((await applied(hung)).length === 2 ? true : undefined));
    expect(await applied(hung)).toEqual(hungFacts.map(entry));
    process.stdout.write(
      `bridge resilience: other journeys' facts applied in ${othersMs} ms while one hung\n`,
    );
  }, 60_000);

  it('holds a NOT_YET_KNOWN fact (and the facts behind it) until the journey knows, gives up after its horizon, and dead-letters a VALIDATION_FAILED one at once', async () => {
    const [waiting, refused, never] = [newPerson(), newPerson(), newPerson()];
    await startJourneys(mainPrefix, [waiting, refused, never]);
    const booking = randomUUID();
    const held = meetingHeld(waiting, booking);
    const behind = transfer(waiting);
    await publish(mainPrefix, held);
    await publish(mainPrefix, behind);
    const cancelled = randomUUID();
    await wf(refused).signal(refuseSignal, cancelled);
    const rejected = meetingHeld(refused, cancelled);
    await publish(mainPrefix, rejected);
    const neverBooking = randomUUID();
    const unknown = meetingHeld(never, neverBooking);
    await publish(mainPrefix, unknown);

    const rejectedLetter = await letterOf(main.name, rejected.eventId);
    expect(rejectedLetter).toMatchObject({ code: BridgeErrorCodes.rejected, attempts: 1 });
    expect(rejectedLetter.reason).toMatch(/rejected meetingHeld: booking .* was cancelled$/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await applied(waiting)).toEqual([]); // the transfer waits behind the meeting

    await wf(waiting).signal(knownSignal, booking);
    await eventually('held facts', async () => ((await applied(waiting)).length === 2 ? true : undefined));
    expect(await applied(waiting)).toEqual([entry(held), entry(behind)]);

    const gaveUp = await letterOf(main.name, unknown.eventId);
    expect(gaveUp.code).toBe(DlqCodes.retriesExhausted);
    expect(gaveUp.reason).toMatch(
      /^gave up after \d+ s of transient failures \(\d+ attempts; horizon 4 s\): NOT_YET_KNOWN: .* does not know yet what meetingHeld refers to: booking .* is not known to this episode \(yet\)$/,
    );

    // Once the journey knows the booking, `dlq replay --all` of the given-up letters applies it.
    await wf(never).signal(knownSignal, neverBooking);
    const result = JSON.parse(
      await cli(
        'replay',
        '--all',
        '--consumer',
        main.name,
        '--code',
        DlqCodes.retriesExhausted,
        '--by',
        'ops:ann',
      ),
    ) as { replayed: Array<{ seq: number; replayedAsSeq: number }> };
    expect(result.replayed.map((r) => r.seq)).toContain(gaveUp.seq);
    await eventually('the replayed fact', async () =>
      (await applied(never)).length === 1 ? true : undefined,
    );
    expect(await applied(never)).toEqual([entry(unknown)]);
    expect(DeadLetterViewSchema.parse((await api('GET', `/dead-letters/${gaveUp.seq}`)).json)).toMatchObject({
      status: 'REPLAYED',
      action: { by: 'ops:ann' },
    });
  }, 60_000);

  it('dead-letter operations (./throughcare dlq and the API): a bad event is listed, shown with its headers and payload, and discarded with a recorded reason', async () => {
    const badId = randomUUID();
    const payload = `{"eventType": "custody.person.transferred", "eventId": "${badId}", oops`;
    await js.publish(`${mainPrefix}.custody.person.transferred`, payload, { msgID: badId });

    const listed = await eventually('the bad event listed', async () =>
      (await lettersOf(main.name)).find((l) => l.code === 'MALFORMED_JSON'),
    );
    const table = await cli('list', '--consumer', main.name);
    expect(table).toMatch(
      new RegExp(`^\\s*${listed.seq}  \\S+  ${main.name}  MALFORMED_JSON  \\(unparsed\\)`, 'm'),
    );
    const view: DeadLetterView = DeadLetterViewSchema.parse(
      JSON.parse(await cli('show', String(listed.seq))),
    );
    expect(view).toMatchObject({
      status: 'OPEN',
      consumer: main.name,
      code: 'MALFORMED_JSON',
      originalSubject: `${mainPrefix}.custody.person.transferred`,
      // A payload that does not parse: only its size and SHA-256, never its bytes.
      event: null,
      payloadBytes: Buffer.byteLength(payload),
      payloadSha256: sha256(payload),
      originalHeaders: { 'Nats-Msg-Id': [badId] },
      action: null,
    });
    expect(JSON.stringify(view)).not.toContain('oops');
    expect(view.reason).toMatch(/not JSON/);

    const noReason = await api('POST', `/dead-letters/${listed.seq}/discard`, { by: 'ops:ann' });
    expect(noReason.status).toBe(400);
    expect(noReason.type).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(noReason.json)).toContain('reason');
    // The CLI refuses it before asking (exit 2, usage); the API answers 400 (above).
    await expect(cli('discard', String(listed.seq))).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('discard needs --reason'),
    });
    expect((await api('GET', '/dead-letters/not-a-number')).status).toBe(400);
    expect((await api('GET', '/dead-letters?limit=0')).status).toBe(400);
    expect((await api('GET', '/dead-letters/999999999')).status).toBe(404);
    const docs = (await api('GET', '/docs-json')).json as { paths: Record<string, Record<string, unknown>> };
    expect(
      Object.keys(docs.paths)
        .filter((p) => p.startsWith('/dead-letters'))
        .sort(),
    ).toEqual([
      '/dead-letters',
      '/dead-letters/replay',
      '/dead-letters/{seq}',
      '/dead-letters/{seq}/discard',
      '/dead-letters/{seq}/replay',
    ]);

    // Replaying a bad event dead-letters it anew (a new sequence), once: replay --all does not loop.
    const again = JSON.parse(
      await cli('replay', '--all', '--consumer', main.name, '--code', 'MALFORMED_JSON', '--by', 'ops:ann'),
    ) as { replayed: Array<{ seq: number }> };
    expect(again.replayed.map((r) => r.seq)).toEqual([listed.seq]);
    const relisted = await eventually('dead-lettered again', async () =>
      (await lettersOf(main.name)).find((l) => l.code === 'MALFORMED_JSON' && l.seq !== listed.seq),
    );
    expect((await lettersOf(main.name)).filter((l) => l.code === 'MALFORMED_JSON')).toHaveLength(1);
    expect(DeadLetterViewSchema.parse((await api('GET', `/dead-letters/${listed.seq}`)).json)).toMatchObject({
      status: 'REPLAYED',
      action: { by: 'ops:ann', replayedAsSeq: expect.any(Number) },
    });

    const discarded = DeadLetterViewSchema.parse(
      JSON.parse(
        await cli(
          'discard',
          String(relisted.seq),
          '--by',
          'ops:ann',
          '--reason',
          'garbage from a test harness',
        ),
      ),
    );
    expect(discarded.status).toBe('DISCARDED');
    const after = DeadLetterViewSchema.parse((await api('GET', `/dead-letters/${relisted.seq}`)).json);
    expect(after).toMatchObject({
      status: 'DISCARDED',
      event: null,
      payloadSha256: sha256(payload),
      action: {
        action: 'DISCARDED',
        by: 'ops:ann',
        reason: 'garbage from a test harness',
        replayedAsSeq: null,
      },
    });
    expect(Date.parse(after.action!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await lettersOf(main.name)).map((l) => l.seq)).not.toContain(relisted.seq);
    expect(
      (await api('POST', `/dead-letters/${relisted.seq}/discard`, { by: 'x', reason: 'again' })).status,
    ).toBe(409);
  }, 60_000);
  it('lists a large dead-letter queue a page at a time (letters read and checked in chunks), skipping handled letters, and scans at most 500 a request', async () => {
    // 260 letters for a consumer of this test's own, straight onto its dead-letter subject.
    const consumer = `paging-${randomBytes(4).toString('hex')}`;
    const subject = deadLetterSubjectFor(consumer);
    const js = jetstream(nc);
    const seqs: number[] = [];
    for (let n = 0; n < 260; n++) {
      const h = natsHeaders();
      h.set(DlqHeaders.consumer, consumer);
      h.set(DlqHeaders.code, n % 2 === 0 ? 'MALFORMED_JSON' : 'VALIDATION_FAILED');
      h.set(DlqHeaders.reason, 'paging spec');
      seqs.push((await js.publish(subject, `{"n":${n}}`, { headers: h })).seq);
    }
    // Two handled (recorded, so no longer listed), in different chunks.
    for (const seq of [seqs[5]!, seqs[150]!])
      expect(
        (await api('POST', `/dead-letters/${seq}/discard`, { by: 'ops:ann', reason: 'paging spec' })).status,
      ).toBe(200);
    const page = async (query: string) => {
      const res = await api('GET', `/dead-letters?consumer=${consumer}&${query}`);
      expect(res.status).toBe(200);
      return DeadLetterPageSchema.parse(res.json);
    };
    /** Every page of `query`, following the cursors: the letters' seqs and the number of pages. */
    const all = async (query: string) => {
      const seqsListed: number[] = [];
      let cursor: number | null = null;
      let pages = 0;
      do {
        const p: Awaited<ReturnType<typeof page>> = await page(
          `${query}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seqsListed.push(...p.items.map((l) => l.seq));
        cursor = p.nextCursor;
        pages++;
      } while (cursor !== null);
      return { seqs: seqsListed, pages };
    };
    expect(await all('limit=100')).toEqual({
      seqs: seqs.filter((q) => q !== seqs[5] && q !== seqs[150]),
      pages: 3,
    });
    // A code filter reads on past the chunk boundaries and answers only its own.
    const malformed = await page('code=MALFORMED_JSON&limit=100');
    expect(malformed.items.every((l) => l.code === 'MALFORMED_JSON')).toBe(true);
    expect((await all('code=MALFORMED_JSON&limit=100')).seqs).toEqual(
      seqs.filter((q, n) => n % 2 === 0 && q !== seqs[150]),
    );
    // One that matches nothing stops after scanning 500 letters of a longer queue, with a cursor.
    for (let n = 0; n < 260; n++)
      await js.publish(subject, `{"n":${260 + n}}`, {
        headers: (() => {
          const h = natsHeaders();
          h.set(DlqHeaders.consumer, consumer);
          h.set(DlqHeaders.code, 'MALFORMED_JSON');
          return h;
        })(),
      });
    const none = await page('code=NOTHING_SUCH&limit=10');
    expect(none.items).toEqual([]);
    expect(none.nextCursor).not.toBeNull();
    const rest = await page(`code=NOTHING_SUCH&limit=10&cursor=${none.nextCursor}`);
    expect(rest).toEqual({ items: [], nextCursor: null });
  });

  it("replays a reception older than Temporal's retention only alone, with force and a reason (a reversal's tombstone may be gone); the bulk replay leaves it open", async () => {
    const described = await client.workflowService.describeNamespace({ namespace: 'default' });
    const retentionMs = Number(described.config!.workflowExecutionRetentionTtl!.seconds) * 1000;
    expect(retentionMs).toBeGreaterThan(0);
    const personId = newPerson();
    const old = reception(personId);
    // Older than the retention by two days; released in 2099 (unplannable): dead-lettered at once.
    const event = {
      ...old,
      occurredAt: new Date(Date.now() - retentionMs - 2 * 86_400_000).toISOString(),
      data: { ...receptionData, episode: 1, expectedReleaseDate: '2099-01-01' },
    } as unknown as KnownEvent;
    await js.publish(`${mainPrefix}.custody.person.received`, JSON.stringify(event), {
      msgID: event.eventId,
    });
    const letter = await letterOf(main.name, event.eventId);

    // Alone, without force: 409 naming the check to make.
    const refused = await api('POST', `/dead-letters/${letter.seq}/replay`, { by: 'ops:ann' });
    expect([refused.status, (refused.json as { code?: string }).code]).toEqual([
      409,
      'REPLAY_PAST_RETENTION',
    ]);
    expect((refused.json as { detail: string }).detail).toContain('does not hold the episode as void');
    // Force without a reason: 400 naming the field.
    const noReason = await api('POST', `/dead-letters/${letter.seq}/replay`, { by: 'ops:ann', force: true });
    expect([noReason.status, JSON.stringify(noReason.json)]).toEqual([
      400,
      expect.stringContaining('reason'),
    ]);
    // In bulk: left open, reported as skipped, never replayed.
    const bulk = (await api('POST', '/dead-letters/replay', { by: 'ops:ann', consumer: main.name })).json as {
      replayed: Array<{ seq: number }>;
      skipped: Array<{ seq: number; code: string }>;
    };
    expect(bulk.replayed.map((r) => r.seq)).not.toContain(letter.seq);
    expect(bulk.skipped).toContainEqual(
      expect.objectContaining({ seq: letter.seq, code: 'REPLAY_PAST_RETENTION' }),
    );
    expect(DeadLetterViewSchema.parse((await api('GET', `/dead-letters/${letter.seq}`)).json).status).toBe(
      'OPEN',
    );

    // With force and a reason: replayed.
    const forced = await api('POST', `/dead-letters/${letter.seq}/replay`, {
      by: 'ops:ann',
      reason: 'episode 1 checked: not void in the liberation service',
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(DeadLetterViewSchema.parse(forced.json)).toMatchObject({
      status: 'REPLAYED',
      action: {
        by: 'ops:ann',
        reason: "forced past Temporal's retention: episode 1 checked: not void in the liberation service",
      },
    });
    // Dead-lettered anew (still unplannable): discarded, so later tests' bulk replays skip it.
    const again = await eventually('dead-lettered again', async () =>
      (await lettersOf(main.name)).find((l) => l.eventId === event.eventId && l.seq !== letter.seq),
    );
    expect(
      (await api('POST', `/dead-letters/${again.seq}/discard`, { by: 'ops:ann', reason: 'test' })).status,
    ).toBe(200);
  });

  it('shows operators a dead-lettered reception redacted (no prison number, CRN or free text), replays the stored payload unchanged, and audits every request', async () => {
    const personId = newPerson();
    const prisonNumber = 'B9876ZY';
    const event = {
      ...reception(personId),
      description: 'Received: John Smith, born 1990-04-01',
      personReference: {
        identifiers: [
          { type: 'NOMS', value: prisonNumber },
          { type: 'CRN', value: 'X765432' },
          { type: 'THROUGHCARE_ID', value: personId },
        ],
      },
      // Released in 2099: outside the plannable window, so the bridge dead-letters it at once.
      data: { ...receptionData, episode: 1, prisonNumber, expectedReleaseDate: '2099-01-01' },
    } as unknown as KnownEvent;
    const original = JSON.stringify(event);
    await js.publish(`${mainPrefix}.custody.person.received`, original, { msgID: event.eventId });
    const secrets = [prisonNumber, 'X765432', 'John Smith', '1990-04-01'];
    const disclosed = (text: string) => secrets.filter((s) => text.includes(s));

    // The list: the person's pseudonymous id, nothing else of them.
    const letter = await letterOf(main.name, event.eventId);
    expect(letter).toMatchObject({ personId, eventType: 'custody.person.received' });
    const page = await api('GET', `/dead-letters?consumer=${main.name}&limit=100`);
    expect(disclosed(JSON.stringify(page.json))).toEqual([]);

    // Show (API and CLI): the envelope and the non-personal data; the rest redacted.
    const shown = await api('GET', `/dead-letters/${letter.seq}`);
    expect(shown.status).toBe(200);
    expect(disclosed(JSON.stringify(shown.json))).toEqual([]);
    const view = DeadLetterViewSchema.parse(shown.json);
    expect(view).toMatchObject({
      status: 'OPEN',
      personId,
      eventId: event.eventId,
      payloadBytes: Buffer.byteLength(original),
      payloadSha256: sha256(original),
      event: {
        eventType: 'custody.person.received',
        eventId: event.eventId,
        description: REDACTED,
        personReference: {
          identifiers: [
            { type: 'NOMS', value: REDACTED },
            { type: 'CRN', value: REDACTED },
            { type: 'THROUGHCARE_ID', value: personId },
          ],
        },
        data: {
          prisonNumber: REDACTED,
          episode: 1,
          establishmentCode: receptionData.establishmentCode,
          expectedReleaseDate: '2099-01-01',
        },
      },
    });
    expect(disclosed(await cli('show', String(letter.seq)))).toEqual([]);

    // Replay re-publishes the stored payload, byte for byte (prison number included).
    const replay = await api('POST', `/dead-letters/${letter.seq}/replay`, {
      by: 'ops:ann',
      reason: 'check',
    });
    expect(replay.status).toBe(200);
    expect(disclosed(JSON.stringify(replay.json))).toEqual([]);
    const replayedAsSeq = DeadLetterViewSchema.parse(replay.json).action!.replayedAsSeq!;
    const republished = await jsm.streams.getMessage(Streams.events.name, { seq: replayedAsSeq });
    expect(new TextDecoder().decode(republished!.data)).toBe(original);
    // Still unplannable: dead-lettered anew, then discarded.
    const again = await eventually('dead-lettered again', async () =>
      (await lettersOf(main.name)).find((l) => l.eventId === event.eventId && l.seq !== letter.seq),
    );
    expect(
      (await api('POST', `/dead-letters/${again.seq}/discard`, { by: 'ops:ann', reason: 'test' })).status,
    ).toBe(200);

    // The audit trail: who saw or acted on this person's letters, under their pseudonymous id only.
    const db = new PgClient({ connectionString: config.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{
        action: string;
        outcome: string;
        subject_person: string | null;
        disclosed_persons: string[];
        object_type: string | null;
        object_id: string | null;
        purpose: string | null;
        roles: string[];
      }>(
        `SELECT action, outcome, subject_person, disclosed_persons, object_type, object_id, purpose, roles
           FROM audit.audit_record
          WHERE chain = $1 AND (subject_person = $2 OR $2 = ANY (disclosed_persons)) ORDER BY seq`,
        [CHAIN, personId],
      );
      const common = {
        outcome: 'allowed',
        object_type: 'dead-letter',
        purpose: 'operations',
        roles: ['operator'],
      };
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ...common, action: 'dead-letter.list', subject_person: null }),
          expect.objectContaining({
            ...common,
            action: 'dead-letter.read',
            subject_person: personId,
            object_id: String(letter.seq),
          }),
          expect.objectContaining({
            ...common,
            action: 'dead-letter.replay',
            subject_person: personId,
            object_id: String(letter.seq),
          }),
          expect.objectContaining({
            ...common,
            action: 'dead-letter.discard',
            subject_person: personId,
            object_id: String(again.seq),
          }),
        ]),
      );
      // The list records name the person among those disclosed; the show by API and by CLI: two reads.
      expect(
        rows
          .filter((r) => r.action === 'dead-letter.list')
          .every((r) => r.disclosed_persons.includes(personId)),
      ).toBe(true);
      expect(
        rows.filter((r) => r.action === 'dead-letter.read' && r.object_id === String(letter.seq)),
      ).toHaveLength(2);
      expect(disclosed(JSON.stringify(rows))).toEqual([]);
    } finally {
      await db.end();
    }
  }, 60_000);
});
