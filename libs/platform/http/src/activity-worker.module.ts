import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type ModuleMetadata,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { runActivityWorker, type ActivityWorkerHandle } from '@throughcare/platform-temporal';
import { unrestrictedActivities } from '@throughcare/platform-persistence';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.module';
import { WorkerMonitor } from './worker-monitor';

const ACTIVITIES = Symbol('ACTIVITIES');
const TASK_QUEUE = Symbol('TASK_QUEUE');

export interface ActivityWorkerModuleOptions {
  taskQueue: string;
  imports?: ModuleMetadata['imports'];
  inject?: Array<string | symbol | Function>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  /** Builds the activity implementations from injected services. */
  useFactory: (...deps: never[]) => object;
}

@Injectable()
export class ActivityWorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ActivityWorker');
  private handle: ActivityWorkerHandle | undefined;

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly platform: PlatformOptions,
    @Inject(TASK_QUEUE) private readonly taskQueue: string,
    @Inject(ACTIVITIES) private readonly activities: object,
    private readonly monitor: WorkerMonitor,
  ) {}

  /** The running worker (undefined before bootstrap). */
  get worker(): ActivityWorkerHandle['worker'] | undefined {
    return this.handle?.worker;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await runActivityWorker({
      ...this.platform.temporal,
      taskQueue: this.taskQueue,
      // Activities act for the platform itself: unrestricted row-level security scope.
      activities: unrestrictedActivities(this.activities),
      shutdownGraceTime: '10s',
      // A stopped worker ends the process (logged at error level) so that it is restarted.
      onUnexpectedStop: this.monitor.onUnexpectedStop(this.taskQueue),
    });
    this.monitor.watch(this.taskQueue, this.handle.worker);
    this.logger.log(`polling task queue "${this.taskQueue}"`);
  }

  /** Before connections close: in-flight activities still need the database and the outbox. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.handle?.shutdown();
    this.logger.log(`worker on "${this.taskQueue}" stopped`);
  }
}

/** Runs this service's Temporal activities in the same process as its HTTP API. */
@Module({})
export class ActivityWorkerModule {
  static register(options: ActivityWorkerModuleOptions): DynamicModule {
    return {
      module: ActivityWorkerModule,
      imports: options.imports ?? [],
      providers: [
        { provide: TASK_QUEUE, useValue: options.taskQueue },
        { provide: ACTIVITIES, useFactory: options.useFactory, inject: options.inject ?? [] },
        ActivityWorkerHost,
      ],
    };
  }
}
