export * from './domain-error';
export * from './zod-errors';
export * from './unstorable-text';
