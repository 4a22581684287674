import { CreateApiClient1700000000100 } from './1700000000100-create-api-client';

/** In order. No outbox: the identity provider publishes no events (yet). */
export const identityMigrations = [CreateApiClient1700000000100];
