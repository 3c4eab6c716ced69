import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../json/canonical-json';

// What opening and deciding a dispute take, from the bus ('Outcome Disputed')
// and from the CLI alike.

/** No "#": dispute ids are embedded in ledger listing keys. */
const DISPUTE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// Identifiers refuse control characters, as outcome ids do.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** Outcomes one dispute may name: a bulk dispute is read, decided and announced in one go. */
export const MAX_OUTCOMES_PER_DISPUTE = 1000;

export const DisputeIdSchema = z.string().regex(DISPUTE_ID, {
  error: 'disputeId: letters, digits, ".", "_", ":" or "-" (starting with a letter or digit), at most 128 characters',
});

export const OutcomeIdSchema = z
  .string()
  .min(1, { error: 'an outcome id must not be empty' })
  .max(255)
  .regex(NO_CONTROL, { error: 'an outcome id must not contain control characters' });

const FreeText = (name: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: `${name} is required` })
    .max(max, { error: `${name} is at most ${max} characters` })
    .refine((text) => !text.includes('\u0000'), { error: `${name} must not contain NUL` });

export const OutcomeDisputedDetailSchema = z
  .strictObject({
    schemaVersion: z.literal(1).default(1),
    /** The idempotency key: a resend with the same id opens nothing twice. */
    disputeId: DisputeIdSchema,
    outcomeIds: z
      .array(OutcomeIdSchema)
      .min(1, { error: 'outcomeIds must name at least one outcome' })
      .max(MAX_OUTCOMES_PER_DISPUTE, { error: `outcomeIds names at most ${MAX_OUTCOMES_PER_DISPUTE} outcomes per dispute` }),
    reason: FreeText('reason', 1000),
    /** Who raised it: a person, a portal, a customer's system. */
    raisedBy: FreeText('raisedBy', 200),
  })
  .meta({ description: 'A customer disputes one or more billed outcomes (sent by producers or customer portals).' });
export type OutcomeDisputedDetail = z.infer<typeof OutcomeDisputedDetailSchema>;

export const DisputeResolutionSchema = z.strictObject({
  disputeId: DisputeIdSchema,
  upheld: z.boolean(),
  note: FreeText('note', 1000),
  resolvedBy: FreeText('resolvedBy', 200),
  /** Decide only these outcomes of the dispute (default: every one still open). */
  outcomeIds: z.array(OutcomeIdSchema).max(MAX_OUTCOMES_PER_DISPUTE).optional(),
});
export type DisputeResolution = z.infer<typeof DisputeResolutionSchema>;

/** A dispute id derived from what is disputed, so sending the same dispute again (a rerun, a second click) opens nothing twice. */
export function derivedDisputeId(outcomeIds: readonly string[], reason: string, raisedBy: string): string {
  const digest = createHash('sha256').update(canonicalJson([[...outcomeIds].sort(), reason, raisedBy])).digest('hex');
  return `D-${digest.slice(0, 16)}`;
}

