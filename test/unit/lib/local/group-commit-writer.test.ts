// The group-commit writer on a real file: appends made together share one
// write and one fdatasync, and a failed write rejects only its own waiters and
// leaves the next write on a fresh line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitWriter, type GroupCommitHooks } from '../../../../lib/local/group-commit-writer';

class TestWriteError extends Error {
  constructor(options: { cause: unknown }) {
    super('could not write the test journal', options);
    this.name = 'TestWriteError';
  }
}

const dirs: string[] = [];
const handles: FileHandle[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const handle of handles.splice(0)) await handle.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function writerOnFile(hooks: Partial<GroupCommitHooks<TestWriteError>> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  dirs.push(dir);
  const filePath = join(dir, 'journal.jsonl');
  const handle = await open(filePath, 'a');
  handles.push(handle);
  const writeFile = vi.spyOn(handle, 'writeFile');
  const datasync = vi.spyOn(handle, 'datasync');
  const written: number[] = [];
  const writer = new GroupCommitWriter<TestWriteError>({
    handle: () => handle,
    wrapError: (cause) => new TestWriteError({ cause }),
    afterWrite: (bytes) => written.push(bytes),
    ...hooks,
  });
  return { writer, filePath, writeFile, datasync, written };
}

describe('GroupCommitWriter', () => {
  it('writes appends made in the same turn with one write and one datasync, and resolves every waiter once they are on disk', async () => {
    const { writer, filePath, writeFile, datasync, written } = await writerOnFile();

    const appends = [writer.append(['a1', 'a2']), writer.append(['b']), writer.append(['c'])];
    writer.appendUnwaited('d');
    await Promise.all(appends);

    expect(writeFile).toHaveBeenCalledTimes(1);
    expect(datasync).toHaveBeenCalledTimes(1);
    expect(readFileSync(filePath, 'utf8')).toBe('a1\na2\nb\nc\nd\n');
    expect(written).toEqual([Buffer.byteLength('a1\na2\nb\nc\nd\n')]);
  });

  it('coalesces appends made while a write is in progress into the next single write', async () => {
    const { writer, filePath, writeFile, datasync } = await writerOnFile();

    const first = writer.append(['first']);
    await vi.waitFor(() => expect(writeFile).toHaveBeenCalledTimes(1));
    const later = [writer.append(['second']), writer.append(['third'])];
    await Promise.all([first, ...later]);

    expect(writeFile).toHaveBeenCalledTimes(2);
    expect(datasync).toHaveBeenCalledTimes(2);
    expect(readFileSync(filePath, 'utf8')).toBe('first\nsecond\nthird\n');
  });

  it('rejects exactly the waiters of a failed write, tells of unwaited lines in it, and starts the next write on a fresh line', async () => {
    const unwaitedFailures: TestWriteError[] = [];
    const { writer, filePath, writeFile } = await writerOnFile({ onUnwaitedLinesFailed: (error) => unwaitedFailures.push(error) });
    const diskFull = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    // The failing write leaves half a line behind, as a write cut short can.
    writeFile.mockImplementationOnce(async function (this: FileHandle) {
      await this.appendFile('torn-hal', 'utf8');
      throw diskFull;
    });

    const failed = [writer.append(['x']), writer.append(['y'])];
    writer.appendUnwaited('z');
    const failures = await Promise.allSettled(failed);
    const next = writer.append(['after']);
    await expect(next).resolves.toBeUndefined();

    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      const reason = (failure as PromiseRejectedResult).reason as TestWriteError;
      expect(reason).toBeInstanceOf(TestWriteError);
      expect(reason.cause).toBe(diskFull);
    }
    expect(unwaitedFailures).toHaveLength(1);
    expect(unwaitedFailures[0]?.cause).toBe(diskFull);
    expect(readFileSync(filePath, 'utf8')).toBe('torn-hal\nafter\n');
  });

  it('fails a write whose beforeWrite hook throws, without writing it, and runs afterBatch after every write', async () => {
    let refuse = true;
    const batches: number[] = [];
    const { writer, filePath, writeFile } = await writerOnFile({
      beforeWrite: async () => {
        if (refuse) throw new Error('journal is broken');
      },
      afterBatch: async () => {
        batches.push(writeFile.mock.calls.length);
      },
    });

    await expect(writer.append(['refused'])).rejects.toBeInstanceOf(TestWriteError);
    refuse = false;
    await writer.append(['accepted']);

    expect(writeFile).toHaveBeenCalledTimes(1);
    expect(batches).toEqual([0, 1]);
    // The refused write left nothing, but its tail is not trusted: the next write starts on a fresh line.
    expect(readFileSync(filePath, 'utf8')).toBe('\naccepted\n');
  });

  it('starts the first write on a fresh line when opened on a possibly torn tail, and not after markTailWhole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
    dirs.push(dir);
    const filePath = join(dir, 'journal.jsonl');
    const handle = await open(filePath, 'a');
    handles.push(handle);
    await handle.appendFile('cut-sho', 'utf8');
    const writer = new GroupCommitWriter({ handle: () => handle, wrapError: (cause) => new TestWriteError({ cause }) }, { tailMayBeTorn: true });

    await writer.append(['one']);
    await writer.append(['two']);
    expect(readFileSync(filePath, 'utf8')).toBe('cut-sho\none\ntwo\n');

    const whole = new GroupCommitWriter({ handle: () => handle, wrapError: (cause) => new TestWriteError({ cause }) }, { tailMayBeTorn: true });
    whole.markTailWhole();
    await whole.append(['three']);
    expect(readFileSync(filePath, 'utf8')).toBe('cut-sho\none\ntwo\nthree\n');
  });

  it('drain waits for everything appended, including lines nobody waits on', async () => {
    const { writer, filePath } = await writerOnFile();
    writer.appendUnwaited('a');
    writer.appendUnwaited('b');
    await writer.drain();
    expect(readFileSync(filePath, 'utf8')).toBe('a\nb\n');
  });
});
