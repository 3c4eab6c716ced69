import type { LedgerEntry } from '../domain/ledger/ledger-entries';
import { netOutcomes, type NetOutcome } from '../domain/ledger/net-outcomes';
import {
  UsageQuerySchema,
  countedDefinitionVersions,
  describeUsageQuery,
  summarizeNetOutcomes,
  type UsageBasis,
  type UsageQuery,
  type UsageSummary,
} from '../domain/ledger/summarize-usage';
import { describeIssues } from './describe-issues';
import { InvalidLedgerQueryError } from './errors';
import type { LedgerRepository, UsageEntriesQuery } from './ports';

export interface UsageDeps {
  readonly ledger: LedgerRepository;
  readonly nowMs: () => number;
}

/**
 * Longest occurredAt window one usage query may span. Each UTC month costs 16
 * parallel shard queries; two years covers annual terms with room to spare.
 */
export const MAX_USAGE_WINDOW_DAYS = 732;

interface ResolvedUsageQuery extends UsageEntriesQuery {
  readonly basis: UsageBasis;
  readonly uniqueAttributes: readonly string[];
}

/** Validates a usage query and fills its defaults (asOf = now, basis = billable). */
export function resolveUsageQuery(query: UsageQuery, nowMs: number): ResolvedUsageQuery {
  const parsed = UsageQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    throw new InvalidLedgerQueryError(`invalid usage query: ${issues.join('; ')}`, issues);
  }
  const { customerId, metric, from, to, asOf, basis, uniqueAttributes } = parsed.data;
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const asOfMs = asOf?.getTime() ?? nowMs;
  if (!(toMs > fromMs)) throw new InvalidLedgerQueryError('invalid usage query: "to" must be after "from"', ['to: must be after from']);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || !Number.isFinite(asOfMs)) {
    throw new InvalidLedgerQueryError('invalid usage query: dates must be valid', ['from/to/asOf: invalid date']);
  }
  if (toMs - fromMs > MAX_USAGE_WINDOW_DAYS * 86_400_000) {
    throw new InvalidLedgerQueryError(
      `invalid usage query: the window spans more than ${MAX_USAGE_WINDOW_DAYS} days; split it into shorter periods`,
      ['from/to: window too long'],
    );
  }
  return { customerId, metric, fromMs, toMs, asOfMs, basis: basis ?? 'billable', uniqueAttributes: uniqueAttributes ?? [] };
}

async function collectEntries(ledger: LedgerRepository, query: UsageEntriesQuery): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const page of ledger.streamUsageEntries(query)) {
    for (const entry of page) entries.push(entry);
  }
  return entries;
}

/** Usage of one customer × metric over [from, to) as of a recordedAt cutoff. */
export async function getUsage(deps: UsageDeps, query: UsageQuery): Promise<UsageSummary> {
  const resolved = resolveUsageQuery(query, deps.nowMs());
  const entries = await collectEntries(deps.ledger, resolved);
  // aggregateUsage's two steps, so the counted outcomes also name their definition versions.
  const net = netOutcomes(entries, { ...resolved, withAttributes: (resolved.uniqueAttributes?.length ?? 0) > 0 });
  const aggregates = summarizeNetOutcomes(net, resolved);
  return {
    customerId: resolved.customerId,
    metric: resolved.metric,
    from: new Date(resolved.fromMs).toISOString(),
    to: new Date(resolved.toMs).toISOString(),
    asOf: new Date(resolved.asOfMs).toISOString(),
    basis: resolved.basis,
    ...aggregates,
    query: describeUsageQuery(resolved),
    definitionVersions: countedDefinitionVersions(net, resolved.basis),
  };
}

/**
 * The net outcomes behind a usage query (every non-reversed outcome, each
 * flagged billable/verified as of asOf), for callers that aggregate
 * themselves, such as the rating engine.
 */
export async function listNetOutcomes(deps: UsageDeps, query: UsageQuery): Promise<NetOutcome[]> {
  const resolved = resolveUsageQuery(query, deps.nowMs());
  const entries = await collectEntries(deps.ledger, resolved);
  return netOutcomes(entries, { ...resolved, withAttributes: true });
}
