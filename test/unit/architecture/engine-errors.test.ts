// Every typed error raised in lambdas/, lib/ and bin/ extends EngineError and
// carries a category and a code, checked by loading each module that
// declares a class and looking at what it exports. The few classes that keep
// their own shape are listed with the reason, so a new one cannot slip in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES, EngineError } from '../../../lambdas/domain/errors/engine-error';

const root = join(import.meta.dirname, '..', '..', '..');
const SCANNED_FOLDERS = ['lambdas', 'lib', 'bin'];
// Loading every error module (CDK constructs among them) is slow on a loaded 2-core machine.
const SCAN_TIMEOUT_MS = 180_000;

/** Errors that are not engine errors, each with why. */
const OWN_SHAPE: Readonly<Record<string, string>> = {
  'lib/local/stripe-emulator/errors.ts#StripeApiError': "models Stripe's wire errors (type, code, status, headers)",
  'lib/local/stripe-emulator/control-routes.ts#ControlRequestError': "answered as a Stripe-shaped 400 on the emulator's wire",
  'lib/local/stripe-emulator/form-decoding.ts#FormDecodingError': "answered as a Stripe-shaped 400 on the emulator's wire",
  'lib/local/put-events-request.ts#AwsJsonError': "models the AWS JSON protocol errors of the local PutEvents endpoint",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Modules that export a class extending something: only these are loaded (loading bin/cli.ts would run the CLI). */
function modulesDeclaringClasses(): string[] {
  return SCANNED_FOLDERS.flatMap((folder) => sourceFiles(join(root, folder))).filter((file) =>
    /^export (abstract )?class \w+ extends \w+/m.test(readFileSync(file, 'utf8')),
  );
}

type AnyClass = abstract new (...args: never[]) => unknown;

function isErrorClass(value: unknown): value is AnyClass {
  return typeof value === 'function' && value.prototype instanceof Error;
}

/**
 * Stands in for any constructor argument: a string where one is printed,
 * an empty list where one is iterated, and itself for anything read or
 * called on it. Enough to build each error and read its instance fields.
 */
const anything: unknown = new Proxy(function anyArgument() {}, {
  get(_target, property) {
    if (property === Symbol.toPrimitive) return () => 'x';
    if (property === Symbol.iterator) return () => [][Symbol.iterator]();
    if (property === 'length') return 0;
    return anything;
  },
  apply: () => anything,
});

interface FoundError {
  readonly id: string;
  readonly errorClass: AnyClass;
}

async function exportedErrorClasses(): Promise<FoundError[]> {
  const found: FoundError[] = [];
  for (const file of modulesDeclaringClasses()) {
    const exports = (await import(file)) as Record<string, unknown>;
    const path = relative(root, file);
    for (const [name, value] of Object.entries(exports)) {
      // Re-exports are checked where they are declared.
      if (isErrorClass(value) && value.name === name && new RegExp(`class ${name}\\b`).test(readFileSync(file, 'utf8'))) {
        found.push({ id: `${path}#${name}`, errorClass: value });
      }
    }
  }
  return found;
}

describe('engine errors', () => {
  it(
    'every exported error class extends EngineError, with a category from the closed set and a code',
    async () => {
      const errors = await exportedErrorClasses();
      // A scan that found nothing would pass vacuously.
      expect(errors.length).toBeGreaterThan(60);
      const problems: string[] = [];
      for (const { id, errorClass } of errors) {
        if (id in OWN_SHAPE) continue;
        if (errorClass === EngineError) continue;
        if (!(errorClass.prototype instanceof EngineError)) {
          problems.push(`${id} does not extend EngineError`);
          continue;
        }
        // Family bases (RatingError, PeriodError...) are abstract: their subclasses are checked.
        const source = readFileSync(join(root, id.split('#')[0] as string), 'utf8');
        if (new RegExp(`export abstract class ${errorClass.name}\\b`).test(source)) continue;
        const instance = Reflect.construct(errorClass, Array.from({ length: 6 }, () => anything)) as EngineError;
        // A category or code taken from a constructor argument is typed (ErrorCategory, string); one the class sets must be valid.
        if (instance.category !== anything && !(ERROR_CATEGORIES as readonly string[]).includes(instance.category)) {
          problems.push(`${id} has no category (${String(instance.category)})`);
        }
        if (instance.code !== anything && !/^[a-z][a-z0-9_]*$/.test(instance.code)) problems.push(`${id} has no snake_case code (${String(instance.code)})`);
      }
      expect(problems).toEqual([]);
    },
    SCAN_TIMEOUT_MS,
  );

  it('lists only exceptions that still exist and still keep their own shape', async () => {
    const errors = new Map((await exportedErrorClasses()).map((found) => [found.id, found.errorClass]));
    for (const id of Object.keys(OWN_SHAPE)) {
      expect(errors.has(id), `${id} is listed but not found`).toBe(true);
      expect(errors.get(id)?.prototype instanceof EngineError, `${id} extends EngineError now: drop it from the list`).toBe(false);
    }
  }, SCAN_TIMEOUT_MS);
});
