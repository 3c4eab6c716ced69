// The local engine's console access: portal link keys and the staff token,
// kept in the data folder so the engine and the CLI (`portal link`) share
// them and a restart keeps links and sign-ins working. Created on first use,
// each file atomically (the first writer wins) and readable by its owner only.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { PortalLinkKeyring, StaffAuthenticator, StaffIdentity } from '../../lambdas/application/console/ports';
import { createFileExclusively } from './durable-file';

export const CONSOLE_KEYS_FILE = 'console-keys.json';
export const STAFF_TOKEN_FILE = 'console-staff-token';
/** Who a local staff token signs in as. */
export const LOCAL_STAFF: StaffIdentity = { staffId: 'local-staff', groups: ['local'] };

// The same shape as the deployed secret, so a key can be moved between them.
const KeyFileSchema = z.object({
  current: z.object({ keyId: z.string().min(1), secret: z.base64() }),
  previous: z.object({ keyId: z.string().min(1), secret: z.base64() }).optional(),
});

async function readOrCreate(path: string, create: () => string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  if (await createFileExclusively(path, create())) await chmod(path, 0o600);
  return readFile(path, 'utf8');
}

/** The data folder's portal link keys (`console-keys.json`). */
export function localPortalKeyring(dataDir: string): PortalLinkKeyring {
  const path = join(dataDir, CONSOLE_KEYS_FILE);
  let keys: Promise<z.infer<typeof KeyFileSchema>> | undefined;
  const load = () =>
    (keys ??= readOrCreate(path, () => `${JSON.stringify({ current: { keyId: `local-${Date.now().toString(36)}`, secret: randomBytes(32).toString('base64') } }, null, 2)}\n`).then((text) =>
      KeyFileSchema.parse(JSON.parse(text)),
    ));
  return {
    signingKey: async () => {
      const { current } = await load();
      return { keyId: current.keyId, secret: Buffer.from(current.secret, 'base64') };
    },
    verificationKey: async (keyId) => {
      const { current, previous } = await load();
      const key = [current, previous].find((candidate) => candidate?.keyId === keyId);
      return key ? Buffer.from(key.secret, 'base64') : undefined;
    },
  };
}

/** The data folder's staff token (`console-staff-token`), created on first use. */
export async function localStaffToken(dataDir: string): Promise<string> {
  return (await readOrCreate(join(dataDir, STAFF_TOKEN_FILE), () => `${randomBytes(32).toString('base64url')}\n`)).trim();
}

/** Accepts `Authorization: Bearer <the local staff token>`, compared in constant time. */
export function localStaffAuthenticator(token: string): StaffAuthenticator {
  const expected = Buffer.from(token);
  return {
    authenticate: async (header) => {
      const given = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '')?.[1];
      if (given === undefined) return undefined;
      const bytes = Buffer.from(given);
      return bytes.length === expected.length && timingSafeEqual(bytes, expected) ? LOCAL_STAFF : undefined;
    },
  };
}
