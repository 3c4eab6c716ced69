import type { CatalogSnapshot } from '../domain/ledger/catalog';
import { decideAdjustment, resolveTakenAdjustmentKey } from '../domain/ledger/decide-adjustment';
import { OUTBOUND_DETAIL_TYPES } from '../domain/events/detail-types';
import type { AdjustmentEntry, EntryKind, LedgerEntry, RecordedEntry } from '../domain/ledger/ledger-entries';
import { adjustmentNoticeOf, type OutcomeAdjustmentRecordedDetail } from '../domain/ledger/outcome-adjustment-notice';
import { describeContentDifference, sameContent } from '../domain/ledger/outcome-content';
import { batchItemRejection, type PreparedBatch } from '../domain/ledger/prepare-outcome-batch';
import { prepareOutcomeMessage, type PreparedMessage } from '../domain/ledger/prepare-outcome-message';
import type { AdjustmentRequest, PreparedRejection } from '../domain/ledger/prepared-message';
import { rejectionIdOf, type RejectionDraft } from '../domain/ledger/rejection';
import type { CatalogCache } from './catalog-cache';
import { OutcomeNotYetRecordedError } from './errors';
import type { EventPublisher, LedgerRepository } from './ports';
import { recordRejection, type RejectedResult } from './record-rejection';

// Ingest of one inbound message, exactly once. A new outcome costs exactly
// one DynamoDB write on the happy path: the conditional put that claims its
// key IS the durable write (nothing is claimed before it, so a failed write
// leaves nothing behind and the retry records it). A failed condition returns
// the stored item, which tells a duplicate (acknowledged) from a conflict
// (rejected, original kept) without a second read.

/** A recorded or duplicate outcome (or adjustment), or a stored and announced rejection. */
export type IngestResult =
  | { readonly status: 'recorded'; readonly outcomeId: string; readonly kind: EntryKind }
  | { readonly status: 'duplicate'; readonly outcomeId: string; readonly kind: EntryKind }
  | RejectedResult;

/** One item of an 'Outcomes Recorded' event: its index and what became of it. */
export type BatchItemResult = IngestResult & { readonly index: number };

/** What became of each outcome of an 'Outcomes Recorded' event, in the event's order. */
export interface BatchIngestResult {
  readonly status: 'batch';
  readonly eventId: string | undefined;
  readonly results: readonly BatchItemResult[];
}

/** A single event's result, or a batch event's results per outcome. */
export type IngestMessageResult = IngestResult | BatchIngestResult;

/** The per-outcome results of a message: one for a single event, one per item for a batch. */
export function outcomeResultsOf(result: IngestMessageResult): readonly IngestResult[] {
  return result.status === 'batch' ? result.results : [result];
}

const DEFAULT_BATCH_ITEM_CONCURRENCY = 10;

export interface IngestDeps {
  readonly ledger: LedgerRepository;
  readonly catalog: CatalogCache;
  readonly publisher: EventPublisher;
  readonly nowMs: () => number;
  readonly backdatingWindowMs: number;
  readonly maxFutureSkewMs: number;
  /**
   * Deliveries an adjustment of an unknown outcome waits for its outcome
   * before it is rejected as UNKNOWN_OUTCOME. @default 3
   */
  readonly unknownOutcomeDeliveries?: number;
  /** Items of one 'Outcomes Recorded' event written at the same time. @default 10 */
  readonly batchItemConcurrency?: number;
  /**
   * The period-close grace: an entry recorded more than this after its
   * outcome occurred may change an invoiced period and is announced as
   * 'Outcome Adjustment Recorded' (also on a duplicate, since the first
   * delivery may have failed to announce it). Undefined: nothing is announced.
   */
  readonly lateAfterMs?: number;
}

export interface InboundMessage {
  readonly body: string;
  /** The transport's message id (SQS messageId), kept with rejections for tracing. */
  readonly messageId: string;
  /** 1 for the first delivery (SQS ApproximateReceiveCount); omitted when the transport cannot tell. */
  readonly deliveryAttempt?: number;
}

/**
 * Records, adjusts or rejects one message (every outcome of a batch message).
 * Throws InfrastructureError when storage or the bus fail, so the caller
 * retries the message; a rejection is returned only after it is stored and
 * announced.
 */
