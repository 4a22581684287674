export * from './data-source';
export * from './platform-tables.migration';
export * from './outbox-message.entity';
export * from './enqueue-event';
export * from './with-idempotency';
export * from './outbox-relay';
export * from './qualified-table';
