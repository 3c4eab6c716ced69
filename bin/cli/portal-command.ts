// outcome-engine portal link --customer C [--ttl 7d]: a signed, expiring link
// that opens the customer portal for one customer, signed with the data
// folder's portal keys (the running engine verifies it with the same keys).
// The customer must be one the engine knows (catalog or a contract): an
// unknown one exits 3 (not_found).
import { DynamoDbCatalogRepository } from '../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { createPortalLink, parsePortalLinkTtl, DEFAULT_PORTAL_LINK_TTL_SECONDS } from '../../lambdas/application/console/console-routes';
import { isKnownCustomer } from '../../lambdas/application/console/portal-customer';
import { readEngineState, resolveDataDir } from '../../lib/local/engine-state';
import { localPortalKeyring } from '../../lib/local/local-console-access';
import { dynamoDbClientFor } from './billing-connection';
import { CliError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields } from './format';
import { withPlanServices } from './plans-command';

interface PortalLinkOptions {
  customer: string;
  ttl?: string;
  json?: boolean;
}

export const registerPortalCommand: RegisterCommand = (program, context) => {
  const portal = program.command('portal').description('The customer portal: signed links for one customer');
  portal
    .command('link')
    .description('Print a signed, expiring link that opens the customer portal for one customer')
    .requiredOption('--customer <id>', 'the customer the link shows (and the only one it can read)')
    .option('--ttl <duration>', 'how long the link works: 30m, 12h, 7d (at most 90d)', '7d')
    .option('--json', 'print the link as JSON')
    .action(async (options: PortalLinkOptions) => {
      const dataDir = resolveDataDir(context.globalOptions().dataDir ?? context.io.env.OUTCOME_ENGINE_DATA_DIR);
      let ttlSeconds = DEFAULT_PORTAL_LINK_TTL_SECONDS;
      try {
        if (options.ttl !== undefined) ttlSeconds = parsePortalLinkTtl(options.ttl);
      } catch (error) {
        throw new CliError(`--ttl: ${error instanceof Error ? error.message.replace(/^invalid ttl: /, '') : String(error)}`, 'invalid_input', { cause: error });
      }
      const known = await withPlanServices(context, async ({ store, connection }) => {
        const client = dynamoDbClientFor(connection);
        try {
          return await isKnownCustomer({ catalog: new DynamoDbCatalogRepository({ client, tableName: connection.engineTableName }), contracts: store }, options.customer);
        } finally {
          client.destroy();
        }
      });
      if (!known) {
        throw new CliError(`no customer "${options.customer}": neither the catalog nor any contract names it, so a link would open an empty portal [customer_not_found]`, 'not_found', {
          code: 'customer_not_found',
        });
      }
      const engine = await readEngineState(dataDir).catch(() => undefined);
      const portalBaseUrl = engine?.consoleUrl !== undefined ? `${engine.consoleUrl}portal/` : undefined;
      const link = await createPortalLink(
        { keyring: localPortalKeyring(dataDir), portalBaseUrl, now: () => context.io.now() },
        { customerId: options.customer, ttlSeconds },
      );
      if (options.json) return printJson(context.io, link);
      context.io.out(
        formatFields([
          ['customer', link.customerId],
          ['expires', link.expiresAt],
          ['link', link.url ?? `(no engine serving the console on ${dataDir}) token ${link.token}`],
        ]),
      );
    });
};
