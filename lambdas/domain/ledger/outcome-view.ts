import type { BillableRule } from './catalog';
import { definitionVersionOf, type CorrectionEntry, type LedgerEntry, type RecordedEntry, type ReversalEntry, type VerificationEntry } from './ledger-entries';
import { isLaterCorrection } from './net-outcomes';
import { parseAttributesJson, type OutcomeAttributes } from './outcome-attributes';
import { contentHash } from './outcome-content';
import type { OutcomeEvidence, OutcomeValue, VerifiedBy } from './outcome-events';
import { billableFromMs, isBillableAt } from './outcome-lifecycle';
import { summarizeDisputes, type OutcomeDisputeView } from './outcome-disputes';

// One outcome as a person asks about it: counted? since when? reversed,
// corrected, verified? Built from every entry of the outcome known at asOf.

export interface OutcomeView {
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  /** "reversed" outcomes count zero. */
  readonly status: 'counted' | 'reversed';
  /** Net quantity and value (after the latest corrections). */
  readonly quantity: string;
  readonly value?: OutcomeValue;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly attributes?: OutcomeAttributes;
  /** False when the customer was not in the catalog when the outcome was recorded. */
  readonly attributed: boolean;
  readonly billableRule: BillableRule;
  /** The metric's definition version the outcome counts under. */
  readonly definitionVersion: number;
  readonly evidence?: OutcomeEvidence;
  readonly billable: boolean;
  /** Only for a disputed outcome: whether a dispute holds it out of billing (open under 'hold' terms, or upheld). */
  readonly held?: boolean;
  /** Only for a disputed outcome: its disputes, oldest first, with their decisions. */
  readonly disputes?: readonly OutcomeDisputeView[];
  /** When it became (or will become) billable, if known. */
  readonly billableFrom?: string;
  readonly verified: boolean;
  readonly verification?: { readonly recordedAt: string; readonly verifiedAt?: string; readonly verifiedBy?: VerifiedBy };
  readonly reversal?: { readonly reason: string; readonly recordedAt: string };
  readonly corrections: readonly {
    readonly correctionId: string;
    readonly quantity?: string;
    readonly value?: OutcomeValue;
    readonly reason: string;
    readonly recordedAt: string;
  }[];
  /** As the producer sent it, before corrections. */
  readonly original: { readonly quantity: string; readonly value?: OutcomeValue };
  /** SHA-256 of the canonical content: equal for exact resends. */
  readonly contentHash: string;
  readonly asOf: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The view of one outcome as of asOfMs; undefined if it was not recorded by then. */
export function buildOutcomeView(entries: readonly LedgerEntry[], asOfMs: number): OutcomeView | undefined {
  let original: RecordedEntry | undefined;
  let reversal: ReversalEntry | undefined;
  let verification: VerificationEntry | undefined;
  const corrections: CorrectionEntry[] = [];
  for (const entry of entries) {
    if (entry.recordedAtMs > asOfMs) continue;
    if (entry.kind === 'recorded') original = entry;
    else if (entry.kind === 'reversed') reversal = entry;
    else if (entry.kind === 'verified') verification = entry;
    else if (entry.kind === 'corrected') corrections.push(entry);
  }
  const disputes = summarizeDisputes(entries, asOfMs);
  const held = disputes.some((dispute) => dispute.holds);
  if (original === undefined) return undefined;
  corrections.sort((a, b) => (isLaterCorrection(a, b) ? 1 : -1));
  let quantityCorrection: CorrectionEntry | undefined;
  let valueCorrection: CorrectionEntry | undefined;
  for (const correction of corrections) {
    if (correction.quantity !== undefined) quantityCorrection = correction;
    if (correction.value !== undefined) valueCorrection = correction;
  }
  const verified = verification !== undefined;
  const reversed = reversal !== undefined;
  const billableFrom = billableFromMs(original.billableRule, original.occurredAtMs, original.recordedAtMs, verification?.recordedAtMs);
  const value = valueCorrection?.value ?? original.value;
  const attributes = parseAttributesJson(original.attributesJson);
  return {
    outcomeId: original.outcomeId,
    customerId: original.customerId,
    metric: original.metric,
    status: reversed ? 'reversed' : 'counted',
    quantity: quantityCorrection?.quantity ?? original.quantity,
    ...(value !== undefined ? { value } : {}),
    occurredAt: iso(original.occurredAtMs),
    recordedAt: iso(original.recordedAtMs),
    ...(attributes !== undefined ? { attributes } : {}),
    attributed: original.attributed,
    billableRule: original.billableRule,
    definitionVersion: definitionVersionOf(original),
    ...(original.evidence !== undefined ? { evidence: original.evidence } : {}),
    billable: !reversed && !held && isBillableAt(original.billableRule, original.occurredAtMs, verified, asOfMs),
    ...(disputes.length > 0 ? { held, disputes: disputes.map(({ holds: _holds, ...dispute }) => dispute) } : {}),
    ...(billableFrom !== undefined && !reversed ? { billableFrom: iso(billableFrom) } : {}),
    verified,
    ...(verification !== undefined
      ? {
          verification: {
            recordedAt: iso(verification.recordedAtMs),
            ...(verification.verifiedAtMs !== undefined ? { verifiedAt: iso(verification.verifiedAtMs) } : {}),
            ...(verification.verifiedBy !== undefined ? { verifiedBy: verification.verifiedBy } : {}),
          },
        }
      : {}),
    ...(reversal !== undefined ? { reversal: { reason: reversal.reason, recordedAt: iso(reversal.recordedAtMs) } } : {}),
    corrections: corrections.map((correction) => ({
      correctionId: correction.correctionId,
      ...(correction.quantity !== undefined ? { quantity: correction.quantity } : {}),
      ...(correction.value !== undefined ? { value: correction.value } : {}),
      reason: correction.reason,
      recordedAt: iso(correction.recordedAtMs),
    })),
    original: { quantity: original.quantity, ...(original.value !== undefined ? { value: original.value } : {}) },
    contentHash: contentHash(original),
    asOf: iso(asOfMs),
  };
}
