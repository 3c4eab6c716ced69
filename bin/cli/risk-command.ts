// outcome-engine risk check --contract C [--as-of D] | risk backtest: run a
// renewal-risk assessment now (nothing stored, no task change), and score the
// tiers against recorded renewal results.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ZodError } from 'zod';
import { renewalRiskSettingsFromEnv } from '../../lambdas/application/risk/risk-settings';
import { createRiskService, type RiskService } from '../../lambdas/composition/risk-service';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk/assess-renewal-risk';
import { readRunningEngine } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS, LOCAL_ENGINE_CREDENTIALS } from '../../lib/local/local-aws';
import { CliError, printJson, type CliIo } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { parseInstant } from './time-range';

/**
 * Runs `work` with a risk service on the resolved connection. Task events go
 * to the running local engine's bus when the CLI reads its tables (or to
 * OUTCOME_ENGINE_EVENTS_ENDPOINT), else to EventBridge in AWS.
 */
export function withRiskService<T>(context: CommandContext, work: (risk: RiskService) => Promise<T>): Promise<T> {
  return context.withLedger(async (ledger, connection) => {
    const local = connection.dynamoDbEndpoint !== undefined ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {};
    const dynamoDb = new DynamoDBClient({ region: connection.region, ...local });
    const engine = connection.dynamoDbEndpoint !== undefined ? await readRunningEngine(connection.dataDir).catch(() => undefined) : undefined;
    const eventsEndpoint = context.io.env.OUTCOME_ENGINE_EVENTS_ENDPOINT ?? (engine?.dynamoDbEndpoint === connection.dynamoDbEndpoint ? engine?.url : undefined);
    const eventBridge = new EventBridgeClient({
      region: connection.region,
      ...(eventsEndpoint ? { endpoint: eventsEndpoint, credentials: LOCAL_ENGINE_CREDENTIALS } : connection.dynamoDbEndpoint ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
    try {
      return await work(
        createRiskService({
          dynamoDb,
          engineTableName: connection.engineTableName,
          ledger,
          eventBridge,
          eventBusName: connection.eventBusName,
          // The deployed functions' settings when given (RENEWAL_RISK_SETTINGS), so `risk check` scores as they do.
          settings: renewalRiskSettingsFromEnv(context.io.env),
          now: context.io.now,
        }),
      );
    } finally {
      dynamoDb.destroy();
      eventBridge.destroy();
    }
  });
}

/** Words a schema failure of the use cases' input for a person; every other error keeps the program's report and its category's exit code. */
export async function runRiskMapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ZodError) {
      throw new CliError(`invalid input: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, 'invalid_input', { cause: error });
    }
    throw error;
  }
}

export function formatAssessment(assessment: RenewalRiskAssessment): string {
  const head = formatFields([
    ['contract', assessment.contractId],
    ['customer', assessment.customerId],
    ['term', `${assessment.termId} .. ${assessment.termEnd} (${assessment.timeZone}), ${termEndDistance(assessment.daysToTermEnd)}`],
    ['assessed at', assessment.assessedAt],
    ['score', `${assessment.score} of 100`],
    ['tier', `${assessment.tier}${assessment.severeSignal ? ` (lifted from ${assessment.scoreTier} by ${assessment.severeSignal})` : ''}`],
    ['stale data', assessment.staleData ? 'yes' : 'no'],
    ['value', assessment.valueSummary.sentence],
  ]);
  const signals = formatTable(
    [
      { header: 'SIGNAL', value: (s: RenewalRiskAssessment['signals'][number]) => s.code },
      { header: 'VALUE', value: (s) => (s.applicable ? (s.value ?? '-') : 'n/a'), align: 'right' },
      { header: 'RISK', value: (s) => (s.applicable ? s.risk : '-'), align: 'right' },
      { header: 'WEIGHT', value: (s) => s.weight, align: 'right' },
      { header: 'POINTS', value: (s) => s.contribution, align: 'right' },
      { header: 'NOTE', value: (s) => s.notApplicableReason ?? '', maxWidth: 60 },
    ],
    assessment.signals,
  );
  const reasons = assessment.reasons.length === 0 ? '  (none)\n' : assessment.reasons.map((r) => `  ${r.code}: ${r.message}\n`).join('');
  return `${head}\n${signals}\nreasons:\n${reasons}`;
}

function printOr(io: CliIo, json: boolean | undefined, value: unknown, text: () => string): void {
  if (json) printJson(io, value);
  else io.out(text());
}

export const registerRiskCommand: RegisterCommand = (program, context) => {
  const risk = program.command('risk').description('Renewal risk: assess a contract now, backtest the tiers against renewal results');
  risk
    .command('check')
    .description('Assess a contract\'s renewal risk as of now (or --as-of); stores nothing and changes no task')
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--as-of <instant>', 'assess as of this instant (ISO 8601 with offset); usage as the ledger knew it then')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; asOf?: string; json?: boolean }) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const assessment = await runRiskMapped(() =>
        withRiskService(context, (service) => service.assessContract({ contractId: options.contract, ...(asOf ? { asOf } : {}) })),
      );
      printOr(context.io, options.json, assessment, () => formatAssessment(assessment));
    });
  risk
    .command('backtest')
    .description('Precision and recall of each tier, and the median lead time, over contract terms with a recorded renewal result')
    .option('--json', 'print JSON only')
    .action(async (options: { json?: boolean }) => {
      const report = await runRiskMapped(() => withRiskService(context, (service) => service.backtest()));
      printOr(context.io, options.json, report, () =>
        report.contracts === 0
          ? 'No renewal results recorded yet (record one with `outcome-engine contracts renewal-result --contract C --result renewed|churned|downsized`).\n'
          : `${report.table.endsWith('\n') ? report.table : `${report.table}\n`}`,
      );
    });
};

/** "44 days to term end", "1 day to term end", "term ended 3 days ago". */
export function termEndDistance(daysToTermEnd: number): string {
  const days = Math.abs(daysToTermEnd);
  const unit = days === 1 ? 'day' : 'days';
  return daysToTermEnd >= 0 ? `${days} ${unit} to term end` : `term ended ${days} ${unit} ago`;
}
