// Wires plan and contract loading to the engine table (plans, contracts and
// the contract-change outbox) and EventBridge ('Contract Changed'). The
// load-plans Lambda builds its dependencies through this function.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbContractChangeOutbox } from '../adapters/dynamodb/contract-change-outbox';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import type { ContractChangeOutbox, DefinitionVersionCatalog, PlanStore } from '../application/plans/ports';
import type { CatalogRepository, EventPublisher } from '../application/ports';
import { definitionVersionsOf } from '../domain/ledger/outcome-definitions';

export interface PlansServiceConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
}

export interface PlansService {
  readonly store: PlanStore;
  /** The engine's bus, for 'Contract Changed'. */
  readonly events: EventPublisher;
  /** Announcements owed, kept until published, so a failed publish is repaired by the next load. */
  readonly outbox: ContractChangeOutbox;
  /** The metric catalog's definition versions, which contracts may pin. */
  readonly definitions: DefinitionVersionCatalog;
}

/** Definition versions as the catalog holds them, read once per instance (a load is short). */
export function catalogDefinitionVersions(catalog: Pick<CatalogRepository, 'readCatalog'>): DefinitionVersionCatalog {
  let metrics: Promise<Map<string, readonly number[]>> | undefined;
  return {
    versionsOf: async (metric) => {
      metrics ??= catalog
        .readCatalog()
        .then((read) => new Map(read.metrics.map((definition) => [definition.code, definitionVersionsOf(definition).map((version) => version.version)])));
      return (await metrics).get(metric);
    },
  };
}

export function createPlansService(config: PlansServiceConfig): PlansService {
  return {
    store: new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    outbox: new DynamoDbContractChangeOutbox({ client: config.dynamoDb, tableName: config.engineTableName }),
    definitions: catalogDefinitionVersions(new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName })),
  };
}
