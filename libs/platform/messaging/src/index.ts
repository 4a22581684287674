export type { NatsConnection } from '@nats-io/nats-core';
export { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
export * from './logger';
export * from './connect-bus';
export * from './streams';
export * from './jetstream-publisher';
export * from './permanent-error';
export * from './dead-letter';
export * from './durable-consumer';
