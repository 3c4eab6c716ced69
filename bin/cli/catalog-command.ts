// outcome-engine catalog load <file>: adds or replaces the metrics and
// customers a YAML/JSON file lists; everything else in the catalog stays.
import { readCatalogFile } from '../../lib/local/catalog-file';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';

export const registerCatalogCommand: RegisterCommand = (program, context) => {
  const catalog = program.command('catalog').description('The metric and customer catalog');
  catalog
    .command('load')
    .description('Add or replace the metrics and customers listed in a YAML or JSON file')
    .argument('<file>', 'catalog file with `metrics:` and `customers:` lists')
    .option('--json', 'print JSON only')
    .action(async (file: string, options: { json?: boolean }) => {
      const input = await readCatalogFile(file);
      const loaded = await context.withLedger((ledger) => ledger.loadCatalog(input));
      if (options.json) printJson(context.io, { file, ...loaded });
      else context.io.out(`Loaded ${loaded.metrics} metric(s) and ${loaded.customers} customer(s) from ${file}\n`);
    });
};
