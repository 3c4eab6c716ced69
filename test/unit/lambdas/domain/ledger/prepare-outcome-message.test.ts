import { describe, expect, it } from 'vitest';
import { prepareOutcomeMessage, type PreparedMessage } from '../../../../../lambdas/domain/ledger/prepare-outcome-message';
import { usageShardOf, USAGE_SHARD_COUNT } from '../../../../../lambdas/domain/ledger/ledger-keys';
import { NOW, DAY, context, envelope, validDetail } from '../../../../support/ledger-fixtures';

function rejection(result: PreparedMessage) {
  if (result.kind !== 'reject') throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.rejection;
}

function prepare(detail: unknown, detailType?: string) {
  return prepareOutcomeMessage(envelope(detail, detailType), context);
}

describe('prepareOutcomeMessage: a valid Outcome Recorded', () => {
  it('becomes an entry keyed by outcomeId with normalised fields and recordedAt = now', () => {
    const result = prepare({
      ...validDetail,
      quantity: '0012.500',
      value: { amount: '129.90', currency: 'USD' },
      attributes: { zeta: true, agentId: 'a-7', score: 4.5 },
      schemaVersion: 1,
    });
    expect(result).toEqual({
      kind: 'record',
      entry: {
        kind: 'recorded',
        outcomeId: 'ticket-4711-resolution',
        customerId: 'acme',
        metric: 'ticket.resolved',
        occurredAtMs: Date.parse('2026-11-15T09:15:00Z'),
        recordedAtMs: NOW,
        quantity: '12.5',
        value: { amount: '129.9', currency: 'USD' },
        attributesJson: '{"agentId":"a-7","score":4.5,"zeta":true}',
        billableRule: { when: 'immediately' },
        attributed: true,
      },
    });
  });

  it('defaults quantity to 1 and schemaVersion to 1, and accepts JSON numbers', () => {
    expect(prepare(validDetail)).toMatchObject({ kind: 'record', entry: { quantity: '1' } });
    expect(prepare({ ...validDetail, quantity: 0.25 })).toMatchObject({ entry: { quantity: '0.25' } });
    expect(prepare({ ...validDetail, quantity: 0 })).toMatchObject({ entry: { quantity: '0' } });
  });

  it('keeps outcomes of unknown customers, flagged unattributed', () => {
    expect(prepare({ ...validDetail, customerId: 'not-in-catalog' })).toMatchObject({
      kind: 'record',
      entry: { attributed: false, customerId: 'not-in-catalog' },
    });
  });

  it('snapshots the metric billable rule onto the entry', () => {
    expect(prepare({ ...validDetail, metric: 'energy.saved' })).toMatchObject({
      entry: { billableRule: { when: 'quiet-window', hours: 24 } },
    });
  });

  it('accepts occurredAt right at the edges of the window', () => {
    expect(prepare({ ...validDetail, occurredAt: new Date(NOW + 5 * 60_000).toISOString() }).kind).toBe('record');
    expect(prepare({ ...validDetail, occurredAt: new Date(NOW - 35 * DAY).toISOString() }).kind).toBe('record');
  });

  it('spreads outcome keys over every usage shard', () => {
    const shards = new Set(Array.from({ length: 500 }, (_, index) => usageShardOf(`outcome-${index}`)));
    expect(shards.size).toBe(USAGE_SHARD_COUNT);
  });
});

describe('prepareOutcomeMessage: adjustments', () => {
  it('turns reversal, correction and verification into adjustment requests', () => {
    expect(prepare({ outcomeId: 'o-1', reason: 'reopened' }, 'Outcome Reversed')).toEqual({
      kind: 'adjust',
      request: { kind: 'reversed', outcomeId: 'o-1', reason: 'reopened', recordedAtMs: NOW },
    });
    expect(prepare({ outcomeId: 'o-1', correctionId: 'c-1', quantity: '2.0', reason: 'recount' }, 'Outcome Corrected')).toEqual({
      kind: 'adjust',
      request: { kind: 'corrected', outcomeId: 'o-1', correctionId: 'c-1', quantity: '2', value: undefined, reason: 'recount', recordedAtMs: NOW },
    });
    expect(prepare({ outcomeId: 'o-1', verifiedAt: '2026-11-15T11:00:00Z' }, 'Outcome Verified')).toEqual({
      kind: 'adjust',
      request: { kind: 'verified', outcomeId: 'o-1', verifiedAtMs: Date.parse('2026-11-15T11:00:00Z'), recordedAtMs: NOW },
    });
  });
});

