import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParseRecordedDetail } from '../../../../../lambdas/domain/ledger/fast-recorded-detail';
import { OutcomeRecordedDetailSchema } from '../../../../../lambdas/domain/ledger/outcome-events';

// The fast path may only ever accept what the zod contract accepts, with the
// same output. Details are generated near the boundary (valid values mixed
// with the invalid ones most likely to slip through).

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
/** Mostly valid values, sometimes the invalid ones most likely to slip through a hand-written check. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: invalid, weight: 1 });

const identifier = mostly(
  fc.string({ minLength: 1, maxLength: 20 }).filter((text) => !/[\u0000-\u001f\u007f]/.test(text)),
  fc.oneof(fc.constantFrom('', 'a\u0000b', 'tab\there', 'x'.repeat(256)), fc.integer()),
);
const quantity = mostly(
  fc.oneof(
    fc.constantFrom('1', '0', '2.5', '007.50', '0.000000000001', '999999999999999999'),
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
  ),
  fc.oneof(
    fc.constantFrom('1.', '.5', '-1', 'NaN', 'Infinity', '1e3', ' 1', '0.0000000000001', '1234567890123456789'),
    fc.double(),
    fc.integer({ min: -5, max: -1 }),
    fc.boolean(),
    fc.constant(null),
  ),
);
const value = mostly(
  fc.record({ amount: fc.constantFrom('1', '12.30', '0.5', '1000000'), currency: fc.constantFrom('USD', 'JPY', 'KWD') }),
  fc.oneof(
    fc.record({ amount: fc.constantFrom('-1', 'abc', '1e2', '1'), currency: fc.constantFrom('usd', 'XYZ', 'USD') }),
    fc.record({ amount: fc.double(), currency: fc.constant('USD') }),
    fc.constant({ amount: '1', currency: 'USD', extra: true }),
    fc.constant({ amount: '1' }),
    fc.constant(null),
    fc.constant([]),
  ),
);
const occurredAt = mostly(
  fc.oneof(
    fc.constantFrom('2026-11-15T10:00:00Z', '2026-11-15T10:00:00+01:00', '2026-11-15T10:00:00.123456Z'),
    fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  ),
  fc.constantFrom('2026-11-15T10:00:00', '2026-02-30T10:00:00Z', '2026-11-15T10:00:00+0100', 'now', 17),
);
const attributeValue = mostly(
  fc.oneof(fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
  fc.oneof(fc.constant('x'.repeat(257)), fc.constant(null), fc.constant({ nested: 1 }), fc.constant([1])),
);
const attributeKey = mostly(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('', 'k'.repeat(65), '__proto__'));
const attributes = mostly(
  fc.dictionary(attributeKey, attributeValue, { maxKeys: 4 }),
  fc.oneof(fc.constant([]), fc.constant('flat'), fc.constant(null)),
);
const evidence = mostly(
  fc.record(
    {
      reference: mostly(fc.constantFrom('https://help.example.com/t/1', 'ticket-1', 'r'.repeat(512)), fc.constantFrom('', 'r'.repeat(513), 'a\u0000b', 'tab\there')),
      sha256: maybe(mostly(fc.constant('0123456789abcdef'.repeat(4)), fc.constantFrom('ABCDEF'.padEnd(64, '0'), 'abc', '0'.repeat(65)))),
      summary: mostly(fc.constantFrom('Password reset', 'line\nbreak', 's'.repeat(280)), fc.constantFrom('', 's'.repeat(281), 'nul\u0000')),
    },
    { requiredKeys: [] },
  ),
  fc.oneof(fc.constant({ reference: 'r', summary: 's', extra: 1 }), fc.constant(null), fc.constant('ticket-1'), fc.constant([])),
);

const detail = fc.record(
  {
    schemaVersion: maybe(mostly(fc.constant(1), fc.constantFrom(2, '1', null))),
    outcomeId: identifier,
    customerId: identifier,
    metric: mostly(fc.constantFrom('ticket.resolved', 'm'.repeat(128)), fc.oneof(fc.constantFrom('', 'm'.repeat(129)), fc.integer())),
    quantity: maybe(quantity),
    value: maybe(value),
    occurredAt,
    attributes: maybe(attributes),
    evidence: maybe(evidence),
    quantitiy: maybe(fc.constant(3)),
  },
  { requiredKeys: ['outcomeId', 'customerId', 'metric', 'occurredAt'] },
);

describe('fastParseRecordedDetail', () => {
  it('accepts only what OutcomeRecordedDetailSchema accepts, with the same output', () => {
    let accepted = 0;
    fc.assert(
      fc.property(detail, (input) => {
        // Round-trip through JSON: details always arrive as parsed JSON.
        const parsed = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
        const fast = fastParseRecordedDetail(parsed);
        const contract = OutcomeRecordedDetailSchema.safeParse(parsed);
        if (fast !== undefined) {
          accepted += 1;
          expect(contract.success).toBe(true);
          expect(fast).toEqual(contract.data);
        }
      }),
      { numRuns: 3000 },
    );
    // The property is only worth something if the fast path accepted a fair share.
    expect(accepted).toBeGreaterThan(30);
  });

  it('takes the fast path for ordinary valid outcomes', () => {
    const input = {
      outcomeId: 'o-1',
      customerId: 'acme',
      metric: 'ticket.resolved',
      quantity: '2.50',
      value: { amount: '10.00', currency: 'USD' },
      occurredAt: '2026-11-15T10:00:00Z',
      attributes: { agentId: 'a-1', priority: 2, vip: false },
    };
    expect(fastParseRecordedDetail(input)).toEqual(OutcomeRecordedDetailSchema.parse(input));
    expect(fastParseRecordedDetail({ ...input, quantity: -1 })).toBeUndefined();
    const withEvidence = { ...input, evidence: { summary: 'Refund explained', reference: 'https://help.example.com/t/1', sha256: 'f'.repeat(64) } };
    expect(fastParseRecordedDetail(withEvidence)).toEqual(OutcomeRecordedDetailSchema.parse(withEvidence));
    expect(fastParseRecordedDetail({ ...input, evidence: { reference: 'r', summary: 's'.repeat(281) } })).toBeUndefined();
  });
});
