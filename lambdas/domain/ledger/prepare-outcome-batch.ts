import { INBOUND_DETAIL_TYPES } from '../events/detail-types';
import { rejectionFromIssues } from './classify-detail-issues';
import type { RecordedEntry } from './ledger-entries';
import { MAX_OUTCOMES_PER_EVENT, OUTCOME_SCHEMA_VERSION, OutcomesRecordedShellSchema } from './outcome-events';
import { itemAloneBody, mayHoldInexactNumberAt, rejectionFromTextProblems, type MessageTextScan, type TextProblem } from './message-text';
import type { PrepareContext, PreparedOutcome, PreparedRejection, RejectOutcome } from './prepared-message';
import { rejectionIdFor, rejectionIdForDetailText, type RejectionDraft } from './rejection';
import type { RejectionCode } from './rejection-codes';

// An 'Outcomes Recorded' event carries several 'Outcome Recorded' details.
// Each item is validated, keyed and later stored exactly as if it had come in
// its own event; only an event that is not a batch at all is one rejection.
// A rejected item gets its own rejectionId, its own stored body (the item as
// a single 'Outcome Recorded' event, resendable alone) and a message naming
// the event id and the item's index.

/** The raw text of the batch message, looked at carefully only when asked (see message-text.ts). */
export interface BatchText {
  readonly body: string;
  readonly scan: MessageTextScan;
  messageProblems(batch: true): readonly TextProblem[];
  itemProblems(index: number): readonly TextProblem[];
}

/** The batch event's envelope and its items, as parsed from the message body. */
export interface BatchSource {
  /** The parsed EventBridge envelope (version, id, source, time, ...). */
  readonly envelope: Readonly<Record<string, unknown>>;
  /** The envelope's `id`, when it has one. */
  readonly eventId: string | undefined;
  readonly items: readonly unknown[];
  /** The message's text, so a rejected item keeps the producer's own text. */
  readonly text?: BatchText;
}

export interface PreparedBatchItem {
  /** Position in `detail.outcomes`, from 0. */
  readonly index: number;
  readonly prepared: PreparedOutcome;
}

export interface PreparedBatch {
  readonly kind: 'batch';
  readonly source: BatchSource;
  readonly items: readonly PreparedBatchItem[];
}

export type PrepareRecordedDetail = (
  detail: unknown,
  context: PrepareContext,
  rejectAs: RejectOutcome,
  beforeSlowPath?: () => PreparedRejection | undefined,
  controlCharactersPossible?: boolean,
  numbersMayBeInexact?: () => boolean,
) => PreparedOutcome;

const BATCH_KEYS = new Set(['schemaVersion', 'outcomes']);

