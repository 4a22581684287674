import type { BundleOptions } from '@temporalio/worker';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from '@throughcare/platform-temporal';

/**
 * Modules of the journey workflows loaded once per worker and shared by every journey it runs
 * (the bundler's `preloadModules`), instead of once per journey. With a reusable V8 context (the
 * SDK's default) each workflow otherwise evaluates its own copy of every module it imports: the
 * contracts' zod schemas, the domain's calendars and policies. That made each cached journey
 * hold about 3.9 MiB and made a worker that had just restarted take seconds per new or replayed
 * journey (the crash soak logged first workflow tasks of 7 s, up to 18 s, past the 10 s task
 * timeout). See test/bench/results/journey-footprint.md.
 *
 * Safe only for modules without per-workflow state: the SDK evaluates them before any workflow
 * exists and deep-freezes their exports. These hold immutable schemas, tables and pure functions
 * (the one module-level cache, the policy registry's borrowed clocks, is a pure memo of frozen
 * values). A module that keeps state per journey must never be listed here.
 */
export const JOURNEY_PRELOAD_MODULES = ['zod', '@throughcare/contracts', '@throughcare/domain'] as const;

/**
 * How every journey bundle is built (the orchestrator's worker, the Docker image's prebuilt
 * bundle, the soak, the benchmarks and the workflow tests), so that they run the same code:
 * the journey workflows, the trace interceptor, the platform's failure converter (failure messages and stack traces
 * encoded, then encrypted by the payload codec) and the shared modules above.
 */
export function journeyBundleOptions(): Required<
  Pick<
    BundleOptions,
    | 'workflowsPath'
    | 'failureConverterPath'
    | 'preloadModules'
    | 'webpackConfigHook'
    | 'workflowInterceptorModules'
  >
> {
  return {
    workflowsPath: require.resolve('../workflows'),
    // The workflow hop of a trace (replay-safe; see the module). Its worker needs journeyTracingSinks().
    workflowInterceptorModules: [
      require.resolve('../workflows/tracing.interceptors'),
      // Which activities are pending, for FailingActivities (failing-activity-1).
      require.resolve('../workflows/pending-activities.interceptors'),
    ],
    failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH,
    preloadModules: [...JOURNEY_PRELOAD_MODULES],
    // zod resets frozen RegExps' lastIndex: rewritten to a no-op when it is already 0.
    webpackConfigHook: (config) => ({
      ...config,
      module: {
        ...config.module,
        rules: [
          ...(config.module?.rules ?? []),
          { test: ZOD_MODULE, use: [{ loader: require.resolve('./frozen-regexp-loader') }] },
        ],
      },
    }),
  };
}

/** zod's own files, as webpack resolves them (CommonJS or ES modules). */
export const ZOD_MODULE = /[\\/]node_modules[\\/]zod[\\/].*\.(c|m)?js$/;
