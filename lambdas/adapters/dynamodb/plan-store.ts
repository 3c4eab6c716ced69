import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
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
import { DynamoTable, type StoredItem } from './dynamo-table';
import { StoredDocumentDataError, documentCodec } from './stored-document';
import { ENGINE_TABLE } from './table-design';
import { canonicalJson } from '../../domain/json/canonical-json';

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
// lambdas/adapters/dynamodb/invoice-keys.ts (sort keys INVOICE_RECORD#, INVOICE_STATUS#, INVOICE_CORRECTION#).

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


export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

const PlanHeaderSchema = z.object({
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  description: z.string().optional(),
});
type PlanHeader = z.infer<typeof PlanHeaderSchema>;

export const planHeaderCodec = documentCodec({ kind: 'plan header', schema: PlanHeaderSchema });
export const planVersionCodec = documentCodec({ kind: 'plan version', schema: PlanVersionSchema });
export const contractCodec = documentCodec({ kind: 'contract', schema: ContractSchema });

const text = (item: StoredItem, name: string): string | undefined => (typeof item[name] === 'string' ? (item[name] as string) : undefined);

export interface DynamoDbPlanStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export class DynamoDbPlanStore implements PlanStore {
  private readonly table: DynamoTable;

  constructor(options: DynamoDbPlanStoreOptions) {
    this.table = new DynamoTable(options);
  }

  async getPlan(planCode: string): Promise<Plan | undefined> {
    const items = await this.table.query({ partition: planPk(planCode) }, 'plans');
    const header = items.find((item) => item[SK] === PLAN_HEADER_SK);
    const versions = items
      .filter((item) => text(item, SK)?.startsWith(VERSION_PREFIX))
      .map((item) => planVersionCodec.decode(item, `plan "${planCode}" ${text(item, SK)}`));
    if (!header || versions.length === 0) return undefined;
    const plan = PlanSchema.safeParse({ ...planHeaderCodec.decode(header, `plan "${planCode}"`), kind: 'plan', versions });
    if (!plan.success) {
      const issues = describeSchemaIssues(plan.error.issues).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
      throw new StoredDocumentDataError(`stored plan "${planCode}" is invalid: ${issues.join('; ')}`);
    }
    return plan.data;
  }

  async listPlanCodes(): Promise<string[]> {
    const items = await this.table.query({ partition: PLAN_TYPE, index: BY_TYPE.indexName }, 'plans byType');
    return items.map((item) => text(item, BY_TYPE_SK) ?? '').filter((code) => code !== '').sort();
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
    const header: PlanHeader = { code: plan.code, name: plan.name, currency: plan.currency, ...(plan.description ? { description: plan.description } : {}) };
    await this.table.put(
      {
        [PK]: planPk(plan.code),
        [SK]: PLAN_HEADER_SK,
        [BY_TYPE_PK]: PLAN_TYPE,
        [BY_TYPE_SK]: plan.code,
        type: 'Plan',
        currency: plan.currency,
        ...planHeaderCodec.encode(header),
      },
      'plan',
    );
    return { planCode: plan.code, versions };
  }

  private async putVersion(planCode: string, version: PlanVersion): Promise<'created' | 'unchanged'> {
    const hash = contentHash(version);
    const put = await this.table.putIfAbsent(
      {
        [PK]: planPk(planCode),
        [SK]: versionSk(version.version),
        type: 'PlanVersion',
        version: version.version,
        effectiveFrom: version.effectiveFrom,
        contentHash: hash,
        ...planVersionCodec.encode(version),
      },
      'plan version',
    );
    if (put.ok) return 'created';
    // Compare parsed content, not stored hashes only: the hash of the same
    // version must not depend on how an older release serialised it.
    if (put.existing && text(put.existing, 'contentHash') === hash) return 'unchanged';
    if (put.existing && contentHash(planVersionCodec.decode(put.existing, `plan "${planCode}" version ${version.version}`)) === hash) {
      return 'unchanged';
    }
    throw new PlanVersionConflictError(planCode, version.version);
  }

  async getContract(contractId: string): Promise<Contract | undefined> {
    return (await this.getStoredContract(contractId))?.contract;
  }

  async getStoredContract(contractId: string): Promise<StoredContract | undefined> {
    const item = await this.table.get({ pk: contractPk(contractId), sk: CONTRACT_SK }, 'contract');
    return item ? this.toStoredContract(item) : undefined;
  }

  /**
   * The revision in force at `asOf`: the last one stored at or before it.
   * Before the first revision, the first one (the contract as first known),
   * so a contract loaded after the moment asked about still answers.
   */
  async getContractAsOf(contractId: string, asOf: Date): Promise<Contract | undefined> {
    const revisions = (await this.table.query({ partition: contractPk(contractId), sortKeyPrefix: 'REVISION#' }, 'contract revisions')).map((item) => this.toStoredContract(item));
    if (revisions.length === 0) return undefined;
    // Sort keys are zero-padded revision numbers, so the query returns them in order.
    const cutoff = asOf.getTime();
    const inForce = revisions.filter((stored) => Date.parse(stored.updatedAt) <= cutoff).at(-1) ?? revisions[0];
    return inForce?.contract;
  }

  private toStoredContract(item: StoredItem): StoredContract {
    return {
      contract: contractCodec.decode(item, `contract item ${text(item, PK)}`),
      revision: typeof item['revision'] === 'number' ? item['revision'] : 0,
      updatedAt: text(item, 'updatedAt') ?? '',
    };
  }

  async listContracts(): Promise<StoredContract[]> {
    const items = await this.table.query({ partition: CONTRACT_TYPE, index: BY_TYPE.indexName }, 'contracts byType');
    return items.map((item) => this.toStoredContract(item)).sort((a, b) => (a.contract.contractId < b.contract.contractId ? -1 : 1));
  }

  async putContract(contract: Contract, now: Date): Promise<PutContractResult> {
    const current = await this.getStoredContract(contract.contractId);
    const hash = contentHash(contract);
    if (current && contentHash(current.contract) === hash) {
      return { contractId: contract.contractId, status: 'unchanged', revision: current.revision };
    }
    const revision = (current?.revision ?? 0) + 1;
    const attributes = {
      type: 'Contract',
      customerId: contract.customerId,
      planCode: contract.plan.code,
      revision,
      contentHash: hash,
      updatedAt: now.toISOString(),
      ...contractCodec.encode(contract),
    };
    // Current item and revision history in one transaction: the history never
    // misses a revision that was ever current.
    const written = await this.table.putAll(
      [
        {
          item: { [PK]: contractPk(contract.contractId), [SK]: CONTRACT_SK, [BY_TYPE_PK]: CONTRACT_TYPE, [BY_TYPE_SK]: contract.contractId, ...attributes },
          condition: current ? DynamoTable.versionIs('revision', current.revision) : this.table.absent,
        },
        {
          item: { [PK]: contractPk(contract.contractId), [SK]: revisionSk(revision), ...attributes, type: 'ContractRevision' },
          condition: this.table.absent,
        },
      ],
      'contract',
    );
    if (!written.ok) throw new ContractRevisionConflictError(contract.contractId);
    return { contractId: contract.contractId, status: current ? 'updated' : 'created', revision };
  }
}
