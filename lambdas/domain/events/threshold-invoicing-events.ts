import { z } from 'zod';

// 'Threshold Invoicing Requested': the engine's own, internal announcement
// that a customer with threshold invoicing has new usage. Routed to the
// function that rates and, at the threshold, invoices (never a producer's:
// the route takes the engine's source only).

export const ThresholdInvoicingRequestedDetailSchema = z.strictObject({
  schemaVersion: z.literal(1),
  customerId: z.string().min(1),
  /** When the ledger batch was folded into the rollups (RFC 3339 UTC). */
  requestedAt: z.string().min(1),
});
export type ThresholdInvoicingRequestedDetail = z.infer<typeof ThresholdInvoicingRequestedDetailSchema>;
