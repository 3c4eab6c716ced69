import { z } from 'zod';
import { InstantSchema } from '../periods/time-schemas';
import { CURRENCY_EXPONENTS, type CurrencyCode } from '../money/currencies';
import { INBOUND_DETAIL_TYPES } from '../events/detail-types';
import {
  MAX_DECIMAL_DIGITS,
  MAX_FRACTION_DIGITS,
  describeDecimalProblem,
  normalizeDecimalString,
  normalizeQuantity,
} from './ledger-decimal';
import { ATTRIBUTE_LIMITS } from './outcome-attributes';

// The inbound event contract. Each schema is the single source of truth for
// validation here and for the JSON Schemas producers get (docs/events/), so
// descriptions live on the schemas. Objects are strict: an unknown field is
// almost always a misspelling ("quantitiy"), and silently dropping it would
// bill the default quantity instead.

export const OUTCOME_SCHEMA_VERSION = 1;

/** Tags a zod issue with the rejection code it maps to (read by classify-detail-issues.ts). */
export const REJECTION_CODE_PARAM = 'rejectionCode';

// Control characters would make keys ambiguous and logs unreadable, so ids
// and attribute names refuse them all (U+0000-U+001F, U+007F); free text
// (attribute values, reasons) may hold tabs and line breaks but never NUL,
// which many consumers of the ledger's data treat as the end of a string.
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
const NO_NUL = /^[^\u0000]*$/;

const identifier = (what: string, description: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(255, { error: `${what} must be at most 255 characters` })
    .regex(PRINTABLE, { error: `${what} must not contain control characters` })
    .meta({ description });

export const OutcomeIdSchema = identifier(
  'outcomeId',
  "The producer's idempotency key for this outcome, unique per outcome forever (1..255 characters). Derive it from the unit of work (e.g. `ticket-4711-resolution`) so a retry reuses it.",
);

const SchemaVersionSchema = z
  .literal(OUTCOME_SCHEMA_VERSION, { error: `schemaVersion must be ${OUTCOME_SCHEMA_VERSION}` })
  .default(OUTCOME_SCHEMA_VERSION)
  .meta({ description: 'Version of this detail schema. Optional; 1 is assumed when absent.' });

const DECIMAL_PATTERN = `^\\d+(\\.\\d{1,${MAX_FRACTION_DIGITS}})?$`;

/** A quantity as sent (decimal string or JSON number), normalised to a canonical decimal string. */
export const QuantityInputSchema = z
  .union([
    z.string().meta({ pattern: DECIMAL_PATTERN, examples: ['1', '2.5'] }),
    z.number().min(0),
  ])
  .transform((input, ctx) => {
    const normalized = normalizeQuantity(input);
    if (normalized.ok) return normalized.value;
    ctx.addIssue({
      code: 'custom',
      message: describeDecimalProblem('quantity', input, normalized.problem),
      params: { [REJECTION_CODE_PARAM]: 'INVALID_QUANTITY' },
    });
    return z.NEVER;
  })
  .meta({
    description: `How many units of the outcome (default 1). A non-negative decimal string (preferred) or JSON number; at most ${MAX_DECIMAL_DIGITS} significant digits and ${MAX_FRACTION_DIGITS} decimal places.`,
  });

/** A non-negative decimal amount in major units, as a string only: money never travels as a binary float. */
export const AmountSchema = z
  .string({ error: 'value.amount must be a decimal string such as "129.90" (not a JSON number)' })
  .transform((input, ctx) => {
    const normalized = normalizeDecimalString(input);
    if (normalized.ok) return normalized.value;
    ctx.addIssue({ code: 'custom', message: describeDecimalProblem('value.amount', input, normalized.problem) });
    return z.NEVER;
  })
  .meta({ pattern: DECIMAL_PATTERN, description: 'Amount in major units as a decimal string, e.g. "129.90".' });

const CURRENCY_CODES = Object.keys(CURRENCY_EXPONENTS) as [CurrencyCode, ...CurrencyCode[]];

export const OutcomeCurrencySchema = z
  .enum(CURRENCY_CODES, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `value.currency "${issue.input}" is not an active ISO 4217 currency code (upper case, e.g. USD, EUR, JPY)`
        : 'value.currency must be an ISO 4217 code string such as "USD"',
  })
  .meta({ description: 'ISO 4217 currency code, upper case.', examples: ['USD', 'EUR', 'JPY'] });

