// The local engine's controllable clock and the renewal-risk scheduler that
// runs on it. `outcome-engine clock advance 30d` moves the clock; the loop
// then fires every schedule that fell due, period closes and checkpoint
// checks alike, each at its own time and in time order (the clock stops at
// each fire time while it runs), so a user can walk through a contract term
// and watch invoices close, checks run, tasks appear and escalate.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { InMemoryCheckpointScheduler, type StoredCheckpointSchedule } from './in-memory-checkpoint-scheduler';
import type { RenewalRiskSettings } from '../../lambdas/application/risk/risk-settings';
import {
  checkpointDaysOf,
  scheduleRenewalChecks,
  type ScheduleRenewalChecksDeps,
  type ScheduleRenewalChecksResult,
} from '../../lambdas/application/risk/schedule-renewal-checks';
import { deriveContractChange, type ContractChange, type ContractSnapshot } from '../../lambdas/domain/plans/contract-change';
import type { Contract } from '../../lambdas/domain/plans/contract-schema';
import { InstantSchema } from '../../lambdas/domain/periods/time-schemas';
import { createRiskService, riskTaskOwners, type RiskService, type RiskServiceConfig } from '../../lambdas/composition/risk-service';
import { createCheckRenewalRiskHandler, type CheckRenewalRiskResponse } from '../../lambdas/handlers/check-renewal-risk';
import type { LocalBilling } from './local-billing';
import { asLocalLambda } from './lambda-context';
import { LOCAL_ACCOUNT_ID, LOCAL_DEFAULTS } from './local-aws';
import { EngineError, codedEngineErrorClass } from '../../lambdas/domain/errors/engine-error';
import { errorResponseBodyOf, httpStatusOf, isAnsweredToCaller } from '../../lambdas/shared/error-responses';

/** A clock that follows a base clock plus an offset the user moves. */
export interface LocalClock {
  now(): Date;
  /** Moves the clock by `ms` (never backwards). */
  advanceBy(ms: number): Date;
  /** Moves the clock to `instant` (never backwards: checks that fired stay fired). */
  advanceTo(instant: Date): Date;
}

export class ClockMovesBackwardsError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'clock_backwards';
  constructor(target: Date, now: Date) {
    super(`the local clock only moves forward: ${target.toISOString()} is before ${now.toISOString()}`);
    this.name = 'ClockMovesBackwardsError';
  }
}

/** The furthest one change may move the clock: far enough for any contract term, short of dates nothing can store. */
export const MAX_CLOCK_ADVANCE_YEARS = 100;
const MAX_CLOCK_ADVANCE_MS = MAX_CLOCK_ADVANCE_YEARS * 365.25 * 86_400_000;
/** The last instant with a four-digit year: RFC 3339 timestamps, DynamoDB keys and Stripe dates all assume one. */
export const LATEST_CLOCK_INSTANT = new Date('9999-12-31T23:59:59.999Z');

/** A clock change that is not a sane instant (not finite, too far ahead, past year 9999). */
export class ClockTargetOutOfRangeError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'clock_out_of_range';
  constructor(detail: string) {
    super(`the local clock cannot move there: ${detail}`);
    this.name = 'ClockTargetOutOfRangeError';
  }
}

/** Refuses a target that is not finite, more than MAX_CLOCK_ADVANCE_YEARS ahead of `now`, past LATEST_CLOCK_INSTANT, or before `now`. */
export function checkClockTarget(target: Date, now: Date): void {
  const targetMs = target.getTime();
  if (!Number.isFinite(targetMs)) throw new ClockTargetOutOfRangeError('the target is not a valid instant');
  if (targetMs < now.getTime()) throw new ClockMovesBackwardsError(target, now);
  if (targetMs - now.getTime() > MAX_CLOCK_ADVANCE_MS) {
    throw new ClockTargetOutOfRangeError(`${target.toISOString()} is more than ${MAX_CLOCK_ADVANCE_YEARS} years after ${now.toISOString()}`);
  }
  if (targetMs > LATEST_CLOCK_INSTANT.getTime()) throw new ClockTargetOutOfRangeError(`${target.toISOString()} is after ${LATEST_CLOCK_INSTANT.toISOString()}`);
}

