// Configuration comes from the environment, read once per container through
// these helpers. A missing or malformed variable fails the first invocation
// loudly with every problem named, instead of surfacing later as an
// `undefined` table name deep inside an SDK call.
import { z } from 'zod';
import { EngineError } from '../domain/errors/engine-error';

type Environment = Readonly<Record<string, string | undefined>>;

export class MissingEnvironmentVariableError extends EngineError {
  readonly category = 'internal';
  readonly code = 'environment_variable_missing';
  constructor(
    readonly variables: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Missing required environment variable${variables.length > 1 ? 's' : ''}: ${variables.join(', ')}`, options);
    this.name = 'MissingEnvironmentVariableError';
  }
}

export class InvalidEnvironmentVariableError extends EngineError {
  readonly category = 'internal';
  readonly code = 'environment_variable_invalid';
  constructor(
    readonly problems: readonly { variable: string; message: string }[],
    options?: ErrorOptions,
  ) {
    super(`Invalid environment: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`, options);
    this.name = 'InvalidEnvironmentVariableError';
  }
}

/** Blank values count as missing: an empty table name is never intended. */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Reads one variable; throws MissingEnvironmentVariableError when it is unset
 * or blank and no default is given.
 *
 * @example
 * const tableName = getStringFromEnv('LEDGER_TABLE_NAME');
 */
export function getStringFromEnv(key: string, options: { defaultValue?: string; env?: Environment } = {}): string {
  const value = present((options.env ?? process.env)[key]) ?? options.defaultValue;
  if (value === undefined) throw new MissingEnvironmentVariableError([key]);
  return value;
}

/**
 * Reads a group of variables against a zod schema and reports every missing
 * or invalid one in a single error. Blank values are treated as unset, so a
 * schema's `.optional()` / `.default()` apply to them.
 *
 * @example
 * const config = readEnvConfig(z.object({ TABLE_NAME: z.string(), LIMIT: z.coerce.number().int().default(5) }));
 */
export function readEnvConfig<Schema extends z.ZodObject>(schema: Schema, env: Environment = process.env): z.infer<Schema> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) input[key] = present(env[key]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const missing: string[] = [];
  const invalid: { variable: string; message: string }[] = [];
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '(environment)');
    if (input[variable] === undefined) missing.push(variable);
    else invalid.push({ variable, message: issue.message });
  }
  if (missing.length > 0) {
    throw new MissingEnvironmentVariableError([...new Set(missing)], { cause: result.error });
  }
  throw new InvalidEnvironmentVariableError(invalid, { cause: result.error });
}
