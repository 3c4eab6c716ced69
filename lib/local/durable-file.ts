// State files of the local engine survive a crash or power loss whole or not
// at all: written to a temporary file, flushed, then renamed over the old one
// (rename is atomic on one file system), and the folder flushed so the rename
// itself is durable. A file that is damaged anyway (edited by hand, a disk
// fault) is moved aside with a message, never silently dropped or ignored.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeFlushed(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(folder: string): Promise<void> {
  // Makes a rename or link durable; some platforms cannot open a folder for this, which only weakens durability there.
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `text` atomically and durably. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFlushed(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

/**
 * Creates `path` with `text` only if it does not exist yet, atomically: the
 * content is complete before the name appears (a hard link of a flushed
 * temporary file), so no reader ever sees a half-written file. False when the
 * file already exists.
 */
export async function createFileExclusively(path: string, text: string): Promise<boolean> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFlushed(temporary, text);
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  await syncFolder(dirname(path));
  return true;
}

/** A state file that could not be read as what it should hold. */
export class DamagedStateFileError extends EngineError {
  readonly category = 'internal';
  readonly code = 'damaged_state_file';
  constructor(
    readonly path: string,
    readonly movedTo: string,
    options?: ErrorOptions,
  ) {
    super(`${path} could not be read and was moved aside to ${movedTo}`, options);
    this.name = 'DamagedStateFileError';
  }
}

/** Moves a damaged file aside (next to it, named with the time) and says where. */
export async function moveAside(path: string, now: Date = new Date()): Promise<string> {
  const movedTo = `${path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, movedTo);
  return movedTo;
}

/**
 * Reads a JSON state file checked by `schema`. Undefined when it does not
 * exist. A file that is not valid JSON or not of the schema is moved aside and
 * reported through `onDamaged` (the caller decides whether to go on without
 * it), so it is kept for inspection and never read half-way.
 */
export async function readStateFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  onDamaged: (error: DamagedStateFileError) => void,
): Promise<z.output<Schema> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let cause: unknown;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    cause = parsed.error;
  } catch (error) {
    cause = error;
  }
  const movedTo = await moveAside(path);
  onDamaged(new DamagedStateFileError(path, movedTo, { cause }));
  return undefined;
}
