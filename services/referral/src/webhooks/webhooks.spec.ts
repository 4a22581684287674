import { randomBytes, randomUUID } from 'node:crypto';
import { loadReferralConfig } from '../config';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './webhook-secrets';
import { categoryOf, webhookUrlProblem } from './webhook-target';

const production = { developmentTargets: false };
const development = { developmentTargets: true };

describe('webhook endpoint URLs', () => {
  it.each([
    'https://hooks.example.org/throughcare',
    'https://1.1.1.1:8443/hooks?agency=1',
    'https://[2606:4700::1111]/hooks',
  ])('production takes %s', (url) => {
    expect(webhookUrlProblem(url, production)).toBeNull();
  });

  it.each([
    ['http://hooks.example.org/', 'must be an https URL'],
    ['https://localhost/hooks', 'must not name this machine'],
    ['https://api.localhost/hooks', 'must not name this machine'],
    ['https://127.0.0.1/hooks', 'must not be a loopback address: webhooks go to the public internet'],
    ['https://10.1.2.3/hooks', 'must not be a private address: webhooks go to the public internet'],
    [
      'https://169.254.169.254/latest/meta-data',
      'must not be a linkLocal address: webhooks go to the public internet',
    ],
    ['https://[::1]/hooks', 'must not be a loopback address: webhooks go to the public internet'],
    ['https://[fd00::1]/hooks', 'must not be a uniqueLocal address: webhooks go to the public internet'],
    ['https://[::ffff:10.0.0.1]/hooks', 'must not be a private address: webhooks go to the public internet'],
    ['https://user:secret@hooks.example.org/', 'must not carry a user name or password'],
    ['https://hooks.example.org/#frag', 'must not have a fragment'],
    ['hooks.example.org', 'is not an absolute URL'],
    ['file:///etc/passwd', 'must be an https URL'],
    ['https://db/hooks', 'must be a fully qualified public host name'],
    [
      'https://postgres.referral.svc.cluster.local/',
      'must not be a private network name: webhooks go to the public internet',
    ],
    ['https://printer.local/hooks', 'must not be a private network name: webhooks go to the public internet'],
    [
      'https://api.corp.internal/hooks',
      'must not be a private network name: webhooks go to the public internet',
    ],
    ['https://intranet./hooks', 'must be a fully qualified public host name'],
    [
      'https://db.svc.cluster.local./hooks',
      'must not be a private network name: webhooks go to the public internet',
    ],
  ])('production refuses %s: %s', (url, problem) => {
    expect(webhookUrlProblem(url, production)).toBe(problem);
  });

  it('development takes http and this machine, still not other schemes or credentials', () => {
    expect(webhookUrlProblem('http://127.0.0.1:4010/hooks', development)).toBeNull();
    expect(webhookUrlProblem('ftp://127.0.0.1/hooks', development)).toBe('must be an https or http URL');
    expect(webhookUrlProblem('http://a:b@127.0.0.1/', development)).toBe(
      'must not carry a user name or password',
    );
  });
});

describe('webhook signing secrets at rest', () => {
  const keyring = {
    activeKeyId: 'k2',
    keys: new Map([
      ['k1', randomBytes(32)],
      ['k2', randomBytes(32)],
    ]),
  };

  it('are Standard Webhooks secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('seal under the active key, open only on their own endpoint and key', () => {
    const [endpoint, other] = [randomUUID(), randomUUID()];
    const secret = newWebhookSecret();
    const sealed = sealWebhookSecret(keyring, endpoint, secret);
    expect(sealed.keyId).toBe('k2');
    expect(sealed.sealed.includes(Buffer.from(secret))).toBe(false);
    expect(openWebhookSecret(keyring, endpoint, sealed)).toBe(secret);
    expect(() => openWebhookSecret(keyring, other, sealed)).toThrow(/does not authenticate/);
    expect(() => openWebhookSecret(keyring, endpoint, { ...sealed, keyId: 'k1' })).toThrow(
      /does not authenticate/,
    );
    expect(() => openWebhookSecret(keyring, endpoint, { ...sealed, keyId: 'gone' })).toThrow(
      /"gone" is not in PAYLOAD_ENCRYPTION_KEYS/,
    );
  });
});

describe('webhook configuration', () => {
  const env = {
    DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    NATS_URL: 'nats://127.0.0.1:4222',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    PAYLOAD_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}`,
    PAYLOAD_ENCRYPTION_KEY_ID: 'k',
    AUDIT_SEAL_KEYS: `a:${Buffer.alloc(32, 2).toString('base64')}`,
    AUDIT_SEAL_KEY_ID: 'a',
    AUTH_ISSUER: 'http://127.0.0.1:3010',
  };

  it('defaults to production targets and the Standard Webhooks schedule', () => {
    const config = loadReferralConfig(env);
    expect(config.WEBHOOK_DEVELOPMENT_TARGETS).toBe(false);
    expect(config.WEBHOOK_RETRY_SCHEDULE).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
    expect(config.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(config.WEBHOOK_DISABLE_AFTER).toBe(5 * 86_400_000);
  });

  it('reads how long an endpoint may fail before it is disabled, and refuses none or a list', () => {
    expect(loadReferralConfig({ ...env, WEBHOOK_DISABLE_AFTER: '36h' }).WEBHOOK_DISABLE_AFTER).toBe(
      36 * 3_600_000,
    );
    for (const bad of ['0s', '5s,5m', 'a week', ''])
      expect(() => loadReferralConfig({ ...env, WEBHOOK_DISABLE_AFTER: bad })).toThrow(
        /WEBHOOK_DISABLE_AFTER/,
      );
  });

  it('reads a schedule of waits, and names a wait it cannot read', () => {
    expect(
      loadReferralConfig({ ...env, WEBHOOK_RETRY_SCHEDULE: '250ms, 2s,1m,1h' }).WEBHOOK_RETRY_SCHEDULE,
    ).toEqual([250, 2000, 60_000, 3_600_000]);
    expect(() => loadReferralConfig({ ...env, WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(
      /WEBHOOK_RETRY_SCHEDULE.*"soon" is not a wait/s,
    );
  });
});

describe('webhook failures as an agency reads them', () => {
  const failed = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it('names the kind of failure, never an internal address or host', () => {
    const refused = categoryOf(
      failed(
        'DNS lookup 10.12.0.7(family:4, host:hooks.example.org) is not allowed. Because, It is private IP address.',
      ),
    );
    expect(refused).toBe(
      'the address is not allowed: the host resolves to a private, loopback, link-local or metadata address',
    );
    expect(refused).not.toContain('10.12.0.7');
    expect(categoryOf(failed('getaddrinfo ENOTFOUND internal.example', 'ENOTFOUND'))).toBe(
      'ENOTFOUND: the host name does not resolve',
    );
    expect(categoryOf(failed('connect ECONNREFUSED 10.0.0.5:443', 'ECONNREFUSED'))).toBe(
      'ECONNREFUSED: the connection was refused',
    );
    expect(categoryOf(failed('socket hang up', 'ECONNRESET'))).toBe(
      'ECONNRESET: the connection was closed before an answer',
    );
    expect(categoryOf(failed('certificate has expired', 'CERT_HAS_EXPIRED'))).toBe(
      'CERT_HAS_EXPIRED: the TLS handshake or certificate was not accepted',
    );
    expect(categoryOf(failed('something odd at 10.1.1.1', 'EWHATEVER'))).toBe(
      'EWHATEVER: the request failed',
    );
  });
});
