// outcome-engine contracts load <files...> | list: the contracts the engine
// invoices, upserted with a revision.
import { loadContracts } from '../../lambdas/application/plans/load-plans';
import type { StoredContract } from '../../lambdas/application/plans/ports';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { contractAnnouncer, reportLoad, runMapped, validatedFiles, withPlanServices } from './plans-command';
import { registerRenewalResultCommand } from './renewal-result-command';

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
    .description(
      'Create or update contracts (checked against their stored plan; a change raises the revision and is announced as ' +
        "'Contract Changed' to the running local engine, or to EVENT_BUS_NAME in AWS, so period closes and renewal checks follow)",
    )
    .argument('<files...>', 'contract files (YAML or JSON)')
    .option('--no-announce', "store without announcing 'Contract Changed' (required to write to AWS without EVENT_BUS_NAME)")
    .option('--json', 'print JSON only')
    .action(async (files: string[], options: { json?: boolean; announce: boolean }) => {
      const report = await validatedFiles(context.io, files, 'contract', options.json);
      const { result, announcement } = await runMapped(() =>
        withPlanServices(context, async ({ store, outbox, definitions, connection }) => {
          const announcer = await contractAnnouncer(connection, context.io.env, { announce: options.announce });
          try {
            const loaded = await loadContracts(
              { store, now: context.io.now, definitions, ...(announcer.events ? { events: announcer.events, outbox } : {}) },
              report.contracts,
            );
            return { result: loaded, announcement: announcer };
          } finally {
            announcer.close();
          }
        }),
      );
      reportLoad(context.io, result, options.json, announcement);
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
  registerRenewalResultCommand(contracts, context);
};
