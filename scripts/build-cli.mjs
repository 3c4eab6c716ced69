// Bundles the command line and the local engine into dist/ with esbuild, so a
// CLI call loads one prepared JavaScript file instead of compiling the
// TypeScript sources on every start. Runs as the `prepare` script (npm ci and
// npm install run it) and as `npm run build`.
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

// Some bundled CommonJS dependencies (AWS SDK and Powertools internals) call
// `require` for Node built-ins, which an ES module does not have.
const requireShim =
  "import { createRequire as __outcomeEngineCreateRequire } from 'node:module'; const require = __outcomeEngineCreateRequire(import.meta.url);";

// Built beside dist/ and swapped in whole, so a CLI call running meanwhile
// never loads an entry file from one build and chunks from another.
const staging = `${outdir}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'outcome-engine': 'bin/cli.ts', 'local-engine': 'bin/local-engine.ts' },
  outdir: staging,
  bundle: true,
  // Both programs share most modules (ledger, plans, the AWS clients).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  // Prefer packages' ES module builds (the AWS SDK ships both): they tree-shake,
  // and skip the CommonJS interop that copies every export at start-up.
  mainFields: ['module', 'main'],
  target: 'node20',
  banner: { js: requireShim },
  sourcemap: 'linked',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
}).catch((error) => {
  rmSync(staging, { recursive: true, force: true });
  throw error;
});
const previous = `${outdir}.previous-${process.pid}`;
// The web console is built into dist/console by scripts/build-console.mjs; it stays across CLI builds.
const consoleDir = join(outdir, 'console');
if (existsSync(consoleDir)) renameSync(consoleDir, join(staging, 'console'));
if (existsSync(outdir)) renameSync(outdir, previous);
renameSync(staging, outdir);
rmSync(previous, { recursive: true, force: true });

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stdout.write(`built dist/outcome-engine.js and dist/local-engine.js (${(bytes / 1e6).toFixed(1)} MB with chunks and source maps)\n`);
