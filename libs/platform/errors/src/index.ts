export * from './domain-error';
export * from './zod-errors';
