// Staff sign in through the stage's Cognito user pool (hosted UI); the console
// sends the ID or access token as `Authorization: Bearer <jwt>`. The token is
// verified with aws-jwt-verify: RS256 signature against the pool's JWKS
// (fetched once per container, refetched for an unknown key id), issuer = the
// pool, audience / client_id = the console's app client, not expired. The
// staff member's groups (`finance`, `csm`) come from `cognito:groups`.
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import type { CognitoJwtPayload } from 'aws-jwt-verify/jwt-model';
import { engineErrorClass } from '../../domain/errors/engine-error';
import type { StaffAuthenticator, StaffIdentity } from '../../application/console/ports';

/** Where the pool and app client ids come from. */
export const STAFF_USER_POOL_ID_ENV = 'STAFF_USER_POOL_ID';
export const STAFF_USER_POOL_CLIENT_ID_ENV = 'STAFF_USER_POOL_CLIENT_ID';

/** The pool's signing keys could not be fetched: the caller retries, the token may be fine. */
export class StaffKeysUnavailableError extends engineErrorClass('StaffKeysUnavailableError', 'infrastructure', 'staff_keys_unavailable') {}

/** The part of aws-jwt-verify's verifier this adapter uses (tests build one on a local JWKS). */
export interface CognitoTokenVerifier {
  verify(token: string): Promise<CognitoJwtPayload>;
}

export interface CognitoStaffAuthenticatorOptions {
  readonly userPoolId: string;
  readonly clientId: string;
}

const BEARER = /^Bearer\s+(\S+)$/i;

export class CognitoStaffAuthenticator implements StaffAuthenticator {
  constructor(private readonly verifier: CognitoTokenVerifier) {}

  /** Verifies tokens of `userPoolId` issued to `clientId`, ID or access tokens alike. */
  static forUserPool(options: CognitoStaffAuthenticatorOptions): CognitoStaffAuthenticator {
    return new CognitoStaffAuthenticator(
      CognitoJwtVerifier.create({ userPoolId: options.userPoolId, clientId: options.clientId, tokenUse: null }),
    );
  }

  async authenticate(authorizationHeader: string | undefined): Promise<StaffIdentity | undefined> {
    const token = authorizationHeader === undefined ? undefined : BEARER.exec(authorizationHeader.trim())?.[1];
    if (token === undefined) return undefined;
    let payload: CognitoJwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (error) {
      // The JWKS endpoint failing says nothing about the token: retried, not refused.
      if (error instanceof FetchError) {
        throw new StaffKeysUnavailableError('could not fetch the staff user pool\'s signing keys', { cause: error });
      }
      // Expired, wrong pool, wrong client, bad signature, malformed: not a staff credential.
      if (error instanceof JwtBaseError) return undefined;
      throw error;
    }
    return identityOf(payload);
  }
}

function identityOf(payload: CognitoJwtPayload): StaffIdentity {
  const email = payload['email'];
  return {
    staffId: payload.sub,
    ...(typeof email === 'string' ? { email } : {}),
    groups: payload['cognito:groups'] ?? [],
  };
}
