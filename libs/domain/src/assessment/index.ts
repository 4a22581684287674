export * from './question-sets';
export * from './pathway-outcomes';
export * from './risk';
