// The ledger's canonical forms are built with the one canonical JSON
// (canonicalJson). Stored outcomes keep their content hash only if the text
// is byte for byte what the ledger wrote before: these tests pin known hashes
// and compare with the ledger's former hand-written forms on arbitrary input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../../lambdas/domain/json/canonical-json';
import { canonicalizeAttributes, type AttributeValue } from '../../../../../lambdas/domain/ledger/outcome-attributes';
import { canonicalContent, contentHash } from '../../../../../lambdas/domain/ledger/outcome-content';
import { prepareOutcomeMessage } from '../../../../../lambdas/domain/ledger/prepare-outcome-message';
import { context, envelope, validDetail } from '../../../../support/ledger-fixtures';

/** The ledger's own attribute form before canonicalJson: keys sorted once, one level. */
function formerAttributesJson(attributes: Record<string, AttributeValue>): string {
  const keys = Object.keys(attributes);
  let sorted = attributes;
  if (keys.some((key, index) => index > 0 && (keys[index - 1] as string) > key)) {
    keys.sort();
    sorted = {};
    for (const key of keys) sorted[key] = attributes[key] as AttributeValue;
  }
  return JSON.stringify(sorted);
}

const attributeKey = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.nat({ max: 200 }).map(String), fc.constantFrom('a', 'B', '_', 'é', '10', '9'));
const attributeValue = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
const attributes = fc.dictionary(attributeKey, attributeValue, { minKeys: 1, maxKeys: 20 });

describe('ledger canonical forms', () => {
  it('keeps the content hashes of stored outcomes', () => {
    const cases: ReadonlyArray<[Record<string, unknown>, string, string]> = [
      [
        validDetail,
        '["recorded","ticket-4711-resolution","acme","ticket.resolved","1",null,null,1794734100000,null]',
        '2V2RezS4IftHy8oflCu3J2X4_fpZCL4rQKM1R6B0e8M',
      ],
      [
        { ...validDetail, quantity: '2.50', attributes: { zeta: 'z', '10': 1, '9': true, Alpha: 'é' }, value: { amount: '10.50', currency: 'USD' } },
        '["recorded","ticket-4711-resolution","acme","ticket.resolved","2.5","10.5","USD",1794734100000,"{\\"9\\":true,\\"10\\":1,\\"Alpha\\":\\"é\\",\\"zeta\\":\\"z\\"}"]',
        '-iACXgH8QuAX9mHY8b1AgXgX2BNpzee03mbumwaEhPM',
      ],
    ];
    for (const [detail, content, hash] of cases) {
      const prepared = prepareOutcomeMessage(envelope(detail), context);
      if (prepared.kind !== 'record') throw new Error(JSON.stringify(prepared));
      expect(canonicalContent(prepared.entry)).toBe(content);
      expect(contentHash(prepared.entry)).toBe(hash);
    }
  });

  it('writes attributes exactly as the former one-level sort did, in any key order', () => {
    fc.assert(
      fc.property(attributes, (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        const canonical = canonicalizeAttributes(value);
        if (!canonical.ok) return;
        expect(canonical.json).toBe(formerAttributesJson(value));
        expect(canonicalizeAttributes(reversed)).toEqual(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('writes an entry content array exactly as JSON.stringify did', () => {
    const element = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null));
    fc.assert(
      fc.property(fc.array(element, { maxLength: 10 }), (content) => {
        expect(canonicalJson(content)).toBe(JSON.stringify(content));
      }),
      { numRuns: 500 },
    );
  });
});
