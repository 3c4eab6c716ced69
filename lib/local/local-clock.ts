// The local engine's controllable clock and the renewal-risk scheduler that
// runs on it. `outcome-engine clock advance 30d` moves the clock; the loop
// then fires every schedule that fell due, period closes and checkpoint
// checks alike, each at its own time and in time order (the clock stops at
// each fire time while it runs), so a user can walk through a contract term
// and watch invoices close, checks run, tasks appear and escalate.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { createRiskService, type RiskService, type RiskServiceConfig } from '../../lambdas/composition/risk-service';
import { createCheckRenewalRiskHandler, type CheckRenewalRiskResponse } from '../../lambdas/handlers/check-renewal-risk';
import type { LocalBilling } from './local-billing';

/** A clock that follows a base clock plus an offset the user moves. */
export interface LocalClock {
  now(): Date;
  /** Moves the clock by `ms` (never backwards). */
  advanceBy(ms: number): Date;
  /** Moves the clock to `instant` (never backwards: checks that fired stay fired). */
  advanceTo(instant: Date): Date;
}

export class ClockMovesBackwardsError extends Error {
  readonly code = 'clock_backwards';
  constructor(target: Date, now: Date) {
    super(`the local clock only moves forward: ${target.toISOString()} is before ${now.toISOString()}`);
    this.name = 'ClockMovesBackwardsError';
  }
}

export function createLocalClock(base: () => Date = () => new Date()): LocalClock {
  let offsetMs = 0;
  const now = () => new Date(base().getTime() + offsetMs);
  const advanceTo = (instant: Date): Date => {
    const current = now();
    if (instant.getTime() < current.getTime()) throw new ClockMovesBackwardsError(instant, current);
    offsetMs += instant.getTime() - current.getTime();
    return now();
  };
  return { now, advanceTo, advanceBy: (ms) => advanceTo(new Date(now().getTime() + Math.max(0, ms))) };
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export class InvalidDurationError extends Error {
  readonly code = 'invalid_duration';
  constructor(text: string) {
    super(`expected a duration such as 30d, 12h, 90m or 2w (got "${text}")`);
    this.name = 'InvalidDurationError';
  }
}

/** "30d", "12h", "90m", "2w", or combinations such as "1d12h", in milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+[mhdw])+$/.test(trimmed)) throw new InvalidDurationError(text);
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([mhdw])/g)) total += Number(amount) * (DURATION_UNITS[unit as string] ?? 0);
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
  readonly contracts: Pick<DynamoDbPlanStore, 'listContracts' | 'getContract' | 'getPlan'>;
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
  };
  // The same thin handler the Scheduler target runs in AWS.
  const handler = createCheckRenewalRiskHandler(async () => (payload) => risk.checkRenewalRisk(payload));
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
  const advanceTo = (target: Date): Promise<FiredCheck[]> =>
    serialize(async () => {
      if (target.getTime() < clock.now().getTime()) throw new ClockMovesBackwardsError(target, clock.now());
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
        if (nextAt > clock.now().getTime()) clock.advanceTo(new Date(nextAt));
        if (closeAt <= clock.now().getTime()) await options.closes?.runDue();
        for (const due of scheduler.takeDue(clock.now().toISOString())) fired.push(await fire(due));
      }
      clock.advanceTo(target);
      return fired;
    });

  return {
    scheduler,
    syncContracts: () => serialize(syncContracts),
    applyChange: (change) => serialize(() => applyChange(change)),
    advanceTo,
    runDue: () => advanceTo(clock.now()),
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
  z.strictObject({ to: z.iso.datetime({ offset: true }) }),
]);
export type ClockAdvanceRequest = z.infer<typeof ClockAdvanceRequestSchema>;

export const ClockStateSchema = z.object({ pid: z.number().int(), url: z.string() });

export function clockStatePath(dataDir: string): string {
  return join(dataDir, 'clock.json');
}

export async function readClockState(dataDir: string): Promise<z.infer<typeof ClockStateSchema> | undefined> {
  try {
    return ClockStateSchema.parse(JSON.parse(await readFile(clockStatePath(dataDir), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 64 * 1024) reject(new Error('request body too large'));
    });
    request.on('end', () => {
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch (error) {
        reject(error);
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
 * control endpoint (recorded in <dataDir>/clock.json for the CLI).
 */
export async function startLocalRenewalRisk(options: {
  readonly clock: LocalClock;
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledger: RiskServiceConfig['ledger'];
  /** The engine's period closes, fired in time order with the checks when the clock advances. */
  readonly closes?: LocalScheduleTimeline;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly dataDir: string;
  readonly writeStateFile: boolean;
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
        const parsed = ClockAdvanceRequestSchema.safeParse(await readJsonBody(request));
        if (!parsed.success) return sendJson(response, 400, { code: 'invalid_clock_request', message: z.prettifyError(parsed.error) });
        let target: Date;
        try {
          target = 'by' in parsed.data ? new Date(clock.now().getTime() + parseDuration(parsed.data.by)) : new Date(parsed.data.to);
          const fired = await renewalScheduler.advanceTo(target);
          return sendJson(response, 200, clockView(renewalScheduler, clock, fired));
        } catch (error) {
          if (error instanceof InvalidDurationError || error instanceof ClockMovesBackwardsError) {
            return sendJson(response, 400, { code: error.code, message: error.message });
          }
          throw error;
        }
      }
      request.resume();
      return sendJson(response, 404, { message: `No clock route ${request.method} ${path}` });
    };
    work().catch((error: unknown) => {
      log(`clock endpoint error: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.settings?.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const clockUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  if (options.writeStateFile) {
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(clockStatePath(options.dataDir), `${JSON.stringify({ pid: process.pid, url: clockUrl }, null, 2)}\n`, 'utf8');
  }

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
      if (options.writeStateFile) {
        const state = await readClockState(options.dataDir).catch(() => undefined);
        if (state?.pid === process.pid) await rm(clockStatePath(options.dataDir), { force: true });
      }
    },
  };
}
