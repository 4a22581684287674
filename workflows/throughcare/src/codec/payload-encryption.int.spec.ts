import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { randomBytes, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { Client as PgClient } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Connection } from '@temporalio/client';
import {
  ApplicationFailure,
  defaultPayloadConverter,
  METADATA_ENCODING_KEY,
  type Payload,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';
import { bootstrapService, listeningPort, PlatformModule } from '@throughcare/platform-http';
import type { TestPrincipal } from '@throughcare/testing';
import {
  AesGcmPayloadCodec,
  dataConverterWith,
  ENCRYPTED_ENCODING,
  PayloadDecryptionError,
  payloadCodecFrom,
} from '@throughcare/platform-temporal';
import { loadOrchestratorConfig, THROUGHCARE_SCHEMA } from '../config';
import { throughcareMigrations } from '../migrations';
import { expectUnauthenticated, operatorAuth, orchestratorAuth } from '../orchestrator-auth.spec-support';
import { CodecModule } from './codec.module';
import { CODEC_MAX_BODY_BYTES } from './codec.schemas';
import type {
  PersonEchoActivities,
  personEchoWorkflow,
  PersonMarker,
} from './test-workflows/person-echo.workflow';
import { nextPersonSignal, type keyRotationWorkflow } from './test-workflows/key-rotation.workflow';

const UI_ORIGIN = 'http://127.0.0.1:18233';
const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'codec-int-spec-unused-secret',
  ...process.env,
  TEMPORAL_UI_ORIGIN: UI_ORIGIN,
  PORT: '0',
});
const codec = payloadCodecFrom(config);
/** The audit chain of this file's codec API (PlatformModule's serviceName). */
const CODEC_CHAIN = 'orchestrator-codec-int-spec';
const dataConverter = dataConverterWith(codec);

@Module({
  imports: [
    PlatformModule.forRoot({
      serviceName: CODEC_CHAIN,
      database: {
        url: config.DATABASE_URL,
        schema: THROUGHCARE_SCHEMA,
        entities: [],
        migrations: throughcareMigrations,
      },
      natsUrl: config.NATS_URL,
      temporal: { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, dataConverter },
      auth: accessTokenOptionsFrom(config),
      auditSeal: auditSealKeyringFrom(config),
    }),
    CodecModule.register({ codec, uiOrigin: UI_ORIGIN, namespace: config.TEMPORAL_NAMESPACE }),
  ],
})
class CodecTestModule {}

/** Personal-looking markers: a prison number and a name, each unique to this run. */
const suffix = randomUUID().slice(0, 6).toUpperCase();
const marker: PersonMarker = { prisonNumber: 'A1234BC', name: `Marker Person ${suffix}` };

const text = (bytes: Uint8Array | null | undefined) =>
  Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

/** Every Payload anywhere in a proto message tree (a Payload has `data` and a `metadata` map). */
function payloadsIn(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  if (Array.isArray(node)) {
    for (const n of node) payloadsIn(n, out);
    return out;
  }
  const record = node as Record<string, unknown>;
  if ('metadata' in record && 'data' in record && record.metadata && typeof record.metadata === 'object') {
    out.push(record as Payload);
    return out;
  }
  for (const value of Object.values(record)) payloadsIn(value, out);
  return out;
}

