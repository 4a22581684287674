import { randomBytes } from 'node:crypto';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { NoPersonalData } from '@throughcare/platform-audit';
import { AccessTokenVerifier, hasRole, PublicRoute, routeNotFound } from '@throughcare/platform-auth';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { DASHBOARD_SIGN_IN_OPTIONS, type DashboardSignInOptions } from './dashboard-sign-in.options';
import {
  CODEC_COOKIE_PATH,
  cookieValue,
  isDashboardPage,
  seal,
  SESSION_COOKIE,
  setCookie,
  SIGN_IN_COOKIE,
  unseal,
  type DashboardSession,
  type SignInState,
} from './session-cookie';

const SIGN_IN_SECONDS = 600;
const RESOURCE_SCOPE = 'api';

/**
 * Staff sign-in to the dashboard (issue 8): this service is an OpenID Connect relying party
 * (`openid-client`) of the identity provider, as the confidential client `throughcare-dashboard`,
 * using the authorization code flow with PKCE (S256), state and nonce, and asking for an access
 * token for its own audience (RFC 8707). The callback admits managers and operators only; the
 * access token then travels sealed in an HttpOnly cookie (DashboardSessionMiddleware turns it
 * back into a bearer token for GET /dashboard and /dashboard/data) until it expires.
 */
@ApiExcludeController()
@NoPersonalData(
  "staff sign-in: handles only the signing-in staff member's own tokens and session; discloses nothing about people in throughcare",
)
@Controller('dashboard')
export class DashboardSignInController {
  private configuration?: Promise<oidc.Configuration>;
  private readonly verifier: AccessTokenVerifier;
  private readonly secure: boolean;

  constructor(@Inject(DASHBOARD_SIGN_IN_OPTIONS) private readonly options: DashboardSignInOptions) {
    this.verifier = new AccessTokenVerifier({
      issuer: options.issuer,
      audience: options.audience,
      clockToleranceSeconds: options.clockToleranceSeconds,
    });
    this.secure = new URL(options.publicUrl).protocol === 'https:';
  }

