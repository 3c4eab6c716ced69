import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  PortalLinkSecretInvalidError,
  SecretsManagerPortalKeyring,
} from '../../../../../lambdas/adapters/secrets/secrets-manager-portal-keyring';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:outcome-engine/test/portal-link-keys-AbCdEf';
const secretsManager = mockClient(SecretsManagerClient);

const bytes = (fill: number): Buffer => Buffer.alloc(32, fill);
const key = (keyId: string, fill: number) => ({ keyId, secret: bytes(fill).toString('base64') });
const secretValue = (document: unknown) => ({ SecretString: JSON.stringify(document) });

function keyring(clock: { ms: number }) {
  return new SecretsManagerPortalKeyring({ client: new SecretsManagerClient({}), secretArn: ARN, now: () => clock.ms });
}

describe('SecretsManagerPortalKeyring', () => {
  beforeEach(() => secretsManager.reset());

  it('signs with the current key and verifies with the current and the previous key', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves(secretValue({ current: key('k2', 2), previous: key('k1', 1) }));
    const ring = keyring({ ms: 0 });

    const signing = await ring.signingKey();
    expect(signing.keyId).toBe('k2');
    expect(Buffer.from(signing.secret)).toEqual(bytes(2));
    expect(Buffer.from((await ring.verificationKey('k1')) ?? [])).toEqual(bytes(1));
    expect(Buffer.from((await ring.verificationKey('k2')) ?? [])).toEqual(bytes(2));
  });

  it('reads the secret once within the TTL and again after it', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue({ current: key('k1', 1) }));
    const clock = { ms: 0 };
    const ring = keyring(clock);

    await Promise.all([ring.signingKey(), ring.signingKey(), ring.verificationKey('k1')]);
    clock.ms = 4 * 60_000;
    await ring.signingKey();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    secretsManager.on(GetSecretValueCommand).resolves(secretValue({ current: key('k2', 2), previous: key('k1', 1) }));
    clock.ms = 5 * 60_000;
    expect((await ring.signingKey()).keyId).toBe('k2');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refreshes early for a key id it does not know, so a key rotated in moments ago verifies', async () => {
    secretsManager.on(GetSecretValueCommand).resolvesOnce(secretValue({ current: key('k1', 1) })).resolves(secretValue({ current: key('k2', 2), previous: key('k1', 1) }));
    const clock = { ms: 0 };
    const ring = keyring(clock);
    await ring.signingKey();

    clock.ms = 15_000;
    expect(Buffer.from((await ring.verificationKey('k2')) ?? [])).toEqual(bytes(2));
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('answers undefined for an unknown key id, without re-reading more than once per 10 s', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue({ current: key('k1', 1) }));
    const clock = { ms: 0 };
    const ring = keyring(clock);

    expect(await ring.verificationKey('forged')).toBeUndefined();
    clock.ms = 5_000;
    expect(await ring.verificationKey('forged')).toBeUndefined();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock.ms = 11_000;
    expect(await ring.verificationKey('forged')).toBeUndefined();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([
    ['not JSON', { SecretString: 'not json' }, /not a JSON document/],
    ['the placeholder of a secret never rotated', secretValue({ placeholder: 'x' }), /current: invalid_type/],
    ['a key shorter than 32 bytes', secretValue({ current: { keyId: 'k1', secret: Buffer.alloc(16).toString('base64') } }), /current\.secret/],
    ['previous with the same key id', secretValue({ current: key('k1', 1), previous: key('k1', 2) }), /previous\.keyId/],
  ])('refuses a secret that is %s, without echoing its value', async (_case, value, message) => {
    secretsManager.on(GetSecretValueCommand).resolves(value);
    const failure = keyring({ ms: 0 }).signingKey();
    await expect(failure).rejects.toBeInstanceOf(PortalLinkSecretInvalidError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow(bytes(1).toString('base64'));
  });

  it('lets a Secrets Manager failure through for the caller to retry, and reads again next time', async () => {
    secretsManager.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves(secretValue({ current: key('k1', 1) }));
    const ring = keyring({ ms: 0 });
    await expect(ring.signingKey()).rejects.toThrow('Rate exceeded');
    expect((await ring.signingKey()).keyId).toBe('k1');
  });
});
