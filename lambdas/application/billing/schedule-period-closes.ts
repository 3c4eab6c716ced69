// When each contract period closes: at the period end in the contract's time
// zone plus a grace for late outcomes (24 h by default). The close instant is
// also the ledger cutoff, so a scheduled close and a re-run read the same
// usage. Schedules are one-time and named from contract and period, so
// scheduling twice never makes a second close.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { periodById, periodsForTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { closeContractPeriod, type BillingDeps, type ClosePeriodResult } from './close-contract-period';
import { correctInvoicedPeriod, type CorrectPeriodResult } from './correct-invoiced-period';
import { loadContract } from './rate-for-invoice';

export const DEFAULT_CLOSE_GRACE_HOURS = 24;

export const ClosePeriodRequestSchema = z.strictObject({
  contractId: z.string({ error: 'expected a contract id' }).min(1).max(128),
  periodId: z.string({ error: 'expected a period id such as 2026-11, 2026-Q4 or 2026' }).regex(/^\d{4}(-(\d{2}|Q[1-4]))?$/, {
    error: 'expected a period id such as 2026-11, 2026-Q4 or 2026',
  }),
});
export type ClosePeriodRequest = z.infer<typeof ClosePeriodRequestSchema>;

export interface PeriodClose {
  readonly contractId: string;
  readonly periodId: string;
  readonly timeZone: string;
  /** UTC instant of local midnight after the period's last day. */
  readonly periodEnd: string;
  /** periodEnd + grace (UTC): when the close runs and the ledger cutoff it rates at. */
  readonly closeAt: string;
  /** closeAt on the contract's wall clock, for people. */
  readonly localCloseAt: string;
  readonly graceHours: number;
  /** Deterministic Scheduler name: the same contract and period always map to the same schedule. */
  readonly scheduleName: string;
}

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

/** Every period close of the contract's term, in order. */
export function periodClosesForTerm(contract: Contract, graceHours = DEFAULT_CLOSE_GRACE_HOURS): PeriodClose[] {
  return periodsForTerm(billingScheduleForContract(contract)).map((period) => closeOf(contract, period, graceHours));
}

export type ScheduleCloseOutcome = 'created' | 'unchanged';

/** Where one-time close schedules live: EventBridge Scheduler in AWS, memory locally. */
export interface PeriodCloseScheduler {
  /** Idempotent: a schedule with this name already there is left alone. */
  scheduleClose(close: PeriodClose): Promise<ScheduleCloseOutcome>;
}

export interface SchedulePeriodClosesResult {
  readonly scheduled: readonly { readonly close: PeriodClose; readonly outcome: ScheduleCloseOutcome }[];
  /** Closes already in the past: closed by `period close` or the local engine's catch-up, not scheduled. */
  readonly past: readonly PeriodClose[];
}

/** Schedules the contract's future period closes. Safe to repeat (e.g. on every `plans load`). */
export async function schedulePeriodCloses(
  deps: { readonly scheduler: PeriodCloseScheduler; readonly clock: () => Date },
  input: { readonly contract: Contract; readonly graceHours?: number },
): Promise<SchedulePeriodClosesResult> {
  const now = deps.clock().getTime();
  const closes = periodClosesForTerm(input.contract, input.graceHours ?? DEFAULT_CLOSE_GRACE_HOURS);
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

/** Schedules in memory, fired by whoever owns the clock (the local engine). */
export class InMemoryPeriodCloseScheduler implements PeriodCloseScheduler {
  private readonly schedules = new Map<string, PeriodClose>();
  private readonly completed = new Set<string>();

  scheduleClose(close: PeriodClose): Promise<ScheduleCloseOutcome> {
    // A name that already ran stays taken, so re-scheduling never closes a period twice.
    if (this.schedules.has(close.scheduleName) || this.completed.has(close.scheduleName)) return Promise.resolve('unchanged');
    this.schedules.set(close.scheduleName, close);
    return Promise.resolve('created');
  }

  /** Schedules whose time has come, oldest first. */
  due(now: Date): PeriodClose[] {
    return [...this.schedules.values()].filter((close) => Date.parse(close.closeAt) <= now.getTime()).sort((a, b) => a.closeAt.localeCompare(b.closeAt));
  }

  /** One-time schedules go away once they ran, as Scheduler's ActionAfterCompletion DELETE does. */
  complete(scheduleName: string): void {
    this.schedules.delete(scheduleName);
    this.completed.add(scheduleName);
  }

  list(): PeriodClose[] {
    return [...this.schedules.values()];
  }
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
    if (corrected.correction || corrected.creditNotes.length > 0) results.push({ periodId: record.periodId, ...corrected });
  }
  return results;
}

/** Corrects earlier periods as of the cutoff, then closes the period at that cutoff. */
export async function correctAndClosePeriod(
  deps: BillingDeps,
  input: { readonly contractId: string; readonly periodId: string; readonly cutoff: string },
): Promise<{ result: ClosePeriodResult; corrections: ({ periodId: string } & CorrectPeriodResult)[] }> {
  // Once this period's record exists its lines are fixed: corrections found now wait for the next close.
  const existing = await deps.invoices.getRecord(input.contractId, input.periodId);
  const corrections = existing ? [] : await correctEarlierPeriods(deps, { contractId: input.contractId, periodId: input.periodId, asOf: input.cutoff });
  const result = await closeContractPeriod(deps, input);
  return { result, corrections };
}

/**
 * What a fired schedule does: closes the period at its cutoff (period end +
 * grace). Idempotent: a repeated or late invocation loads the stored record
 * and finishes or confirms the push.
 */
export async function closeScheduledPeriod(
  deps: BillingDeps & { readonly graceHours?: number },
  request: ClosePeriodRequest,
): Promise<CloseScheduledPeriodResult> {
  const contract = await loadContract(deps.contracts, request.contractId);
  const close = periodCloseFor(contract, request.periodId, deps.graceHours ?? DEFAULT_CLOSE_GRACE_HOURS);
  const { result, corrections } = await correctAndClosePeriod(deps, { contractId: request.contractId, periodId: request.periodId, cutoff: close.closeAt });
  return { close, result, corrections };
}
