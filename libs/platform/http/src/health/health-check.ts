import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';

export type HealthStatus = 'UP' | 'DOWN';

/** One dependency's probe: resolves when healthy, rejects (or times out) when not. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

export const databaseHealthCheck = (dataSource: DataSource): HealthCheck => ({
  name: 'db',
  check: async () => {
    if (!dataSource.isInitialized) throw new Error('data source not initialised');
    await dataSource.query('SELECT 1');
  },
});

export const natsHealthCheck = (nc: NatsConnection): HealthCheck => ({
  name: 'nats',
  check: async () => {
    if (nc.isClosed()) throw new Error('connection closed');
    await nc.flush();
  },
});

export const temporalHealthCheck = (client: Client): HealthCheck => ({
  name: 'temporal',
  check: async () => {
    await client.workflowService.getSystemInfo({});
  },
});
