// The portal link keyring in AWS: a Secrets Manager secret whose value is
// {"current":{"keyId","secret"},"previous":{...}?} (secret base64), rotated
// by the rotate-portal-link-keys function. Read through a short cache: a
// request must not cost a Secrets Manager call, but a rotation (or a
// revocation, docs/runbook.md) must reach every warm container within
// minutes. A link naming a key the cache does not hold refreshes it at once
// (at most once per refreshFloorMs), so links signed with a key rotated in
// moments ago verify too.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { engineErrorClass } from '../../domain/errors/engine-error';
import {
  PortalLinkKeyringDocumentSchema,
  portalLinkKeyBytes,
  type PortalLinkKeyringDocument,
} from '../../domain/console/portal-link-keyring';
import type { PortalLinkKeyring } from '../../application/console/ports';

/** Where the secret's ARN comes from. */
export const PORTAL_LINK_SECRET_ARN_ENV = 'PORTAL_LINK_SECRET_ARN';

export class PortalLinkSecretInvalidError extends engineErrorClass('PortalLinkSecretInvalidError', 'internal', 'portal_link_secret_invalid') {}

export interface SecretsManagerPortalKeyringOptions {
  readonly client: SecretsManagerClient;
  readonly secretArn: string;
  /** How long a read value is used. @default 5 minutes */
  readonly ttlMs?: number;
  /** The least time between two reads forced by an unknown key id. @default 10 s */
  readonly refreshFloorMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_PORTAL_KEYRING_TTL_MS = 5 * 60_000;
export const DEFAULT_PORTAL_KEYRING_REFRESH_FLOOR_MS = 10_000;

/**
 * Parses the secret's value; the messages name fields and codes only, never
 * the value (a zod issue can echo its input).
 */
export function parsePortalLinkSecret(secretArn: string, secretString: string | undefined): PortalLinkKeyringDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch (error) {
    throw new PortalLinkSecretInvalidError(`secret ${secretArn} is not a JSON document`, {
      cause: error instanceof Error ? new Error(error.name) : undefined,
    });
  }
  const document = PortalLinkKeyringDocumentSchema.safeParse(parsed);
  if (!document.success) {
    const fields = document.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; ');
    throw new PortalLinkSecretInvalidError(
      `secret ${secretArn} is not a portal link keyring {"current":{"keyId","secret"},"previous"?} (${fields}); rotate it once to initialise it (docs/runbook.md)`,
    );
  }
  return document.data;
}

export class SecretsManagerPortalKeyring implements PortalLinkKeyring {
  private readonly ttlMs: number;
  private readonly refreshFloorMs: number;
  private readonly now: () => number;
  private cached: { readonly document: PortalLinkKeyringDocument; readonly readAtMs: number } | undefined;
  private pending: Promise<PortalLinkKeyringDocument> | undefined;

  constructor(private readonly options: SecretsManagerPortalKeyringOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_PORTAL_KEYRING_TTL_MS;
    this.refreshFloorMs = options.refreshFloorMs ?? DEFAULT_PORTAL_KEYRING_REFRESH_FLOOR_MS;
    this.now = options.now ?? Date.now;
  }

  async signingKey(): Promise<{ keyId: string; secret: Uint8Array }> {
    const { current } = await this.document();
    return { keyId: current.keyId, secret: portalLinkKeyBytes(current) };
  }

  async verificationKey(keyId: string): Promise<Uint8Array | undefined> {
    let document = await this.document();
    if (keyOf(document, keyId) === undefined && this.cached !== undefined && this.now() - this.cached.readAtMs >= this.refreshFloorMs) {
      document = await this.read();
    }
    const key = keyOf(document, keyId);
    return key === undefined ? undefined : portalLinkKeyBytes(key);
  }

  private async document(): Promise<PortalLinkKeyringDocument> {
    if (this.cached !== undefined && this.now() - this.cached.readAtMs < this.ttlMs) return this.cached.document;
    return this.read();
  }

  /** One read at a time: concurrent requests on a cold container share it. */
  private read(): Promise<PortalLinkKeyringDocument> {
    this.pending ??= (async () => {
      try {
        const result = await this.options.client.send(new GetSecretValueCommand({ SecretId: this.options.secretArn }));
        const document = parsePortalLinkSecret(this.options.secretArn, result.SecretString);
        this.cached = { document, readAtMs: this.now() };
        return document;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}

function keyOf(document: PortalLinkKeyringDocument, keyId: string): PortalLinkKeyringDocument['current'] | undefined {
  if (document.current.keyId === keyId) return document.current;
  return document.previous?.keyId === keyId ? document.previous : undefined;
}