export function createLocalClock(base: () => Date = () => new Date()): LocalClock {
  let offsetMs = 0;
  const now = () => new Date(base().getTime() + offsetMs);
  const advanceTo = (instant: Date): Date => {
    const current = now();
    checkClockTarget(instant, current);
    offsetMs += instant.getTime() - current.getTime();
    return now();
  };
  return {
    now,
    advanceTo,
    advanceBy: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new ClockTargetOutOfRangeError(`${ms} ms is not a duration ahead`);
      return advanceTo(new Date(now().getTime() + ms));
    },
  };
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export class InvalidDurationError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_duration';
  constructor(text: string, reason = 'expected a duration such as 30d, 12h, 90m or 2w') {
    super(`${reason} (got "${text}")`);
    this.name = 'InvalidDurationError';
  }
}

/** "30d", "12h", "90m", "2w", or combinations such as "1d12h", in milliseconds; at most MAX_CLOCK_ADVANCE_YEARS. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+[mhdw])+$/.test(trimmed)) throw new InvalidDurationError(text);
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([mhdw])/g)) total += Number(amount) * (DURATION_UNITS[unit as string] ?? 0);
  if (!Number.isSafeInteger(total) || total > MAX_CLOCK_ADVANCE_MS) {
    throw new InvalidDurationError(text, `a clock advance is at most ${MAX_CLOCK_ADVANCE_YEARS} years`);
  }
  return total;
}

export interface FiredCheck {
  readonly scheduleName: string;
  readonly fireAt: string;
  readonly result?: CheckRenewalRiskResponse;
  readonly error?: string;
}

export interface LocalRenewalScheduler {
  readonly scheduler: InMemoryCheckpointScheduler;
  /**
   * The safety net behind 'Contract Changed': plans checkpoints for stored
   * contracts whose term, zone, checkpoint days or cancellation differ from
   * what this process last planned (contracts loaded while no engine ran, the
   * example contracts, an announcement that never arrived).
   */
  syncContracts(): Promise<number>;
  /** What the schedule-renewal-checks route does on a 'Contract Changed' event. */
  applyChange(change: ContractChange): Promise<ScheduleRenewalChecksResult>;
  /** Fires the schedules due by `target`, each with the clock at its fire time, then leaves the clock at `target`. */
  advanceTo(target: Date): Promise<FiredCheck[]>;
  /** Fires what is due now (the timer's tick). */
  runDue(): Promise<FiredCheck[]>;
  pending(): StoredCheckpointSchedule[];
}

/**
 * Other one-time schedules on the same clock (the engine's period closes), so
 * that advancing fires everything due in time order: a check sees the spend
 * and payment signals of every close that fell due before it, as in AWS.
 */
export interface LocalScheduleTimeline {
  /** The earliest pending fire time strictly after `after`, if any. */
  nextAfter(after: Date): Date | undefined;
  /** Runs everything due at the clock's current time. */
  runDue(): Promise<void>;
}

/** Several timelines as one: the earliest next time of any; at one instant each runs in the order given. */
export function combinedTimeline(...timelines: readonly LocalScheduleTimeline[]): LocalScheduleTimeline {
  return {
    nextAfter: (after) => {
      const times = timelines.map((timeline) => timeline.nextAfter(after)?.getTime()).filter((at): at is number => at !== undefined);
      return times.length === 0 ? undefined : new Date(Math.min(...times));
    },
    runDue: async () => {
      for (const timeline of timelines) await timeline.runDue();
    },
  };
}

/**
 * The emulator's invoice payments as a timeline: the clock stops at each
 * moment a customer pays (or a payment fails), so a check after it sees the
 * payment and a check before it does not.
 */
export function paymentCollectionTimeline(billing: Pick<LocalBilling, 'emulator' | 'collectDuePayments'>): LocalScheduleTimeline {
  return {
    nextAfter: (after) => billing.emulator?.nextPaymentCollectionAt(after),
    runDue: async () => {
      await billing.collectDuePayments();
    },
  };
}

