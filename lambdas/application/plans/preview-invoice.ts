import { z } from 'zod';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import { periodContaining } from '../../domain/periods/billing-period';
import type { DraftInvoice } from '../../domain/rating/draft-invoice';
import type { Contract } from '../../domain/plans/contract-schema';
import { loadContract, rateForInvoice } from '../billing/rate-for-invoice';
import type { ContractReader, DefinitionCatalog, InvoiceStore, UsageReader } from '../billing/ports';

// `outcome-engine invoice preview`: the draft a contract's period would be
// invoiced with, from the ledger as recorded up to a cutoff. It goes through
// the very function period close rates with, so a preview and the invoice
// issued later for the same cutoff are the same lines.

export const PreviewInvoiceInputSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  /** Period id in the contract's schedule (2026-11, 2026-Q4, 2026); default: the period containing `now`. */
  periodId: z.string().min(1).max(32).optional(),
  /** Ledger recordedAt cutoff; default: now. */
  asOf: z.date().optional(),
});
export type PreviewInvoiceInput = z.infer<typeof PreviewInvoiceInputSchema>;

export interface PreviewInvoiceDeps {
  readonly contracts: ContractReader;
  readonly usage: UsageReader;
  /** Invoices already issued (prepaid credits drawn, term-to-date subtotal); none when absent. */
  readonly invoices?: Pick<InvoiceStore, 'listRecords'>;
  /** The metric catalog, for contracts that pin definition versions. */
  readonly definitions: DefinitionCatalog;
  readonly now: () => Date;
}

export async function previewInvoice(deps: PreviewInvoiceDeps, input: PreviewInvoiceInput): Promise<DraftInvoice> {
  const parsed = PreviewInvoiceInputSchema.parse(input);
  const contract = await loadContract(deps.contracts, parsed.contractId);
  return previewContractInvoice(deps, contract, parsed);
}

/** The preview of a contract already loaded (`spend` loads it to find its open period; one read, not two). */
export async function previewContractInvoice(deps: PreviewInvoiceDeps, contract: Contract, options: { readonly periodId?: string; readonly asOf?: Date }): Promise<DraftInvoice> {
  const now = deps.now();
  const periodId = options.periodId ?? periodContaining(billingScheduleForContract(contract), now).id;
  const asOf = (options.asOf ?? now).toISOString();
  const earlierRecords = deps.invoices ? await deps.invoices.listRecords(contract.contractId) : [];
  return rateForInvoice(deps, { contract, periodId, asOf, now: now.toISOString(), earlierRecords });
}
