// outcome-engine engine-table migrate-keys: the one-time move of engine-table
// items stored by releases whose sort keys did not start with the item kind
// (docs/runbook.md, "Upgrade: move engine items to kind-first sort keys").
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { resolveConnection } from './connection';

export const registerEngineTableCommand: RegisterCommand = (program, context) => {
  const engineTable = program.command('engine-table').description('Maintenance of the engine table');
  engineTable
    .command('migrate-keys')
    .description('Move invoice, correction, task, assessment and renewal-result items stored under former sort keys to the current ones (idempotent)')
    .option('--json', 'print JSON only')
    .action(async (options: { json?: boolean }) => {
      const connection = await resolveConnection(context.globalOptions(), context.io);
      // Loaded when the command runs, so `--help` stays free of the AWS SDK.
      const [{ DynamoDBClient }, { migrateEngineSortKeys }, { LOCAL_CREDENTIALS }] = await Promise.all([
        import('@aws-sdk/client-dynamodb'),
        import('../../lambdas/adapters/dynamodb/engine-sort-key-migration'),
        import('../../lib/local/local-aws'),
      ]);
      const local = connection.dynamoDbEndpoint !== undefined ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {};
      const client = new DynamoDBClient({ region: connection.region, ...local });
      try {
        const result = await migrateEngineSortKeys({ client, tableName: connection.engineTableName });
        if (options.json) printJson(context.io, { table: connection.engineTableName, ...result });
        else {
          context.io.out(
            `${connection.engineTableName}: ${result.moved} item(s) moved to kind-first sort keys, ${result.supersededByNewer} former item(s) dropped for a newer one\n`,
          );
        }
      } finally {
        client.destroy();
      }
    });
};
