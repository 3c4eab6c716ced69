// One local engine per data folder. <dataDir>/engine.json is both the lock
// and the one state file the CLI reads: it appears atomically when an engine
// starts (refused if another live engine holds it), grows with where the
// engine can be reached (PutEvents, DynamoDB Local, its clock, its Stripe) as
// they come up, and is removed by that same engine when it stops.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, link } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { createFileExclusively, moveAside, writeFileDurably } from './durable-file';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

/** Where the local engine keeps its data unless told otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.local-data';

/** What the CLI needs to reach the engine's Stripe (never a real key). */
export const LocalStripeStateSchema = z.object({
  mode: z.enum(['emulator', 'stripe_test_mode']),
  host: z.string().optional(),
  port: z.number().int().optional(),
  protocol: z.enum(['http', 'https']).optional(),
  /** The emulator's key only; a real key stays in the environment. */
  apiKey: z.string().optional(),
  webhookUrl: z.string(),
});
export type LocalStripeState = z.infer<typeof LocalStripeStateSchema>;

export const LocalEngineStateSchema = z.object({
  pid: z.number().int(),
  /** Tells engines of one process apart (tests run several). */
  instanceId: z.string(),
  url: z.string(),
  dataDir: z.string(),
  startedAt: z.string(),
  /** `starting` until every part is up; the CLI only talks to a `running` engine. */
  status: z.enum(['starting', 'running']),
  /** The DynamoDB Local this engine started, stopped by the next start if this engine dies. */
  dynamoDbPid: z.number().int().optional(),
  dynamoDbEndpoint: z.string().optional(),
  region: z.string().optional(),
  ledgerTableName: z.string().optional(),
  engineTableName: z.string().optional(),
  eventBusName: z.string().optional(),
  /** The clock's control endpoint (GET /_local/clock, POST /_local/clock/advance). */
  clockUrl: z.string().optional(),
  /** The web console (GET /, /portal/, /api/...), when the engine serves it. */
  consoleUrl: z.string().optional(),
  stripe: LocalStripeStateSchema.optional(),
});
export type LocalEngineState = z.infer<typeof LocalEngineStateSchema>;

export const RunningEngineStateSchema = LocalEngineStateSchema.extend({
  status: z.literal('running'),
  dynamoDbEndpoint: z.string(),
  region: z.string(),
  ledgerTableName: z.string(),
  engineTableName: z.string(),
  eventBusName: z.string(),
});
export type RunningEngineState = z.infer<typeof RunningEngineStateSchema>;

export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.OUTCOME_ENGINE_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export function engineStatePath(dataDir: string): string {
  return join(dataDir, 'engine.json');
}

export function deadLetterFilePath(dataDir: string): string {
  return join(dataDir, 'dead-letters.jsonl');
}

/** The event journal: every event the bus accepted (lib/local/event-journal.ts). */
export function eventJournalPath(dataDir: string): string {
  return join(dataDir, 'events.jsonl');
}

export function pendingMessagesPath(dataDir: string, queueName: string): string {
  return join(dataDir, 'queues', `${queueName}.jsonl`);
}

/** The built-in Stripe emulator's objects, kept across restarts of a persistent engine. */
export function stripeEmulatorStatePath(dataDir: string): string {
  return join(dataDir, 'stripe-emulator.json');
}

/** The data folder already has a live engine. */
export class EngineAlreadyRunningError extends EngineError {
  readonly category = 'state';
  readonly code = 'engine_already_running';
  constructor(readonly running: LocalEngineState) {
    super(
      `another local engine is running on the data folder ${running.dataDir}: pid ${running.pid}, ${running.url}, since ${running.startedAt}. ` +
        'Stop it first (Ctrl-C in its terminal), or start this one with another --data-dir.',
    );
    this.name = 'EngineAlreadyRunningError';
  }
}

/** engine.json is there but cannot be read as an engine's state. */
export class DamagedEngineStateError extends EngineError {
  readonly category = 'internal';
  readonly code = 'damaged_engine_state';
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(
      `${path} is damaged (not an engine's state). Starting the engine moves it aside; or remove it yourself.`,
      options,
    );
    this.name = 'DamagedEngineStateError';
  }
}

