import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Streams } from '@throughcare/contracts';
import {
  bootstrapService,
  consumersSource,
  listeningPort,
  MetricsService,
  NATS_CONNECTION,
  outboxSource,
} from '@throughcare/platform-http';
import {
  JetStreamPublisher,
  PermanentError,
  startDurableConsumer,
  type DurableConsumer,
} from '@throughcare/platform-messaging';
import { runUnrestricted } from '@throughcare/platform-persistence';
import {
  bearer,
  parsePrometheusText,
  PERSON_ID_PATTERN,
  sampleValue,
  type PromSample,
  type TestPrincipal,
} from '@throughcare/testing';
import { AppModule } from './app.module';
import { AGENCY_REFERRALS_CONSUMER } from './assessments/agency-referrals.consumer';
import { specConfig } from './testing/assessment-app';

const run = randomUUID().slice(0, 8);
const SPEC_CONSUMER = `metrics-spec-${run}`;
const SPEC_SUBJECT = `${Streams.events.subjects[0].replace(/>$/, '')}metrics-spec.${run}`;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A durable consumer this app owns (a provider holding it, as the service's own consumer hosts
 * do), on a subject of this run's own: a poison message is dead-lettered at once; every other
 * message waits for `release`, and the server hands out one at a time (max_ack_pending 1).
 */
