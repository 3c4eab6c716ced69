import { z } from 'zod';
import { OutcomeDisputedDetailSchema, type OutcomeDisputedDetail } from '../../domain/disputes/dispute-request';
import { decideDisputeOpening, distinctOutcomeIds, type DisputeRefusalCode, type OpenDecision } from '../../domain/disputes/dispute-rules';
import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import { pinnedVersionAt, type PinningContract } from '../../domain/ledger/governing-definition';
import type { DisputeOpenedEntry, LedgerEntry, RecordedEntry } from '../../domain/ledger/ledger-entries';
import { adjustmentNoticeOf } from '../../domain/ledger/outcome-adjustment-notice';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import type { OutboundEvent } from '../ports';
import { DisputeWriteContendedError, InvalidDisputeError } from './dispute-errors';
import { disputeOpenedDetail } from '../../domain/disputes/dispute-events';
import type { DisputeDeps } from './ports';

// Opens a dispute on one outcome or many. Each outcome is read, decided and
// written on its own; the good ones open, each bad one is refused with a
// code and a sentence. Events go out after every entry is stored, so nothing
// is announced that the ledger does not hold, and a retry of the same
// request (same disputeId) writes nothing twice and announces again.

/** Outcomes read and written at the same time. */
const OUTCOME_CONCURRENCY = 8;

export interface OpenedOutcome {
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  readonly hold: boolean;
  /** False when this dispute already named the outcome (a resend). */
  readonly created: boolean;
}

export interface RefusedOutcome {
  readonly outcomeId: string;
  readonly code: DisputeRefusalCode;
  readonly message: string;
}

export interface OpenDisputeResult {
  readonly disputeId: string;
  readonly opened: OpenedOutcome[];
  readonly refused: RefusedOutcome[];
}

/** The number this run chose for the outcome's next dispute was taken meanwhile: decide again from a fresh read. */
class DisputeNumberTakenError extends DisputeWriteContendedError {}

export function parseDisputeRequest(input: unknown): OutcomeDisputedDetail {
  const parsed = OutcomeDisputedDetailSchema.safeParse(input);
  if (!parsed.success) throw new InvalidDisputeError(`not a dispute: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

/** Who may dispute what: a customer (the portal) only its own outcomes; unset, any outcome. */
export interface DisputeScope {
  readonly customerId?: string;
}

export async function openDispute(deps: DisputeDeps, input: unknown, scope: DisputeScope = {}): Promise<OpenDisputeResult> {
  const request = parseDisputeRequest(input);
  const catalog = await deps.catalog.get();
  const metricOf = (code: string) => catalog.metrics.get(code);
  const { ids, refused: namedTwice } = distinctOutcomeIds(request.outcomeIds);
  // Each customer's contracts are read once per dispute, when one of its outcomes is decided.
  const contractsByCustomer = new Map<string, Promise<readonly PinningContract[]>>();
  const contractsOf = (customerId: string): Promise<readonly PinningContract[]> => {
    let contracts = contractsByCustomer.get(customerId);
    if (contracts === undefined) {
      contracts = deps.contracts.contractsOf(customerId);
      contractsByCustomer.set(customerId, contracts);
    }
    return contracts;
  };
  const decisions = await mapWithConcurrency(ids, OUTCOME_CONCURRENCY, (outcomeId) =>
    retryOnConflict({ isConflict: (error) => error instanceof DisputeNumberTakenError }, async () => {
      const read = await deps.ledger.getOutcomeEntries(outcomeId);
      // Another customer's outcome is decided as one never recorded: refused as unknown, nothing about it revealed.
      const existing = scope.customerId === undefined || read.every((entry) => entry.customerId === scope.customerId) ? read : [];
      const original = existing.find((entry) => entry.kind === 'recorded');
      const contracts = original === undefined ? [] : await contractsOf(original.customerId);
      const pinnedVersionOf = (outcome: RecordedEntry) => pinnedVersionAt(contracts, outcome);
      const decision = decideDisputeOpening({ ...request, outcomeId, nowMs: deps.nowMs() }, existing, metricOf, pinnedVersionOf);
      if (decision.kind !== 'open') return decision;
      const put = await deps.ledger.putEntry(decision.entry);
      if (put.status === 'created') return decision;
      throw new DisputeNumberTakenError(`dispute number ${decision.entry.sequence} of outcome "${outcomeId}" was taken by a concurrent dispute`);
    }),
  );
  const all: OpenDecision[] = [...decisions, ...namedTwice];
  const openedEntries: { entry: DisputeOpenedEntry; created: boolean }[] = [];
  const refused: RefusedOutcome[] = [];
  for (const decision of all) {
    if (decision.kind === 'refuse') refused.push({ outcomeId: decision.outcomeId, code: decision.code, message: decision.message });
    else openedEntries.push({ entry: decision.entry, created: decision.kind === 'open' });
  }
  await deps.publisher.publish([
    ...openedEntries.map(({ entry }) => ({ detailType: OUTBOUND_DETAIL_TYPES.disputeOpened, detail: disputeOpenedDetail(entry) })),
    ...adjustmentNotices(openedEntries.map(({ entry }) => entry), deps.lateAfterMs),
  ]);
  return {
    disputeId: request.disputeId,
    opened: openedEntries.map(({ entry, created }) => ({
      outcomeId: entry.outcomeId,
      customerId: entry.customerId,
      metric: entry.metric,
      hold: entry.hold,
      created,
    })),
    refused,
  };
}

/** 'Outcome Adjustment Recorded' for entries that may change an invoiced period, as ingest announces them. */
export function adjustmentNotices(entries: readonly LedgerEntry[], lateAfterMs: number): OutboundEvent[] {
  const events: OutboundEvent[] = [];
  for (const entry of entries) {
    const detail = adjustmentNoticeOf(entry, lateAfterMs);
    if (detail) events.push({ detailType: OUTBOUND_DETAIL_TYPES.outcomeAdjustmentRecorded, detail });
  }
  return events;
}
