import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { LedgerDataError } from '../../application/errors';
import { TaskVersionConflictError } from '../../application/risk/risk-errors';
import type {
  PendingTaskEvent,
  RenewalResultRecord,
  RenewalTask,
  RenewalTaskStore,
  StoredAssessment,
  TaskEscalation,
  TaskListFilter,
  TaskResolution,
} from '../../application/risk/ports';
import { CurrencyCodeSchema } from '../../domain/money/currency-schema';
import { RenewalResultSchema } from '../../domain/risk/backtest-risk-tiers';
import type { RecommendedPlay } from '../../domain/risk/recommended-plays';
import { SIGNAL_CODES, type SignalCode } from '../../domain/risk/risk-config';
import { RiskTierSchema } from '../../domain/risk/risk-tiers';
import type { RiskReason } from '../../domain/risk/signal-result';
import type { TaskHistoryEntry } from '../../domain/risk/task-history';
import type { ScoreTableRow, TaskPriority } from '../../domain/risk/task-rules';
import type { ValueSummary } from '../../domain/risk/value-summary';
import { DynamoTable, type StoredItem } from './dynamo-table';
import { documentCodec } from './stored-document';
import { ENGINE_TABLE, RENEWAL_PARTITION_PREFIX } from './table-design';

// Renewal-risk items in the engine table (ENGINE_TABLE), one partition per
// contract; each sort key starts with its item kind, so one kind is read with
// a begins_with key condition:
//
//   RENEWAL#<contract> / TASK#<term>#<NNNNN>        one task per (contract, term, checkpoint)   gsi1 RENEWAL_TASK / <due>#<id>
//   RENEWAL#<contract> / ASSESSMENT#<term>#<NNNNN>  the checkpoint's latest assessment (tier, score)
//   RENEWAL#<contract> / RESULT#<term>              the recorded renewal result                  gsi1 RENEWAL_RESULT / <contract>#<term>
//
// The checkpoint is stored as 99999 - days, so sort order is the order the
// checkpoints fire in (120 before 90 before 60). A task is created with
// attribute_not_exists, so repeated and concurrent runs of a checkpoint store
// one task; every later change is conditional on the version it read.
// Releases before this layout wrote TERM#<term>#TASK|ASSESSMENT#<NNNNN> and
// TERM#<term>#RESULT; engine-sort-key-migration.ts moves such items once.

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const [BY_TYPE] = ENGINE_TABLE.indexes;

const TASK_TYPE = 'RENEWAL_TASK';
const RESULT_TYPE = 'RENEWAL_RESULT';

const partition = (contractId: string) => `${RENEWAL_PARTITION_PREFIX}${contractId}`;
const checkpointOrder = (days: number) => String(99_999 - days).padStart(5, '0');
export const TASK_PREFIX = 'TASK#';
export const ASSESSMENT_PREFIX = 'ASSESSMENT#';
export const RESULT_PREFIX = 'RESULT#';
const taskPrefix = (termId: string) => `${TASK_PREFIX}${termId}#`;
const assessmentPrefix = (termId: string) => `${ASSESSMENT_PREFIX}${termId}#`;
const taskSk = (termId: string, days: number) => `${taskPrefix(termId)}${checkpointOrder(days)}`;
const assessmentSk = (termId: string, days: number) => `${assessmentPrefix(termId)}${checkpointOrder(days)}`;
const resultSk = (termId: string) => `${RESULT_PREFIX}${termId}`;

// The whole task, field by field: version 1 of the stored shape. Fields the
// types mark as absent on tasks stored before they were kept (scoreTable,
// history, a pending event's claimedAt) stay optional here.
const MinorUnitsSchema = z.string().regex(/^-?\d+$/, { error: 'expected integer minor units as a decimal string' });
const SignalCodeSchema = z.enum(SIGNAL_CODES);
const TaskChangeReasonSchema = z.object({ code: z.enum(['risk_escalated', 'risk_cleared']), message: z.string() });