/**
 * The engine's period closes as a timeline: scheduling and running them is
 * what the billing tick does (runDueCloses); a close that fails stays due and
 * is retried on each run, as Scheduler retries it.
 */
export function periodCloseTimeline(billing: Pick<LocalBilling, 'scheduler' | 'runDueCloses'>, now: () => Date): LocalScheduleTimeline {
  return {
    nextAfter: (after) => {
      const next = billing.scheduler
        .list()
        .map((close) => Date.parse(close.closeAt))
        .filter((at) => at > after.getTime())
        .sort((a, b) => a - b)[0];
      return next === undefined ? undefined : new Date(next);
    },
    runDue: async () => {
      const first = await billing.runDueCloses();
      // A tick already in flight may have started before the clock moved: run once more for what it could not see.
      const attempted = new Set([...first.closed.map((c) => c.close.scheduleName), ...first.failed.map((f) => f.scheduleName)]);
      if (billing.scheduler.due(now()).some((close) => !attempted.has(close.scheduleName))) await billing.runDueCloses();
    },
  };
}

export interface LocalRenewalSchedulerOptions {
  readonly clock: LocalClock;
  readonly risk: RiskService;
  readonly contracts: Pick<DynamoDbPlanStore, 'listContracts' | 'getContract' | 'getContractAsOf' | 'getPlan'>;
  readonly scheduler: InMemoryCheckpointScheduler;
  readonly log: (message: string) => void;
  /** Period closes on the same clock, fired in order with the checks (absent with billing off). */
  readonly closes?: LocalScheduleTimeline;
}

export function createLocalRenewalScheduler(options: LocalRenewalSchedulerOptions): LocalRenewalScheduler {
  const { clock, risk, scheduler, log } = options;
  // What each contract's checkpoints were last planned from, in this process.
  const planned = new Map<string, ContractSnapshot>();
  const scheduleDeps: ScheduleRenewalChecksDeps = {
    scheduler,
    contracts: options.contracts,
    plans: options.contracts,
    settings: risk.deps.settings,
    clock: () => clock.now(),
    taskOwners: riskTaskOwners(risk.deps),
  };
  // The same thin handler the Scheduler target runs in AWS.
  // Run as the check-renewal-risk Lambda, so its log lines name that function.
  const handler = asLocalLambda(
    'check-renewal-risk',
    createCheckRenewalRiskHandler(async () => (payload) => risk.checkRenewalRisk(payload)),
    { timeoutMs: 60_000, region: LOCAL_DEFAULTS.region, accountId: LOCAL_ACCOUNT_ID },
  );
  // One run at a time: a timer tick and a clock advance must not fire a schedule twice.
  let running: Promise<unknown> = Promise.resolve();
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work, work);
    running = next.catch(() => undefined);
    return next;
  };
  const snapshotOf = async (contract: Contract): Promise<ContractSnapshot> => ({ contract, checkpointsDays: await checkpointDaysOf(scheduleDeps, contract) });

  const syncContracts = async (): Promise<number> => {
    let changed = 0;
    for (const stored of await options.contracts.listContracts()) {
      const current = await snapshotOf(stored.contract);
      const change = deriveContractChange(planned.get(stored.contract.contractId), current);
      if (!change) continue;
      await scheduleRenewalChecks(scheduleDeps, change);
      planned.set(stored.contract.contractId, current);
      changed += 1;
    }
    return changed;
  };

  const applyChange = async (change: ContractChange): Promise<ScheduleRenewalChecksResult> => {
    const result = await scheduleRenewalChecks(scheduleDeps, change);
    // Planned from the stored contract: the safety-net scan has nothing left to do for it.
    const contract = await options.contracts.getContract(change.contractId);
    if (contract) planned.set(change.contractId, await snapshotOf(contract));
    return result;
  };

  const fire = async (schedule: StoredCheckpointSchedule): Promise<FiredCheck> => {
    try {
      const result = await handler(schedule.payload);
      return { scheduleName: schedule.scheduleName, fireAt: schedule.fireAt, result };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      log(`renewal check ${schedule.scheduleName} failed: ${message}`);
      return { scheduleName: schedule.scheduleName, fireAt: schedule.fireAt, error: message };
    }
  };

  // Every schedule due by the target, closes and checks alike, in time order;
  // at the same instant closes go first (a check at 09:00 sees the close due at 09:00).
  // The target is taken once the run has its turn: `now` means the clock's time then
  // (the timer's tick), and the clock, which may move on by itself meanwhile, is never asked to go back.
  const reach = (instant: Date): void => {
    if (instant.getTime() <= clock.now().getTime()) return;
    try {
      clock.advanceTo(instant);
    } catch (error) {
      // The clock passed the instant by itself between the look and the move: nothing to do.
      if (!(error instanceof ClockMovesBackwardsError)) throw error;
    }
  };
  const runUntil = (targetOf: () => Date): Promise<FiredCheck[]> =>
    serialize(async () => {
      // "Now" is read before the target: a target that follows the clock
      // (runDue's) is then never before it, even on a clock that moves on.
      const current = clock.now();
      const target = targetOf();
      checkClockTarget(target, current);
      await syncContracts();
      // Schedules the stored contracts' closes, and runs those already due.
      await options.closes?.runDue();
      const fired: FiredCheck[] = [];
      for (;;) {
        const check = scheduler.list()[0];
        const checkAt = check ? Date.parse(check.fireAt) : Number.POSITIVE_INFINITY;
        const closeAt = options.closes?.nextAfter(clock.now())?.getTime() ?? Number.POSITIVE_INFINITY;
        const nextAt = Math.min(checkAt, closeAt);
        if (nextAt > target.getTime()) break;
        reach(new Date(nextAt));
        if (closeAt <= clock.now().getTime()) await options.closes?.runDue();
        for (const due of scheduler.takeDue(clock.now().toISOString())) fired.push(await fire(due));
      }
      reach(target);
      return fired;
    });

  return {
    scheduler,
    syncContracts: () => serialize(syncContracts),
    applyChange: (change) => serialize(() => applyChange(change)),
    advanceTo: (target) => runUntil(() => target),
    runDue: () => runUntil(() => clock.now()),
    pending: () => scheduler.list(),
  };
}

