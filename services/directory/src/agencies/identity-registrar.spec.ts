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

describe('IdentityRegistrar', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  it('answers 503 CLIENT_REGISTRATION_UNAVAILABLE, saying why, when no registrar secret is configured', async () => {
    const registrar = new IdentityRegistrar({ issuer: 'http://127.0.0.1:1', secret: undefined });
    expect(registrar.configured).toBe(false);
    const problem = await codeOf(registrar.call('GET', '/admin/clients?agencyId=a'));
    expect(problem.code).toBe('CLIENT_REGISTRATION_UNAVAILABLE');
    expect(problem.message).toMatch(/DIRECTORY_REGISTRAR_SECRET/);
  });

  it('answers 503 CLIENT_REGISTRATION_UNAVAILABLE when the identity provider cannot be reached, and logs why', async () => {
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    const registrar = new IdentityRegistrar({ issuer: 'http://127.0.0.1:1', secret: 'x'.repeat(32) });
    const problem = await codeOf(registrar.call('GET', '/admin/clients?agencyId=a'));
    expect(problem.code).toBe('CLIENT_REGISTRATION_UNAVAILABLE');
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('no registrar token'), expect.anything());
  });
});
