// In-memory stand-ins for the ledger and the contract catalogue, so the close
// can be tested end to end against the Stripe emulator and DynamoDB Local.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENGINE_TABLE } from '../../lambdas/adapters/dynamodb/table-design';
import type { ContractReader, UsageReader, UsageRequest } from '../../lambdas/application/billing/ports';
import type { EventPublisher, OutboundEvent } from '../../lambdas/application/ports';
import { ContractSchema, type Contract, type ContractInput } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema, type Plan } from '../../lambdas/domain/plans/plan-schema';
import type { PeriodUsage } from '../../lambdas/domain/rating/usage';

export interface FakeOutcome {
  readonly contractId: string;
  readonly ledgerMetric: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly reversedAt?: string;
}

/** Counts outcomes like the ledger would: occurredAt in the period, recorded (and reversed) as of the cutoff. */
export class FakeLedger implements UsageReader {
  readonly outcomes: FakeOutcome[] = [];
  add(outcome: FakeOutcome, times = 1): void {
    for (let index = 0; index < times; index += 1) this.outcomes.push({ ...outcome });
  }
  reverse(contractId: string, count: number, reversedAt: string): void {
    this.outcomes
      .filter((outcome) => outcome.contractId === contractId && !outcome.reversedAt)
      .slice(0, count)
      .forEach((outcome) => Object.assign(outcome, { reversedAt }));
  }
  async readPeriodUsage({ contract, planVersion, period, asOf }: UsageRequest): Promise<PeriodUsage> {
    const cutoff = Date.parse(asOf);
    const metrics = [...new Set(planVersion.metrics.map((metric) => metric.ledgerMetric))].map((ledgerMetric) => {
      const count = this.outcomes.filter(
        (outcome) =>
          outcome.contractId === contract.contractId &&
          outcome.ledgerMetric === ledgerMetric &&
          Date.parse(outcome.occurredAt) >= Date.parse(period.start) &&
          Date.parse(outcome.occurredAt) < Date.parse(period.end) &&
          Date.parse(outcome.recordedAt) <= cutoff &&
          !(outcome.reversedAt && Date.parse(outcome.reversedAt) <= cutoff),
      ).length;
      return { ledgerMetric, eligibility: 'billable' as const, count, sumQuantity: String(count) };
    });
    return { customerId: contract.customerId, from: period.start, to: period.end, asOf, metrics };
  }
}

export class FakeContracts implements ContractReader {
  private readonly contracts = new Map<string, Contract>();
  private readonly plans = new Map<string, Plan>();
  addPlan(plan: unknown): Plan {
    const parsed = PlanSchema.parse(plan);
    this.plans.set(parsed.code, parsed);
    return parsed;
  }
  addContract(contract: ContractInput): Contract {
    const parsed = ContractSchema.parse(contract);
    this.contracts.set(parsed.contractId, parsed);
    return parsed;
  }
  async getContract(contractId: string): Promise<Contract | undefined> {
    return this.contracts.get(contractId);
  }
  async getPlan(planCode: string): Promise<Plan | undefined> {
    return this.plans.get(planCode);
  }
}

export class RecordingPublisher implements EventPublisher {
  readonly published: OutboundEvent[] = [];
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    this.published.push(...events);
  }
  ofType(detailType: string): OutboundEvent[] {
    return this.published.filter((event) => event.detailType === detailType);
  }
}

export function perUnitPlan(code: string, currency: string, unitPrice: string, baseFee: string): unknown {
  return {
    kind: 'plan',
    code,
    name: code,
    currency,
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
        charges: [
          { id: 'platform', name: 'Platform fee', model: 'flat', amount: baseFee },
          { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice },
        ],
      },
    ],
  };
}

export function monthlyContract(contractId: string, planCode: string, currency: string, timeZone = 'UTC'): ContractInput {
  return {
    kind: 'contract',
    contractId,
    customerId: `customer-${contractId}`,
    plan: { code: planCode, version: 1 },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone,
    currency: currency as ContractInput['currency'],
  };
}

export async function createEngineTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const [byType] = ENGINE_TABLE.indexes;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ENGINE_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: ENGINE_TABLE.sortKey, AttributeType: 'S' },
        { AttributeName: byType.partitionKey, AttributeType: 'S' },
        { AttributeName: byType.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ENGINE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: ENGINE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: byType.indexName,
          KeySchema: [
            { AttributeName: byType.partitionKey, KeyType: 'HASH' },
            { AttributeName: byType.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}
