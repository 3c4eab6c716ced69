import { definitionVersionOf, type AdjustmentEntry, type LedgerEntry, type RecordedEntry } from '../ledger/ledger-entries';
import { fromFixed12, toFixed12 } from '../ledger/ledger-decimal';
import { netOutcomes, type NetOutcome } from '../ledger/net-outcomes';
import type { OutcomeEvidence, OutcomeValue, VerifiedBy } from '../ledger/outcome-events';
import { summarizeDisputes } from '../ledger/outcome-disputes';
import { countsTowards } from '../ledger/summarize-usage';
import type { MetricDefinition } from '../ledger/catalog';
import type { PinnedDefinitions } from '../ledger/governing-definition';
import { definitionsInForceDuring, describeDefinitionVersions } from '../ledger/outcome-definitions';
import type { CurrencyCode } from '../money/currencies';
import { InvoiceRecordInvalidError } from './invoicing-errors';
import { formatMinorUnits } from '../money/format-money';
import type { BreakdownKind, BreakdownRow } from '../rating/breakdown';
import type { DraftInvoice } from '../rating/draft-invoice';
import type { UsageQuery } from '../rating/usage';

// An itemised statement: every outcome behind each usage line of an invoice,
// with what the buyer needs to check it (evidence, verification, the
// definition version it counted under, a later reversal), and per line the
// totals that must equal the line's quantity. Rows are made one outcome at a
// time so a statement of a million outcomes never holds them all.

/** Stripe invoice metadata key that says where the invoice's statement is. */
export const STATEMENT_METADATA_KEY = 'outcome_statement';

/** The command that prints an invoice's statement; short enough for a Stripe metadata value (500 characters). */
export function statementReference(invoiceRecordId: string): string {
  return `outcome-engine invoice statement --invoice ${invoiceRecordId}`;
}

/** One line of the invoice (issued or draft), as a statement needs it. */
export interface StatementLine {
  readonly lineId: string;
  readonly chargeId: string | null;
  readonly description: string;
  /** The plan metric code, or null for lines that read no usage. */
  readonly metric: string | null;
  readonly quantity: string;
  /** What the line bills, minor units, and the decimal. */
  readonly amount: { readonly minor: string; readonly decimal: string };
  readonly breakdownKinds: readonly BreakdownKind[];
  readonly usageQuery: UsageQuery | null;
  /** What a contract cap did to the line, in words (absent when no cap applied); see capsOfLine. */
  readonly caps?: string;
}

export interface StatementRow {
  readonly lineId: string;
  readonly chargeId: string | null;
  readonly metric: string;
  readonly outcomeId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  /** Net quantity and value at the statement's cutoff (after corrections recorded by then). */
  readonly quantity: string;
  readonly value: OutcomeValue | null;
  readonly definitionVersion: number;
  readonly evidence: OutcomeEvidence | null;
  readonly verification: { readonly recordedAt: string; readonly verifiedBy: VerifiedBy | null } | null;
  /** A reversal recorded after the cutoff: the outcome was billed, then did not hold. */
  readonly laterReversal: { readonly recordedAt: string; readonly reason: string } | null;
  /** Corrections recorded after the cutoff. */
  readonly laterCorrections: number;
  /** Disputes of the outcome as known when the statement is made, oldest first: "D-1 upheld; D-2 open" (empty when none). */
  readonly disputes: string;
}

