import { describe, expect, it } from 'vitest';
import { MAX_OUTCOMES_PER_EVENT, OutcomesRecordedDetailSchema } from '../../../../../lambdas/domain/ledger/outcome-events';
import type { PreparedBatch } from '../../../../../lambdas/domain/ledger/prepare-outcome-batch';
import { prepareOutcomeMessage, type PreparedMessage } from '../../../../../lambdas/domain/ledger/prepare-outcome-message';
import { context, envelope, validDetail } from '../../../../support/ledger-fixtures';

const BATCH = 'Outcomes Recorded';
const item = (index: number, overrides: Record<string, unknown> = {}) => ({
  ...validDetail,
  outcomeId: `batch-item-${index}`,
  ...overrides,
});
const prepare = (detail: unknown) => prepareOutcomeMessage(envelope(detail, BATCH), context);

function asBatch(prepared: PreparedMessage): PreparedBatch {
  if (prepared.kind !== 'batch') throw new Error(`expected a batch, got ${JSON.stringify(prepared)}`);
  return prepared;
}

describe('Outcomes Recorded: a valid batch', () => {
  it('keys every item exactly as the same detail sent alone', () => {
    const outcomes = [item(0), item(1, { quantity: 3, customerId: 'someone-new' }), item(2, { schemaVersion: 1 })];
    const batch = asBatch(prepare({ schemaVersion: 1, outcomes }));
    expect(batch.source.eventId).toBe('evt-1');
    expect(batch.items.map((entry) => entry.index)).toEqual([0, 1, 2]);
    outcomes.forEach((outcome, index) => {
      const alone = prepareOutcomeMessage(envelope(outcome), context);
      expect(batch.items[index]?.prepared).toEqual(alone);
    });
  });

  it('takes schemaVersion as optional, like every other detail', () => {
    expect(asBatch(prepare({ outcomes: [item(0)] })).items).toHaveLength(1);
  });

  it(`accepts ${MAX_OUTCOMES_PER_EVENT} outcomes, the documented maximum`, () => {
    const outcomes = Array.from({ length: MAX_OUTCOMES_PER_EVENT }, (_, index) => item(index));
    const batch = asBatch(prepare({ outcomes }));
    expect(batch.items.every((entry) => entry.prepared.kind === 'record')).toBe(true);
    expect(OutcomesRecordedDetailSchema.safeParse({ outcomes }).success).toBe(true);
  });
});

describe('Outcomes Recorded: bad items are rejected one by one, naming the event and index', () => {
  const outcomes = [
    item(0),
    item(1, { quantity: -1 }),
    item(2, { metric: 'ticket.reopened' }),
    'not an object',
    item(4, { customerId: undefined, quantitiy: 2 }),
    item(5),
  ];
  const batch = asBatch(prepare({ schemaVersion: 1, outcomes }));
  const rejection = (index: number) => {
    const prepared = batch.items[index]?.prepared;
    if (prepared?.kind !== 'reject') throw new Error(`item ${index} was not rejected`);
    return prepared;
  };

  it('records the good items', () => {
    expect(batch.items.map((entry) => entry.prepared.kind)).toEqual(['record', 'reject', 'reject', 'reject', 'reject', 'record']);
  });

  it('gives each bad item its own machine code and a message with the event id and index', () => {
    expect(rejection(1).rejection).toMatchObject({
      code: 'INVALID_QUANTITY',
      outcomeId: 'batch-item-1',
      customerId: 'acme',
      detailType: BATCH,
    });
    expect(rejection(1).rejection.message).toBe('outcomes[1] of event "evt-1": quantity must not be negative, got -1; reverse or correct the outcome instead');
    expect(rejection(2).rejection.code).toBe('UNKNOWN_METRIC');
    expect(rejection(2).rejection.message).toMatch(/^outcomes\[2\] of event "evt-1": metric "ticket.reopened" is not in the metric catalog/);
    expect(rejection(3).rejection).toMatchObject({ code: 'INVALID_FIELD', outcomeId: undefined });
    expect(rejection(3).rejection.message).toMatch(/^outcomes\[3\] of event "evt-1": /);
    expect(rejection(4).rejection.code).toBe('MISSING_FIELD');
    expect(rejection(4).rejection.message).toContain('customerId is required');
    expect(rejection(4).rejection.message).toContain('"quantitiy"');
  });

  it('keeps an unknown-metric item as a candidate, so an exact resend of a stored outcome stays a duplicate', () => {
    expect(rejection(2).candidate).toMatchObject({ outcomeId: 'batch-item-2', metric: 'ticket.reopened' });
  });

  it('stores the item alone as an Outcome Recorded event, so it can be resent by itself', () => {
    const stored = JSON.parse(rejection(1).body ?? '') as Record<string, unknown>;
    expect(stored).toMatchObject({ id: 'evt-1', source: 'producer.test', 'detail-type': 'Outcome Recorded', detail: outcomes[1] });
  });

  it('identifies a rejection by the item, so a resent batch (new event id, other position) stores it once', () => {
    const resent = asBatch(
      prepareOutcomeMessage(envelope({ outcomes: [item(9), outcomes[1]] }, BATCH).replace('"evt-1"', '"evt-2"'), context),
    );
    const again = resent.items[1]?.prepared;
    expect(again?.kind === 'reject' && again.rejectionId).toBe(rejection(1).rejectionId);
    expect(new Set([1, 2, 3, 4].map((index) => rejection(index).rejectionId)).size).toBe(4);
  });
});

describe('Outcomes Recorded: an event that is not a batch is one rejection', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['no outcomes', { schemaVersion: 1 }, 'MISSING_FIELD', /^outcomes is required$/],
    ['outcomes not a list', { outcomes: item(0) }, 'INVALID_FIELD', /outcomes must be an array of "Outcome Recorded" details/],
    ['an empty list', { outcomes: [] }, 'INVALID_FIELD', /outcomes must hold at least one outcome/],
    [
      'too many outcomes',
      { outcomes: Array.from({ length: MAX_OUTCOMES_PER_EVENT + 1 }, (_, index) => item(index)) },
      'INVALID_FIELD',
      /outcomes has 101 items; at most 100 outcomes are allowed per event/,
    ],
    ['an unknown field', { outcomes: [item(0)], customerId: 'acme' }, 'INVALID_FIELD', /unknown field "customerId"/],
    ['another schema version', { schemaVersion: 2, outcomes: [item(0)] }, 'UNSUPPORTED_SCHEMA_VERSION', /schemaVersion 2 is not supported/],
  ];

  it.each(cases)('%s', (_name, detail, code, message) => {
    const prepared = prepare(detail);
    if (prepared.kind !== 'reject') throw new Error(`expected one rejection, got ${prepared.kind}`);
    expect(prepared.rejection.code).toBe(code);
    expect(prepared.rejection.message).toMatch(message);
    expect(prepared.rejection.detailType).toBe(BATCH);
    // The whole message is the rejected thing: stored with its own body.
    expect(prepared.body).toBeUndefined();
  });
});
