// Portal link tokens: minted for one customer and the portal audience,
// verified only with the key that signed them, refused once expired.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mintPortalLink, PortalLinkRefusedError, signPortalLinkPayload, verifyPortalLink } from '../../../../../lambdas/domain/console/portal-link-token';

const key = { keyId: 'k1', secret: new Uint8Array(32).fill(9) };
const now = new Date('2026-09-04T12:00:00Z');
const keys = { verificationKey: async (keyId: string) => (keyId === 'k1' ? key.secret : undefined), now };

async function refusal(token: string, at = now): Promise<string> {
  try {
    await verifyPortalLink(token, { ...keys, now: at });
  } catch (error) {
    if (error instanceof PortalLinkRefusedError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('portal link tokens', () => {
  it('carry the customer, the portal audience, issue and expiry, and the key id', async () => {
    const { token, payload } = mintPortalLink({ customerId: 'acme', ttlSeconds: 3600, now, key });
    expect(payload).toEqual({ customerId: 'acme', aud: 'portal', iat: 1_788_523_200, exp: 1_788_526_800, kid: 'k1' });
    expect(await verifyPortalLink(token, keys)).toEqual(payload);
  });

  it('expire at exp, not a second later', async () => {
    const { token } = mintPortalLink({ customerId: 'acme', ttlSeconds: 60, now, key });
    expect(await refusal(token, new Date(now.getTime() + 59_999))).toBe('accepted');
    expect(await refusal(token, new Date(now.getTime() + 60_000))).toBe('portal_link_expired');
  });

  it('refuse any change to the payload or the signature', async () => {
    const { token } = mintPortalLink({ customerId: 'acme', ttlSeconds: 3600, now, key });
    const [payload = '', signature = ''] = token.split('.');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCabc019-_'), async (index, replacement) => {
        if (token[index] === '.' || token[index] === replacement) return;
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        // base64url's last character may carry unused bits: a change there can decode to the same bytes.
        const same = Buffer.from(changed.split('.')[0] ?? '', 'base64url').equals(Buffer.from(payload, 'base64url')) && Buffer.from(changed.split('.')[1] ?? '', 'base64url').equals(Buffer.from(signature, 'base64url'));
        expect(await refusal(changed)).toEqual(same ? 'accepted' : expect.stringMatching(/^portal_link_(tampered|malformed)$/));
      }),
      { numRuns: 200 },
    );
  });

  it('refuse another audience, an unknown key, and what is not a token', async () => {
    const iat = Math.floor(now.getTime() / 1000);
    expect(await refusal(signPortalLinkPayload({ customerId: 'acme', aud: 'staff', iat, exp: iat + 60, kid: 'k1' }, key.secret))).toBe('portal_link_wrong_audience');
    expect(await refusal(signPortalLinkPayload({ customerId: 'acme', aud: 'portal', iat, exp: iat + 60, kid: 'k9' }, key.secret))).toBe('portal_link_tampered');
    expect(await refusal('not-a-token')).toBe('portal_link_malformed');
    expect(await refusal(`${Buffer.from('{"a":1}').toString('base64url')}.${'A'.repeat(43)}`)).toBe('portal_link_malformed');
  });

  it('live between a second and 90 days', () => {
    expect(() => mintPortalLink({ customerId: 'acme', ttlSeconds: 0, now, key })).toThrow('between 1 second and 90 days');
    expect(() => mintPortalLink({ customerId: 'acme', ttlSeconds: 91 * 86_400, now, key })).toThrow('between 1 second and 90 days');
  });
});
