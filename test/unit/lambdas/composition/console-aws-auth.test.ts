import { describe, expect, it } from 'vitest';
import { CognitoStaffAuthenticator } from '../../../../lambdas/adapters/cognito/cognito-staff-authenticator';
import { SecretsManagerPortalKeyring } from '../../../../lambdas/adapters/secrets/secrets-manager-portal-keyring';
import { createConsoleAwsAuth, hasConsoleAwsAuth } from '../../../../lambdas/composition/console-aws-auth';
import { InvalidEnvironmentVariableError, MissingEnvironmentVariableError } from '../../../../lambdas/shared/env';

const ENV = {
  PORTAL_LINK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:outcome-engine/prod/portal-link-keys-AbCdEf',
  STAFF_USER_POOL_ID: 'eu-west-1_AbCdEf123',
  STAFF_USER_POOL_CLIENT_ID: '4p2k1m0n9b8v7c6x5z4l3k2j1h',
};

describe('console authentication in AWS', () => {
  it('is chosen when any of the stack\'s variables is set, and not without them', () => {
    expect(hasConsoleAwsAuth(ENV)).toBe(true);
    expect(hasConsoleAwsAuth({ STAFF_USER_POOL_ID: ENV.STAFF_USER_POOL_ID })).toBe(true);
    expect(hasConsoleAwsAuth({ STAFF_USER_POOL_ID: '  ' })).toBe(false);
    expect(hasConsoleAwsAuth({})).toBe(false);
  });

  it('builds the Secrets Manager keyring and the Cognito authenticator', () => {
    const auth = createConsoleAwsAuth(ENV);
    expect(auth.keyring).toBeInstanceOf(SecretsManagerPortalKeyring);
    expect(auth.staff).toBeInstanceOf(CognitoStaffAuthenticator);
  });

  it('names every missing variable of a partial set', () => {
    expect(() => createConsoleAwsAuth({ STAFF_USER_POOL_ID: ENV.STAFF_USER_POOL_ID })).toThrow(MissingEnvironmentVariableError);
    expect(() => createConsoleAwsAuth({ STAFF_USER_POOL_ID: ENV.STAFF_USER_POOL_ID })).toThrow(/PORTAL_LINK_SECRET_ARN, STAFF_USER_POOL_CLIENT_ID/);
  });

  it('refuses a malformed user pool id', () => {
    expect(() => createConsoleAwsAuth({ ...ENV, STAFF_USER_POOL_ID: 'StaffPool' })).toThrow(InvalidEnvironmentVariableError);
  });
});
