export * from './row-level-security';
