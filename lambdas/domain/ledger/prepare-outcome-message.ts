import { INBOUND_DETAIL_TYPES } from '../events/detail-types';
import type { CatalogSnapshot, MetricDefinition } from './catalog';
import { rejectionFromIssues } from './classify-detail-issues';
import type { RecordedEntry } from './ledger-entries';
import {
  MAX_NESTING_DEPTH,
  batchItemOf,
  mayHoldControlCharacters,
  mayHoldInexactNumber,
  mayHoldUnsafeStrings,
  mayNestDeeperThan,
  rejectionFromTextProblems,
  scanMessageText,
  type MessageTextScan,
  type TextProblem,
} from './message-text';
import { canonicalizeAttributes } from './outcome-attributes';
import { IMPLICIT_DEFINITION_VERSION, definitionInForceAt } from './outcome-definitions';
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
import type { PrepareContext, PreparedOutcome, PreparedRejection, RejectOutcome, AdjustmentRequest } from './prepared-message';
import { rejectionIdFor, rejectionIdForDetailText } from './rejection';
import type { RejectionCode } from './rejection-codes';
import { fastParseRecordedDetail, holdsNumbers } from './fast-recorded-detail';
import { prepareOutcomeBatch, type BatchText, type PreparedBatch } from './prepare-outcome-batch';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The pure validate-and-key step of ingest: body in, either an entry ready for
// its one conditional write, an adjustment to apply, or a rejection with a
// code and message. No I/O and no clock (the caller passes `nowMs`, which
// becomes recordedAt), so it can be benchmarked on its own. The happy path
// parses the body once and allocates little beyond the entry itself.
//
// JSON.parse alone would let some input change on the way in (numbers
// rounded to a double, unpaired surrogates that UTF-8 storage replaces, a
// "__proto__" key that validation drops) or overflow the stack of the
// recursive steps after it (deep nesting). message-text.ts looks at the raw
// text for those, cheaply gated; it runs before the parsed detail goes
// anywhere but the flat fast path.

export type PreparedMessage =
  | PreparedOutcome
  | { readonly kind: 'adjust'; readonly request: AdjustmentRequest }
  | PreparedBatch;

const DETAIL_TYPE_LIST = Object.values(INBOUND_DETAIL_TYPES)
  .map((type) => `"${type}"`)
  .join(', ');

/** The raw text of a message, looked at carefully at most once, and only when needed. */
class MessageText implements BatchText {
  private scanned: MessageTextScan | undefined;
  constructor(readonly body: string) {}

  get scan(): MessageTextScan {
    this.scanned ??= scanMessageText(this.body);
    return this.scanned;
  }

  /** Problems outside any batch item (all of them when `batch` is false). */
  messageProblems(batch: boolean): readonly TextProblem[] {
    const problems = this.scan.problems;
    return batch ? problems.filter((problem) => batchItemOf(problem) === undefined) : problems;
  }

  itemProblems(index: number): readonly TextProblem[] {
    return this.scan.problems.filter((problem) => batchItemOf(problem) === index);
  }
}

function reject(
  body: string,
  envelope: { detailType: string; detail: Record<string, unknown> } | undefined,
  code: RejectionCode,
  message: string,
  candidate?: RecordedEntry,
  text?: MessageText,
): PreparedRejection {
  const detail = envelope?.detail;
  const outcomeId = typeof detail?.outcomeId === 'string' ? detail.outcomeId : undefined;
  const customerId = typeof detail?.customerId === 'string' ? detail.customerId : undefined;
  return {
    kind: 'reject',
    rejection: { code, message, outcomeId, customerId, detailType: envelope?.detailType },
    rejectionId: messageRejectionId(body, envelope, text),
    candidate,
  };
}

/**
 * The detail's own text identifies a message whose detail cannot be
 * serialized again faithfully (too deep, inexact numbers); otherwise its
 * serialization does, so key order and spacing do not matter.
 */
function messageRejectionId(
  body: string,
  envelope: { detailType: string; detail: Record<string, unknown> } | undefined,
  text: MessageText | undefined,
): string {
  if (envelope === undefined) return rejectionIdFor(body);
  const scan = text?.scan;
  if (scan !== undefined && scan.problems.length > 0) {
    const span = scan.detailSpan;
    return span === undefined ? rejectionIdFor(body) : rejectionIdForDetailText(envelope.detailType, body.slice(span.start, span.end));
  }
  return rejectionIdFor(body, envelope);
}