export const OutcomeValueSchema = z
  .strictObject({ amount: AmountSchema, currency: OutcomeCurrencySchema })
  .meta({ description: 'Monetary value the outcome delivered, for value-based (percentage) pricing.' });
export type OutcomeValue = z.infer<typeof OutcomeValueSchema>;

const instant = (description: string) => InstantSchema.meta({ description, examples: ['2026-11-03T10:15:00Z'] });

const attributeKey = z
  .string()
  .min(1, { error: 'attribute names must not be empty' })
  .max(ATTRIBUTE_LIMITS.maxKeyLength, {
    error: `attribute names must be at most ${ATTRIBUTE_LIMITS.maxKeyLength} characters`,
  })
  .regex(PRINTABLE, { error: 'attribute names must not contain control characters' });

const attributeValue = z.union(
  [
    z
      .string()
      .max(ATTRIBUTE_LIMITS.maxStringValueLength, {
        error: `attribute values must be at most ${ATTRIBUTE_LIMITS.maxStringValueLength} characters`,
      })
      .regex(NO_NUL, { error: 'attribute values must not contain NUL (\\u0000)' }),
    z.number(),
    z.boolean(),
  ],
  { error: 'attribute values must be strings, finite numbers or booleans (no objects, arrays or null)' },
);

export const OutcomeAttributesSchema = z.record(attributeKey, attributeValue).meta({
  description: `Flat facts about the outcome (e.g. agentId, channel) that plans can count uniquely. At most ${ATTRIBUTE_LIMITS.maxKeys} keys, names up to ${ATTRIBUTE_LIMITS.maxKeyLength} characters, string values up to ${ATTRIBUTE_LIMITS.maxStringValueLength} characters, ${ATTRIBUTE_LIMITS.maxTotalBytes} bytes of JSON in total.`,
  maxProperties: ATTRIBUTE_LIMITS.maxKeys,
});

const reason = z
  .string({ error: 'reason must be a string' })
  .min(1, { error: 'reason must not be empty' })
  .max(1000, { error: 'reason must be at most 1000 characters' })
  .regex(NO_NUL, { error: 'reason must not contain NUL (\\u0000)' })
  .meta({ description: 'Why, in words a finance or support person understands (1..1000 characters).' });

/** Limits of an outcome's evidence: enough to find and check the source record, never the record itself. */
export const EVIDENCE_LIMITS = { maxReferenceLength: 512, maxSummaryLength: 280 } as const;

/**
 * Where the buyer can check an outcome: a reference into the producer's
 * system, optionally a hash of the source record, and a short summary.
 * Part of the outcome's content: a resend with other evidence is a conflict.
 */
export const OutcomeEvidenceSchema = z
  .strictObject({
    reference: z
      .string({ error: 'evidence.reference must be a string' })
      .min(1, { error: 'evidence.reference must not be empty' })
      .max(EVIDENCE_LIMITS.maxReferenceLength, {
        error: `evidence.reference must be at most ${EVIDENCE_LIMITS.maxReferenceLength} characters`,
      })
      .regex(PRINTABLE, { error: 'evidence.reference must not contain control characters' })
      .meta({ description: `A URI or record id of the source record in the producer's system (1..${EVIDENCE_LIMITS.maxReferenceLength} characters).`, examples: ['https://helpdesk.example.com/tickets/4711', 'ticket-4711'] }),
    sha256: z
      .string({ error: 'evidence.sha256 must be a string' })
      .regex(/^[0-9a-f]{64}$/, { error: 'evidence.sha256 must be 64 lower-case hexadecimal characters (a SHA-256 digest)' })
      .optional()
      .meta({ description: 'SHA-256 of the source record as the producer stored it, 64 lower-case hex characters, so the buyer can check the record was not changed.' }),
    summary: z
      .string({ error: 'evidence.summary must be a string' })
      .min(1, { error: 'evidence.summary must not be empty' })
      .max(EVIDENCE_LIMITS.maxSummaryLength, {
        error: `evidence.summary must be at most ${EVIDENCE_LIMITS.maxSummaryLength} characters`,
      })
      .regex(NO_NUL, { error: 'evidence.summary must not contain NUL (\\u0000)' })
      .meta({ description: `What happened, in a sentence (1..${EVIDENCE_LIMITS.maxSummaryLength} characters).` }),
  })
  .meta({ description: "Where the buyer can check this outcome. Part of the outcome's content: resending the outcomeId with other evidence is a conflict." });
