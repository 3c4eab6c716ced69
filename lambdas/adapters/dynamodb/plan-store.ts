import { createHash } from 'node:crypto';
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import type { PlanStore, PutContractResult, PutPlanResult, StoredContract } from '../../application/plans/ports';
import {
  ContractRevisionConflictError,
  PlanCurrencyConflictError,
  PlanVersionConflictError,
  PlanVersionsInconsistentError,
} from '../../application/plans/plan-store-errors';
import { ContractSchema, type Contract } from '../../domain/plans/contract-schema';
import { describeSchemaIssues, formatIssuePath } from '../../domain/plans/describe-schema-issues';
import { PlanSchema, PlanVersionSchema, type Plan, type PlanVersion } from '../../domain/plans/plan-schema';
import { errorName, isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE } from './table-design';

// Plans and contracts in the engine table (ENGINE_TABLE):
//
//   PLAN#<code>      / PLAN                  plan header: name, currency, description   gsi1 PLAN / <code>
//   PLAN#<code>      / VERSION#<0000000001>  one immutable plan version (JSON body + content hash), put once
//   CONTRACT#<id>    / CONTRACT              the contract's current revision             gsi1 CONTRACT / <id>
//   CONTRACT#<id>    / REVISION#<0000000001> every revision ever stored, put once (what an old invoice was rated on)
//
// A version is claimed by a conditional put; when the key is taken the failed
// write returns the stored item and its content hash decides "same content,
// nothing to do" from "different content, refused", without a second read.
// Contracts share their partition with the invoice records of
// lambdas/adapters/dynamodb/invoice-store.ts (sort keys INVOICE#...).

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const [BY_TYPE] = ENGINE_TABLE.indexes;
const BY_TYPE_PK = BY_TYPE.partitionKey;
const BY_TYPE_SK = BY_TYPE.sortKey;

const planPk = (code: string) => `PLAN#${code}`;
const PLAN_HEADER_SK = 'PLAN';
const VERSION_PREFIX = 'VERSION#';
const versionSk = (version: number) => `${VERSION_PREFIX}${String(version).padStart(10, '0')}`;
const contractPk = (contractId: string) => `CONTRACT#${contractId}`;
const CONTRACT_SK = 'CONTRACT';
const revisionSk = (revision: number) => `REVISION#${String(revision).padStart(10, '0')}`;
const PLAN_TYPE = 'PLAN';
const CONTRACT_TYPE = 'CONTRACT';

type Item = Record<string, AttributeValue>;

