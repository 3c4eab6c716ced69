// Starts AWS's own DynamoDB Local (the jar shipped inside the npm package
// amplify-dynamodb-simulator) on Java. Used by the local engine, the
// integration tests and the benchmarks, so all three run on the real thing.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from './package-root';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

/** The npm package (exact version) that carries DynamoDBLocal.jar in `emulator/`. */
export const SIMULATOR_SPEC = 'amplify-dynamodb-simulator@2.9.30';
/**
 * The registry's `dist.integrity` for SIMULATOR_SPEC
 * (`npm view amplify-dynamodb-simulator@2.9.30 dist.integrity`). Change it
 * only together with the version, after checking the new value.
 */
export const SIMULATOR_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
/** Written next to the unpacked package: the integrity it was verified against. */
const VERIFIED_MARKER = 'verified-integrity';
const MIN_JAVA_MAJOR = 17;

export class DynamoDbLocalSetupError extends engineErrorClass('DynamoDbLocalSetupError', 'infrastructure', 'dynamodb_local_setup_failed') {}

/** The downloaded DynamoDB Local package is not the pinned one. */
export class DynamoDbLocalIntegrityError extends DynamoDbLocalSetupError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalIntegrityError';
  }
}

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Keep data in this folder; when omitted the database lives in memory. */
  dbPath?: string;
  /** Where the jar is unpacked. @default <repo>/.cache/dynamodb-local */
  cacheDir?: string;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  /** The java process, so a later start can stop it if its engine died. */
  pid?: number;
  stop(): Promise<void>;
}

export function defaultCacheDir(): string {
  return process.env.OUTCOME_ENGINE_CACHE_DIR
    ? join(process.env.OUTCOME_ENGINE_CACHE_DIR, 'dynamodb-local')
    : join(packageRoot(), '.cache', 'dynamodb-local');
}

/** Fails with an install hint when Java is missing or too old. */
export function assertJava(): void {
  // `java -version` prints its banner on stderr.
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new DynamoDbLocalSetupError(
      `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer, and 'java' could not be run from PATH. ` +
        `Install it (Debian/Ubuntu: apt-get update && apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17).`,
      { cause: probe.error },
    );
  }
  const banner = `${probe.stderr}${probe.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new DynamoDbLocalSetupError(
      `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer; found: ${banner.split('\n')[0]}. ` +
        `Install openjdk-17 (apt-get install -y openjdk-17-jre-headless) and put it first on PATH.`,
    );
  }
}

/**
 * Unpacks the DynamoDB Local jar from the npm registry once; later calls are
 * free. The tarball is the pinned version, checked against the pinned
 * integrity hash before anything in it is unpacked or run.
 */
export function ensureDynamoDbLocalJar(cacheDir = defaultCacheDir()): string {
  const emulatorDir = join(cacheDir, 'package', 'emulator');
  if (readVerifiedIntegrity(cacheDir) === SIMULATOR_INTEGRITY && existsSync(join(emulatorDir, 'DynamoDBLocal.jar'))) {
    return emulatorDir;
  }
  mkdirSync(cacheDir, { recursive: true });
  const downloadDir = mkdtempSync(join(cacheDir, 'download-'));
  try {
    let tarball: string;
    try {
      tarball = packSimulatorTarball(downloadDir);
    } catch (error) {
      throw new DynamoDbLocalSetupError(`Could not fetch DynamoDB Local from the npm package ${SIMULATOR_SPEC} into ${cacheDir}`, {
        cause: error,
      });
    }
    return unpackVerifiedSimulator(tarball, cacheDir);
  } finally {
    rmSync(downloadDir, { recursive: true, force: true });
  }
}

function packSimulatorTarball(downloadDir: string): string {
  execFileSync('npm', ['pack', SIMULATOR_SPEC, '--silent', '--pack-destination', downloadDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = readdirSync(downloadDir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${downloadDir}`);
  return join(downloadDir, tarball);
}

/** The Subresource Integrity string (as npm's `dist.integrity`) of a file. */
export function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * Checks `tarball` against `expectedIntegrity`, then unpacks its emulator/
 * folder into `cacheDir/package` and records the integrity it was verified
 * against. A mismatch is refused before anything is unpacked.
 */
export function unpackVerifiedSimulator(tarball: string, cacheDir: string, expectedIntegrity = SIMULATOR_INTEGRITY): string {
  const actual = integrityOf(tarball);
  if (actual !== expectedIntegrity) {
    throw new DynamoDbLocalIntegrityError(
      `Refusing DynamoDB Local: the tarball ${tarball} for ${SIMULATOR_SPEC} does not match the pinned integrity hash ` +
        `(expected ${expectedIntegrity}, got ${actual}). It was not unpacked. If the registry really serves a different file ` +
        `for this version, check why before changing SIMULATOR_INTEGRITY in lib/local/dynamodb-local.ts.`,
    );
  }
  const staging = mkdtempSync(join(cacheDir, 'unpack-'));
  try {
    try {
      execFileSync('tar', ['-xzf', tarball, '-C', staging, 'package/emulator']);
    } catch (error) {
      throw new DynamoDbLocalSetupError(`Could not unpack DynamoDB Local from ${tarball}`, { cause: error });
    }
    // Swap the whole folder, so a cache never mixes files from two versions;
    // the marker goes first, so an interrupted swap is fetched again.
    rmSync(join(cacheDir, VERIFIED_MARKER), { force: true });
    rmSync(join(cacheDir, 'package'), { recursive: true, force: true });
    renameSync(join(staging, 'package'), join(cacheDir, 'package'));
    writeFileSync(join(cacheDir, VERIFIED_MARKER), `${expectedIntegrity}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(cacheDir, 'package', 'emulator');
}

function readVerifiedIntegrity(cacheDir: string): string | undefined {
  try {
    return readFileSync(join(cacheDir, VERIFIED_MARKER), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DynamoDbLocalSetupError(`Could not read ${join(cacheDir, VERIFIED_MARKER)}`, { cause: error });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilListening(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new DynamoDbLocalSetupError(`DynamoDB Local exited early with code ${child.exitCode}`);
    }
    try {
      // Any HTTP answer means the server is up; it replies 400 to a bare POST.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new DynamoDbLocalSetupError(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`, {
    cause: lastError,
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  assertJava();
  const emulatorDir = ensureDynamoDbLocalJar(options.cacheDir);
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulatorDir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      ...storage,
    ],
    // DynamoDB Local writes a metadata file into its working directory.
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: options.dbPath ?? emulatorDir },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilListening(endpoint, child, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new DynamoDbLocalSetupError(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return {
    endpoint,
    port,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