describe('prepareOutcomeMessage: every bad input gets a specific code and message', () => {
  const cases: { name: string; body: string; code: string; message: RegExp }[] = [
    { name: 'malformed JSON', body: '{"detail-type": ', code: 'MALFORMED_JSON', message: /not valid JSON/ },
    { name: 'a JSON array', body: '[1]', code: 'INVALID_ENVELOPE', message: /EventBridge event/ },
    { name: 'no detail', body: JSON.stringify({ 'detail-type': 'Outcome Recorded' }), code: 'INVALID_ENVELOPE', message: /detail/ },
    { name: 'detail not an object', body: JSON.stringify({ 'detail-type': 'Outcome Recorded', detail: 'x' }), code: 'INVALID_ENVELOPE', message: /detail/ },
    { name: 'unknown detail-type', body: envelope(validDetail, 'Outcome Happened'), code: 'UNKNOWN_DETAIL_TYPE', message: /Outcome Happened/ },
    { name: 'missing customerId', body: envelope({ ...validDetail, customerId: undefined }), code: 'MISSING_FIELD', message: /customerId is required/ },
    { name: 'missing occurredAt', body: envelope({ ...validDetail, occurredAt: undefined }), code: 'MISSING_FIELD', message: /occurredAt is required/ },
    { name: 'missing value.currency', body: envelope({ ...validDetail, value: { amount: '1' } }), code: 'MISSING_FIELD', message: /value\.currency is required/ },
    { name: 'mistyped customerId', body: envelope({ ...validDetail, customerId: 42 }), code: 'INVALID_FIELD', message: /customerId/ },
    { name: 'empty outcomeId', body: envelope({ ...validDetail, outcomeId: '' }), code: 'INVALID_FIELD', message: /outcomeId must not be empty/ },
    { name: 'outcomeId over 255 characters', body: envelope({ ...validDetail, outcomeId: 'x'.repeat(256) }), code: 'INVALID_FIELD', message: /255/ },
    { name: 'misspelled field', body: envelope({ ...validDetail, quantitiy: 3 }), code: 'INVALID_FIELD', message: /unknown field "quantitiy"/ },
    { name: 'negative quantity', body: envelope({ ...validDetail, quantity: -1 }), code: 'INVALID_QUANTITY', message: /must not be negative/ },
    { name: 'negative quantity string', body: envelope({ ...validDetail, quantity: '-0.5' }), code: 'INVALID_QUANTITY', message: /must not be negative/ },
    { name: 'NaN quantity', body: envelope({ ...validDetail, quantity: 'NaN' }), code: 'INVALID_QUANTITY', message: /finite/ },
    { name: 'quantity beyond a double (1e400)', body: envelope(validDetail).replace('"occurredAt"', '"quantity":1e400,"occurredAt"'), code: 'INEXACT_NUMBER', message: /quantity: the JSON number 1e400 is beyond the range.*decimal string/ },
    { name: 'Infinity quantity string', body: envelope({ ...validDetail, quantity: 'Infinity' }), code: 'INVALID_QUANTITY', message: /finite/ },
    { name: 'non-numeric quantity', body: envelope({ ...validDetail, quantity: 'ten' }), code: 'INVALID_QUANTITY', message: /plain decimal/ },
    { name: 'exponent quantity string', body: envelope({ ...validDetail, quantity: '1e3' }), code: 'INVALID_QUANTITY', message: /plain decimal/ },
    { name: 'boolean quantity', body: envelope({ ...validDetail, quantity: true }), code: 'INVALID_QUANTITY', message: /boolean/ },
    { name: 'null quantity', body: envelope({ ...validDetail, quantity: null }), code: 'INVALID_QUANTITY', message: /null/ },
    { name: 'too many decimals', body: envelope({ ...validDetail, quantity: '0.0000000000001' }), code: 'INVALID_QUANTITY', message: /12 decimal places/ },
    { name: 'too many digits', body: envelope({ ...validDetail, quantity: '1234567890123456789' }), code: 'INVALID_QUANTITY', message: /18 significant digits/ },
    { name: 'binary float noise', body: envelope({ ...validDetail, quantity: 0.1 + 0.2 }), code: 'INVALID_QUANTITY', message: /decimal places/ },
    { name: 'unknown metric', body: envelope({ ...validDetail, metric: 'ticket.reopened' }), code: 'UNKNOWN_METRIC', message: /ticket\.reopened.*known metrics: energy\.saved/ },
    { name: 'unknown currency', body: envelope({ ...validDetail, value: { amount: '1.00', currency: 'XYZ' } }), code: 'UNKNOWN_CURRENCY', message: /XYZ/ },
    { name: 'lower-case currency', body: envelope({ ...validDetail, value: { amount: '1.00', currency: 'usd' } }), code: 'UNKNOWN_CURRENCY', message: /upper case/ },
    { name: 'amount as a number', body: envelope({ ...validDetail, value: { amount: 1.5, currency: 'USD' } }), code: 'INVALID_FIELD', message: /decimal string/ },
    { name: 'negative amount', body: envelope({ ...validDetail, value: { amount: '-1', currency: 'USD' } }), code: 'INVALID_FIELD', message: /negative/ },
    { name: 'value currency other than the metric', body: envelope({ ...validDetail, metric: 'order.recovered', value: { amount: '1', currency: 'EUR' } }), code: 'INVALID_FIELD', message: /whose values are in USD/ },
    { name: 'occurredAt without offset', body: envelope({ ...validDetail, occurredAt: '2026-11-15T10:00:00' }), code: 'INVALID_FIELD', message: /^occurredAt: expected an RFC 3339 instant with offset/ },
    { name: 'occurredAt not a date', body: envelope({ ...validDetail, occurredAt: 'yesterday' }), code: 'INVALID_FIELD', message: /RFC 3339/ },
    { name: 'occurredAt over 5 minutes ahead', body: envelope({ ...validDetail, occurredAt: new Date(NOW + 5 * 60_000 + 1000).toISOString() }), code: 'OCCURRED_IN_FUTURE', message: /ahead/ },
    { name: 'occurredAt before the backdating window', body: envelope({ ...validDetail, occurredAt: new Date(NOW - 35 * DAY - 1000).toISOString() }), code: 'OCCURRED_TOO_LONG_AGO', message: /backdating window of 35 days/ },
    { name: 'too many attributes', body: envelope({ ...validDetail, attributes: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }), code: 'ATTRIBUTES_TOO_LARGE', message: /at most 20/ },
    { name: 'attribute value too long', body: envelope({ ...validDetail, attributes: { note: 'x'.repeat(257) } }), code: 'ATTRIBUTES_TOO_LARGE', message: /256/ },
    { name: 'attribute name too long', body: envelope({ ...validDetail, attributes: { ['k'.repeat(65)]: 1 } }), code: 'ATTRIBUTES_TOO_LARGE', message: /64/ },
    { name: 'attributes over 2 KB in total', body: envelope({ ...validDetail, attributes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'é'.repeat(200)])) }), code: 'ATTRIBUTES_TOO_LARGE', message: /2048 are allowed/ },
    { name: 'nested attribute value', body: envelope({ ...validDetail, attributes: { nested: { a: 1 } } }), code: 'INVALID_FIELD', message: /no objects/ },
    { name: 'unsupported schemaVersion', body: envelope({ ...validDetail, schemaVersion: 2 }), code: 'UNSUPPORTED_SCHEMA_VERSION', message: /schemaVersion 2/ },
    { name: 'reversal without a reason', body: envelope({ outcomeId: 'o-1' }, 'Outcome Reversed'), code: 'MISSING_FIELD', message: /reason is required/ },
    { name: 'correction changing nothing', body: envelope({ outcomeId: 'o-1', correctionId: 'c', reason: 'r' }, 'Outcome Corrected'), code: 'MISSING_FIELD', message: /new quantity, a new value/ },
    { name: 'correction with a negative quantity', body: envelope({ outcomeId: 'o-1', correctionId: 'c', quantity: -3, reason: 'r' }, 'Outcome Corrected'), code: 'INVALID_QUANTITY', message: /negative/ },
    { name: 'verification in the future', body: envelope({ outcomeId: 'o-1', verifiedAt: '2027-01-01T00:00:00Z' }, 'Outcome Verified'), code: 'INVALID_FIELD', message: /future/ },
  ];

  it.each(cases)('$name -> $code', ({ body, code, message }) => {
    const result = prepareOutcomeMessage(body, context);
    const draft = rejection(result);
    expect(draft.code).toBe(code);
    expect(draft.message).toMatch(message);
  });

  it('names the most fundamental problem first and lists the others', () => {
    const draft = rejection(prepare({ ...validDetail, customerId: undefined, quantity: -1, schemaVersion: 3 }));
    expect(draft.code).toBe('UNSUPPORTED_SCHEMA_VERSION');
    expect(draft.message).toMatch(/customerId is required/);
    expect(draft.message).toMatch(/negative/);
  });

  it('carries what it could read (outcomeId, customerId, detail-type) for the rejected store', () => {
    expect(rejection(prepare({ ...validDetail, quantity: -1 }))).toMatchObject({
      outcomeId: validDetail.outcomeId,
      customerId: 'acme',
      detailType: 'Outcome Recorded',
    });
  });

  it('gives the same rejectionId for a redelivery or a resend in a new envelope, another for other content', () => {
    const bad = { ...validDetail, quantity: -1 };
    const first = prepareOutcomeMessage(envelope(bad), context);
    const resent = prepareOutcomeMessage(envelope(bad).replace('"evt-1"', '"evt-2"'), context);
    const other = prepareOutcomeMessage(envelope({ ...bad, quantity: -2 }), context);
    if (first.kind !== 'reject' || resent.kind !== 'reject' || other.kind !== 'reject') throw new Error('expected rejections');
    expect(resent.rejectionId).toBe(first.rejectionId);
    expect(other.rejectionId).not.toBe(first.rejectionId);
  });

  it('offers the would-be entry for rejections that depend on time or catalog, so a resend can still be a duplicate', () => {
    const tooOld = prepare({ ...validDetail, occurredAt: new Date(NOW - 40 * DAY).toISOString() });
    expect(tooOld).toMatchObject({ kind: 'reject', candidate: { outcomeId: validDetail.outcomeId } });
    const negative = prepare({ ...validDetail, quantity: -1 });
    expect(negative).toMatchObject({ kind: 'reject', candidate: undefined });
  });
});
