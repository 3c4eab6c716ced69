import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import type { ContractChangeOutbox, PendingContractChange } from '../../application/plans/ports';
import { ContractChangeSchema } from '../../domain/plans/contract-change';
import { isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE } from './table-design';

// One item per contract with a change not yet announced, in the engine
// table under its own partition (never read by the contract queries).

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const outboxPk = (contractId: string) => `CONTRACT_CHANGE#${contractId}`;
const PENDING_SK = 'PENDING';

export class DynamoDbContractChangeOutbox implements ContractChangeOutbox {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {}

  private key(contractId: string): Record<string, AttributeValue> {
    return { [PK]: { S: outboxPk(contractId) }, [SK]: { S: PENDING_SK } };
  }

  async put(pending: PendingContractChange): Promise<void> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(pending.contractId),
            type: { S: 'ContractChangePending' },
            revision: { N: String(pending.revision) },
            body: { S: JSON.stringify(pending.change) },
          },
        }),
      );
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB PutItem (contract change outbox)');
    }
  }

  async get(contractId: string): Promise<PendingContractChange | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      item = (await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: this.key(contractId), ConsistentRead: true }))).Item;
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB GetItem (contract change outbox)');
    }
    if (!item) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(item['body']?.S ?? '');
    } catch (error) {
      throw new LedgerDataError(`stored contract change of ${contractId} is not JSON`, { cause: error });
    }
    const change = ContractChangeSchema.safeParse(body);
    if (!change.success) throw new LedgerDataError(`stored contract change of ${contractId} is invalid: ${change.error.message}`);
    return { contractId, revision: Number(item['revision']?.N ?? '0'), change: change.data };
  }

  async remove(contractId: string, revision: number): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: this.key(contractId),
          // A newer load may have recorded its own change meanwhile: leave that one.
          ConditionExpression: '#revision = :revision',
          ExpressionAttributeNames: { '#revision': 'revision' },
          ExpressionAttributeValues: { ':revision': { N: String(revision) } },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return;
      throw toInfrastructureError(error, 'DynamoDB DeleteItem (contract change outbox)');
    }
  }
}
