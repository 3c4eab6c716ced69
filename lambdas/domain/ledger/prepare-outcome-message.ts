import { INBOUND_DETAIL_TYPES } from '../events/detail-types';
import type { CatalogSnapshot, MetricDefinition } from './catalog';
import { rejectionFromIssues } from './classify-detail-issues';
import type { RecordedEntry } from './ledger-entries';
import { canonicalizeAttributes } from './outcome-attributes';
import {
  EventEnvelopeSchema,
  OutcomeCorrectedDetailSchema,
  OutcomeRecordedDetailSchema,
  OutcomeReversedDetailSchema,
  OutcomeVerifiedDetailSchema,
  type OutcomeCorrectedDetail,
  type OutcomeRecordedDetail,
  type OutcomeValue,
  type OutcomeVerifiedDetail,
} from './outcome-events';
import { rejectionIdFor, type RejectionDraft } from './rejection';
import type { RejectionCode } from './rejection-codes';
import { fastParseRecordedDetail } from './fast-recorded-detail';
import { prepareOutcomeBatch, type PreparedBatch } from './prepare-outcome-batch';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The pure validate-and-key step of ingest: body in, either an entry ready for
// its one conditional write, an adjustment to apply, or a rejection with a
// code and message. No I/O and no clock (the caller passes `nowMs`, which
// becomes recordedAt), so it can be benchmarked on its own. The happy path
// parses the body once and allocates little beyond the entry itself.

export interface PrepareContext {
  /** The ingest clock; becomes recordedAt. */
  readonly nowMs: number;
  readonly catalog: CatalogSnapshot;
  /** Outcomes whose occurredAt is older than this are refused. */
  readonly backdatingWindowMs: number;
  /** Outcomes whose occurredAt is further ahead than this are refused (producer clock skew). */
  readonly maxFutureSkewMs: number;
}

export type AdjustmentRequest =
  | { readonly kind: 'reversed'; readonly outcomeId: string; readonly reason: string; readonly recordedAtMs: number }
  | {
      readonly kind: 'corrected';
      readonly outcomeId: string;
      readonly correctionId: string;
      readonly quantity: string | undefined;
      readonly value: OutcomeValue | undefined;
      readonly reason: string;
      readonly recordedAtMs: number;
    }
  | {
      readonly kind: 'verified';
      readonly outcomeId: string;
      readonly verifiedAtMs: number | undefined;
      readonly recordedAtMs: number;
    };

export interface PreparedRejection {
  readonly kind: 'reject';
  readonly rejection: RejectionDraft;
  readonly rejectionId: string;
  /**
   * The entry the message would have recorded, for rejections that depend on
   * when or against which catalog the message is read (too old, unknown
   * metric): an exact resend of an outcome already recorded is still a
   * duplicate, not a rejection.
   */
  readonly candidate: RecordedEntry | undefined;
  /**
   * The body to store with the rejection when it is not the message's own:
   * for an item of an 'Outcomes Recorded' batch, that item alone as an
   * 'Outcome Recorded' event, so it can be inspected and resent by itself.
   */
  readonly body?: string;
}

/** A new outcome ready for its one conditional write, or its rejection. */
export type PreparedOutcome = { readonly kind: 'record'; readonly entry: RecordedEntry } | PreparedRejection;

export type PreparedMessage =
  | PreparedOutcome
  | { readonly kind: 'adjust'; readonly request: AdjustmentRequest }
  | PreparedBatch;

const DETAIL_TYPE_LIST = Object.values(INBOUND_DETAIL_TYPES)
  .map((type) => `"${type}"`)
  .join(', ');

function reject(
  body: string,
  envelope: { detailType: string; detail: Record<string, unknown> } | undefined,
  code: RejectionCode,
  message: string,
  candidate?: RecordedEntry,
): PreparedRejection {
  const detail = envelope?.detail;
  const outcomeId = typeof detail?.outcomeId === 'string' ? detail.outcomeId : undefined;
  const customerId = typeof detail?.customerId === 'string' ? detail.customerId : undefined;
  return {
    kind: 'reject',
    rejection: { code, message, outcomeId, customerId, detailType: envelope?.detailType },
    rejectionId: rejectionIdFor(body, envelope),
    candidate,
  };
}

/**
 * Who a rejection of an 'Outcome Recorded' detail is about: a whole message,
 * or one item of a batch (which gets its own id, body and a message that
 * names the event and the item's index).
 */