export interface LocalRenewalRiskSettings {
  /** How often contracts are re-read and due checks fired on the clock; 0 turns the timer off. @default 60000 */
  readonly tickIntervalMs?: number;
  /** Port of the clock's control endpoint on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  readonly settings?: Partial<RenewalRiskSettings>;
}

export interface LocalRenewalRisk {
  readonly clock: LocalClock;
  readonly risk: RiskService;
  readonly renewalScheduler: LocalRenewalScheduler;
  /** The clock's control endpoint, e.g. http://127.0.0.1:40123 (GET /_local/clock, POST /_local/clock/advance). */
  readonly clockUrl: string;
  stop(): Promise<void>;
}

export const ClockAdvanceRequestSchema = z.union([
  z.strictObject({ by: z.string().min(2) }),
  z.strictObject({ to: InstantSchema }),
]);
export type ClockAdvanceRequest = z.infer<typeof ClockAdvanceRequestSchema>;

/** A control request the endpoint refuses as sent (400), never as its own failure. */
class ClockRequestError extends codedEngineErrorClass('ClockRequestError', 'invalid_input') {}

const MAX_CLOCK_REQUEST_BYTES = 64 * 1024;

function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    let tooLarge = false;
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (tooLarge) return;
      text += chunk;
      if (text.length > MAX_CLOCK_REQUEST_BYTES) {
        tooLarge = true;
        reject(new ClockRequestError('request_too_large', `the request body is over ${MAX_CLOCK_REQUEST_BYTES} bytes`));
      }
    });
    request.on('end', () => {
      if (tooLarge) return;
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch (error) {
        reject(new ClockRequestError('invalid_json', `the request body is not JSON: ${(error as Error).message}`, { cause: error }));
      }
    });
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

