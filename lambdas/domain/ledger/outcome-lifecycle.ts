import type { BillableRule } from './catalog';

// When an outcome becomes billable, evaluated at a moment (asOf) rather than
// stored as a flag, so the answer for a past asOf never changes: a quiet
// window that had not elapsed then has still not elapsed "as of" then.

const HOUR_MS = 3_600_000;

/**
 * Whether a non-reversed outcome is billable at asOfMs.
 * - immediately: once recorded;
 * - verified: once its verification is recorded;
 * - quiet-window: once `hours` have passed since it occurred.
 */
export function isBillableAt(rule: BillableRule, occurredAtMs: number, verified: boolean, asOfMs: number): boolean {
  switch (rule.when) {
    case 'immediately':
      return true;
    case 'verified':
      return verified;
    case 'quiet-window':
      return occurredAtMs + rule.hours * HOUR_MS <= asOfMs;
    default: {
      const unknown: never = rule;
      throw new TypeError(`unknown billable rule ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The first moment the outcome is (or would become) billable, given what is
 * known at asOf; undefined while it waits for a verification.
 */
export function billableFromMs(
  rule: BillableRule,
  occurredAtMs: number,
  recordedAtMs: number,
  verifiedRecordedAtMs: number | undefined,
): number | undefined {
  switch (rule.when) {
    case 'immediately':
      return recordedAtMs;
    case 'verified':
      return verifiedRecordedAtMs;
    case 'quiet-window':
      return Math.max(recordedAtMs, occurredAtMs + rule.hours * HOUR_MS);
    default: {
      const unknown: never = rule;
      throw new TypeError(`unknown billable rule ${JSON.stringify(unknown)}`);
    }
  }
}
