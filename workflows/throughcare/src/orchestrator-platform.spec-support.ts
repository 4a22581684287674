import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { planQuery, Streams, throughcareWorkflowId, type PlanView } from '@throughcare/contracts';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';
import { PlatformModule } from '@throughcare/platform-http';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { AttentionItem } from './attention/attention-item.entity';
import { THROUGHCARE_SCHEMA, type OrchestratorConfig } from './config';
import { throughcareMigrations } from './migrations';
import { CaseClosure } from './sla/case-closure.entity';
import { SlaBreach } from './sla/sla-breach.entity';

// Test support for the orchestrator's integration specs that boot part of the app on real
// Postgres, NATS and Temporal.

/**
 * The platform as the orchestrator's specs import it: the orchestrator's schema and migrations,
 * `entities` (by default all the orchestrator's), NATS, Temporal (the configured payload codec)
 * and token verification; its own `serviceName` (also its audit chain).
 */
export function orchestratorSpecPlatform(
  config: OrchestratorConfig,
  serviceName: string,
  entities: Array<typeof SlaBreach | typeof CaseClosure | typeof AttentionItem> = [
    SlaBreach,
    CaseClosure,
    AttentionItem,
  ],
): DynamicModule {
  return PlatformModule.forRoot({
    serviceName,
    database: {
      url: config.DATABASE_URL,
      schema: THROUGHCARE_SCHEMA,
      entities,
      migrations: throughcareMigrations,
    },
    natsUrl: config.NATS_URL,
    temporal: {
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
    },
    auth: accessTokenOptionsFrom(config),
    auditSeal: auditSealKeyringFrom(config),
  });
}

/** `probe`'s first answer that does not throw, tried every 200 ms for `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Until each named durable consumer of the events stream has acknowledged everything on it. */
export function consumersCaughtUp(
  nc: NatsConnection,
  names: readonly string[],
  timeoutMs = 300_000,
): Promise<void> {
  return eventually(
    `consumers ${names.join(', ')} caught up`,
    async () => {
      const jsm = await jetstreamManager(nc);
      for (const name of names) {
        const info = await jsm.consumers.info(Streams.events.name, name);
        if (info.num_pending > 0 || info.num_ack_pending > 0)
          throw new Error(`${name}: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`);
      }
    },
    timeoutMs,
  );
}

/** The plan a journey double answers with: `stage`, nothing done, no deadlines, waiting on nobody. */
export function doublePlan(
  personId: string,
  episode: number,
  stage: PlanView['stage'] = 'RECEPTION',
): PlanView {
  return {
    personId,
    episode,
    stage,
    stagesDone: [],
    policy: { id: 'spec-policy', version: 1 },
    deadlines: [],
    waitingOn: null,
  };
}

/**
 * Journey doubles (test-only workflows answering the plan query) run by a worker of the spec's
 * own, on a task queue of its own, under journeys' workflow ids.
 */
export class JourneyDoubles {
  private readonly started: string[] = [];

  private constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly connection: NativeConnection,
    private readonly worker: Worker,
    private readonly running: Promise<void>,
  ) {}

  /** Starts a worker for the workflows of `workflowsPath`, on a new task queue named after `queuePrefix`. */
  static async start(
    config: OrchestratorConfig,
    client: Client,
    workflowsPath: string,
    queuePrefix: string,
  ): Promise<JourneyDoubles> {
    const taskQueue = `${queuePrefix}-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
      taskQueue,
      workflowsPath,
    }).catch(async (e: unknown) => {
      await connection.close();
      throw e;
    });
    return new JourneyDoubles(client, taskQueue, connection, worker, worker.run());
  }

  /** A double of type `workflowType` holding `plan`, under its journey's workflow id, once it answers the plan query. */
  async journey(
    workflowType: string,
    plan: PlanView,
    typedSearchAttributes?: SearchAttributePair[],
  ): Promise<WorkflowHandle> {
    const workflowId = throughcareWorkflowId(plan.personId, plan.episode);
    await this.client.workflow.start(workflowType, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [plan],
      ...(typedSearchAttributes ? { typedSearchAttributes } : {}),
    });
    this.started.push(workflowId);
    const handle = this.client.workflow.getHandle(workflowId);
    await eventually(`plan of ${workflowId}`, () => handle.query(planQuery));
    return handle;
  }

  /** Terminates every double started, then stops the worker. */
  async stop(): Promise<void> {
    for (const workflowId of this.started)
      await this.client.workflow
        .getHandle(workflowId)
        .terminate('spec done')
        .catch(() => undefined);
    this.worker.shutdown();
    await this.running;
    await this.connection.close();
  }
}
