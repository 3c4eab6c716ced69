// Wires the daily usage-drop evaluation (evaluateUsageDrops): contracts from
// the engine table, usage through the rollups, the spend alerts' fired
// markers, the engine's bus. The scheduled Lambda and the local engine's
// clock build it here.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbFiredAlertStore } from '../adapters/dynamodb/fired-alert-store';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import type { EvaluateUsageDropsDeps } from '../application/plans/evaluate-usage-drops';
import type { UsageWindowReader } from '../application/usage/ports';

export interface UsageDropAlertsConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  /** Usage through the rollups (createUsageRollupService's reader). */
  readonly usage: UsageWindowReader;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly now: () => Date;
}

export function createUsageDropAlerts(config: UsageDropAlertsConfig): EvaluateUsageDropsDeps {
  return {
    contracts: new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    usage: config.usage,
    fired: new DynamoDbFiredAlertStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    now: config.now,
  };
}
