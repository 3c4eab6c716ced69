import { z } from 'zod';

// Machine codes for every way an inbound message can be refused. Producers and
// operators branch on these, so they are part of the public contract: add new
// codes, never rename or reuse one.

export const REJECTION_CODES = [
  'MALFORMED_JSON',
  'INVALID_ENVELOPE',
  'UNKNOWN_DETAIL_TYPE',
  'UNSUPPORTED_SCHEMA_VERSION',
  'MISSING_FIELD',
  'INVALID_FIELD',
  'INVALID_QUANTITY',
  'UNKNOWN_METRIC',
  'UNKNOWN_CURRENCY',
  'OCCURRED_IN_FUTURE',
  'OCCURRED_TOO_LONG_AGO',
  'ATTRIBUTES_TOO_LARGE',
  'OUTCOME_CONFLICT',
  'UNKNOWN_OUTCOME',
  'ALREADY_REVERSED',
  'MALFORMED_UNICODE',
  'INEXACT_NUMBER',
  'NESTING_TOO_DEEP',
  'EVIDENCE_TOO_LARGE',
] as const;

export const RejectionCodeSchema = z.enum(REJECTION_CODES);
export type RejectionCode = z.infer<typeof RejectionCodeSchema>;

export function isRejectionCode(value: string): value is RejectionCode {
  return (REJECTION_CODES as readonly string[]).includes(value);
}
