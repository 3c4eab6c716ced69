// Builds the web console and the customer portal into dist/console/ with
// esbuild: index.html (the console, at /), portal/index.html (the portal, at
// /portal/) and hashed assets under assets/, everything bundled at build time
// (Preact, Chart.js, no CDN). Checks that each page's initial JavaScript stays
// within the budget, gzipped, and prints it. Runs from `npm run build`;
// `--outdir DIR` builds elsewhere (the browser tests build into a temporary folder).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--outdir');
const outdir = outFlag > 0 ? process.argv[outFlag + 1] : join(root, 'dist', 'console');
/** Initial JavaScript of one page, gzipped. */
export const BUDGET_BYTES = 150 * 1024;

const staging = `${outdir}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { console: 'console/src/console-main.tsx', portal: 'console/src/portal-main.tsx', styles: 'console/src/styles.css' },
  outdir: join(staging, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'shared-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: 'console/tsconfig.json',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
}).catch((error) => {
  rmSync(staging, { recursive: true, force: true });
  throw error;
});

const outputs = result.metafile.outputs;
const fileOf = (entry) => Object.keys(outputs).find((path) => outputs[path].entryPoint === entry && !path.endsWith('.map'));
/** The entry and every chunk it imports statically: what the page loads before it shows anything. */
function initialFiles(path, seen = new Set()) {
  if (seen.has(path)) return seen;
  seen.add(path);
  for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) initialFiles(imported.path, seen);
  return seen;
}
const styles = fileOf('console/src/styles.css');
const report = [];
for (const [page, entry, html] of [
  ['console', 'console/src/console-main.tsx', 'index.html'],
  ['portal', 'console/src/portal-main.tsx', 'portal.html'],
]) {
  const script = fileOf(entry);
  const gzipped = [...initialFiles(script)].reduce((sum, path) => sum + gzipSync(readFileSync(join(root, path))).length, 0);
  report.push({ page, gzipped });
  const page_ = readFileSync(join(root, 'console', html), 'utf8')
    .replace('__SCRIPT__', relative(join(staging, 'assets'), join(root, script)))
    .replace('__STYLES__', relative(join(staging, 'assets'), join(root, styles)));
  const target = page === 'console' ? join(staging, 'index.html') : join(staging, 'portal', 'index.html');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, page_);
}
writeFileSync(join(staging, 'bundle-size.json'), `${JSON.stringify({ budgetBytes: BUDGET_BYTES, pages: report }, null, 2)}\n`);

const previous = `${outdir}.previous-${process.pid}`;
mkdirSync(dirname(outdir), { recursive: true });
if (existsSync(outdir)) renameSync(outdir, previous);
renameSync(staging, outdir);
rmSync(previous, { recursive: true, force: true });

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
process.stdout.write(`built ${relative(root, outdir) || outdir}: initial JavaScript gzipped ${report.map((r) => `${r.page} ${kb(r.gzipped)}`).join(', ')} (budget ${kb(BUDGET_BYTES)} each)\n`);
const over = report.filter((r) => r.gzipped > BUDGET_BYTES);
if (over.length > 0) {
  process.stderr.write(`initial JavaScript over budget: ${over.map((r) => `${r.page} ${kb(r.gzipped)}`).join(', ')}\n`);
  process.exit(1);
}