export type RejectOutcome = (code: RejectionCode, message: string, candidate?: RecordedEntry) => PreparedRejection;

function rejectMessage(body: string, detailType: string, detail: Record<string, unknown>): RejectOutcome {
  return (code, message, candidate) => reject(body, { detailType, detail }, code, message, candidate);
}

/** Validates one inbound message body (an EventBridge envelope) and keys it. */
export function prepareOutcomeMessage(body: string, context: PrepareContext): PreparedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return reject(body, undefined, 'MALFORMED_JSON', `the message body is not valid JSON: ${(error as Error).message}`);
  }
  let detailType: string;
  let detail: Record<string, unknown>;
  if (isPlainObject(parsed) && typeof parsed['detail-type'] === 'string' && isPlainObject(parsed.detail)) {
    // What EventEnvelopeSchema checks, without copying the envelope.
    detailType = parsed['detail-type'];
    detail = parsed.detail;
  } else {
    const envelopeResult = EventEnvelopeSchema.safeParse(parsed);
    if (!envelopeResult.success) {
      const problems = envelopeResult.error.issues
        .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
        .join('; ');
      return reject(
        body,
        undefined,
        'INVALID_ENVELOPE',
        `the message body must be an EventBridge event with "detail-type" and an object "detail" (${problems})`,
      );
    }
    detailType = envelopeResult.data['detail-type'];
    detail = envelopeResult.data.detail;
  }
  switch (detailType) {
    case INBOUND_DETAIL_TYPES.outcomeRecorded:
      return prepareRecordedDetail(detail, context, rejectMessage(body, detailType, detail));
    case INBOUND_DETAIL_TYPES.outcomesRecorded:
      return prepareOutcomeBatch(
        parsed as Record<string, unknown>,
        detail,
        context,
        prepareRecordedDetail,
        rejectMessage(body, detailType, detail),
      );
    case INBOUND_DETAIL_TYPES.outcomeReversed: {
      const result = OutcomeReversedDetailSchema.safeParse(detail);
      if (!result.success) {
        const { code, message } = rejectionFromIssues(result.error.issues, detail);
        return reject(body, { detailType, detail }, code, message);
      }
      return {
        kind: 'adjust',
        request: { kind: 'reversed', outcomeId: result.data.outcomeId, reason: result.data.reason, recordedAtMs: context.nowMs },
      };
    }
    case INBOUND_DETAIL_TYPES.outcomeCorrected: {
      const result = OutcomeCorrectedDetailSchema.safeParse(detail);
      if (!result.success) {
        const { code, message } = rejectionFromIssues(result.error.issues, detail);
        return reject(body, { detailType, detail }, code, message);
      }
      return prepareCorrected(result.data, context);
    }
    case INBOUND_DETAIL_TYPES.outcomeVerified: {
      const result = OutcomeVerifiedDetailSchema.safeParse(detail);
      if (!result.success) {
        const { code, message } = rejectionFromIssues(result.error.issues, detail);
        return reject(body, { detailType, detail }, code, message);
      }
      return prepareVerified(result.data, context, body, detailType, detail);
    }
    default:
      return reject(
        body,
        { detailType, detail },
        'UNKNOWN_DETAIL_TYPE',
        `detail-type "${detailType}" is not an event the ledger accepts (expected one of ${DETAIL_TYPE_LIST})`,
      );
  }
}

/**
 * Validates and keys one 'Outcome Recorded' detail (a whole event's, or one
 * item of a batch): the hand-written fast path first, zod for everything it
 * is unsure about and for every error message.
 */
export function prepareRecordedDetail(detail: unknown, context: PrepareContext, rejectAs: RejectOutcome): PreparedOutcome {
  const fast = isPlainObject(detail) ? fastParseRecordedDetail(detail) : undefined;
  if (fast !== undefined) return prepareRecorded(fast, context, rejectAs);
  const result = OutcomeRecordedDetailSchema.safeParse(detail);
  if (!result.success) {
    const { code, message } = rejectionFromIssues(result.error.issues, detail);
    return rejectAs(code, message);
  }
  return prepareRecorded(result.data, context, rejectAs);
}

