export const JOURNEY_WORKER_OPTIONS = Symbol('JOURNEY_WORKER_OPTIONS');
export interface JourneyWorkerOptions {
  bundlePath?: string;
  /** Temporal `maxCachedWorkflows` (config WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Temporal `workflowThreadPoolSize` (config WORKFLOW_THREAD_POOL_SIZE); the SDK default when unset. */
  workflowThreadPoolSize?: number;
  /** Heap limit of each workflow thread in MiB (config WORKFLOW_HEAP_LIMIT_MB). */
  workflowHeapLimitMb?: number;
}
