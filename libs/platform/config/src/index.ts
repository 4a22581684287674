export * from './config-error';
export * from './load-config';
export * from './common-schema';
export * from './person-id';
export * from './payload-keys';
