// outcome-engine unattributed: outcomes recorded for customers the catalog did
// not know at the time. They are kept and counted; this lists them so someone
// adds the customer (or finds the producer's typo).
import type { OutcomeView } from '../../lambdas/domain/ledger/outcome-view';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { MAX_PAGE, parseLimit } from './rejected-command';

export function formatUnattributed(items: readonly OutcomeView[]): string {
  if (items.length === 0) return 'No unattributed outcomes.\n';
  return formatTable(
    [
      { header: 'RECORDED AT', value: (v: OutcomeView) => v.recordedAt },
      { header: 'CUSTOMER', value: (v) => v.customerId, maxWidth: 32 },
      { header: 'METRIC', value: (v) => v.metric },
      { header: 'OUTCOME', value: (v) => v.outcomeId, maxWidth: 48 },
      { header: 'QUANTITY', value: (v) => v.quantity, align: 'right' },
      { header: 'STATUS', value: (v) => v.status },
    ],
    items,
  );
}

export const registerUnattributedCommand: RegisterCommand = (program, context) => {
  program
    .command('unattributed')
    .description('List outcomes recorded for customers not in the catalog, newest first')
    .option('--limit <n>', 'at most this many', parseLimit, 100)
    .option('--json', 'print JSON only')
    .action(async (options: { limit: number; json?: boolean }) => {
      const items = await context.withLedger(async (ledger) => {
        const collected: OutcomeView[] = [];
        let cursor: string | undefined;
        do {
          const page = await ledger.listUnattributed({ limit: Math.min(MAX_PAGE, options.limit - collected.length), ...(cursor ? { cursor } : {}) });
          collected.push(...page.items);
          cursor = page.cursor;
        } while (cursor !== undefined && collected.length < options.limit);
        return collected.slice(0, options.limit);
      });
      if (options.json) printJson(context.io, items);
      else context.io.out(formatUnattributed(items));
    });
};