export type OutcomeEvidence = z.infer<typeof OutcomeEvidenceSchema>;

export const VERIFIER_KINDS = ['customer', 'automated-check', 'reviewer', 'model'] as const;

/** Who or what verified an outcome, and how. */
export const VerifiedBySchema = z
  .strictObject({
    kind: z
      .enum(VERIFIER_KINDS, { error: `verifiedBy.kind must be one of ${VERIFIER_KINDS.map((kind) => `"${kind}"`).join(', ')}` })
      .meta({ description: 'customer (the customer confirmed), automated-check, reviewer (a person), model.' }),
    id: identifier('verifiedBy.id', 'Who or what verified it: a user, check or model id (1..255 characters).').optional(),
    method: z
      .string({ error: 'verifiedBy.method must be a string' })
      .min(1, { error: 'verifiedBy.method must not be empty' })
      .max(200, { error: 'verifiedBy.method must be at most 200 characters' })
      .regex(NO_NUL, { error: 'verifiedBy.method must not contain NUL (\\u0000)' })
      .optional()
      .meta({ description: 'How, in a few words (up to 200 characters), e.g. "no reopen within 72 h".' }),
  })
  .meta({ description: 'Who or what verified the outcome, and how.' });
export type VerifiedBy = z.infer<typeof VerifiedBySchema>;

/** detail of `Outcome Recorded`. */
export const OutcomeRecordedDetailSchema = z
  .strictObject({
    schemaVersion: SchemaVersionSchema,
    outcomeId: OutcomeIdSchema,
    customerId: identifier('customerId', 'The customer the outcome is billed to (1..255 characters).'),
    metric: z
      .string({ error: 'metric must be a string' })
      .min(1, { error: 'metric must not be empty' })
      .max(128, { error: 'metric must be at most 128 characters' })
      .meta({ description: "Outcome type: a metric code from the engine's catalog, e.g. `ticket.resolved`." }),
    quantity: QuantityInputSchema.default('1'),
    value: OutcomeValueSchema.optional(),
    occurredAt: instant('When the outcome happened (RFC 3339 with offset). At most 5 minutes in the future and within the backdating window (35 days by default).'),
    attributes: OutcomeAttributesSchema.optional(),
    evidence: OutcomeEvidenceSchema.optional(),
  })
  .meta({ title: 'Outcome Recorded', description: 'An outcome a customer pays for happened.' });
export type OutcomeRecordedDetail = z.infer<typeof OutcomeRecordedDetailSchema>;
export type OutcomeRecordedDetailInput = z.input<typeof OutcomeRecordedDetailSchema>;

/** detail of `Outcome Reversed`. */
export const OutcomeReversedDetailSchema = z
  .strictObject({ schemaVersion: SchemaVersionSchema, outcomeId: OutcomeIdSchema, reason })
  .meta({ title: 'Outcome Reversed', description: 'A recorded outcome did not hold (e.g. the ticket reopened); it counts zero from now on.' });
export type OutcomeReversedDetail = z.infer<typeof OutcomeReversedDetailSchema>;

/** detail of `Outcome Corrected`. */
export const OutcomeCorrectedDetailSchema = z
  .strictObject({
    schemaVersion: SchemaVersionSchema,
    outcomeId: OutcomeIdSchema,
    correctionId: identifier('correctionId', 'Idempotency key of this correction (1..255 characters); several corrections of one outcome need distinct ids.'),
    quantity: QuantityInputSchema.optional(),
    value: OutcomeValueSchema.optional(),
    reason,
  })
  .superRefine((detail, ctx) => {
    if (detail.quantity === undefined && detail.value === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: 'a correction must give a new quantity, a new value, or both',
        params: { [REJECTION_CODE_PARAM]: 'MISSING_FIELD' },
      });
    }
  })
  .meta({ title: 'Outcome Corrected', description: 'Supersedes the quantity and/or value of a recorded outcome; the latest correction wins.' });
