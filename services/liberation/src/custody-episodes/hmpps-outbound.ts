import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import {
  HmppsOutboundError,
  identifierOf,
  type HmppsDomainEvent,
  type KnownEvent,
  PRODUCER_HEADER,
  Streams,
  hmppsOutboundMappingOf,
  hmppsOutboundSourceTypes,
  hmppsOutboundSubject,
  parseEvent,
  subjectFor,
  toHmppsDomainEvent,
} from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { qualifiedTable, runUnrestricted } from '@throughcare/platform-persistence';
import {
  DurableConsumer,
  JetStreamPublisher,
  PermanentError,
  TransientError,
  ensureStreams,
  jetstream,
  jetstreamManager,
  type MessageContext,
} from '@throughcare/platform-messaging';
import { HMPPS_ACTOR } from './hmpps-inbound';

/** The durable consumer's name; its dead letters go to `throughcare.dlq.liberation-hmpps-outbound`. */
export const HMPPS_OUTBOUND_CONSUMER = 'liberation-hmpps-outbound';

/** What the adapter does with one message of the platform's stream, before the custody record is read. */
export type HmppsOutboundDecision =
  | { publish: { event: KnownEvent; subject: string; msgId: string; body: HmppsDomainEvent } }
  | { skip: string };

/** The Nats-Msg-Id of the HMPPS-shaped copy of a platform event (kept apart from inbound ids). */
export const hmppsOutboundMsgId = (eventId: string) => `throughcare-outbound:${eventId}`;

/**
 * Decides what to publish for one message of `THROUGHCARE_EVENTS`. Only the platform's own events
 * (the outbox relay names its service in `Throughcare-Producer`) are told in HMPPS shape: an event
 * an upstream system published is its own to tell, and one the HMPPS inbound adapter published
 * came from HMPPS (telling it back would echo). An event of ours that does not parse, or names
 * its person other than by the pseudonym, is dead-lettered with the reason: the relay validated
 * it, so something is wrong. A type or version this build does not know (a newer service during
 * a rolling upgrade) or does not map is skipped.
 */
export function decideHmppsOutbound(
  data: Uint8Array,
  context: Pick<MessageContext, 'subject' | 'headers'>,
  now: Date,
): HmppsOutboundDecision {
  const producer = context.headers?.get(PRODUCER_HEADER);
  if (!producer) return { skip: `not published by a Throughcare service (no ${PRODUCER_HEADER} header)` };
  const parsed = parseEvent(data);
  if (!parsed.ok && parsed.code === 'UNKNOWN_EVENT_TYPE')
    return { skip: `${parsed.reason}: not published outbound` };
  if (!parsed.ok) {
    throw new PermanentError(parsed.code, `an event published by ${producer} is not valid: ${parsed.reason}`);
  }
  const event = parsed.event;
  if (context.subject !== subjectFor(event.eventType)) {
    throw new PermanentError(
      'SUBJECT_MISMATCH',
      `an event of type ${event.eventType} was published on ${context.subject} (expected ${subjectFor(event.eventType)})`,
    );
  }
  if (!hmppsOutboundMappingOf(event))
    return { skip: `${event.eventType}@${event.version} is not published outbound` };
  try {
    const body = toHmppsDomainEvent(event, now);
    return {
      publish: {
        event,
        subject: hmppsOutboundSubject(body.eventType),
        msgId: hmppsOutboundMsgId(event.eventId),
        body,
      },
    };
  } catch (e) {
    if (e instanceof HmppsOutboundError) throw new PermanentError(e.code, e.message);
    throw e;
  }
}

/**
 * What the adapter reads and records in the liberation database: the jurisdiction of the episode
 * an event is about (HMPPS's remit is England and Wales), and the ledger of events told.
 */
@Injectable()
export class HmppsOutboundLedger {
  constructor(private readonly dataSource: DataSource) {}

