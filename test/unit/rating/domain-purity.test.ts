import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The pricing core must stay pure (no AWS, Stripe, middy, process, I/O, clock)
// so the same inputs always price the same way, anywhere.
const FOLDERS = ['money', 'plans', 'rating', 'periods'].map((folder) => join('lambdas/domain', folder));
const FORBIDDEN = [
  /from ['"]@aws-sdk\//,
  /from ['"]stripe['"]/,
  /from ['"]@middy\//,
  /from ['"]node:/,
  /\bprocess\./,
  /\bDate\.now\(/,
  /new Date\(\)/,
  /DateTime\.now\(/,
  /Math\.random\(/,
  /\bfetch\(/,
];

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('pricing domain purity', () => {
  it('imports no SDK, reads no clock, environment or randomness', () => {
    const offences = FOLDERS.flatMap(files).flatMap((path) => {
      const source = readFileSync(path, 'utf8');
      return FORBIDDEN.filter((pattern) => pattern.test(source)).map((pattern) => `${path}: ${pattern}`);
    });
    expect(offences).toEqual([]);
  });
});