export async function ingestOutcomeMessage(deps: IngestDeps, message: InboundMessage): Promise<IngestMessageResult> {
  const nowMs = deps.nowMs();
  const arrival = deps.catalog.mark();
  const cached = await deps.catalog.get();
  let prepared = prepare(message.body, nowMs, cached, deps);
  // The cached catalog may predate a metric or customer added moments ago
  // (possibly by another process): look again before refusing or flagging.
  if (anyOutcome(prepared, (outcome) => outcome.kind === 'reject' && outcome.rejection.code === 'UNKNOWN_METRIC')) {
    const fresh = await deps.catalog.refreshSince(arrival);
    if (fresh !== cached) prepared = prepare(message.body, nowMs, fresh, deps);
  } else if (anyOutcome(prepared, (outcome) => outcome.kind === 'record' && !outcome.entry.attributed)) {
    const fresh = await deps.catalog.refreshIfAllowed();
    if (fresh !== undefined && fresh !== cached) prepared = prepare(message.body, nowMs, fresh, deps);
  }
  switch (prepared.kind) {
    case 'record':
      return recordOutcome(deps, prepared.entry, nowMs, (draft) => reject(deps, message, nowMs, draft));
    case 'adjust':
      return applyAdjustment(deps, prepared.request, message, nowMs);
    case 'reject':
      return rejectPrepared(deps, prepared, message, nowMs);
    case 'batch':
      return ingestBatch(deps, prepared, message, nowMs);
    default: {
      const unknown: never = prepared;
      throw new TypeError(`unknown prepared message ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whether the message (or any item of a batch message) matches. */
function anyOutcome(prepared: PreparedMessage, test: (outcome: Exclude<PreparedMessage, PreparedBatch>) => boolean): boolean {
  return prepared.kind === 'batch' ? prepared.items.some((item) => test(item.prepared)) : test(prepared);
}

/**
 * Every item of a batch exactly as if it had come alone. An infrastructure
 * failure of any item fails the whole message, after the items already in
 * flight settle: the transport redelivers it, and the items already recorded
 * then come back as duplicates, never counted twice. No new item is started
 * once one has failed, since the redelivery will do them anyway.
 */
async function ingestBatch(deps: IngestDeps, batch: PreparedBatch, message: InboundMessage, nowMs: number): Promise<BatchIngestResult> {
  const results: BatchItemResult[] = new Array(batch.items.length);
  const notices: NoticeSink = new Map();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const lane = async () => {
    while (failure === undefined && next < batch.items.length) {
      const item = batch.items[next] as PreparedBatch['items'][number];
      next += 1;
      try {
        const result = await ingestBatchItem(deps, batch, item, message, nowMs, notices);
        results[item.index] = { ...result, index: item.index };
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(deps.batchItemConcurrency ?? DEFAULT_BATCH_ITEM_CONCURRENCY, batch.items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure.error;
  await publishNotices(deps, notices);
  return { status: 'batch', eventId: batch.source.eventId, results };
}

function ingestBatchItem(
  deps: IngestDeps,
  batch: PreparedBatch,
  item: PreparedBatch['items'][number],
  message: InboundMessage,
  nowMs: number,
  notices: NoticeSink,
): Promise<IngestResult> {
  const prepared = item.prepared;
  if (prepared.kind === 'reject') return rejectPrepared(deps, prepared, message, nowMs);
  return recordOutcome(
    deps,
    prepared.entry,
    nowMs,
    (draft) => {
      const { rejection, rejectionId, body } = batchItemRejection(batch.source, item.index, draft);
      return recordRejection(deps, rejection, { body, messageId: message.messageId, rejectionId, receivedAtMs: nowMs });
    },
    notices,
  );
}

function prepare(body: string, nowMs: number, catalog: CatalogSnapshot, deps: IngestDeps): PreparedMessage {
  return prepareOutcomeMessage(body, {
    nowMs,
    catalog,
    backdatingWindowMs: deps.backdatingWindowMs,
    maxFutureSkewMs: deps.maxFutureSkewMs,
  });
}

async function recordOutcome(
  deps: IngestDeps,
  entry: RecordedEntry,
  nowMs: number,
  rejectConflict: (draft: RejectionDraft) => Promise<RejectedResult>,
  notices?: NoticeSink,
): Promise<IngestResult> {
  const put = await deps.ledger.putEntry(entry);
  if (put.status === 'created') {
    await announceAdjustment(deps, entry, notices);
    return { status: 'recorded', outcomeId: entry.outcomeId, kind: 'recorded' };
  }
  const stored = put.existing;
  if (stored.kind === 'recorded' && sameContent(stored, entry)) {
    await announceAdjustment(deps, stored, notices);
    return { status: 'duplicate', outcomeId: entry.outcomeId, kind: 'recorded' };
  }
  return rejectConflict({
    code: 'OUTCOME_CONFLICT',
    message:
      `outcome "${entry.outcomeId}" was already recorded on ${new Date(stored.recordedAtMs).toISOString()} with different ` +
      `content (${describeContentDifference(stored, entry)}); the original is kept. Use a new outcomeId for a different ` +
      'outcome, or send "Outcome Corrected" to change this one',
    outcomeId: entry.outcomeId,
    customerId: entry.customerId,
    detailType: 'Outcome Recorded',
  });
}

const DETAIL_TYPE_OF: Record<AdjustmentRequest['kind'], string> = {
  reversed: 'Outcome Reversed',
  corrected: 'Outcome Corrected',
  verified: 'Outcome Verified',
};

async function applyAdjustment(
  deps: IngestDeps,
  request: AdjustmentRequest,
  message: InboundMessage,
  nowMs: number,
): Promise<IngestResult> {
  // Adjustments are rare; reading the outcome's partition first lets them copy
  // its customer, metric and occurredAt into the same usage partition.
  const existing = await deps.ledger.getOutcomeEntries(request.outcomeId);
  const decision = decideAdjustment(request, existing, await deps.catalog.get());
  const rejectWith = (code: RejectionDraft['code'], text: string) =>
    reject(deps, message, nowMs, {
      code,
      message: text,
      outcomeId: request.outcomeId,
      customerId: existing.find((entry) => entry.kind === 'recorded')?.customerId,
      detailType: DETAIL_TYPE_OF[request.kind],
    });
  switch (decision.kind) {
    case 'duplicate':
      await announceAdjustment(deps, decision.entry);
      return { status: 'duplicate', outcomeId: request.outcomeId, kind: request.kind };
    case 'reject': {
      const attempt = message.deliveryAttempt;
      // Queues do not keep order: an adjustment may overtake its outcome. Let
      // the transport redeliver it a few times before calling it unknown.
      if (decision.code === 'UNKNOWN_OUTCOME' && attempt !== undefined && attempt < (deps.unknownOutcomeDeliveries ?? 3)) {
        throw new OutcomeNotYetRecordedError(request.outcomeId, attempt);
      }
      return rejectWith(decision.code, decision.message);
    }
    case 'write': {
      const put = await deps.ledger.putEntry(decision.entry);
      if (put.status === 'created') {
        await announceAdjustment(deps, decision.entry);
        return { status: 'recorded', outcomeId: request.outcomeId, kind: request.kind };
      }
      // Another delivery of an adjustment with the same key won the race.
      const resolution = resolveTakenAdjustmentKey(put.existing as AdjustmentEntry, decision.entry);
      if (resolution.kind !== 'duplicate') return rejectWith(resolution.code, resolution.message);
      await announceAdjustment(deps, put.existing);
      return { status: 'duplicate', outcomeId: request.outcomeId, kind: request.kind };
    }
    default: {
      const unknown: never = decision;
      throw new TypeError(`unknown adjustment decision ${JSON.stringify(unknown)}`);
    }
  }
}

/** The notices of one 'Outcomes Recorded' event, one per customer and metric per 15 minutes of occurrence. */
type NoticeSink = Map<string, OutcomeAdjustmentRecordedDetail>;

// Every time zone's offset is a multiple of 15 minutes, so a billing period
// (from local midnight) never starts inside a 15-minute slot of UTC: outcomes
// of one slot belong to the same periods, and one notice speaks for them all.
const NOTICE_SLOT_MS = 15 * 60_000;

/**
 * Announces an entry that may change an invoiced period (see
 * adjustmentNoticeOf); for a batch event, collects it in `notices` to be
 * announced once the batch is written. A failed publish fails the message,
 * so the transport redelivers it and the duplicate announces again.
 */
async function announceAdjustment(deps: IngestDeps, entry: LedgerEntry, notices?: NoticeSink): Promise<void> {
  if (deps.lateAfterMs === undefined) return;
  const detail = adjustmentNoticeOf(entry, deps.lateAfterMs);
  if (!detail) return;
  if (!notices) {
    await publishNotices(deps, new Map([['', detail]]));
    return;
  }
  const key = `${entry.customerId}\u0000${entry.metric}\u0000${Math.floor(entry.occurredAtMs / NOTICE_SLOT_MS)}`;
  const kept = notices.get(key);
  if (!kept || kept.recordedAt < detail.recordedAt) notices.set(key, detail);
}

async function publishNotices(deps: IngestDeps, notices: NoticeSink): Promise<void> {
  if (notices.size === 0) return;
  await deps.publisher.publish(
    [...notices.values()].map((detail) => ({ detailType: OUTBOUND_DETAIL_TYPES.outcomeAdjustmentRecorded, detail })),
  );
}

async function rejectPrepared(
  deps: IngestDeps,
  prepared: PreparedRejection,
  message: InboundMessage,
  nowMs: number,
): Promise<IngestResult> {
  const candidate = prepared.candidate;
  if (candidate !== undefined) {
    // Refused only because of when or against which catalog it was read: an
    // exact resend of an outcome the ledger already holds is a duplicate.
    const stored = (await deps.ledger.getOutcomeEntries(candidate.outcomeId)).find((entry) => entry.kind === 'recorded');
    if (stored !== undefined && sameContent(stored, candidate)) {
      return { status: 'duplicate', outcomeId: candidate.outcomeId, kind: 'recorded' };
    }
  }
  return recordRejection(deps, prepared.rejection, {
    body: prepared.body ?? message.body,
    messageId: message.messageId,
    rejectionId: prepared.rejectionId,
    receivedAtMs: nowMs,
  });
}

function reject(deps: IngestDeps, message: InboundMessage, nowMs: number, draft: RejectionDraft): Promise<RejectedResult> {
  return recordRejection(deps, draft, {
    body: message.body,
    messageId: message.messageId,
    rejectionId: rejectionIdOf(message.body),
    receivedAtMs: nowMs,
  });
}
