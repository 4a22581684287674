import { headers as natsHeaders, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { deadLetterSubjectFor, parseEvent, Streams, type KnownEvent } from '@throughcare/contracts';
import { DlqCodes, DlqHeaders, formatDuration, headerSafe } from './dead-letter';
import type { PlatformLogger } from './logger';
import { isPermanent, TransientError } from './permanent-error';
import { ensureStreams } from './streams';
import {
  extractTraceContext,
  inSpan,
  SpanKind,
  usableCorrelationId,
  withCorrelationId,
} from '@throughcare/platform-observability';
import { context, type Context } from '@opentelemetry/api';

/**
 * The trace a message continues (its W3C headers, when the publisher sent them) with the event's
 * own correlation id as the correlation, which outranks the header's baggage: it is what the
 * event says it belongs to.
 */
function messageContext(msg: JsMsg, event: unknown): Context {
  const extracted = extractTraceContext(msg.headers);
  const correlationId =
    typeof event === 'object' && event !== null
      ? usableCorrelationId((event as { correlationId?: unknown }).correlationId)
      : undefined;
  return correlationId ? withCorrelationId(extracted, correlationId) : extracted;
}

export interface MessageContext {
  subject: string;
  streamSequence: number;
  /** 1 on first delivery; grows only when the server redelivers (a consumer restarted or crashed). */
  deliveryCount: number;
  /** 1 on the first handler call for this delivery; grows with each in-process retry. */
  attempt?: number;
  headers: MsgHdrs | undefined;
}

export type EventHandler<E = KnownEvent> = (event: E, context: MessageContext) => Promise<void>;

/** A message's body read into the event the handler takes, or why it cannot be (dead-lettered). */
export type ParsedMessage<E> = { ok: true; event: E } | { ok: false; code: string; reason: string };

export interface DurableConsumerOptions<E = KnownEvent> {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Durable name; also names the dead-letter subject `throughcare.dlq.<name>`. */
  name: string;
  filterSubjects: string[];
  handler: EventHandler<E>;
  stream?: string;
  /**
   * Reads a message's body. Default: the platform's envelope checked against the event catalogue
   * (`parseEvent`); a consumer of another shape (an upstream system's own events) gives its own.
   * A body it refuses is dead-lettered at once with its code and reason.
   */
  parse?: (data: Uint8Array) => ParsedMessage<E>;
  /**
   * Messages with the same key are handled one at a time, in stream order; messages with
   * different keys are handled concurrently (up to `concurrency`). Default: one key, i.e. serial.
   */
  orderingKey?: (event: E) => string;
  /** Handler calls in flight at once, across keys. Default 1. */
  concurrency?: number;
  /**
   * Messages held unacknowledged at once (queued behind their key, running, or waiting to be
   * retried); also the server's `max_ack_pending`, so the server never delivers more. Default 1000.
   */
  maxPending?: number;
  /** How long a transiently failing message is retried before it is dead-lettered. Default 1 hour. */
  retryHorizonMs?: number;
  /** Delay before the next in-process attempt after a transient failure (attempt = 1, 2, …). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * A message delivered more times than this (each redelivery means a consumer process stopped
   * or stalled while holding it) is dead-lettered before it is handled again. Default 20.
   */
  maxDeliver?: number;
  /** The server redelivers a message not acknowledged, nor reported in progress, for this long. */
  ackWaitMs?: number;
  deliverPolicy?: DeliverPolicy;
  logger?: PlatformLogger;
}

const defaultRetryDelay = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 60_000);
const HOUR_MS = 3_600_000;
/** Held messages are returned on stop() with this delay (see there why not a plain nak). */
const STOP_NAK_DELAY_MS = 1000;

interface Held<E> {
  msg: JsMsg;
  event: E;
  key: string;
  attempts: number;
  /** When this process received it: the consumer's horizon counts from here. */
  receivedAt: number;
  /** When it first failed with each TransientError code that has a horizon of its own. */
  since: Map<string, number>;
  /**
   * The horizon (its code, '' for the consumer's own) whose end the pending retry was scheduled
   * at: that retry is the last. A timer can fire a millisecond before `Date.now()` reaches the
   * horizon (libuv starts it from the loop's cached time), which must not buy one more attempt.
   */
  lastTryFor?: string;
}

