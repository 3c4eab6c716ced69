import { z } from 'zod';
import { isCurrencyCode, type CurrencyCode } from './currencies';

/** zod: an active ISO 4217 code (upper case), typed as CurrencyCode. */
export const CurrencyCodeSchema = z
  .string({ error: 'expected an ISO 4217 currency code such as "USD"' })
  .refine((code): code is CurrencyCode => isCurrencyCode(code), {
    error: (issue) => `"${String(issue.input)}" is not an ISO 4217 currency code (expected e.g. USD, EUR, JPY, KWD)`,
  })
  .transform((code) => code as CurrencyCode);
