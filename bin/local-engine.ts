// npm start: runs the local engine until Ctrl-C.
import { relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_LOCAL_PORT } from '../lib/local/local-aws';

interface Flags {
  port: number;
  dataDir?: string;
  inMemory?: boolean;
  dynamodbEndpoint?: string;
  dynamodbPort?: number;
  seed: boolean;
  verbose?: boolean;
  console: boolean;
  consolePort?: number;
  portalFrameAncestors?: string;
}

const portNumber = (text: string): number => {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('must be a port number');
  return port;
};

const flags = new Command('local-engine')
  .description('The outcome engine on this machine: DynamoDB Local, a PutEvents endpoint, the ingest handler')
  .option('--port <port>', 'PutEvents endpoint port on 127.0.0.1', portNumber, DEFAULT_LOCAL_PORT)
  .option('--data-dir <dir>', 'data folder (env OUTCOME_ENGINE_DATA_DIR)', process.env.OUTCOME_ENGINE_DATA_DIR)
  .option('--in-memory', 'keep DynamoDB in memory (nothing persisted)')
  .option('--dynamodb-endpoint <url>', 'use this running DynamoDB Local instead of starting one')
  .option('--dynamodb-port <port>', 'port for the DynamoDB Local the engine starts', portNumber)
  .option('--no-seed', 'do not load the example catalog')
  .option('--verbose', "show the handlers' info logs and EMF metric lines")
  .option('--console-port <port>', 'web console and customer portal port on 127.0.0.1 (default 4020, or a free port when 4020 is taken or --port is 0)', portNumber)
  .option('--no-console', 'do not serve the web console and customer portal')
  .option(
    '--portal-frame-ancestors <origins>',
    'comma-separated origins allowed to embed the customer portal in an iframe (env OUTCOME_ENGINE_PORTAL_FRAME_ANCESTORS)',
    process.env.OUTCOME_ENGINE_PORTAL_FRAME_ANCESTORS,
  )
  .parse()
  .opts<Flags>();

// Set before the engine's modules load: the handlers' shared Powertools logger
// and metrics read them once, when they are created. Without --verbose the
// handlers log warnings and errors only and publish no EMF metric lines.
process.env.POWERTOOLS_LOG_LEVEL ??= flags.verbose ? 'INFO' : 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= flags.verbose ? 'false' : 'true';

const { startLocalEngine } = await import('../lib/local/local-engine');
const { describeLocalStripe } = await import('../lib/local/local-billing');
const { SEED_DIR } = await import('../lib/local/seed-plans');
const { renewalRiskSettingsFromEnv } = await import('../lambdas/application/risk/risk-settings');
type RenewalRiskSettings = ReturnType<typeof renewalRiskSettingsFromEnv>;

const log = (message: string) => process.stderr.write(`[local-engine] ${message}\n`);
// The same RENEWAL_RISK_SETTINGS a deployed stage sets, so a local walk through a term scores as it would there.
let renewalRiskSettings: RenewalRiskSettings;
let portalFrameAncestors: string[] = [];
try {
  renewalRiskSettings = renewalRiskSettingsFromEnv(process.env);
  const { parseFrameAncestors } = await import('../lib/local/console-server');
  portalFrameAncestors = parseFrameAncestors(flags.portalFrameAncestors);
} catch (error) {
  process.stderr.write(`Could not start the local engine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const engine = await startLocalEngine({
  port: flags.port,
  ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
  ...(flags.inMemory ? { inMemory: true } : {}),
  ...(flags.dynamodbEndpoint !== undefined ? { dynamoDbEndpoint: flags.dynamodbEndpoint } : {}),
  ...(flags.dynamodbPort !== undefined ? { dynamoDbPort: flags.dynamodbPort } : {}),
  seed: flags.seed,
  renewalRisk: { settings: renewalRiskSettings },
  // With --port 0 (tests, several engines) the console takes a free port too.
  ...(flags.console ? { console: { ...(flags.consolePort !== undefined ? { port: flags.consolePort } : flags.port === 0 ? { port: 0 } : {}), portalFrameAncestors } } : {}),
  log,
}).catch((error: unknown) => {
  process.stderr.write(`Could not start the local engine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

const detail = JSON.stringify({
  outcomeId: 'ticket-4711-resolution',
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: new Date().toISOString().slice(0, 19) + 'Z',
});
const entries = JSON.stringify([
  { EventBusName: engine.eventBusName, Source: 'com.example.support', DetailType: 'Outcome Recorded', Detail: detail },
]);
const where = (path: string) => relative(process.cwd(), path) || '.';
const period = new Date().toISOString().slice(0, 7);
const catalogLine = engine.seededCatalog
  ? `${engine.seededCatalog.metrics} metrics, ${engine.seededCatalog.customers} customers loaded from ${where(SEED_DIR)}/catalog.yaml`
  : 'as stored (examples were loaded on the first start)';

process.stdout.write(
  [
    '',
    'outcome-engine local engine is running',
    `  PutEvents endpoint  ${engine.url}  (event bus "${engine.eventBusName}")`,
    `  DynamoDB Local      ${engine.dynamoDbEndpoint}  (${flags.inMemory ? 'in memory' : `data in ${where(engine.dataDir)}`})`,
    `  tables              ${engine.ledgerTableName}, ${engine.engineTableName}`,
    `  catalog             ${catalogLine}`,
    `  example plans       ${engine.seedPlans.plans.length} plans, ${engine.seedPlans.contracts.length} contracts in ${where(SEED_DIR)}/plans`,
    ...(engine.billing ? describeLocalStripe(engine.billing) : ['  Stripe              period close is off']),
    ...(engine.console
      ? [
          `  web console         ${engine.console.signInUrl}`,
          `  customer portal     ${engine.console.portalUrl}  (open it with a link: npx outcome-engine portal link --customer acme)`,
        ]
      : []),
    '',
    'Send an outcome:',
    `  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws events put-events --endpoint-url ${engine.url} --region ${engine.region} \\`,
    `    --entries '${entries}'`,
    'Read it back:',
    '  npx outcome-engine outcome ticket-4711-resolution',
    `  npx outcome-engine usage --customer acme --metric ticket.resolved --period ${period}`,
    '',
    'Ctrl-C stops the engine.',
    '',
  ].join('\n'),
);

// One Ctrl-C reaches this process several times (from the terminal, and
// relayed by npm and tsx), so signals within a moment count as one; a
// deliberate second Ctrl-C later exits without waiting.
const REPEAT_WINDOW_MS = 1500;
let stoppingSince: number | undefined;
const shutdown = (signal: string) => {
  if (stoppingSince !== undefined) {
    if (Date.now() - stoppingSince < REPEAT_WINDOW_MS) return;
    log(`${signal} again: exiting without waiting`);
    process.exit(130);
  }
  stoppingSince = Date.now();
  log('stopping: finishing invocations in flight, keeping queued messages for the next start');
  engine
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      log(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
