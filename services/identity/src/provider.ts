import Provider, {
  errors,
  type Adapter,
  type AdapterPayload,
  type Configuration,
  type JWKS,
} from 'oidc-provider';
import { THROUGHCARE_RESOURCES } from './config';
import type { ApiClient, ClientStore } from './client-store';
import { secretMatches } from './secret-hash';

/** Models the provider may keep in memory: none, while only client-credentials JWTs are issued. */
const STORED_MODELS = new Set<string>();

/** Client metadata under which a registered client's Throughcare attributes travel. */
const ROLES = 'throughcare_roles';
const AGENCY = 'throughcare_agency_id';
const ESTABLISHMENTS = 'throughcare_establishments';

export interface ProviderOptions {
  issuer: string;
  jwks: JWKS;
  cookieSecret: string;
  accessTokenTtlSeconds: number;
  clients: ClientStore;
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

/**
 * Storage: clients come from Postgres (a revoked client is unknown, so it cannot obtain a
 * token); the provider's short-lived artefacts stay in memory. Only the client-credentials grant
 * is enabled and its access tokens are JWTs, which are not stored, so nothing is lost when the
 * process restarts.
 */
function adapterFor(clients: ClientStore) {
  type Item = { payload: AdapterPayload; expiresAt?: number };
  const memory = new Map<string, Map<string, Item>>();
  return class implements Adapter {
    private readonly items: Map<string, Item>;

    constructor(private readonly model: string) {
      let items = memory.get(model);
      if (!items) memory.set(model, (items = new Map()));
      this.items = items;
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = await clients.find(id);
        return client && !client.revokedAt ? clientMetadata(client) : undefined;
      }
      const item = this.items.get(id);
      if (!item) return undefined;
      if (item.expiresAt !== undefined && item.expiresAt <= Date.now()) {
        this.items.delete(id);
        return undefined;
      }
      return item.payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // Client-credentials JWTs are not stored; anything else asking to be (sessions, grants,
      // interactions of grants we do not offer) would be memory an anonymous caller could fill.
      if (!STORED_MODELS.has(this.model))
        throw new Error(`identity: refusing to store a ${this.model} (not offered by this provider)`);
      this.items.set(id, { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
    }

    async destroy(id: string): Promise<void> {
      this.items.delete(id);
    }

    async consume(id: string): Promise<void> {
      const item = this.items.get(id);
      if (item) item.payload = { ...item.payload, consumed: Math.floor(Date.now() / 1000) };
    }

    async findByUid(): Promise<undefined> {
      return undefined;
    }

    async findByUserCode(): Promise<undefined> {
      return undefined;
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [id, item] of this.items) if (item.payload.grantId === grantId) this.items.delete(id);
    }
  };
}

/**
 * The embedded OpenID Connect provider (the certified `oidc-provider`): client-credentials
 * access tokens for agencies' systems and other API clients, as RFC 9068 JWTs signed with
 * ES256, one audience per Throughcare service (RFC 8707 resource indicators; the `resource`
 * parameter is required), carrying the client's roles, agency and establishments.
 */
export function createProvider(options: ProviderOptions): Provider {
  const configuration: Configuration = {
    adapter: adapterFor(options.clients),
    jwks: options.jwks,
    cookies: { keys: [options.cookieSecret] },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    extraClientMetadata: { properties: [ROLES, AGENCY, ESTABLISHMENTS] },
    features: {
      clientCredentials: { enabled: true },
      // Everything but client credentials off: no logins, sessions, logout, PAR, userinfo or DPoP
      // until staff sign-in is built (each of those would also store state per anonymous request).
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      rpInitiatedLogout: { enabled: false },
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
        getResourceServerInfo: (_ctx, resource) => {
          if (!(THROUGHCARE_RESOURCES as readonly string[]).includes(resource))
            throw new errors.InvalidTarget(`unknown resource; one of ${THROUGHCARE_RESOURCES.join(', ')}`);
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
    ttl: { ClientCredentials: options.accessTokenTtlSeconds },
    extraTokenClaims: (ctx) => {
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
