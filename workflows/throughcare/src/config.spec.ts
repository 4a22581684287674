import { ConfigError } from '@throughcare/platform-config';
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  DEFAULT_WORKFLOW_HEAP_LIMIT_MIB,
  loadOrchestratorConfig,
  MEASURED_KIB_PER_CACHED_JOURNEY,
  WORKFLOW_CACHE_BUDGET_MIB,
} from './config';

const base = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/throughcare',
  NATS_URL: 'nats://127.0.0.1:4222',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PERSON_ID_SECRET: 'config-spec-secret-0123456789',
  AUTH_ISSUER: 'http://127.0.0.1:3006',
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  PAYLOAD_ENCRYPTION_KEY_ID: 'k1',
  AUDIT_SEAL_KEYS: `s1:${Buffer.alloc(32, 8).toString('base64')}`,
  AUDIT_SEAL_KEY_ID: 's1',
};

const problems = (env: Record<string, string>): string[] => {
  try {
    loadOrchestratorConfig({ ...base, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('orchestrator config: the journey worker is bounded', () => {
  it('defaults the workflow cache to the budget over the measured footprint, and bounds the thread heap', () => {
    const config = loadOrchestratorConfig(base);
    expect(config.WORKER_MAX_CACHED_WORKFLOWS).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBe(
      Math.floor((WORKFLOW_CACHE_BUDGET_MIB * 1024) / MEASURED_KIB_PER_CACHED_JOURNEY),
    );
    // The cache at its measured footprint fits in the thread's heap, with room for everything else.
    expect((DEFAULT_MAX_CACHED_WORKFLOWS * MEASURED_KIB_PER_CACHED_JOURNEY) / 1024).toBeLessThan(
      DEFAULT_WORKFLOW_HEAP_LIMIT_MIB * 0.75,
    );
    expect(config.WORKFLOW_HEAP_LIMIT_MB).toBe(DEFAULT_WORKFLOW_HEAP_LIMIT_MIB);
    expect(config.WORKFLOW_THREAD_POOL_SIZE).toBeUndefined();
  });

  it('takes the settings from the environment', () => {
    const config = loadOrchestratorConfig({
      ...base,
      WORKER_MAX_CACHED_WORKFLOWS: '0',
      WORKFLOW_THREAD_POOL_SIZE: '2',
      WORKFLOW_HEAP_LIMIT_MB: '768',
    });
    expect([
      config.WORKER_MAX_CACHED_WORKFLOWS,
      config.WORKFLOW_THREAD_POOL_SIZE,
      config.WORKFLOW_HEAP_LIMIT_MB,
    ]).toEqual([0, 2, 768]);
  });

  it.each([
    [{ WORKER_MAX_CACHED_WORKFLOWS: '1' }, 'WORKER_MAX_CACHED_WORKFLOWS: must be 0 (no cache) or at least 2'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, 'WORKER_MAX_CACHED_WORKFLOWS:'],
    [{ WORKFLOW_THREAD_POOL_SIZE: '0' }, 'WORKFLOW_THREAD_POOL_SIZE:'],
    [{ WORKFLOW_HEAP_LIMIT_MB: '64' }, 'WORKFLOW_HEAP_LIMIT_MB:'],
  ])('refuses %j at boot, naming the variable', (env, expected) => {
    expect(problems(env)).toEqual([expect.stringContaining(expected)]);
  });
});