/** The clock's view for `clock show` and after an advance. */
export function clockView(renewal: LocalRenewalScheduler, clock: LocalClock, fired?: readonly FiredCheck[]) {
  return {
    now: clock.now().toISOString(),
    pendingChecks: renewal.pending().map((s) => ({ scheduleName: s.scheduleName, fireAt: s.fireAt, contractId: s.payload.contractId, checkpointDays: s.payload.checkpointDays })),
    ...(fired ? { fired } : {}),
  };
}

/**
 * Renewal risk in the local engine: the risk service on the engine's tables
 * and clock, the in-memory checkpoint scheduler, a timer, and the clock's
 * control endpoint (its url is recorded in the engine's engine.json for the CLI).
 */
export async function startLocalRenewalRisk(options: {
  readonly clock: LocalClock;
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledger: RiskServiceConfig['ledger'];
  /** With it, usage is read through the rollups the local stream reader keeps. */
  readonly ledgerTableName?: string;
  /** The engine's period closes, fired in time order with the checks when the clock advances. */
  readonly closes?: LocalScheduleTimeline;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly log: (message: string) => void;
  readonly settings?: LocalRenewalRiskSettings;
}): Promise<LocalRenewalRisk> {
  const { clock, log } = options;
  const scheduler = new InMemoryCheckpointScheduler();
  const risk = createRiskService({
    dynamoDb: options.dynamoDb,
    engineTableName: options.engineTableName,
    ledger: options.ledger,
    eventBridge: options.eventBridge,
    eventBusName: options.eventBusName,
    scheduler,
    now: () => clock.now(),
    ...(options.settings?.settings ? { settings: options.settings.settings } : {}),
    // Sealed by the local ledger stream reader; the raw scan until it has read the stream once (or with rollups off).
    ...(options.ledgerTableName ? { usageRollups: { progress: { kind: 'stored' as const }, ledgerTableName: options.ledgerTableName } } : {}),
  });
  const renewalScheduler = createLocalRenewalScheduler({
    clock,
    risk,
    scheduler,
    contracts: new DynamoDbPlanStore({ client: options.dynamoDb, tableName: options.engineTableName }),
    log,
    ...(options.closes ? { closes: options.closes } : {}),
  });
  await renewalScheduler.syncContracts().catch((error: unknown) => log(`renewal checkpoints not planned: ${String(error)}`));

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const work = async () => {
      if (path === '/_local/clock' && request.method === 'GET') {
        await renewalScheduler.syncContracts();
        return sendJson(response, 200, clockView(renewalScheduler, clock));
      }
      if (path === '/_local/clock/advance' && request.method === 'POST') {
        let body: unknown;
        try {
          body = await readJsonBody(request);
        } catch (error) {
          if (isAnsweredToCaller(error)) return sendJson(response, httpStatusOf(error), errorResponseBodyOf(error));
          throw error;
        }
        const parsed = ClockAdvanceRequestSchema.safeParse(body);
        if (!parsed.success) return sendJson(response, 400, { code: 'invalid_clock_request', message: z.prettifyError(parsed.error) });
        try {
          const target = 'by' in parsed.data ? new Date(clock.now().getTime() + parseDuration(parsed.data.by)) : new Date(parsed.data.to);
          const fired = await renewalScheduler.advanceTo(target);
          return sendJson(response, 200, clockView(renewalScheduler, clock, fired));
        } catch (error) {
          if (isAnsweredToCaller(error)) return sendJson(response, httpStatusOf(error), errorResponseBodyOf(error));
          throw error;
        }
      }
      request.resume();
      return sendJson(response, 404, { message: `No clock route ${request.method} ${path}` });
    };
    work().catch((error: unknown) => {
      log(`clock endpoint error: ${String(error)}`);
      if (!response.headersSent) sendJson(response, httpStatusOf(error), { message: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.settings?.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const clockUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const interval = options.settings?.tickIntervalMs ?? 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          renewalScheduler.runDue().catch((error: unknown) => log(`renewal checks failed: ${String(error)}`));
        }, interval)
      : undefined;
  timer?.unref();

  return {
    clock,
    risk,
    renewalScheduler,
    clockUrl,
    stop: async () => {
      if (timer) clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
