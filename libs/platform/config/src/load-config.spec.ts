import { z } from 'zod';
import { CommonEnv, ConfigError, loadConfig } from './index';

const Schema = z.object({
  ...CommonEnv.database,
  ...CommonEnv.nats,
  ...CommonEnv.temporal,
  ...CommonEnv.http(3004),
  ...CommonEnv.personId,
});

const validEnv = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  NATS_URL: 'nats://127.0.0.1:4222',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PERSON_ID_SECRET: 'a-secret-of-enough-length',
};

describe('loadConfig', () => {
  it('returns typed config with defaults applied', () => {
    const config = loadConfig(Schema, validEnv);
    expect(config).toMatchObject({ PORT: 3004, TEMPORAL_NAMESPACE: 'default', NATS_URL: validEnv.NATS_URL });
  });

  it('coerces PORT from the environment string', () => {
    expect(loadConfig(Schema, { ...validEnv, PORT: '8080' }).PORT).toBe(8080);
  });

  it('lists every missing and bad variable in one error', () => {
    const attempt = () =>
      loadConfig(Schema, { DATABASE_URL: 'mysql://x', PORT: 'abc', PERSON_ID_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const message = (e as ConfigError).message;
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('NATS_URL: missing');
      expect(message).toContain('TEMPORAL_ADDRESS: missing');
      expect(message).toContain('PORT');
      expect(message).toContain('PERSON_ID_SECRET: must be at least 16 characters');
      expect((e as ConfigError).problems).toHaveLength(5);
    }
  });

  it('never echoes values, which may be secrets', () => {
    expect(() => loadConfig(Schema, { ...validEnv, PERSON_ID_SECRET: 'tiny-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('tiny-secret') }),
    );
  });
});
