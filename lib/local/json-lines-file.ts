// Durable JSON-lines files of the local engine's data folder (queue journals,
// dead letters): reading that keeps every intact line and sets damaged ones
// aside, and rewriting that is atomic and flushed, so a crash at any moment
// leaves either the old or the new file, never a half of one.
import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

/** A line that could not be read back: cut short by a crash, or garbage. */
export interface DamagedLine {
  /** 1-based, in the file as it was read. */
  lineNumber: number;
  text: string;
  reason: string;
}

export interface JsonLinesContent<T> {
  records: T[];
  damaged: DamagedLine[];
}

/** A line of a JSON-lines file that is not the record it should be: set aside, never dropped. */
export class DamagedLineError extends engineErrorClass('DamagedLineError', 'internal', 'damaged_line') {}

/**
 * Reads a JSON-lines file; a missing file is empty. `parse` turns one parsed
 * line into a record or throws DamagedLineError; a line that is not JSON, or
 * that `parse` refuses, is reported as damaged and the reading goes on.
 */
export async function readJsonLines<T>(filePath: string, parse: (value: unknown) => T): Promise<JsonLinesContent<T>> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], damaged: [] };
    throw error;
  }
  const records: T[] = [];
  const damaged: DamagedLine[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim().length === 0) return;
    try {
      records.push(parse(JSON.parse(line)));
    } catch (error) {
      if (!(error instanceof SyntaxError || error instanceof DamagedLineError)) throw error;
      damaged.push({ lineNumber: index + 1, text: line, reason: error.message });
    }
  });
  return { records, damaged };
}

/** Flushes a folder's entries (a rename or a new file) to disk. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new file and flushes it; the folder entry is flushed by the caller (syncFolder). */
async function writeFlushed(filePath: string, content: string): Promise<void> {
  const handle = await open(filePath, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces a file atomically: a flushed temporary file renamed over it, then the folder flushed. */
export async function replaceFileAtomically(filePath: string, content: string): Promise<void> {
  const temporary = `${filePath}.rewrite-tmp`;
  await writeFlushed(temporary, content);
  await rename(temporary, filePath);
  await syncFolder(dirname(filePath));
}

/** `queues/Outcomes.jsonl` -> `queues/Outcomes.damaged-2026-12-07T17-54-16-123Z.jsonl` */
export function damagedLinesPath(filePath: string, at: Date): string {
  const name = basename(filePath).replace(/\.jsonl$/, '');
  return join(dirname(filePath), `${name}.damaged-${at.toISOString().replace(/[:.]/g, '-')}.jsonl`);
}

/**
 * Keeps damaged lines in a file of their own next to `filePath`, flushed,
 * before the caller rewrites `filePath` without them; returns that file.
 */
export async function setDamagedLinesAside(
  filePath: string,
  damaged: readonly DamagedLine[],
  at: Date,
  log: (message: string) => void,
): Promise<string> {
  const aside = damagedLinesPath(filePath, at);
  await writeFlushed(aside, damaged.map((line) => `${line.text}\n`).join(''));
  await syncFolder(dirname(aside));
  const where = damaged.map((line) => `line ${line.lineNumber} (${line.reason})`).join(', ');
  log(`${filePath}: ${damaged.length} damaged line(s) moved to ${aside}: ${where}; every intact line is kept`);
  return aside;
}
