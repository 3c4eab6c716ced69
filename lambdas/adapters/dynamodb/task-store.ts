import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LedgerDataError } from '../../application/errors';
import { TaskVersionConflictError } from '../../application/risk/risk-errors';
import type {
  RenewalResultRecord,
  RenewalTask,
  RenewalTaskStore,
  StoredAssessment,
  TaskListFilter,
} from '../../application/risk/ports';
import { isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE } from './table-design';

// Renewal-risk items in the engine table (ENGINE_TABLE), one partition per contract:
//
//   RENEWAL#<contract> / TERM#<term>#TASK#<NNNNN>        one task per (contract, term, checkpoint)   gsi1 RENEWAL_TASK / <due>#<id>
//   RENEWAL#<contract> / TERM#<term>#ASSESSMENT#<NNNNN>  the checkpoint's latest assessment (tier, score)
//   RENEWAL#<contract> / TERM#<term>#RESULT              the recorded renewal result                  gsi1 RENEWAL_RESULT / <contract>#<term>
//
// The checkpoint is stored as 99999 - days, so sort order is the order the
// checkpoints fire in (120 before 90 before 60). A task is created with
// attribute_not_exists, so repeated and concurrent runs of a checkpoint store
// one task; every later change is conditional on the version it read.

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const [BY_TYPE] = ENGINE_TABLE.indexes;

const TASK_TYPE = 'RENEWAL_TASK';
const RESULT_TYPE = 'RENEWAL_RESULT';

const partition = (contractId: string) => `RENEWAL#${contractId}`;
const checkpointOrder = (days: number) => String(99_999 - days).padStart(5, '0');
const taskSk = (termId: string, days: number) => `TERM#${termId}#TASK#${checkpointOrder(days)}`;
const assessmentSk = (termId: string, days: number) => `TERM#${termId}#ASSESSMENT#${checkpointOrder(days)}`;
const resultSk = (termId: string) => `TERM#${termId}#RESULT`;

type Item = Record<string, AttributeValue>;

/** Splits a task id `<contract>#<term>#<N>d` from the right, so contract ids may contain '#'. */
export function parseTaskId(id: string): { contractId: string; termId: string; checkpointDays: number } | undefined {
  const match = /^(.+)#([^#]+)#(\d+)d$/.exec(id);
  if (!match) return undefined;
  return { contractId: match[1] as string, termId: match[2] as string, checkpointDays: Number(match[3]) };
}

function parseBody<T>(item: Item, what: string): T {
  const body = item['body']?.S;
  if (body === undefined) throw new LedgerDataError(`stored ${what} has no body`);
  try {
    return JSON.parse(body) as T;
  } catch (error) {
    throw new LedgerDataError(`stored ${what} is not JSON`, { cause: error });
  }
}

export interface DynamoDbRenewalTaskStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export class DynamoDbRenewalTaskStore implements RenewalTaskStore {
  constructor(private readonly options: DynamoDbRenewalTaskStoreOptions) {}

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toInfrastructureError(error, operation);
    }
  }

  private taskItem(task: RenewalTask): Item {
    return marshall(
      {
        [PK]: partition(task.contractId),
        [SK]: taskSk(task.termId, task.checkpointDays),
        [BY_TYPE.partitionKey]: TASK_TYPE,
        [BY_TYPE.sortKey]: `${task.dueDate}#${task.id}`,
        type: TASK_TYPE,
        version: task.version,
        status: task.status,
        owner: task.owner,
        body: JSON.stringify(task),
      },
      { removeUndefinedValues: true },
    );
  }

  async createTask(task: RenewalTask): Promise<{ created: boolean; task: RenewalTask }> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: this.taskItem(task),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, task };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toInfrastructureError(error, 'DynamoDB PutItem (renewal task)');
      const old = (error as { Item?: Item }).Item;
      const stored = old ? parseBody<RenewalTask>(old, `renewal task ${task.id}`) : await this.getTask(task.id);
      if (!stored) throw new LedgerDataError(`renewal task ${task.id} exists but could not be read`, { cause: error });
      return { created: false, task: stored };
    }
  }

  async getTask(id: string): Promise<RenewalTask | undefined> {
    const key = parseTaskId(id);
    if (!key) return undefined;
    const output = await this.send('DynamoDB GetItem (renewal task)', () =>
      this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ [PK]: partition(key.contractId), [SK]: taskSk(key.termId, key.checkpointDays) }),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? parseBody<RenewalTask>(output.Item, `renewal task ${id}`) : undefined;
  }

  async listTermTasks(contractId: string, termId: string): Promise<RenewalTask[]> {
    const items = await this.queryPartition(partition(contractId), `TERM#${termId}#TASK#`);
    return items.map((item) => parseBody<RenewalTask>(item, 'renewal task'));
  }

  async listTasks(filter: TaskListFilter): Promise<RenewalTask[]> {
    const items =
      filter.contractId !== undefined
        ? await this.queryPartition(partition(filter.contractId), 'TERM#')
        : await this.queryIndex(TASK_TYPE, filter.dueBefore);
    return items
      .filter((item) => item['type']?.S === TASK_TYPE)
      .map((item) => parseBody<RenewalTask>(item, 'renewal task'))
      .filter((task) => filter.owner === undefined || task.owner === filter.owner)
      .filter((task) => filter.dueBefore === undefined || task.dueDate < filter.dueBefore)
      .filter((task) => filter.statuses === undefined || filter.statuses.includes(task.status))
      .sort((a, b) => (a.dueDate === b.dueDate ? a.id.localeCompare(b.id) : a.dueDate < b.dueDate ? -1 : 1));
  }

  async updateTask(task: RenewalTask): Promise<RenewalTask> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: this.taskItem(task),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(task.version - 1) } },
        }),
      );
      return task;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new TaskVersionConflictError(task.id, task.version - 1, { cause: error });
      throw toInfrastructureError(error, 'DynamoDB PutItem (renewal task update)');
    }
  }

  async putAssessment(assessment: StoredAssessment): Promise<void> {
    await this.send('DynamoDB PutItem (risk assessment)', () =>
      this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: marshall({
            [PK]: partition(assessment.contractId),
            [SK]: assessmentSk(assessment.termId, assessment.checkpointDays),
            type: 'RISK_ASSESSMENT',
            body: JSON.stringify(assessment),
          }),
        }),
      ),
    );
  }

  async listAssessments(contractId: string, termId?: string): Promise<StoredAssessment[]> {
    const items = await this.queryPartition(partition(contractId), termId === undefined ? 'TERM#' : `TERM#${termId}#ASSESSMENT#`);
    return items
      .filter((item) => item['type']?.S === 'RISK_ASSESSMENT')
      .map((item) => parseBody<StoredAssessment>(item, 'risk assessment'));
  }

  async putRenewalResult(record: RenewalResultRecord): Promise<void> {
    await this.send('DynamoDB PutItem (renewal result)', () =>
      this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: marshall({
            [PK]: partition(record.contractId),
            [SK]: resultSk(record.termId),
            [BY_TYPE.partitionKey]: RESULT_TYPE,
            [BY_TYPE.sortKey]: `${record.contractId}#${record.termId}`,
            type: RESULT_TYPE,
            body: JSON.stringify(record),
          }),
        }),
      ),
    );
  }

  async getRenewalResult(contractId: string, termId: string): Promise<RenewalResultRecord | undefined> {
    const output = await this.send('DynamoDB GetItem (renewal result)', () =>
      this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ [PK]: partition(contractId), [SK]: resultSk(termId) }),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? parseBody<RenewalResultRecord>(output.Item, `renewal result of ${contractId} term ${termId}`) : undefined;
  }

  async listRenewalResults(): Promise<RenewalResultRecord[]> {
    const items = await this.queryIndex(RESULT_TYPE);
    return items.map((item) => parseBody<RenewalResultRecord>(item, 'renewal result'));
  }

  private async queryPartition(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const output = await this.send('DynamoDB Query (renewal risk)', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: skPrefix } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** The byType index; with `sortBefore`, only keys sorting before it (due dates before a day). */
  private async queryIndex(type: string, sortBefore?: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const output = await this.send('DynamoDB Query (renewal risk byType)', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: BY_TYPE.indexName,
            KeyConditionExpression: sortBefore === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
            ExpressionAttributeNames: { '#pk': BY_TYPE.partitionKey, ...(sortBefore === undefined ? {} : { '#sk': BY_TYPE.sortKey }) },
            ExpressionAttributeValues: { ':pk': { S: type }, ...(sortBefore === undefined ? {} : { ':before': { S: sortBefore } }) },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }
}
