// Outcome attributes are small, flat facts about an outcome (agentId, channel,
// region) that plans can count uniquely or filter on. They are bounded so one
// outcome always fits a single 1 KB write unit budget plus headroom, and they
// are stored as one canonical JSON string (canonicalJson: sorted keys), so the
// same facts in another key order are the same content. Stored content hashes
// include this text; test/unit/lambdas/domain/json/ledger-canonical-forms.test.ts pins it.
import { canonicalJson } from '../json/canonical-json';

export const ATTRIBUTE_LIMITS = {
  maxKeys: 20,
  maxKeyLength: 64,
  maxStringValueLength: 256,
  /** UTF-8 bytes of the canonical JSON of all attributes. */
  maxTotalBytes: 2048,
} as const;

export type AttributeValue = string | number | boolean;
export type OutcomeAttributes = Readonly<Record<string, AttributeValue>>;

export type CanonicalAttributes =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly message: string };

/**
 * Canonical JSON of the attributes (undefined when there are none) with the
 * count and total-size bounds checked. Stringifies exactly once.
 */
export function canonicalizeAttributes(attributes: OutcomeAttributes | undefined): CanonicalAttributes {
  if (attributes === undefined) return { ok: true, json: undefined };
  const keys = Object.keys(attributes);
  if (keys.length === 0) return { ok: true, json: undefined };
  if (keys.length > ATTRIBUTE_LIMITS.maxKeys) {
    return {
      ok: false,
      message: `attributes has ${keys.length} keys; at most ${ATTRIBUTE_LIMITS.maxKeys} are allowed`,
    };
  }
  const json = canonicalJson(attributes);
  // A UTF-8 byte count is only needed when the string could exceed the limit,
  // and for pure ASCII (the usual case, checked natively) it is the length.
  if (json.length * 3 > ATTRIBUTE_LIMITS.maxTotalBytes) {
    const bytes = NON_ASCII.test(json) ? utf8Length(json) : json.length;
    if (bytes > ATTRIBUTE_LIMITS.maxTotalBytes) {
      return {
        ok: false,
        message: `attributes take ${bytes} bytes as JSON; at most ${ATTRIBUTE_LIMITS.maxTotalBytes} are allowed`,
      };
    }
  }
  return { ok: true, json };
}

const NON_ASCII = /[^\u0000-\u007f]/;

/** UTF-8 byte length without allocating a buffer (lone surrogates count as 3, like TextEncoder's U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function parseAttributesJson(json: string | undefined): OutcomeAttributes | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as OutcomeAttributes);
}
