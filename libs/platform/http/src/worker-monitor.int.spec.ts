import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { auditSealKeyringFrom, CommonEnv, loadConfig } from '@throughcare/platform-config';
import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { ActivityWorkerHost, ActivityWorkerModule } from './activity-worker.module';
import { bootstrapService, listeningPort } from './bootstrap';
import type { HealthReport } from './health/health.service';
import { PlatformModule } from './platform.module';
import { WORKER_STOPPED_EXIT_CODE } from './worker-monitor';

const env = loadConfig(
  z.object({
    ...CommonEnv.database,
    ...CommonEnv.nats,
    ...CommonEnv.temporal,
    ...CommonEnv.payloadEncryption,
    ...CommonEnv.auditSeal,
    ...CommonEnv.auth('worker-monitor-int-spec'),
  }),
);
const schema = 'worker_monitor_spec';
const taskQueue = `worker-monitor-spec-${randomUUID()}`;
const exitCodes: number[] = [];

@Module({
  imports: [
    PlatformModule.forRoot({
      serviceName: 'worker-monitor-int-spec',
      database: {
        url: env.DATABASE_URL,
        schema,
        entities: [],
        migrations: [createPlatformTablesMigration(schema)],
      },
      natsUrl: env.NATS_URL,
      temporal: {
        address: env.TEMPORAL_ADDRESS,
        namespace: env.TEMPORAL_NAMESPACE,
        dataConverter: dataConverterFrom(env),
      },
      auth: { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
      auditSeal: auditSealKeyringFrom(env),
      exitProcess: (code) => exitCodes.push(code),
    }),
    ActivityWorkerModule.register({ taskQueue, useFactory: () => ({ ping: () => Promise.resolve('pong') }) }),
  ],
})
class ServiceWithWorker {}

async function health(base: string): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: (await res.json()) as HealthReport };
}

/** A service's activity worker (real Temporal dev server) that stops by itself ends the process. */
describe('ActivityWorkerModule: a worker that stops takes its process down', () => {
  let app: NestFastifyApplication | undefined;
  let base: string;

  beforeAll(async () => {
    app = await bootstrapService({ module: ServiceWithWorker, name: 'spec', port: 0, logLevels: ['fatal'] });
    base = `http://127.0.0.1:${listeningPort(app)}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('reports the worker UP in /health while it polls', async () => {
    const { status, body } = await health(base);
    expect({ status, worker: body.components.worker }).toEqual({ status: 200, worker: { status: 'UP' } });
  });

  it('exits non-zero and answers 503 with the worker DOWN once the worker is shut down from outside', async () => {
    const worker = app!.get(ActivityWorkerHost, { strict: false }).worker!;
    worker.shutdown();
    const deadline = Date.now() + 30_000;
    while (exitCodes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(exitCodes).toEqual([WORKER_STOPPED_EXIT_CODE]);
    const { status, body } = await health(base);
    expect({ status, overall: body.status, worker: body.components.worker }).toEqual({
      status: 503,
      overall: 'DOWN',
      worker: { status: 'DOWN' },
    });
  });

  it('does not exit when the application itself shuts down', async () => {
    await app!.close();
    app = undefined;
    expect(exitCodes).toEqual([WORKER_STOPPED_EXIT_CODE]);
  });
});
