// Runs one of the programs bundled into dist/ by scripts/build-cli.mjs
// (`npm run build`; npm ci and npm install run it as the prepare script).
// Plain JavaScript, so starting a program compiles no TypeScript.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

/** @param {'outcome-engine' | 'local-engine'} name */
export async function runBundle(name) {
  const bundle = new URL(`../dist/${name}.js`, import.meta.url);
  if (!existsSync(bundle)) {
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(
      `outcome-engine is not built: ${fileURLToPath(bundle)} is missing.\n` +
        `Build it with \`npm run build\` in ${root} (npm ci and npm install build it too).\n`,
    );
    process.exit(1);
  }
  // Node 22 keeps the compiled bundle on disk between runs, which roughly
  // halves the start-up work of every later call; older Node skips it.
  module.enableCompileCache?.();
  await import(bundle.href);
}