/** Counts handler calls in flight; `acquire` waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * A durable pull consumer with explicit acks that loses nothing and lets nothing overtake.
 *
 * Decisions, each logged with why: an invalid event, or a handler's `PermanentError` /
 * non-retryable domain error, is dead-lettered at once with its reason and code. Any other
 * failure is transient: the message is retried in this process with exponential backoff
 * (`retryDelayMs`) until it succeeds, or until `retryHorizonMs` has passed since it was received
 * (a `TransientError` with a horizon of its own: since it first raised that code), and is then
 * dead-lettered with "gave up after …".
 *
 * Order per key, parallel across keys: messages arrive in stream order and are queued per
 * `orderingKey`; each key's queue is worked strictly head first, so while the head is being
 * retried the later messages of that key wait behind it (unacknowledged), and other keys carry
 * on (up to `concurrency` handler calls at once). A retried message is held, not nak'd: a nak
 * would return it to the server and let the key's later messages overtake it. Everything held is
 * kept alive with `working()` (+WPI) every third of `ack_wait`, all in one sweep, so the server
 * does not redeliver it while it waits. On `stop()` whatever is still held is nak'd with a short
 * delay, and a crashed process's messages come back when `ack_wait` lapses: either way they
 * expire together, the server sorts expired messages by sequence and redelivers them before
 * anything new, so a key's messages return in their order (both tested).
 *
 * Server settings follow from that: `max_deliver` is unlimited (the server's own limit drops a
 * message with only an advisory); instead a message delivered more than `maxDeliver` times (each
 * time a process stopped or stalled holding it) is dead-lettered before it is handled again.
 * `max_ack_pending` = `maxPending` bounds what is held in memory.
 *
 * Handlers must be idempotent: JetStream delivers at least once.
 */
