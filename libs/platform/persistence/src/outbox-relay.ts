import type { DataSource } from 'typeorm';
import { context } from '@opentelemetry/api';
import { PRODUCER_HEADER } from '@throughcare/contracts';
import { extractTraceContext } from '@throughcare/platform-observability';
import { qualifiedTable } from './qualified-table';

/** What the relay needs from the bus; `JetStreamPublisher` satisfies it. */
export interface OutboxPublisher {
  publishMessage(message: {
    subject: string;
    eventId: string;
    payload: unknown;
    headers?: Record<string, string>;
  }): Promise<unknown>;
}

export interface OutboxRelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  publisher: OutboxPublisher;
  batchSize?: number;
  /** Sleep between polls when the outbox is empty. */
  idleDelayMs?: number;
  /** Per-row retry delay after a failed publish: doubles per attempt up to `maxRetryDelayMs`. */
  baseRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: OutboxRelayLogger;
  /**
   * The service whose outbox this is: sent as the `Throughcare-Producer` header of each event,
   * which tells the platform's own events from those other systems put on the bus (the HMPPS
   * outbound adapter forwards only the platform's own). Required: an event without it is never
   * told outbound.
   */
  producer: string;
}

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
  headers: Record<string, string>;
  attempts: number;
}

/**
 * Publishes committed outbox rows. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several
 * relays (replicas) share the work without double-publishing concurrently; a crash after
 * publish but before "mark published" re-publishes with the same Nats-Msg-Id, which JetStream
 * drops within its duplicate window. Failed rows wait with exponential backoff, error recorded.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly idleDelayMs: number;
  private readonly baseRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly logger: OutboxRelayLogger;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.idleDelayMs = options.idleDelayMs ?? 250;
    this.baseRetryDelayMs = options.baseRetryDelayMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.logger = options.logger ?? console;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.logger.log('outbox relay started');
  }

  /** Finishes the batch in hand, then resolves. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.logger.log('outbox relay stopped');
  }

  /** Publishes at most one batch; returns how many rows were published. */
  async relayBatch(): Promise<number> {
    const table = qualifiedTable(this.options.dataSource.manager, 'outbox');
    return this.options.dataSource.transaction(async (tx) => {
      const rows: OutboxRow[] = await tx.query(
        `SELECT id, subject, payload, headers, attempts FROM ${table}
          WHERE published_at IS NULL AND next_attempt_at <= now()
          ORDER BY created_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      let published = 0;
      for (const row of rows) {
        // In the trace of whoever wrote the row (the publisher's span is its child); a failure's
        // line names its correlation and trace too.
        published += await context.with(extractTraceContext(row.headers), async () => {
          try {
            await this.options.publisher.publishMessage({
              subject: row.subject,
              eventId: row.id,
              payload: row.payload,
              headers: { ...row.headers, [PRODUCER_HEADER]: this.options.producer },
            });
            await tx.query(
              `UPDATE ${table} SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`,
              [row.id],
            );
            return 1;
          } catch (error) {
            const delay = Math.min(this.baseRetryDelayMs * 2 ** row.attempts, this.maxRetryDelayMs);
            const message = error instanceof Error ? error.message : String(error);
            this.logger.warn(
              `outbox ${row.id} (${row.subject}) publish failed, retry in ${delay} ms: ${message}`,
            );
            await tx.query(
              `UPDATE ${table}
                  SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval
                WHERE id = $1`,
              [row.id, message.slice(0, 2000), String(delay)],
            );
            return 0;
          }
        });
      }
      return published;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.relayBatch();
      } catch (error) {
        this.logger.error(
          `outbox relay poll failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (published < this.batchSize && this.running) await this.sleep(this.idleDelayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
