export * from './question-sets';
export * from './pathway-outcomes';