/** JSON with object keys sorted at every level, so equal content always hashes alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function str(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

function num(item: Item, name: string): number | undefined {
  const text = item[name]?.N;
  return text === undefined ? undefined : Number(text);
}

function parseStored<T>(parse: (data: unknown) => { success: true; data: T } | { success: false; error: { issues: unknown[] } }, body: string, where: string): T {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new LedgerDataError(`stored ${where} is not JSON`, { cause: error });
  }
  const result = parse(data);
  if (!result.success) {
    const issues = describeSchemaIssues(result.error.issues as Parameters<typeof describeSchemaIssues>[0]);
    throw new LedgerDataError(`stored ${where} is invalid: ${issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

export interface DynamoDbPlanStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export class DynamoDbPlanStore implements PlanStore {
  constructor(private readonly options: DynamoDbPlanStoreOptions) {}

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toInfrastructureError(error, operation);
    }
  }

  private async queryPartition(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const output = await this.send('DynamoDB Query (plans)', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            ...(skPrefix === ''
              ? {
                  KeyConditionExpression: '#pk = :pk',
                  ExpressionAttributeNames: { '#pk': PK },
                  ExpressionAttributeValues: { ':pk': { S: pk } },
                }
              : {
                  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
                  ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
                  ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: skPrefix } },
                }),
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

  private async queryByType(type: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const output = await this.send('DynamoDB Query (byType)', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: BY_TYPE.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': BY_TYPE_PK },
            ExpressionAttributeValues: { ':pk': { S: type } },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async getPlan(planCode: string): Promise<Plan | undefined> {
    const items = await this.queryPartition(planPk(planCode), '');
    const header = items.find((item) => str(item, SK) === PLAN_HEADER_SK);
    const versions = items
      .filter((item) => str(item, SK)?.startsWith(VERSION_PREFIX))
      .map((item) => parseStored((data) => PlanVersionSchema.safeParse(data), str(item, 'body') ?? '', `plan "${planCode}" ${str(item, SK)}`));
    if (!header || versions.length === 0) return undefined;
    return parseStored(
      (data) => PlanSchema.safeParse(data),
      JSON.stringify({ ...JSON.parse(str(header, 'body') ?? '{}'), kind: 'plan', versions }),
      `plan "${planCode}"`,
    );
  }

  async listPlanCodes(): Promise<string[]> {
    const items = await this.queryByType(PLAN_TYPE);
    return items.map((item) => str(item, BY_TYPE_SK) ?? '').filter((code) => code !== '').sort();
  }

  async putPlan(plan: Plan): Promise<PutPlanResult> {
    const stored = await this.getPlan(plan.code);
    if (stored && stored.currency !== plan.currency) throw new PlanCurrencyConflictError(plan.code, stored.currency, plan.currency);
    // The versions must still form a valid plan together (increasing numbers and dates).
    const merged = new Map<number, PlanVersion>();
    for (const version of stored?.versions ?? []) merged.set(version.version, version);
    for (const version of plan.versions) if (!merged.has(version.version)) merged.set(version.version, version);
    const union = [...merged.values()].sort((a, b) => a.version - b.version);
    const check = PlanSchema.safeParse({ ...plan, versions: union });
    if (!check.success) {
      const problems = describeSchemaIssues(check.error.issues).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
      throw new PlanVersionsInconsistentError(plan.code, problems);
    }

    const versions: Array<{ version: number; status: 'created' | 'unchanged' }> = [];
    for (const version of plan.versions) {
      versions.push({ version: version.version, status: await this.putVersion(plan.code, version) });
    }
    // The header (name, description) follows the latest load; the currency never changes (checked above).
    const header = { code: plan.code, name: plan.name, currency: plan.currency, ...(plan.description ? { description: plan.description } : {}) };
    await this.send('DynamoDB PutItem (plan)', () =>
      this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            [PK]: { S: planPk(plan.code) },
            [SK]: { S: PLAN_HEADER_SK },
            [BY_TYPE_PK]: { S: PLAN_TYPE },
            [BY_TYPE_SK]: { S: plan.code },
            type: { S: 'Plan' },
            currency: { S: plan.currency },
            body: { S: JSON.stringify(header) },
          },
        }),
      ),
    );
    return { planCode: plan.code, versions };
  }

  private async putVersion(planCode: string, version: PlanVersion): Promise<'created' | 'unchanged'> {
    const hash = contentHash(version);
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            [PK]: { S: planPk(planCode) },
            [SK]: { S: versionSk(version.version) },
            type: { S: 'PlanVersion' },
            version: { N: String(version.version) },
            effectiveFrom: { S: version.effectiveFrom },
            contentHash: { S: hash },
            body: { S: JSON.stringify(version) },
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'created';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toInfrastructureError(error, 'DynamoDB PutItem (plan version)');
      const existing = (error as { Item?: Item }).Item;
      // Compare parsed content, not stored hashes only: the hash of the same
      // version must not depend on how an older release serialised it.
      const storedHash = existing ? str(existing, 'contentHash') : undefined;
      const storedBody = existing ? str(existing, 'body') : undefined;
      if (storedHash === hash) return 'unchanged';
      if (storedBody !== undefined) {
        const storedVersion = parseStored((data) => PlanVersionSchema.safeParse(data), storedBody, `plan "${planCode}" version ${version.version}`);
        if (contentHash(storedVersion) === hash) return 'unchanged';
      }
      throw new PlanVersionConflictError(planCode, version.version, { cause: error });
    }
  }

  async getContract(contractId: string): Promise<Contract | undefined> {
    return (await this.getStoredContract(contractId))?.contract;
  }

  async getStoredContract(contractId: string): Promise<StoredContract | undefined> {
    const output = await this.send('DynamoDB GetItem (contract)', () =>
      this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { [PK]: { S: contractPk(contractId) }, [SK]: { S: CONTRACT_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? this.toStoredContract(output.Item) : undefined;
  }

  /**
   * The revision in force at `asOf`: the last one stored at or before it.
   * Before the first revision, the first one (the contract as first known),
   * so a contract loaded after the moment asked about still answers.
   */
  async getContractAsOf(contractId: string, asOf: Date): Promise<Contract | undefined> {
    const revisions = (await this.queryPartition(contractPk(contractId), 'REVISION#')).map((item) => this.toStoredContract(item));
    if (revisions.length === 0) return undefined;
    // Sort keys are zero-padded revision numbers, so the query returns them in order.
    const cutoff = asOf.getTime();
    const inForce = revisions.filter((stored) => Date.parse(stored.updatedAt) <= cutoff).at(-1) ?? revisions[0];
    return inForce?.contract;
  }

  private toStoredContract(item: Item): StoredContract {
    const where = `contract item ${str(item, PK)}`;
    return {
      contract: parseStored((data) => ContractSchema.safeParse(data), str(item, 'body') ?? '', where),
      revision: num(item, 'revision') ?? 0,
      updatedAt: str(item, 'updatedAt') ?? '',
    };
  }

  async listContracts(): Promise<StoredContract[]> {
    const items = await this.queryByType(CONTRACT_TYPE);
    return items.map((item) => this.toStoredContract(item)).sort((a, b) => (a.contract.contractId < b.contract.contractId ? -1 : 1));
  }

  async putContract(contract: Contract, now: Date): Promise<PutContractResult> {
    const current = await this.getStoredContract(contract.contractId);
    const hash = contentHash(contract);
    if (current && contentHash(current.contract) === hash) {
      return { contractId: contract.contractId, status: 'unchanged', revision: current.revision };
    }
    const revision = (current?.revision ?? 0) + 1;
    const body = JSON.stringify(contract);
    const updatedAt = now.toISOString();
    const attributes = {
      type: { S: 'Contract' },
      customerId: { S: contract.customerId },
      planCode: { S: contract.plan.code },
      revision: { N: String(revision) },
      contentHash: { S: hash },
      updatedAt: { S: updatedAt },
      body: { S: body },
    };
    try {
      // Current item and revision history in one transaction: the history never
      // misses a revision that was ever current.
      await this.options.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: {
                  [PK]: { S: contractPk(contract.contractId) },
                  [SK]: { S: CONTRACT_SK },
                  [BY_TYPE_PK]: { S: CONTRACT_TYPE },
                  [BY_TYPE_SK]: { S: contract.contractId },
                  ...attributes,
                },
                ConditionExpression: current ? '#revision = :previous' : 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: current ? { '#revision': 'revision' } : { '#pk': PK },
                ...(current ? { ExpressionAttributeValues: { ':previous': { N: String(current.revision) } } } : {}),
              },
            },
            {
              Put: {
                TableName: this.options.tableName,
                Item: { [PK]: { S: contractPk(contract.contractId) }, [SK]: { S: revisionSk(revision) }, ...attributes, type: { S: 'ContractRevision' } },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
          ],
        }),
      );
    } catch (error) {
      const cancelled = errorName(error) === 'TransactionCanceledException';
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if (cancelled && reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        throw new ContractRevisionConflictError(contract.contractId, { cause: error });
      }
      throw toInfrastructureError(error, 'DynamoDB TransactWriteItems (contract)');
    }
    return { contractId: contract.contractId, status: current ? 'updated' : 'created', revision };
  }
}
