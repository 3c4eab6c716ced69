// What the console's API needs from the outside world to authenticate its
// callers: the keys customer portal links are signed with, and the staff
// identity behind a request. Locally both live in the engine's data folder;
// in AWS the keys are in Secrets Manager and staff sign in through Cognito.
export interface PortalLinkKeyring {
  /** The key new links are signed with. */
  signingKey(): Promise<{ keyId: string; secret: Uint8Array }>;
  /** Any key still accepted for verification (current and previous during rotation). */
  verificationKey(keyId: string): Promise<Uint8Array | undefined>;
}
export interface StaffIdentity { staffId: string; email?: string; groups: readonly string[] }
export interface StaffAuthenticator {
  /** undefined when the request carries no valid staff credential. */
  authenticate(authorizationHeader: string | undefined): Promise<StaffIdentity | undefined>;
}
