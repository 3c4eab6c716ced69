// The console API's authentication in AWS: portal link keys from Secrets
// Manager and staff identities from the Cognito user pool, chosen when the
// stack's variables are set (PORTAL_LINK_SECRET_ARN, STAFF_USER_POOL_ID,
// STAFF_USER_POOL_CLIENT_ID). Without them the console service uses its
// local keyring and staff token. Clients and verifiers are built once per
// container, so the keyring's cache and the pool's JWKS survive requests.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { CognitoStaffAuthenticator } from '../adapters/cognito/cognito-staff-authenticator';
import { PORTAL_LINK_SECRET_ARN_ENV, SecretsManagerPortalKeyring } from '../adapters/secrets/secrets-manager-portal-keyring';
import type { PortalLinkKeyring, StaffAuthenticator } from '../application/console/ports';
import { readEnvConfig } from '../shared/env';

export const ConsoleAwsAuthEnvironmentSchema = z.object({
  [PORTAL_LINK_SECRET_ARN_ENV]: z.string().min(1),
  STAFF_USER_POOL_ID: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, 'expected a user pool id such as eu-west-1_AbCdEf123'),
  STAFF_USER_POOL_CLIENT_ID: z.string().min(1),
});

export interface ConsoleAuth {
  readonly keyring: PortalLinkKeyring;
  readonly staff: StaffAuthenticator;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** True when the stack's authentication variables are present (any of them: a partial set then fails loudly). */
export function hasConsoleAwsAuth(env: Environment = process.env): boolean {
  return [PORTAL_LINK_SECRET_ARN_ENV, 'STAFF_USER_POOL_ID', 'STAFF_USER_POOL_CLIENT_ID'].some((name) => (env[name] ?? '').trim() !== '');
}

export function createConsoleAwsAuth(env: Environment = process.env): ConsoleAuth {
  const config = readEnvConfig(ConsoleAwsAuthEnvironmentSchema, env);
  return {
    keyring: new SecretsManagerPortalKeyring({ client: new SecretsManagerClient({}), secretArn: config[PORTAL_LINK_SECRET_ARN_ENV] }),
    staff: CognitoStaffAuthenticator.forUserPool({ userPoolId: config.STAFF_USER_POOL_ID, clientId: config.STAFF_USER_POOL_CLIENT_ID }),
  };
}