export interface StatementLineTotal {
  readonly lineId: string;
  readonly chargeId: string | null;
  readonly metric: string | null;
  readonly description: string;
  /** Rows listed for the line. */
  readonly outcomes: number;
  /** The line's quantity recomputed from the rows, by the line's aggregation; null for lines that read no usage. */
  readonly measured: string | null;
  readonly lineQuantity: string;
  readonly amount: { readonly minor: string; readonly decimal: string };
  readonly definitionVersions: readonly number[];
  /** True when `measured` equals the line's quantity exactly (always true for lines without usage). */
  readonly reconciles: boolean;
  /** How the line's amount follows from its quantity, in words. */
  readonly pricing: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

const PER_OUTCOME_KINDS: ReadonlySet<BreakdownKind> = new Set(['units', 'percentage']);

/**
 * A line's caps in words: a metric cap's billable and over-cap quantities
 * (the outcomes over it are the last in occurredAt order, then outcome id),
 * and a spend cap's reduction. Undefined when no cap applied.
 */
export function capsOfLine(breakdown: readonly BreakdownRow[]): string | undefined {
  const parts = breakdown.flatMap((row) => {
    if (row.kind === 'metric_cap') {
      return [`metric cap ${row.cap}: ${row.billable} of the measured ${row.measured} billed, ${row.overCap} over the cap, shown, not billed (outcomes count towards the cap in occurredAt order, then outcome id)`];
    }
    if (row.kind === 'spend_cap') return [`spend cap ${row.cap} (charges before it ${row.subtotalBefore}): ${row.exactAmount} on this line`];
    return [];
  });
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Says whether a line's amount is a per-outcome sum, and if not what fed it (and what a cap did to it). */
export function describeLinePricing(line: StatementLine): string {
  const capped = line.caps === undefined ? '' : `; ${line.caps}`;
  if (line.usageQuery === null) return `not from outcomes (fee, true-up or credit): amount as invoiced${capped}`;
  const kinds = line.breakdownKinds;
  if (kinds.length > 0 && kinds.every((kind) => PER_OUTCOME_KINDS.has(kind))) {
    return `per outcome (${kinds.join(', ')}): the listed outcomes' ${line.usageQuery.aggregation} times the price, rounded once for the line`;
  }
  return `not a per-outcome sum (${kinds.join(', ') || 'no rows'}): the listed outcomes give the quantity ${line.quantity}; the amount follows from it as the line's breakdown shows${capped}`;
}

/**
 * The adjustments of one usage line's outcomes, kept while the recorded
 * entries stream past: adjustments are few next to outcomes, so this is what
 * a statement holds in memory.
 */
export class AdjustmentIndex {
  private readonly byOutcome = new Map<string, AdjustmentEntry[]>();

  add(entries: readonly LedgerEntry[]): void {
    for (const entry of entries) {
      if (entry.kind === 'recorded') continue;
      const list = this.byOutcome.get(entry.outcomeId);
      if (list === undefined) this.byOutcome.set(entry.outcomeId, [entry]);
      else list.push(entry);
    }
  }

  of(outcomeId: string): readonly AdjustmentEntry[] {
    return this.byOutcome.get(outcomeId) ?? [];
  }
}

/** Adds one line's rows up as the line measured them, to check the line's quantity. */
export class LineMeasure {
  private count = 0;
  private quantitySum = 0n;
  private valueSum = 0n;
  private max: bigint | undefined;
  private latest: NetOutcome | undefined;
  private readonly unique = new Set<string>();
  private readonly versions = new Set<number>();

  constructor(
    private readonly query: UsageQuery,
    private readonly currency: string,
  ) {}

  add(outcome: NetOutcome, definitionVersion: number): void {
    this.count += 1;
    this.versions.add(definitionVersion);
    const quantity = toFixed12(outcome.quantity);
    this.quantitySum += quantity;
    if (this.max === undefined || quantity > this.max) this.max = quantity;
    if (
      this.latest === undefined ||
      outcome.occurredAtMs > this.latest.occurredAtMs ||
      (outcome.occurredAtMs === this.latest.occurredAtMs && outcome.outcomeId > this.latest.outcomeId)
    ) {
      this.latest = outcome;
    }
    if (outcome.value !== undefined && outcome.value.currency === this.currency) this.valueSum += toFixed12(outcome.value.amount);
    const attribute = this.query.attribute;
    if (attribute !== null) {
      const value = outcome.attributes?.[attribute];
      if (value !== undefined) this.unique.add(String(value));
    }
  }

  get outcomes(): number {
    return this.count;
  }

  get definitionVersions(): number[] {
    return [...this.versions].sort((a, b) => a - b);
  }

  /** The quantity the rows give under the line's aggregation, as a decimal string. */
  measured(): string {
    switch (this.query.aggregation) {
      case 'count':
        return String(this.count);
      case 'sum_quantity':
        return fromFixed12(this.quantitySum);
      case 'sum_value':
        return fromFixed12(this.valueSum);
      case 'max':
        return this.max === undefined ? '0' : fromFixed12(this.max);
      case 'latest':
        return this.latest === undefined ? '0' : fromFixed12(toFixed12(this.latest.quantity));
      case 'unique_count':
        return String(this.unique.size);
      default: {
        const unknown: never = this.query.aggregation;
        throw new TypeError(`unknown aggregation ${String(unknown)}`);
      }
    }
  }
}

/** Whether two decimal strings are the same number ("12" and "12.0" are). */
export function sameQuantity(a: string, b: string): boolean {
  return toFixed12(a) === toFixed12(b);
}

/**
 * The row of one recorded outcome, if it counted towards the line at the
 * cutoff: netted with the adjustments recorded by then, exactly as usage is
 * (net-outcomes.ts), under the contract's pinned definitions when it has
 * them; later ones are reported, not applied.
 */
export function statementRowOf(
  original: RecordedEntry,
  adjustments: readonly AdjustmentEntry[],
  line: { readonly lineId: string; readonly chargeId: string | null; readonly query: UsageQuery },
  cutoffMs: number,
  needsAttributes: boolean,
  pinned?: PinnedDefinitions,
): { row: StatementRow; outcome: NetOutcome } | undefined {
  const [net] = netOutcomes([original, ...adjustments], { asOfMs: cutoffMs, withAttributes: needsAttributes, ...(pinned ? { pinned } : {}) });
  if (net === undefined || !countsTowards(net, line.query.eligibility)) return undefined;
  const verification = adjustments.find((entry) => entry.kind === 'verified' && entry.recordedAtMs <= cutoffMs);
  const laterReversal = adjustments.find((entry) => entry.kind === 'reversed' && entry.recordedAtMs > cutoffMs);
  const laterCorrections = adjustments.filter((entry) => entry.kind === 'corrected' && entry.recordedAtMs > cutoffMs).length;
  return {
    outcome: net,
    row: {
      lineId: line.lineId,
      chargeId: line.chargeId,
      metric: original.metric,
      outcomeId: original.outcomeId,
      occurredAt: iso(original.occurredAtMs),
      recordedAt: iso(original.recordedAtMs),
      quantity: net.quantity,
      value: net.value ?? null,
      // The version it counted under for this contract: the pinned one, else the recorded one.
      definitionVersion: net.definitionVersion ?? definitionVersionOf(original),
      evidence: original.evidence ?? null,
      verification:
        verification?.kind === 'verified'
          ? { recordedAt: iso(verification.recordedAtMs), verifiedBy: verification.verifiedBy ?? null }
          : null,
      laterReversal: laterReversal?.kind === 'reversed' ? { recordedAt: iso(laterReversal.recordedAtMs), reason: laterReversal.reason } : null,
      laterCorrections,
      disputes: describeOutcomeDisputes(adjustments),
    },
  };
}

/**
 * "D-1 upheld; D-2 open": each dispute of the outcome with its status, from
 * the dispute entries read with the outcome's other adjustments. Every entry
 * given counts (the statement reads adjustments up to now, so a dispute
 * decided after the cutoff shows its decision).
 */
export function describeOutcomeDisputes(adjustments: readonly AdjustmentEntry[]): string {
  return summarizeDisputes(adjustments, Number.POSITIVE_INFINITY)
    .map((dispute) => `${dispute.disputeId} ${dispute.status}`)
    .join('; ');
}

/** What a statement is of: an issued invoice, or an open period's draft as of a cutoff. */
export interface StatementSource {
  /** The engine's invoice id, or null for an open period. */
  readonly invoiceRecordId: string | null;
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly currency: string;
  /** The ledger recordedAt cutoff the lines were rated at. */
  readonly cutoff: string;
  readonly lines: readonly StatementLine[];
  /** The contract's pinned definition versions the lines were rated under (the invoice's, or the draft's). */
  readonly pinnedDefinitions?: PinnedDefinitions;
}

function amountOf(minor: bigint, currency: CurrencyCode): StatementLine['amount'] {
  return { minor: minor.toString(), decimal: formatMinorUnits(minor, currency) };
}

/** An issued invoice's lines as a statement's source. */
export function statementSourceOfRecord(
  record: {
    readonly invoiceRecordId: string;
    readonly contractId: string;
    readonly customerId: string;
    readonly periodId: string;
    readonly currency: CurrencyCode;
    readonly cutoff: string;
    readonly pinnedDefinitions?: PinnedDefinitions;
    readonly lines: readonly {
      readonly lineId: string;
      readonly chargeId: string | null;
      readonly description: string;
      readonly metric: string | null;
      readonly quantity: string;
      readonly amount: bigint;
      readonly breakdown: readonly BreakdownRow[];
      readonly usageQuery: UsageQuery | null;
    }[];
  },
): StatementSource {
  return {
    invoiceRecordId: record.invoiceRecordId,
    contractId: record.contractId,
    customerId: record.customerId,
    periodId: record.periodId,
    currency: record.currency,
    cutoff: record.cutoff,
    ...(record.pinnedDefinitions !== undefined ? { pinnedDefinitions: record.pinnedDefinitions } : {}),
    lines: record.lines.map((line) => ({
      lineId: line.lineId,
      chargeId: line.chargeId,
      description: line.description,
      metric: line.metric,
      quantity: line.quantity,
      amount: amountOf(line.amount, record.currency),
      breakdownKinds: line.breakdown.map((row) => row.kind),
      usageQuery: line.usageQuery,
      ...withCaps(line.breakdown),
    })),
  };
}

function withCaps(breakdown: readonly BreakdownRow[]): { caps?: string } {
  const caps = capsOfLine(breakdown);
  return caps === undefined ? {} : { caps };
}

function requireCutoff(draft: DraftInvoice): string {
  if (draft.usageAsOf === null) {
    throw new InvoiceRecordInvalidError(`the draft of period ${draft.period.id} was not rated from the ledger as of a cutoff, so it has no statement`);
  }
  return draft.usageAsOf;
}

/** An open period's draft (rated as of a cutoff) as a statement's source; lines are keyed by charge, as on the invoice. */
export function statementSourceOfDraft(draft: DraftInvoice, contract: { readonly contractId: string; readonly customerId: string }): StatementSource {
  const lines = [...draft.lines, ...(draft.commitmentTrueUp ? [draft.commitmentTrueUp] : [])];
  return {
    invoiceRecordId: null,
    contractId: contract.contractId,
    customerId: contract.customerId,
    periodId: draft.period.id,
    currency: draft.currency,
    cutoff: requireCutoff(draft),
    ...(draft.pinnedDefinitions !== undefined ? { pinnedDefinitions: draft.pinnedDefinitions } : {}),
    lines: lines.map((line) => ({
      lineId: line.chargeId,
      chargeId: line.chargeId,
      description: line.description,
      metric: line.metric,
      quantity: line.quantity,
      amount: amountOf(line.amount, draft.currency),
      breakdownKinds: line.breakdown.map((row) => row.kind),
      usageQuery: line.usageQuery,
      ...withCaps(line.breakdown),
    })),
  };
}

/** The definition versions an invoice line counts under: the contract's pin, or the catalog's versions in force over the line's window. */
export interface LineDefinitions {
  readonly versions: readonly number[];
  readonly pinned: boolean;
}

export function lineDefinitions(
  query: UsageQuery | null,
  terms: { readonly metrics: ReadonlyMap<string, MetricDefinition>; readonly pins: Readonly<Record<string, number>> | undefined },
): LineDefinitions | null {
  if (query === null) return null;
  const pinned = terms.pins?.[query.ledgerMetric];
  if (pinned !== undefined) return { versions: [pinned], pinned: true };
  const metric = terms.metrics.get(query.ledgerMetric);
  if (metric === undefined) return null;
  return { versions: definitionsInForceDuring(metric, Date.parse(query.from), Date.parse(query.to)).map((d) => d.version), pinned: false };
}

/** "v1, v2", "v2 (pinned by the contract)", or "-". */
export function describeLineDefinitions(definitions: LineDefinitions | null): string {
  if (definitions === null || definitions.versions.length === 0) return '-';
  return `${describeDefinitionVersions(definitions.versions)}${definitions.pinned ? ' (pinned by the contract)' : ''}`;
}
