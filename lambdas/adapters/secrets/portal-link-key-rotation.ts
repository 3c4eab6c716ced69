// Rotation of the portal link keyring secret, Secrets Manager's four-step
// protocol (createSecret, setSecret, testSecret, finishSecret) for a secret
// that no other service holds a copy of:
// - createSecret: stage AWSPENDING = a fresh random key as `current` and the
//   key that was current as `previous`, so links signed before the rotation
//   keep verifying until they expire;
// - setSecret: nothing to set anywhere else;
// - testSecret: the pending value is a valid keyring;
// - finishSecret: move AWSCURRENT to the new version.
// Every step is idempotent: Secrets Manager retries a failed step with the
// same token, and a retried createSecret finds its pending version.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { engineErrorClass } from '../../domain/errors/engine-error';
import {
  nextPortalLinkKeyring,
  PORTAL_LINK_KEY_MIN_BYTES,
  PORTAL_LINK_SECRET_PLACEHOLDER_KEY,
  type PortalLinkKey,
  type PortalLinkKeyringDocument,
} from '../../domain/console/portal-link-keyring';
import { parsePortalLinkSecret } from './secrets-manager-portal-keyring';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotationRequest {
  readonly secretId: string;
  readonly token: string;
  readonly step: RotationStep;
}

/** The rotation was asked for something the secret's state does not allow; Secrets Manager reports it. */
export class PortalLinkRotationStateError extends engineErrorClass('PortalLinkRotationStateError', 'state', 'portal_link_rotation_state') {}

export interface PortalLinkKeyRotationOptions {
  readonly client: SecretsManagerClient;
  /** Cryptographically random bytes (node:crypto randomBytes). */
  readonly randomBytes: (size: number) => Uint8Array;
}

/** The key id a rotation's new key gets: from its token, so a retried createSecret would name it the same. */
export function keyIdForRotation(token: string): string {
  const compact = token.replace(/[^A-Za-z0-9]/g, '');
  if (compact.length < 8) throw new PortalLinkRotationStateError(`rotation token "${token}" is too short to name a key`);
  return `k-${compact.slice(0, 32)}`;
}

export class PortalLinkKeyRotation {
  constructor(private readonly options: PortalLinkKeyRotationOptions) {}

  async run(request: RotationRequest): Promise<void> {
    if (await this.alreadyCurrent(request)) return;
    switch (request.step) {
      case 'createSecret':
        return this.createSecret(request);
      case 'setSecret':
        return;
      case 'testSecret':
        return this.testSecret(request);
      case 'finishSecret':
        return this.finishSecret(request);
    }
  }

  /**
   * Checks the token names a version of the secret with rotation enabled;
   * true when that version is already AWSCURRENT (a step retried after
   * finishSecret succeeded: nothing to do).
   */
  private async alreadyCurrent({ secretId, token }: RotationRequest): Promise<boolean> {
    const secret = await this.options.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (secret.RotationEnabled !== true) throw new PortalLinkRotationStateError(`secret ${secretId} does not have rotation enabled`);
    const stages = secret.VersionIdsToStages?.[token];
    if (stages === undefined) throw new PortalLinkRotationStateError(`secret ${secretId} has no version ${token} to rotate to`);
    if (stages.includes('AWSCURRENT')) return true;
    if (!stages.includes('AWSPENDING')) throw new PortalLinkRotationStateError(`version ${token} of secret ${secretId} is not AWSPENDING`);
    return false;
  }

  private async createSecret({ secretId, token }: RotationRequest): Promise<void> {
    const current = await this.options.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    if (await this.pendingValue(secretId, token)) return;
    const fresh: PortalLinkKey = {
      keyId: keyIdForRotation(token),
      secret: Buffer.from(this.options.randomBytes(PORTAL_LINK_KEY_MIN_BYTES)).toString('base64'),
    };
    const next = nextPortalLinkKeyring(currentKeyring(secretId, current.SecretString), fresh);
    await this.options.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(next),
        VersionStages: ['AWSPENDING'],
      }),
    );
  }

  private async testSecret({ secretId, token }: RotationRequest): Promise<void> {
    const pending = await this.pendingValue(secretId, token);
    if (pending === undefined) throw new PortalLinkRotationStateError(`version ${token} of secret ${secretId} has no pending value to test`);
    parsePortalLinkSecret(secretId, pending);
  }

  private async finishSecret({ secretId, token }: RotationRequest): Promise<void> {
    const secret = await this.options.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const currentVersion = Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    if (currentVersion === token) return;
    await this.options.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        ...(currentVersion === undefined ? {} : { RemoveFromVersionId: currentVersion }),
      }),
    );
  }

  private async pendingValue(secretId: string, token: string): Promise<string | undefined> {
    try {
      const pending = await this.options.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
      );
      return pending.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }
}

/**
 * The keyring the secret holds now, or undefined for the placeholder a new
 * secret holds until its first rotation (the stack creates it that way and
 * rotates it at once). Anything else invalid is refused: rotating over a
 * damaged keyring would silently drop the key that signs live links.
 */
function currentKeyring(secretId: string, secretString: string | undefined): PortalLinkKeyringDocument | undefined {
  if (isPlaceholder(secretString)) return undefined;
  return parsePortalLinkSecret(secretId, secretString);
}

function isPlaceholder(secretString: string | undefined): boolean {
  try {
    const value: unknown = JSON.parse(secretString ?? '');
    return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && PORTAL_LINK_SECRET_PLACEHOLDER_KEY in value;
  } catch {
    return false;
  }
}
