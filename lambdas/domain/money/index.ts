export * from './currencies';
export * from './decimal';
export * from './rounding';
export * from './minor-units';
export * from './format-money';
export * from './money-errors';
export * from './decimal-strings';
export * from './currency-schema';