  /** The provider's metadata, discovered once (again after a failure). */
  private provider(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(
        new URL(this.options.issuer),
        this.options.clientId,
        { id_token_signed_response_alg: 'ES256' },
        oidc.ClientSecretBasic(this.options.clientSecret),
        new URL(this.options.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {},
      )
      .catch((e: unknown) => {
        this.configuration = undefined;
        throw e;
      });
    return this.configuration;
  }

  private get base(): string {
    return this.options.publicUrl.replace(/\/+$/, '');
  }

  @Get('sign-in')
  @PublicRoute('starts staff sign-in: a redirect to the identity provider, nothing shown')
  async signIn(@Query('next') next: unknown, @Res() reply: FastifyReply): Promise<void> {
    // Where to come back to: a dashboard page of this origin only (never another site's address).
    if (next !== undefined && (typeof next !== 'string' || !isDashboardPage(next)))
      throw new ValidationFailedError(
        'next must be a dashboard page of this site (/dashboard or /dashboard/cases, with its query)',
        [{ field: 'next', message: 'must be /dashboard or /dashboard/cases, with its query' }],
      );
    const config = await this.provider();
    const sign: SignInState = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      expiresAt: Math.floor(Date.now() / 1000) + SIGN_IN_SECONDS,
      ...(next ? { next } : {}),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${this.base}/dashboard/callback`,
      scope: `openid ${RESOURCE_SCOPE}`,
      resource: this.options.audience,
      state: sign.state,
      nonce: sign.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(sign.verifier),
      code_challenge_method: 'S256',
    });
    void reply
      .code(302)
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        setCookie(SIGN_IN_COOKIE, seal(this.options.sessionKey, sign), SIGN_IN_SECONDS, this.secure),
      )
      .header('location', url.href)
      .send();
  }

  @Get('callback')
  @PublicRoute('the identity provider returns sign-ins here; admits only a code this browser asked for')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const sign = unseal<SignInState>(
      this.options.sessionKey,
      cookieValue(request.headers.cookie, SIGN_IN_COOKIE),
    );
    const clearSignIn = setCookie(SIGN_IN_COOKIE, '', 0, this.secure);
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    if (!sign) throw routeNotFound('GET', '/dashboard/callback');
    let tokens: oidc.TokenEndpointResponse;
    try {
      tokens = await oidc.authorizationCodeGrant(
        await this.provider(),
        new URL(`${this.base}/dashboard/callback${query}`),
        {
          pkceCodeVerifier: sign.verifier,
          expectedState: sign.state,
          expectedNonce: sign.nonce,
          idTokenExpected: true,
        },
        { resource: this.options.audience },
      );
    } catch {
      // A refused sign-in, a forged or replayed callback: nothing to say to the browser.
      void reply.header('set-cookie', clearSignIn);
      throw routeNotFound('GET', '/dashboard/callback');
    }
    const principal = await this.verifier.verify(tokens.access_token).catch(() => undefined);
    if (!principal || !hasRole(principal, ['manager', 'operator']) || !tokens.id_token) {
      void reply.header('set-cookie', clearSignIn);
      throw routeNotFound('GET', '/dashboard/callback');
    }
    const lifetime = tokens.expires_in ?? 300;
    const session: DashboardSession = {
      purpose: 'dashboard',
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      expiresAt: Math.floor(Date.now() / 1000) + lifetime,
    };
    const sealed = seal(this.options.sessionKey, session);
    // The codec's own cookie: no ID token (it cannot sign anyone out), and only for operators;
    // anyone else's sign-in clears one a previous operator left in this browser.
    const codec = hasRole(principal, ['operator'])
      ? setCookie(
          SESSION_COOKIE,
          seal(this.options.sessionKey, { ...session, purpose: 'codec', idToken: '' }),
          lifetime,
          this.secure,
          CODEC_COOKIE_PATH,
        )
      : setCookie(SESSION_COOKIE, '', 0, this.secure, CODEC_COOKIE_PATH);
    void reply
      .code(303)
      .header('cache-control', 'no-store')
      .header('set-cookie', [
        clearSignIn,
        setCookie(SESSION_COOKIE, sealed, lifetime, this.secure),
        // An operator's Temporal UI may send it to the codec (DashboardSessionMiddleware).
        codec,
      ])
      .header('location', sign.next ?? '/dashboard')
      .send();
  }

  @Get('sign-out')
  @PublicRoute('ends the dashboard session (its cookie) and the provider session; shows nothing')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = unseal<DashboardSession>(
      this.options.sessionKey,
      cookieValue(request.headers.cookie, SESSION_COOKIE),
    );
    const target = oidc.buildEndSessionUrl(await this.provider(), {
      post_logout_redirect_uri: `${this.base}/dashboard/signed-out`,
      ...(session ? { id_token_hint: session.idToken } : {}),
    });
    void reply
      .code(303)
      .header('cache-control', 'no-store')
      .header('set-cookie', [
        setCookie(SESSION_COOKIE, '', 0, this.secure),
        setCookie(SESSION_COOKIE, '', 0, this.secure, CODEC_COOKIE_PATH),
      ])
      .header('location', target.href)
      .send();
  }

  @Get('signed-out')
  @PublicRoute('a static "signed out" page with a sign-in link; shows no data')
  signedOut(@Res() reply: FastifyReply): void {
    void reply
      .code(200)
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Throughcare: signed out</title></head>' +
          '<body><h1>You are signed out</h1><p><a href="/dashboard/sign-in">Sign in again</a></p></body></html>',
      );
  }
}

/** A random 32-byte key, base64url: what DASHBOARD_SESSION_KEY holds. */
export const newSessionKey = () => randomBytes(32).toString('base64url');
