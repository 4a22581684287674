import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { deadLetterSubjectFor, parseEvent, Streams, type KnownEvent } from '@throughcare/contracts';
import { DlqCodes, DlqHeaders, headerSafe } from './dead-letter';
import type { PlatformLogger } from './logger';
import { isPermanent } from './permanent-error';

export interface MessageContext {
  subject: string;
  streamSequence: number;
  /** 1 on first delivery. */
  deliveryCount: number;
  headers: MsgHdrs | undefined;
}

export type EventHandler = (event: KnownEvent, context: MessageContext) => Promise<void>;

export interface DurableConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Durable name; also names the dead-letter subject `throughcare.dlq.<name>`. */
  name: string;
  filterSubjects: string[];
  handler: EventHandler;
  stream?: string;
  /** Deliveries before a transiently failing message is dead-lettered. */
  maxDeliver?: number;
  /** Must exceed the handler's worst-case duration, or a slow success is redelivered. */
  ackWaitMs?: number;
  /** Delay before redelivery after a transient failure. */
  retryDelayMs?: (deliveryCount: number) => number;
  deliverPolicy?: DeliverPolicy;
  logger?: PlatformLogger;
}

const defaultRetryDelay = (deliveryCount: number) => Math.min(1000 * 2 ** (deliveryCount - 1), 30_000);

/**
 * A durable pull consumer with explicit acks. For each message it decides, and logs why:
 * invalid event → dead-letter; handler `PermanentError` / non-retryable domain error →
 * dead-letter; other failure → nak with backoff, dead-lettered on the last allowed delivery.
 * Handlers must be idempotent: JetStream delivers at least once.
 */
export class DurableConsumer {
  private readonly stream: string;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: (deliveryCount: number) => number;
  private readonly logger: PlatformLogger;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: DurableConsumerOptions) {
    this.stream = options.stream ?? Streams.events.name;
    this.maxDeliver = options.maxDeliver ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelay;
    this.logger = options.logger ?? console;
  }

  get name(): string {
    return this.options.name;
  }

  get deadLetterSubject(): string {
    return deadLetterSubjectFor(this.options.name);
  }

  async start(): Promise<void> {
    if (this.loop) return;
    await this.ensureConsumer();
    const consumer = await this.options.js.consumers.get(this.stream, this.options.name);
    const messages = await consumer.consume({ max_messages: 64 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) await this.process(msg);
    })();
    this.logger.log(`consumer ${this.options.name} started on ${this.options.filterSubjects.join(', ')}`);
  }

  /** Stops fetching, lets the message in hand finish, and returns. */
  async stop(): Promise<void> {
    if (!this.messages) return;
    this.messages.stop();
    await this.loop;
    this.messages = undefined;
    this.loop = undefined;
    this.logger.log(`consumer ${this.options.name} stopped`);
  }

  private async ensureConsumer(): Promise<void> {
    const config: Partial<ConsumerConfig> = {
      durable_name: this.options.name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
      max_deliver: this.maxDeliver,
      filter_subjects: this.options.filterSubjects,
      deliver_policy: this.options.deliverPolicy ?? DeliverPolicy.All,
    };
    const { jsm } = this.options;
    const exists = await jsm.consumers.info(this.stream, this.options.name).then(
      () => true,
      () => false,
    );
    if (exists) {
      const { ack_wait, max_deliver, filter_subjects } = config;
      await jsm.consumers.update(this.stream, this.options.name, { ack_wait, max_deliver, filter_subjects });
    } else {
      await jsm.consumers.add(this.stream, config);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const where = `${this.options.name} ${msg.subject}#${msg.seq} (delivery ${msg.info.deliveryCount}/${this.maxDeliver})`;
    const parsed = parseEvent(msg.data);
    if (!parsed.ok) {
      this.logger.warn(`${where}: rejecting invalid event (${parsed.code}): ${parsed.reason}`);
      await this.deadLetterOrRetry(msg, parsed.code, parsed.reason, where);
      return;
    }
    try {
      await this.options.handler(parsed.event, {
        subject: msg.subject,
        streamSequence: msg.seq,
        deliveryCount: msg.info.deliveryCount,
        headers: msg.headers,
      });
      msg.ack();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isPermanent(error)) {
        this.logger.warn(`${where}: handler failed permanently (${error.code}): ${reason}`);
        await this.deadLetterOrRetry(msg, error.code, reason, where);
      } else if (msg.info.deliveryCount >= this.maxDeliver) {
        this.logger.error(`${where}: last delivery failed, dead-lettering: ${reason}`);
        await this.deadLetterOrRetry(msg, DlqCodes.retriesExhausted, reason, where);
      } else {
        const delay = this.retryDelayMs(msg.info.deliveryCount);
        this.logger.warn(`${where}: transient failure, redelivering in ${delay} ms: ${reason}`);
        msg.nak(delay);
      }
    }
  }

  /** Terminates the message only once the dead letter is stored; otherwise it stays on the stream. */
  private async deadLetterOrRetry(msg: JsMsg, code: string, reason: string, where: string): Promise<void> {
    const hdrs = natsHeaders();
    hdrs.set(DlqHeaders.reason, headerSafe(reason));
    hdrs.set(DlqHeaders.code, code);
    hdrs.set(DlqHeaders.consumer, this.options.name);
    hdrs.set(DlqHeaders.originalSubject, msg.subject);
    hdrs.set(DlqHeaders.originalStream, msg.info.stream);
    hdrs.set(DlqHeaders.originalSequence, String(msg.seq));
    hdrs.set(DlqHeaders.deliveryCount, String(msg.info.deliveryCount));
    try {
      await this.options.js.publish(this.deadLetterSubject, msg.data, {
        headers: hdrs,
        // A crash between this publish and term() redelivers; the DLQ then stores it once.
        msgID: `${this.options.name}:${msg.info.stream}:${msg.seq}`,
      });
      msg.term(headerSafe(`${code}: ${reason}`, 200));
      this.logger.warn(`${where}: dead-lettered to ${this.deadLetterSubject} (${code})`);
    } catch (error) {
      this.logger.error(`${where}: could not dead-letter, will redeliver: ${(error as Error).message}`);
      msg.nak(this.retryDelayMs(msg.info.deliveryCount));
    }
  }
}