const TaskPrioritySchema = z.object({
  rank: z.enum(['P1', 'P2', 'P3', 'P4']),
  currency: CurrencyCodeSchema,
  revenueAtRiskMinor: MinorUnitsSchema.optional(),
  expectedRevenueAtRiskMinor: MinorUnitsSchema.optional(),
  revenueAtRiskBasis: z.enum(['renewal_value', 'commitment', 'billed_run_rate']).optional(),
  revenueAtRiskExplanation: z.string().optional(),
  riskScore: z.number(),
}) satisfies z.ZodType<TaskPriority, unknown>;

const RiskReasonSchema = z.object({
  code: z.string(),
  signal: z.union([SignalCodeSchema, z.literal('data_quality')]),
  message: z.string(),
}) satisfies z.ZodType<RiskReason, unknown>;

const RecommendedPlaySchema = z.object({
  code: z.string(),
  title: z.string(),
  steps: z.array(z.string()),
  signal: SignalCodeSchema,
}) satisfies z.ZodType<RecommendedPlay & { readonly signal: SignalCode }, unknown>;

const ValueSummarySchema = z.object({
  currency: CurrencyCodeSchema,
  outcomes: z.array(
    z.object({
      metric: z.string(),
      label: z.string(),
      singularLabel: z.string(),
      quantity: z.string(),
      valueMinor: MinorUnitsSchema.optional(),
    }),
  ),
  totalValueMinor: MinorUnitsSchema.optional(),
  pricePaidMinor: MinorUnitsSchema.optional(),
  valuePerUnitOfPrice: z.string().optional(),
  sentence: z.string(),
}) satisfies z.ZodType<ValueSummary, unknown>;

const ScoreTableRowSchema = z.object({
  signal: SignalCodeSchema,
  applicable: z.boolean(),
  value: z.string().nullable(),
  unit: z.string(),
  threshold: z.string(),
  weight: z.string(),
  contribution: z.string(),
  notApplicableReason: z.string().optional(),
}) satisfies z.ZodType<ScoreTableRow, unknown>;

const TaskEscalationSchema = z.object({
  at: z.string(),
  fromTier: RiskTierSchema,
  toTier: RiskTierSchema,
  checkpointDays: z.number().int(),
  reason: TaskChangeReasonSchema,
}) satisfies z.ZodType<TaskEscalation, unknown>;

const TaskHistoryEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), at: z.string(), checkpointDays: z.number().int(), tier: RiskTierSchema, score: z.number() }),
  z.object({
    kind: z.literal('escalated'),
    at: z.string(),
    checkpointDays: z.number().int(),
    fromTier: RiskTierSchema,
    tier: RiskTierSchema,
    score: z.number(),
    reason: TaskChangeReasonSchema,
  }),
  z.object({ kind: z.literal('reassessed'), at: z.string(), checkpointDays: z.number().int(), tier: RiskTierSchema, score: z.number() }),
  z.object({ kind: z.literal('reassigned'), at: z.string(), fromOwner: z.string(), toOwner: z.string() }),
  z.object({
    kind: z.literal('resolved'),
    at: z.string(),
    reason: TaskChangeReasonSchema.optional(),
    result: RenewalResultSchema.optional(),
    by: z.string().optional(),
  }),
]) satisfies z.ZodType<TaskHistoryEntry, unknown>;

const TaskResolutionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('risk_cleared'), at: z.string(), reason: TaskChangeReasonSchema, checkpointDays: z.number().int() }),
  z.object({ kind: z.literal('renewal_result'), at: z.string(), result: RenewalResultSchema, by: z.string().optional() }),
]) satisfies z.ZodType<TaskResolution, unknown>;

const PendingTaskEventSchema = z.object({
  detailType: z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
  claimedAt: z.string().optional(),
}) satisfies z.ZodType<PendingTaskEvent, unknown>;

