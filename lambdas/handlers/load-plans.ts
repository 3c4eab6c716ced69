// Loads plans and contracts into the engine table: the stack's path for
// `outcome-engine plans load` / `contracts load` (invoked directly, or behind
// an API). Input `{ plans: [...], contracts: [...] }`, each item the content of
// a plan or contract file as JSON. Each item is validated and stored on its
// own and gets its own result; plans are stored before contracts so a request
// can carry a plan and the contracts on it. Every contract change is announced
// on the bus as 'Contract Changed' (the period-close and renewal-check
// schedulers follow it) before the response reports it. Storage and bus
// failures throw: the caller retries, every write is idempotent, and the
// re-run announces what the failed run stored (see loadContracts).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../application/ports';
import { z } from 'zod';
import { createPlansService, type PlansService } from '../composition/plans-service';
import { loadContracts, loadPlans, type LoadItemResult } from '../application/plans/load-plans';
import type { ContractChangeOutbox, DefinitionVersionCatalog, PlanStore } from '../application/plans/ports';
import { ContractSchema, type Contract } from '../domain/plans/contract-schema';
import { describeSchemaIssues, formatIssuePath } from '../domain/plans/describe-schema-issues';
import { PlanSchema, type Plan } from '../domain/plans/plan-schema';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, traced } from '../shared/powertools';

export const LoadPlansEnvSchema = z.object({ ENGINE_TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) });
export type LoadPlansEnv = z.infer<typeof LoadPlansEnvSchema>;

/** At most this many items per request, so one invocation stays well inside its timeout. */
export const MAX_ITEMS_PER_REQUEST = 200;

export const LoadPlansRequestSchema = z
  .strictObject({
    plans: z.array(z.record(z.string(), z.unknown()), { error: 'expected a list of plan objects' }).default([]),
    contracts: z.array(z.record(z.string(), z.unknown()), { error: 'expected a list of contract objects' }).default([]),
  })
  .refine((request) => request.plans.length + request.contracts.length <= MAX_ITEMS_PER_REQUEST, {
    error: `at most ${MAX_ITEMS_PER_REQUEST} plans and contracts per request`,
  });
export type LoadPlansRequest = z.infer<typeof LoadPlansRequestSchema>;

export interface InvalidItemResult {
  readonly kind: 'plan' | 'contract';
  readonly index: number;
  readonly id: string | null;
  readonly status: 'invalid';
  readonly code: 'invalid_item';
  readonly issues: ReadonlyArray<{ readonly path: string; readonly code: string; readonly message: string }>;
}

export type LoadPlansResponse =
  | { readonly ok: boolean; readonly items: ReadonlyArray<LoadItemResult | InvalidItemResult> }
  | { readonly ok: false; readonly error: { readonly code: 'invalid_request'; readonly message: string; readonly issues: readonly string[] } };

export interface LoadPlansDeps {
  readonly store: () => PlanStore;
  /** The engine's bus, for 'Contract Changed'; absent: contracts load unannounced (tests of storage only). */
  readonly events?: () => EventPublisher;
  readonly outbox?: () => ContractChangeOutbox;
  /** The catalog's definition versions, which contracts may pin. */
  readonly definitions?: () => DefinitionVersionCatalog;
  readonly now?: () => Date;
}

function validateItems<T>(
  kind: 'plan' | 'contract',
  items: readonly Record<string, unknown>[],
  schema: z.ZodType<T>,
  idField: string,
): { valid: T[]; invalid: InvalidItemResult[] } {
  const valid: T[] = [];
  const invalid: InvalidItemResult[] = [];
  items.forEach((item, index) => {
    // `kind` is implied by the list the item is in.
    const result = schema.safeParse({ kind, ...item }, { reportInput: true });
    if (result.success) {
      valid.push(result.data);
      return;
    }
    const id = item[idField];
    invalid.push({
      kind,
      index,
      id: typeof id === 'string' ? id : null,
      status: 'invalid',
      code: 'invalid_item',
      issues: describeSchemaIssues(result.error.issues).map((issue) => ({
        path: `${kind}s[${index}]${formatIssuePath(issue.path) ? `.${formatIssuePath(issue.path)}` : ''}`,
        code: issue.code,
        message: issue.message,
      })),
    });
  });
  return { valid, invalid };
}

export function createLoadPlansHandler(deps: LoadPlansDeps) {
  return withObservability<unknown, LoadPlansResponse>(async (event) => {
    const request = LoadPlansRequestSchema.safeParse(event);
    if (!request.success) {
      const issues = describeSchemaIssues(request.error.issues).map((issue) => `${formatIssuePath(issue.path) || '(request)'}: ${issue.message}`);
      logger.warn('Load plans request refused', { code: 'invalid_request', issues: issues.length });
      return { ok: false, error: { code: 'invalid_request', message: `invalid request: ${issues.join('; ')}`, issues } };
    }
    const plans = validateItems<Plan>('plan', request.data.plans, PlanSchema, 'code');
    const contracts = validateItems<Contract>('contract', request.data.contracts, ContractSchema, 'contractId');
    const store = deps.store();
    const events = deps.events?.();
    const outbox = deps.outbox?.();
    const loadedPlans = await loadPlans({ store, ...(events ? { events } : {}), ...(outbox ? { outbox } : {}) }, plans.valid);
    const loadedContracts = await loadContracts(
      {
        store,
        now: deps.now ?? (() => new Date()),
        ...(events ? { events } : {}),
        ...(outbox ? { outbox } : {}),
        ...(deps.definitions ? { definitions: deps.definitions() } : {}),
      },
      contracts.valid,
    );
    const items = [...plans.invalid, ...loadedPlans.items, ...contracts.invalid, ...loadedContracts.items];
    const ok = plans.invalid.length === 0 && contracts.invalid.length === 0 && loadedPlans.ok && loadedContracts.ok;
    const refused = items.filter((item) => item.status === 'failed' || item.status === 'invalid').length;
    metrics.addMetric('PlanItemsLoaded', MetricUnit.Count, items.length - refused);
    metrics.addMetric('PlanItemsRefused', MetricUnit.Count, refused);
    logger.info('Plans and contracts loaded', { plans: request.data.plans.length, contracts: request.data.contracts.length, refused });
    return { ok, items };
  });
}

let container: PlansService | undefined;

function containerServices(): PlansService {
  if (!container) {
    const env = readEnvConfig(LoadPlansEnvSchema);
    container = createPlansService({
      dynamoDb: traced(new DynamoDBClient({})),
      engineTableName: env.ENGINE_TABLE_NAME,
      eventBridge: traced(new EventBridgeClient({})),
      eventBusName: env.EVENT_BUS_NAME,
    });
  }
  return container;
}

export const handler = createLoadPlansHandler({
  store: () => containerServices().store,
  events: () => containerServices().events,
  outbox: () => containerServices().outbox,
  definitions: () => containerServices().definitions,
});
