export * from './errors';
export * from './rational';
export * from './term';
export * from './policies';
export * from './calculate';
export * from './displayed-release-date';
export * from './recorded-dates';
