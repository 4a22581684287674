import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/** Connects to NATS; fails fast when the server cannot be reached at boot. */
export function connectBus(url: string, name = 'throughcare'): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
}
