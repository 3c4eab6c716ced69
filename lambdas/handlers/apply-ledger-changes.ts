// Ledger table stream → usage rollups, then the spend alerts of the
// customers the batch touched, and 'Threshold Invoicing Requested' for those
// with threshold invoicing (rated and invoiced by their own route's
// function). Each invocation is one batch of one shard; the batch is applied once as a whole (keyed by stream and sequence
// range), so a retried batch changes nothing; alerts fire once per contract,
// period and threshold (fired markers), and an alert whose publish failed is
// published when the batch is retried. On failure the batch reports
// its first record as failed: Lambda retries from there, bisects, and finally
// sends the batch's coordinates to the on-failure queue; nothing is skipped
// silently.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { evaluateSpendAlerts, type EvaluateSpendAlertsDeps } from '../application/plans/evaluate-spend-alerts';
import { applyLedgerChanges, type ApplyLedgerChangesDeps } from '../application/usage/apply-ledger-changes';
import { readOnceContractReader } from '../application/billing/read-once-contract-reader';
import { requestThresholdInvoicing, type RequestThresholdInvoicingDeps } from '../application/billing/request-threshold-invoicing';
import { createSpendAlerts } from '../composition/billing-service';
import { createUsageRollupService, ledgerChangesOf, type LedgerStreamRecord } from '../composition/usage-rollup-service';
import { engineErrorClass } from '../domain/errors/engine-error';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { ROLLUP_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics } from '../shared/powertools';

export const ApplyLedgerChangesEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string(),
  ENGINE_TABLE_NAME: z.string(),
  EVENT_BUS_NAME: z.string(),
});

export interface ApplyLedgerChangesHandlerDeps extends ApplyLedgerChangesDeps {
  /** Evaluated after every batch, applied now or before (a retry publishes what a failed run owed). */
  readonly spendAlerts?: EvaluateSpendAlertsDeps;
  /**
   * In AWS: announces the customers with threshold invoicing whose usage the
   * batch changed, for the ThresholdInvoicing route. The local engine runs
   * threshold invoicing beside its stream reader instead.
   */
  readonly thresholdInvoicing?: RequestThresholdInvoicingDeps;
}

const StreamEventSchema = z.object({
  Records: z.array(
    z.looseObject({
      eventName: z.string().optional(),
      eventSourceARN: z.string().optional(),
      dynamodb: z.looseObject({ SequenceNumber: z.string().optional(), NewImage: z.record(z.string(), z.any()).optional() }).optional(),
    }),
  ),
});

/** A stream event that is not what DynamoDB Streams sends: a wiring bug, kept for a look. */
export class LedgerStreamEventError extends engineErrorClass('LedgerStreamEventError', 'internal', 'invalid_ledger_stream_event') {}

/** The event → result mapping with its dependencies passed in (tests, local engine). */
export function createApplyLedgerChangesHandler(resolveDeps: () => Promise<ApplyLedgerChangesHandlerDeps>) {
  return async (event: unknown): Promise<DynamoDBBatchResponse> => {
    const parsed = StreamEventSchema.safeParse(event);
    if (!parsed.success) throw new LedgerStreamEventError(`not a DynamoDB stream event: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
    const records = parsed.data.Records;
    const first = records[0]?.dynamodb?.SequenceNumber;
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (first === undefined || last === undefined) return { batchItemFailures: [] };
    const batchId = `${records[0]?.eventSourceARN ?? 'ledger'}#${first}#${last}`;
    try {
      const deps = await resolveDeps();
      const changes = ledgerChangesOf(records as LedgerStreamRecord[]);
      const result = await applyLedgerChanges(deps, batchId, changes);
      if (result.applied) {
        metrics.addMetric(ROLLUP_METRIC_NAMES.entriesApplied, MetricUnit.Count, result.entries);
        metrics.addMetric(ROLLUP_METRIC_NAMES.cellsWritten, MetricUnit.Count, result.cells);
      }
      const customerIds = changes.map((change) => change.entry.customerId);
      // One read of each contract and plan for the whole batch, shared by the alerts and the announcement.
      const batchContracts = deps.spendAlerts ? readOnceContractReader(deps.spendAlerts.contracts) : undefined;
      if (deps.spendAlerts && batchContracts) {
        const alerts = await evaluateSpendAlerts({ ...deps.spendAlerts, contracts: batchContracts }, customerIds);
        metrics.addMetric(ROLLUP_METRIC_NAMES.alertsPublished, MetricUnit.Count, alerts.published);
        if (alerts.notRated.length > 0) {
          metrics.addMetric(ROLLUP_METRIC_NAMES.alertContractsNotRated, MetricUnit.Count, alerts.notRated.length);
          for (const { contractId, error } of alerts.notRated) logger.warn('Spend alerts not evaluated: the contract cannot be rated', { contractId, code: error.code, error });
        }
      }
      // Announced on every run of the batch, applied now or before: a retry announces what a failed run owed.
      if (deps.thresholdInvoicing) {
        const { requested } = await requestThresholdInvoicing(
          batchContracts ? { ...deps.thresholdInvoicing, contracts: batchContracts } : deps.thresholdInvoicing,
          customerIds,
        );
        metrics.addMetric(ROLLUP_METRIC_NAMES.thresholdInvoicingRequested, MetricUnit.Count, requested.length);
      }
      return { batchItemFailures: [] };
    } catch (error) {
      logger.error('Usage rollup batch failed; Lambda retries it from its first record', { batchId, error: error as Error });
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
  };
}

let deps: Promise<ApplyLedgerChangesHandlerDeps> | undefined;

function resolveDeps(): Promise<ApplyLedgerChangesHandlerDeps> {
  deps ??= (async () => {
    const env = readEnvConfig(ApplyLedgerChangesEnvSchema);
    const dynamoDb = new DynamoDBClient({});
    const now = () => new Date();
    const service = createUsageRollupService({
      dynamoDb,
      engineTableName: env.ENGINE_TABLE_NAME,
      ledgerTableName: env.LEDGER_TABLE_NAME,
      progress: { kind: 'settle-lag', now },
    });
    const spendAlerts = createSpendAlerts({
      dynamoDb,
      engineTableName: env.ENGINE_TABLE_NAME,
      usage: service.reader,
      eventBridge: new EventBridgeClient({}),
      eventBusName: env.EVENT_BUS_NAME,
      now,
    });
    // Contracts, the cached directory and the bus are the alerts' own: one read serves both.
    const thresholdInvoicing = { directory: spendAlerts.directory, contracts: spendAlerts.contracts, events: spendAlerts.events, now };
    return { rollups: service.store, ledger: service.ledger, spendAlerts, thresholdInvoicing };
  })();
  return deps;
}

export const handler = withObservability(createApplyLedgerChangesHandler(resolveDeps));
