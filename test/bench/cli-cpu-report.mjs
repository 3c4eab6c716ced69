// Preloaded (--import) into each CLI process `npm run bench:cli` times: at exit
// it appends the process's CPU time (user + system) to BENCH_CPU_FILE. CPU
// time barely moves with the machine's load, unlike wall time.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  appendFileSync(process.env.BENCH_CPU_FILE, `${(user + system) / 1000}\n`);
});
