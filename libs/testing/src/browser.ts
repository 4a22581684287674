import { randomBytes } from 'node:crypto';
import { clientToken, adminClient, testIdentity, type IdentityTarget } from './identity';

/**
 * A browser's cookies, enough for sign-in tests over plain HTTP: cookies by host (port included),
 * name and path (RFC 6265 path-match: a cookie for `/codec` goes with `/codec/decode`, not with
 * `/dashboard`); an expired or emptied cookie is forgotten. SameSite is not modelled (the flows
 * under test are top-level navigations, same-origin form posts and the codec's calls from the
 * Temporal UI's origin, which the tests set as a browser would).
 */
export class CookieJar {
  private readonly cookies = new Map<string, Map<string, { value: string; attributes: string }>>();

  private static key(name: string, path: string): string {
    return `${name}\u0000${path}`;
  }

  /** Whether a cookie for `cookiePath` goes with a request for `requestPath`. */
  private static pathMatches(cookiePath: string, requestPath: string): boolean {
    if (requestPath === cookiePath) return true;
    if (!requestPath.startsWith(cookiePath)) return false;
    return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
  }

  /** Takes the Set-Cookie headers of `response` to `url`. */
  store(url: string, response: Response): void {
    const { host, pathname } = new URL(url);
    let jar = this.cookies.get(host);
    if (!jar) this.cookies.set(host, (jar = new Map()));
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attrs = attributes.join(';').toLowerCase();
      // The path as sent (paths are case-sensitive), else the request's directory (RFC 6265 5.1.4).
      const path =
        /(?:^|;)\s*path=([^;]*)/i.exec(attributes.join(';'))?.[1]?.trim() ||
        pathname.replace(/\/[^/]*$/, '') ||
        '/';
      const expires = /expires=([^;]+)/.exec(attrs)?.[1];
      const gone =
        value === '' ||
        /max-age=0\b/.test(attrs) ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) jar.delete(CookieJar.key(name, path));
      else jar.set(CookieJar.key(name, path), { value, attributes: attrs });
    }
  }

  /** The cookies that go with a request to `url`, longest path first (as browsers order them). */
  private matching(url: string): Array<{ name: string; path: string; value: string; attributes: string }> {
    const { host, pathname } = new URL(url);
    return [...(this.cookies.get(host) ?? [])]
      .map(([key, c]) => {
        const [name = '', path = '/'] = key.split('\u0000');
        return { name, path, ...c };
      })
      .filter((c) => CookieJar.pathMatches(c.path, pathname))
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The Cookie header for a request to `url`. */
  header(url: string): string {
    return this.matching(url)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** The attributes (lower-cased) of the cookie `name` that goes with `url`, for assertions. */
  attributes(url: string, name: string): string | undefined {
    return this.matching(url).find((c) => c.name === name)?.attributes;
  }

  /** Whether a cookie `name` goes with a request to `url`. */
  has(url: string, name: string): boolean {
    return this.matching(url).some((c) => c.name === name);
  }
}

/** One request as a browser makes it: the jar's cookies sent and updated, redirects not followed. */
export async function browse(
  jar: CookieJar,
  url: string,
  init: {
    method?: string;
    form?: Record<string, string>;
    headers?: Record<string, string>;
    /** A body sent as it is (its content type in `headers`), instead of a form. */
    body?: string;
  } = {},
): Promise<Response> {
  const cookie = jar.header(url);
  const response = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    },
    body: init.form ? new URLSearchParams(init.form).toString() : init.body,
  });
  jar.store(url, response);
  return response;
}

/** Follows redirects from `url` as a browser does (GET), until an answer that is not one, or `stopAt` matches. */
export async function follow(
  jar: CookieJar,
  url: string,
  options: { stopAt?: (url: string) => boolean; max?: number } = {},
): Promise<{ url: string; response: Response }> {
  let current = url;
  for (let hop = 0; hop < (options.max ?? 10); hop++) {
    if (options.stopAt?.(current)) return { url: current, response: new Response(null, { status: 204 }) };
    const response = await browse(jar, current);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
    current = new URL(location, current).toString();
  }
  throw new Error(`more than ${options.max ?? 10} redirects from ${url}`);
}

/** The `action` of the first form in `html`, resolved against `base`. */
export function formAction(html: string, base: string): string {
  const action = /<form[^>]*\saction="([^"]*)"/i.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in: ${html.slice(0, 500)}`);
  return new URL(
    action.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
    base,
  ).toString();
}

/** The hidden inputs of the first form in `html` (name → value). */
export function hiddenInputs(html: string): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1];
    if (name) inputs[name] = value ?? '';
  }
  return inputs;
}

export interface StaffAccount {
  userId: string;
  username: string;
  password: string;
}

/** Creates a staff account through the identity provider's administration API (a given password). */
export async function createStaff(
  account: { roles: string[]; establishments?: string[]; agencyId?: string; displayName?: string },
  target: IdentityTarget = testIdentity(),
): Promise<StaffAccount> {
  const admin = await clientToken(adminClient(target), 'urn:throughcare:identity', target);
  const username = `spec-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const response = await fetch(`${target.issuer}/admin/staff`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      username,
      displayName: account.displayName ?? `Spec ${account.roles.join('+')}`,
      roles: account.roles,
      password,
      ...(account.establishments ? { establishments: account.establishments } : {}),
      ...(account.agencyId ? { agencyId: account.agencyId } : {}),
    }),
  });
  const body = (await response.json()) as { userId?: string };
  if (response.status !== 201 || !body.userId)
    throw new Error(`creating a staff account failed: ${response.status} ${JSON.stringify(body)}`);
  return { userId: body.userId, username, password };
}
