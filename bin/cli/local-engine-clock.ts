// The running local engine's clock, for commands that talk to that engine:
// after `clock advance 45d` a `period close`, `invoice preview` or `risk
// check` must see the engine's time, not the wall clock's, or it would refuse
// a period the engine has already seen end.
import { isProcessAlive, resolveDataDir } from '../../lib/local/engine-state';
import { readClockState } from '../../lib/local/local-clock';
import { CliError, type CliIo } from './cli-io';
import { readsLocalEngineState, type GlobalOptions } from './connection';

/**
 * Milliseconds the local engine's clock is ahead of the wall clock, or
 * undefined when the command does not target a running local engine with a
 * clock (AWS tables, no engine, renewal risk turned off).
 */
export async function localEngineClockOffsetMs(options: GlobalOptions, io: CliIo): Promise<number | undefined> {
  if (!readsLocalEngineState(options, io.env)) return undefined;
  const dataDir = resolveDataDir(options.dataDir ?? io.env.OUTCOME_ENGINE_DATA_DIR);
  const state = await readClockState(dataDir);
  if (!state || !isProcessAlive(state.pid)) return undefined;
  const url = `${state.url.replace(/\/$/, '')}/_local/clock`;
  let body: { now?: unknown };
  const askedAt = Date.now();
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as { now?: unknown };
  } catch (error) {
    throw new CliError(
      `the local engine is running but its clock at ${url} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      1,
      { cause: error },
    );
  }
  const engineNow = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
  if (Number.isNaN(engineNow)) throw new CliError(`the local engine clock at ${url} answered without a valid "now"`);
  // The engine read its clock between askedAt and now; the midpoint keeps the error under half the round trip.
  return engineNow - (askedAt + Date.now()) / 2;
}

/** `io` with `now` on the local engine's clock when the command targets it. */
export async function followLocalEngineClock(io: CliIo, options: GlobalOptions): Promise<void> {
  if (!io.followLocalEngineClock) return;
  const offsetMs = await localEngineClockOffsetMs(options, io);
  if (offsetMs === undefined || Math.abs(offsetMs) < 1_000) return;
  const wallNow = io.now;
  io.now = () => new Date(wallNow().getTime() + offsetMs);
}
