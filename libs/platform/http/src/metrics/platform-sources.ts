import type { DiscoveryService } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import { Streams } from '@throughcare/contracts';
import { DurableConsumer } from '@throughcare/platform-messaging';
import { outboxBacklog, runUnrestricted } from '@throughcare/platform-persistence';
import type { MetricsSource } from './metrics.service';

/** A JetStream request that does not answer within this fails (a scrape never waits on NATS). */
export const NATS_REQUEST_TIMEOUT_MS = 1500;

const manager = (nc: NatsConnection): Promise<JetStreamManager> =>
  jetstreamManager(nc, { timeout: NATS_REQUEST_TIMEOUT_MS, checkAPI: false });

/** The app's transactional outbox: what the relay has not published yet, and since when. */
export function outboxSource(dataSource: DataSource): MetricsSource {
  return {
    name: 'outbox',
    gauges: [
      { name: 'throughcare_outbox_backlog', help: 'Outbox rows not yet published to the bus' },
      {
        name: 'throughcare_outbox_oldest_unpublished_age_seconds',
        help: 'Age of the oldest outbox row not yet published (0 when none)',
      },
    ],
    // The platform's own reading (no caller's row-level security scope; a count).
    collect: (report) =>
      runUnrestricted(async () => {
        const backlog = await outboxBacklog(dataSource);
        report('throughcare_outbox_backlog', backlog.unpublished);
        report('throughcare_outbox_oldest_unpublished_age_seconds', backlog.oldestAgeSeconds);
      }),
  };
}

/**
 * The durable consumers this app owns: every DurableConsumer a provider of the app holds (the
 * consumer hosts keep theirs in a field), found when scraped, since hosts start them at bootstrap.
 */
export function ownedConsumers(discovery: DiscoveryService): DurableConsumer<unknown>[] {
  const found = new Set<DurableConsumer<unknown>>();
  for (const wrapper of discovery.getProviders()) {
    const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
    if (typeof instance !== 'object' || instance === null) continue;
    for (const value of Object.values(instance))
      if (value instanceof DurableConsumer) found.add(value as DurableConsumer<unknown>);
  }
  return [...found].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Per durable consumer the app owns: messages not yet delivered (`num_pending`: its lag), delivered
 * and not yet acknowledged (`num_ack_pending`), and its dead letters. Every consumer is asked; one
 * that does not answer is missing and counted as an error, the others are reported.
 */
export function consumersSource(nc: NatsConnection, discovery: DiscoveryService): MetricsSource {
  const labelNames = ['stream', 'consumer'];
  return {
    name: 'consumers',
    gauges: [
      {
        name: 'throughcare_consumer_pending_messages',
        help: 'Messages on the stream the durable consumer has not been delivered yet (its lag)',
        labelNames,
      },
      {
        name: 'throughcare_consumer_ack_pending',
        help: 'Messages delivered to the durable consumer and not yet acknowledged',
        labelNames,
      },
      {
        name: 'throughcare_consumer_dead_letters',
        help: 'Messages the durable consumer dead-lettered that are still in the dead-letter stream',
        labelNames,
      },
    ],
    collect: async (report) => {
      const consumers = ownedConsumers(discovery);
      if (consumers.length === 0) return;
      const jsm = await manager(nc);
      const results = await Promise.allSettled([
        ...consumers.map(async (c) => {
          const info = await jsm.consumers.info(c.streamName, c.name);
          const labels = { stream: c.streamName, consumer: c.name };
          report('throughcare_consumer_pending_messages', info.num_pending, labels);
          report('throughcare_consumer_ack_pending', info.num_ack_pending, labels);
        }),
        (async () => {
          const dlq = await jsm.streams.info(Streams.deadLetter.name, {
            subjects_filter: Streams.deadLetter.subjects[0],
          });
          const bySubject = dlq.state.subjects ?? {};
          for (const c of consumers)
            report('throughcare_consumer_dead_letters', bySubject[c.deadLetterSubject] ?? 0, {
              stream: c.streamName,
              consumer: c.name,
            });
        })(),
      ]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0)
        throw new Error(
          `${failed.length} of ${results.length} JetStream requests failed: ${failed.map((f) => String(f.reason)).join('; ')}`,
        );
    },
  };
}

/** The dead-letter stream's depth: every message dead-lettered by any consumer and not yet discarded. */
export function deadLettersSource(nc: NatsConnection): MetricsSource {
  return {
    name: 'dead_letters',
    gauges: [
      {
        name: 'throughcare_dead_letters',
        help: 'Messages in the dead-letter stream (dead-lettered by any consumer and not discarded)',
        labelNames: ['stream'],
      },
    ],
    collect: async (report) => {
      const info = await (await manager(nc)).streams.info(Streams.deadLetter.name);
      report('throughcare_dead_letters', info.state.messages, { stream: Streams.deadLetter.name });
    },
  };
}
