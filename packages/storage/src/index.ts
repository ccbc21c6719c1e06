export * from './event-store.js';
export * from './alerting-records.js';
export * from './store-error.js';
export * from './group-writer.js';
export * from './open-store.js';
export * from './columns.js';
export * from './dialect.js';
export * from './query-compiler.js';