  /** Why the event is not told (a Scottish case, told already, a reversal of what was not told), or undefined. */
  whyNot(event: KnownEvent): Promise<string | undefined> {
    return runUnrestricted(async () => {
      const manager = this.dataSource.manager;
      if (await this.told(event.eventId)) return `already told (${event.eventId})`;
      if (event.eventType === 'custody.movement.reversed' && !(await this.told(event.data.reversedEventId)))
        return `reverses ${event.data.reversedEventId}, which was not told`;
      const personId = identifierOf(event.personReference, 'THROUGHCARE_ID')!;
      const episode = (event.data as { episode: number }).episode;
      const rows: Array<{ jurisdiction: string; received_by: string | null }> = await manager.query(
        `SELECT jurisdiction, received_by FROM ${qualifiedTable(manager, 'custody_episode')} WHERE person_id = $1 AND episode = $2`,
        [personId, episode],
      );
      const jurisdiction = rows[0]?.jurisdiction;
      // Not a person in custody here (their facts come before anything about them): not HMPPS's to hear.
      if (jurisdiction === undefined) return `the custody record holds no episode ${episode} of this person`;
      if (jurisdiction !== 'ENGLAND_AND_WALES')
        return `episode ${episode} is held in ${jurisdiction}: outside HMPPS's remit`;
      // A recall the inbound adapter received from HMPPS's own admission: telling it back would echo.
      if (event.eventType === 'custody.person.received' && rows[0]?.received_by === HMPPS_ACTOR)
        return `episode ${episode} was received from HMPPS's own admission: not told back`;
      return undefined;
    });
  }

  /** Records the event told (after HMPPS's stream acknowledged it); a second record is harmless. */
  recordTold(event: KnownEvent): Promise<void> {
    return runUnrestricted(async () => {
      const manager = this.dataSource.manager;
      await manager.query(
        `INSERT INTO ${qualifiedTable(manager, 'hmpps_outbound_sent')} (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING`,
        [event.eventId, event.eventType],
      );
    });
  }

  private async told(eventId: string): Promise<boolean> {
    const manager = this.dataSource.manager;
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${qualifiedTable(manager, 'hmpps_outbound_sent')} WHERE event_id = $1`,
      [eventId],
    );
    return rows.length > 0;
  }
}

/**
 * The HMPPS domain events adapter, outbound: runs the durable JetStream consumer
 * `liberation-hmpps-outbound` on the platform's stream and publishes each of the platform's own
 * events that {@link HMPPS_OUTBOUND} maps, about a person held in England and Wales, on
 * `hmpps.outbound.throughcare-<eventType>`, in bus order, once: the ledger keeps the ids told,
 * and Nats-Msg-Id (`throughcare-outbound:<event id>`) covers a crash between the publish and the
 * ledger's record.
 *
 * It starts at the stream's end when first created (`DeliverPolicy.New`): deploying it does not
 * tell 30 days of history again (so every service's relay must name itself before it is
 * deployed). The body is read by the handler, not by the consumer's parser, so an upstream
 * system's malformed event (dead-lettered by the consumers that apply it) is skipped here rather
 * than dead-lettered twice. A failed publish (the HMPPS stream down or missing) is retried
 * without limit, the later events waiting behind it: the outage is not the events' fault, and
 * dead-lettering them would reorder the feed when replayed.
 */
@Injectable()
export class HmppsOutboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HmppsOutbound');
  private consumer: DurableConsumer<Uint8Array> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly ledger: HmppsOutboundLedger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await ensureStreams(jsm);
    const publisher = new JetStreamPublisher(jetstream(this.nc));
    this.consumer = new DurableConsumer<Uint8Array>({
      js: jetstream(this.nc),
      jsm,
      name: HMPPS_OUTBOUND_CONSUMER,
      stream: Streams.events.name,
      filterSubjects: hmppsOutboundSourceTypes.map(subjectFor),
      deliverPolicy: DeliverPolicy.New,
      parse: (data) => ({ ok: true, event: data }),
      handler: async (data, context) => {
        const where = `${context.subject}#${context.streamSequence}`;
        const decision = decideHmppsOutbound(data, context, new Date());
        if ('skip' in decision) {
          this.logger.debug(`${where}: skipped (${decision.skip})`);
          return;
        }
        const { event, subject, msgId, body } = decision.publish;
        const whyNot = await this.ledger.whyNot(event);
        if (whyNot) {
          this.logger.debug(`${where}: skipped (${whyNot})`);
          return;
        }
        const ack = await publisher
          .publishMessage({ subject, eventId: msgId, payload: body })
          .catch(async (e: unknown) => {
            // A stream deleted under the service comes back (ensureStreams only runs at start).
            await ensureStreams(jsm).catch(() => undefined);
            throw new TransientError('PUBLISH_FAILED', `publishing on ${subject}: ${String(e)}`, Infinity);
          });
        await this.ledger.recordTold(event);
        this.logger.debug(`${where}: published on ${subject}${ack.duplicate ? ' (a duplicate)' : ''}`);
      },
      logger: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
