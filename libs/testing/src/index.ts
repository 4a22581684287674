export { requireEnv } from './env';
export { createTimeSkippingTestEnv } from './temporal';
export { freePort, startApp, type AppProcess } from './app-processes';
