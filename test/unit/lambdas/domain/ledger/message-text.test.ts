import { describe, expect, it } from 'vitest';
import {
  MAX_NESTING_DEPTH,
  escapeLoneSurrogates,
  itemAloneBody,
  mayHoldInexactNumber,
  mayHoldUnsafeStrings,
  mayNestDeeperThan,
  numberTokenProblem,
  rejectionFromTextProblems,
  scanMessageText,
} from '../../../../../lambdas/domain/ledger/message-text';

describe('numberTokenProblem: a JSON number must read back as exactly the decimal the producer wrote', () => {
  it.each(['0', '-0', '1', '0.1', '129.9', '123456789012345', '9007199254740992', '1e21', '5e-324', '1.5E+3', '100000000000000000000'])(
    'accepts %s',
    (token) => expect(numberTokenProblem(token)).toBeUndefined(),
  );

  it('refuses 123456789012345678 (reads as ...680) and says what to send instead', () => {
    expect(numberTokenProblem('123456789012345678')).toBe(
      'the JSON number 123456789012345678 has more digits than a JSON number (a 64-bit double) keeps and would read as 123456789012345680; send it as a decimal string ("123456789012345678")',
    );
  });

  it.each([
    ['9007199254740993', /would read as 9007199254740992/],
    ['0.12345678901234567', /more digits/],
    ['1e400', /beyond the range/],
    ['-1e400', /beyond the range/],
    ['1e-400', /too small .* would read as 0/],
  ])('refuses %s', (token, message) => expect(numberTokenProblem(token)).toMatch(message));
});

describe('the cheap gates', () => {
  it('let the usual event through without a careful look', () => {
    const body = JSON.stringify({
      version: '0',
      id: '3e4f9a1b-12e4-4c5d-9e8f-0123456789ab',
      'detail-type': 'Outcome Recorded',
      time: '2026-11-03T10:15:00Z',
      resources: [],
      detail: { outcomeId: 'ticket-4711', quantity: '2.5', value: { amount: '129.90', currency: 'USD' }, attributes: { n: 42, ok: true } },
    });
    expect(mayHoldInexactNumber(body)).toBe(false);
    expect(mayHoldUnsafeStrings(body)).toBe(false);
    expect(mayNestDeeperThan(body, MAX_NESTING_DEPTH)).toBe(false);
  });

  it('trip on long digit runs, exponents, escapes, __proto__, unpaired surrogates and many openers', () => {
    expect(mayHoldInexactNumber('{"q":1234567890123456}')).toBe(true);
    expect(mayHoldInexactNumber('{"q" :\n -0.1234567890123456}')).toBe(true);
    expect(mayHoldInexactNumber('{"q": 1e5}')).toBe(true);
    expect(mayHoldInexactNumber('{"q":123456789012345,"t":"10:15:00"}')).toBe(false);
    expect(mayHoldUnsafeStrings('{"a":"\\u0000"}')).toBe(true);
    expect(mayHoldUnsafeStrings('{"__proto__":1}')).toBe(true);
    expect(mayHoldUnsafeStrings('{"a":"x\udc00"}')).toBe(true);
    expect(mayNestDeeperThan('['.repeat(33) + ']'.repeat(33), 32)).toBe(true);
    expect(mayNestDeeperThan('['.repeat(32) + ']'.repeat(32), 32)).toBe(false);
  });
});

describe('scanMessageText', () => {
  it('finds inexact numbers, unpaired surrogates (escaped or raw), disguised __proto__ keys, with their paths, and never inside strings', () => {
    const body =
      '{"detail-type":"Outcome Recorded","detail":{"quantity":123456789012345678,"note":":123456789012345678e5",' +
      '"outcomeId":"a\\ud800","customerId":"b\udc00","attributes":{"\\u005f_proto__":1,"n":[0.5,1e400]}}}';
    const scan = scanMessageText(body);
    expect(scan.problems.map((problem) => [problem.kind, problem.path])).toEqual([
      ['inexact-number', ['detail', 'quantity']],
      ['ill-formed-unicode', ['detail', 'outcomeId']],
      ['ill-formed-unicode', ['detail', 'customerId']],
      ['prototype-key', ['detail', 'attributes', '__proto__']],
      ['inexact-number', ['detail', 'attributes', 'n', 1]],
    ]);
    expect(rejectionFromTextProblems(scan.problems).code).toBe('MALFORMED_UNICODE');
  });

  it('measures depth iteratively: 100,000 levels are one problem, not a stack overflow', () => {
    const deep = `{"detail-type":"Outcome Recorded","detail":{"attributes":{"k":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    const scan = scanMessageText(deep);
    expect(scan.problems).toHaveLength(1);
    expect(scan.problems[0]?.kind).toBe('too-deep');
    expect(rejectionFromTextProblems(scan.problems)).toEqual({
      code: 'NESTING_TOO_DEEP',
      message: expect.stringMatching(/^attributes\.k(\[0\])+: objects and arrays nest more than 32 levels deep; at most 32 are accepted$/),
    });
  });

  it("cuts one batch item out as an 'Outcome Recorded' event with the producer's own text", () => {
    const body =
      '{"id":"e-1", "detail-type" : "Outcomes Recorded","detail":{"outcomes":[{"outcomeId":"a"},{"outcomeId":"b","quantity":1.50}]},"source":"s"}';
    const scan = scanMessageText(body);
    expect(itemAloneBody(body, scan, 1, 'Outcome Recorded')).toBe(
      '{"id":"e-1", "detail-type" : "Outcome Recorded","detail":{"outcomeId":"b","quantity":1.50},"source":"s"}',
    );
  });

  it('writes unpaired surrogates as JSON escapes and leaves pairs alone', () => {
    expect(escapeLoneSurrogates('a\ud800b\udc01😀')).toBe('a\\ud800b\\udc01😀');
    expect(escapeLoneSurrogates('plain')).toBe('plain');
  });
});