const RenewalTaskDocumentSchema = z.object({
  id: z.string().min(1),
  key: z.string().min(1),
  contractId: z.string().min(1),
  customerId: z.string().min(1),
  termId: z.string().min(1),
  checkpointDays: z.number().int(),
  owner: z.string(),
  ownerIsFallback: z.boolean(),
  dueDate: z.string(),
  priority: TaskPrioritySchema,
  tier: RiskTierSchema,
  score: z.number(),
  reasons: z.array(RiskReasonSchema),
  recommendedPlay: RecommendedPlaySchema.optional(),
  valueSummary: ValueSummarySchema,
  scoreTable: z.array(ScoreTableRowSchema).optional(),
  staleData: z.boolean(),
  assessedAt: z.string(),
  termEnd: z.string(),
  timeZone: z.string(),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  acknowledgedAt: z.string().optional(),
  acknowledgedBy: z.string().optional(),
  escalations: z.array(TaskEscalationSchema),
  history: z.array(TaskHistoryEntrySchema).optional(),
  resolution: TaskResolutionSchema.optional(),
  pendingEvent: PendingTaskEventSchema.optional(),
}) satisfies z.ZodType<RenewalTask, unknown>;

const StoredAssessmentSchema = z.object({
  contractId: z.string(),
  termId: z.string(),
  checkpointDays: z.number().int(),
  assessedAt: z.string(),
  tier: RiskTierSchema,
  score: z.number(),
  staleData: z.boolean(),
  termEnd: z.string().optional(),
  timeZone: z.string().optional(),
}) satisfies z.ZodType<StoredAssessment, unknown>;

const RenewalResultRecordSchema = z.object({
  contractId: z.string(),
  termId: z.string(),
  termEnd: z.string(),
  timeZone: z.string(),
  result: RenewalResultSchema,
  recordedAt: z.string(),
  recordedBy: z.string().optional(),
}) satisfies z.ZodType<RenewalResultRecord, unknown>;

export const renewalTaskCodec = documentCodec<RenewalTask>({ kind: 'renewal task', version: 1, schema: RenewalTaskDocumentSchema });
export const riskAssessmentCodec = documentCodec({ kind: 'risk assessment', schema: StoredAssessmentSchema });
export const renewalResultCodec = documentCodec({ kind: 'renewal result', schema: RenewalResultRecordSchema });

/** Splits a task id `<contract>#<term>#<N>d` from the right, so contract ids may contain '#'. */
export function parseTaskId(id: string): { contractId: string; termId: string; checkpointDays: number } | undefined {
  const match = /^(.+)#([^#]+)#(\d+)d$/.exec(id);
  if (!match) return undefined;
  return { contractId: match[1] as string, termId: match[2] as string, checkpointDays: Number(match[3]) };
}

const byDueDate = (a: RenewalTask, b: RenewalTask) => (a.dueDate === b.dueDate ? a.id.localeCompare(b.id) : a.dueDate < b.dueDate ? -1 : 1);

export interface DynamoDbRenewalTaskStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export class DynamoDbRenewalTaskStore implements RenewalTaskStore {
  private readonly table: DynamoTable;

  constructor(options: DynamoDbRenewalTaskStoreOptions) {
    this.table = new DynamoTable(options);
  }

  private taskItem(task: RenewalTask): StoredItem {
    return {
      [PK]: partition(task.contractId),
      [SK]: taskSk(task.termId, task.checkpointDays),
      [BY_TYPE.partitionKey]: TASK_TYPE,
      [BY_TYPE.sortKey]: `${task.dueDate}#${task.id}`,
      type: TASK_TYPE,
      version: task.version,
      status: task.status,
      owner: task.owner,
      ...renewalTaskCodec.encode(task),
    };
  }

  async createTask(task: RenewalTask): Promise<{ created: boolean; task: RenewalTask }> {
    const put = await this.table.putIfAbsent(this.taskItem(task), 'renewal task');
    if (put.ok) return { created: true, task };
    const stored = put.existing ? renewalTaskCodec.decode(put.existing, `renewal task ${task.id}`) : await this.getTask(task.id);
    if (!stored) throw new LedgerDataError(`renewal task ${task.id} exists but could not be read`);
    return { created: false, task: stored };
  }

