import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidEnvironmentVariableError,
  MissingEnvironmentVariableError,
  getStringFromEnv,
  readEnvConfig,
} from '../../../../lambdas/shared/env';

describe('getStringFromEnv', () => {
  it('returns the trimmed value', () => {
    expect(getStringFromEnv('TABLE', { env: { TABLE: '  ledger ' } })).toBe('ledger');
  });

  it('fails loudly, naming the variable, when it is missing or blank', () => {
    expect(() => getStringFromEnv('TABLE', { env: {} })).toThrow(new MissingEnvironmentVariableError(['TABLE']));
    expect(() => getStringFromEnv('TABLE', { env: { TABLE: '  ' } })).toThrow(/Missing required environment variable: TABLE/);
  });

  it('falls back to a default only when one is given', () => {
    expect(getStringFromEnv('TABLE', { env: {}, defaultValue: 'x' })).toBe('x');
  });
});

describe('readEnvConfig', () => {
  const schema = z.object({
    LEDGER_TABLE_NAME: z.string(),
    ENGINE_TABLE_NAME: z.string(),
    WINDOW_DAYS: z.coerce.number().int().positive().optional(),
    CONCURRENCY: z.coerce.number().int().default(5),
  });

  it('parses and applies defaults', () => {
    expect(readEnvConfig(schema, { LEDGER_TABLE_NAME: 'l', ENGINE_TABLE_NAME: 'e', WINDOW_DAYS: '40', OTHER: 'x' })).toEqual({
      LEDGER_TABLE_NAME: 'l',
      ENGINE_TABLE_NAME: 'e',
      WINDOW_DAYS: 40,
      CONCURRENCY: 5,
    });
  });

  it('names every missing variable at once', () => {
    try {
      readEnvConfig(schema, { ENGINE_TABLE_NAME: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MissingEnvironmentVariableError);
      expect((error as MissingEnvironmentVariableError).variables).toEqual(['LEDGER_TABLE_NAME', 'ENGINE_TABLE_NAME']);
    }
  });

  it('says which value is invalid and why', () => {
    expect(() => readEnvConfig(schema, { LEDGER_TABLE_NAME: 'l', ENGINE_TABLE_NAME: 'e', WINDOW_DAYS: 'soon' })).toThrow(
      InvalidEnvironmentVariableError,
    );
    expect(() => readEnvConfig(schema, { LEDGER_TABLE_NAME: 'l', ENGINE_TABLE_NAME: 'e', WINDOW_DAYS: '-1' })).toThrow(/WINDOW_DAYS/);
  });
});
