import type { z } from 'zod';

/** `['versions', 1, 'charges', 2, 'upTo']` -> `versions[1].charges[2].upTo` */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  if (typeof input === 'string') return `"${input.length > 40 ? `${input.slice(0, 40)}…` : input}"`;
  return `${typeof input} ${String(input)}`;
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  datetime: 'expected an RFC 3339 instant with offset, e.g. 2026-11-01T00:00:00Z',
  date: 'expected a date YYYY-MM-DD',
  email: 'expected an email address',
  regex: 'is not in the expected form',
};

export interface DescribedIssue {
  readonly path: readonly PropertyKey[];
  readonly code: string;
  readonly message: string;
}

/**
 * Rewrites zod issues into messages a finance team can act on: "required",
 * "unknown field", "expected one of ...". Parse with `reportInput: true` so the
 * offending value can be named. Unknown fields become one issue each, pointing
 * at the field itself, because a misspelt `minimun` must never be ignored.
 */
export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[]): DescribedIssue[] {
  const described: DescribedIssue[] = [];
  for (const issue of issues) {
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'invalid_type':
        described.push(
          input === undefined
            ? { path: issue.path, code: 'missing_field', message: `required (expected ${issue.expected})` }
            : {
                path: issue.path,
                code: 'wrong_type',
                message: issue.message.startsWith('Invalid input')
                  ? `expected ${issue.expected}, got ${describeInput(input)}`
                  : `${issue.message}, got ${describeInput(input)}`,
              },
        );
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          described.push({ path: [...issue.path, key], code: 'unknown_field', message: 'unknown field (check the spelling)' });
        }
        break;
      case 'invalid_value':
        described.push({
          path: issue.path,
          code: 'invalid_value',
          message: issue.message.startsWith('Invalid')
            ? `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${describeInput(input)}`
            : `${issue.message}, got ${describeInput(input)}`,
        });
        break;
      case 'invalid_union': {
        // A discriminated union reports the whole object as input; name the discriminator's value instead.
        const discriminator = (issue as { discriminator?: string }).discriminator;
        const offending =
          discriminator !== undefined && input !== null && typeof input === 'object'
            ? (input as Record<string, unknown>)[discriminator]
            : input;
        described.push({
          path: issue.path,
          code: offending === undefined ? 'missing_field' : 'invalid_value',
          message: offending === undefined ? `required: ${issue.message}` : `${issue.message}, got ${describeInput(offending)}`,
        });
        break;
      }
      case 'too_small':
        described.push({
          path: issue.path,
          code: 'too_small',
          message: issue.message.startsWith('Too small')
            ? issue.origin === 'array'
              ? `needs at least ${String(issue.minimum)} item(s)`
              : issue.origin === 'string'
                ? `must not be empty`
                : `must be at least ${String(issue.minimum)}, got ${describeInput(input)}`
            : issue.message,
        });
        break;
      case 'too_big':
        described.push({
          path: issue.path,
          code: 'too_big',
          message: issue.message.startsWith('Too big')
            ? issue.origin === 'string'
              ? `must be at most ${String(issue.maximum)} characters`
              : issue.origin === 'array'
                ? `must have at most ${String(issue.maximum)} item(s)`
                : `must be at most ${String(issue.maximum)}, got ${describeInput(input)}`
            : issue.message,
        });
        break;
      case 'invalid_format':
        // zod's own texts ("Invalid string: must match pattern /^\d+$/") mean nothing to a
        // finance team; a schema's custom message is kept, zod's default replaced.
        described.push({
          path: issue.path,
          code: 'invalid_format',
          message: issue.message.startsWith('Invalid')
            ? `${FORMAT_NAMES[issue.format] ?? 'is not in the expected form'}, got ${describeInput(input)}`
            : input === undefined
              ? issue.message
              : `${issue.message}, got ${describeInput(input)}`,
        });
        break;
      default:
        described.push({ path: issue.path, code: 'invalid', message: issue.message });
    }
  }
  return described;
}
