// outcome-engine rejected: the rejected-outcomes store, newest first, each
// with its machine code and the reason the producer needs to fix it.
import { InvalidArgumentError, Option } from 'commander';
import { REJECTION_CODES, type RejectionCode } from '../../lambdas/domain/ledger/rejection-codes';
import type { RejectedOutcome } from '../../lambdas/domain/ledger/rejection';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { parseInstant } from './time-range';

/** The ledger's largest page; longer listings are fetched page by page. */
export const MAX_PAGE = 1000;

interface RejectedOptions {
  from?: string;
  to?: string;
  code?: RejectionCode;
  limit: number;
  json?: boolean;
}

export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return limit;
}

export function formatRejected(items: readonly RejectedOutcome[]): string {
  if (items.length === 0) return 'No rejected outcomes match.\n';
  return formatTable(
    [
      { header: 'RECEIVED AT', value: (r: RejectedOutcome) => r.receivedAt },
      { header: 'CODE', value: (r) => r.code },
      { header: 'DETAIL TYPE', value: (r) => r.detailType ?? '-' },
      { header: 'OUTCOME', value: (r) => r.outcomeId ?? '-', maxWidth: 40 },
      { header: 'CUSTOMER', value: (r) => r.customerId ?? '-', maxWidth: 24 },
      { header: 'REASON', value: (r) => r.message, maxWidth: 100 },
    ],
    items,
  );
}

export const registerRejectedCommand: RegisterCommand = (program, context) => {
  program
    .command('rejected')
    .description('List rejected outcomes with their codes and reasons, newest first')
    .option('--from <instant>', 'received at or after, ISO 8601 with offset')
    .option('--to <instant>', 'received before, ISO 8601 with offset')
    .addOption(new Option('--code <code>', 'only this rejection code').choices(REJECTION_CODES))
    .option('--limit <n>', 'at most this many', parseLimit, 50)
    .option('--json', 'print JSON only')
    .action(async (options: RejectedOptions) => {
      const from = options.from !== undefined ? parseInstant(options.from, '--from') : undefined;
      const to = options.to !== undefined ? parseInstant(options.to, '--to') : undefined;
      const items = await context.withLedger(async (ledger) => {
        const collected: RejectedOutcome[] = [];
        let cursor: string | undefined;
        do {
          const page = await ledger.listRejected({
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
            ...(options.code ? { code: options.code } : {}),
            limit: Math.min(MAX_PAGE, options.limit - collected.length),
            ...(cursor ? { cursor } : {}),
          });
          collected.push(...page.items);
          cursor = page.cursor;
        } while (cursor !== undefined && collected.length < options.limit);
        return collected.slice(0, options.limit);
      });
      if (options.json) printJson(context.io, items);
      else context.io.out(formatRejected(items));
    });
};
