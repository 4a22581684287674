import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { NatsConnection } from '@nats-io/nats-core';
import { derivePersonId } from '@throughcare/platform-config';
import { NATS_CONNECTION, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { DurableConsumer, ensureStreams, jetstream, jetstreamManager } from '@throughcare/platform-messaging';
import { bridgeHandler, bridgeOrderingKey } from './bridge';
import { bridgedSubjects } from './event-to-command';

export const BRIDGE_OPTIONS = Symbol('BRIDGE_OPTIONS');
export interface BridgeOptions {
  personIdSecret: string;
  movementSettleSeconds?: number;
  retryHorizonSeconds: number;
  notYetKnownHorizonSeconds: number;
  temporalDeadlineMs: number;
  concurrency: number;
}

/** The durable consumer name; its dead letters go to `throughcare.dlq.throughcare-bridge`. */
export const BRIDGE_CONSUMER = 'throughcare-bridge';

/** Consumes bus events and turns them into journey signals and updates. */
@Injectable()
export class BridgeHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Bridge');
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(BRIDGE_OPTIONS) private readonly options: BridgeOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await ensureStreams(jsm);
    const derive = (prisonNumber: string) => derivePersonId(this.options.personIdSecret, prisonNumber);
    this.consumer = new DurableConsumer({
      js: jetstream(this.nc),
      jsm,
      name: BRIDGE_CONSUMER,
      filterSubjects: bridgedSubjects,
      handler: bridgeHandler(this.temporal, derive, this.logger, {
        movementSettleSeconds: this.options.movementSettleSeconds,
        temporalDeadlineMs: this.options.temporalDeadlineMs,
        notYetKnownHorizonMs: this.options.notYetKnownHorizonSeconds * 1000,
      }),
      // One person's facts in bus order, people in parallel; see DurableConsumer and the README.
      orderingKey: bridgeOrderingKey(derive),
      concurrency: this.options.concurrency,
      retryHorizonMs: this.options.retryHorizonSeconds * 1000,
      logger: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
