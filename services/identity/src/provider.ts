import Provider, { errors, type AdapterPayload, type Configuration, type JWKS } from 'oidc-provider';
import type { DataSource } from 'typeorm';
import { IDENTITY_AUDIENCE, THROUGHCARE_RESOURCES } from './config';
import { REGISTRAR_CLIENT_ID, type ApiClient, type ClientStore } from './client-store';
import { escapeHtml, page, pageCsp } from './pages';
import { ProviderStateAdapter } from './provider-store';
import { hashSecret, secretMatches } from './secret-hash';
import type { StaffStore } from './staff-store';

/** The orchestrator's dashboard: the first-party client staff sign in to (authorization code + PKCE). */
export const DASHBOARD_CLIENT_ID = 'throughcare-dashboard';

/** Client metadata under which a registered client's Throughcare attributes travel. */
const ROLES = 'throughcare_roles';
const AGENCY = 'throughcare_agency_id';
const ESTABLISHMENTS = 'throughcare_establishments';
/** Client metadata: a first-party client, whose sign-ins need no consent screen. */
const FIRST_PARTY = 'throughcare_first_party';

export interface ProviderOptions {
  issuer: string;
  jwks: JWKS;
  cookieSecret: string;
  accessTokenTtlSeconds: number;
  /** How long a sign-in lasts at the provider (its session and the grant). */
  sessionTtlSeconds: number;
  clients: ClientStore;
  staff: StaffStore;
  db: DataSource;
  /** The dashboard client, when configured: its secret and the orchestrator's public URL. */
  dashboard?: { clientSecret: string; url: string };
}

/** oidc-provider's metadata for a registered, unrevoked client. */
function clientMetadata(c: ApiClient): AdapterPayload {
  return {
    client_id: c.clientId,
    // oidc-provider requires a secret for secret-based authentication; ours is the stored hash,
    // and compareClientSecret (below) checks the presented secret against it.
    client_secret: c.secretHash,
    client_name: c.name,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    [ROLES]: c.roles,
    [AGENCY]: c.agencyId,
    [ESTABLISHMENTS]: c.establishments,
  };
}

