// The running local engine writes where it can be reached into
// <dataDir>/engine.json; the CLI reads it so `npx outcome-engine usage ...`
// finds the engine's DynamoDB Local without any flags.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Where the local engine keeps its data unless told otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.local-data';

export const LocalEngineStateSchema = z.object({
  pid: z.number().int(),
  url: z.string(),
  dynamoDbEndpoint: z.string(),
  region: z.string(),
  ledgerTableName: z.string(),
  engineTableName: z.string(),
  eventBusName: z.string(),
  dataDir: z.string(),
  startedAt: z.string(),
});
export type LocalEngineState = z.infer<typeof LocalEngineStateSchema>;

export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.OUTCOME_ENGINE_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export function engineStatePath(dataDir: string): string {
  return join(dataDir, 'engine.json');
}

export function deadLetterFilePath(dataDir: string): string {
  return join(dataDir, 'dead-letters.jsonl');
}

export function pendingMessagesPath(dataDir: string, queueName: string): string {
  return join(dataDir, 'queues', `${queueName}.jsonl`);
}

export async function writeEngineState(state: LocalEngineState): Promise<void> {
  await mkdir(state.dataDir, { recursive: true });
  await writeFile(engineStatePath(state.dataDir), `${JSON.stringify(state, null, 2)}\n`, 'utf8');
}

export async function removeEngineState(dataDir: string, pid = process.pid): Promise<void> {
  // Only the engine that wrote the file removes it.
  const state = await readEngineState(dataDir);
  if (state?.pid === pid) await rm(engineStatePath(dataDir), { force: true });
}

/** The recorded state, or undefined when no engine has recorded one. */
export async function readEngineState(dataDir: string): Promise<LocalEngineState | undefined> {
  let text: string;
  try {
    text = await readFile(engineStatePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return LocalEngineStateSchema.parse(JSON.parse(text));
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
