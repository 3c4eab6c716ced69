// outcome-engine: the command line (run with `npx outcome-engine` or `npm run cli --`).
import { runCli } from './cli/program';

// The project supports Node 20 on purpose (see package.json engines); the
// SDK's notice about its future Node 22 requirement would precede every output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runCli(process.argv.slice(2));
