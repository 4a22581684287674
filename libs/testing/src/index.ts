export { requireEnv } from './env';
export { createTimeSkippingTestEnv, sharedTimeSkippingTestEnv } from './temporal';