describe('payload encryption on a real Temporal dev server', () => {
  let connection: Connection;
  let plainClient: Client;
  let workerConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `codec-spec-${randomUUID()}`;
  let workflowId: string;
  let result: Awaited<ReturnType<typeof personEchoWorkflow>>;

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
    plainClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const activities: PersonEchoActivities = {
      describePerson: (p) => Promise.resolve(`${p.name} (${p.prisonNumber})`),
      refusePerson: (p) =>
        Promise.reject(ApplicationFailure.nonRetryable(`cannot place ${p.name} (${p.prisonNumber})`)),
    };
    worker = await Worker.create({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      dataConverter,
      workflowsPath: require.resolve('./test-workflows/person-echo.workflow'),
      activities,
    });
    running = worker.run();
    workflowId = `codec-spec-${randomUUID()}`;
    result = await client.workflow.execute<typeof personEchoWorkflow>('personEchoWorkflow', {
      taskQueue,
      workflowId,
      args: [marker],
    });
  }, 120_000);

  afterAll(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await workerConnection?.close();
    await connection?.close();
  }, 60_000);

  it('runs the workflow, and a client with the codec reads every value back', () => {
    expect(result).toEqual({
      description: `${marker.name} (A1234BC)`,
      refusal: `cannot place ${marker.name} (A1234BC)`,
    });
  });

  it('stores every payload encrypted, and the markers nowhere in the raw history', async () => {
    const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsIn(history.events);
    // Workflow input and result, two activity inputs, one activity result, the failure's encoded attributes.
    expect(payloads.length).toBeGreaterThanOrEqual(6);
    for (const p of payloads) {
      expect(text(p.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata?.['encryption-key-id'])).toBe(config.PAYLOAD_ENCRYPTION_KEY_ID);
    }
    const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toBe('Encoded failure');
    expect(failed?.activityTaskFailedEventAttributes?.failure?.stackTrace ?? '').toBe('');
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    for (const needle of ['A1234BC', marker.name, suffix])
      expect([needle, raw.includes(needle)]).toEqual([needle, false]);
  });

  it('decodes the raw history with the codec', async () => {
    const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const decoded = await codec.decode(started);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([marker]);
  });
});

describe('payload key rotation on a real Temporal dev server: old histories still run', () => {
  it('a journey begun under key A is finished by a worker whose active key is B, A still listed', async () => {
    const keyA = { id: `rot-a-${suffix.toLowerCase()}`, key: randomBytes(32) };
    const keyB = { id: `rot-b-${suffix.toLowerCase()}`, key: randomBytes(32) };
    const before = new AesGcmPayloadCodec({ activeKeyId: keyA.id, keys: new Map([[keyA.id, keyA.key]]) });
    const after = new AesGcmPayloadCodec({
      activeKeyId: keyB.id,
      keys: new Map([
        [keyA.id, keyA.key],
        [keyB.id, keyB.key],
      ]),
    });
    const onlyB = new AesGcmPayloadCodec({ activeKeyId: keyB.id, keys: new Map([[keyB.id, keyB.key]]) });
    const taskQueue = `codec-rotation-${randomUUID()}`;
    const workflowId = `codec-rotation-${randomUUID()}`;
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const activities = {
      describePerson: (p: PersonMarker) => Promise.resolve(`${p.name} (${p.prisonNumber})`),
    };
    const workerWith = (c: AesGcmPayloadCodec) =>
      Worker.create({
        connection: workerConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue,
        dataConverter: dataConverterWith(c),
        workflowsPath: require.resolve('./test-workflows/key-rotation.workflow'),
        activities,
      });
    const plain = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const history = () => plain.workflow.getHandle(workflowId).fetchHistory();
    const second: PersonMarker = { prisonNumber: 'B2345CD', name: `Second Person ${suffix}` };
    try {
      // Under key A: started, the first person described, then waiting for the second.
      const first = await workerWith(before);
      const clientA = new Client({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        dataConverter: dataConverterWith(before),
      });
      await first.runUntil(async () => {
        await clientA.workflow.start<typeof keyRotationWorkflow>('keyRotationWorkflow', {
          taskQueue,
          workflowId,
          args: [marker],
        });
        for (let i = 0; i < 200; i++) {
          if ((await history()).events?.some((e) => e.activityTaskCompletedEventAttributes)) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('the first activity did not complete under key A');
      });
      // The keys rotate: a new worker and client, B active, A still listed. The new worker has
      // none of the journey cached: it replays the history encrypted under A, then goes on.
      const rotated = await workerWith(after);
      const clientB = new Client({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        dataConverter: dataConverterWith(after),
      });
      const result = await rotated.runUntil(async () => {
        const handle = clientB.workflow.getHandle<typeof keyRotationWorkflow>(workflowId);
        await handle.signal(nextPersonSignal, second);
        return handle.result();
      });
      expect(result).toEqual([`${marker.name} (A1234BC)`, `${second.name} (B2345CD)`]);
      // The history holds both keys' payloads: what came before under A, the signal and result under B.
      const events = (await history()).events ?? [];
      const keyOf = (p: Payload | undefined) => text(p?.metadata?.['encryption-key-id']);
      const started = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      const signalled = events.find((e) => e.workflowExecutionSignaledEventAttributes)
        ?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes)
        ?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
      expect([keyOf(started), keyOf(signalled), keyOf(completed)]).toEqual([keyA.id, keyB.id, keyB.id]);
      // Dropping A too early would lose the old payloads: a keyring without it cannot read them.
      await expect(onlyB.decode([started!])).rejects.toThrow(PayloadDecryptionError);
    } finally {
      await workerConnection.close();
      await connection.close();
    }
  }, 120_000);
});

