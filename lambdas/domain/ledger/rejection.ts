import { createHash } from 'node:crypto';
import { z } from 'zod';
import { escapeLoneSurrogates, isWellFormed } from './message-text';
import { utf8Length } from './outcome-attributes';
import { RejectionCodeSchema, type RejectionCode } from './rejection-codes';

// Rejected messages are kept, not dropped: with the reason, the raw body (for
// replay and for the producer's own debugging) and when it arrived.

/** The raw body is kept up to this many UTF-8 bytes (DynamoDB items max out at 400 KB; SQS bodies reach 1 MiB). */
export const MAX_STORED_RAW_BYTES = 32 * 1024;
/** Messages are capped so a flood of zod issues never bloats an item. */
export const MAX_REJECTION_MESSAGE_LENGTH = 2000;

/** Why a message was refused, before it is stored. */
export interface RejectionDraft {
  readonly code: RejectionCode;
  readonly message: string;
  readonly outcomeId?: string | undefined;
  readonly customerId?: string | undefined;
  readonly detailType?: string | undefined;
}

export const RejectedOutcomeSchema = z.object({
  rejectionId: z.string(),
  code: RejectionCodeSchema,
  message: z.string(),
  /** When the ledger first received the message (RFC 3339, UTC). */
  receivedAt: z.string(),
  messageId: z.string(),
  outcomeId: z.string().optional(),
  customerId: z.string().optional(),
  detailType: z.string().optional(),
  /** The message body as received, cut at MAX_STORED_RAW_BYTES bytes when larger. */
  rawBody: z.string(),
  rawBytes: z.number().int(),
  truncated: z.boolean(),
});
export type RejectedOutcome = z.infer<typeof RejectedOutcomeSchema>;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/**
 * Deterministic id of a rejection: a hash of the event (detail-type and
 * detail) when the body is an envelope, else of the raw body. SQS redelivery
 * and a producer resending the same bad event (with a new envelope id) both
 * map to one stored rejection.
 */
export function rejectionIdFor(body: string, envelope?: { readonly detailType: string; readonly detail: unknown }): string {
  if (envelope !== undefined) return rejectionIdForDetailText(envelope.detailType, JSON.stringify(envelope.detail));
  return shortHash(body);
}

/**
 * rejectionIdFor from the detail's text as the producer sent it, for details
 * that must not be serialized again: nested too deep to serialize, or holding
 * numbers a serialization would round (two different events would share an id).
 */
export function rejectionIdForDetailText(detailType: string, detailText: string): string {
  return shortHash(`${detailType}\n${detailText}`);
}

/** Same as rejectionIdFor, parsing the body itself (for rejections decided after the write). */
export function rejectionIdOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      const detailType = record['detail-type'];
      if (typeof detailType === 'string' && record.detail !== undefined) {
        return rejectionIdFor(body, { detailType, detail: record.detail });
      }
    }
  } catch {
    // Not JSON: the raw body is the identity.
  }
  return rejectionIdFor(body);
}

/** The body cut to at most maxBytes UTF-8 bytes, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; bytes: number; truncated: boolean } {
  const bytes = utf8Length(text);
  if (bytes <= maxBytes) return { text, bytes, truncated: false };
  const encoded = new TextEncoder().encode(text).subarray(0, maxBytes);
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(encoded).replace(/\uFFFD+$/, '');
  return { text: decoded, bytes, truncated: true };
}

export function buildRejectedOutcome(
  draft: RejectionDraft,
  input: { readonly body: string; readonly messageId: string; readonly receivedAtMs: number; readonly rejectionId: string },
): RejectedOutcome {
  // DynamoDB stores UTF-8, which has no unpaired surrogates: written as JSON
  // escapes they keep their meaning; ids that are not well-formed are left
  // out rather than stored as something else (the message and body name them).
  const raw = truncateUtf8(escapeLoneSurrogates(input.body), MAX_STORED_RAW_BYTES);
  const cut = draft.message.length > MAX_REJECTION_MESSAGE_LENGTH ? `${draft.message.slice(0, MAX_REJECTION_MESSAGE_LENGTH - 3)}...` : draft.message;
  const wellFormed = (text: string | undefined): text is string => text !== undefined && isWellFormed(text);
  return {
    rejectionId: input.rejectionId,
    code: draft.code,
    message: escapeLoneSurrogates(cut),
    receivedAt: new Date(input.receivedAtMs).toISOString(),
    messageId: input.messageId,
    ...(wellFormed(draft.outcomeId) ? { outcomeId: draft.outcomeId } : {}),
    ...(wellFormed(draft.customerId) ? { customerId: draft.customerId } : {}),
    ...(draft.detailType !== undefined ? { detailType: escapeLoneSurrogates(draft.detailType) } : {}),
    rawBody: raw.text,
    rawBytes: raw.bytes,
    truncated: raw.truncated,
  };
}

/** detail of the `Outcome Rejected` event the engine publishes. */
export const OutcomeRejectedDetailSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    rejectionId: z.string(),
    code: RejectionCodeSchema,
    message: z.string(),
    outcomeId: z.string().optional(),
    customerId: z.string().optional(),
    receivedAt: z.string(),
    rawDetailType: z.string().optional(),
  })
  .meta({
    title: 'Outcome Rejected',
    description: 'Published by the engine (source "outcome-engine") for every message the ledger refused; the rejection is stored first and can be listed by day and code.',
  });
export type OutcomeRejectedDetail = z.infer<typeof OutcomeRejectedDetailSchema>;

export function toOutcomeRejectedDetail(rejected: RejectedOutcome): OutcomeRejectedDetail {
  return {
    schemaVersion: 1,
    rejectionId: rejected.rejectionId,
    code: rejected.code,
    message: rejected.message,
    ...(rejected.outcomeId !== undefined ? { outcomeId: rejected.outcomeId } : {}),
    ...(rejected.customerId !== undefined ? { customerId: rejected.customerId } : {}),
    receivedAt: rejected.receivedAt,
    ...(rejected.detailType !== undefined ? { rawDetailType: rejected.detailType } : {}),
  };
}
