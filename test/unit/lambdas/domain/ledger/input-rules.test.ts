// The rules that keep ingest from changing, colliding or dropping what a
// producer sent: JSON.parse alone would round numbers, keep unpaired
// surrogates that UTF-8 storage then replaces, let validation drop
// "__proto__" keys, and hand a deep detail to recursive code.
import { describe, expect, it } from 'vitest';
import { prepareOutcomeMessage, type PreparedMessage } from '../../../../../lambdas/domain/ledger/prepare-outcome-message';
import { context, envelope, validDetail } from '../../../../support/ledger-fixtures';

function single(result: PreparedMessage) {
  if (result.kind === 'batch' || result.kind === 'adjust') throw new Error(`expected a single outcome, got ${result.kind}`);
  return result;
}

function rejected(result: PreparedMessage) {
  const outcome = single(result);
  if (outcome.kind !== 'reject') throw new Error(`expected a rejection, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function entry(result: PreparedMessage) {
  const outcome = single(result);
  if (outcome.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(outcome)}`);
  return outcome.entry;
}

/** The detail's JSON with `"key":<raw token>` put first, as a producer's own serializer might write it. */
function withRawField(detail: Record<string, unknown>, key: string, rawToken: string): string {
  return envelope(detail).replace('"detail":{', `"detail":{"${key}":${rawToken},`);
}

const prepare = (body: string) => prepareOutcomeMessage(body, context);

describe('unpaired surrogates', () => {
  it('are refused in any string, so ids that UTF-8 storage would make equal never share a key', () => {
    const ids = ['b1-surr-\ud800', 'b1-surr-\udc00', 'x-qm-\udc01'];
    const results = ids.map((outcomeId) => rejected(prepare(envelope({ ...validDetail, outcomeId }))));
    for (const result of results) {
      expect(result.rejection.code).toBe('MALFORMED_UNICODE');
      expect(result.rejection.message).toMatch(/^outcomeId: ".*\\ud[8c]0[01]" is not well-formed Unicode \(it has an unpaired surrogate\); send valid UTF-8$/);
    }
    expect(new Set(results.map((result) => result.rejectionId)).size).toBe(3);
    // The well-behaved producer's id that used to collide is recorded.
    expect(entry(prepare(envelope({ ...validDetail, outcomeId: 'x-qm-?' }))).outcomeId).toBe('x-qm-?');
  });

  it('are refused in attribute names and values, and in fields no one reads', () => {
    expect(rejected(prepare(envelope({ ...validDetail, attributes: { 'k\udfff': 'v' } }))).rejection).toMatchObject({
      code: 'MALFORMED_UNICODE',
      message: expect.stringMatching(/^attributes\..*: the key .* is not well-formed/),
    });
    expect(rejected(prepare(envelope({ ...validDetail, attributes: { k: 'v\ud83d' } }))).rejection.code).toBe('MALFORMED_UNICODE');
    const body = envelope(validDetail).replace('"version":"0"', '"version":"0\\ud800"');
    expect(rejected(prepare(body)).rejection).toMatchObject({ code: 'MALFORMED_UNICODE', message: expect.stringMatching(/^version: /) });
  });

  it('paired surrogates (emoji) are fine', () => {
    expect(entry(prepare(envelope({ ...validDetail, attributes: { mood: '😀' } }))).attributesJson).toBe('{"mood":"😀"}');
  });
});

