// Corrects invoiced periods as soon as something changes them, instead of at
// the contract's next close: a late outcome, a reversal, correction or
// verification recorded after its period's close (the ledger announces
// those), or an invoice finalized in Stripe (a credit note refused while it
// was a draft can now be issued). Every change names the periods it touches;
// changes to the same period in one batch are corrected once.
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import { periodById, periodContainingIfInTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { PeriodError } from '../../domain/periods/period-errors';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { PeriodCloseInProgressError } from './billing-errors';
import type { BillingDeps } from './close-contract-period';
import { correctInvoicedPeriod, invoiceIssued, type CorrectPeriodResult } from './correct-invoiced-period';
import { CLOSE_CATCH_UP_AFTER_MS } from './schedule-period-closes';
import type { ContractDirectory } from './ports';

export type PeriodChange =
  | {
      /** A ledger entry recorded after its outcome's close grace (late, reversed, corrected, verified). */
      readonly kind: 'outcome';
      readonly outcomeId: string;
      readonly customerId: string;
      readonly occurredAt: string;
      readonly recordedAt: string;
    }
  | {
      /** An invoice of the period changed state in Stripe (finalized): refused credit notes are retried. */
      readonly kind: 'invoice';
      readonly contractId: string;
      readonly periodId: string;
    };

/**
 * How long one call waits for closes in flight (due, or storing and pushing
 * their invoice) before it gives their changes back to the transport. A close
 * takes seconds, a redelivery counts against the message's receives: waiting
 * here keeps a change from being dead-lettered only because it arrived while
 * its period was closing.
 */
export interface CloseWait {
  /** Total pause over the whole call, every period included (it bounds the invocation's time). */
  readonly budgetMs: number;
  /** Pause between two looks at the period's invoice. */
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Well within the handler's 120 s timeout, and far longer than a close of one
 * contract takes. The pause itself (`sleep`) is the composition's to give.
 */
export const DEFAULT_CLOSE_WAIT_TIMING: Omit<CloseWait, 'sleep'> = { budgetMs: 20_000, pollMs: 200 };

export interface CorrectChangedPeriodsDeps extends BillingDeps {
  readonly directory: ContractDirectory;
  /** The close grace: a period without an invoice record closes at its end plus this. */
  readonly graceHours: number;
  /** Periods corrected at once (each makes its own Stripe calls under the shared rate limit). @default 2 */
  readonly concurrency?: number;
  /** How long to wait for closes in flight (DEFAULT_CLOSE_WAIT_TIMING in production). */
  readonly closeWait: CloseWait;
}

export type PeriodCorrectionOutcome =
  | ({ readonly status: 'corrected' } & CorrectPeriodResult)
  /** Its close has not run and will read the change (recorded before the cutoff). */
  | { readonly status: 'not_closed_yet' }
  /**
   * Its close is overdue by more than CLOSE_CATCH_UP_AFTER_MS and has stored
   * no invoice: it is not running on schedule, and corrects its own period
   * when it finally issues the invoice.
   */
  | { readonly status: 'close_overdue' }
  /** Its invoice was rated after the change was recorded: the change is on it. */
  | { readonly status: 'already_invoiced' }
  | { readonly status: 'failed'; readonly error: Error };

export interface PeriodCorrection {
  readonly contractId: string;
  readonly periodId: string;
  readonly outcome: PeriodCorrectionOutcome;
}

export interface CorrectChangedPeriodsResult {
  /** One per period touched by any change. */
  readonly periods: readonly PeriodCorrection[];
  /** Per change (input order): whether every period it touches was dealt with; false means deliver it again. */
  readonly changes: readonly { readonly done: boolean; readonly error?: Error }[];
}

interface Target {
  readonly contractId: string;
  readonly period: BillingPeriod;
  /** Latest recordedAt of its outcome changes: the correction rates at least this far. */
  latestRecordedAt: number;
  /** Some change must be looked at whatever the invoice's cutoff (a finalized invoice). */
  always: boolean;
  readonly changes: Set<number>;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The billed period of the contract holding `instant`, if any (outside the term or after a cancellation: none). */
function billedPeriodAt(contract: Contract, instant: string): BillingPeriod | undefined {
  const period = periodContainingIfInTerm(billingScheduleForContract(contract), instant);
  return period === undefined || (contract.cancelledOn !== undefined && period.startDate >= contract.cancelledOn) ? undefined : period;
}

function billedPeriodById(contract: Contract, periodId: string): BillingPeriod | undefined {
  try {
    return periodById(billingScheduleForContract(contract), periodId);
  } catch (error) {
    // Not a billing period of this contract (an adjustment invoice's id, a period id of another cadence).
    if (error instanceof PeriodError) return undefined;
    throw error;
  }
}

/** One pause of the call's shared wait budget; false once it is spent. */
type PauseForClose = () => Promise<boolean>;

function closeWaitPauses(wait: CloseWait): PauseForClose {
  let remainingMs = wait.budgetMs;
  return async () => {
    if (remainingMs <= 0) return false;
    const pauseMs = Math.min(wait.pollMs, remainingMs);
    // Taken before the pause: periods waiting side by side share the budget, so the call's wait stays bounded.
    remainingMs -= pauseMs;
    await wait.sleep(pauseMs);
    return true;
  };
}

async function correctTarget(deps: CorrectChangedPeriodsDeps, target: Target, nowMs: number, pause: PauseForClose): Promise<PeriodCorrectionOutcome> {
  const closeAt = Date.parse(target.period.end) + deps.graceHours * 3_600_000;
  for (;;) {
    const record = await deps.invoices.getRecord(target.contractId, target.period.id);
    if (!record) {
      if (nowMs < closeAt && target.latestRecordedAt < closeAt) return { status: 'not_closed_yet' };
      if (nowMs >= closeAt + CLOSE_CATCH_UP_AFTER_MS) return { status: 'close_overdue' };
      // The close is due (probably running): wait for its invoice, then correct what it did not read.
      if (await pause()) continue;
      throw new PeriodCloseInProgressError(
        `period ${target.period.id} of "${target.contractId}" closed at ${new Date(closeAt).toISOString()} but has no invoice yet: its close must run first`,
      );
    }
    if (!target.always && target.latestRecordedAt <= Date.parse(record.cutoff)) return { status: 'already_invoiced' };
    // The record is stored but its close is still pushing it to Stripe: nothing can be credited on it yet.
    if (!invoiceIssued(await deps.invoices.getStatus(target.contractId, target.period.id))) {
      if (await pause()) continue;
      throw new PeriodCloseInProgressError(
        `period ${target.period.id} of "${target.contractId}" is still being pushed to Stripe by its close: it is corrected once its invoice is issued`,
      );
    }
    const asOf = new Date(Math.max(nowMs, target.latestRecordedAt)).toISOString();
    const corrected = await correctInvoicedPeriod(deps, { contractId: target.contractId, periodId: target.period.id, asOf, mode: 'prompt' });
    return { status: 'corrected', ...corrected };
  }
}

/**
 * Finds the invoiced periods each change touches and corrects each of them
 * once (see correctInvoicedPeriod's prompt mode). A period whose close is due
 * but has not issued its invoice is waited for (closeWait); one still not
 * issued when the wait is spent, or any failure, leaves its changes undone so
 * the transport delivers them again; everything else is done.
 */
export async function correctChangedPeriods(deps: CorrectChangedPeriodsDeps, changes: readonly PeriodChange[]): Promise<CorrectChangedPeriodsResult> {
  const nowMs = deps.clock().getTime();
  const contracts = new Map<string, Promise<Contract | undefined>>();
  const contractOf = (contractId: string) => {
    let found = contracts.get(contractId);
    if (!found) contracts.set(contractId, (found = deps.contracts.getContract(contractId)));
    return found;
  };
  const customers = new Map<string, Promise<string[]>>();
  const contractIdsOf = (customerId: string) => {
    let found = customers.get(customerId);
    if (!found) customers.set(customerId, (found = deps.directory.contractIdsOfCustomer(customerId)));
    return found;
  };

  const targets = new Map<string, Target>();
  const failedChanges = new Map<number, Error>();
  const touch = (contractId: string, period: BillingPeriod, index: number, recordedAtMs: number, always: boolean) => {
    const key = `${contractId}\u0000${period.id}`;
    let target = targets.get(key);
    if (!target) targets.set(key, (target = { contractId, period, latestRecordedAt: 0, always: false, changes: new Set() }));
    target.latestRecordedAt = Math.max(target.latestRecordedAt, recordedAtMs);
    target.always ||= always;
    target.changes.add(index);
  };

  for (const [index, change] of changes.entries()) {
    try {
      if (change.kind === 'outcome') {
        for (const contractId of await contractIdsOf(change.customerId)) {
          const contract = await contractOf(contractId);
          const period = contract && billedPeriodAt(contract, change.occurredAt);
          if (contract && period) touch(contractId, period, index, Date.parse(change.recordedAt), false);
        }
      } else {
        const contract = await contractOf(change.contractId);
        const period = contract && billedPeriodById(contract, change.periodId);
        if (contract && period) touch(change.contractId, period, index, 0, true);
      }
    } catch (error) {
      failedChanges.set(index, asError(error));
    }
  }

  const pause = closeWaitPauses(deps.closeWait);
  const periods = await mapWithConcurrency([...targets.values()], deps.concurrency ?? 2, async (target): Promise<PeriodCorrection> => {
    let outcome: PeriodCorrectionOutcome;
    try {
      outcome = await correctTarget(deps, target, nowMs, pause);
    } catch (error) {
      outcome = { status: 'failed', error: asError(error) };
      for (const index of target.changes) if (!failedChanges.has(index)) failedChanges.set(index, outcome.error);
    }
    return { contractId: target.contractId, periodId: target.period.id, outcome };
  });
  return {
    periods,
    changes: changes.map((_, index) => {
      const error = failedChanges.get(index);
      return error ? { done: false, error } : { done: true };
    }),
  };
}
