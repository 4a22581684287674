import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceUnavailableException } from '@nestjs/common';
import { IdentityRegistrar } from './identity-registrar';

const codeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceUnavailableException);
  return (error as ServiceUnavailableException).getResponse() as { code: string; message: string };
};

/**
 * A stand-in for the provider's HTTP surface (discovery, token endpoint, one admin route), to
 * count what the registrar asks for: the real provider's behaviour is the int spec's subject.
 */
class StandInProvider {
  grants = 0;
  adminCalls: string[] = [];
  /** Status of the next admin answers, in order (then 200). */
  adminStatuses: number[] = [];
  expiresIn = 300;
  private server?: Server;
  issuer = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration')
      return json(200, {
        issuer: this.issuer,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
      });
    if (req.url === '/token' && req.method === 'POST') {
      this.grants += 1;
      // A slow grant, so that concurrent callers overlap it.
      await new Promise((r) => setTimeout(r, 50));
      return json(200, {
        access_token: `token-${this.grants}`,
        token_type: 'Bearer',
        expires_in: this.expiresIn,
      });
    }
    this.adminCalls.push(`${req.headers.authorization ?? ''} ${req.url ?? ''}`);
    const status = this.adminStatuses.shift() ?? 200;
    return json(status, status === 200 ? { items: [], next: null } : { status, title: 'x' });
  }
}

describe('IdentityRegistrar', () => {
  let errors: jest.SpyInstance;
  const provider = new StandInProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    provider.grants = 0;
    provider.adminCalls = [];
    provider.adminStatuses = [];
    provider.expiresIn = 300;
  });
  afterEach(() => errors.mockRestore());

  const registrar = () => new IdentityRegistrar({ issuer: provider.issuer, secret: 'x'.repeat(32) });

  it('asks for one token for concurrent calls and reuses it while it is fresh', async () => {
    const r = registrar();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => r.call('GET', '/admin/clients?agencyId=a')),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await r.call('GET', '/admin/clients?agencyId=b');
    expect(provider.grants).toBe(1);
    expect(provider.adminCalls.every((c) => c.startsWith('Bearer token-1 '))).toBe(true);
  });

  it('asks again for a token that expires within the refresh margin', async () => {
    provider.expiresIn = 20; // under the 30 s margin: never reused
    const r = registrar();
    await r.call('GET', '/admin/clients?agencyId=a');
    await r.call('GET', '/admin/clients?agencyId=a');
    expect(provider.grants).toBe(2);
  });

  it('retries once with a fresh token after a 401, and answers 503 when the provider still refuses', async () => {
    const r = registrar();
    provider.adminStatuses = [401];
    expect((await r.call('GET', '/admin/clients?agencyId=a')).status).toBe(200);
    expect(provider.grants).toBe(2);
    expect(provider.adminCalls.map((c) => c.split(' ')[1])).toEqual(['token-1', 'token-2']);

    provider.adminStatuses = [401, 401];
    const problem = await codeOf(r.call('GET', '/admin/clients?agencyId=a'));
    expect(problem.code).toBe('CLIENT_REGISTRATION_UNAVAILABLE');
  });

  it('answers 503 for a provider error, passing on no detail of it', async () => {
    provider.adminStatuses = [500];
    const problem = await codeOf(registrar().call('GET', '/admin/clients?agencyId=a'));
    expect(problem).toMatchObject({ code: 'CLIENT_REGISTRATION_UNAVAILABLE' });
    expect(problem.message).not.toMatch(/title/);
  });

  it('answers 503 CLIENT_REGISTRATION_UNAVAILABLE, saying why, when no registrar secret is configured', async () => {
    const r = new IdentityRegistrar({ issuer: provider.issuer, secret: undefined });
    expect(r.configured).toBe(false);
    const problem = await codeOf(r.call('GET', '/admin/clients?agencyId=a'));
    expect(problem.code).toBe('CLIENT_REGISTRATION_UNAVAILABLE');
    expect(problem.message).toMatch(/DIRECTORY_REGISTRAR_SECRET/);
    expect(provider.grants).toBe(0);
  });

  it('answers 503 CLIENT_REGISTRATION_UNAVAILABLE when the identity provider cannot be reached, and logs why', async () => {
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    const r = new IdentityRegistrar({ issuer: 'http://127.0.0.1:1', secret: 'x'.repeat(32) });
    const problem = await codeOf(r.call('GET', '/admin/clients?agencyId=a'));
    expect(problem.code).toBe('CLIENT_REGISTRATION_UNAVAILABLE');
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('no registrar token'), expect.anything());
  });
});