export type OutcomeCorrectedDetail = z.infer<typeof OutcomeCorrectedDetailSchema>;

/** detail of `Outcome Verified`. */
export const OutcomeVerifiedDetailSchema = z
  .strictObject({
    schemaVersion: SchemaVersionSchema,
    outcomeId: OutcomeIdSchema,
    verifiedAt: instant('When the verification happened (informational; the ledger counts the outcome as verified from the moment it records this event).').optional(),
    verifiedBy: VerifiedBySchema.optional(),
  })
  .meta({ title: 'Outcome Verified', description: 'A recorded outcome passed verification; metrics billable on verification start counting it.' });
export type OutcomeVerifiedDetail = z.infer<typeof OutcomeVerifiedDetailSchema>;

/** The most outcomes one `Outcomes Recorded` event may carry. */
export const MAX_OUTCOMES_PER_EVENT = 100;

const outcomeList = <Item extends z.ZodType>(item: Item) =>
  z
    .array(item, { error: 'outcomes must be an array of "Outcome Recorded" details' })
    .min(1, { error: 'outcomes must hold at least one outcome' })
    .max(MAX_OUTCOMES_PER_EVENT, {
      error: (issue) =>
        `outcomes has ${Array.isArray(issue.input) ? issue.input.length : 'more than ' + MAX_OUTCOMES_PER_EVENT} items; ` +
        `at most ${MAX_OUTCOMES_PER_EVENT} outcomes are allowed per event (send several events)`,
    })
    .meta({
      description: `1..${MAX_OUTCOMES_PER_EVENT} outcomes, each exactly an "Outcome Recorded" detail (its own schemaVersion optional). Each is recorded, acknowledged as a duplicate or rejected on its own. Keep the whole event under 256 KB; under 64 KB it is billed as one event.`,
    });

/**
 * detail of `Outcomes Recorded`: several outcomes in one event, so producers
 * with volume pay EventBridge and SQS once per event rather than per outcome.
 * The contract (and the published JSON Schema); ingest checks the list with
 * OutcomesRecordedShellSchema and each item with OutcomeRecordedDetailSchema.
 */
export const OutcomesRecordedDetailSchema = z
  .strictObject({ schemaVersion: SchemaVersionSchema, outcomes: outcomeList(OutcomeRecordedDetailSchema) })
  .meta({
    title: 'Outcomes Recorded',
    description: 'Several outcomes a customer pays for happened: a batch of "Outcome Recorded" details in one event.',
  });
export type OutcomesRecordedDetail = z.infer<typeof OutcomesRecordedDetailSchema>;
export type OutcomesRecordedDetailInput = z.input<typeof OutcomesRecordedDetailSchema>;

/**
 * The batch with its items left unchecked: an invalid item must not reject
 * the others, so items are validated one by one after this passes.
 */
export const OutcomesRecordedShellSchema = z.strictObject({
  schemaVersion: SchemaVersionSchema,
  outcomes: outcomeList(z.unknown()),
});
export type OutcomesRecordedShell = z.infer<typeof OutcomesRecordedShellSchema>;

/** The detail schema for each inbound detail-type. */
export const DETAIL_SCHEMAS = {
  [INBOUND_DETAIL_TYPES.outcomeRecorded]: OutcomeRecordedDetailSchema,
  [INBOUND_DETAIL_TYPES.outcomeReversed]: OutcomeReversedDetailSchema,
  [INBOUND_DETAIL_TYPES.outcomeCorrected]: OutcomeCorrectedDetailSchema,
  [INBOUND_DETAIL_TYPES.outcomeVerified]: OutcomeVerifiedDetailSchema,
  [INBOUND_DETAIL_TYPES.outcomesRecorded]: OutcomesRecordedDetailSchema,
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The EventBridge envelope as a rule delivers it to SQS. Only what the ledger
 * reads is checked; other envelope fields pass through untouched.
 */
export const EventEnvelopeSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.string({ error: '"detail-type" must be a string' }),
  source: z.string().optional(),
  time: z.string().optional(),
  detail: z.custom<Record<string, unknown>>(isPlainObject, { error: '"detail" must be a JSON object' }),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