  async getTask(id: string): Promise<RenewalTask | undefined> {
    const key = parseTaskId(id);
    if (!key) return undefined;
    const item = await this.table.get({ pk: partition(key.contractId), sk: taskSk(key.termId, key.checkpointDays) }, 'renewal task');
    return item ? renewalTaskCodec.decode(item, `renewal task ${id}`) : undefined;
  }

  async listTermTasks(contractId: string, termId: string): Promise<RenewalTask[]> {
    const items = await this.table.query({ partition: partition(contractId), sortKeyPrefix: taskPrefix(termId) }, 'renewal tasks');
    return items.map((item) => renewalTaskCodec.decode(item));
  }

  async listTasks(filter: TaskListFilter): Promise<RenewalTask[]> {
    // A contract's tasks of every term, else the byType listing up to the due date: only task items either way.
    const items =
      filter.contractId !== undefined
        ? await this.table.query({ partition: partition(filter.contractId), sortKeyPrefix: TASK_PREFIX }, 'renewal tasks')
        : await this.table.query(
            { partition: TASK_TYPE, index: BY_TYPE.indexName, ...(filter.dueBefore !== undefined ? { sortKeyBefore: filter.dueBefore } : {}) },
            'renewal tasks byType',
          );
    return items
      .map((item) => renewalTaskCodec.decode(item))
      .filter((task) => filter.owner === undefined || task.owner === filter.owner)
      .filter((task) => filter.dueBefore === undefined || task.dueDate < filter.dueBefore)
      .filter((task) => filter.statuses === undefined || filter.statuses.includes(task.status))
      .sort(byDueDate);
  }

  async updateTask(task: RenewalTask): Promise<RenewalTask> {
    const put = await this.table.put(this.taskItem(task), 'renewal task update', DynamoTable.versionIs('version', task.version - 1));
    if (!put.ok) throw new TaskVersionConflictError(task.id, task.version - 1);
    return task;
  }

  async putAssessment(assessment: StoredAssessment): Promise<void> {
    await this.table.put(
      {
        [PK]: partition(assessment.contractId),
        [SK]: assessmentSk(assessment.termId, assessment.checkpointDays),
        type: 'RISK_ASSESSMENT',
        ...riskAssessmentCodec.encode(assessment),
      },
      'risk assessment',
    );
  }

  async listAssessments(contractId: string, termId?: string): Promise<StoredAssessment[]> {
    const items = await this.table.query(
      { partition: partition(contractId), sortKeyPrefix: termId === undefined ? ASSESSMENT_PREFIX : assessmentPrefix(termId) },
      'risk assessments',
    );
    return items.map((item) => riskAssessmentCodec.decode(item));
  }

  async putRenewalResult(record: RenewalResultRecord): Promise<void> {
    await this.table.put(
      {
        [PK]: partition(record.contractId),
        [SK]: resultSk(record.termId),
        [BY_TYPE.partitionKey]: RESULT_TYPE,
        [BY_TYPE.sortKey]: `${record.contractId}#${record.termId}`,
        type: RESULT_TYPE,
        ...renewalResultCodec.encode(record),
      },
      'renewal result',
    );
  }

  async getRenewalResult(contractId: string, termId: string): Promise<RenewalResultRecord | undefined> {
    const item = await this.table.get({ pk: partition(contractId), sk: resultSk(termId) }, 'renewal result');
    return item ? renewalResultCodec.decode(item, `renewal result of ${contractId} term ${termId}`) : undefined;
  }

  async listRenewalResults(): Promise<RenewalResultRecord[]> {
    const items = await this.table.query({ partition: RESULT_TYPE, index: BY_TYPE.indexName }, 'renewal results byType');
    return items.map((item) => renewalResultCodec.decode(item));
  }
}
