// outcome-engine plans validate|load <files...>: plan files as code. Also the
// shared wiring of the plan commands (store, ledger usage reader, errors).
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbContractChangeOutbox } from '../../lambdas/adapters/dynamodb/contract-change-outbox';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge/eventbridge-event-publisher';
import type { EventPublisher, LedgerRepository } from '../../lambdas/application/ports';
import { DynamoDbInvoiceStore } from '../../lambdas/adapters/dynamodb/invoice-store';
import type { RollupUsageReader } from '../../lambdas/application/usage/read-usage-through-rollups';
import { createUsageRollupService } from '../../lambdas/composition/usage-rollup-service';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { DynamoDbCatalogRepository } from '../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { catalogDefinitionVersions } from '../../lambdas/composition/plans-service';
import type { DefinitionVersionCatalog } from '../../lambdas/application/plans/ports';
import { loadPlans, type LoadItemResult, type LoadResult } from '../../lambdas/application/plans/load-plans';
import {
  formatPlanFileIssue,
  PlanFileInvalidError,
  validatePlanFiles,
  type PlanValidationReport,
} from '../../lambdas/domain/plans';
import { readRunningEngine } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS, LOCAL_ENGINE_CREDENTIALS } from '../../lib/local/local-aws';
import { CliError, printJson, type CliIo } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import type { Connection } from './connection';
import { formatTable } from './format';

export interface PlanServices {
  readonly store: DynamoDbPlanStore;
  /** Contract changes not yet announced on the bus. */
  readonly outbox: DynamoDbContractChangeOutbox;
  /** Usage through the rollups where the local stream reader has sealed them, else the raw scan. */
  readonly usage: RollupUsageReader;
  readonly invoices: DynamoDbInvoiceStore;
  /** The catalog's definition versions, which contracts may pin. */
  readonly definitions: DefinitionVersionCatalog;
  /** The metric catalog, to count a pinned contract's outcomes under its pinned terms. */
  readonly catalog: DynamoDbCatalogRepository;
  /** The ledger's raw entries, for what reads outcome by outcome (statements). */
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries'>;
  readonly connection: Connection;
}

/** Runs `work` with the plan store, the ledger usage reader and the invoice records of the resolved connection. */
export function withPlanServices<T>(context: CommandContext, work: (services: PlanServices) => Promise<T>): Promise<T> {
  return context.withLedger(async (ledger, connection) => {
    const local = connection.dynamoDbEndpoint !== undefined ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {};
    const client = new DynamoDBClient({ region: connection.region, ...local });
    const catalog = new DynamoDbCatalogRepository({ client, tableName: connection.engineTableName });
    try {
      return await work({
        store: new DynamoDbPlanStore({ client, tableName: connection.engineTableName }),
        outbox: new DynamoDbContractChangeOutbox({ client, tableName: connection.engineTableName }),
        usage: createUsageRollupService({
          dynamoDb: client,
          engineTableName: connection.engineTableName,
          ledgerTableName: connection.ledgerTableName,
          ledger: ledger.repository,
          progress: { kind: 'stored' },
        }).reader,
        invoices: new DynamoDbInvoiceStore(client, connection.engineTableName),
        ledger: ledger.repository,
        definitions: catalogDefinitionVersions(catalog),
        catalog,
        connection,
      });
    } finally {
      client.destroy();
    }
  });
}

/** Where `contracts load` announces 'Contract Changed', so the schedulers follow. */
export interface ContractAnnouncer {
  readonly target: 'local_engine' | 'aws' | 'none';
  /** For people: where the announcements went, or why none did. */
  readonly description: string;
  readonly events?: EventPublisher;
  close(): void;
}

/**
 * The running local engine's bus when the CLI stores into that engine's
 * DynamoDB; the AWS bus (EVENT_BUS_NAME) when the CLI writes to AWS; else
 * nothing (a local engine started later plans the contracts on its start).
 * Writing to AWS without a bus is refused before anything is stored: in AWS
 * nothing else would ever plan the closes and checks of what was loaded.
 * `announce: false` (--no-announce) stores without announcing, on purpose.
 */
