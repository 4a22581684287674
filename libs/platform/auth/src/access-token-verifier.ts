import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { InvalidClaimsError, principalFromClaims, type Principal } from './principal';

export interface AccessTokenVerifierOptions {
  /** The identity provider's issuer identifier (`iss`), e.g. http://127.0.0.1:3000. */
  issuer: string;
  /** This resource server's identifier: tokens must name it in `aud`. */
  audience: string;
  /**
   * The issuer's key set. Default: `jwks_uri` from the issuer's OpenID Connect discovery document
   * (`<issuer>/.well-known/openid-configuration`), fetched at the first token.
   */
  jwksUri?: string;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before a refetch, in ms. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /**
   * A token signed by a key id not in the cache refetches the key set (so a rotated key works at
   * once), but no more often than this, in ms. Default 30 s.
   */
  jwksCooldownMs?: number;
  /** Signature algorithms accepted; `none` and HMAC never are. */
  algorithms?: string[];
  /**
   * The JOSE `typ` a token must have: `at+jwt` by default (RFC 9068 access tokens, so an ID token
   * or another JWT from the same issuer is refused); `undefined` for providers that issue `JWT`.
   */
  tokenType?: string | undefined;
}

export const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/** The token is not acceptable (expired, wrong issuer or audience, bad signature, claims…): 401. */
export class TokenRejectedError extends Error {
  constructor(readonly reason: string) {
    super(`access token rejected: ${reason}`);
    this.name = 'TokenRejectedError';
  }
}

/** The identity provider (discovery or key set) cannot be reached: 503, not the caller's fault. */
export class IssuerUnavailableError extends Error {
  constructor(detail: string) {
    super(`cannot verify access tokens now: ${detail}`);
    this.name = 'IssuerUnavailableError';
  }
}

/**
 * Verifies OAuth2 JWT access tokens (RFC 9068 style) from any standards-compliant identity
 * provider with `jose`: signature by a key from the issuer's JWKS (cached, refetched on an
 * unknown key id), issuer, audience, expiry and not-before with a small leeway, then the
 * Throughcare claims (roles, agency, establishments) into a Principal.
 */
export class AccessTokenVerifier {
  private keys?: Promise<JWTVerifyGetKey>;
  private readonly clockTolerance: number;
  private readonly algorithms: string[];
  private readonly tokenType: string | undefined;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.clockTolerance = options.clockToleranceSeconds ?? 30;
    this.tokenType = 'tokenType' in options ? options.tokenType : 'at+jwt';
    this.algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    if (this.algorithms.some((a) => a === 'none' || a.startsWith('HS')))
      throw new Error('AccessTokenVerifier: `none` and HMAC algorithms are never accepted');
  }

  get audience(): string {
    return this.options.audience;
  }

  async verify(token: string): Promise<Principal> {
    const getKey = await this.keySet();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['exp', 'sub'],
        ...(this.tokenType ? { typ: this.tokenType } : {}),
      }));
    } catch (e) {
      throw this.rejection(e);
    }
    try {
      return principalFromClaims(payload);
    } catch (e) {
      if (e instanceof InvalidClaimsError) throw new TokenRejectedError(e.message);
      throw e;
    }
  }

  private rejection(e: unknown): Error {
    if (e instanceof joseErrors.JWKSTimeout) return new IssuerUnavailableError('key set fetch timed out');
    // The key set could not be fetched or read (HTTP error, not JSON, not a JWK Set): the
    // issuer's fault, not the token's.
    if (e instanceof joseErrors.JWKSInvalid)
      return new IssuerUnavailableError('the key set is not a JWK Set');
    if (e instanceof joseErrors.JOSEError && e.code === 'ERR_JOSE_GENERIC')
      return new IssuerUnavailableError(`key set fetch failed: ${e.message}`);
    if (e instanceof joseErrors.JWTExpired) return new TokenRejectedError('token expired');
    if (e instanceof joseErrors.JWTClaimValidationFailed)
      return new TokenRejectedError(
        `claim "${e.claim}" ${e.reason === 'check_failed' ? 'check failed' : e.reason}`,
      );
    if (e instanceof joseErrors.JWSSignatureVerificationFailed)
      return new TokenRejectedError('signature verification failed');
    if (e instanceof joseErrors.JWKSNoMatchingKey)
      return new TokenRejectedError("no key in the issuer's key set matches the token");
    if (e instanceof joseErrors.JOSEAlgNotAllowed)
      return new TokenRejectedError('signature algorithm not allowed');
    if (e instanceof joseErrors.JOSEError) return new TokenRejectedError(`malformed token (${e.code})`);
    // Anything else is the key set fetch failing (network, HTTP status, bad JSON).
    return new IssuerUnavailableError((e as Error)?.message ?? String(e));
  }

  /** The key set, discovering `jwks_uri` once; a failed discovery is retried at the next token. */
  private keySet(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      this.keys = this.discoverJwksUri().then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cacheMaxAge: this.options.jwksCacheMaxAgeMs ?? 10 * 60_000,
          cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
          timeoutDuration: 5_000,
        }),
      );
      this.keys.catch(() => (this.keys = undefined));
    }
    return this.keys;
  }

  private async discoverJwksUri(): Promise<string> {
    if (this.options.jwksUri) return this.options.jwksUri;
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (e) {
      throw new IssuerUnavailableError(`discovery at ${url} failed: ${(e as Error).message}`);
    }
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one configured.
    if (document.issuer !== this.options.issuer)
      throw new IssuerUnavailableError(
        `discovery at ${url} names issuer ${JSON.stringify(document.issuer)}, not ${this.options.issuer}`,
      );
    if (typeof document.jwks_uri !== 'string')
      throw new IssuerUnavailableError(`discovery at ${url} has no jwks_uri`);
    // Keys only from the issuer's own origin: a discovery document built from a forged Host
    // header (and cached on the way) must not make every service trust someone else's keys.
    let sameOrigin = false;
    try {
      sameOrigin = new URL(document.jwks_uri).origin === new URL(this.options.issuer).origin;
    } catch {
      /* not a URL */
    }
    if (!sameOrigin)
      throw new IssuerUnavailableError(
        `discovery at ${url} names jwks_uri ${JSON.stringify(document.jwks_uri)}, not on the issuer's origin (set AUTH_JWKS_URI to use another)`,
      );
    return document.jwks_uri;
  }
}

/** A resource server's settings: how tokens are verified, and how often one client may call. */
export interface AuthOptions extends AccessTokenVerifierOptions {
  /** Requests per minute per API client (see RateLimitGuard); unlimited when unset. */
  requestsPerMinute?: number;
}

/** Auth options from a service's AUTH_* and RATE_LIMIT_* configuration (CommonEnv.auth). */
export function accessTokenOptionsFrom(config: {
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_JWKS_URI?: string;
  AUTH_CLOCK_TOLERANCE_SECONDS: number;
  AUTH_TOKEN_TYPE: string;
  RATE_LIMIT_REQUESTS_PER_MINUTE?: number;
}): AuthOptions {
  return {
    ...(config.RATE_LIMIT_REQUESTS_PER_MINUTE
      ? { requestsPerMinute: config.RATE_LIMIT_REQUESTS_PER_MINUTE }
      : {}),
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    ...(config.AUTH_JWKS_URI ? { jwksUri: config.AUTH_JWKS_URI } : {}),
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    tokenType: config.AUTH_TOKEN_TYPE === 'any' ? undefined : config.AUTH_TOKEN_TYPE,
  };
}