/** oidc-provider's metadata for the dashboard client (configured, not registered). */
function dashboardMetadata(dashboard: { clientSecret: string; url: string }): AdapterPayload {
  const base = dashboard.url.replace(/\/+$/, '');
  return {
    client_id: DASHBOARD_CLIENT_ID,
    client_secret: hashSecret(dashboard.clientSecret),
    client_name: 'Throughcare dashboard',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${base}/dashboard/callback`],
    post_logout_redirect_uris: [`${base}/dashboard/signed-out`],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    [FIRST_PARTY]: true,
  };
}

/**
 * Storage: clients come from Postgres (a revoked client is unknown, so it cannot obtain a token)
 * or, for the dashboard, from the configuration; sessions, interactions, authorization codes and
 * grants live in Postgres with their expiry (provider-store.ts), so any instance serves any step
 * of a sign-in. Access tokens are JWTs and are not stored; nothing else is accepted.
 */
function adapterFor(options: ProviderOptions) {
  const dashboard = options.dashboard ? dashboardMetadata(options.dashboard) : undefined;
  return class extends ProviderStateAdapter {
    constructor(private readonly modelName: string) {
      super(options.db, modelName);
    }

    override async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.modelName === 'Client') {
        if (id === DASHBOARD_CLIENT_ID) return dashboard;
        const client = await options.clients.find(id);
        return client && !client.revokedAt ? clientMetadata(client) : undefined;
      }
      return super.find(id);
    }
  };
}

const requestedResources = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);

/**
 * The embedded OpenID Connect provider (the certified `oidc-provider`): client-credentials
 * access tokens for agencies' systems and other API clients, and for staff the authorization
 * code flow (PKCE S256 required) through the dashboard client: an ID token, and an access token
 * for the service named by `resource`. Access tokens are RFC 9068 JWTs signed with ES256, one
 * audience per Throughcare service (RFC 8707 resource indicators; the `resource` parameter is
 * required), carrying the roles, agency and establishments of the client (client credentials)
 * or of the staff account (`sub` = its user id, `client_id` = the dashboard).
 */
export function createProvider(options: ProviderOptions): Provider {
  const configuration: Configuration = {
    adapter: adapterFor(options),
    jwks: options.jwks,
    cookies: { keys: [options.cookieSecret] },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    extraClientMetadata: { properties: [ROLES, AGENCY, ESTABLISHMENTS, FIRST_PARTY] },
    responseTypes: ['code'],
    pkce: { required: () => true }, // and only S256: oidc-provider 9 refuses `plain`
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    findAccount: async (_ctx, sub) => {
      const user = await options.staff.findActive(sub);
      if (!user) return undefined; // disabled: its session ends and its codes are refused
      return {
        accountId: user.userId,
        claims: () => ({ sub: user.userId, name: user.displayName, preferred_username: user.username }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // First-party clients (the dashboard) need no consent screen: the grant is made here.
    loadExistingGrant: async (ctx) => {
      const client = ctx.oidc.client as unknown as Record<string, unknown> | undefined;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId || client[FIRST_PARTY] !== true) return undefined;
      const resources = requestedResources(ctx.oidc.params?.['resource']);
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(String(client['clientId']));
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      const grant =
        existing ??
        new ctx.oidc.provider.Grant({ clientId: String(client['clientId']), accountId: session.accountId });
      grant.addOIDCScope('openid profile');
      for (const resource of resources) grant.addResourceScope(resource, 'api');
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.set('content-security-policy', pageCsp([]));
      ctx.body = page(
        'Throughcare: sign-in failed',
        `<h1>Sign-in failed</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`,
      );
    },
    features: {
      clientCredentials: { enabled: true },
      // Client credentials and the authorization code flow with logout; no dev interactions,
      // introspection, revocation, PAR, userinfo or DPoP.
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.set(
            'content-security-policy',
            pageCsp(options.dashboard ? [new URL(options.dashboard.url).origin] : []),
          );
          ctx.body = page(
            'Throughcare: sign out',
            `<h1>Sign out of Throughcare?</h1>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout" autofocus>Sign out</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.set('content-security-policy', pageCsp([]));
          ctx.body = page('Throughcare: signed out', '<h1>You are signed out</h1>');
        },
      },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: false },
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => {
          throw new errors.InvalidTarget(
            `the resource parameter (RFC 8707) is required: one of ${THROUGHCARE_RESOURCES.join(', ')}`,
          );
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (!(THROUGHCARE_RESOURCES as readonly string[]).includes(resource))
            throw new errors.InvalidTarget(`unknown resource; one of ${THROUGHCARE_RESOURCES.join(', ')}`);
          // The directory's registrar acts at this provider's administration API and nowhere else.
          if (client.clientId === REGISTRAR_CLIENT_ID && resource !== IDENTITY_AUDIENCE)
            throw new errors.InvalidTarget(`${REGISTRAR_CLIENT_ID} may ask for ${IDENTITY_AUDIENCE} only`);
          return {
            scope: 'api',
            audience: resource,
            accessTokenTTL: options.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: options.accessTokenTtlSeconds,
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: options.accessTokenTtlSeconds,
      Interaction: 600,
      // Absolute, not sliding: each use re-saves the session, so a plain number would extend it
      // for as long as someone kept using it (review finding); it ends sessionTtlSeconds after sign-in.
      Session: absoluteSessionTtl(options.sessionTtlSeconds),
      Grant: options.sessionTtlSeconds,
    },
    extraTokenClaims: async (ctx, token) => {
      if (token.kind === 'AccessToken') {
        // A staff member's token (authorization code): the account's roles and scope, as now.
        const user = await options.staff.findActive(String(token.accountId));
        if (!user) throw new errors.InvalidGrant('the account is disabled');
        return {
          roles: user.roles,
          ...(user.agencyId ? { agency_id: user.agencyId } : {}),
          ...(user.establishments.length ? { establishments: user.establishments } : {}),
        };
      }
      const client = ctx.oidc.client as unknown as Record<string, unknown> | undefined;
      if (!client) return {};
      const establishments = client[ESTABLISHMENTS] as string[] | undefined;
      return {
        roles: client[ROLES],
        ...(client[AGENCY] ? { agency_id: client[AGENCY] } : {}),
        ...(establishments?.length ? { establishments } : {}),
      };
    },
  };
  const provider = new Provider(options.issuer, configuration);
  // Secrets are stored hashed (secret-hash.ts); oidc-provider compares the presented secret with
  // the client's `client_secret` metadata, which for us is the hash.
  (
    provider.Client.prototype as unknown as { compareClientSecret: (actual: string) => boolean }
  ).compareClientSecret = function (this: { clientSecret: string }, actual: string): boolean {
    return secretMatches(actual, this.clientSecret);
  };
  return provider;
}

/**
 * The provider session's time to live when it is (re)saved: what is left of `ttlSeconds` since
 * the sign-in (`loginTs`), at least one second; a session not yet signed in gets the whole of it.
 * The password is asked again `ttlSeconds` after it was given, however busy the session.
 */
export function absoluteSessionTtl(
  ttlSeconds: number,
): (ctx: unknown, session: { loginTs?: number }) => number {
  return (_ctx, session) => {
    const now = Math.floor(Date.now() / 1000);
    const signedInAt = session.loginTs ?? now;
    return Math.max(1, signedInAt + ttlSeconds - now);
  };
}