@Injectable()
class SpecConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  consumer: DurableConsumer<Uint8Array> | undefined;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  release(): void {
    this.open();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startDurableConsumer<Uint8Array>(this.nc, {
      name: SPEC_CONSUMER,
      filterSubjects: [SPEC_SUBJECT],
      parse: (data) => ({ ok: true, event: data }),
      maxPending: 1,
      handler: async (data) => {
        if (new TextDecoder().decode(data).includes('poison'))
          throw new PermanentError('SPEC_POISON', 'a message the spec dead-letters');
        await this.gate;
      },
      logger: silent,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await jetstreamManager(this.nc)
      .then((jsm) => jsm.consumers.delete(Streams.events.name, SPEC_CONSUMER))
      .catch(() => undefined);
  }
}

@Module({ imports: [AppModule.forRoot(specConfig)], providers: [SpecConsumerHost] })
class AssessmentWithSpecConsumer {}

const OPERATOR: TestPrincipal = { roles: ['operator'] };

/**
 * A service's /metrics (assessment, the whole AppModule) on real Postgres, NATS and Temporal: Node's
 * metrics, the outbox backlog, and per durable consumer its lag, unacknowledged and dead-lettered
 * messages; a scrape with NATS gone still answers with the rest.
 */
describe('assessment: GET /metrics (real Postgres, NATS and Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  const outboxIds = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    app = await bootstrapService({
      module: AssessmentWithSpecConsumer,
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
  });
  afterAll(async () => {
    app?.get(SpecConsumerHost).release();
    await runUnrestricted(() =>
      app?.get(DataSource).query(`DELETE FROM assessment.outbox WHERE id = ANY($1)`, [outboxIds]),
    );
    await app?.close();
  });

  const scrape = async (as: TestPrincipal = OPERATOR) =>
    fetch(`${base}/metrics`, { headers: await bearer(as, 'urn:throughcare:assessment') });
  const samplesNow = async (): Promise<PromSample[]> => {
    const res = await scrape();
    expect(res.status).toBe(200);
    return parsePrometheusText(await res.text());
  };
  /** Scrapes until `probe` holds (figures are cached for 5 s). */
  const scrapeUntil = async (what: string, probe: (s: PromSample[]) => boolean): Promise<PromSample[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const samples = await samplesNow();
      if (probe(samples)) return samples;
      if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const spec = { stream: Streams.events.name, consumer: SPEC_CONSUMER };
  const publish = (body: string) =>
    new JetStreamPublisher(jetstream(app.get<NatsConnection>(NATS_CONNECTION))).publishMessage({
      subject: SPEC_SUBJECT,
      eventId: randomUUID(),
      payload: { body },
    });

  it("answers operators with Node's metrics and the app's durable consumers; 401 without a token, 404 for other roles", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await scrape({ roles: ['manager'] })).status).toBe(404);
    expect((await scrape({ roles: ['prison-staff'], establishments: ['BAR'] })).status).toBe(404);

    const samples = await samplesNow();
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const consumer of [AGENCY_REFERRALS_CONSUMER, SPEC_CONSUMER])
      expect(
        sampleValue(samples, 'throughcare_consumer_pending_messages', {
          stream: Streams.events.name,
          consumer,
        }),
      ).toEqual(expect.any(Number));
    expect(sampleValue(samples, 'throughcare_consumer_pending_messages', spec)).toBe(0);
    expect(sampleValue(samples, 'throughcare_consumer_ack_pending', spec)).toBe(0);
    expect(sampleValue(samples, 'throughcare_consumer_dead_letters', spec)).toBe(0);
    expect(sampleValue(samples, 'throughcare_metrics_collect_errors_total', { source: 'consumers' })).toBe(0);
    // The dead-letter stream's depth is the orchestrator's to report, not every app's.
    expect(samples.filter((s) => s.name === 'throughcare_dead_letters')).toEqual([]);
  });

  it('shows the outbox backlog and the age of its oldest row', async () => {
    await runUnrestricted(() =>
      app.get(DataSource).query(
        `INSERT INTO assessment.outbox (id, subject, payload, created_at, next_attempt_at)
         SELECT id, 'throughcare.events.metrics-spec', '{}'::jsonb, now() - interval '1 hour', now() + interval '1 hour'
           FROM unnest($1::uuid[]) AS id`,
        [outboxIds],
      ),
    );
    // Rows waiting for a retry an hour away: the relay leaves them, the backlog shows them.
    const samples = await scrapeUntil(
      'the backlog',
      (s) => (sampleValue(s, 'throughcare_outbox_backlog') ?? 0) >= 3,
    );
    const [{ n }] = (await runUnrestricted(() =>
      app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM assessment.outbox WHERE published_at IS NULL`),
    )) as [{ n: number }];
    expect(sampleValue(samples, 'throughcare_outbox_backlog')).toBeLessThanOrEqual(Math.max(n, 3));
    const age = sampleValue(samples, 'throughcare_outbox_oldest_unpublished_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3600 + 120);
  });

  it("shows a consumer's lag, its unacknowledged message and its dead letter, then their clearing", async () => {
    await publish('poison');
    for (let i = 0; i < 3; i++) await publish(`held ${i}`);
    /** The spec consumer's messages: acknowledged-pending, pending on the stream, dead-lettered. */
    const consumerAt = (what: string, want: { ackPending: number; pending: number; deadLetters: number }) =>
      scrapeUntil(
        what,
        (s) =>
          sampleValue(s, 'throughcare_consumer_ack_pending', spec) === want.ackPending &&
          sampleValue(s, 'throughcare_consumer_pending_messages', spec) === want.pending &&
          sampleValue(s, 'throughcare_consumer_dead_letters', spec) === want.deadLetters,
      );
    // One delivered and held (max_ack_pending 1), two waiting on the stream, one dead-lettered.
    await consumerAt('the held, pending and dead-lettered messages', {
      ackPending: 1,
      pending: 2,
      deadLetters: 1,
    });
    app.get(SpecConsumerHost).release();
    await consumerAt('all acknowledged', { ackPending: 0, pending: 0, deadLetters: 1 });
  });

  it('with NATS unreachable, a scrape still answers: the outbox figures, no consumer figures, one error of the consumers source', async () => {
    const gone = await connect({ servers: specConfig.NATS_URL });
    await gone.close();
    const metrics = new MetricsService({ collectTimeoutMs: 1000 });
    try {
      metrics.addSource(outboxSource(app.get(DataSource)));
      metrics.addSource(consumersSource(gone, app.get(DiscoveryService, { strict: false })));
      const started = Date.now();
      const samples = parsePrometheusText(await metrics.scrape());
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sampleValue(samples, 'throughcare_outbox_backlog')).toEqual(expect.any(Number));
      expect(samples.filter((s) => s.name.startsWith('throughcare_consumer_'))).toEqual([]);
      expect(sampleValue(samples, 'throughcare_metrics_collect_errors_total', { source: 'consumers' })).toBe(
        1,
      );
      expect(sampleValue(samples, 'throughcare_metrics_collect_errors_total', { source: 'outbox' })).toBe(0);
    } finally {
      metrics.onModuleDestroy();
    }
  });

  it('names no person: no label value looks like a person id', async () => {
    const samples = await samplesNow();
    expect(samples.flatMap((s) => Object.values(s.labels)).filter((v) => PERSON_ID_PATTERN.test(v))).toEqual(
      [],
    );
  });
});
