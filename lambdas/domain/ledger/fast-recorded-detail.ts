import { isCurrencyCode } from '../money/currencies';
import { InstantSchema } from '../periods/time-schemas';
import { normalizeDecimalString, normalizeQuantity } from './ledger-decimal';
import { ATTRIBUTE_LIMITS } from './outcome-attributes';
import { EVIDENCE_LIMITS, OUTCOME_SCHEMA_VERSION, type OutcomeEvidence, type OutcomeRecordedDetail } from './outcome-events';

// A hand-written fast path for the one event that arrives in volume. It only
// ever ACCEPTS: anything it is unsure about returns undefined and goes through
// OutcomeRecordedDetailSchema, which stays the contract and produces every
// error message. A property test (test/unit/lambdas/domain/ledger/fast-recorded-detail.test.ts)
// checks that whatever this accepts, zod accepts with the same output. It
// exists because the generic zod parse (transforms, unions, records) costs
// several times more than the rest of validate-and-key together.

const KNOWN_KEYS = new Set(['schemaVersion', 'outcomeId', 'customerId', 'metric', 'quantity', 'value', 'occurredAt', 'attributes', 'evidence']);
const SHA256_HEX = /^[0-9a-f]{64}$/;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function isIdentifier(value: unknown, maxLength: number, controlCharactersPossible: boolean): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= maxLength && !(controlCharactersPossible && CONTROL_CHARACTER.test(value))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fastValue(input: unknown): OutcomeRecordedDetail['value'] | null {
  if (input === undefined) return undefined;
  if (!isPlainObject(input)) return null;
  let keys = 0;
  for (const key in input) {
    if (key !== 'amount' && key !== 'currency') return null;
    keys += 1;
  }
  if (keys !== 2) return null;
  const { amount, currency } = input;
  if (typeof amount !== 'string' || typeof currency !== 'string' || !isCurrencyCode(currency)) return null;
  const normalized = normalizeDecimalString(amount);
  return normalized.ok ? { amount: normalized.value, currency } : null;
}

/** Evidence as sent when it is certainly valid (a fresh object in the schema's key order), null when unsure. */
function fastEvidence(input: unknown, controlCharactersPossible: boolean): OutcomeEvidence | undefined | null {
  if (input === undefined) return undefined;
  if (!isPlainObject(input)) return null;
  for (const key in input) if (key !== 'reference' && key !== 'sha256' && key !== 'summary') return null;
  const { reference, sha256, summary } = input;
  if (!isIdentifier(reference, EVIDENCE_LIMITS.maxReferenceLength, controlCharactersPossible)) return null;
  if (typeof summary !== 'string' || summary.length === 0 || summary.length > EVIDENCE_LIMITS.maxSummaryLength) return null;
  if (controlCharactersPossible && summary.indexOf('\u0000') !== -1) return null;
  if (sha256 === undefined) return { reference, summary };
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return null;
  return { reference, sha256, summary };
}

/** Checks the attributes in place: the parsed JSON object is ours, so no copy is needed. */
function fastAttributes(input: unknown, controlCharactersPossible: boolean): OutcomeRecordedDetail['attributes'] | null {
  if (input === undefined) return undefined;
  if (!isPlainObject(input)) return null;
  for (const key in input) {
    if (key.length === 0 || key.length > ATTRIBUTE_LIMITS.maxKeyLength || key === '__proto__') return null;
    if (controlCharactersPossible && CONTROL_CHARACTER.test(key)) return null;
    const value = input[key];
    if (typeof value === 'string') {
      if (value.length > ATTRIBUTE_LIMITS.maxStringValueLength) return null;
      if (controlCharactersPossible && value.indexOf('\u0000') !== -1) return null;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return null;
    } else if (typeof value !== 'boolean') {
      return null;
    }
  }
  return input as Record<string, string | number | boolean>;
}

/**
 * The parsed detail when it is certainly valid, else undefined (then ask the
 * zod schema). `controlCharactersPossible` false (the message text has no
 * escape and no DEL, so no string parsed from it can hold a control
 * character) skips looking for them.
 */
export function fastParseRecordedDetail(detail: Record<string, unknown>, controlCharactersPossible = true): OutcomeRecordedDetail | undefined {
  for (const key in detail) if (!KNOWN_KEYS.has(key)) return undefined;
  const { schemaVersion, outcomeId, customerId, metric, occurredAt } = detail;
  if (schemaVersion !== undefined && schemaVersion !== OUTCOME_SCHEMA_VERSION) return undefined;
  if (!isIdentifier(outcomeId, 255, controlCharactersPossible) || !isIdentifier(customerId, 255, controlCharactersPossible)) return undefined;
  if (typeof metric !== 'string' || metric.length === 0 || metric.length > 128) return undefined;
  if (typeof occurredAt !== 'string' || !InstantSchema.safeParse(occurredAt).success) return undefined;
  let quantity = '1';
  if (detail.quantity !== undefined) {
    const normalized = normalizeQuantity(detail.quantity);
    if (!normalized.ok) return undefined;
    quantity = normalized.value;
  }
  const value = fastValue(detail.value);
  if (value === null) return undefined;
  const attributes = fastAttributes(detail.attributes, controlCharactersPossible);
  if (attributes === null) return undefined;
  const evidence = fastEvidence(detail.evidence, controlCharactersPossible);
  if (evidence === null) return undefined;
  const parsed: OutcomeRecordedDetail = {
    schemaVersion: OUTCOME_SCHEMA_VERSION,
    outcomeId,
    customerId,
    metric,
    quantity,
    occurredAt,
  };
  if (value !== undefined) parsed.value = value;
  if (attributes !== undefined) parsed.attributes = attributes;
  if (evidence !== undefined) parsed.evidence = evidence;
  return parsed;
}

/** Whether a detail the fast path accepted holds any JSON number (whose text then needs the exactness check). */
export function holdsNumbers(detail: Record<string, unknown>): boolean {
  if (typeof detail.quantity === 'number' || typeof detail.schemaVersion === 'number') return true;
  const attributes = detail.attributes;
  if (!isPlainObject(attributes)) return false;
  for (const key in attributes) if (typeof attributes[key] === 'number') return true;
  return false;
}
