// Invoked by EventBridge Scheduler at a period's close time (period end in the
// contract's time zone + grace). Any failure throws, so Scheduler retries and
// finally dead-letters the invocation; a repeated invocation is harmless
// because the close is idempotent (stored record, derived Stripe keys).
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import {
  ClosePeriodRequestSchema,
  runScheduledClose,
  type CloseScheduledPeriodResult,
  type SkippedScheduledClose,
} from '../application/billing/schedule-period-closes';
import type { BillingDeps } from '../application/billing/close-contract-period';
import { BillingEnvironmentSchema, createBillingService, stripeConnectionFromEnv } from '../composition/billing-service';
import { readEnvConfig } from '../shared/env';

export class ClosePeriodInputError extends Error {
  readonly code = 'invalid_close_request';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClosePeriodInputError';
  }
}

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
    return outcome.status === 'skipped' ? toSkippedResponse(outcome) : toResponse(outcome);
  };
}

let defaultDeps: Promise<ClosePeriodDeps> | undefined;

// Built once per container; the Stripe key is read once and never logged.
async function buildDefaultDeps(): Promise<ClosePeriodDeps> {
  const env = readEnvConfig(BillingEnvironmentSchema);
  const service = createBillingService({
    dynamoDb: new DynamoDBClient({}),
    engineTableName: env.ENGINE_TABLE_NAME,
    ledgerTableName: env.LEDGER_TABLE_NAME,
    eventBridge: new EventBridgeClient({}),
    eventBusName: env.EVENT_BUS_NAME,
    stripe: await stripeConnectionFromEnv(process.env),
    finalizeInvoices: env.FINALIZE_INVOICES === 'true',
  });
  return { ...service.deps, graceHours: env.CLOSE_GRACE_HOURS };
}

export const handler = middy<unknown, ClosePeriodResponse | ClosePeriodSkippedResponse>().handler(
  createClosePeriodHandler(() => {
    // A failed start (Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);
