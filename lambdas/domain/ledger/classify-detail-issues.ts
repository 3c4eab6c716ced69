import type { z } from 'zod';
import { describeDecimalProblem, normalizeQuantity } from './ledger-decimal';
import { REJECTION_CODE_PARAM, OUTCOME_SCHEMA_VERSION } from './outcome-events';
import { isRejectionCode, type RejectionCode } from './rejection-codes';

// Turns zod's issues for a detail into one machine code and one message a
// producer can act on. Runs only for invalid input, so clarity beats speed.

type Issue = z.core.$ZodIssue;

// When several things are wrong, the code names the most fundamental one; the
// message still lists every problem.
const PRIORITY: readonly RejectionCode[] = [
  'UNSUPPORTED_SCHEMA_VERSION',
  'MISSING_FIELD',
  'INVALID_QUANTITY',
  'UNKNOWN_CURRENCY',
  'ATTRIBUTES_TOO_LARGE',
  'EVIDENCE_TOO_LARGE',
  'INVALID_FIELD',
];
const MAX_LISTED_PROBLEMS = 5;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key))).join('.').replace(/\.\[/g, '[');
}

function taggedCode(issue: Issue): RejectionCode | undefined {
  const params = (issue as { params?: Record<string, unknown> }).params;
  const tagged = params?.[REJECTION_CODE_PARAM];
  return typeof tagged === 'string' && isRejectionCode(tagged) ? tagged : undefined;
}

function classify(issue: Issue, detail: unknown): { code: RejectionCode; message: string } {
  const path = issue.path;
  const field = pathText(path);
  const raw = valueAt(detail, path);
  const tagged = taggedCode(issue);
  if (tagged !== undefined) return { code: tagged, message: withField(field, issue.message) };
  if (issue.code === 'unrecognized_keys') {
    const prefix = field === '' ? '' : `${field}.`;
    const names = issue.keys.map((key) => `"${prefix}${key}"`).join(', ');
    return {
      code: 'INVALID_FIELD',
      message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${names}: check the spelling against the event schema (docs/events)`,
    };
  }
  const head = path[0];
  if (head === 'schemaVersion') {
    return {
      code: 'UNSUPPORTED_SCHEMA_VERSION',
      message: `schemaVersion ${JSON.stringify(raw)} is not supported; this ledger accepts schemaVersion ${OUTCOME_SCHEMA_VERSION}`,
    };
  }
  if (raw === undefined) return { code: 'MISSING_FIELD', message: `${field} is required` };
  if (head === 'quantity') {
    const normalized = normalizeQuantity(raw);
    return {
      code: 'INVALID_QUANTITY',
      message: normalized.ok ? withField(field, issue.message) : describeDecimalProblem(field, raw, normalized.problem),
    };
  }
  if (head === 'value' && path[1] === 'currency' && typeof raw === 'string') {
    return { code: 'UNKNOWN_CURRENCY', message: withField(field, issue.message) };
  }
  if (head === 'attributes') {
    if (issue.code === 'too_big') return { code: 'ATTRIBUTES_TOO_LARGE', message: withField(field, issue.message) };
    if (issue.code === 'invalid_key') {
      const keyIssue = issue.issues[0];
      return {
        code: keyIssue?.code === 'too_big' ? 'ATTRIBUTES_TOO_LARGE' : 'INVALID_FIELD',
        message: `attribute name "${String(path[path.length - 1]).slice(0, 40)}...": ${keyIssue?.message ?? issue.message}`,
      };
    }
  }
  if (head === 'evidence' && issue.code === 'too_big') return { code: 'EVIDENCE_TOO_LARGE', message: withField(field, issue.message) };
  return { code: 'INVALID_FIELD', message: withField(field, issue.message) };
}

function withField(field: string, message: string): string {
  if (field === '') return message;
  const head = field.split(/[.[]/)[0] ?? field;
  return message.startsWith(head) ? message : `${field}: ${message}`;
}

/** One rejection (code + message) for all the issues zod found in a detail. */
export function rejectionFromIssues(
  issues: readonly Issue[],
  detail: unknown,
): { code: RejectionCode; message: string } {
  const classified = issues.map((issue) => classify(issue, detail));
  let best = classified[0] ?? { code: 'INVALID_FIELD' as RejectionCode, message: 'the detail is invalid' };
  for (const candidate of classified) {
    if (PRIORITY.indexOf(candidate.code) < PRIORITY.indexOf(best.code)) best = candidate;
  }
  const ordered = [best, ...classified.filter((candidate) => candidate !== best)];
  const listed = ordered.slice(0, MAX_LISTED_PROBLEMS).map((candidate) => candidate.message);
  const more = ordered.length > MAX_LISTED_PROBLEMS ? `; and ${ordered.length - MAX_LISTED_PROBLEMS} more` : '';
  return { code: best.code, message: `${listed.join('; ')}${more}` };
}
