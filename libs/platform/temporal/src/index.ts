export * from './temporal-client';
export * from './activity-worker';
export * from './application-failure';
export * from './worker-run';
export * from './payload-codec';
export * from './failure-converter-path';
export * from './core-log-watch';
export * from './close-safe-retry';
