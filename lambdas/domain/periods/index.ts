export * from './period-errors';
export * from './local-date';
export * from './time-schemas';
export * from './billing-schedule';
export * from './billing-period';
