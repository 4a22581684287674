import * as v8 from 'node:v8';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { journeyBundleOptions } from './journey-bundle';
import type { Client } from '@temporalio/client';
import { TaskQueues, type AttentionRecord, type ThroughcareActivities } from '@throughcare/contracts';
import { PLATFORM_OPTIONS, WorkerMonitor, type PlatformOptions } from '@throughcare/platform-http';
import {
  createTemporalClient,
  coreLogWatchOn,
  runWorker,
  tracingActivityInterceptors,
  failingActivityInterceptors,
  withApplicationFailures,
  type WorkerRun,
} from '@throughcare/platform-temporal';
import { journeyTracingSinks } from './journey-tracing';
import { AttentionService } from '../attention/attention.service';
import { AuditVerificationHost } from '../audit-verification/audit-verification.host';
import { SlaService } from '../sla/sla.service';
import { resumeEpisode } from './resume-episode';
import { openNextEpisode } from './open-next-episode';
import { missingSearchAttributes } from './search-attribute-check';
import { JOURNEY_WORKER_OPTIONS, type JourneyWorkerOptions } from './journey-worker.options';

/**
 * Runs the journey workflows, the scheduled audit verification, and the orchestrator's own
 * activities (SLA breaches, closures, the audit verification) on the `throughcare` task queue. Uses a prebuilt bundle when WORKFLOW_BUNDLE_PATH is set
 * (production; infra/compose/build-workflow-bundle.js builds it with the same failure converter),
 * else bundles the workflow sources at boot. Payloads and failures are encrypted
 * (`platform.temporal.dataConverter`).
 */
@Injectable()
export class JourneyWorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JourneyWorker');
  /** The running worker (undefined before bootstrap). */
  worker: Worker | undefined;
  private connection: NativeConnection | undefined;
  private client: Client | undefined;
  private running: WorkerRun | undefined;

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly platform: PlatformOptions,
    @Inject(JOURNEY_WORKER_OPTIONS) private readonly options: JourneyWorkerOptions,
    private readonly sla: SlaService,
    private readonly attention: AttentionService,
    private readonly monitor: WorkerMonitor,
    private readonly auditVerification: AuditVerificationHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const workflowBundle = this.options.bundlePath
      ? { codePath: this.options.bundlePath }
      : await bundleWorkflowCode({ ...journeyBundleOptions(), logger: quietBundler(this.logger) });
    if (!coreLogWatchOn())
      this.logger.error(
        'journeys their worker cannot replay will not be repaired: the Temporal Runtime was started without installCoreLogWatch (main.ts)',
      );
    this.connection = await NativeConnection.connect({ address: this.platform.temporal.address });
    const client = await createTemporalClient(this.platform.temporal);
    this.client = client;
    await this.checkSearchAttributes(client);
    const openNext: ThroughcareActivities['openNextEpisode'] = async (i) => {
      await openNextEpisode(client, i);
      this.logger.log(`opened ${i.workflowId} with the history of episode ${i.carried.fromEpisode}`);
    };
    if (this.options.workflowHeapLimitMb) limitWorkflowThreadHeap(this.options.workflowHeapLimitMb);
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: this.platform.temporal.namespace,
      dataConverter: this.platform.temporal.dataConverter,
      taskQueue: TaskQueues.throughcare,
      workflowBundle,
      activities: withApplicationFailures({
        recordSlaBreach: (i: Parameters<SlaService['recordSlaBreach']>[0]) => this.sla.recordSlaBreach(i),
        recordBreachMet: (i: Parameters<SlaService['recordBreachMet']>[0]) => this.sla.recordBreachMet(i),
        reportClocks: (i: Parameters<SlaService['reportClocks']>[0]) => this.sla.reportClocks(i),
        recordCaseClosed: (i: Parameters<SlaService['recordCaseClosed']>[0]) => this.sla.recordCaseClosed(i),
        recordAttention: (i: AttentionRecord) => this.attention.recordAttention(i),
        openNextEpisode: openNext,
        resumeEpisode: async (i: Parameters<ThroughcareActivities['resumeEpisode']>[0]) => {
          const answer = await resumeEpisode(client, i);
          // Started again (now, or by an earlier attempt): the episode's closure by the return goes
          // (review of stop 39, N6), so the case record does not say it is closed while it runs;
          // only that closure (its instant), never the run's own later one (review of stop 40, M3).
          const episode = /^throughcare-(.+)-(\d+)$/.exec(i.workflowId);
          if (answer.outcome !== 'NOT_RESUMABLE' && answer.closedAt && episode)
            await this.sla.recordCaseReopened({
              personId: episode[1]!,
              episode: Number(episode[2]),
              closedAt: answer.closedAt,
            });
          return answer;
        },
        ...this.auditVerification.activities,
      }),
      interceptors: { activity: [...tracingActivityInterceptors(), ...failingActivityInterceptors()] },
      sinks: journeyTracingSinks(),
      shutdownGraceTime: '10s',
      // Bounded: see WORKER_MAX_CACHED_WORKFLOWS in config.ts (measured footprint).
      maxCachedWorkflows: this.options.maxCachedWorkflows,
      workflowThreadPoolSize: this.options.workflowThreadPoolSize,
    });
    // A worker that stops (e.g. ERR_WORKER_OUT_OF_MEMORY in its workflow thread) ends the process,
    // logged at error level, so that it is restarted instead of answering /health with no journey moving.
    this.monitor.watch(TaskQueues.throughcare, this.worker);
    this.running = runWorker(this.worker, this.monitor.onUnexpectedStop(TaskQueues.throughcare));
    this.logger.log(`polling task queue "${TaskQueues.throughcare}" (ready in ${Date.now() - started} ms)`);
  }

  /**
   * Refuses to start on a namespace missing a search attribute the journeys keep (a release adding
   * one, deployed before it was registered): their upserts would fail every workflow task. A
   * server that does not answer the listing (no operator API, no permission) is warned about only.
   */
  private async checkSearchAttributes(client: Client): Promise<void> {
    const namespace = this.platform.temporal.namespace;
    let missing: string[];
    try {
      missing = await missingSearchAttributes(client, namespace);
    } catch (e) {
      this.logger.warn(
        `could not list namespace ${namespace}'s search attributes (${String(e)}): not checked that the journeys' are registered`,
      );
      return;
    }
    if (missing.length > 0)
      throw new Error(
        `Temporal namespace ${namespace} lacks search attributes the journeys keep; register them, then start again:\n  ${missing.join('\n  ')}`,
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running?.expectStop();
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.done.catch(() => undefined);
    await this.connection?.close();
    await this.client?.connection.close();
    this.logger.log('journey worker stopped');
  }
}

/**
 * The SDK starts its workflow threads without `resourceLimits`, so each gets V8's default heap
 * limit (derived from the machine's memory: about 4 GiB here). V8 reads max-old-space-size when an
 * isolate is created, so setting it before Worker.create bounds the workflow threads started then
 * (checked on Node 20: the thread reports this limit, and a thread that reaches it ends with
 * ERR_WORKER_OUT_OF_MEMORY); the main thread keeps its own, already fixed.
 */
function limitWorkflowThreadHeap(mib: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${mib}`);
}

function quietBundler(logger: Logger) {
  const none = () => undefined;
  return {
    log: none,
    trace: none,
    debug: none,
    info: none,
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
}
