export * from './invoicing-errors';
export * from './idempotency-keys';
export * from './invoice-record';
export * from './corrections';
export * from './reconciliation';
export * from './invoice-record-codec';
export * from './adjustment-invoice';
export * from './threshold-invoice';
