// `npm run bench:cli`: how long a command-line call takes, end to end (a new
// Node process running bin/outcome-engine.js, as `npx outcome-engine` does):
// `--help`, and one read against a running local engine (`contracts list`,
// which finds the engine through its data folder and queries DynamoDB Local).
// Prints the median, fastest and slowest wall time over BENCH_RUNS runs, after
// one untimed run that fills Node's compile cache, and the median CPU time
// (user + system) the process used: on a busy machine wall time mostly
// measures waiting for a core, CPU time what a call costs.
//
// Knobs (environment):
//   BENCH_RUNS=10   timed runs of each command
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { startLocalEngine } from '../../lib/local/local-engine';
import { packageRoot } from '../../lib/local/package-root';

const { BENCH_RUNS: runs } = z.object({ BENCH_RUNS: z.coerce.number().int().min(1).default(10) }).parse(process.env);
const run = promisify(execFile);
const cli = join(packageRoot(), 'bin', 'outcome-engine.js');
const cpuReport = pathToFileURL(fileURLToPath(new URL('./cli-cpu-report.mjs', import.meta.url))).href;

const median = (sorted: number[]) => {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timeCommand(label: string, args: string[]): Promise<void> {
  await run(process.execPath, [cli, ...args]);
  const cpuFile = join(mkdtempSync(join(tmpdir(), 'bench-cli-cpu-')), 'cpu.txt');
  writeFileSync(cpuFile, '');
  const millis: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await run(process.execPath, ['--import', cpuReport, cli, ...args], { env: { ...process.env, BENCH_CPU_FILE: cpuFile } });
    millis.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const cpuMillis = readFileSync(cpuFile, 'utf8').trim().split('\n').map(Number);
  rmSync(join(cpuFile, '..'), { recursive: true, force: true });
  millis.sort((a, b) => a - b);
  cpuMillis.sort((a, b) => a - b);
  process.stdout.write(
    `${label.padEnd(32)} wall median ${median(millis).toFixed(0)} ms (fastest ${millis[0]!.toFixed(0)}, slowest ${millis.at(-1)!.toFixed(0)}); ` +
      `CPU median ${median(cpuMillis).toFixed(0)} ms; ${runs} runs\n`,
  );
}

process.stdout.write(`outcome-engine CLI on Node ${process.version}, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}\n`);
await timeCommand('outcome-engine --help', ['--help']);

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const engine = await startLocalEngine({ port: 0, dataDir, inMemory: true, log: () => undefined });
try {
  await timeCommand('outcome-engine contracts list', ['--data-dir', dataDir, 'contracts', 'list']);
} finally {
  await engine.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
