import { z } from 'zod';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import { periodContaining } from '../../domain/periods/billing-period';
import { spendToDate, type SpendToDate } from '../../domain/rating/spend-to-date';
import { loadContract } from '../billing/rate-for-invoice';
import { previewContractInvoice, type PreviewInvoiceDeps } from './preview-invoice';

// `outcome-engine spend`: the open period to date. The lines are the draft
// `invoice preview` gives for the same period and cutoff (this calls it, so
// spend and preview can never disagree); burn, credits left and the forecast
// are read off that draft.

export const ReportSpendInputSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  /** Ledger recordedAt cutoff and the instant whose period is reported; default: now. */
  asOf: z.date().optional(),
});
export type ReportSpendInput = z.infer<typeof ReportSpendInputSchema>;

export type ReportSpendDeps = PreviewInvoiceDeps;

export async function reportSpend(deps: ReportSpendDeps, input: ReportSpendInput): Promise<SpendToDate> {
  const parsed = ReportSpendInputSchema.parse(input);
  const asOf = parsed.asOf ?? deps.now();
  const contract = await loadContract(deps.contracts, parsed.contractId);
  // The period is the one open at the cutoff, in the contract's own time zone.
  const period = periodContaining(billingScheduleForContract(contract), asOf);
  const draft = await previewContractInvoice(deps, contract, { periodId: period.id, asOf });
  const earlier = deps.invoices ? await deps.invoices.listRecords(contract.contractId) : [];
  const termToDateSubtotal = earlier.filter((record) => record.period.start < period.start).reduce((sum, record) => sum + record.subtotal, 0n);
  return spendToDate({ contract, draft, asOf: asOf.toISOString(), termToDateSubtotal });
}
