// The rotation run against a small in-memory Secrets Manager (versions and
// their stages) behind aws-sdk-client-mock, so each test asserts the secret's
// resulting state rather than the calls made.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PortalLinkKeyRotation, ROTATION_STEPS, keyIdForRotation } from '../../../../../lambdas/adapters/secrets/portal-link-key-rotation';
import { PortalLinkSecretInvalidError, SecretsManagerPortalKeyring } from '../../../../../lambdas/adapters/secrets/secrets-manager-portal-keyring';
import { createRotatePortalLinkKeysHandler } from '../../../../../lambdas/handlers/rotate-portal-link-keys';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:outcome-engine/test/portal-link-keys-AbCdEf';
const secretsManager = mockClient(SecretsManagerClient);

class SecretVersions {
  readonly values = new Map<string, string>();
  readonly stages = new Map<string, string[]>();
  rotationEnabled = true;

  constructor(initial: string) {
    this.values.set('v0', initial);
    this.stages.set('v0', ['AWSCURRENT']);
  }

  /** What `rotate-secret` does before invoking the function: a version id staged AWSPENDING, no value yet. */
  startRotation(token: string): void {
    this.stages.set(token, ['AWSPENDING']);
  }

  versionWith(stage: string): string | undefined {
    return [...this.stages].find(([, stages]) => stages.includes(stage))?.[0];
  }

  current(): unknown {
    return JSON.parse(this.values.get(this.versionWith('AWSCURRENT') ?? '') ?? 'null');
  }

  install(): void {
    secretsManager.on(DescribeSecretCommand).callsFake(() => ({
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries(this.stages),
    }));
    secretsManager.on(GetSecretValueCommand).callsFake((input: { VersionId?: string; VersionStage?: string }) => {
      const versionId = input.VersionId ?? this.versionWith(input.VersionStage ?? 'AWSCURRENT');
      const value = versionId === undefined ? undefined : this.values.get(versionId);
      const staged = versionId !== undefined && (input.VersionStage === undefined || (this.stages.get(versionId) ?? []).includes(input.VersionStage));
      if (value === undefined || !staged) throw new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret value', $metadata: {} });
      return { SecretString: value, VersionId: versionId };
    });
    secretsManager.on(PutSecretValueCommand).callsFake((input: { ClientRequestToken: string; SecretString: string; VersionStages: string[] }) => {
      this.values.set(input.ClientRequestToken, input.SecretString);
      this.stages.set(input.ClientRequestToken, input.VersionStages);
      return {};
    });
    secretsManager.on(UpdateSecretVersionStageCommand).callsFake((input: { VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string }) => {
      if (input.RemoveFromVersionId !== undefined) {
        this.stages.set(input.RemoveFromVersionId, ['AWSPREVIOUS']);
      }
      this.stages.set(input.MoveToVersionId, [input.VersionStage]);
      return {};
    });
  }
}

const PLACEHOLDER = JSON.stringify({ placeholder: 'generated-by-cloudformation' });
const TOKEN_1 = '2f0c9a8e-1b7d-4c55-9e0a-7a3c2d1e0f11';
const TOKEN_2 = '8d1e2f3a-4b5c-4d6e-8f70-9a0b1c2d3e4f';

let counter = 0;
const rotation = (): PortalLinkKeyRotation =>
  new PortalLinkKeyRotation({ client: new SecretsManagerClient({}), randomBytes: (size) => new Uint8Array(size).fill(++counter) });

async function rotate(secret: SecretVersions, token: string): Promise<void> {
  secret.startRotation(token);
  const handler = createRotatePortalLinkKeysHandler(rotation);
  for (const step of ROTATION_STEPS) await handler({ SecretId: SECRET_ID, ClientRequestToken: token, Step: step });
}

