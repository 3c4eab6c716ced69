// outcome-engine caps check: may this customer consume N more of a metric
// now? Answered from the open period through the rollups; exit 0 when
// allowed, 6 when a cap refuses it (docs/cli.md#exit-codes).
import { checkCapAllowance, type CapAllowance } from '../../lambdas/application/plans/check-cap-allowance';
import { CapRefusedError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields } from './format';
import { runMapped, withPlanServices } from './plans-command';

function formatAllowance(answer: CapAllowance): string {
  return formatFields([
    ['answer', answer.allowed ? 'allowed' : 'refused'],
    ['contract', `${answer.contractId} (period ${answer.periodId})`],
    ['metric', `${answer.metric}: ${answer.usedToDate} used, ${answer.requested} requested`],
    ['metric cap', answer.metricCap ? `${answer.metricCap.cap} (${answer.metricCap.remaining} left)` : '-'],
    ['spend cap', answer.spendCap ? `${answer.spendCap.cap} ${answer.spendCap.currency} (${answer.spendCap.spentToDate} spent)` : '-'],
    ['as of', answer.asOf],
    ...(answer.reason ? ([['reason', answer.reason]] as const) : []),
  ]);
}

export const registerCapsCommand: RegisterCommand = (program, context) => {
  const caps = program.command('caps').description("A contract's hard caps");
  caps
    .command('check')
    .description('May the customer consume QUANTITY more of METRIC now? Exit 0 allowed, 6 refused by a cap')
    .requiredOption('--contract <contractId>', 'contract id')
    .requiredOption('--metric <metric>', 'plan metric code, as `spend` lists it')
    .requiredOption('--quantity <quantity>', 'how much more (a non-negative decimal)')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; metric: string; quantity: string; json?: boolean }) => {
      const answer = await runMapped(() =>
        withPlanServices(context, ({ store, usage, invoices, catalog }) =>
          checkCapAllowance({ contracts: store, usage, invoices, definitions: catalog, now: context.io.now }, { contractId: options.contract, metric: options.metric, quantity: options.quantity }),
        ),
      );
      if (options.json) printJson(context.io, answer);
      else context.io.out(formatAllowance(answer));
      if (!answer.allowed) throw new CapRefusedError(`refused: ${answer.reason ?? 'a cap is reached'}`);
    });
};