/** The items when the detail is certainly a valid batch, else undefined (then ask zod why). */
function fastBatchItems(detail: Record<string, unknown>): readonly unknown[] | undefined {
  for (const key in detail) if (!BATCH_KEYS.has(key)) return undefined;
  if (detail.schemaVersion !== undefined && detail.schemaVersion !== OUTCOME_SCHEMA_VERSION) return undefined;
  const outcomes = detail.outcomes;
  if (!Array.isArray(outcomes) || outcomes.length === 0 || outcomes.length > MAX_OUTCOMES_PER_EVENT) return undefined;
  return outcomes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where an item sits, for messages: `outcomes[3] of event "8f0c…"`. */
export function describeBatchItem(source: BatchSource, index: number): string {
  return source.eventId === undefined ? `outcomes[${index}]` : `outcomes[${index}] of event "${source.eventId}"`;
}

/**
 * The rejection of one item: identified by the item's content (so SQS
 * redelivery and a producer resending the same batch store it once), stored
 * with the item alone as an 'Outcome Recorded' event body, cut from the
 * producer's own text so nothing in it is re-serialized (and changed).
 */
export function batchItemRejection(
  source: BatchSource,
  index: number,
  draft: Omit<RejectionDraft, 'detailType'>,
): { readonly rejection: RejectionDraft; readonly rejectionId: string; readonly body: string } {
  const item = source.items[index];
  const fields = isPlainObject(item) ? item : undefined;
  const text = source.text;
  const scan = text?.scan;
  const itemSpan = scan?.itemSpans[index];
  const rawBody = text !== undefined && scan !== undefined ? itemAloneBody(text.body, scan, index, INBOUND_DETAIL_TYPES.outcomeRecorded) : undefined;
  // An item with text problems may not survive serialization (too deep, or
  // rounded numbers that would make two items one): its text is its identity.
  const rawIdentity = text !== undefined && itemSpan !== undefined && text.itemProblems(index).length > 0;
  return {
    rejection: {
      code: draft.code,
      message: `${describeBatchItem(source, index)}: ${draft.message}`,
      outcomeId: draft.outcomeId ?? (typeof fields?.outcomeId === 'string' ? fields.outcomeId : undefined),
      customerId: draft.customerId ?? (typeof fields?.customerId === 'string' ? fields.customerId : undefined),
      detailType: INBOUND_DETAIL_TYPES.outcomesRecorded,
    },
    rejectionId: rawIdentity
      ? rejectionIdForDetailText(INBOUND_DETAIL_TYPES.outcomesRecorded, (text as BatchText).body.slice(itemSpan.start, itemSpan.end))
      : rejectionIdFor('', { detailType: INBOUND_DETAIL_TYPES.outcomesRecorded, detail: item }),
    body: rawBody ?? JSON.stringify({ ...source.envelope, 'detail-type': INBOUND_DETAIL_TYPES.outcomeRecorded, detail: item }),
  };
}

function rejectItem(source: BatchSource, index: number): RejectOutcome {
  return (code: RejectionCode, message: string, candidate?: RecordedEntry): PreparedRejection => {
    const { rejection, rejectionId, body } = batchItemRejection(source, index, { code, message });
    return { kind: 'reject', rejection, rejectionId, candidate, body };
  };
}

export interface BatchInput {
  readonly envelope: Readonly<Record<string, unknown>>;
  readonly detail: Record<string, unknown>;
  readonly context: PrepareContext;
  readonly prepareItem: PrepareRecordedDetail;
  readonly rejectEvent: RejectOutcome;
  readonly text: BatchText;
  /**
   * Whether the text was already found suspect and looked at (numbers,
   * strings): then each item's text problems refuse it before anything else.
   * Otherwise only depth can be wrong, which matters only off the fast path.
   */
  readonly textChecked: boolean;
  /** False when no string of the message can hold a control character (see mayHoldControlCharacters). */
  readonly controlCharactersPossible: boolean;
  /** The cheap gate on the message's number tokens (asked only when an accepted detail holds numbers). */
  readonly numbersMayBeInexact: () => boolean;
}

/**
 * Validates an 'Outcomes Recorded' detail: the list itself (one rejection
 * when it is not a batch), then every item on its own.
 */
export function prepareOutcomeBatch(input: BatchInput): PreparedBatch | PreparedRejection {
  const { envelope, detail, context, prepareItem, rejectEvent, text, textChecked, controlCharactersPossible, numbersMayBeInexact } = input;
  let items = fastBatchItems(detail);
  if (items !== undefined && !textChecked && typeof detail.schemaVersion === 'number' && mayHoldInexactNumberAt(text.body, '"schemaVersion"')) {
    const problems = text.messageProblems(true);
    if (problems.length > 0) {
      const { code, message } = rejectionFromTextProblems(problems);
      return rejectEvent(code, message);
    }
  }
  if (items === undefined) {
    const problems = text.messageProblems(true);
    if (problems.length > 0) {
      const { code, message } = rejectionFromTextProblems(problems);
      return rejectEvent(code, message);
    }
    const result = OutcomesRecordedShellSchema.safeParse(detail);
    if (!result.success) {
      const { code, message } = rejectionFromIssues(result.error.issues, detail);
      return rejectEvent(code, message);
    }
    items = result.data.outcomes;
  }
  const source: BatchSource = { envelope, eventId: typeof envelope.id === 'string' ? envelope.id : undefined, items, text };
  const prepared: PreparedBatchItem[] = new Array(items.length);
  for (let index = 0; index < items.length; index += 1) {
    const rejectAs = rejectItem(source, index);
    const refuseForText = (): PreparedRejection | undefined => {
      const problems = text.itemProblems(index);
      if (problems.length === 0) return undefined;
      const { code, message } = rejectionFromTextProblems(problems);
      return rejectAs(code, message);
    };
    const refused = textChecked ? refuseForText() : undefined;
    prepared[index] = { index, prepared: refused ?? prepareItem(items[index], context, rejectAs, refuseForText, controlCharactersPossible, numbersMayBeInexact) };
  }
  return { kind: 'batch', source, items: prepared };
}
