// Names and credentials the local engine, the CLI and the benchmarks share.
//
// The credentials matter beyond signing: DynamoDB Local (started without
// -sharedDb) keeps one database per access key id and region, so every local
// client must use these exact values to see the engine's tables.

/** EventBridge's account id for local resources, as in AWS's own emulators. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const DEFAULT_LOCAL_PORT = 4010;
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * What the engine's own EventBridge clients (the local engine, and the CLI
 * when it announces contract changes, billing or renewal-risk events) sign
 * with. The local bus lets only this access key id put events with the
 * engine's source, as the stack's bus policy lets only the engine's roles
 * (and the stage's engineEventPublisherArns) do in AWS. DynamoDB clients keep
 * LOCAL_CREDENTIALS: DynamoDB Local keys its databases by access key id.
 */
export const LOCAL_ENGINE_CREDENTIALS = { accessKeyId: 'local-engine', secretAccessKey: 'local' } as const;

export const LOCAL_DEFAULTS = {
  region: 'us-east-1',
  eventBusName: 'outcome-engine',
  ledgerTableName: 'outcome-engine-ledger',
  engineTableName: 'outcome-engine',
} as const;
