export { requireEnv } from './env';
export { createTimeSkippingTestEnv } from './temporal';
export { freePort, startApp, type AppProcess } from './app-processes';
export { withSpecWorker, type SpecWorker, type SpecWorkflowTarget } from './spec-worker';