/** The recorded state, or undefined when no engine holds the folder. */
export async function readEngineState(dataDir: string): Promise<LocalEngineState | undefined> {
  let text: string;
  try {
    text = await readFile(engineStatePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return LocalEngineStateSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new DamagedEngineStateError(engineStatePath(dataDir), { cause: error });
  }
}

/** The recorded engine if it is alive and fully started; undefined otherwise. */
export function runningEngineOf(state: LocalEngineState | undefined): RunningEngineState | undefined {
  if (!state || !isProcessAlive(state.pid)) return undefined;
  const running = RunningEngineStateSchema.safeParse(state);
  return running.success ? running.data : undefined;
}

/** The running engine of a data folder, for the CLI: undefined when none runs there. */
export async function readRunningEngine(dataDir: string): Promise<RunningEngineState | undefined> {
  return runningEngineOf(await readEngineState(dataDir));
}

/** True when a process with this id exists (the engine may have died without cleaning up). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Engines alive in this process, by instance id, across module instances (a
// test runner may load this module more than once in one process): a lock of
// this very pid whose instance is not here was left by an engine that never stopped.
const LIVE_INSTANCES_KEY = Symbol.for('outcome-engine.local-engine-instances');
function liveInstances(): Set<string> {
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  return (holder[LIVE_INSTANCES_KEY] ??= new Set<string>());
}

function holderIsAlive(state: LocalEngineState): boolean {
  if (state.pid === process.pid) return liveInstances().has(state.instanceId);
  return isProcessAlive(state.pid);
}

const run = promisify(execFile);

/** The arguments of a process (the program first), or undefined when they cannot be read. */
async function commandLineOf(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((arg) => arg !== '');
  } catch {
    try {
      const line = (await run('ps', ['-o', 'command=', '-p', String(pid)])).stdout.trim();
      return line ? line.split(/\s+/) : undefined;
    } catch {
      return undefined;
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return !isProcessAlive(pid);
}

/**
 * Stops the DynamoDB Local a dead engine left running on this folder: it
 * holds the folder's database files. Only a java process running
 * DynamoDBLocal on exactly this folder's database is touched; any other
 * process that happens to have the pid now is left alone.
 */
async function stopLeftoverDynamoDb(pid: number, dataDir: string, log: (message: string) => void): Promise<void> {
  if (!isProcessAlive(pid)) return;
  const args = await commandLineOf(pid);
  const dbPath = join(dataDir, 'dynamodb');
  const isThatJava =
    args !== undefined &&
    basename(args[0] ?? '') === 'java' &&
    args.some((arg) => arg.endsWith('DynamoDBLocal.jar')) &&
    args.includes('-dbPath') &&
    args[args.indexOf('-dbPath') + 1] === dbPath;
  if (!isThatJava) {
    log(`process ${pid} is not this folder's DynamoDB Local any more; left alone`);
    return;
  }
  log(`stopping the DynamoDB Local (pid ${pid}) the previous engine left running on ${dbPath}`);
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, 5_000)) return;
  process.kill(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5_000))) throw new Error(`the DynamoDB Local left running on ${dbPath} (pid ${pid}) did not stop`);
}

export interface EngineLock {
  readonly state: LocalEngineState;
  /** Records more about this engine (atomically); a no-op once released. */
  update(fields: Partial<Omit<LocalEngineState, 'pid' | 'instanceId' | 'dataDir' | 'startedAt'>>): Promise<void>;
  /** Removes engine.json if it is still this engine's. */
  release(): Promise<void>;
}

/**
 * Takes the data folder for one engine. Refuses (EngineAlreadyRunningError)
 * when a live engine holds it, before anything in the folder is touched. A
 * lock left by a dead engine is taken over, and the DynamoDB Local it left
 * running on the folder is stopped first; a damaged lock is moved aside.
 */
export async function acquireEngineLock(options: { dataDir: string; url: string; log: (message: string) => void }): Promise<EngineLock> {
  const { dataDir, log } = options;
  const path = engineStatePath(dataDir);
  await mkdir(dataDir, { recursive: true });
  let state: LocalEngineState = {
    pid: process.pid,
    instanceId: randomUUID(),
    url: options.url,
    dataDir,
    startedAt: new Date().toISOString(),
    status: 'starting',
  };
  const text = (value: LocalEngineState) => `${JSON.stringify(value, null, 2)}\n`;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    if (await createFileExclusively(path, text(state))) {
      liveInstances().add(state.instanceId);
      let released = false;
      let writes: Promise<void> = Promise.resolve();
      return {
        get state() {
          return state;
        },
        update: (fields) => {
          // Serialized, so a later update never lands before an earlier one.
          writes = writes.then(async () => {
            if (released) return;
            state = { ...state, ...fields };
            await writeFileDurably(path, text(state));
          });
          return writes;
        },
        release: async () => {
          await writes.catch(() => undefined);
          released = true;
          liveInstances().delete(state.instanceId);
          const current = await readEngineState(dataDir).catch(() => undefined);
          if (current?.instanceId === state.instanceId) await rm(path, { force: true });
        },
      };
    }
    let existing: LocalEngineState | undefined;
    try {
      existing = await readEngineState(dataDir);
    } catch (error) {
      if (!(error instanceof DamagedEngineStateError)) throw error;
      const movedTo = await moveAside(path).catch((moveError: unknown) => {
        if ((moveError as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw moveError;
      });
      if (movedTo) log(`${path} was damaged and is moved aside to ${movedTo}; taking the data folder over`);
      continue;
    }
    if (!existing) continue;
    if (holderIsAlive(existing)) throw new EngineAlreadyRunningError(existing);
    log(`taking over the data folder from the engine that started at ${existing.startedAt} (pid ${existing.pid}), which is no longer running`);
    if (existing.dynamoDbPid !== undefined) await stopLeftoverDynamoDb(existing.dynamoDbPid, dataDir, log);
    // Moved aside first and checked, so a lock another engine took meanwhile is never deleted.
    const aside = `${path}.stale-${randomUUID()}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (!moved.includes(existing.instanceId)) await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    state = { ...state, startedAt: new Date().toISOString() };
  }
  throw new Error(`could not take the data folder ${dataDir}: ${path} kept changing while the engine started`);
}
