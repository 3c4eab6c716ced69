import { z } from 'zod';
import { DisputeResolutionSchema, type DisputeResolution } from '../../domain/disputes/dispute-request';
import { decideDisputeResolution, type ResolutionDecision, type ResolutionRefusalCode } from '../../domain/disputes/dispute-rules';
import { decideAdjustment } from '../../domain/ledger/decide-adjustment';
import type { DisputeResolvedEntry, LedgerEntry } from '../../domain/ledger/ledger-entries';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import { DisputeNotFoundError, DisputeWriteContendedError, InvalidDisputeError } from './dispute-errors';
import { disputeResolvedDetail } from '../../domain/disputes/dispute-events';
import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import { adjustmentNotices } from './open-dispute';
import type { DisputeDeps } from './ports';

// Decides a dispute: open → upheld | rejected, once per outcome. The decision
// is stored first (it claims the dispute's one decision key), then, for an
// upheld dispute of an outcome that still counts, the reversal is written
// through the ledger's reversal rules (decideAdjustment), with a reason that
// names the dispute. Its 'Outcome Adjustment Recorded' notice sends an
// invoiced period to the correction path, which credits the original
// invoice; the notices of one call go out together, so a dispute decided
// for many outcomes at once is one correction of each period it touches.
// A rejected dispute changes nothing billed (under 'hold' terms it releases
// the outcome, which then bills as a late outcome of its own period).

const OUTCOME_CONCURRENCY = 8;

export interface DecidedOutcome {
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  readonly decision: 'upheld' | 'rejected';
  /** True when this call wrote the outcome's reversal. */
  readonly reversed: boolean;
  /** False when this decision was already stored (a resend). */
  readonly created: boolean;
}

export interface RefusedDecision {
  readonly outcomeId: string;
  readonly code: ResolutionRefusalCode;
  readonly message: string;
}

export interface ResolveDisputeResult {
  readonly disputeId: string;
  readonly decided: DecidedOutcome[];
  readonly refused: RefusedDecision[];
}

class DecisionKeyTakenError extends DisputeWriteContendedError {}

export function parseDisputeResolution(input: unknown): DisputeResolution {
  const parsed = DisputeResolutionSchema.safeParse(input);
  if (!parsed.success) throw new InvalidDisputeError(`not a dispute decision: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

export async function resolveDispute(deps: DisputeDeps, input: unknown): Promise<ResolveDisputeResult> {
  const request = parseDisputeResolution(input);
  const named = new Set((await deps.ledger.listDisputeEntries(request.disputeId)).map((entry) => entry.outcomeId));
  if (named.size === 0) throw new DisputeNotFoundError(request.disputeId);
  const targets = request.outcomeIds === undefined ? [...named].sort() : [...new Set(request.outcomeIds)];
  const catalog = await deps.catalog.get();
  const results = await mapWithConcurrency(targets, OUTCOME_CONCURRENCY, async (outcomeId) =>
    retryOnConflict({ isConflict: (error) => error instanceof DecisionKeyTakenError }, async () => {
      const existing = await deps.ledger.getOutcomeEntries(outcomeId);
      const nowMs = deps.nowMs();
      const decision = decideDisputeResolution({ ...request, nowMs }, outcomeId, existing);
      if (decision.kind === 'refuse') return { decision, written: [] as LedgerEntry[] };
      if (decision.kind === 'resolve') {
        const put = await deps.ledger.putEntry(decision.entry);
        if (put.status !== 'created') throw new DecisionKeyTakenError(`the decision on dispute "${request.disputeId}" of outcome "${outcomeId}" was taken concurrently`);
      }
      const written: LedgerEntry[] = decision.kind === 'resolve' ? [decision.entry] : [];
      const reversal = await reverseIfUpheld(deps, decision, existing, catalog, nowMs);
      if (reversal) written.push(reversal);
      return { decision, written };
    }),
  );
  const decided: DecidedOutcome[] = [];
  const refused: RefusedDecision[] = [];
  const resolvedEntries: DisputeResolvedEntry[] = [];
  const written: LedgerEntry[] = [];
  for (const { decision, written: entries } of results) {
    written.push(...entries);
    if (decision.kind === 'refuse') {
      refused.push({ outcomeId: decision.outcomeId, code: decision.code, message: decision.message });
      continue;
    }
    resolvedEntries.push(decision.entry);
    decided.push({
      outcomeId: decision.entry.outcomeId,
      customerId: decision.entry.customerId,
      metric: decision.entry.metric,
      decision: decision.entry.upheld ? 'upheld' : 'rejected',
      reversed: entries.some((entry) => entry.kind === 'reversed'),
      created: decision.kind === 'resolve',
    });
  }
  await deps.publisher.publish([
    ...resolvedEntries.map((entry) => ({ detailType: OUTBOUND_DETAIL_TYPES.disputeResolved, detail: disputeResolvedDetail(entry) })),
    ...adjustmentNotices(written, deps.lateAfterMs)]);
  return { disputeId: request.disputeId, decided, refused };
}

/** The reversal an upheld dispute writes, through the ledger's reversal rules; undefined when none is due (or it was written before). */
async function reverseIfUpheld(
  deps: DisputeDeps,
  decision: Exclude<ResolutionDecision, { kind: 'refuse' }>,
  existing: readonly LedgerEntry[],
  catalog: Awaited<ReturnType<DisputeDeps['catalog']['get']>>,
  nowMs: number,
): Promise<LedgerEntry | undefined> {
  if (decision.reversalReason === undefined) return undefined;
  const reversal = decideAdjustment(
    { kind: 'reversed', outcomeId: decision.entry.outcomeId, reason: decision.reversalReason, recordedAtMs: nowMs },
    existing,
    catalog,
  );
  // 'duplicate' or 'reject' (ALREADY_REVERSED): the outcome already counts zero, which is all an upheld dispute asks.
  if (reversal.kind !== 'write') return undefined;
  const put = await deps.ledger.putEntry(reversal.entry);
  return put.status === 'created' ? reversal.entry : undefined;
}