export async function contractAnnouncer(connection: Connection, env: CliIo['env'], options: { readonly announce?: boolean } = {}): Promise<ContractAnnouncer> {
  const none = (description: string): ContractAnnouncer => ({ target: 'none', description, close: () => undefined });
  if (options.announce === false) {
    return none(
      '--no-announce: contract changes were stored without announcement, so no period-close or renewal-check schedule changed ' +
        '(invoke schedule-period-closes and schedule-renewal-checks with each change to plan them)',
    );
  }
  if (connection.dynamoDbEndpoint !== undefined) {
    const state = await readRunningEngine(connection.dataDir);
    const same = state && state.dynamoDbEndpoint === connection.dynamoDbEndpoint && state.engineTableName === connection.engineTableName;
    if (!state || !same) {
      return none('no local engine runs on these tables: contract changes were not announced (an engine plans them when it starts)');
    }
    const client = new EventBridgeClient({ endpoint: state.url, region: state.region, credentials: LOCAL_ENGINE_CREDENTIALS });
    return {
      target: 'local_engine',
      description: `contract changes announced to the local engine at ${state.url}`,
      events: new EventBridgeEventPublisher({ client, eventBusName: state.eventBusName }),
      close: () => client.destroy(),
    };
  }
  const eventBusName = env.EVENT_BUS_NAME;
  if (!eventBusName) {
    throw new CliError(
      'nothing was loaded: EVENT_BUS_NAME is not set, so contract changes could not be announced and no period close or renewal check ' +
        "would be scheduled for them. Set EVENT_BUS_NAME to the stage's bus (the stateful stack's output), or pass --no-announce " +
        'to store without announcing',
      'invalid_input',
    );
  }
  const client = new EventBridgeClient({ region: connection.region });
  return {
    target: 'aws',
    description: `contract changes announced on EventBridge bus ${eventBusName}`,
    events: new EventBridgeEventPublisher({ client, eventBusName }),
    close: () => client.destroy(),
  };
}

/**
 * Words two refusals of plan files for a person: every issue of an invalid
 * file on its own line, and a schema failure as zod words it. Every other
 * error keeps the program's report; exit codes come from the category.
 */
export function toCliError(error: unknown): unknown {
  if (error instanceof PlanFileInvalidError) {
    return new CliError(`invalid file:\n${error.issues.map((i) => `  ${formatPlanFileIssue(i)}`).join('\n')}`, error.category, { cause: error, code: error.code });
  }
  if (error instanceof Error && error.name === 'ZodError') return new CliError(error.message, 'invalid_input', { cause: error });
  return error;
}

export async function runMapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toCliError(error);
  }
}

export const readTextFile = (path: string) => readFile(path, 'utf8');

export function printValidationIssues(io: CliIo, report: PlanValidationReport): void {
  for (const issue of report.issues) io.err(`${formatPlanFileIssue(issue)}\n`);
}

/** Validates files and refuses (exit 2, nothing written) when any is invalid or of the wrong kind. */
export async function validatedFiles(
  io: CliIo,
  files: readonly string[],
  expected: 'plan' | 'contract',
  json: boolean | undefined,
): Promise<PlanValidationReport> {
  // A file of the other kind is an issue with its line, like any other problem.
  const report = await validatePlanFiles(files, { readTextFile }, { expect: expected });
  const wrongKind = report.files.filter((file) => file.kind !== undefined && file.kind !== expected);
  if (!report.valid || wrongKind.length > 0) {
    if (json) printJson(io, { ok: false, files: report.files, issues: report.issues, warnings: report.warnings });
    else printValidationIssues(io, report);
    const hint = wrongKind.map(
      (file) => `${file.path}: holds a ${file.kind}; load it with \`outcome-engine ${file.kind === 'plan' ? 'plans' : 'contracts'} load\``,
    );
    throw new CliError(
      [`nothing was loaded: ${report.issues.length} issue(s) in ${files.length} file(s)`, ...hint].join('\n'),
      'invalid_input',
    );
  }
  return report;
}

