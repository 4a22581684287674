export * from './principal';
export * from './access-token-verifier';
export * from './access.decorator';
export * from './auth.guard';
export * from './rate-limiter';
export * from './route-policy-check';
export * from './auth.module';
