// When each contract period closes: at the period end in the contract's time
// zone plus a grace for late outcomes (24 h by default). The close instant is
// also the ledger cutoff, so a scheduled close and a re-run read the same
// usage. Schedules are one-time and named from contract and period, so
// scheduling twice never makes a second close.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { ContractChange } from '../../domain/plans/contract-change';
import type { Contract } from '../../domain/plans/contract-schema';
import { periodById, periodsForTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { PeriodIdSchema } from '../../domain/periods/time-schemas';
import { closeContractPeriod, type BillingDeps, type ClosePeriodResult } from './close-contract-period';
import { correctInvoicedPeriod, type CorrectPeriodResult } from './correct-invoiced-period';
import { BillingNotFoundError } from './billing-errors';
import type { ContractReader, DeleteCloseOutcome, PeriodClose, PeriodCloseRef, PeriodCloseScheduler, ScheduleCloseOutcome } from './ports';
import { loadContract } from './rate-for-invoice';
import { EngineError } from '../../domain/errors/engine-error';

export const DEFAULT_CLOSE_GRACE_HOURS = 24;

export const ClosePeriodRequestSchema = z.strictObject({
  contractId: z.string({ error: 'expected a contract id' }).min(1).max(128),
  periodId: PeriodIdSchema,
});
export type ClosePeriodRequest = z.infer<typeof ClosePeriodRequestSchema>;

/** Scheduler names: 1..64 characters of [0-9a-zA-Z-_.]. */
export function closeScheduleName(contractId: string, periodId: string): string {
  const digest = createHash('sha256').update(`${contractId}\u0000${periodId}`).digest('hex').slice(0, 16);
  const readable = `${contractId}`.replace(/[^0-9A-Za-z_.-]/g, '-').slice(0, 30);
  return `close-${readable}-${periodId}-${digest}`.slice(0, 64);
}

function closeOf(contract: Contract, period: BillingPeriod, graceHours: number): PeriodClose {
  if (!Number.isFinite(graceHours) || graceHours < 0) throw new RangeError(`grace must be a non-negative number of hours, got ${graceHours}`);
  // Grace is elapsed time, not wall-clock time: 24 h after a DST change is still 24 h of late outcomes.
  const end = DateTime.fromISO(period.end, { zone: 'utc' });
  const closeAt = end.plus({ milliseconds: Math.round(graceHours * 3_600_000) });
  return {
    contractId: contract.contractId,
    periodId: period.id,
    timeZone: period.timeZone,
    periodEnd: end.toISO() ?? period.end,
    closeAt: closeAt.toUTC().toISO() ?? '',
    localCloseAt: closeAt.setZone(period.timeZone).toISO({ suppressMilliseconds: true }) ?? '',
    graceHours,
    scheduleName: closeScheduleName(contract.contractId, period.id),
  };
}

/** The close of one period of a contract (throws for a period outside the term). */
export function periodCloseFor(contract: Contract, periodId: string, graceHours = DEFAULT_CLOSE_GRACE_HOURS): PeriodClose {
  return closeOf(contract, periodById(billingScheduleForContract(contract), periodId), graceHours);
}

/** Every period close of the contract's term, in order (cancelled or not). */
export function periodClosesForTerm(contract: Contract, graceHours = DEFAULT_CLOSE_GRACE_HOURS): PeriodClose[] {
  return periodsForTerm(billingScheduleForContract(contract)).map((period) => closeOf(contract, period, graceHours));
}

export interface ContractCloseSchedule {
  /** Periods the contract bills: the whole term, or up to the period its cancellation falls in. */
  readonly billed: readonly PeriodClose[];
  /** Periods that start on or after `cancelledOn`: never billed, their schedules removed. */
  readonly cancelled: readonly PeriodClose[];
}

/**
 * The contract's closes split at its cancellation. The period that contains
 * `cancelledOn` is still closed (its usage up to then is billed); every later
 * period is not.
 */
export function contractCloseSchedule(contract: Contract, graceHours = DEFAULT_CLOSE_GRACE_HOURS): ContractCloseSchedule {
  const billed: PeriodClose[] = [];
  const cancelled: PeriodClose[] = [];
  for (const period of periodsForTerm(billingScheduleForContract(contract))) {
    const close = closeOf(contract, period, graceHours);
    if (contract.cancelledOn !== undefined && period.startDate >= contract.cancelledOn) cancelled.push(close);
    else billed.push(close);
  }
  return { billed, cancelled };
}

export interface SchedulePeriodClosesResult {
  readonly scheduled: readonly { readonly close: PeriodClose; readonly outcome: ScheduleCloseOutcome }[];
  /** Closes already in the past: closed by `period close` or the local engine's catch-up, not scheduled. */
  readonly past: readonly PeriodClose[];
}

/** Schedules the contract's future period closes (up to its cancellation). Safe to repeat (e.g. on every `plans load`). */
export async function schedulePeriodCloses(
  deps: { readonly scheduler: PeriodCloseScheduler; readonly clock: () => Date },
  input: { readonly contract: Contract; readonly graceHours?: number },
): Promise<SchedulePeriodClosesResult> {
  const now = deps.clock().getTime();
  const closes = contractCloseSchedule(input.contract, input.graceHours ?? DEFAULT_CLOSE_GRACE_HOURS).billed;
  const scheduled: { close: PeriodClose; outcome: ScheduleCloseOutcome }[] = [];
  const past: PeriodClose[] = [];
  for (const close of closes) {
    if (Date.parse(close.closeAt) <= now) {
      past.push(close);
      continue;
    }
    scheduled.push({ close, outcome: await deps.scheduler.scheduleClose(close) });
  }
  return { scheduled, past };
}

export interface CloseScheduledPeriodResult {
  readonly close: PeriodClose;
  readonly result: ClosePeriodResult;
  /** Corrections of earlier invoiced periods made just before this close (their increases are on this invoice). */
  readonly corrections: readonly ({ readonly periodId: string } & CorrectPeriodResult)[];
}

/**
 * Re-rates the contract's invoiced periods before `periodId` as of `asOf`:
 * late outcomes become adjustments that the coming close carries, reversals
 * become credit notes on their own period's invoice. Periods whose invoice is
 * not in Stripe yet are left for their own close to finish.
 */
export async function correctEarlierPeriods(
  deps: BillingDeps,
  input: { readonly contractId: string; readonly periodId: string; readonly asOf: string },
): Promise<({ periodId: string } & CorrectPeriodResult)[]> {
  const contract = await loadContract(deps.contracts, input.contractId);
  const periodStart = Date.parse(periodById(billingScheduleForContract(contract), input.periodId).start);
  const records = await deps.invoices.listRecords(input.contractId);
  const results: ({ periodId: string } & CorrectPeriodResult)[] = [];
  for (const record of records) {
    if (Date.parse(record.period.start) >= periodStart) continue;
    const status = await deps.invoices.getStatus(record.contractId, record.periodId);
    if (!status?.stripeInvoiceId || status.status === 'pushing') continue;
    const corrected = await correctInvoicedPeriod(deps, { contractId: record.contractId, periodId: record.periodId, asOf: input.asOf });
    if (corrected.correction || corrected.creditNotes.length > 0 || corrected.failedCreditNotes.length > 0) {
      results.push({ periodId: record.periodId, ...corrected });
    }
  }
  return results;
}

/**
 * How long after its cutoff a close may still be running before changes to
 * its period stop waiting for it (correctChangedPeriods retries them until
 * then); a close that finishes later corrects its own period at once.
 */
export const CLOSE_CATCH_UP_AFTER_MS = 3_600_000;

/**
 * Corrects earlier periods as of the cutoff, then closes the period at that
 * cutoff. A close that runs more than CLOSE_CATCH_UP_AFTER_MS after the
 * cutoff (it was stuck, or run late by hand) then corrects its own period as
 * of now, since changes recorded meanwhile stopped waiting for it.
 */
export async function correctAndClosePeriod(
  deps: BillingDeps,
  input: { readonly contractId: string; readonly periodId: string; readonly cutoff: string },
): Promise<{ result: ClosePeriodResult; corrections: ({ periodId: string } & CorrectPeriodResult)[] }> {
  // Once this period's record exists its lines are fixed: corrections found now wait for the next close.
  const existing = await deps.invoices.getRecord(input.contractId, input.periodId);
  const corrections = existing ? [] : await correctEarlierPeriods(deps, { contractId: input.contractId, periodId: input.periodId, asOf: input.cutoff });
  const result = await closeContractPeriod(deps, input);
  const now = deps.clock();
  const late = now.getTime() - Date.parse(input.cutoff) > CLOSE_CATCH_UP_AFTER_MS;
  // Also on a re-run: a catch-up that failed after the invoice was issued is not skipped (it makes each difference once).
  if (late && result.stripeInvoiceId) {
    const own = await correctInvoicedPeriod(deps, { contractId: input.contractId, periodId: input.periodId, asOf: now.toISOString(), mode: 'prompt' });
    if (own.correction || own.creditNotes.length > 0 || own.failedCreditNotes.length > 0 || own.adjustmentInvoices.length > 0) {
      corrections.push({ periodId: input.periodId, ...own });
    }
  }
  return { result, corrections };
}

/** A fired schedule whose period the contract no longer bills: nothing to close. */
export interface SkippedScheduledClose {
  readonly status: 'skipped';
  readonly reason: 'period_not_in_schedule';
  readonly contractId: string;
  readonly periodId: string;
  readonly message: string;
}

export type ScheduledCloseOutcome = ({ readonly status: 'closed' } & CloseScheduledPeriodResult) | SkippedScheduledClose;

/** A close asked for a period the contract no longer bills (closeScheduledPeriod's callers that cannot take a skip). */
export class PeriodNotInScheduleError extends EngineError {
  readonly category = 'state';
  readonly code = 'period_not_in_schedule';
  constructor(readonly skipped: SkippedScheduledClose) {
    super(skipped.message);
    this.name = 'PeriodNotInScheduleError';
  }
}

function describeBilling(contract: Contract): string {
  const cancelled = contract.cancelledOn ? `, cancelled from ${contract.cancelledOn}` : '';
  return `term ${contract.termStart}..${contract.termEnd}, ${contract.billingPeriod.cadence} billing in ${contract.timeZone}${cancelled}`;
}

/**
 * What a fired schedule does: closes the period at its cutoff (period end +
 * grace). Idempotent: a repeated or late invocation loads the stored record
 * and finishes or confirms the push. A schedule left from an earlier version
 * of the contract (another billing period, a moved term, a cancellation) is
 * skipped with its reason: the contract as stored decides what is billed.
 */
export async function runScheduledClose(
  deps: BillingDeps & { readonly graceHours?: number },
  request: ClosePeriodRequest,
): Promise<ScheduledCloseOutcome> {
  const contract = await loadContract(deps.contracts, request.contractId);
  const close = contractCloseSchedule(contract, deps.graceHours ?? DEFAULT_CLOSE_GRACE_HOURS).billed.find((c) => c.periodId === request.periodId);
  if (!close) {
    return {
      status: 'skipped',
      reason: 'period_not_in_schedule',
      contractId: request.contractId,
      periodId: request.periodId,
      message:
        `skipped: period ${request.periodId} is no longer in contract ${request.contractId}'s schedule ` +
        `(${describeBilling(contract)}); the schedule was left from an earlier version of the contract`,
    };
  }
  const { result, corrections } = await correctAndClosePeriod(deps, { contractId: request.contractId, periodId: request.periodId, cutoff: close.closeAt });
  return { status: 'closed', close, result, corrections };
}

/** runScheduledClose for callers that only take a closed period: a skip throws PeriodNotInScheduleError. */
export async function closeScheduledPeriod(
  deps: BillingDeps & { readonly graceHours?: number },
  request: ClosePeriodRequest,
): Promise<CloseScheduledPeriodResult> {
  const outcome = await runScheduledClose(deps, request);
  if (outcome.status === 'skipped') throw new PeriodNotInScheduleError(outcome);
  return outcome;
}

export interface ReschedulePeriodClosesDeps {
  readonly scheduler: PeriodCloseScheduler;
  readonly contracts: Pick<ContractReader, 'getContract'>;
  readonly clock: () => Date;
  readonly graceHours?: number;
}

export interface ReschedulePeriodClosesResult {
  readonly contractId: string;
  readonly change: ContractChange['change'];
  readonly scheduled: SchedulePeriodClosesResult['scheduled'];
  readonly past: SchedulePeriodClosesResult['past'];
  /**
   * Schedules removed: future periods after a cancellation. A schedule left from an
   * old billing setup (another cadence, a moved term) stays, in AWS and locally alike,
   * and is skipped when it fires (runScheduledClose).
   */
  readonly removed: readonly { readonly close: PeriodCloseRef; readonly outcome: DeleteCloseOutcome }[];
}

/**
 * Keeps a contract's close schedules in step with the contract as stored,
 * whatever the change says (an event delivered late or twice converges on
 * the same schedules): future closes of billed periods are scheduled, future
 * closes after a cancellation are removed.
 */
export async function reschedulePeriodCloses(deps: ReschedulePeriodClosesDeps, change: ContractChange): Promise<ReschedulePeriodClosesResult> {
  const contract = await deps.contracts.getContract(change.contractId);
  // Retried, then dead-lettered: the event announces a contract the store must hold.
  if (!contract) throw new BillingNotFoundError('contract_not_found', `no contract "${change.contractId}" to schedule period closes for`);
  const graceHours = deps.graceHours ?? DEFAULT_CLOSE_GRACE_HOURS;
  const { scheduled, past } = await schedulePeriodCloses({ scheduler: deps.scheduler, clock: deps.clock }, { contract, graceHours });
  const now = deps.clock().getTime();
  const stale: PeriodCloseRef[] = contractCloseSchedule(contract, graceHours).cancelled.filter((close) => Date.parse(close.closeAt) > now);
  const removed: { close: PeriodCloseRef; outcome: DeleteCloseOutcome }[] = [];
  for (const close of stale) removed.push({ close, outcome: await deps.scheduler.deleteClose(close) });
  return { contractId: contract.contractId, change: change.change, scheduled, past, removed };
}
