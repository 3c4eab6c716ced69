import type { Contract } from '../../domain/plans/contract-schema';
import { billingScheduleForContract, planVersionForContract } from '../../domain/plans/contract-plan';
import { periodById } from '../../domain/periods/billing-period';
import { initialCreditBalance, rateContractPeriod } from '../../domain/rating/rate-contract-period';
import type { DraftInvoice } from '../../domain/rating/draft-invoice';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import { hasPins, pinnedDefinitionsOf, type PinnedDefinitions } from '../../domain/ledger/governing-definition';
import { BillingNotFoundError } from './billing-errors';
import type { ContractReader, DefinitionCatalog, UsageReader } from './ports';

export interface RateForInvoiceDeps {
  readonly contracts: ContractReader;
  readonly usage: UsageReader;
  /** The catalog, read only for a contract that pins definition versions. */
  readonly definitions: DefinitionCatalog;
}

/**
 * The terms of the contract's pinned definition versions, from the catalog;
 * undefined when it pins none. A pin is never ignored: a version the catalog
 * lacks stops rating with an error.
 */
export async function pinnedDefinitionsForContract(
  definitions: DefinitionCatalog,
  contract: Pick<Contract, 'contractId' | 'definitionVersions'>,
): Promise<PinnedDefinitions | undefined> {
  const pins = contract.definitionVersions;
  if (pins === undefined || Object.keys(pins).length === 0) return undefined;
  const metrics = new Map((await definitions.readCatalog()).metrics.map((metric) => [metric.code, metric]));
  return pinnedDefinitionsOf(pins, (code) => metrics.get(code));
}

export async function loadContract(contracts: ContractReader, contractId: string): Promise<Contract> {
  const contract = await contracts.getContract(contractId);
  if (!contract) throw new BillingNotFoundError('contract_not_found', `no contract "${contractId}"`);
  return contract;
}

/**
 * Rates a contract's period as of a ledger cutoff. The prepaid credit balance
 * and the term-to-date subtotal come from the invoice records of the term's
 * earlier periods, so a period is always rated against what was really issued.
 */
export async function rateForInvoice(
  deps: RateForInvoiceDeps,
  input: {
    contract: Contract;
    periodId: string;
    asOf: string;
    now: string;
    earlierRecords: readonly InvoiceRecord[];
    /**
     * The pinned terms to count under instead of the contract's current pins:
     * a correction passes those its invoice was rated under (none when the
     * invoice records none), so a changed pin never rebills a closed period.
     */
    pinned?: PinnedDefinitions | null;
  },
): Promise<DraftInvoice> {
  const { contract } = input;
  const usageRead = deps.usage.beginRead?.() ?? deps.usage;
  const plan = await deps.contracts.getPlan(contract.plan.code);
  if (!plan) throw new BillingNotFoundError('plan_not_found', `no plan "${contract.plan.code}" for contract "${contract.contractId}"`);
  const period = periodById(billingScheduleForContract(contract), input.periodId);
  const planVersion = planVersionForContract(plan, contract, period.startDate);
  const pinned = input.pinned === undefined ? await pinnedDefinitionsForContract(deps.definitions, contract) : (input.pinned ?? undefined);
  const usage = await usageRead.readPeriodUsage({ contract, planVersion, period, asOf: input.asOf, ...(hasPins(pinned) ? { pinned } : {}) });
  const earlier = input.earlierRecords.filter((record) => record.period.start < period.start);
  const creditBalance = contract.prepaidCredits
    ? initialCreditBalance(contract) - earlier.reduce((sum, record) => sum + record.creditsApplied, 0n)
    : undefined;
  const termToDate = period.lastOfTerm ? { subtotal: earlier.reduce((sum, record) => sum + record.subtotal, 0n) } : undefined;
  const draft = rateContractPeriod({
    contract,
    planVersion,
    period,
    usage: { ...usage, asOf: usage.asOf ?? input.asOf },
    now: input.now,
    ...(creditBalance !== undefined ? { creditBalance } : {}),
    ...(termToDate ? { termToDate } : {}),
  });
  return hasPins(pinned) ? { ...draft, pinnedDefinitions: pinned } : draft;
}
