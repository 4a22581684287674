import { bearer, type TestPrincipal } from '@throughcare/testing';

// Access tokens for the orchestrator's integration specs (issue 8).

/** The orchestrator's audience: the `resource` its access tokens are issued for. */
export const ORCHESTRATOR_AUDIENCE = 'urn:throughcare:orchestrator';

/** `Authorization` header for a request to the orchestrator as `principal` (a real token). */
export const orchestratorAuth = (principal: TestPrincipal): Promise<Record<string, string>> =>
  bearer(principal, ORCHESTRATOR_AUDIENCE);

/** `Authorization` header of an operator (attention items, dead letters, plans, breaches). */
export const operatorAuth = (): Promise<Record<string, string>> => orchestratorAuth({ roles: ['operator'] });

/**
 * Asserts that `res` (the answer to `method path`, a path without a query) is exactly what the
 * router answers for a route that does not exist: the same status, content type and problem+json
 * body as an unknown path's, bar the path itself, and no `WWW-Authenticate` challenge.
 */
export async function expectNoSuchRoute(
  base: string,
  res: Response,
  method: 'GET' | 'POST',
  path: string,
): Promise<void> {
  const unknownPath = '/no-such-route';
  const unknown = await fetch(`${base}${unknownPath}`, { method, headers: await operatorAuth() });
  const unknownBody = (await unknown.json()) as Record<string, unknown>;
  expect(unknown.status).toBe(404);
  expect(unknownBody).toMatchObject({ detail: `Cannot ${method} ${unknownPath}`, instance: unknownPath });

  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
  expect(res.headers.get('www-authenticate')).toBeNull();
  expect(await res.json()).toEqual({ ...unknownBody, detail: `Cannot ${method} ${path}`, instance: path });
}

/** Asserts a 401 problem+json with the Bearer challenge (no token, or one that is not valid here). */
export async function expectUnauthenticated(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="throughcare"/);
  expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
}
