import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SearchAttributes } from '@throughcare/contracts';

/**
 * Time-skipping Temporal test environment.
 *
 * `npm test` sets TEMPORAL_TEST_SERVER_PATH to a wrapper around the Java test server
 * (<cache>/bin/temporal-test-server, AppCDS-accelerated: ~0.4 s to a gRPC answer idle, ~0.85 s
 * with both cores busy, against the SDK's 5 s start deadline). Without it the SDK downloads its
 * own test server (needs temporal.download, not reachable in this sandbox).
 *
 * Lifecycle — per test file, measured rather than assumed:
 *   beforeAll(async () => { env = await createTimeSkippingTestEnv(); });
 *   afterAll(async () => { await env?.teardown(); });
 * Jest gives every test file its own module registry (own copy of @temporalio/*) and its own
 * `globalThis`, so a module-level or globalThis cache is per file anyway. Sharing one environment
 * across files therefore means parking it outside Jest's sandbox (on the real `process`), where
 * file B then drives file A's SDK objects with its own SDK copy, and nobody can tear it down
 * asynchronously at worker exit: the JVM is left to be reaped by whoever kills the process
 * group. `sharedTimeSkippingTestEnv()` implements that variant for comparison (see
 * temporal.workflow.spec.ts / temporal-shared.workflow.spec.ts); per-file is the default because
 * teardown is deterministic and a fresh server costs well under a second with the CDS wrapper.
 */
export async function createTimeSkippingTestEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  const env = path
    ? await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path } },
      })
    : await TestWorkflowEnvironment.createTimeSkipping();
  await registerSearchAttributes(env);
  return env;
}

const indexedValueType: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * The time-skipping server starts with no custom search attributes (the dev server gets them as
 * start flags): register the contract's, or every journey's first upsert fails its workflow task.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SearchAttributes).map((key) => [key.name, indexedValueType[key.type]]),
    ),
  });
}

const SHARED = Symbol.for('throughcare.testing.sharedTimeSkippingEnv');
type Holder = { [SHARED]?: { pid: number; env: Promise<TestWorkflowEnvironment> } };

/**
 * One environment per Jest worker process, shared by every test file that worker runs: kept on
 * the real `process` object (Node's, not the sandbox copy), keyed by pid. Do not call
 * `teardown()` on it; the server is stopped when the worker process exits (the test runner
 * kills Jest's process group afterwards).
 */
export function sharedTimeSkippingTestEnv(): Promise<TestWorkflowEnvironment> {
  const realProcess = nativeRequire('node:process') as NodeJS.Process & Holder;
  const cached = realProcess[SHARED];
  if (cached && cached.pid === realProcess.pid) return cached.env;
  const env = createTimeSkippingTestEnv();
  realProcess[SHARED] = { pid: realProcess.pid, env };
  return env;
}

/** Node's own require, bypassing Jest's per-file registry (see infra/src/util.ts nativeRequire). */
function nativeRequire(id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ModuleCtor = (
    require('node:module') as {
      Module: { new (id: string): NodeModule & { paths: string[] }; _nodeModulePaths(dir: string): string[] };
    }
  ).Module;
  const m = new ModuleCtor(__filename);
  m.filename = __filename;
  m.paths = ModuleCtor._nodeModulePaths(__dirname);
  return m.require(id);
}
