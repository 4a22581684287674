import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import {
  deadLetterSubjectFor,
  SearchAttributes,
  Streams,
  subjectFor,
  THROUGHCARE_WORKFLOW_TYPE,
  type ClocksReport,
} from '@throughcare/contracts';
import {
  bootstrapService,
  listeningPort,
  NATS_CONNECTION,
  TEMPORAL_CLIENT,
} from '@throughcare/platform-http';
import {
  parsePrometheusText,
  PERSON_ID_PATTERN,
  sampleSum,
  sampleValue,
  type PromSample,
} from '@throughcare/testing';
import { JetStreamPublisher } from '@throughcare/platform-messaging';
import { AttentionService } from '../attention/attention.service';
import { BRIDGE_CONSUMER } from '../bridge/bridge.host';
import { loadOrchestratorConfig } from '../config';
import { OrchestratorModule } from '../orchestrator.module';
import { expectUnauthenticated, operatorAuth, orchestratorAuth } from '../orchestrator-auth.spec-support';
import { doublePlan, eventually, JourneyDoubles } from '../orchestrator-platform.spec-support';
import { SlaService } from '../sla/sla.service';
import { FUNNEL_CONSUMER } from './funnel.projector';
import { LEDGER_CONSUMER } from './ledger.projector';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'orchestrator-metrics-int-spec-secret-0123456789',
  ...process.env,
  PORT: '0',
});

/** A prison code of this run's own (three letters; no other spec uses Z..), so its counts are exact. */
const establishment = `Z${String.fromCharCode(65 + randomInt(26), 65 + randomInt(26))}`;
const newPersonId = () => `p${randomBytes(10).toString('hex')}`;

/**
 * The orchestrator's /metrics, the whole OrchestratorModule on real Postgres, NATS and Temporal: a
 * breach reported the way a journey reports it, an attention item, a dead letter and running
 * journeys (doubles of the journey's type, run by a worker in this process) each show in the
 * scrape, as do the Temporal core's workflow task latencies; no label names a person.
 */