function prepareRecorded(detail: OutcomeRecordedDetail, context: PrepareContext, rejectAs: RejectOutcome): PreparedOutcome {
  const attributes = canonicalizeAttributes(detail.attributes);
  if (!attributes.ok) return rejectAs('ATTRIBUTES_TOO_LARGE', attributes.message);
  const occurredAtMs = Date.parse(detail.occurredAt);
  const metric = context.catalog.metrics.get(detail.metric);
  const entry: RecordedEntry = {
    kind: 'recorded',
    outcomeId: detail.outcomeId,
    customerId: detail.customerId,
    metric: detail.metric,
    occurredAtMs,
    recordedAtMs: context.nowMs,
    quantity: detail.quantity,
    value: detail.value,
    attributesJson: attributes.json,
    billableRule: metric?.billable ?? IMMEDIATELY,
    attributed: context.catalog.customers.has(detail.customerId),
  };
  if (metric === undefined) {
    return rejectAs('UNKNOWN_METRIC', unknownMetricMessage(detail.metric, context.catalog), entry);
  }
  const currencyProblem = valueCurrencyProblem(metric, detail.value);
  if (currencyProblem !== undefined) return rejectAs('INVALID_FIELD', currencyProblem);
  if (occurredAtMs > context.nowMs + context.maxFutureSkewMs) {
    return rejectAs(
      'OCCURRED_IN_FUTURE',
      `occurredAt ${detail.occurredAt} is ${describeDuration(occurredAtMs - context.nowMs)} ahead of the ledger's clock ` +
        `(${new Date(context.nowMs).toISOString()}); at most ${describeDuration(context.maxFutureSkewMs)} of clock skew is accepted`,
    );
  }
  if (occurredAtMs < context.nowMs - context.backdatingWindowMs) {
    return rejectAs(
      'OCCURRED_TOO_LONG_AGO',
      `occurredAt ${detail.occurredAt} is ${describeDuration(context.nowMs - occurredAtMs)} old; outcomes older than ` +
        `the backdating window of ${describeDuration(context.backdatingWindowMs)} are not accepted`,
      entry,
    );
  }
  return { kind: 'record', entry };
}

const IMMEDIATELY = { when: 'immediately' } as const;

function prepareCorrected(detail: OutcomeCorrectedDetail, context: PrepareContext): PreparedMessage {
  return {
    kind: 'adjust',
    request: {
      kind: 'corrected',
      outcomeId: detail.outcomeId,
      correctionId: detail.correctionId,
      quantity: detail.quantity,
      value: detail.value,
      reason: detail.reason,
      recordedAtMs: context.nowMs,
    },
  };
}

function prepareVerified(
  detail: OutcomeVerifiedDetail,
  context: PrepareContext,
  body: string,
  detailType: string,
  rawDetail: Record<string, unknown>,
): PreparedMessage {
  const verifiedAtMs = detail.verifiedAt === undefined ? undefined : Date.parse(detail.verifiedAt);
  if (verifiedAtMs !== undefined && verifiedAtMs > context.nowMs + context.maxFutureSkewMs) {
    return reject(
      body,
      { detailType, detail: rawDetail },
      'INVALID_FIELD',
      `verifiedAt ${detail.verifiedAt} is ${describeDuration(verifiedAtMs - context.nowMs)} in the future`,
    );
  }
  return {
    kind: 'adjust',
    request: { kind: 'verified', outcomeId: detail.outcomeId, verifiedAtMs, recordedAtMs: context.nowMs },
  };
}

export function valueCurrencyProblem(metric: MetricDefinition, value: OutcomeValue | undefined): string | undefined {
  if (value === undefined || metric.valueCurrency === undefined || value.currency === metric.valueCurrency) return undefined;
  return `value.currency ${value.currency} does not match metric "${metric.code}", whose values are in ${metric.valueCurrency}`;
}

function unknownMetricMessage(metric: string, catalog: CatalogSnapshot): string {
  const known = [...catalog.metrics.keys()].sort();
  const listed =
    known.length === 0
      ? 'the catalog has no metrics yet; load one first'
      : `known metrics: ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, and ${known.length - 10} more` : ''}`;
  return `metric "${metric}" is not in the metric catalog (${listed})`;
}

/** "4 d 3 h", "12 min", "900 ms": coarse, for messages. */
export function describeDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${Math.round(abs / 1000)} s`;
  if (abs < 3_600_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 86_400_000) return `${Math.round((abs / 3_600_000) * 10) / 10} h`;
  return `${Math.round((abs / 86_400_000) * 10) / 10} days`;
}
