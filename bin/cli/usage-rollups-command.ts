// outcome-engine usage rebuild | usage check: the usage rollups of customers
// × metrics × a period, rebuilt from the ledger or compared with it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { DynamoDbCatalogRepository } from '../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { checkRollups, rebuildRollups, type CellDifference, type RollupWindow } from '../../lambdas/application/usage/rebuild-rollups';
import { createUsageRollupService, type UsageRollupService } from '../../lambdas/composition/usage-rollup-service';
import { isRollupAligned, ROLLUP_BUCKET_MS } from '../../lambdas/domain/ledger/usage-rollup';
import { fromFixed12 } from '../../lambdas/domain/ledger/ledger-decimal';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { CliError, printJson } from './cli-io';
import type { CommandContext } from './command-context';
import { formatTable, type Column } from './format';

/** Columns of plain string rows, by header. */
function columnsOf(headers: readonly string[]): Column<string[]>[] {
  return headers.map((header, index) => ({ header, value: (row: string[]) => row[index] ?? '' }));
}
import { periodRange } from './time-range';

interface RollupOptions {
  customer?: string;
  metric?: string;
  period?: string;
  timeZone: string;
  json?: boolean;
}

async function withRollups<T>(context: CommandContext, options: RollupOptions, work: (service: UsageRollupService, windows: RollupWindow[]) => Promise<T>): Promise<T> {
  return context.withLedger(async (ledger, connection) => {
    const local = connection.dynamoDbEndpoint !== undefined ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {};
    const client = new DynamoDBClient({ region: connection.region, ...local });
    try {
      const service = createUsageRollupService({
        dynamoDb: client,
        engineTableName: connection.engineTableName,
        ledgerTableName: connection.ledgerTableName,
        ledger: ledger.repository,
        progress: { kind: 'stored' },
      });
      const period = options.period ?? context.io.now().toISOString().slice(0, 7);
      const range = periodRange(period, options.timeZone);
      const fromMs = range.from.getTime();
      const toMs = range.to.getTime();
      if (!isRollupAligned(fromMs) || !isRollupAligned(toMs)) {
        throw new CliError(`period ${period} in ${options.timeZone} does not start and end on ${ROLLUP_BUCKET_MS / 60_000}-minute boundaries, which rollups keep`, 'invalid_input');
      }
      const catalog = options.customer !== undefined && options.metric !== undefined ? undefined : await new DynamoDbCatalogRepository({ client, tableName: connection.engineTableName }).readCatalog();
      const customers = options.customer !== undefined ? [options.customer] : (catalog?.customers ?? []).map((customer) => customer.customerId);
      const metrics = options.metric !== undefined ? [options.metric] : (catalog?.metrics ?? []).map((metric) => metric.code);
      const windows = customers.flatMap((customerId) => metrics.map((metric) => ({ customerId, metric, fromMs, toMs })));
      return await work(service, windows);
    } finally {
      client.destroy();
    }
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

function describeDifference(difference: CellDifference): string[] {
  const { key } = difference;
  const [part, measure] = difference.field.split('.');
  const isAmount = measure === 'q' || (measure ?? '').startsWith('s:');
  const show = (value: string) => (isAmount ? fromFixed12(BigInt(value)) : value);
  // A day of recordedAt (a recorded-day cell), and a day cell's recorded-first copy, told apart from the cell itself.
  const recorded = `${iso(key.recordedBucketMs)}${key.recordedSpanMs === undefined ? '' : ' (day)'}`;
  return [key.customerId, key.metric, iso(key.occurredBucketMs), recorded, `${part}.${measure}${difference.copy ? ' (copy)' : ''}`, show(difference.stored), show(difference.expected)];
}

export function registerUsageRollupCommands(usage: Command, context: CommandContext): void {
  const common = (command: Command) =>
    command
      .option('--metric <code>', 'one metric (default: every catalog metric)')
      .option('--period <period>', 'calendar period: YYYY-MM, YYYY-MM-DD, YYYY-Qn or YYYY (default: this month)')
      .option('--time-zone <zone>', 'time zone the period is read in', 'UTC')
      .option('--json', 'print JSON only');

  common(
    usage
      .command('rebuild')
      .description('Rebuild the usage rollups of a customer (default: every catalog customer) from the ledger, for the cells the stream has sealed')
      .option('--customer <customerId>', 'one customer (default: every catalog customer)'),
  ).action(async (options: RollupOptions) => {
    const results = await withRollups(context, options, async (service, windows) => {
      const done = [];
      for (const window of windows) {
        const result = await rebuildRollups({ rollups: service.store, progress: service.progress, ledger: service.ledger }, window);
        done.push({ customerId: window.customerId, metric: window.metric, from: iso(window.fromMs), to: iso(window.toMs), ...result, sealedBefore: result.sealedBeforeMs === undefined ? null : iso(result.sealedBeforeMs) });
      }
      return done;
    });
    if (options.json) {
      printJson(context.io, { rebuilt: results.map(({ sealedBeforeMs: _omitted, ...rest }) => rest) });
      return;
    }
    if (results.some((result) => result.sealedBeforeMs === undefined)) {
      context.io.out('nothing is sealed yet: the stream reader has not applied the ledger once; nothing to rebuild');
      return;
    }
    context.io.out(formatTable(columnsOf(['customer', 'metric', 'entries read', 'cells corrected', 'sealed before']), results.map((result) => [result.customerId, result.metric, String(result.entries), String(result.cellsWritten), result.sealedBefore ?? '-'])));
  });

  common(
    usage
      .command('check')
      .description('Compare the usage rollups of a customer and period with the ledger; exits 1 listing each differing cell')
      .requiredOption('--customer <customerId>', 'customer id'),
  ).action(async (options: RollupOptions) => {
    const results = await withRollups(context, options, async (service, windows) =>
      Promise.all(windows.map(async (window) => ({ window, result: await checkRollups({ rollups: service.store, progress: service.progress, ledger: service.ledger }, window) }))),
    );
    const differences = results.flatMap(({ result }) => result.differences);
    if (options.json) {
      printJson(context.io, {
        matched: differences.length === 0,
        checked: results.map(({ window, result }) => ({ metric: window.metric, entries: result.entries, cellsCompared: result.cellsCompared, sealedBefore: result.sealedBeforeMs === undefined ? null : iso(result.sealedBeforeMs) })),
        differences: differences.map((difference) => ({ ...difference.key, occurredBucket: iso(difference.key.occurredBucketMs), recordedBucket: iso(difference.key.recordedBucketMs), field: difference.field, stored: difference.stored, expected: difference.expected, ...(difference.copy ? { copy: true } : {}) })),
      });
    } else if (differences.length === 0) {
      const cells = results.reduce((sum, { result }) => sum + result.cellsCompared, 0);
      context.io.out(`rollups match the ledger: ${cells} sealed cell(s) of ${results.length} metric(s) compared`);
    } else {
      context.io.out(formatTable(columnsOf(['customer', 'metric', 'occurred bucket', 'recorded bucket', 'figure', 'rollup', 'ledger']), differences.map(describeDifference)));
    }
    if (differences.length > 0) throw new CliError(`${differences.length} rollup figure(s) differ from the ledger; run \`outcome-engine usage rebuild --customer ${options.customer ?? ''}\``, 'internal');
  });
}