function rejectMessage(text: MessageText, detailType: string, detail: Record<string, unknown>): RejectOutcome {
  return (code, message, candidate) => reject(text.body, { detailType, detail }, code, message, candidate, text);
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
  const text = new MessageText(body);
  const batch = detailType === INBOUND_DETAIL_TYPES.outcomesRecorded;
  // Outcomes come in volume and have a flat fast path, so their text is
  // looked at carefully only when a cheap gate trips, or before anything but
  // the fast path reads them (their depth too, for a batch, whose many
  // objects always outnumber the depth limit). Everything else always is.
  const fastPathType = batch || detailType === INBOUND_DETAIL_TYPES.outcomeRecorded;
  const suspect = !fastPathType || mayHoldUnsafeStrings(body) || (!batch && mayNestDeeperThan(body, MAX_NESTING_DEPTH));
  // Numbers are looked at only when the fast path accepts a detail that holds
  // some (the suspect text above has had its careful look already).
  let numberGate: boolean | undefined;
  const numbersMayBeInexact = (): boolean => (numberGate ??= !suspect && mayHoldInexactNumber(body));
  const controlCharactersPossible = fastPathType && mayHoldControlCharacters(body);
  if (suspect) {
    const problems = text.messageProblems(batch);
    if (problems.length > 0) {
      const { code, message } = rejectionFromTextProblems(problems);
      return reject(body, { detailType, detail }, code, message, undefined, text);
    }
  }
  switch (detailType) {
    case INBOUND_DETAIL_TYPES.outcomeRecorded:
      return prepareRecordedDetail(detail, context, rejectMessage(text, detailType, detail), () => {
        const problems = text.messageProblems(false);
        if (problems.length === 0) return undefined;
        const { code, message } = rejectionFromTextProblems(problems);
        return reject(body, { detailType, detail }, code, message, undefined, text);
      }, controlCharactersPossible, numbersMayBeInexact);
    case INBOUND_DETAIL_TYPES.outcomesRecorded:
      return prepareOutcomeBatch({
        envelope: parsed as Record<string, unknown>,
        detail,
        context,
        prepareItem: prepareRecordedDetail,
        rejectEvent: rejectMessage(text, detailType, detail),
        text,
        textChecked: suspect,
        controlCharactersPossible,
        numbersMayBeInexact,
      });
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
 * is unsure about and for every error message. `beforeSlowPath` may refuse
 * the detail before zod or a rejection touches it (a batch item's text
 * problems, looked at only then).
 */
export function prepareRecordedDetail(
  detail: unknown,
  context: PrepareContext,
  rejectAs: RejectOutcome,
  beforeSlowPath?: () => PreparedRejection | undefined,
  controlCharactersPossible = true,
  numbersMayBeInexact?: () => boolean,
): PreparedOutcome {
  const fast = isPlainObject(detail) ? fastParseRecordedDetail(detail, controlCharactersPossible) : undefined;
  if (fast !== undefined) {
    // JSON.parse has already rounded the numbers it accepted: their text decides.
    if (numbersMayBeInexact !== undefined && holdsNumbers(detail as Record<string, unknown>) && numbersMayBeInexact()) {
      const refused = beforeSlowPath?.();
      if (refused !== undefined) return refused;
    }
    return prepareRecorded(fast, context, rejectAs);
  }
  const refused = beforeSlowPath?.();
  if (refused !== undefined) return refused;
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
  // The terms in force when the outcome occurred, kept on the entry so its
  // bill never depends on a later catalog.
  const definition = metric === undefined ? undefined : definitionInForceAt(metric, occurredAtMs);
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
    evidence: detail.evidence,
    billableRule: definition?.billable ?? IMMEDIATELY,
    // Undefined for version 1, as entries from before versions read: one way to say it.
    definitionVersion: definition === undefined || definition.version === IMPLICIT_DEFINITION_VERSION ? undefined : definition.version,
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
    request: { kind: 'verified', outcomeId: detail.outcomeId, verifiedAtMs, verifiedBy: detail.verifiedBy, recordedAtMs: context.nowMs },
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
