import { z } from 'zod';
import { fromFixed12, toFixed12 } from './ledger-decimal';
import { netOutcomes, type NetOutcome } from './net-outcomes';
import type { LedgerEntry } from './ledger-entries';

// Usage of one customer × metric × occurredAt window as of a recordedAt
// cutoff: the figures plans price (count, sum of quantity, sum of value per
// currency, max, latest, unique count of an attribute). Sums are exact: 12
// decimal fixed point in bigint, with a plain-number fast path for the usual
// integer quantities.

export const USAGE_BASES = ['all', 'verified', 'billable'] as const;
export const UsageBasisSchema = z.enum(USAGE_BASES);
/** Which net outcomes count: every non-reversed one, verified ones, or billable ones (the default). */
export type UsageBasis = z.infer<typeof UsageBasisSchema>;

export const UsageQuerySchema = z.strictObject({
  customerId: z.string().min(1).max(255),
  metric: z.string().min(1).max(128),
  /** occurredAt window start (inclusive). */
  from: z.date(),
  /** occurredAt window end (exclusive). */
  to: z.date(),
  /** recordedAt cutoff (inclusive); defaults to now. */
  asOf: z.date().optional(),
  basis: UsageBasisSchema.optional(),
  /** Attributes to count unique values of (e.g. ["agentId"]). */
  uniqueAttributes: z.array(z.string().min(1).max(64)).max(20).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export interface UsageAggregates {
  readonly count: number;
  /** Sum of net quantities, decimal string. */
  readonly quantity: string;
  /** Sum of net values per currency, sorted by currency. */
  readonly value: { readonly amount: string; readonly currency: string }[];
  /** Largest net quantity; absent when nothing counted. */
  readonly max?: string;
  /** Net quantity of the outcome that occurred last (ties: greatest outcomeId); absent when nothing counted. */
  readonly latest?: string;
  /** Distinct values per requested attribute (outcomes without it are not counted). */
  readonly uniqueAttributeCounts?: Record<string, number>;
}

export interface UsageSummary extends UsageAggregates {
  readonly customerId: string;
  readonly metric: string;
  /** RFC 3339 (UTC) echo of the query. */
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly basis: UsageBasis;
  /** Human-readable description of the ledger query, to explain an invoice line. */
  readonly query: string;
  /** The definition versions the counted outcomes were recorded under, ascending. */
  readonly definitionVersions?: readonly number[];
}

/** The definition versions of the outcomes that count under a basis, ascending. */
export function countedDefinitionVersions(outcomes: Iterable<NetOutcome>, basis: UsageBasis): number[] {
  const versions = new Set<number>();
  for (const outcome of outcomes) if (countsTowards(outcome, basis)) versions.add(outcome.definitionVersion ?? 1);
  return [...versions].sort((a, b) => a - b);
}

export function countsTowards(outcome: NetOutcome, basis: UsageBasis): boolean {
  return basis === 'all' || (basis === 'billable' ? outcome.billable : outcome.verified);
}

/** Small integers ("1", "42") as a number, else -1; most quantities are these. */
function smallInteger(text: string): number {
  const length = text.length;
  if (length > 15) return -1;
  let value = 0;
  for (let index = 0; index < length; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

export function summarizeNetOutcomes(
  outcomes: Iterable<NetOutcome>,
  options: { readonly basis: UsageBasis; readonly uniqueAttributes?: readonly string[] },
): UsageAggregates {
  const uniqueAttributes = options.uniqueAttributes ?? [];
  const uniqueSets = uniqueAttributes.map(() => new Set<string>());
  let count = 0;
  let integerSum = 0;
  let fixedSum = 0n;
  let max = -1n;
  let latest: NetOutcome | undefined;
  const valueSums = new Map<string, bigint>();
  for (const outcome of outcomes) {
    if (!countsTowards(outcome, options.basis)) continue;
    count += 1;
    const integer = smallInteger(outcome.quantity);
    const fixed = integer >= 0 ? BigInt(integer) * 1_000_000_000_000n : toFixed12(outcome.quantity);
    if (integer >= 0 && integerSum + integer <= Number.MAX_SAFE_INTEGER) integerSum += integer;
    else fixedSum += fixed;
    if (fixed > max) max = fixed;
    if (
      latest === undefined ||
      outcome.occurredAtMs > latest.occurredAtMs ||
      (outcome.occurredAtMs === latest.occurredAtMs && outcome.outcomeId > latest.outcomeId)
    ) {
      latest = outcome;
    }
    const value = outcome.value;
    if (value !== undefined) valueSums.set(value.currency, (valueSums.get(value.currency) ?? 0n) + toFixed12(value.amount));
    if (uniqueAttributes.length > 0 && outcome.attributes !== undefined) {
      for (let index = 0; index < uniqueAttributes.length; index += 1) {
        const attributeValue = outcome.attributes[uniqueAttributes[index] as string];
        if (attributeValue !== undefined) (uniqueSets[index] as Set<string>).add(String(attributeValue));
      }
    }
  }
  const total = fixedSum + BigInt(integerSum) * 1_000_000_000_000n;
  return {
    count,
    quantity: fromFixed12(total),
    value: [...valueSums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, amount]) => ({ amount: fromFixed12(amount), currency })),
    ...(latest !== undefined ? { max: fromFixed12(max), latest: latest.quantity } : {}),
    ...(uniqueAttributes.length > 0
      ? { uniqueAttributeCounts: Object.fromEntries(uniqueAttributes.map((name, index) => [name, uniqueSets[index]?.size ?? 0])) }
      : {}),
  };
}

/** Pure aggregation of already-fetched ledger entries: nets them as of asOf, then sums. */
export function aggregateUsage(
  entries: Iterable<LedgerEntry>,
  options: {
    readonly asOfMs: number;
    readonly fromMs: number;
    readonly toMs: number;
    readonly basis: UsageBasis;
    readonly uniqueAttributes?: readonly string[];
  },
): UsageAggregates {
  const withAttributes = (options.uniqueAttributes?.length ?? 0) > 0;
  return summarizeNetOutcomes(netOutcomes(entries, { ...options, withAttributes }), options);
}

/** How the ledger answered, in words, for invoice lines and CLI output. */
export function describeUsageQuery(query: {
  readonly customerId: string;
  readonly metric: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly asOfMs: number;
  readonly basis: UsageBasis;
}): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return (
    `ledger usage of metric "${query.metric}" for customer "${query.customerId}": ${query.basis} outcomes ` +
    `that occurred in [${iso(query.fromMs)}, ${iso(query.toMs)}), as recorded up to ${iso(query.asOfMs)}, ` +
    'net of reversals and corrections recorded by then'
  );
}
