// Wires plan and contract loading to the engine table (plans, contracts and
// the contract-change outbox) and EventBridge ('Contract Changed'). The
// load-plans Lambda builds its dependencies through this function.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbContractChangeOutbox } from '../adapters/dynamodb/contract-change-outbox';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import type { ContractChangeOutbox, PlanStore } from '../application/plans/ports';
import type { EventPublisher } from '../application/ports';

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
}

export function createPlansService(config: PlansServiceConfig): PlansService {
  return {
    store: new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    outbox: new DynamoDbContractChangeOutbox({ client: config.dynamoDb, tableName: config.engineTableName }),
  };
}
