export { requireEnv } from './env';
export { createTimeSkippingTestEnv, sharedTimeSkippingTestEnv } from './temporal';
export { freePort, startApp, type AppProcess } from './app-processes';
