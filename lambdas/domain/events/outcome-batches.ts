import { utf8Length } from '../ledger/outcome-attributes';
import { MAX_OUTCOMES_PER_EVENT, OUTCOME_SCHEMA_VERSION, type OutcomeRecordedDetailInput } from '../ledger/outcome-events';
import { engineErrorClass } from '../errors/engine-error';

// For producers: packs 'Outcome Recorded' details into 'Outcomes Recorded'
// event details. EventBridge and SQS bill every started 64 KB of an event as
// one event or request, so the default fills each event up to just under
// 64 KB (and never past the ledger's 100 outcomes): a full chunk is the
// cheapest event there is, and a 65 KB event costs as much as two.

/** EventBridge and SQS bill each started chunk of this many bytes as one event / request. */
export const BILLING_CHUNK_BYTES = 64 * 1024;
/** What EventBridge accepts in one PutEvents call, all entries together. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Room left in the chunk for the entry's Source, DetailType and Time, which count towards its size. */
const ENVELOPE_ALLOWANCE_BYTES = 1024;

export interface OutcomeBatchDetail {
  readonly schemaVersion: typeof OUTCOME_SCHEMA_VERSION;
  readonly outcomes: readonly OutcomeRecordedDetailInput[];
}

export interface BatchOutcomesOptions {
  /** At most this many outcomes per event (1..100). @default 100 */
  readonly maxOutcomes?: number;
  /** Each event's detail stays within this many UTF-8 bytes of JSON. @default 63 KB (one billing chunk with room for the envelope) */
  readonly maxDetailBytes?: number;
}

/** Packing limits that cannot be met: a detail the ledger would refuse as a whole. */
export class OutcomeBatchLimitError extends engineErrorClass('OutcomeBatchLimitError', 'invalid_input', 'outcome_batch_limit_invalid') {}

// {"schemaVersion":1,"outcomes":[ ... ]}: the fixed part, and one comma per further item.
const BATCH_OVERHEAD_BYTES = utf8Length(JSON.stringify({ schemaVersion: OUTCOME_SCHEMA_VERSION, outcomes: [] }));

/**
 * Splits outcomes, in order, into as few 'Outcomes Recorded' details as the
 * limits allow. Each outcome's idempotency key stays its own, so a producer
 * that resends a whole batch after a failed PutEvents records nothing twice.
 */
export function batchOutcomes(
  outcomes: readonly OutcomeRecordedDetailInput[],
  options: BatchOutcomesOptions = {},
): OutcomeBatchDetail[] {
  const maxOutcomes = options.maxOutcomes ?? MAX_OUTCOMES_PER_EVENT;
  const maxDetailBytes = options.maxDetailBytes ?? BILLING_CHUNK_BYTES - ENVELOPE_ALLOWANCE_BYTES;
  if (!Number.isInteger(maxOutcomes) || maxOutcomes < 1 || maxOutcomes > MAX_OUTCOMES_PER_EVENT) {
    throw new OutcomeBatchLimitError(`maxOutcomes must be an integer from 1 to ${MAX_OUTCOMES_PER_EVENT}, got ${maxOutcomes}`);
  }
  if (maxDetailBytes > PUT_EVENTS_MAX_BYTES - ENVELOPE_ALLOWANCE_BYTES) {
    throw new OutcomeBatchLimitError(`maxDetailBytes ${maxDetailBytes} leaves no room for the envelope within EventBridge's 256 KB`);
  }
  const batches: OutcomeBatchDetail[] = [];
  let current: OutcomeRecordedDetailInput[] = [];
  let currentBytes = BATCH_OVERHEAD_BYTES;
  for (const outcome of outcomes) {
    const itemBytes = utf8Length(JSON.stringify(outcome));
    if (BATCH_OVERHEAD_BYTES + itemBytes > maxDetailBytes) {
      throw new OutcomeBatchLimitError(
        `outcome "${String(outcome.outcomeId)}" takes ${itemBytes} bytes of JSON, more than the ${maxDetailBytes} allowed per event`,
      );
    }
    const separator = current.length > 0 ? 1 : 0;
    if (current.length === maxOutcomes || currentBytes + separator + itemBytes > maxDetailBytes) {
      batches.push({ schemaVersion: OUTCOME_SCHEMA_VERSION, outcomes: current });
      current = [];
      currentBytes = BATCH_OVERHEAD_BYTES;
    }
    currentBytes += (current.length > 0 ? 1 : 0) + itemBytes;
    current.push(outcome);
  }
  if (current.length > 0) batches.push({ schemaVersion: OUTCOME_SCHEMA_VERSION, outcomes: current });
  return batches;
}
