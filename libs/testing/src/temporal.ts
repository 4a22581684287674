import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Info as ActivityInfo } from '@temporalio/activity';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { SearchAttributes } from '@throughcare/contracts';
import { closeSafeRetryInterceptor } from '@throughcare/platform-temporal';

/**
 * Time-skipping Temporal test environment.
 *
 * `npm test` sets TEMPORAL_TEST_SERVER_PATH to a wrapper around the Java test server
 * (<cache>/bin/temporal-test-server, AppCDS-accelerated: ~0.4 s to a gRPC answer idle, ~0.85 s
 * with both cores busy, against the SDK's 5 s start deadline). Without it the SDK downloads its
 * own test server (needs temporal.download, not reachable in this sandbox).
 *
 * Lifecycle: one environment per test file (measured rather than assumed):
 *   beforeAll(async () => { env = await createTimeSkippingTestEnv(); });
 *   afterAll(async () => { await env?.teardown(); });
 * Jest gives every test file its own module registry (own copy of @temporalio/*) and its own
 * `globalThis`, so a module-level or globalThis cache is per file anyway. Sharing one environment
 * across files therefore means parking it outside Jest's sandbox (on the real `process`), where
 * file B then drives file A's SDK objects with its own SDK copy, and nobody can tear it down
 * asynchronously at worker exit: the JVM is left to be reaped by whoever kills the process
 * group. A shared variant was built and measured (2 JVMs instead of 3 for two files) and removed:
 * per-file teardown is deterministic and a fresh server costs well under a second with CDS.
 */
export async function createTimeSkippingTestEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  // `createTimeSkipping` with one change it does not expose: the client connection's keepalive.
  // grpc-js pings every 30 s by default, while the Java test server (grpc-java defaults) permits a
  // ping at most every 5 minutes: during a long `env.sleep` it answers GOAWAY "too_many_pings" and
  // the in-flight sleep stalls for about a minute ("rejected by server because of excess pings").
  const create = (
    TestWorkflowEnvironment as unknown as {
      create(opts: Record<string, unknown>): Promise<TestWorkflowEnvironment>;
    }
  ).create.bind(TestWorkflowEnvironment);
  const env = await create({
    server: { type: 'time-skipping', ...(path ? { executable: { type: 'existing-path', path } } : {}) },
    supportsTimeSkipping: true,
    // Its retries made safe to tear down under: a call still being retried when the file's
    // afterAll closes the connection must not throw into the next test file (closeSafeRetryInterceptor).
    connectionOptions: {
      channelArgs: { 'grpc.keepalive_time_ms': 360_000, 'grpc.keepalive_permit_without_calls': 0 },
      interceptors: [closeSafeRetryInterceptor()],
    },
  });
  await registerSearchAttributes(env);
  return env;
}

/**
 * The time-skipping server starts with no custom search attributes (the dev server gets them as
 * start flags): register the contract's, or every journey's first upsert fails its workflow task.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SearchAttributes).map((key) => [
        key.name,
        encodeSearchAttributeIndexedValueType(key.type)!,
      ]),
    ),
  });
}

/**
 * An activity test environment that logs like the test run's Temporal runtime: at ERROR unless
 * TEST_TEMPORAL_LOG_LEVEL says otherwise (MockActivityEnvironment otherwise logs every expected
 * activity failure at WARN, with its stack, into a passing run).
 */
export function mockActivityEnvironment(info?: Partial<ActivityInfo>): MockActivityEnvironment {
  const level = (process.env.TEST_TEMPORAL_LOG_LEVEL || 'ERROR') as ConstructorParameters<
    typeof DefaultLogger
  >[0];
  // Scheduled now, not MockActivityEnvironment's 1 (1970): an activity that reads its scheduled
  // time (personAgeOn's day) sees a real one.
  return new MockActivityEnvironment(
    { scheduledTimestampMs: Date.now(), ...info },
    { logger: new DefaultLogger(level) },
  );
}
