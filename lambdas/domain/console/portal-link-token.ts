// Signed, expiring links that open the customer portal for one customer. A
// token is `<payload>.<signature>`: the payload is the canonical JSON of
// {customerId, aud, exp, iat, kid} in base64url, the signature HMAC-SHA256 of
// that base64url text with the key named by `kid`. The audience is signed
// with the rest, so a token minted for anything but the portal is refused, and
// the key id lets links signed before a key rotation keep working while the
// previous key is still accepted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EngineError } from '../errors/engine-error';
import { canonicalJson } from '../json/canonical-json';

export const PORTAL_LINK_AUDIENCE = 'portal';
/** Longest life a link may be given: long enough for a quarterly business review, short enough to expire. */
export const MAX_PORTAL_LINK_TTL_SECONDS = 90 * 86_400;

export const PortalLinkPayloadSchema = z.strictObject({
  customerId: z.string().min(1).max(255),
  aud: z.string().min(1).max(64),
  /** Expiry, whole seconds since the epoch. */
  exp: z.int().positive(),
  /** Issued at, whole seconds since the epoch. */
  iat: z.int().positive(),
  kid: z.string().min(1).max(128),
});
export type PortalLinkPayload = z.infer<typeof PortalLinkPayloadSchema>;

export type PortalLinkRefusal = 'malformed' | 'tampered' | 'expired' | 'wrong_audience';

/** A link the portal refuses: the caller's credential is not valid for the portal. */
export class PortalLinkRefusedError extends EngineError {
  readonly category = 'invalid_input';
  readonly code: `portal_link_${PortalLinkRefusal}`;
  readonly refusal: PortalLinkRefusal;

  constructor(refusal: PortalLinkRefusal, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PortalLinkRefusedError';
    this.refusal = refusal;
    this.code = `portal_link_${refusal}`;
  }
}

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function signatureOf(encodedPayload: string, secret: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(encodedPayload).digest();
}

/** Signs any payload as given (tests sign wrong audiences with it); links are made with mintPortalLink. */
export function signPortalLinkPayload(payload: PortalLinkPayload, secret: Uint8Array): string {
  const encoded = base64url(canonicalJson(payload));
  return `${encoded}.${base64url(signatureOf(encoded, secret))}`;
}

/** A portal link token for one customer, valid for `ttlSeconds` from `now`. */
export function mintPortalLink(request: {
  customerId: string;
  ttlSeconds: number;
  now: Date;
  key: { keyId: string; secret: Uint8Array };
}): { token: string; payload: PortalLinkPayload } {
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0 || request.ttlSeconds > MAX_PORTAL_LINK_TTL_SECONDS) {
    throw new PortalLinkRefusedError('malformed', `a portal link lives between 1 second and ${MAX_PORTAL_LINK_TTL_SECONDS / 86_400} days (got ${request.ttlSeconds} s)`);
  }
  const iat = Math.floor(request.now.getTime() / 1000);
  const payload = PortalLinkPayloadSchema.parse({
    customerId: request.customerId,
    aud: PORTAL_LINK_AUDIENCE,
    iat,
    exp: iat + request.ttlSeconds,
    kid: request.key.keyId,
  });
  return { token: signPortalLinkPayload(payload, request.key.secret), payload };
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{43}$/;

/** Whether a credential looks like a portal link (so staff routes can name what they refuse). */
export function looksLikePortalLink(credential: string): boolean {
  return TOKEN_SHAPE.test(credential);
}

/**
 * The customer a token opens the portal for. The signature is checked before
 * anything the payload says is believed; then the audience, then the expiry.
 */
export async function verifyPortalLink(
  token: string,
  deps: { verificationKey: (keyId: string) => Promise<Uint8Array | undefined>; now: Date },
): Promise<PortalLinkPayload> {
  if (!TOKEN_SHAPE.test(token)) throw new PortalLinkRefusedError('malformed', 'the portal link is not a link token');
  const [encoded = '', signature = ''] = token.split('.');
  let claimed: unknown;
  try {
    claimed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (error) {
    throw new PortalLinkRefusedError('malformed', 'the portal link payload is not JSON', { cause: error });
  }
  const parsed = PortalLinkPayloadSchema.safeParse(claimed);
  if (!parsed.success) throw new PortalLinkRefusedError('malformed', 'the portal link payload is not a link payload');
  const secret = await deps.verificationKey(parsed.data.kid);
  // An unknown key and a wrong signature read the same to the caller: the link was not signed by this engine.
  const expected = secret ? signatureOf(encoded, secret) : undefined;
  const given = Buffer.from(signature, 'base64url');
  if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PortalLinkRefusedError('tampered', 'the portal link signature does not verify');
  }
  if (parsed.data.aud !== PORTAL_LINK_AUDIENCE) {
    throw new PortalLinkRefusedError('wrong_audience', `the link is for "${parsed.data.aud}", not the portal`);
  }
  if (parsed.data.exp * 1000 <= deps.now.getTime()) {
    throw new PortalLinkRefusedError('expired', `the portal link expired at ${new Date(parsed.data.exp * 1000).toISOString()}; ask for a new one`);
  }
  return parsed.data;
}
