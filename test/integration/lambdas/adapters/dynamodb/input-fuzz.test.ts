// Property: whatever a producer puts in an outcome's detail, the ledger
// records exactly what was sent or rejects it with a code kept in the
// rejected store, never throws, and never lets two distinct ids share a key.
// Each detail is written as raw text (numbers as raw tokens, strings escaped
// or not), goes through the local bus's validatePutEvents, then through the
// ledger's ingest on the real DynamoDB Local.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRejectionItem } from '../../../../../lambdas/adapters/dynamodb/ledger-items';
import { outcomeResultsOf, type IngestResult } from '../../../../../lambdas/application/ingest-outcome-message';
import { REJECTION_CODES } from '../../../../../lambdas/domain/ledger/rejection-codes';
import { validatePutEvents } from '../../../../../lib/local/put-events-request';
import { createLedgerKit, type LedgerKit } from '../../../../support/ledger-test-kit';

// Ids that differ only in characters UTF-8 storage or validation could
// blur: unpaired surrogates (stored as U+FFFD or '?'), '?', NUL, U+FFFD.
const ID_ENDINGS = ['', '?', '\ud800', '\udc00', '\udc01', '\u0000', '\ufffd', 'z'];

const NUMBER_TOKENS = [
  '0', '1', '2.5', '0.1', '100', '1.50', '1E2', '1e-7', '0.000001',
  '123456789012345678', '9007199254740993', '9007199254740992', '1.0000000000000001', '1e400', '-1e400', '1e-400', '5e-324', '-1',
];

const TRICKY_CHARACTERS = ['a', 'Z', '?', ' ', '\ud800', '\udfff', '\u0000', '\u0001', '\n', '\t', '😀', 'é', '"', '\\', '\u2028'];

interface RawValue {
  /** The value's JSON text as the producer writes it. */
  readonly text: string;
  /** What the ledger must hand back if it records it: a string, a boolean, or a number's token. */
  readonly expected: { kind: 'string'; value: string } | { kind: 'boolean'; value: boolean } | { kind: 'number'; token: string } | { kind: 'other' };
}

/** JSON text of a string: escaped as JSON.stringify does, or with unpaired surrogates left raw. */
function stringText(value: string, raw: boolean): string {
  const escaped = JSON.stringify(value);
  return raw ? escaped.replace(/\\ud[89a-f][0-9a-f]{2}/g, (escape) => String.fromCharCode(parseInt(escape.slice(2), 16))) : escaped;
}

const trickyString = fc.array(fc.oneof(fc.constantFrom(...TRICKY_CHARACTERS), fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join(''));
const rawFlag = fc.boolean();

const stringValue: fc.Arbitrary<RawValue> = fc
  .tuple(trickyString, rawFlag)
  .map(([value, raw]) => ({ text: stringText(value, raw), expected: { kind: 'string', value } }));
const numberToken = fc.oneof(
  fc.constantFrom(...NUMBER_TOKENS),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => String(value)),
  fc.stringMatching(/^[1-9][0-9]{0,22}(\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?$/),
);
const numberValue: fc.Arbitrary<RawValue> = numberToken.map((token) => ({ text: token, expected: { kind: 'number', token } }));
const booleanValue: fc.Arbitrary<RawValue> = fc.boolean().map((value) => ({ text: String(value), expected: { kind: 'boolean', value } }));
const nestedValue: fc.Arbitrary<RawValue> = fc.oneof(
  // Only objects and arrays: fc.jsonValue also yields strings, numbers, booleans and null, which are not nested.
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((value) => typeof value === 'object' && value !== null)
    .map((value) => ({ text: JSON.stringify(value), expected: { kind: 'other' } as const })),
  fc.constantFrom(3, 31, 40, 40_000).map((depth) => ({ text: `${'['.repeat(depth)}${']'.repeat(depth)}`, expected: { kind: 'other' } as const })),
);

const attributeKey = fc.oneof(
  fc.constantFrom('agent', 'channel', 'n', '__proto__', 'constructor', 'k\u0000', 'k\ud800', 'k\u001f', 'tab\tkey'),
  trickyString.filter((key) => key.length > 0),
);
const attributes = fc.uniqueArray(
  fc.tuple(attributeKey, fc.oneof({ arbitrary: stringValue, weight: 3 }, { arbitrary: numberValue, weight: 3 }, booleanValue, nestedValue), rawFlag),
  { maxLength: 4, selector: ([key]) => key },
);

const detailArbitrary = fc.record({
  id: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(...ID_ENDINGS)).map(([base, ending]) => `fuzz-${base}-${ending}`),
  rawId: rawFlag,
  quantity: fc.option(fc.oneof(numberValue, numberToken.map((token) => ({ text: JSON.stringify(token), expected: { kind: 'string', value: token } as const }))), { nil: undefined }),
  attributes: fc.option(attributes, { nil: undefined }),
  protoAtTop: fc.integer({ min: 0, max: 9 }).map((draw) => draw < 2),
});
type FuzzDetail = typeof detailArbitrary extends fc.Arbitrary<infer T> ? T : never;

