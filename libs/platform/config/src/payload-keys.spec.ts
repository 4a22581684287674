import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CommonEnv, ConfigError, loadConfig, payloadKeyringFrom } from './index';

const Schema = z.object({ ...CommonEnv.payloadEncryption });
const key = () => randomBytes(32).toString('base64');

describe('CommonEnv.payloadEncryption and payloadKeyringFrom', () => {
  it('loads every listed key by id, with the active one', () => {
    const env = { PAYLOAD_ENCRYPTION_KEYS: `old:${key()}, new:${key()}`, PAYLOAD_ENCRYPTION_KEY_ID: 'new' };
    const keyring = payloadKeyringFrom(loadConfig(Schema, env));
    expect(keyring.activeKeyId).toBe('new');
    expect([...keyring.keys.keys()]).toEqual(['old', 'new']);
    expect([...keyring.keys.values()].map((k) => k.length)).toEqual([32, 32]);
  });

  it('reports missing variables and bad entries at load time, without echoing the key', () => {
    const bad = randomBytes(31).toString('base64');
    try {
      loadConfig(Schema, { PAYLOAD_ENCRYPTION_KEYS: `a:${bad}` });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([
        'PAYLOAD_ENCRYPTION_KEYS: entry 1 (key id "a"): the key is 31 bytes, AES-256 needs 32',
        'PAYLOAD_ENCRYPTION_KEY_ID: missing',
      ]);
      expect((e as ConfigError).message).not.toContain(bad);
    }
  });

  it('refuses an active key id that is not listed', () => {
    const config = loadConfig(Schema, {
      PAYLOAD_ENCRYPTION_KEYS: `a:${key()}`,
      PAYLOAD_ENCRYPTION_KEY_ID: 'b',
    });
    expect(() => payloadKeyringFrom(config)).toThrow(/PAYLOAD_ENCRYPTION_KEY_ID: "b" is not listed/);
  });
});
