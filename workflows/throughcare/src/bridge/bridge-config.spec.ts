import { OrchestratorConfigSchema } from '../config';

// The bridge's settings: defaults that hold a fact for an hour (issue 7: "default at least an
// hour"), and values outside their range refused naming the setting.

const env = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/throughcare',
  NATS_URL: 'nats://127.0.0.1:4222',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PERSON_ID_SECRET: 'bridge-config-spec-secret-0123',
  AUTH_ISSUER: 'http://127.0.0.1:3006',
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  PAYLOAD_ENCRYPTION_KEY_ID: 'k1',
  AUDIT_SEAL_KEYS: `s1:${Buffer.alloc(32, 8).toString('base64')}`,
  AUDIT_SEAL_KEY_ID: 's1',
};

describe('orchestrator config: the bridge', () => {
  it('retries transient failures for an hour and NOT_YET_KNOWN for ten minutes, with a 10 s deadline, 16 at once', () => {
    expect(OrchestratorConfigSchema.parse(env)).toMatchObject({
      BRIDGE_RETRY_HORIZON_SECONDS: 3600,
      BRIDGE_NOT_YET_KNOWN_HORIZON_SECONDS: 600,
      BRIDGE_TEMPORAL_DEADLINE_MS: 10_000,
      BRIDGE_CONCURRENCY: 16,
    });
    expect(
      OrchestratorConfigSchema.parse({
        ...env,
        BRIDGE_RETRY_HORIZON_SECONDS: '7200',
        BRIDGE_CONCURRENCY: '4',
      }),
    ).toMatchObject({ BRIDGE_RETRY_HORIZON_SECONDS: 7200, BRIDGE_CONCURRENCY: 4 });
  });

  it.each([
    ['BRIDGE_RETRY_HORIZON_SECONDS', '0'],
    ['BRIDGE_RETRY_HORIZON_SECONDS', 'an hour'],
    ['BRIDGE_NOT_YET_KNOWN_HORIZON_SECONDS', '-5'],
    ['BRIDGE_TEMPORAL_DEADLINE_MS', '50'],
    ['BRIDGE_CONCURRENCY', '0'],
    ['BRIDGE_CONCURRENCY', '1.5'],
  ])('refuses %s=%s, naming it', (name, value) => {
    const result = OrchestratorConfigSchema.safeParse({ ...env, [name]: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([name]);
  });
});