function detailText(detail: FuzzDetail): string {
  const fields = [
    `"outcomeId":${stringText(detail.id, detail.rawId)}`,
    '"customerId":"acme"',
    '"metric":"ticket.resolved"',
    '"occurredAt":"2026-11-15T11:00:00Z"',
  ];
  if (detail.quantity !== undefined) fields.push(`"quantity":${detail.quantity.text}`);
  if (detail.attributes !== undefined) {
    fields.push(`"attributes":{${detail.attributes.map(([key, value, raw]) => `${stringText(key, raw)}:${value.text}`).join(',')}}`);
  }
  if (detail.protoAtTop) fields.push('"__proto__":{}');
  return `{${fields.join(',')}}`;
}

/** A decimal's value as digits and the power of ten of the first one, to compare texts that mean the same number. */
function decimalValue(text: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return `not a decimal: ${text}`;
  const digits = `${match[2] ?? ''}${match[3] ?? ''}`;
  const leading = digits.length - digits.replace(/^0+/, '').length;
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  if (significant === '') return '0';
  const exponent = Number(match[4] ?? 0) + (match[2] ?? '').length - leading;
  return `${match[1]}0.${significant}e${exponent}`;
}

function expectSameValue(sent: RawValue['expected'], stored: unknown): void {
  if (sent.kind === 'string' || sent.kind === 'boolean') expect(stored).toBe(sent.value);
  else if (sent.kind === 'number') expect(decimalValue(String(stored))).toBe(decimalValue(sent.token));
  else throw new Error(`a nested attribute value was recorded: ${JSON.stringify(stored)}`);
}

