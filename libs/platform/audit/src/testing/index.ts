export * from './audit-records';
