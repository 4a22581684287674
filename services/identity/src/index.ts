// Configuration only: importing the provider itself loads oidc-provider, an ES module that only
// Node's require(esm) can load (not Jest); the service starts from main.ts.
export {
  loadIdentityConfig,
  IdentityConfigSchema,
  THROUGHCARE_RESOURCES,
  IDENTITY_AUDIENCE,
  type IdentityConfig,
} from './config';
