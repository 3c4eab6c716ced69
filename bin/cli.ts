// outcome-engine: the command line (run with `npx outcome-engine` or `npm run cli --`).
import { runCli } from './cli/program';

process.exitCode = await runCli(process.argv.slice(2));
