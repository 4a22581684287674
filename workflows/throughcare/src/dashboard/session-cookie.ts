import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The dashboard's cookies, sealed with AES-256-GCM under the configured key (DASHBOARD_SESSION_KEY):
 * the browser holds them but can neither read nor alter them. `dashboard_session` carries the
 * staff member's access token (and ID token, for signing out at the provider) until the access
 * token expires; `dashboard_sign_in` carries one sign-in's state, nonce and PKCE verifier for ten
 * minutes.
 */
export const SESSION_COOKIE = 'dashboard_session';
export const SIGN_IN_COOKIE = 'dashboard_sign_in';

export interface DashboardSession {
  /**
   * Which routes the cookie opens: the dashboard's (Path=/dashboard), or only the Temporal codec's
   * (Path=/codec). Each route refuses the other's, so a codec cookie that leaks (cookies ignore
   * ports: any server on the same host can be sent it) opens nothing else.
   */
  purpose: 'dashboard' | 'codec';
  accessToken: string;
  idToken: string;
  /** Epoch seconds: the access token's expiry, and the cookie's. */
  expiresAt: number;
}

export interface SignInState {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
  /** The dashboard page to return to (its path and query), when sign-in started from one. */
  next?: string;
}

export function seal(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The sealed value, or undefined when it was not sealed with `key`, was altered or has expired. */
export function unseal<T extends { expiresAt: number }>(
  key: Buffer,
  sealed: string | undefined,
): T | undefined {
  if (!sealed) return undefined;
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const value = JSON.parse(
      Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
    ) as T;
    return typeof value.expiresAt === 'number' && value.expiresAt > Date.now() / 1000 ? value : undefined;
  } catch {
    return undefined;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Where a signed-in operator's session is also sent: the Temporal codec endpoint (see DashboardSessionMiddleware). */
export const CODEC_COOKIE_PATH = '/codec';

/** A Set-Cookie header: HttpOnly, SameSite=Lax, Path=/dashboard (or `path`), Secure on https; `maxAge` 0 clears it. */
export function setCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  secure: boolean,
  path = '/dashboard',
): string {
  return [
    `${name}=${value}`,
    `Path=${path}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * A page sign-in may return to (`next`): this origin's dashboard or its cases, with a query of
 * printable ASCII (as a browser sends it, percent-encoded): no space, control character, fragment
 * or backslash, at most 2,000 characters.
 */
export function isDashboardPage(next: string): boolean {
  return next.length <= 2000 && /^\/dashboard(\/cases)?(\?[!-"$-[\]-~]*)?$/.test(next);
}