describe('orchestrator: GET /metrics (real Postgres, NATS and Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let client: Client;
  let nc: NatsConnection;
  let doubles: JourneyDoubles | undefined;
  const personIds: string[] = [];

  beforeAll(async () => {
    app = await bootstrapService({
      module: OrchestratorModule.forRoot(config, { exitProcess: () => undefined }),
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    client = app.get<Client>(TEMPORAL_CLIENT);
    nc = app.get<NatsConnection>(NATS_CONNECTION);
  });
  afterAll(async () => {
    await doubles?.stop();
    await app?.close();
  });

  const scrape = async (): Promise<{ text: string; samples: PromSample[] }> => {
    const res = await fetch(`${base}/metrics`, { headers: await operatorAuth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, samples: parsePrometheusText(text) };
  };
  /** Scrapes until `probe` holds (the orchestrator's figures are cached for 15 s). */
  const scrapeUntil = (what: string, probe: (samples: PromSample[]) => boolean) =>
    eventually(
      what,
      async () => {
        const { samples } = await scrape();
        if (!probe(samples)) throw new Error('not yet');
        return samples;
      },
      60_000,
    );

  it('operators only: 401 without a token, 404 (as no route) for a manager; documented as text/plain in OpenAPI', async () => {
    await expectUnauthenticated(await fetch(`${base}/metrics`));
    const manager = await fetch(`${base}/metrics`, {
      headers: await orchestratorAuth({ roles: ['manager'] }),
    });
    expect(manager.status).toBe(404);
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<
        string,
        { get?: { security?: unknown; responses?: Record<string, { content?: object }> } }
      >;
    };
    const op = doc.paths['/metrics']?.get;
    expect(op?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(op?.responses?.['200']?.content ?? {})).toEqual(['text/plain']);
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '401']);
  });

  it('shows an open breach per owner kind and establishment, and the clocks by status, from the SLA ledger', async () => {
    const personId = newPersonId();
    personIds.push(personId);
    const journey = `throughcare-${personId}-1`;
    const report: ClocksReport = {
      idempotencyKey: `${journey}:clocks:1`,
      personId,
      episode: 1,
      journey,
      seq: 1,
      reportedAt: new Date().toISOString(),
      jurisdiction: 'SCOTLAND',
      establishmentCode: establishment,
      localAuthority: 'S12000036',
      policy: { id: 'scotland-throughcare', version: 3 },
      clocks: [
        {
          key: 'referralAcknowledgement',
          clock: 'referralAcknowledgement',
          owedBy: 'agency:cjsw-s12000036',
          owedTo: `prison:${establishment}`,
          startedAt: '2026-03-01T09:00:00.000Z',
          dueAt: '2026-03-10T23:59:59.999Z',
          status: 'BREACHED',
          breachedAt: '2026-03-11T00:00:01.000Z',
        },
        {
          key: 'coreScreen',
          clock: 'coreScreen',
          owedBy: `prison:${establishment}`,
          owedTo: 'person',
          startedAt: '2026-03-01T09:00:00.000Z',
          dueAt: '2026-03-04T23:59:59.999Z',
          status: 'BREACHED',
          breachedAt: '2026-03-05T00:00:01.000Z',
        },
      ],
      correlationId: `metrics-spec-${randomUUID()}`,
    };
    await app.get(SlaService).reportClocks(report);

    const samples = await scrapeUntil(
      'the breaches at the spec establishment',
      (s) =>
        sampleValue(s, 'throughcare_sla_breaches_open', { owner_kind: 'AGENCY', establishment }) === 1 &&
        sampleValue(s, 'throughcare_sla_breaches_open', { owner_kind: 'PRISON', establishment }) === 1,
    );
    expect(
      sampleValue(samples, 'throughcare_sla_breaches_open', { owner_kind: 'OTHER', establishment }),
    ).toBe(undefined);
    // Every clock in the ledger by owner and status: at least the two breached here.
    expect(sampleSum(samples, 'throughcare_sla_clocks', { status: 'BREACHED' })).toBeGreaterThanOrEqual(2);
    expect(
      sampleSum(samples, 'throughcare_sla_clocks', { status: 'BREACHED', owner_kind: 'AGENCY' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('shows open attention items by who must act, and how long the oldest has waited', async () => {
    const personId = newPersonId();
    personIds.push(personId);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const mustAct = `prison:${establishment}`;
    for (const id of ['att-1', 'att-2'])
      await app.get(AttentionService).recordAttention({
        idempotencyKey: `throughcare-${personId}-1:attention:${id}:raised`,
        personId,
        episode: 1,
        item: {
          id,
          action: 'book:gate-pickup',
          what: 'bookGatePickup: no custody episode on record',
          errorType: 'EPISODE_NOT_FOUND',
          mustAct,
          since,
          options: ['RETRY', 'SKIP'],
          status: 'OPEN',
        },
        correlationId: `metrics-spec-${randomUUID()}`,
      });

    const samples = await scrapeUntil(
      'the open attention items',
      (s) => sampleValue(s, 'throughcare_attention_items_open', { must_act: 'prison', establishment }) === 2,
    );
    const age = sampleValue(samples, 'throughcare_attention_oldest_open_age_seconds', {
      must_act: 'prison',
      establishment,
    });
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3600 + 120);
  });

  it('shows the dead-letter stream depth and the dead letters of the consumer that made one', async () => {
    const jsm = await jetstreamManager(nc);
    const subject = deadLetterSubjectFor(BRIDGE_CONSUMER);
    const bridgeLettersBefore =
      (await jsm.streams.info(Streams.deadLetter.name, { subjects_filter: subject })).state.subjects?.[
        subject
      ] ?? 0;
    // Not an event: the bridge (this app's durable consumer, or another process's of the same
    // durable) dead-letters it at once.
    await new JetStreamPublisher(jetstream(nc)).publishMessage({
      subject: subjectFor('custody.person.received'),
      eventId: randomUUID(),
      payload: { not: 'an event' },
    });
    const samples = await scrapeUntil(
      'the dead letter',
      (s) =>
        (sampleValue(s, 'throughcare_consumer_dead_letters', {
          stream: Streams.events.name,
          consumer: BRIDGE_CONSUMER,
        }) ?? 0) >=
        bridgeLettersBefore + 1,
    );
    const depth = sampleValue(samples, 'throughcare_dead_letters', { stream: Streams.deadLetter.name })!;
    expect(depth).toBeGreaterThanOrEqual(bridgeLettersBefore + 1);
    // The stream's depth as JetStream tells it, read right after (other files may add letters meanwhile).
    const now = (await jsm.streams.info(Streams.deadLetter.name)).state.messages;
    expect(depth).toBeLessThanOrEqual(now);
    expect(depth).toBeGreaterThan(now - 50);

    // Every durable consumer of this app, its lag and unacknowledged messages (numbers, at least 0).
    for (const consumer of [BRIDGE_CONSUMER, LEDGER_CONSUMER, FUNNEL_CONSUMER])
      for (const name of ['throughcare_consumer_pending_messages', 'throughcare_consumer_ack_pending'])
        expect([
          consumer,
          name,
          sampleValue(samples, name, { stream: Streams.events.name, consumer }),
        ]).toEqual([consumer, name, expect.any(Number)]);
    expect(sampleValue(samples, 'throughcare_outbox_backlog')).toEqual(expect.any(Number));
    expect(sampleValue(samples, 'throughcare_outbox_oldest_unpublished_age_seconds')).toEqual(
      expect.any(Number),
    );
  });

  it('counts running journeys by stage (Temporal visibility) and shows the workflow task latencies of the Temporal core', async () => {
    doubles = await JourneyDoubles.start(
      config,
      client,
      require.resolve('./test-workflows/journey-double.workflow'),
      'metrics-spec',
    );
    for (const n of [1, 2]) {
      const personId = newPersonId();
      personIds.push(personId);
      await doubles.journey(THROUGHCARE_WORKFLOW_TYPE, doublePlan(personId, n, 'SUMMARY_REVIEW'), [
        { key: SearchAttributes.stage, value: 'SUMMARY_REVIEW' },
        { key: SearchAttributes.establishment, value: establishment },
      ]);
    }
    const visibility = async () =>
      (
        await client.workflow.count(
          `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SearchAttributes.stage.name} = 'SUMMARY_REVIEW'`,
        )
      ).count;
    const samples = await scrapeUntil('the running journeys and the workflow task latencies', (s) => {
      const atStage = sampleValue(s, 'throughcare_journeys_by_stage', { stage: 'SUMMARY_REVIEW' }) ?? 0;
      return atStage >= 2 && sampleSum(s, 'temporal_workflow_task_execution_latency_count') > 0;
    });
    // The same count Temporal visibility answers now (unless another file's journey moved meanwhile).
    expect(
      Math.abs(
        sampleValue(samples, 'throughcare_journeys_by_stage', { stage: 'SUMMARY_REVIEW' })! -
          (await visibility()),
      ),
    ).toBeLessThanOrEqual(2);
    for (const stage of ['RECEPTION', 'CORE_SCREEN', 'CLOSED'])
      expect(sampleValue(samples, 'throughcare_journeys_by_stage', { stage })).toEqual(expect.any(Number));

    // The doubles' workflow tasks ran in this process: the core's histograms count them.
    const executed = samples.filter(
      (s) =>
        s.name === 'temporal_workflow_task_execution_latency_count' &&
        /^metrics-spec-/.test(s.labels['task_queue'] ?? ''),
    );
    expect(executed.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(2);
    expect(
      samples.filter(
        (s) =>
          s.name === 'temporal_workflow_task_schedule_to_start_latency_count' &&
          /^metrics-spec-/.test(s.labels['task_queue'] ?? '') &&
          s.value > 0,
      ),
    ).not.toHaveLength(0);
    // A histogram in seconds, with its buckets.
    expect(
      samples.some(
        (s) =>
          s.name === 'temporal_workflow_task_execution_latency_bucket' &&
          s.labels['le'] === '0.1' &&
          s.labels['task_queue'] !== undefined,
      ),
    ).toBe(true);
  });

  it('names no person: no label value is a person id, and none of the spec people appears anywhere', async () => {
    const { text, samples } = await scrape();
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => PERSON_ID_PATTERN.test(v))).toEqual([]);
    for (const personId of personIds) expect(text).not.toContain(personId);
    expect(text).not.toMatch(PERSON_ID_PATTERN);
  });
});