describe('numbers are exactly what the producer sent', () => {
  it('refuses a quantity of 123456789012345678 as a JSON number and records it as a decimal string', () => {
    const refused = rejected(prepare(withRawField(validDetail, 'quantity', '123456789012345678')));
    expect(refused.rejection.code).toBe('INEXACT_NUMBER');
    expect(refused.rejection.message).toBe(
      'quantity: the JSON number 123456789012345678 has more digits than a JSON number (a 64-bit double) keeps and would read as 123456789012345680; send it as a decimal string ("123456789012345678")',
    );
    expect(entry(prepare(envelope({ ...validDetail, quantity: '123456789012345678' }))).quantity).toBe('123456789012345678');
  });

  it('refuses 1e400 and 1e-400 with the token as sent in the message', () => {
    expect(rejected(prepare(withRawField(validDetail, 'quantity', '1e400'))).rejection).toMatchObject({
      code: 'INEXACT_NUMBER',
      message: expect.stringContaining('the JSON number 1e400 is beyond the range'),
    });
    expect(rejected(prepare(withRawField(validDetail, 'quantity', '1e-400'))).rejection).toMatchObject({
      code: 'INEXACT_NUMBER',
      message: expect.stringContaining('the JSON number 1e-400 is too small'),
    });
  });

  it('applies the same rule to attribute numbers, and keeps exact ones exactly', () => {
    const body = envelope({ ...validDetail, attributes: { n: 1 } }).replace('"n":1', '"n":123456789012345678');
    expect(rejected(prepare(body)).rejection).toMatchObject({ code: 'INEXACT_NUMBER', message: expect.stringMatching(/^attributes\.n: /) });
    expect(entry(prepare(envelope({ ...validDetail, attributes: { n: 0.1, m: 9007199254740992 } }))).attributesJson).toBe(
      '{"m":9007199254740992,"n":0.1}',
    );
  });

  it('gives two events that differ only in an inexact number two rejection ids', () => {
    const a = rejected(prepare(withRawField(validDetail, 'quantity', '123456789012345678')));
    const b = rejected(prepare(withRawField(validDetail, 'quantity', '123456789012345679')));
    expect(a.rejectionId).not.toBe(b.rejectionId);
  });
});

describe('keys and control characters', () => {
  it('refuses a "__proto__" key anywhere in the detail instead of dropping it', () => {
    const inAttributes = envelope({ ...validDetail, attributes: { a: 'x' } }).replace('"a":"x"', '"__proto__":"x"');
    expect(rejected(prepare(inAttributes)).rejection).toEqual(
      expect.objectContaining({ code: 'INVALID_FIELD', message: 'attributes.__proto__: the key "__proto__" is not accepted (rename it)' }),
    );
    const escaped = envelope({ ...validDetail, attributes: { a: 'x' } }).replace('"a":"x"', '"\\u005f_proto__":{"b":1}');
    expect(rejected(prepare(escaped)).rejection.code).toBe('INVALID_FIELD');
    const topLevel = withRawField(validDetail, '__proto__', '{}');
    expect(rejected(prepare(topLevel)).rejection.message).toBe('__proto__: the key "__proto__" is not accepted (rename it)');
  });

  it('refuses control characters in attribute names and NUL in attribute values; tabs and line breaks in values are kept', () => {
    expect(rejected(prepare(envelope({ ...validDetail, attributes: { 'a\u0001': 'x' } }))).rejection).toMatchObject({
      code: 'INVALID_FIELD',
      message: expect.stringContaining('attribute names must not contain control characters'),
    });
    expect(rejected(prepare(envelope({ ...validDetail, attributes: { a: 'x\u0000y' } }))).rejection).toMatchObject({
      code: 'INVALID_FIELD',
      message: 'attributes.a: attribute values must not contain NUL (\\u0000)',
    });
    expect(entry(prepare(envelope({ ...validDetail, attributes: { a: 'line 1\n\tline 2' } }))).attributesJson).toBe('{"a":"line 1\\n\\tline 2"}');
  });

  it('refuses NUL in ids (as every control character) and in a reversal reason', () => {
    expect(rejected(prepare(envelope({ ...validDetail, outcomeId: 'a\u0000' }))).rejection.code).toBe('INVALID_FIELD');
    const reversal = prepare(envelope({ outcomeId: 'o-1', reason: 'reopened\u0000' }, 'Outcome Reversed'));
    expect(rejected(reversal).rejection).toMatchObject({ code: 'INVALID_FIELD', message: 'reason must not contain NUL (\\u0000)' });
  });
});

