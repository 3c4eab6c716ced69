export * from './scheduler-port';
export * from './scheduler-errors';
export * from './eventbridge-checkpoint-scheduler';
export * from './in-memory-checkpoint-scheduler';
