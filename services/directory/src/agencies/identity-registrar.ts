import { HttpStatus, ServiceUnavailableException, type HttpException } from '@nestjs/common';
import * as oidc from 'openid-client';

/** The directory's client at the identity provider (services/identity `REGISTRAR_CLIENT_ID`). */
export const REGISTRAR_CLIENT_ID = 'throughcare-directory';
/** The audience of the identity provider's administration API. */
const IDENTITY_RESOURCE = 'urn:throughcare:identity';
/** A token is fetched again this long before it expires. */
const REFRESH_MARGIN_MS = 30_000;
const TIMEOUT_MS = 10_000;

/** An agency's API client, as the identity provider shows it (never its secret hash). */
export interface AgencyClientView {
  clientId: string;
  name: string;
  roles: string[];
  agencyId: string | null;
  establishments: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

export interface RegistrarAnswer<T> {
  status: number;
  body: T;
}

export function clientRegistrationUnavailable(detail: string): HttpException {
  return new ServiceUnavailableException({
    statusCode: HttpStatus.SERVICE_UNAVAILABLE,
    code: 'CLIENT_REGISTRATION_UNAVAILABLE',
    message: detail,
  });
}

/**
 * The identity provider's administration API, called as the registrar client
 * (`throughcare-directory`, client credentials, audience `urn:throughcare:identity`). The provider
 * lets this client touch agencies' clients only, and records the directory's caller as the one
 * who registered or revoked. Its token is cached until shortly before it expires.
 *
 * Without `secret` (DIRECTORY_REGISTRAR_SECRET unset, e.g. with an external identity provider,
 * which registers clients its own way) every call answers 503 CLIENT_REGISTRATION_UNAVAILABLE.
 */
export class IdentityRegistrar {
  private configuration?: Promise<oidc.Configuration>;
  private token?: { value: string; expiresAt: number };
  /** The grant under way: concurrent calls share it instead of each asking for a token. */
  private pending?: Promise<string>;

  constructor(private readonly options: { issuer: string; secret: string | undefined }) {}

  get configured(): boolean {
    return this.options.secret !== undefined;
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RegistrarAnswer<T>> {
    const send = async (token: string) =>
      fetch(`${this.options.issuer.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    let response: Response;
    try {
      response = await send(await this.accessToken());
      if (response.status === 401) {
        // A rotated key or a token the provider no longer accepts: one fresh token, once.
        this.token = undefined;
        response = await send(await this.accessToken());
      }
    } catch (e) {
      if (e instanceof ServiceUnavailableException) throw e;
      console.error(`directory: the identity provider's administration API is unreachable`, e);
      throw clientRegistrationUnavailable('the identity provider is unreachable; retry later');
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    if (response.status >= 500 || response.status === 401 || parsed === undefined) {
      console.error(
        `directory: the identity provider answered ${method} ${path} with ${response.status}`,
        parsed,
      );
      throw clientRegistrationUnavailable(
        `the identity provider could not take the request (${response.status}); retry later`,
      );
    }
    return { status: response.status, body: parsed as T };
  }

  private async accessToken(): Promise<string> {
    const secret = this.options.secret;
    if (secret === undefined)
      throw clientRegistrationUnavailable(
        'client registration is not configured here (DIRECTORY_REGISTRAR_SECRET): register clients at the identity provider',
      );
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > Date.now()) return this.token.value;
    this.pending ??= this.grant(secret).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async grant(secret: string): Promise<string> {
    try {
      const tokens = await oidc.clientCredentialsGrant(await this.provider(secret), {
        resource: IDENTITY_RESOURCE,
      });
      this.token = {
        value: tokens.access_token,
        expiresAt: Date.now() + (tokens.expires_in ?? 60) * 1000,
      };
      return this.token.value;
    } catch (e) {
      console.error(`directory: no registrar token from ${this.options.issuer}`, e);
      throw clientRegistrationUnavailable(
        'the directory could not obtain its registrar token from the identity provider; retry later',
      );
    }
  }

  /** The provider's metadata, discovered once (again after a failure). */
  private provider(secret: string): Promise<oidc.Configuration> {
    const issuer = new URL(this.options.issuer);
    this.configuration ??= oidc
      .discovery(issuer, REGISTRAR_CLIENT_ID, undefined, oidc.ClientSecretBasic(secret), {
        // Discovery, and every grant made with this configuration, give up like the calls do.
        timeout: TIMEOUT_MS / 1000,
        ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((e: unknown) => {
        this.configuration = undefined;
        throw e;
      });
    return this.configuration;
  }
}
