import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { DASHBOARD_SIGN_IN_OPTIONS, type DashboardSignInOptions } from './dashboard-sign-in.options';
import {
  cookieValue,
  isDashboardPage,
  SESSION_COOKIE,
  unseal,
  type DashboardSession,
} from './session-cookie';

/** The dashboard's pages (a browser without a session is sent to sign-in) and its data. */
const PAGES = new Set(['/dashboard', '/dashboard/cases']);
const SESSION_ROUTES = new Set([...PAGES, '/dashboard/data']);

/**
 * GET /dashboard, /dashboard/cases and /dashboard/data accept a signed-in staff member's session
 * cookie: its sealed access token becomes the request's bearer token, so the global AuthGuard
 * verifies it and checks the role exactly as for an API client (a request that brings its own
 * Authorization header keeps it). A page asked for without either goes to sign-in, which comes
 * back to it, filters and all (`next`).
 *
 * POST /codec/decode and /codec/encode accept an operator's cookie (set with Path=/codec at
 * sign-in) when the request comes from the Temporal UI's origin (its `Origin` header, which a
 * browser always sends on a cross-origin POST and a page cannot forge), so the UI, with "include
 * cross-origin credentials" on, shows an operator's journeys decrypted. A JSON POST from another
 * origin needs a CORS preflight, which only the UI's origin passes. Nothing that changes state is
 * reachable with the cookie: the codec changes nothing.
 */
@Injectable()
export class DashboardSessionMiddleware implements NestMiddleware {
  constructor(@Inject(DASHBOARD_SIGN_IN_OPTIONS) private readonly options: DashboardSignInOptions) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    // Mounted middleware sees its URL relative to the mount point; the full one is originalUrl.
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
    const path = url.split('?')[0]!.replace(/\/+$/, '');
    if (req.headers.authorization) return next();
    const codec =
      req.method === 'POST' &&
      (path === '/codec/decode' || path === '/codec/encode') &&
      req.headers.origin === this.options.codecOrigin;
    if (!codec && (req.method !== 'GET' || !SESSION_ROUTES.has(path))) return next();
    const sealed = unseal<DashboardSession>(
      this.options.sessionKey,
      cookieValue(req.headers.cookie, SESSION_COOKIE),
    );
    // Each route takes only its own kind of cookie (a leaked codec cookie opens no dashboard).
    const session = sealed?.purpose === (codec ? 'codec' : 'dashboard') ? sealed : undefined;
    if (session) {
      req.headers.authorization = `Bearer ${session.accessToken}`;
      return next();
    }
    if (!codec && PAGES.has(path)) {
      // Back to the page asked for, when sign-in can take it (else the dashboard itself).
      const back =
        (url.includes('?') || path !== '/dashboard') && isDashboardPage(url)
          ? `?next=${encodeURIComponent(url)}`
          : '';
      res.writeHead(302, { location: `/dashboard/sign-in${back}`, 'cache-control': 'no-store' }).end();
      return;
    }
    next();
  }
}