export function formatLoadResult(result: LoadResult): string {
  const detail = (item: LoadItemResult): string => {
    if (item.status === 'failed') return `${item.message} [${item.code}]`;
    if (item.kind === 'plan' && 'versions' in item) return item.versions.map((v) => `v${v.version} ${v.status}`).join(', ');
    if ('revision' in item) return `revision ${item.revision}${item.announced ? `, announced ${item.announced}` : ''}`;
    return '';
  };
  return formatTable(
    [
      { header: 'KIND', value: (item: LoadItemResult) => item.kind },
      { header: 'ID', value: (item) => item.id },
      { header: 'STATUS', value: (item) => item.status },
      { header: 'DETAIL', value: detail },
    ],
    result.items,
  );
}

export function reportLoad(io: CliIo, result: LoadResult, json: boolean | undefined, announcement?: Pick<ContractAnnouncer, 'target' | 'description'>): void {
  if (json) printJson(io, announcement ? { ...result, announcement: { target: announcement.target, description: announcement.description } } : result);
  else io.out(`${formatLoadResult(result)}${announcement ? `${announcement.description}\n` : ''}`);
  if (!result.ok) throw new CliError(`${result.items.filter((item) => item.status === 'failed').length} item(s) were not loaded`, 'invalid_input');
}

export const registerPlansCommand: RegisterCommand = (program, context) => {
  const plans = program.command('plans').description('Plan files as code: validate them, load them into the engine');
  plans
    .command('validate')
    .description('Validate plan and contract files (no engine needed); each problem names the file, the path and the line')
    .argument('<files...>', 'plan or contract files (YAML or JSON)')
    .option('--json', 'print JSON only')
    .action(async (files: string[], options: { json?: boolean }) => {
      const report = await validatePlanFiles(files, { readTextFile });
      if (options.json) {
        printJson(context.io, { ok: report.valid, files: report.files, issues: report.issues, warnings: report.warnings });
      } else {
        for (const file of report.files) {
          context.io.out(`${file.valid ? 'ok     ' : 'invalid'}  ${file.path}${file.kind ? ` (${file.kind})` : ''}\n`);
        }
        printValidationIssues(context.io, report);
        for (const warning of report.warnings) context.io.err(`warning: ${warning}\n`);
      }
      if (!report.valid) {
        throw new CliError(`${report.issues.length} issue(s) in ${report.files.filter((f) => !f.valid).length} file(s)`, 'invalid_input');
      }
    });
  plans
    .command('load')
    .description('Store plan versions in the engine (a stored version never changes; reloading it unchanged is a no-op)')
    .argument('<files...>', 'plan files (YAML or JSON)')
    .option('--no-announce', "store without announcing 'Contract Changed' (required to write to AWS without EVENT_BUS_NAME)")
    .option('--json', 'print JSON only')
    .action(async (files: string[], options: { json?: boolean; announce: boolean }) => {
      const report = await validatedFiles(context.io, files, 'plan', options.json);
      const { result, announcement } = await runMapped(() =>
        withPlanServices(context, async ({ store, outbox, connection }) => {
          // A new version can move the renewal checkpoints of contracts that follow the plan's days.
          const announcer = await contractAnnouncer(connection, context.io.env, { announce: options.announce });
          try {
            const loaded = await loadPlans({ store, ...(announcer.events ? { events: announcer.events, outbox } : {}) }, report.plans);
            return { result: loaded, announcement: announcer };
          } finally {
            announcer.close();
          }
        }),
      );
      reportLoad(context.io, result, options.json, announcement);
    });
};
