export * from './task-queues';
export * from './vocabulary';
export * from './events/envelope';
export * from './events/catalogue';
export * from './events/subjects';
export * from './events/parse';
export * from './workflows/throughcare';
export * from './activities';