describe('codec endpoint /codec (Temporal remote codec protocol)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await bootstrapService({
      module: CodecTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const json = (p: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': config.TEMPORAL_NAMESPACE, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('round-trips for an operator: encode, then decode, gives the payload back', async () => {
    const plain = json(defaultPayloadConverter.toPayload(marker)!);
    const encoded = await post('/codec/encode', { payloads: [plain] }, await operatorAuth());
    expect(encoded.status).toBe(200);
    const encodedBody = (await encoded.json()) as { payloads: Array<ReturnType<typeof json>> };
    expect(Buffer.from(encodedBody.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(
      ENCRYPTED_ENCODING,
    );
    expect(Buffer.from(encodedBody.payloads[0]!.data, 'base64').includes('A1234BC')).toBe(false);
    const decoded = await post('/codec/decode', encodedBody, await operatorAuth());
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual({ payloads: [plain] });
  });

  it('passes an unencrypted payload through decode', async () => {
    const plain = json(defaultPayloadConverter.toPayload('not secret')!);
    const res = await post('/codec/decode', { payloads: [plain] }, await operatorAuth());
    expect(await res.json()).toEqual({ payloads: [plain] });
  });

  it('audits every decode and encode: one record per request, with the operator, the namespace and the payload count, and no subject', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(marker)!]);
    const run = randomUUID();
    const ids = {
      decode: `codec-spec-${run}-decode`,
      decodeAgain: `codec-spec-${run}-decode-again`,
      encode: `codec-spec-${run}-encode`,
      refused: `codec-spec-${run}-refused`,
      failed: `codec-spec-${run}-failed`,
    };
    const as = async (requestId: string, principal?: TestPrincipal) => ({
      ...(principal ? await orchestratorAuth(principal) : await operatorAuth()),
      'x-request-id': requestId,
    });
    const payloads = [json(encrypted!), json(encrypted!), json(defaultPayloadConverter.toPayload('x')!)];
    expect((await post('/codec/decode', { payloads }, await as(ids.decode))).status).toBe(200);
    expect((await post('/codec/decode', { payloads: [payloads[0]] }, await as(ids.decodeAgain))).status).toBe(
      200,
    );
    expect((await post('/codec/encode', { payloads: [payloads[2]] }, await as(ids.encode))).status).toBe(200);
    expect(
      (await post('/codec/decode', { payloads }, await as(ids.refused, { roles: ['manager'] }))).status,
    ).toBe(404);
    expect(
      (
        await post(
          '/codec/decode',
          { payloads: [payloads[0]] },
          { ...(await as(ids.failed)), 'x-namespace': 'elsewhere' },
        )
      ).status,
    ).toBe(400);

    const db = new PgClient({ connectionString: config.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT request_id, action, outcome, reason, subject_person, disclosed_persons, object_type,
                object_id, roles, purpose, http_method, route
           FROM audit.audit_record
          WHERE chain = $1 AND request_id LIKE $2 ORDER BY seq`,
        [CODEC_CHAIN, `codec-spec-${run}-%`],
      );
      const ns = config.TEMPORAL_NAMESPACE;
      const base = {
        subject_person: null,
        disclosed_persons: [],
        object_type: 'temporal-payload',
        http_method: 'POST',
      };
      expect(rows).toEqual([
        {
          ...base,
          request_id: ids.decode,
          action: 'temporal-payload.decode',
          outcome: 'allowed',
          reason: null,
          object_id: `namespace=${ns};payloads=3`,
          roles: ['operator'],
          purpose: 'operations',
          route: '/codec/decode',
        },
        {
          ...base,
          request_id: ids.decodeAgain,
          action: 'temporal-payload.decode',
          outcome: 'allowed',
          reason: null,
          object_id: `namespace=${ns};payloads=1`,
          roles: ['operator'],
          purpose: 'operations',
          route: '/codec/decode',
        },
        {
          ...base,
          request_id: ids.encode,
          action: 'temporal-payload.encode',
          outcome: 'allowed',
          reason: null,
          object_id: `namespace=${ns};payloads=1`,
          roles: ['operator'],
          purpose: 'operations',
          route: '/codec/encode',
        },
        {
          ...base,
          request_id: ids.refused,
          action: 'temporal-payload.decode',
          outcome: 'refused',
          reason: 'ROLE_NOT_ADMITTED',
          object_id: `namespace=${ns};payloads=3`,
          roles: ['manager'],
          purpose: null, // the guard's refusal records only a purpose the caller stated
          route: '/codec/decode',
        },
        {
          ...base,
          request_id: ids.failed,
          action: 'temporal-payload.decode',
          outcome: 'failed',
          reason: 'VALIDATION_FAILED',
          object_id: 'namespace=elsewhere;payloads=1',
          roles: ['operator'],
          purpose: 'operations',
          route: '/codec/decode',
        },
      ]);
      // The record never holds a payload, encrypted or not.
      expect(JSON.stringify(rows)).not.toContain('A1234BC');
    } finally {
      await db.end();
    }
  });

  it('answers 401 without a token', async () => {
    const res = await post('/codec/decode', { payloads: [] });
    await expectUnauthenticated(res);
  });

  it('answers 404, as for no such route, to a role other than operator', async () => {
    const principals: TestPrincipal[] = [
      { roles: ['manager'] },
      { roles: ['auditor'] },
      { roles: ['prison-staff'], establishments: ['BAR'] },
    ];
    for (const principal of principals) {
      const res = await post('/codec/decode', { payloads: [] }, await orchestratorAuth(principal));
      expect([principal.roles[0], res.status]).toEqual([principal.roles[0], 404]);
      expect(((await res.json()) as { detail: string }).detail).toBe('Cannot POST /codec/decode');
    }
  });

  it('answers 400 problem+json naming the field to a malformed body', async () => {
    for (const body of [
      {},
      { payloads: 'x' },
      { payloads: [{ data: 'not base64!' }] },
      { payloads: [], extra: 1 },
      '{"payloads": [',
    ]) {
      const res = await post('/codec/decode', body, await operatorAuth());
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const res = await post('/codec/decode', { payloads: [{ data: '!!' }] }, await operatorAuth());
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
      'payloads.0.data',
    ]);
  });

  it('answers 400 to another namespace in X-Namespace', async () => {
    const res = await post(
      '/codec/decode',
      { payloads: [] },
      { ...(await operatorAuth()), 'x-namespace': 'elsewhere' },
    );
    expect(res.status).toBe(400);
  });

  it('answers 422 naming the payload index (and key id, not the data) when one cannot be decrypted', async () => {
    const [good] = await codec.encode([defaultPayloadConverter.toPayload(marker)!]);
    const tampered = Buffer.from(good!.data!);
    tampered[20]! ^= 0xff;
    const res = await post(
      '/codec/decode',
      { payloads: [json(good!), json({ ...good!, data: new Uint8Array(tampered) })] },
      await operatorAuth(),
    );
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { detail: string; code: string };
    expect(problem.code).toBe('PAYLOAD_NOT_DECRYPTABLE');
    expect(problem.detail).toMatch(/^payloads\[1\]: .*key id "[^"]+" failed authentication/);
    expect(problem.detail).not.toContain('A1234BC');
  });

  it('refuses a body larger than the codec limit with 413', async () => {
    const big = 'A'.repeat(CODEC_MAX_BODY_BYTES);
    const res = await post('/codec/decode', { payloads: [{ data: big }] }, await operatorAuth());
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('allows the CORS preflight from the Temporal UI origin, without a token', async () => {
    const res = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-namespace');
    // The answer to the UI's POST is readable by it, a 401 included.
    const unauthenticated = await post('/codec/decode', { payloads: [] }, { origin: UI_ORIGIN });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  });

  it('refuses the CORS preflight from another origin (and gives its requests no CORS headers)', async () => {
    const res = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const other = await post(
      '/codec/decode',
      { payloads: [] },
      { ...(await operatorAuth()), origin: 'http://evil.example' },
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
