export { startIdentityService, type IdentityService } from './identity-service';
export {
  loadIdentityConfig,
  IdentityConfigSchema,
  THROUGHCARE_RESOURCES,
  IDENTITY_AUDIENCE,
  type IdentityConfig,
} from './config';
export { ADMIN_CLIENT_ID } from './client-store';
