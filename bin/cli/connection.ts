// Where the CLI reads the ledger: flags first, then environment variables,
// then the running local engine (its <data-dir>/engine.json). With no
// endpoint at all and table names given, it reads the tables in AWS with the
// default credential chain.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLedgerService, type LedgerService } from '../../lambdas/composition/ledger-service';
import { engineStatePath, isProcessAlive, readEngineState, resolveDataDir, runningEngineOf, type LocalEngineState, type RunningEngineState } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS, LOCAL_DEFAULTS, LOCAL_ENGINE_CREDENTIALS } from '../../lib/local/local-aws';
import { CliError, type CliIo } from './cli-io';

export interface GlobalOptions {
  endpoint?: string;
  ledgerTable?: string;
  engineTable?: string;
  region?: string;
  dataDir?: string;
}

export interface Connection {
  /** undefined: AWS itself. */
  dynamoDbEndpoint?: string;
  region: string;
  ledgerTableName: string;
  engineTableName: string;
  eventBusName: string;
  dataDir: string;
}

/** True when the connection comes (at least in part) from the running local engine's state file. */
export function readsLocalEngineState(options: GlobalOptions, env: CliIo['env']): boolean {
  const endpoint = options.endpoint ?? env.OUTCOME_ENGINE_DYNAMODB_ENDPOINT ?? env.AWS_ENDPOINT_URL_DYNAMODB;
  const ledgerTableName = options.ledgerTable ?? env.LEDGER_TABLE_NAME;
  const engineTableName = options.engineTable ?? env.ENGINE_TABLE_NAME;
  return endpoint === undefined || ledgerTableName === undefined || engineTableName === undefined;
}

/**
 * The running local engine of a data folder, for commands that talk to it:
 * undefined when no engine holds the folder; a clear error when one is
 * recorded but dead, still starting, or its state file is damaged.
 */
export async function readRunningEngineForCli(dataDir: string): Promise<RunningEngineState | undefined> {
  let recorded: LocalEngineState | undefined;
  try {
    recorded = await readEngineState(dataDir);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 'infrastructure', { cause: error });
  }
  if (!recorded) return undefined;
  const running = runningEngineOf(recorded);
  if (running) return running;
  const file = engineStatePath(dataDir);
  const pointElsewhere = 'or point the CLI elsewhere with --endpoint, --ledger-table and --engine-table.';
  if (isProcessAlive(recorded.pid)) {
    throw new CliError(
      recorded.status === 'starting'
        ? `The local engine in ${file} (pid ${recorded.pid}) is still starting; try again in a moment.`
        : `The local engine in ${file} (pid ${recorded.pid}) runs without publishing its endpoints (writeStateFile: false); ${pointElsewhere}`,
      'infrastructure',
    );
  }
  throw new CliError(`The local engine recorded in ${file} (pid ${recorded.pid}) is not running. Start it with \`npm start\`, ${pointElsewhere}`, 'infrastructure');
}

export async function resolveConnection(options: GlobalOptions, io: CliIo): Promise<Connection> {
  const env = io.env;
  const dataDir = resolveDataDir(options.dataDir ?? env.OUTCOME_ENGINE_DATA_DIR);
  const explicit = {
    endpoint: options.endpoint ?? env.OUTCOME_ENGINE_DYNAMODB_ENDPOINT ?? env.AWS_ENDPOINT_URL_DYNAMODB,
    ledgerTableName: options.ledgerTable ?? env.LEDGER_TABLE_NAME,
    engineTableName: options.engineTable ?? env.ENGINE_TABLE_NAME,
    region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    eventBusName: env.EVENT_BUS_NAME,
  };

  const needsEngine = readsLocalEngineState(options, env);
  const state = needsEngine ? await readRunningEngineForCli(dataDir) : undefined;
  if (!state && explicit.endpoint === undefined && (explicit.ledgerTableName === undefined || explicit.engineTableName === undefined)) {
    throw new CliError(
      `No local engine is running (no ${engineStatePath(dataDir)}). Start it with \`npm start\`, or give --endpoint, ` +
        '--ledger-table and --engine-table (env: OUTCOME_ENGINE_DYNAMODB_ENDPOINT, LEDGER_TABLE_NAME, ENGINE_TABLE_NAME); ' +
        'without --endpoint the tables are read in AWS.',
      'infrastructure',
    );
  }

  const dynamoDbEndpoint = explicit.endpoint ?? state?.dynamoDbEndpoint;
  return {
    ...(dynamoDbEndpoint !== undefined ? { dynamoDbEndpoint } : {}),
    region: explicit.region ?? state?.region ?? LOCAL_DEFAULTS.region,
    ledgerTableName: explicit.ledgerTableName ?? state?.ledgerTableName ?? LOCAL_DEFAULTS.ledgerTableName,
    engineTableName: explicit.engineTableName ?? state?.engineTableName ?? LOCAL_DEFAULTS.engineTableName,
    eventBusName: explicit.eventBusName ?? state?.eventBusName ?? LOCAL_DEFAULTS.eventBusName,
    dataDir,
  };
}

export interface OpenLedger {
  service: LedgerService;
  close: () => void;
}

/**
 * A ledger service for reading (and loading the catalog); close() releases its
 * sockets. `now` is the clock of the ledger's defaults (an outcome's implicit
 * as-of, the rejected listing's window): the running engine's clock when the
 * CLI follows it.
 */
export function openLedger(connection: Connection, now?: () => Date, options: { readonly localBusUrl?: string } = {}): OpenLedger {
  // DynamoDB Local keeps one database per access key id, so local reads use the engine's key.
  const local = connection.dynamoDbEndpoint !== undefined ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {};
  const dynamoDb = new DynamoDBClient({ region: connection.region, ...local });
  // Most commands publish nothing. Those that do (disputes) pass the local
  // engine's PutEvents endpoint, so their events reach its subscribers; in AWS the engine's bus.
  const eventBridge = new EventBridgeClient({
    region: connection.region,
    ...(options.localBusUrl !== undefined
      ? { endpoint: options.localBusUrl, credentials: LOCAL_ENGINE_CREDENTIALS }
      : connection.dynamoDbEndpoint
        ? { credentials: LOCAL_CREDENTIALS }
        : {}),
  });
  const service = createLedgerService({
    dynamoDb,
    eventBridge,
    eventBusName: connection.eventBusName,
    ledgerTableName: connection.ledgerTableName,
    engineTableName: connection.engineTableName,
    ...(now ? { now } : {}),
  });
  return {
    service,
    close: () => {
      dynamoDb.destroy();
      eventBridge.destroy();
    },
  };
}