describe('ingest of arbitrary details through the local bus (fuzz, real DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit();
  });
  afterAll(async () => {
    await kit.destroy();
  });

  async function storedRejection(rejectionId: string) {
    const { Item } = await kit.tables.client.send(
      new GetItemCommand({ TableName: kit.tables.ledgerTableName, Key: { pk: { S: `RJ#${rejectionId}` }, sk: { S: 'RJ' } }, ConsistentRead: true }),
    );
    if (!Item) throw new Error(`rejection ${rejectionId} was not stored`);
    return fromRejectionItem(Item);
  }

  it('records exactly what was sent or rejects it with a stored code; distinct ids never share a key', async () => {
    const recorded = new Map<string, string>(); // outcomeId -> detail text first recorded
    const messageIdOf = new Map<string, string>();
    let counter = 0;
    const runs = { recorded: 0, duplicate: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(detailArbitrary, { minLength: 1, maxLength: 3 }), fc.boolean(), async (details, asBatch) => {
        counter += 1;
        const texts = details.map(detailText);
        const entries = asBatch
          ? [{ EventBusName: 'outcome-engine', Source: 'com.example.fuzz', DetailType: 'Outcomes Recorded', Detail: `{"outcomes":[${texts.join(',')}]}` }]
          : texts.map((Detail) => ({ EventBusName: 'outcome-engine', Source: 'com.example.fuzz', DetailType: 'Outcome Recorded', Detail }));
        const put = validatePutEvents({ Entries: entries }, { account: '000000000000', region: 'us-east-1', now: kit.clock.now });
        expect(put.response.FailedEntryCount).toBe(0);

        const results: { result: IngestResult; detail: FuzzDetail; text: string; body: string }[] = [];
        for (const [entryIndex, accepted] of put.accepted.entries()) {
          messageIdOf.set(accepted.body, `fuzz-${counter}-${entryIndex}`);
          const outcome = await kit.service.ingestMessage({ body: accepted.body, messageId: `fuzz-${counter}-${entryIndex}` });
          const perOutcome = outcomeResultsOf(outcome);
          perOutcome.forEach((result, index) => {
            const at = asBatch ? index : entryIndex;
            results.push({ result, detail: details[at] as FuzzDetail, text: texts[at] as string, body: accepted.body });
          });
        }
        expect(results).toHaveLength(details.length);

        // Items of a batch are written concurrently: which of two equal ids is
        // recorded and which is the duplicate is not fixed, so look at the
        // recorded ones first.
        results.sort((a, b) => Number(b.result.status === 'recorded') - Number(a.result.status === 'recorded'));
        for (const { result, detail, text, body } of results) {
          if (result.status === 'rejected') {
            runs.rejected += 1;
            expect(REJECTION_CODES).toContain(result.code);
            if (result.code === 'OUTCOME_CONFLICT') expect(recorded.has(detail.id)).toBe(true);
            const stored = await storedRejection(result.rejectionId);
            expect(stored.code).toBe(result.code);
            // The producer's own text is kept, never a re-serialization (the
            // bus writes unpaired surrogates as the escapes that mean the same).
            const keptText = text.replace(/\p{Cs}/gu, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`);
            // A rejection is stored once per event: a resend keeps the first body.
            if (stored.truncated) {
              expect(body.includes(stored.rawBody.slice(200, 300)) || asBatch).toBe(true);
            } else {
              if (!asBatch && stored.messageId === messageIdOf.get(body)) expect(stored.rawBody).toBe(body);
              expect(stored.rawBody).toContain('"detail-type":"Outcome Recorded"');
              expect(stored.rawBody.endsWith(`"detail":${keptText}}`)).toBe(true);
            }
            continue;
          }
          if (result.status === 'duplicate') {
            runs.duplicate += 1;
            expect(recorded.get(detail.id)).toBeDefined();
            continue;
          }
          runs.recorded += 1;
          expect(recorded.has(detail.id)).toBe(false);
          recorded.set(detail.id, text);
          const view = await kit.service.getOutcome(detail.id);
          expect(view?.outcomeId).toBe(detail.id);
          if (detail.quantity === undefined) expect(view?.quantity).toBe('1');
          else if (detail.quantity.expected.kind === 'string') expect(decimalValue(view?.quantity ?? '')).toBe(decimalValue(detail.quantity.expected.value));
          else expectSameValue(detail.quantity.expected, view?.quantity);
          const sentAttributes = detail.attributes ?? [];
          expect(Object.keys(view?.attributes ?? {}).sort()).toEqual(sentAttributes.map(([key]) => key).sort());
          for (const [key, value] of sentAttributes) expectSameValue(value.expected, view?.attributes?.[key]);
        }
      }),
      { numRuns: 100, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000) },
    );
    // Every id read back is its own: the ledger holds as many outcomes as ids recorded.
    for (const [outcomeId] of recorded) expect((await kit.service.getOutcome(outcomeId))?.outcomeId).toBe(outcomeId);
    expect(runs.recorded).toBeGreaterThan(0);
    expect(runs.rejected).toBeGreaterThan(0);
  }, 120_000);
});
