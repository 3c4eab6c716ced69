import { definitionVersionOf, type AdjustmentEntry, type CorrectionEntry, type LedgerEntry, type RecordedEntry } from './ledger-entries';
import { governingDefinitionOf, type PinnedDefinitions } from './governing-definition';
import { isBillableAt } from './outcome-lifecycle';
import { parseAttributesJson, type OutcomeAttributes } from './outcome-attributes';
import type { OutcomeValue } from './outcome-events';

// Folds an outcome and its adjustments, as known at a recordedAt cutoff, into
// the one net figure usage counts. Entries recorded after asOf are invisible,
// so the same asOf always gives the same net outcomes.

/**
 * One counted outcome after reversals and corrections. Reversed outcomes are
 * left out. Structurally a RatableOutcome of the rating engine, so rating can
 * aggregate these directly.
 */
export interface NetOutcome {
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  /** Net quantity: the latest correction's, else the recorded one. */
  readonly quantity: string;
  readonly value: OutcomeValue | undefined;
  readonly occurredAtMs: number;
  readonly recordedAtMs: number;
  readonly billable: boolean;
  /** An open dispute (under 'hold' terms) or an upheld one keeps it out of billing. */
  readonly held: boolean;
  readonly verified: boolean;
  readonly corrected: boolean;
  readonly attributed: boolean;
  readonly attributes: OutcomeAttributes | undefined;
  /** The metric's definition version the outcome counts under: the contract's pin, else the recorded one. */
  readonly definitionVersion?: number;
}

export interface NetOutcomeOptions {
  /** recordedAt cutoff (inclusive), epoch ms. */
  readonly asOfMs: number;
  /** occurredAt window [fromMs, toMs); unbounded when omitted. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Parse attributes (only needed for unique counts); default true. */
  readonly withAttributes?: boolean;
  /**
   * The contract's pinned definition versions by metric: a pinned metric's
   * outcomes are billable by the pinned version's rule and count under it
   * (governing-definition.ts). Absent: the recorded version governs.
   */
  readonly pinned?: PinnedDefinitions;
}

/** Later correction wins; at the same recordedAt the greater correctionId does, so order of arrival never matters. */
export function isLaterCorrection(candidate: CorrectionEntry, current: CorrectionEntry | undefined): boolean {
  if (current === undefined) return true;
  if (candidate.recordedAtMs !== current.recordedAtMs) return candidate.recordedAtMs > current.recordedAtMs;
  return candidate.correctionId > current.correctionId;
}

interface Adjustments {
  reversed: boolean;
  verified: boolean;
  quantityCorrection: CorrectionEntry | undefined;
  valueCorrection: CorrectionEntry | undefined;
  /** Disputes by sequence: whether opened under 'hold' terms, and the decision (true: upheld) once taken. */
  disputes: Map<number, { hold?: boolean; upheld?: boolean }> | undefined;
}

/** Open under 'hold' terms, or upheld: see outcome-disputes.ts (disputeHolds). */
function isHeld(adjustments: Adjustments | undefined): boolean {
  if (adjustments?.disputes === undefined) return false;
  for (const dispute of adjustments.disputes.values()) {
    if (dispute.upheld === undefined ? dispute.hold === true : dispute.upheld) return true;
  }
  return false;
}

function disputeOf(target: Adjustments, sequence: number): { hold?: boolean; upheld?: boolean } {
  target.disputes ??= new Map();
  let dispute = target.disputes.get(sequence);
  if (dispute === undefined) {
    dispute = {};
    target.disputes.set(sequence, dispute);
  }
  return dispute;
}

function foldAdjustment(target: Adjustments, entry: AdjustmentEntry): void {
  switch (entry.kind) {
    case 'reversed':
      target.reversed = true;
      break;
    case 'verified':
      target.verified = true;
      break;
    case 'corrected':
      if (entry.quantity !== undefined && isLaterCorrection(entry, target.quantityCorrection)) target.quantityCorrection = entry;
      if (entry.value !== undefined && isLaterCorrection(entry, target.valueCorrection)) target.valueCorrection = entry;
      break;
    case 'disputed':
      disputeOf(target, entry.sequence).hold = entry.hold;
      break;
    case 'dispute-resolved':
      disputeOf(target, entry.sequence).upheld = entry.upheld;
      break;
    default: {
      const unknown: never = entry;
      throw new TypeError(`unknown adjustment ${JSON.stringify(unknown)}`);
    }
  }
}

function netOutcome(original: RecordedEntry, adjustments: Adjustments | undefined, options: NetOutcomeOptions): NetOutcome | undefined {
  if (adjustments?.reversed) return undefined;
  const verified = adjustments?.verified ?? false;
  const quantityCorrection = adjustments?.quantityCorrection;
  const valueCorrection = adjustments?.valueCorrection;
  const held = isHeld(adjustments);
  const governing = governingDefinitionOf(
    { definitionVersion: definitionVersionOf(original), billableRule: original.billableRule },
    options.pinned?.[original.metric],
  );
  return {
    outcomeId: original.outcomeId,
    customerId: original.customerId,
    metric: original.metric,
    quantity: quantityCorrection?.quantity ?? original.quantity,
    value: valueCorrection?.value ?? original.value,
    occurredAtMs: original.occurredAtMs,
    recordedAtMs: original.recordedAtMs,
    billable: !held && isBillableAt(governing.billableRule, original.occurredAtMs, verified, options.asOfMs),
    held,
    verified,
    corrected: quantityCorrection !== undefined || valueCorrection !== undefined,
    attributed: original.attributed,
    attributes: options.withAttributes === false ? undefined : parseAttributesJson(original.attributesJson),
    definitionVersion: governing.version,
  };
}

/**
 * Net outcomes of the given entries as of options.asOfMs, in the order their
 * recorded entries appear. Entries may come in any order and mix outcomes.
 */
export function netOutcomes(entries: Iterable<LedgerEntry>, options: NetOutcomeOptions): NetOutcome[] {
  const { asOfMs } = options;
  const fromMs = options.fromMs ?? Number.NEGATIVE_INFINITY;
  const toMs = options.toMs ?? Number.POSITIVE_INFINITY;
  const originals: RecordedEntry[] = [];
  // Most outcomes are never adjusted: only adjusted ones get a map entry.
  const adjusted = new Map<string, Adjustments>();
  for (const entry of entries) {
    if (entry.recordedAtMs > asOfMs) continue;
    if (entry.occurredAtMs < fromMs || entry.occurredAtMs >= toMs) continue;
    if (entry.kind === 'recorded') {
      originals.push(entry);
      continue;
    }
    let target = adjusted.get(entry.outcomeId);
    if (target === undefined) {
      target = {
        reversed: false,
        verified: false,
        quantityCorrection: undefined,
        valueCorrection: undefined,
        disputes: undefined,
      };
      adjusted.set(entry.outcomeId, target);
    }
    foldAdjustment(target, entry);
  }
  const result: NetOutcome[] = [];
  for (const original of originals) {
    const net = netOutcome(original, adjusted.get(original.outcomeId), options);
    if (net !== undefined) result.push(net);
  }
  return result;
}
