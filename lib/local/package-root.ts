// The folder holding outcome-engine's package.json. Modules find their files
// (the example catalog and plans, the DynamoDB Local cache, the version) from
// here rather than from their own location, because the same code runs from
// the TypeScript sources and from the bundle in dist/, at different depths.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

const PACKAGE_NAME = 'outcome-engine';

export class PackageRootNotFoundError extends engineErrorClass('PackageRootNotFoundError', 'internal', 'package_root_not_found') {}

let cached: string | undefined;

/** Walks up from `start` to the nearest package.json named outcome-engine. */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) {
      throw new PackageRootNotFoundError(`No package.json named "${PACKAGE_NAME}" in ${start} or any folder above it.`);
    }
  }
}

/** The package root of the running code (sources or bundle). */
export function packageRoot(): string {
  cached ??= findPackageRoot(import.meta.dirname);
  return cached;
}
