// EventBridge event-pattern matching for the local bus, for the subset of the
// pattern language the routing table uses: exact values, `prefix` and
// `anything-but`, at any depth. Anything else in a pattern is refused when the
// bus starts, so a rule that would silently never match locally cannot exist.
import type { EventPattern } from '../routing/routing-table';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

export class UnsupportedEventPatternError extends engineErrorClass('UnsupportedEventPatternError', 'internal', 'unsupported_event_pattern') {}

type Scalar = string | number | boolean | null;
type ContentFilter = { prefix: string } | { 'anything-but': Scalar | Scalar[] };
type Matcher = Scalar | ContentFilter;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function describe(path: string[]): string {
  return path.length > 0 ? path.join('.') : '(root)';
}

function assertMatcher(value: unknown, path: string[]): asserts value is Matcher {
  if (isScalar(value)) return;
  if (!isPlainObject(value)) {
    throw new UnsupportedEventPatternError(`${describe(path)}: a matcher must be a value or a filter object`);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new UnsupportedEventPatternError(`${describe(path)}: a filter object has exactly one operator, got ${keys.join(', ')}`);
  }
  const [operator] = keys;
  const operand = value[operator as string];
  if (operator === 'prefix' && typeof operand === 'string') return;
  if (operator === 'anything-but' && (isScalar(operand) || (Array.isArray(operand) && operand.every(isScalar)))) return;
  throw new UnsupportedEventPatternError(
    `${describe(path)}: the local bus supports exact values, "prefix" (string) and "anything-but" (value or list); got ${JSON.stringify(value)}`,
  );
}

/**
 * Throws UnsupportedEventPatternError when the pattern uses anything outside
 * the supported subset (or is not a valid pattern at all).
 */
export function assertSupportedEventPattern(pattern: unknown, path: string[] = []): void {
  if (!isPlainObject(pattern) || Object.keys(pattern).length === 0) {
    throw new UnsupportedEventPatternError(`${describe(path)}: a pattern is a non-empty object`);
  }
  for (const [key, value] of Object.entries(pattern)) {
    const here = [...path, key];
    if (Array.isArray(value)) {
      if (value.length === 0) throw new UnsupportedEventPatternError(`${describe(here)}: an empty list matches nothing`);
      value.forEach((matcher, index) => assertMatcher(matcher, [...here, String(index)]));
    } else if (isPlainObject(value)) {
      assertSupportedEventPattern(value, here);
    } else {
      throw new UnsupportedEventPatternError(`${describe(here)}: values in a pattern must be lists or nested patterns`);
    }
  }
}

function matchesScalar(matcher: Matcher, value: Scalar): boolean {
  if (isScalar(matcher)) return matcher === value;
  if ('prefix' in matcher) return typeof value === 'string' && value.startsWith(matcher.prefix);
  const excluded = matcher['anything-but'];
  return Array.isArray(excluded) ? !excluded.includes(value) : excluded !== value;
}

/**
 * One field: any matcher in the list matching is enough. An array in the
 * event matches when any of its elements matches (EventBridge semantics).
 * A field missing from the event matches nothing, `anything-but` included.
 */
function matchesField(matchers: readonly Matcher[], value: unknown): boolean {
  if (value === undefined) return false;
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => isScalar(candidate) && matchers.some((matcher) => matchesScalar(matcher, candidate)));
}

function matchesObject(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) return matchesField(expected as Matcher[], actual);
    return isPlainObject(expected) && isPlainObject(actual) && matchesObject(expected, actual);
  });
}

/**
 * True when the event (an EventBridge envelope: `source`, `detail-type`,
 * `detail`, ...) matches the pattern: every field named by the pattern must
 * match.
 *
 * @example
 * matchesEventPattern({ source: [{ 'anything-but': 'outcome-engine' }] }, { source: 'shop' }) // true
 */
export function matchesEventPattern(pattern: EventPattern | Record<string, unknown>, event: Record<string, unknown>): boolean {
  return matchesObject(pattern as Record<string, unknown>, event);
}
