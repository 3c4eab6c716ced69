// The document that holds the keys customer portal links are signed with:
// the current key, and during a rotation the previous one, still accepted for
// verification so links issued just before the rotation keep working until
// they expire. In AWS it is the JSON value of a Secrets Manager secret
// (lambdas/adapters/secrets/secrets-manager-portal-keyring.ts); the rotation
// function writes the next one with nextPortalLinkKeyring.
import { z } from 'zod';

/** HMAC-SHA256 keys shorter than the hash output (32 bytes) weaken it. */
export const PORTAL_LINK_KEY_MIN_BYTES = 32;

/**
 * The only key of the value a new secret is created with (`{"placeholder":
 * "<random>"}`), before its first rotation writes a keyring.
 */
export const PORTAL_LINK_SECRET_PLACEHOLDER_KEY = 'placeholder';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const PortalLinkKeySchema = z.strictObject({
  /** Named in every link (`kid`), so the verifier knows which key signed it. */
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'a key id is 1-64 letters, digits, dots, underscores or hyphens' }),
  /** The key's bytes, base64. */
  secret: z
    .string()
    .regex(BASE64, { error: 'expected base64' })
    .refine((encoded) => Buffer.from(encoded, 'base64').length >= PORTAL_LINK_KEY_MIN_BYTES, {
      error: `a key is at least ${PORTAL_LINK_KEY_MIN_BYTES} bytes`,
    }),
});
export type PortalLinkKey = z.infer<typeof PortalLinkKeySchema>;

export const PortalLinkKeyringDocumentSchema = z
  .strictObject({
    current: PortalLinkKeySchema,
    previous: PortalLinkKeySchema.optional(),
  })
  .refine((doc) => doc.previous === undefined || doc.previous.keyId !== doc.current.keyId, {
    error: 'current and previous keys must have different key ids',
    path: ['previous', 'keyId'],
  });
export type PortalLinkKeyringDocument = z.infer<typeof PortalLinkKeyringDocumentSchema>;

/**
 * The keyring after a rotation to `fresh`: it signs with `fresh` and still
 * verifies with the key that was current. The key before that is dropped, so
 * links it signed stop working (rotate less often than links live, or twice
 * to revoke every link: docs/runbook.md). Without a valid current keyring
 * (the placeholder a new secret holds until its first rotation) there is no
 * previous key.
 */
export function nextPortalLinkKeyring(current: PortalLinkKeyringDocument | undefined, fresh: PortalLinkKey): PortalLinkKeyringDocument {
  if (current !== undefined && current.current.keyId === fresh.keyId) {
    throw new RangeError(`the new portal link key must have a new key id, not ${fresh.keyId}`);
  }
  return current === undefined ? { current: fresh } : { current: fresh, previous: current.current };
}

/** Bytes of a key's base64 secret. */
export function portalLinkKeyBytes(key: PortalLinkKey): Uint8Array {
  return new Uint8Array(Buffer.from(key.secret, 'base64'));
}
