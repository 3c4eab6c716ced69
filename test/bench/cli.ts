// `npm run bench:cli`: how long a command-line call takes, end to end (a new
// Node process running bin/outcome-engine.js, as `npx outcome-engine` does):
// `--help`, and one read against a running local engine (`contracts list`,
// which finds the engine through its data folder and queries DynamoDB Local).
// Prints the median, fastest and slowest wall time over BENCH_RUNS runs, after
// one untimed run that fills Node's compile cache.
//
// Knobs (environment):
//   BENCH_RUNS=10   timed runs of each command
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { startLocalEngine } from '../../lib/local/local-engine';
import { packageRoot } from '../../lib/local/package-root';

const { BENCH_RUNS: runs } = z.object({ BENCH_RUNS: z.coerce.number().int().min(1).default(10) }).parse(process.env);
const run = promisify(execFile);
const cli = join(packageRoot(), 'bin', 'outcome-engine.js');

async function timeCommand(label: string, args: string[]): Promise<void> {
  await run(process.execPath, [cli, ...args]);
  const millis: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await run(process.execPath, [cli, ...args]);
    millis.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  millis.sort((a, b) => a - b);
  const median = runs % 2 ? millis[(runs - 1) / 2]! : (millis[runs / 2 - 1]! + millis[runs / 2]!) / 2;
  process.stdout.write(
    `${label.padEnd(36)} median ${median.toFixed(0)} ms  (fastest ${millis[0]!.toFixed(0)} ms, slowest ${millis.at(-1)!.toFixed(0)} ms, ${runs} runs)\n`,
  );
}

process.stdout.write(`outcome-engine CLI on Node ${process.version}\n`);
await timeCommand('outcome-engine --help', ['--help']);

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const engine = await startLocalEngine({ port: 0, dataDir, inMemory: true, log: () => undefined });
try {
  await timeCommand('outcome-engine contracts list', ['--data-dir', dataDir, 'contracts', 'list']);
} finally {
  await engine.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