export class DurableConsumer<E = KnownEvent> {
  private readonly stream: string;
  private readonly maxDeliver: number;
  private readonly maxPending: number;
  private readonly ackWaitMs: number;
  private readonly retryHorizonMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly logger: PlatformLogger;
  private readonly slots: Slots;
  private readonly queues = new Map<string, Held<E>[]>();
  private readonly held = new Map<number, Held<E>>();
  private readonly runners = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: DurableConsumerOptions<E>) {
    this.stream = options.stream ?? Streams.events.name;
    this.maxDeliver = options.maxDeliver ?? 20;
    this.maxPending = options.maxPending ?? 1000;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.retryHorizonMs = options.retryHorizonMs ?? HOUR_MS;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelay;
    this.logger = options.logger ?? console;
    this.slots = new Slots(Math.max(1, options.concurrency ?? 1));
  }

  get name(): string {
    return this.options.name;
  }

  /** The stream the durable consumer reads (its consumer info is asked of this stream). */
  get streamName(): string {
    return this.stream;
  }

  get deadLetterSubject(): string {
    return deadLetterSubjectFor(this.options.name);
  }

  /** Messages received and not yet settled (acknowledged or dead-lettered). */
  get pending(): number {
    return this.held.size;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    await this.ensureConsumer();
    await this.letAbandonedExpire();
    if (this.stopping) return;
    const consumer = await this.options.js.consumers.get(this.stream, this.options.name);
    const messages = await consumer.consume({ max_messages: Math.min(64, this.maxPending) });
    this.messages = messages;
    this.heartbeat = setInterval(
      () => {
        for (const h of this.held.values()) this.tell(h.msg, 'working', () => h.msg.working());
      },
      Math.max(100, Math.floor(this.ackWaitMs / 3)),
    );
    this.loop = (async () => {
      // Each message in the trace its publisher sent (the lines of an invalid one name it too).
      for await (const msg of messages)
        await context.with(extractTraceContext(msg.headers), () => this.receive(msg));
    })().catch((e: unknown) =>
      this.logger.error(`consumer ${this.options.name} stopped receiving: ${String(e)}`),
    );
    this.logger.log(`consumer ${this.options.name} started on ${this.options.filterSubjects.join(', ')}`);
  }

  /**
   * Stops fetching, lets the handler calls in flight finish, and returns what is still held to
   * the server (nak'd in stream order) for the next consumer process.
   */
  async stop(): Promise<void> {
    if (!this.messages) {
      // Not consuming yet (waiting for a crashed process's messages to expire): start gives up.
      this.stopping = true;
      for (const wake of this.sleepers) wake();
      return;
    }
    this.stopping = true;
    this.messages.stop();
    await this.loop;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.runners);
    clearInterval(this.heartbeat);
    const left = [...this.held.values()].sort((a, b) => a.msg.seq - b.msg.seq);
    // With a delay, not a plain nak: a plain nak goes to the server's redelivery queue, and the
    // first one is offered to this consumer's pull request that is still outstanding on the server,
    // finds no one listening and goes to the back of the queue (measured: m2 m3 m4 m1). A delayed
    // nak expires like ack_wait, and the server sorts expired messages by sequence (m1 m2 m3 m4).
    for (const h of left) this.tell(h.msg, 'nak', () => h.msg.nak(STOP_NAK_DELAY_MS));
    this.held.clear();
    this.queues.clear();
    this.messages = undefined;
    this.loop = undefined;
    this.logger.log(
      `consumer ${this.options.name} stopped${left.length ? ` (${left.length} unsettled returned to the server)` : ''}`,
    );
  }

  /**
   * Messages a process that stopped without settling them was holding (it crashed) are redelivered
   * once their ack wait is over, while messages never delivered would come at once: consuming only
   * after that wait lets the server hand the abandoned ones out first, in stream order, so one
   * key's order survives a crash (found by the crash soak: a release-date change applied before the
   * reception it follows). Only when such messages exist; one process per durable, as per-key
   * ordering assumes.
   */
  private async letAbandonedExpire(): Promise<void> {
    const info = await this.options.jsm.consumers.info(this.stream, this.options.name);
    if (info.num_ack_pending === 0) return;
    const waitMs = this.ackWaitMs + 1000;
    this.logger.log(
      `consumer ${this.options.name}: ${info.num_ack_pending} message(s) left unsettled by a process that stopped; consuming in ${waitMs} ms, so they come first and in bus order`,
    );
    await this.sleep(waitMs);
  }

  private async ensureConsumer(): Promise<void> {
    const config: Partial<ConsumerConfig> = {
      durable_name: this.options.name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: this.maxPending,
      filter_subjects: this.options.filterSubjects,
      deliver_policy: this.options.deliverPolicy ?? DeliverPolicy.All,
    };
    const { jsm } = this.options;
    const exists = await jsm.consumers.info(this.stream, this.options.name).then(
      () => true,
      () => false,
    );
    if (exists) {
      const { ack_wait, max_deliver, max_ack_pending, filter_subjects } = config;
      await jsm.consumers.update(this.stream, this.options.name, {
        ack_wait,
        max_deliver,
        max_ack_pending,
        filter_subjects,
      });
    } else {
      await jsm.consumers.add(this.stream, config);
    }
  }

  private where(msg: JsMsg, attempt?: number): string {
    const tries = attempt && attempt > 1 ? `, attempt ${attempt}` : '';
    return `${this.options.name} ${msg.subject}#${msg.seq} (delivery ${msg.info.deliveryCount}${tries})`;
  }

  /** Queues a delivered message behind its key (or settles it at once when it cannot be handled). */
  private async receive(msg: JsMsg): Promise<void> {
    const already = this.held.get(msg.seq);
    if (already) {
      // Redelivered while still held (ack_wait lapsed, e.g. a blocked event loop): keep one copy.
      already.msg = msg;
      return;
    }
    const where = this.where(msg);
    const parsed = this.parse(msg.data);
    if (!parsed.ok) {
      this.logger.warn(`${where}: rejecting invalid event (${parsed.code}): ${parsed.reason}`);
      await this.deadLetterNow(msg, parsed.code, parsed.reason);
      return;
    }
    if (msg.info.deliveryCount > this.maxDeliver) {
      const reason = `delivered ${msg.info.deliveryCount} times without being settled (a consumer stopped or stalled while handling it each time)`;
      this.logger.error(`${where}: ${reason}; dead-lettering`);
      await this.deadLetterNow(msg, DlqCodes.retriesExhausted, reason);
      return;
    }
    const key = this.options.orderingKey?.(parsed.event) ?? '';
    const item: Held<E> = {
      msg,
      event: parsed.event,
      key,
      attempts: 0,
      receivedAt: Date.now(),
      since: new Map(),
    };
    this.held.set(msg.seq, item);
    const queue = this.queues.get(key);
    if (queue) {
      // In bus order: a message redelivered after a crash (its ack wait over) joins ahead of the
      // later ones this process already holds. Never ahead of the head while it is being tried.
      const at = queue.findIndex((q, i) => i > 0 && q.msg.seq > msg.seq);
      if (at === -1) queue.push(item);
      else queue.splice(at, 0, item);
      return;
    }
    this.queues.set(key, [item]);
    const runner = this.run(key).catch((e: unknown) =>
      this.logger.error(`${this.options.name}: runner for ${key || 'all'} failed: ${String(e)}`),
    );
    this.runners.add(runner);
    void runner.finally(() => this.runners.delete(runner));
  }

  /** The consumer's reading of a body; a parser that throws refuses the body (PARSE_FAILED). */
  private parse(data: Uint8Array): ParsedMessage<E> {
    if (!this.options.parse) return parseEvent(data) as ParsedMessage<E>;
    try {
      return this.options.parse(data);
    } catch (e) {
      return {
        ok: false,
        code: DlqCodes.parseFailed,
        reason: `the consumer could not read the body: ${String(e)}`,
      };
    }
  }

  /** Works one key's queue, head first, until it is empty or the consumer stops. */
  private async run(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0 && !this.stopping) {
      const head = queue[0]!;
      const retryInMs = await this.attempt(head);
      if (retryInMs === undefined) {
        queue.splice(queue.indexOf(head), 1);
        this.held.delete(head.msg.seq);
      } else {
        await this.sleep(retryInMs);
        // Earlier messages of the key that arrived meanwhile (redelivered) go first, in bus order.
        queue.sort((a, b) => a.msg.seq - b.msg.seq);
      }
    }
    if (queue.length === 0) this.queues.delete(key);
  }

  /** One handler call: undefined once the message is settled, else the delay before the next attempt. */
  private attempt(item: Held<E>): Promise<number | undefined> {
    // Its failure, retry and dead-letter lines too name the message's correlation and trace.
    return context.with(messageContext(item.msg, item.event), () => this.attemptInContext(item));
  }

  private async attemptInContext(item: Held<E>): Promise<number | undefined> {
    await this.slots.acquire();
    const now = Date.now();
    item.attempts += 1;
    const { msg } = item;
    const where = this.where(msg, item.attempts);
    try {
      if (this.stopping) return 0;
      await inSpan(
        `process ${msg.subject}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'nats',
            'messaging.destination.name': msg.subject,
            'messaging.consumer.group.name': this.options.name,
            'throughcare.attempt': item.attempts,
          },
        },
        () =>
          this.options.handler(item.event, {
            subject: msg.subject,
            streamSequence: msg.seq,
            deliveryCount: msg.info.deliveryCount,
            attempt: item.attempts,
            headers: msg.headers,
          }),
      );
      this.tell(msg, 'ack', () => msg.ack());
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isPermanent(error)) {
        this.logger.warn(`${where}: handler failed permanently (${error.code}): ${reason}`);
        return (await this.deadLetter(msg, error.code, reason, item.attempts))
          ? undefined
          : this.retryDelayMs(item.attempts);
      }
      // The consumer's horizon counts from receipt, so messages queued behind a failing head age
      // with it (Temporal down: they give up together, not one horizon after another); a
      // TransientError's own horizon counts from the first time the message raised that code.
      const own = error instanceof TransientError ? error.retryHorizonMs : undefined;
      const code = error instanceof TransientError ? `${error.code}: ` : '';
      let start = item.receivedAt;
      const horizonKey = own !== undefined ? (error as TransientError).code : '';
      if (own !== undefined) {
        if (!item.since.has(horizonKey)) item.since.set(horizonKey, now);
        start = item.since.get(horizonKey)!;
      }
      const horizon = own ?? this.retryHorizonMs;
      const elapsed = Date.now() - start;
      if (elapsed >= horizon || item.lastTryFor === horizonKey) {
        const why = `gave up after ${formatDuration(elapsed)} of transient failures (${item.attempts} attempts; horizon ${formatDuration(horizon)}): ${code}${reason}`;
        this.logger.error(`${where}: ${why}`);
        return (await this.deadLetter(msg, DlqCodes.retriesExhausted, why, item.attempts))
          ? undefined
          : this.retryDelayMs(item.attempts);
      }
      const backoff = this.retryDelayMs(item.attempts);
      const delay = Math.max(0, Math.min(backoff, horizon - elapsed));
      item.lastTryFor = backoff >= horizon - elapsed ? horizonKey : undefined;
      this.logger.warn(
        `${where}: transient failure, retrying in ${delay} ms (later messages of its key wait): ${code}${reason}`,
      );
      return delay;
    } finally {
      this.slots.release();
    }
  }

  /**
   * Sends an ack, nak or +WPI. On a closed connection it cannot be sent: the server then
   * redelivers the message after ack_wait, which idempotent handlers absorb.
   */
  private tell(msg: JsMsg, what: string, send: () => void): void {
    try {
      send();
    } catch (e) {
      this.logger.warn(
        `${this.where(msg)}: could not send ${what} (${String(e)}); the server will redeliver`,
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Dead-letters a message that was never queued; when the dead letter cannot be stored, nak it. */
  private async deadLetterNow(msg: JsMsg, code: string, reason: string): Promise<void> {
    if (!(await this.deadLetter(msg, code, reason, 0))) msg.nak(this.retryDelayMs(msg.info.deliveryCount));
  }

  /** Terminates the message only once the dead letter is stored; answers whether it was. */
  private async deadLetter(msg: JsMsg, code: string, reason: string, attempts: number): Promise<boolean> {
    const where = this.where(msg);
    const hdrs = natsHeaders();
    hdrs.set(DlqHeaders.reason, headerSafe(reason));
    hdrs.set(DlqHeaders.code, code);
    hdrs.set(DlqHeaders.consumer, this.options.name);
    hdrs.set(DlqHeaders.originalSubject, msg.subject);
    hdrs.set(DlqHeaders.originalStream, msg.info.stream);
    hdrs.set(DlqHeaders.originalSequence, String(msg.seq));
    hdrs.set(DlqHeaders.deliveryCount, String(msg.info.deliveryCount));
    hdrs.set(DlqHeaders.attempts, String(attempts));
    hdrs.set(DlqHeaders.deadLetteredAt, new Date().toISOString());
    if (msg.headers) {
      const original: Record<string, string[]> = {};
      for (const [name, values] of msg.headers) original[name] = values;
      hdrs.set(DlqHeaders.originalHeaders, JSON.stringify(original));
    }
    try {
      await this.options.js.publish(this.deadLetterSubject, msg.data, {
        headers: hdrs,
        // A crash between this publish and term() redelivers; the DLQ then stores it once.
        msgID: `${this.options.name}:${msg.info.stream}:${msg.seq}`,
      });
      msg.term(headerSafe(`${code}: ${reason}`, 200));
      this.logger.warn(`${where}: dead-lettered to ${this.deadLetterSubject} (${code})`);
      return true;
    } catch (error) {
      this.logger.error(`${where}: could not dead-letter, will try again: ${(error as Error).message}`);
      return false;
    }
  }
}

/**
 * Makes sure the platform's streams exist, then starts a durable consumer on the connection: what
 * a service's consumer host does at bootstrap (stop it before the application shuts down).
 */
export async function startDurableConsumer<E = KnownEvent>(
  nc: NatsConnection,
  options: Omit<DurableConsumerOptions<E>, 'js' | 'jsm'>,
): Promise<DurableConsumer<E>> {
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const consumer = new DurableConsumer<E>({ ...options, js: jetstream(nc), jsm });
  await consumer.start();
  return consumer;
}
