import { nanos } from '@nats-io/nats-core';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { HmppsStream, Streams } from '@throughcare/contracts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Re-publishes carrying the same Nats-Msg-Id within this window are stored once. It must
 * outlast the outbox relay's retry horizon (a crash between publish and "mark published").
 */
export const DUPLICATE_WINDOW_MS = 10 * MINUTE_MS;

export const streamConfigs: Array<Partial<StreamConfig> & { name: string; subjects: string[] }> = [
  {
    name: Streams.events.name,
    subjects: [...Streams.events.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(30 * DAY_MS),
  },
  {
    name: Streams.deadLetter.name,
    subjects: [...Streams.deadLetter.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    // Dead letters wait for a human: keep them long enough to be investigated and replayed.
    max_age: nanos(365 * DAY_MS),
  },
  {
    // HMPPS domain events: upstream ones in (hmpps.inbound.<eventType>), the platform's out
    // (hmpps.outbound.<eventType>). HMPPS re-publishes a movement 45 minutes on: ids dedupe it.
    name: HmppsStream.name,
    subjects: [...HmppsStream.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(30 * DAY_MS),
  },
];

/** Creates the event and dead-letter streams, or brings their config up to date. Idempotent. */
export async function ensureStreams(jsm: JetStreamManager): Promise<void> {
  for (const config of streamConfigs) {
    const exists = await jsm.streams.info(config.name).then(
      () => true,
      (error: unknown) => {
        if (isStreamNotFound(error)) return false;
        throw error;
      },
    );
    if (exists) await jsm.streams.update(config.name, config);
    else await jsm.streams.add(config);
  }
}

/** A JetStream manager error saying the stream does not exist (yet). */
export function isStreamNotFound(error: unknown): boolean {
  return error instanceof Error && /stream not found/i.test(error.message);
}
