// Invoked by EventBridge Scheduler at a period's close time (period end in the
// contract's time zone + grace). Any failure throws, so Scheduler retries and
// finally dead-letters the invocation; a repeated invocation is harmless
// because the close is idempotent (stored record, derived Stripe keys).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import {
  ClosePeriodRequestSchema,
  runScheduledClose,
  type CloseScheduledPeriodResult,
  type ScheduledCloseOutcome,
  type SkippedScheduledClose,
} from '../application/billing/schedule-period-closes';
import type { BillingDeps } from '../application/billing/close-contract-period';
import { BillingEnvironmentSchema, createBillingServiceFromEnv } from '../composition/billing-service';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { BILLING_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { engineErrorClass } from '../domain/errors/engine-error';

export class ClosePeriodInputError extends engineErrorClass('ClosePeriodInputError', 'invalid_input', 'invalid_close_request') {}

export interface ClosePeriodResponse {
  readonly outcome: 'closed';
  readonly contractId: string;
  readonly periodId: string;
  readonly invoiceRecordId: string;
  readonly cutoff: string;
  readonly status: string;
  readonly stripeInvoiceId: string;
  /** Minor units as strings (JSON-safe). */
  readonly engineTotal: string;
  readonly stripeTotal: string;
  readonly matched: boolean;
  readonly recordCreated: boolean;
  readonly itemsCreated: number;
}

/**
 * A schedule left from an earlier version of the contract (other billing
 * period, moved term, cancellation) fired: nothing is billed, and it is a
 * success, so Scheduler neither retries nor dead-letters it.
 */
export interface ClosePeriodSkippedResponse {
  readonly outcome: 'skipped';
  readonly code: SkippedScheduledClose['reason'];
  readonly contractId: string;
  readonly periodId: string;
  readonly message: string;
}

export type ClosePeriodDeps = BillingDeps & { readonly graceHours?: number };

function toSkippedResponse(skipped: SkippedScheduledClose): ClosePeriodSkippedResponse {
  return { outcome: 'skipped', code: skipped.reason, contractId: skipped.contractId, periodId: skipped.periodId, message: skipped.message };
}

function toResponse({ close, result }: CloseScheduledPeriodResult): ClosePeriodResponse {
  return {
    outcome: 'closed',
    contractId: result.contractId,
    periodId: result.periodId,
    invoiceRecordId: result.invoiceRecordId,
    cutoff: close.closeAt,
    status: result.status,
    stripeInvoiceId: result.stripeInvoiceId,
    engineTotal: result.engineTotal.toString(),
    stripeTotal: result.stripeTotal.toString(),
    matched: result.matched,
    recordCreated: result.recordCreated,
    itemsCreated: result.itemsCreated,
  };
}

/**
 * Metrics and one log line of a close, from its result. Zeros are published
 * too, so alarms on the failure count see a continuous series. "Issued" is a
 * close that stored or pushed the invoice in this run and reconciled: a
 * re-run that finds everything done is counted as closed, not issued again.
 */
export function recordCloseOutcome(outcome: ScheduledCloseOutcome): void {
  if (outcome.status === 'skipped') {
    metrics.addMetric(BILLING_METRIC_NAMES.periodClosesSkipped, MetricUnit.Count, 1);
    logger.info('Period close skipped', { contractId: outcome.contractId, periodId: outcome.periodId, code: outcome.reason });
    return;
  }
  const { result, corrections } = outcome;
  const issuedNow = result.matched && (result.recordCreated || result.itemsCreated > 0);
  const creditNotes = corrections.reduce((sum, corrected) => sum + corrected.creditNotes.length, 0);
  const correctionsRecorded = corrections.filter((corrected) => corrected.correction !== null).length;
  metrics.addMetric(BILLING_METRIC_NAMES.periodsClosed, MetricUnit.Count, 1);
  metrics.addMetric(BILLING_METRIC_NAMES.invoicesIssued, MetricUnit.Count, issuedNow ? 1 : 0);
  metrics.addMetric(BILLING_METRIC_NAMES.reconciliationFailures, MetricUnit.Count, result.matched ? 0 : 1);
  metrics.addMetric(BILLING_METRIC_NAMES.creditNotesIssued, MetricUnit.Count, creditNotes);
  metrics.addMetric(BILLING_METRIC_NAMES.correctionsRecorded, MetricUnit.Count, correctionsRecorded);
  // Identifiers and counts only: totals are customer billing data.
  const details = {
    contractId: result.contractId,
    periodId: result.periodId,
    invoiceRecordId: result.invoiceRecordId,
    stripeInvoiceId: result.stripeInvoiceId,
    status: result.status,
    recordCreated: result.recordCreated,
    itemsCreated: result.itemsCreated,
    creditNotes,
    corrections: correctionsRecorded,
  };
  if (result.matched) logger.info('Period closed', details);
  else logger.warn('Period closed with a reconciliation failure', details);
}

/** The event → result mapping with its dependencies passed in (tests, local engine). */
export function createClosePeriodHandler(resolveDeps: () => Promise<ClosePeriodDeps>) {
  return async (event: unknown): Promise<ClosePeriodResponse | ClosePeriodSkippedResponse> => {
    const parsed = ClosePeriodRequestSchema.safeParse(event);
    if (!parsed.success) {
      throw new ClosePeriodInputError(`invalid close request: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
    }
    const deps = await resolveDeps();
    // A reconciliation mismatch is returned, not thrown: its event and alarm
    // are already raised, and retrying would only find the same totals.
    const outcome = await runScheduledClose(deps, parsed.data);
    recordCloseOutcome(outcome);
    return outcome.status === 'skipped' ? toSkippedResponse(outcome) : toResponse(outcome);
  };
}

let defaultDeps: Promise<ClosePeriodDeps> | undefined;

// Built once per container; the Stripe key is read once and never logged.
async function buildDefaultDeps(): Promise<ClosePeriodDeps> {
  const env = readEnvConfig(BillingEnvironmentSchema);
  const service = await createBillingServiceFromEnv(env, {
    dynamoDb: traced(new DynamoDBClient({})),
    eventBridge: traced(new EventBridgeClient({})),
    secretsManager: traced(new SecretsManagerClient({})),
  });
  return { ...service.deps, graceHours: env.CLOSE_GRACE_HOURS };
}

export const handler = withObservability<unknown, ClosePeriodResponse | ClosePeriodSkippedResponse>(
  createClosePeriodHandler(() => {
    // A failed start (Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);
