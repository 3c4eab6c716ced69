export * from './plan-schema';
export * from './contract-schema';
export * from './plan-errors';
export * from './describe-schema-issues';
export * from './resolve-plan-version';
export * from './contract-plan';
export * from './load-plan-files';
export * from './contract-change';