describe('nesting', () => {
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  it('refuses an attribute nested 40,000 deep with a code, never a stack overflow', () => {
    const body = withRawField(validDetail, 'attributes', `{"k":${deep(40_000)}}`);
    const refused = rejected(prepare(body));
    expect(refused.rejection.code).toBe('NESTING_TOO_DEEP');
    expect(refused.rejection.message).toMatch(/^attributes\.k(\[0\])*: objects and arrays nest more than 32 levels deep/);
    expect(refused.rejection.outcomeId).toBe(validDetail.outcomeId);
  });

  it('refuses deep nesting in an adjustment and in an unknown detail-type too', () => {
    const reversal = envelope({ outcomeId: 'o-1', reason: 'r' }, 'Outcome Reversed').replace('"detail":{', `"detail":{"x":${deep(50_000)},`);
    expect(rejected(prepare(reversal)).rejection.code).toBe('NESTING_TOO_DEEP');
    const unknown = envelope({ a: 1 }, 'Outcome Happened').replace('"detail":{', `"detail":{"x":${deep(50_000)},`);
    expect(rejected(prepare(unknown)).rejection.code).toBe('NESTING_TOO_DEEP');
  });

  it('keeps 5 levels (a valid batch) well inside the limit', () => {
    const batch = prepare(envelope({ outcomes: [{ ...validDetail, value: { amount: '1', currency: 'USD' }, attributes: { a: 'b' } }] }, 'Outcomes Recorded'));
    expect(batch.kind).toBe('batch');
  });
});

describe("a batch: each item's text problems refuse that item alone, keeping the producer's text", () => {
  const items = [
    { ...validDetail, outcomeId: 'ok-0' },
    { ...validDetail, outcomeId: 'bad-1', quantity: 1 },
    { ...validDetail, outcomeId: 'deep-2', attributes: { k: 'v' } },
    { ...validDetail, outcomeId: 'ok-3' },
  ];
  const body = envelope({ schemaVersion: 1, outcomes: items }, 'Outcomes Recorded')
    .replace(/("outcomeId":"bad-1"[^}]*"quantity":)1/, '$11e400')
    .replace('"k":"v"', `"k":${deep(40_000)}`);

  function deep(levels: number) {
    return `${'['.repeat(levels)}${']'.repeat(levels)}`;
  }

  it("refuses the whole event when the batch's own schemaVersion is an inexact number", () => {
    const shell = envelope({ schemaVersion: 1, outcomes: [validDetail] }, 'Outcomes Recorded').replace('"schemaVersion":1', '"schemaVersion" : 1.0000000000000001');
    expect(rejected(prepare(shell)).rejection).toMatchObject({ code: 'INEXACT_NUMBER', message: expect.stringMatching(/^schemaVersion: the JSON number 1\.0000000000000001/) });
  });

  it('records the good items and refuses the others with their own codes and raw bodies', () => {
    expect(body).toContain('"quantity":1e400');
    const result = prepare(body);
    if (result.kind !== 'batch') throw new Error(`expected a batch, got ${result.kind}`);
    const kinds = result.items.map((item) => (item.prepared.kind === 'reject' ? item.prepared.rejection.code : item.prepared.kind));
    expect(kinds).toEqual(['record', 'INEXACT_NUMBER', 'NESTING_TOO_DEEP', 'record']);
    const inexact = result.items[1]?.prepared;
    if (inexact?.kind !== 'reject') throw new Error('expected a rejection');
    expect(inexact.rejection.message).toMatch(/^outcomes\[1\] of event "evt-1": quantity: the JSON number 1e400 is beyond the range/);
    expect(inexact.body).toContain('"detail-type":"Outcome Recorded"');
    expect(inexact.body).toContain('"quantity":1e400');
    expect(JSON.parse(inexact.body as string).detail.outcomeId).toBe('bad-1');
    const deepItem = result.items[2]?.prepared;
    if (deepItem?.kind !== 'reject') throw new Error('expected a rejection');
    expect((deepItem.body as string).length).toBeGreaterThan(80_000);
  });
});
