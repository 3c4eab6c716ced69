// The running local engine's clock, for commands that talk to that engine:
// after `clock advance 45d` an `outcome`, `rejected`, `usage`, `period
// close`, `invoice preview` or `risk check` must see the engine's time, not
// the wall clock's: an outcome recorded at the engine's time would not be
// found "now", and a period the engine has already seen end would be refused.
import { resolveDataDir } from '../../lib/local/engine-state';
import { CliError, type CliIo } from './cli-io';
import { readRunningEngineForCli, readsLocalEngineState, type GlobalOptions } from './connection';

/**
 * The clock endpoint of the local engine running on the data folder, or
 * undefined when none runs there (or it runs with renewal risk, and so its
 * clock endpoint, turned off).
 */
export async function localEngineClockUrl(dataDirOption: string | undefined, io: CliIo): Promise<string | undefined> {
  const engine = await readRunningEngineForCli(resolveDataDir(dataDirOption ?? io.env.OUTCOME_ENGINE_DATA_DIR));
  return engine?.clockUrl?.replace(/\/$/, '');
}

/**
 * Milliseconds the local engine's clock is ahead of the wall clock, or
 * undefined when the command does not target a running local engine with a
 * clock (AWS tables, no engine, renewal risk turned off).
 */
export async function localEngineClockOffsetMs(options: GlobalOptions, io: CliIo): Promise<number | undefined> {
  if (!readsLocalEngineState(options, io.env)) return undefined;
  const clockUrl = await localEngineClockUrl(options.dataDir, io);
  if (!clockUrl) return undefined;
  const url = `${clockUrl}/_local/clock`;
  let body: { now?: unknown };
  const askedAt = Date.now();
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as { now?: unknown };
  } catch (error) {
    throw new CliError(
      `the local engine is running but its clock at ${url} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      'infrastructure',
      { cause: error },
    );
  }
  const engineNow = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
  if (Number.isNaN(engineNow)) throw new CliError(`the local engine clock at ${url} answered without a valid "now"`, 'infrastructure');
  // The engine read its clock between askedAt and now; the midpoint keeps the error under half the round trip.
  return engineNow - (askedAt + Date.now()) / 2;
}

/**
 * `io` with `now` on the local engine's clock when the command targets it,
 * so every default (an implicit as-of, a listing's window) is the engine's
 * time. Followed even when the clock has not been moved: the engine records
 * at its own time, and an outcome recorded a moment ago is found "now".
 */
export async function followLocalEngineClock(io: CliIo, options: GlobalOptions): Promise<void> {
  if (!io.followLocalEngineClock) return;
  const offsetMs = await localEngineClockOffsetMs(options, io);
  if (offsetMs === undefined) return;
  const wallNow = io.now;
  // Never behind the engine's reading: a default as-of just before the engine's own "now" would miss what it just recorded.
  io.now = () => new Date(wallNow().getTime() + Math.ceil(offsetMs));
}
