// DynamoDB Local comes from an npm tarball: only the pinned, verified one is
// ever unpacked and run.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DynamoDbLocalIntegrityError,
  integrityOf,
  SIMULATOR_INTEGRITY,
  SIMULATOR_SPEC,
  unpackVerifiedSimulator,
} from '../../../../lib/local/dynamodb-local';

const folders: string[] = [];
const folder = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
};

/** A tarball laid out like the simulator's: package/emulator/DynamoDBLocal.jar. */
const simulatorLikeTarball = (jarText: string): string => {
  const source = folder('simulator-source-');
  mkdirSync(join(source, 'package', 'emulator'), { recursive: true });
  writeFileSync(join(source, 'package', 'emulator', 'DynamoDBLocal.jar'), jarText);
  const tarball = join(folder('simulator-tarball-'), 'simulator.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', source, 'package']);
  return tarball;
};

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the DynamoDB Local download', () => {
  it('is pinned to one exact version and its registry sha512', () => {
    expect(SIMULATOR_SPEC).toMatch(/^amplify-dynamodb-simulator@\d+\.\d+\.\d+$/);
    expect(SIMULATOR_INTEGRITY).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it('computes the same integrity string as npm (sha512, base64)', () => {
    const file = join(folder('integrity-'), 'hello.txt');
    writeFileSync(file, 'hello\n');
    // sha512sum of "hello\n" in base64, the form of npm's dist.integrity.
    expect(integrityOf(file)).toBe('sha512-58IrmUxZ2c8rSOVJseJGZmNgRZMNPafBrLKZ0cO3+TH5Sq5B7dosKyB6NuEPi8uNRSI+VIePWzFufOO2vAGWKQ==');
  });

  it('unpacks a tarball that matches, and records what it was verified against', () => {
    const tarball = simulatorLikeTarball('the real jar');
    const cacheDir = folder('dynamodb-cache-');
    const emulatorDir = unpackVerifiedSimulator(tarball, cacheDir, integrityOf(tarball));
    expect(readFileSync(join(emulatorDir, 'DynamoDBLocal.jar'), 'utf8')).toBe('the real jar');
    expect(readFileSync(join(cacheDir, 'verified-integrity'), 'utf8').trim()).toBe(integrityOf(tarball));
  });

  it('refuses a tampered tarball before unpacking anything, and keeps the verified copy it had', () => {
    const cacheDir = folder('dynamodb-cache-');
    const genuine = simulatorLikeTarball('the real jar');
    const pinned = integrityOf(genuine);
    unpackVerifiedSimulator(genuine, cacheDir, pinned);

    // One byte more after the gzip stream: still a valid archive, no longer the pinned file.
    appendFileSync(genuine, Buffer.from([0]));
    const swapped = simulatorLikeTarball('a different jar');
    for (const tampered of [genuine, swapped]) {
      let refusal: unknown;
      try {
        unpackVerifiedSimulator(tampered, cacheDir, pinned);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(DynamoDbLocalIntegrityError);
      expect((refusal as Error).message).toContain('does not match the pinned integrity hash');
      expect((refusal as Error).message).toContain(`expected ${pinned}, got ${integrityOf(tampered)}`);
    }
    expect(readFileSync(join(cacheDir, 'package', 'emulator', 'DynamoDBLocal.jar'), 'utf8')).toBe('the real jar');
  });

  it('refuses any tarball against the pinned hash of the real package', () => {
    const cacheDir = folder('dynamodb-cache-');
    expect(() => unpackVerifiedSimulator(simulatorLikeTarball('not DynamoDB'), cacheDir)).toThrow(DynamoDbLocalIntegrityError);
    expect(existsSync(join(cacheDir, 'package'))).toBe(false);
    expect(existsSync(join(cacheDir, 'verified-integrity'))).toBe(false);
  });
});
