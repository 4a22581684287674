import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy } from '@nats-io/jetstream';
import {
  HmppsOutboundError,
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

/** The durable consumer's name; its dead letters go to `throughcare.dlq.liberation-hmpps-outbound`. */
export const HMPPS_OUTBOUND_CONSUMER = 'liberation-hmpps-outbound';

/** What the adapter did with one message of the platform's stream. */
export type HmppsOutboundDecision =
  | { publish: { subject: string; msgId: string; body: unknown } }
  | { skip: string };

/**
 * Decides what to publish for one message of `THROUGHCARE_EVENTS`. Only the platform's own events
 * (the outbox relay names its service in `Throughcare-Producer`) are told in HMPPS shape: an event
 * an upstream system published is its own to tell, and one the HMPPS inbound adapter published
 * came from HMPPS (telling it back would echo). An event of ours that does not parse, or names
 * its person other than by the pseudonym, is dead-lettered with the reason: the relay validated
 * it, so something is wrong. A version with no mapping is skipped.
 */
export function decideHmppsOutbound(
  data: Uint8Array,
  context: Pick<MessageContext, 'subject' | 'headers'>,
  now: Date,
): HmppsOutboundDecision {
  const producer = context.headers?.get(PRODUCER_HEADER);
  if (!producer) return { skip: `not published by a Throughcare service (no ${PRODUCER_HEADER} header)` };
  const parsed = parseEvent(data);
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
    return { publish: { subject: hmppsOutboundSubject(body.eventType), msgId: event.eventId, body } };
  } catch (e) {
    if (e instanceof HmppsOutboundError) throw new PermanentError(e.code, e.message);
    throw e;
  }
}

/**
 * The HMPPS domain events adapter, outbound: runs the durable JetStream consumer
 * `liberation-hmpps-outbound` on the platform's stream and publishes each of the platform's own
 * events that {@link HMPPS_OUTBOUND} maps on `hmpps.outbound.throughcare-<eventType>`
 * (Nats-Msg-Id = the platform's event id, so a redelivery is stored once), in bus order.
 *
 * It starts at the stream's end when first created (`DeliverPolicy.New`): deploying it does not
 * tell 30 days of history again. The body is read by the handler, not by the consumer's parser,
 * so an upstream system's malformed event (dead-lettered by the consumers that apply it) is
 * skipped here rather than dead-lettered twice.
 */
@Injectable()
export class HmppsOutboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HmppsOutbound');
  private consumer: DurableConsumer<Uint8Array> | undefined;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

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
        const decision = decideHmppsOutbound(data, context, new Date());
        if ('skip' in decision) {
          this.logger.debug(`${context.subject}#${context.streamSequence}: skipped (${decision.skip})`);
          return;
        }
        const { subject, msgId, body } = decision.publish;
        const ack = await publisher
          .publishMessage({ subject, eventId: msgId, payload: body })
          .catch((e: unknown) => {
            throw new TransientError('PUBLISH_FAILED', `publishing on ${subject}: ${String(e)}`);
          });
        this.logger.debug(
          `${context.subject}#${context.streamSequence}: published on ${subject}${ack.duplicate ? ' (a duplicate)' : ''}`,
        );
      },
      logger: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