describe('portal link key rotation', () => {
  beforeEach(() => {
    secretsManager.reset();
    counter = 0;
  });

  it('turns the placeholder of a new secret into a keyring with one current key', async () => {
    const secret = new SecretVersions(PLACEHOLDER);
    secret.install();

    await rotate(secret, TOKEN_1);

    expect(secret.versionWith('AWSCURRENT')).toBe(TOKEN_1);
    expect(secret.current()).toEqual({ current: { keyId: keyIdForRotation(TOKEN_1), secret: Buffer.alloc(32, 1).toString('base64') } });
  });

  it('keeps the key that was current as previous, and drops the one before it', async () => {
    const secret = new SecretVersions(PLACEHOLDER);
    secret.install();
    await rotate(secret, TOKEN_1);
    await rotate(secret, TOKEN_2);

    expect(secret.current()).toEqual({
      current: { keyId: keyIdForRotation(TOKEN_2), secret: Buffer.alloc(32, 2).toString('base64') },
      previous: { keyId: keyIdForRotation(TOKEN_1), secret: Buffer.alloc(32, 1).toString('base64') },
    });
    // The keyring adapter reads the result: signs with the new key, verifies both.
    const keyring = new SecretsManagerPortalKeyring({ client: new SecretsManagerClient({}), secretArn: SECRET_ID });
    expect((await keyring.signingKey()).keyId).toBe(keyIdForRotation(TOKEN_2));
    expect(await keyring.verificationKey(keyIdForRotation(TOKEN_1))).toBeDefined();
  });

  it('is idempotent: a retried createSecret keeps the pending value it staged, a retried finishSecret changes nothing', async () => {
    const secret = new SecretVersions(PLACEHOLDER);
    secret.install();
    secret.startRotation(TOKEN_1);
    const request = { secretId: SECRET_ID, token: TOKEN_1 };
    await rotation().run({ ...request, step: 'createSecret' });
    const staged = secret.values.get(TOKEN_1);
    await rotation().run({ ...request, step: 'createSecret' });
    expect(secret.values.get(TOKEN_1)).toBe(staged);

    await rotation().run({ ...request, step: 'testSecret' });
    await rotation().run({ ...request, step: 'finishSecret' });
    await rotation().run({ ...request, step: 'finishSecret' });
    expect(secret.versionWith('AWSCURRENT')).toBe(TOKEN_1);
    expect(secretsManager.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(1);
  });

  it('refuses to rotate over a damaged keyring, leaving it current', async () => {
    const secret = new SecretVersions(JSON.stringify({ current: { keyId: 'k1', secret: 'c2hvcnQ=' } }));
    secret.install();
    await expect(rotate(secret, TOKEN_1)).rejects.toBeInstanceOf(PortalLinkSecretInvalidError);
    expect(secret.versionWith('AWSCURRENT')).toBe('v0');
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('refuses a secret without rotation enabled and a token that is not pending', async () => {
    const secret = new SecretVersions(PLACEHOLDER);
    secret.install();
    secret.rotationEnabled = false;
    await expect(rotation().run({ secretId: SECRET_ID, token: TOKEN_1, step: 'createSecret' })).rejects.toThrow(/does not have rotation enabled/);

    secret.rotationEnabled = true;
    await expect(rotation().run({ secretId: SECRET_ID, token: TOKEN_1, step: 'createSecret' })).rejects.toThrow(/has no version/);
    secret.stages.set(TOKEN_1, ['AWSPREVIOUS']);
    await expect(rotation().run({ secretId: SECRET_ID, token: TOKEN_1, step: 'createSecret' })).rejects.toThrow(/is not AWSPENDING/);
  });

  it('fails testSecret when nothing was staged', async () => {
    const secret = new SecretVersions(PLACEHOLDER);
    secret.install();
    secret.startRotation(TOKEN_1);
    await expect(rotation().run({ secretId: SECRET_ID, token: TOKEN_1, step: 'testSecret' })).rejects.toThrow(/no pending value/);
  });

  it('refuses an event that is not a rotation step', async () => {
    const handler = createRotatePortalLinkKeysHandler(rotation);
    await expect(handler({ SecretId: SECRET_ID, ClientRequestToken: TOKEN_1, Step: 'dropSecret' })).rejects.toThrow(/Step/);
  });
});
