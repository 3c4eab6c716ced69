import { z } from 'zod';
import type { RejectedOutcome } from '../domain/ledger/rejection';
import { RejectionCodeSchema } from '../domain/ledger/rejection-codes';
import { describeIssues } from './describe-issues';
import { InvalidLedgerQueryError } from './errors';
import type { LedgerRepository, Page } from './ports';

export const DEFAULT_REJECTED_LOOKBACK_MS = 7 * 86_400_000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Longest receivedAt window of one listing (months are walked newest first, 8 shard queries each). */
export const MAX_REJECTED_WINDOW_DAYS = 400;

export const ListRejectedQuerySchema = z.strictObject({
  /** receivedAt from (inclusive); default 7 days before `to`. */
  from: z.date().optional(),
  /** receivedAt to (exclusive); default: just after now. */
  to: z.date().optional(),
  code: RejectionCodeSchema.optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().max(20_000).optional(),
});
export type ListRejectedQuery = z.infer<typeof ListRejectedQuerySchema>;

/** Rejected messages received in [from, to), newest first, optionally of one code. */
export async function listRejected(
  deps: { readonly ledger: LedgerRepository; readonly nowMs: () => number },
  query: ListRejectedQuery,
): Promise<Page<RejectedOutcome>> {
  const parsed = ListRejectedQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    throw new InvalidLedgerQueryError(`invalid rejected-outcomes query: ${issues.join('; ')}`, issues);
  }
  // Without "to", everything received up to and including now.
  const toMs = parsed.data.to?.getTime() ?? deps.nowMs() + 1;
  const fromMs = parsed.data.from?.getTime() ?? toMs - DEFAULT_REJECTED_LOOKBACK_MS;
  if (!(toMs > fromMs)) throw new InvalidLedgerQueryError('invalid rejected-outcomes query: "to" must be after "from"');
  if (toMs - fromMs > MAX_REJECTED_WINDOW_DAYS * 86_400_000) {
    throw new InvalidLedgerQueryError(
      `invalid rejected-outcomes query: the window spans more than ${MAX_REJECTED_WINDOW_DAYS} days; narrow "from"/"to"`,
    );
  }
  return deps.ledger.listRejected({
    fromMs,
    toMs,
    code: parsed.data.code,
    limit: parsed.data.limit ?? DEFAULT_PAGE_SIZE,
    cursor: parsed.data.cursor,
  });
}
