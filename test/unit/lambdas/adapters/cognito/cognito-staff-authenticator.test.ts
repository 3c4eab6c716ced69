// Cognito tokens signed here with a locally generated RSA key, verified by
// aws-jwt-verify's CognitoJwtVerifier against that key's JWKS (cached, so no
// network): the checks are the library's real ones.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError } from 'aws-jwt-verify/error';
import type { Jwk } from 'aws-jwt-verify/jwk';
import { describe, expect, it } from 'vitest';
import { CognitoStaffAuthenticator, StaffKeysUnavailableError } from '../../../../../lambdas/adapters/cognito/cognito-staff-authenticator';

const REGION = 'eu-west-1';
const POOL_ID = `${REGION}_StaffPool1`;
const OTHER_POOL_ID = `${REGION}_OtherPool9`;
const CLIENT_ID = 'console0client0id0000000a';
const KID = 'test-key-1';

function keyPair(): { privateKey: KeyObject; jwk: Jwk } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kty: 'RSA', kid: KID, alg: 'RS256', use: 'sig' } };
}

const signer = keyPair();
const impostor = keyPair();

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

function token(claims: Record<string, unknown>, privateKey: KeyObject = signer.privateKey): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', kid: KID, typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const issuer = (poolId: string): string => `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`;

function idToken(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'staff-0001',
    email: 'ana@seller.example',
    'cognito:groups': ['csm'],
    iss: issuer(POOL_ID),
    aud: CLIENT_ID,
    token_use: 'id',
    auth_time: nowSeconds() - 60,
    iat: nowSeconds() - 60,
    exp: nowSeconds() + 3600,
    ...overrides,
  };
}

function accessToken(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'staff-0002',
    'cognito:groups': ['finance', 'csm'],
    iss: issuer(POOL_ID),
    client_id: CLIENT_ID,
    token_use: 'access',
    scope: 'openid email',
    auth_time: nowSeconds() - 60,
    iat: nowSeconds() - 60,
    exp: nowSeconds() + 3600,
    ...overrides,
  };
}

function authenticator(): CognitoStaffAuthenticator {
  const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, clientId: CLIENT_ID, tokenUse: null });
  verifier.cacheJwks({ keys: [signer.jwk] });
  return new CognitoStaffAuthenticator(verifier);
}

describe('CognitoStaffAuthenticator', () => {
  it('accepts a valid ID token and returns the staff member with email and groups', async () => {
    await expect(authenticator().authenticate(`Bearer ${token(idToken())}`)).resolves.toEqual({
      staffId: 'staff-0001',
      email: 'ana@seller.example',
      groups: ['csm'],
    });
  });

  it('accepts a valid access token (no email claim) with its groups', async () => {
    await expect(authenticator().authenticate(`bearer ${token(accessToken())}`)).resolves.toEqual({
      staffId: 'staff-0002',
      groups: ['finance', 'csm'],
    });
  });

  it('gives a member without groups an empty group list', async () => {
    const claims = idToken();
    delete claims['cognito:groups'];
    await expect(authenticator().authenticate(`Bearer ${token(claims)}`)).resolves.toMatchObject({ groups: [] });
  });

  it.each([
    ['expired', () => token(idToken({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))],
    ['issued to another app client', () => token(idToken({ aud: 'another0client0id0000000b' }))],
    ['an access token of another app client', () => token(accessToken({ client_id: 'another0client0id0000000b' }))],
    ['issued by another user pool', () => token(idToken({ iss: issuer(OTHER_POOL_ID) }))],
    ['signed with another key under the same key id', () => token(idToken(), impostor.privateKey)],
    ['tampered with after signing', () => {
      const [header, , signature] = token(idToken()).split('.');
      return `${header}.${base64url(JSON.stringify(idToken({ 'cognito:groups': ['finance'] })))}.${signature}`;
    }],
    ['not a JWT', () => 'not-a-token'],
  ])('refuses a token %s', async (_case, make) => {
    await expect(authenticator().authenticate(`Bearer ${make()}`)).resolves.toBeUndefined();
  });

  it.each([[undefined], [''], ['Basic c3RhZmY6cGFzcw=='], ['Bearer']])('refuses the header %j', async (header) => {
    await expect(authenticator().authenticate(header)).resolves.toBeUndefined();
  });

  it('reports unreachable signing keys as an infrastructure error, not as a bad token', async () => {
    const failing = new CognitoStaffAuthenticator({
      verify: async () => {
        throw new FetchError('https://cognito-idp.eu-west-1.amazonaws.com/x/.well-known/jwks.json', 'connect ETIMEDOUT');
      },
    });
    const refused = failing.authenticate(`Bearer ${token(idToken())}`);
    await expect(refused).rejects.toBeInstanceOf(StaffKeysUnavailableError);
    await expect(refused).rejects.toMatchObject({ category: 'infrastructure', retryable: true });
  });

  it('builds a verifier for a pool and client from forUserPool', () => {
    expect(CognitoStaffAuthenticator.forUserPool({ userPoolId: POOL_ID, clientId: CLIENT_ID })).toBeInstanceOf(CognitoStaffAuthenticator);
  });
});
