// outcome-engine contracts load <files...> | list: the contracts the engine
// invoices, upserted with a revision.
import { loadContracts } from '../../lambdas/application/plans/load-plans';
import type { StoredContract } from '../../lambdas/application/plans/ports';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { reportLoad, runMapped, validatedFiles, withPlanServices } from './plans-command';

export function formatContracts(contracts: readonly StoredContract[]): string {
  return formatTable(
    [
      { header: 'CONTRACT', value: (row: StoredContract) => row.contract.contractId },
      { header: 'CUSTOMER', value: (row) => row.contract.customerId },
      { header: 'PLAN', value: (row) => `${row.contract.plan.code}@${row.contract.plan.version}` },
      { header: 'TERM', value: (row) => `${row.contract.termStart}..${row.contract.termEnd}` },
      { header: 'BILLING', value: (row) => row.contract.billingPeriod.cadence },
      { header: 'TIME ZONE', value: (row) => row.contract.timeZone },
      { header: 'CURRENCY', value: (row) => row.contract.currency },
      { header: 'REVISION', value: (row) => String(row.revision), align: 'right' },
    ],
    contracts,
  );
}

export const registerContractsCommand: RegisterCommand = (program, context) => {
  const contracts = program.command('contracts').description('Contracts: load them into the engine, list them');
  contracts
    .command('load')
    .description('Create or update contracts (checked against their stored plan; a change raises the revision)')
    .argument('<files...>', 'contract files (YAML or JSON)')
    .option('--json', 'print JSON only')
    .action(async (files: string[], options: { json?: boolean }) => {
      const report = await validatedFiles(context.io, files, 'contract', options.json);
      const result = await runMapped(() =>
        withPlanServices(context, ({ store }) => loadContracts({ store, now: context.io.now }, report.contracts)),
      );
      reportLoad(context.io, result, options.json);
    });
  contracts
    .command('list')
    .description('List the stored contracts')
    .option('--json', 'print JSON only')
    .action(async (options: { json?: boolean }) => {
      const stored = await runMapped(() => withPlanServices(context, ({ store }) => store.listContracts()));
      if (options.json) printJson(context.io, stored);
      else context.io.out(stored.length === 0 ? 'No contracts stored (load some with `outcome-engine contracts load`).\n' : formatContracts(stored));
    });
};
