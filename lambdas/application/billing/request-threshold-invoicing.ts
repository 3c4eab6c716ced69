// After a batch of the ledger's stream is folded into the rollups (in AWS):
// each customer the batch touched that has a contract with
// `thresholdInvoicing` is announced once ('Threshold Invoicing Requested'),
// and the ThresholdInvoicing route's queue runs invoiceSpendThresholds for it
// in its own function. Rating and Stripe stay out of the stream's batch, so a
// slow Stripe never holds the rollups back; the evaluation is idempotent
// (record ids `<period>-threshold-<n>`, derived Stripe keys), so an
// announcement delivered twice, or a retried batch that announces again,
// issues nothing more.
import { ThresholdInvoicingRequestedDetailSchema } from '../../domain/events/threshold-invoicing-events';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { EventPublisher } from '../ports';
import { BILLING_DETAIL_TYPES, type ContractDirectory, type ContractReader } from './ports';


export interface RequestThresholdInvoicingDeps {
  readonly directory: ContractDirectory;
  readonly contracts: Pick<ContractReader, 'getContract'>;
  readonly events: EventPublisher;
  readonly now: () => Date;
}

export interface RequestThresholdInvoicingResult {
  /** Customers announced: those with at least one contract that has thresholdInvoicing. */
  readonly requested: readonly string[];
}

/** Announces every customer of `customerIds` with threshold invoicing; throws (InfrastructureError) when the bus refuses, so the batch is retried. */
export async function requestThresholdInvoicing(deps: RequestThresholdInvoicingDeps, customerIds: readonly string[]): Promise<RequestThresholdInvoicingResult> {
  const customers = [...new Set(customerIds)];
  const requested: string[] = [];
  await mapWithConcurrency(customers, 4, async (customerId) => {
    const contractIds = await deps.directory.contractIdsOfCustomer(customerId);
    for (const contractId of contractIds) {
      const contract = await deps.contracts.getContract(contractId);
      if (contract?.thresholdInvoicing) {
        requested.push(customerId);
        return;
      }
    }
  });
  if (requested.length === 0) return { requested };
  const requestedAt = deps.now().toISOString();
  requested.sort();
  await deps.events.publish(
    requested.map((customerId) => ({
      detailType: BILLING_DETAIL_TYPES.thresholdInvoicingRequested,
      detail: ThresholdInvoicingRequestedDetailSchema.parse({ schemaVersion: 1, customerId, requestedAt }),
    })),
  );
  return { requested };
}
