import { describe, expect, it } from 'vitest';
import {
  AwsJsonError,
  callerFromAuthorization,
  eventBridgeTime,
  parsePutEventsRequest,
  putEventsEntrySize,
  validatePutEvents,
  type PutEventsRequestEntry,
} from '../../../../lib/local/put-events-request';

const context = {
  account: '000000000000',
  region: 'us-east-1',
  now: () => new Date('2026-11-03T10:15:30.456Z'),
  newId: (() => {
    let n = 0;
    return () => `event-${++n}`;
  })(),
};

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId: 'o-1' }),
  EventBusName: 'outcome-engine',
  ...overrides,
});

function thrown(fn: () => unknown): AwsJsonError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsJsonError) return error;
    throw error;
  }
  throw new Error('expected an AwsJsonError');
}

describe('validatePutEvents', () => {
  it('wraps an accepted entry in the EventBridge envelope', () => {
    const { response, accepted } = validatePutEvents({ Entries: [entry({ Resources: ['arn:x'] })] }, context);
    expect(response.FailedEntryCount).toBe(0);
    expect(accepted).toHaveLength(1);
    const [{ eventBusName, envelope }] = accepted as [(typeof accepted)[number]];
    expect(eventBusName).toBe('outcome-engine');
    expect(envelope).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Outcome Recorded',
      source: 'com.example.support',
      account: '000000000000',
      time: '2026-11-03T10:15:30Z',
      region: 'us-east-1',
      resources: ['arn:x'],
      detail: { outcomeId: 'o-1' },
    });
    expect(response.Entries).toEqual([{ EventId: envelope.id }]);
  });

  it('uses the entry Time (epoch seconds, as the SDK sends it) and an ISO string too', () => {
    const epoch = validatePutEvents({ Entries: [entry({ Time: Date.parse('2026-10-01T08:00:00Z') / 1000 })] }, context);
    expect(epoch.accepted[0]?.envelope.time).toBe('2026-10-01T08:00:00Z');
    const iso = validatePutEvents({ Entries: [entry({ Time: '2026-10-01T09:00:00+01:00' })] }, context);
    expect(iso.accepted[0]?.envelope.time).toBe('2026-10-01T08:00:00Z');
  });

  it('reads the bus name from an ARN and defaults to the default bus', () => {
    const { accepted } = validatePutEvents(
      {
        Entries: [
          entry({ EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/outcome-engine' }),
          entry({ EventBusName: undefined }),
        ],
      },
      context,
    );
    expect(accepted.map((a) => a.eventBusName)).toEqual(['outcome-engine', 'default']);
  });

  it('fails bad entries in their own slot with EventBridge codes and keeps the good ones', () => {
    const { response, accepted } = validatePutEvents(
      {
        Entries: [
          entry(),
          entry({ Source: undefined }),
          entry({ DetailType: '' }),
          entry({ Detail: undefined }),
          entry({ Detail: 'not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ Detail: '"a string"' }),
          entry({ Detail: 'null' }),
          entry({ Time: 'yesterday' }),
          entry(),
        ],
      },
      context,
    );
    expect(response.FailedEntryCount).toBe(8);
    expect(accepted).toHaveLength(2);
    expect(response.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' },
      { EventId: expect.any(String) },
    ]);
  });

  it('refuses more than 10 entries, or none, as a whole request', () => {
    const tooMany = thrown(() => validatePutEvents({ Entries: Array.from({ length: 11 }, () => entry()) }, context));
    expect(tooMany.type).toBe('ValidationException');
    expect(tooMany.message).toContain('Member must have length less than or equal to 10');
    expect(thrown(() => validatePutEvents({ Entries: [] }, context)).message).toContain('greater than or equal to 1');
    expect(thrown(() => validatePutEvents({}, context)).message).toContain('Member must not be null');
  });

  it('refuses a request whose entries reach 256 KB in total, computed as EventBridge documents', () => {
    const fixed = putEventsEntrySize(entry({ Detail: '{"a":""}' }));
    const padding = 256 * 1024 - fixed;
    const justBelow = entry({ Detail: JSON.stringify({ a: 'x'.repeat(padding - 1) }) });
    expect(putEventsEntrySize(justBelow)).toBe(256 * 1024 - 1);
    expect(validatePutEvents({ Entries: [justBelow] }, context).response.FailedEntryCount).toBe(0);

    const atLimit = entry({ Detail: JSON.stringify({ a: 'x'.repeat(padding) }) });
    const error = thrown(() => validatePutEvents({ Entries: [atLimit] }, context));
    expect(error.type).toBe('ValidationException');
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');

    const half = entry({ Detail: JSON.stringify({ a: 'x'.repeat(130 * 1024) }) });
    expect(thrown(() => validatePutEvents({ Entries: [half, half] }, context)).type).toBe('ValidationException');
  });

  it('counts Time as 14 bytes and multi-byte characters by their UTF-8 size', () => {
    expect(putEventsEntrySize({ Source: 'é', DetailType: 'x', Detail: '{}', Time: 1, Resources: ['ab'] })).toBe(14 + 2 + 1 + 2 + 2);
  });
});

describe('parsePutEventsRequest', () => {
  it('turns unparsable JSON and wrongly typed fields into SerializationException', () => {
    expect(thrown(() => parsePutEventsRequest('{not json')).type).toBe('SerializationException');
    expect(thrown(() => parsePutEventsRequest('{"Entries":"x"}')).type).toBe('SerializationException');
    expect(thrown(() => parsePutEventsRequest('{"Entries":[{"Detail":{"a":1}}]}')).type).toBe('SerializationException');
  });

  it('ignores fields it does not know, as AWS deserializers do', () => {
    expect(parsePutEventsRequest('{"Entries":[{"Source":"s","Unknown":1}]}')).toEqual({ Entries: [{ Source: 's' }] });
  });
});

describe('eventBridgeTime', () => {
  it('is second precision UTC', () => {
    expect(eventBridgeTime(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

describe("validatePutEvents: the producer's Detail text reaches the target as sent", () => {
  it('splices the Detail text into the body instead of parsing and serializing it again', () => {
    const detail = '{ "quantity": 123456789012345678, "big": 1e400, "n": 1.50 }';
    const { accepted } = validatePutEvents({ Entries: [entry({ Detail: detail })] }, context);
    const body = accepted[0]?.body as string;
    expect(body.endsWith(`,"detail":${detail}}`)).toBe(true);
    expect(JSON.parse(body)).toMatchObject({ version: '0', 'detail-type': 'Outcome Recorded', source: 'com.example.support', detail: { n: 1.5 } });
  });

  it('writes an unpaired surrogate in the Detail text as its JSON escape, which a UTF-8 queue can carry', () => {
    const { accepted } = validatePutEvents({ Entries: [entry({ Detail: '{"outcomeId":"a\udc00"}' })] }, context);
    expect(accepted[0]?.body).toContain('"detail":{"outcomeId":"a\\udc00"}');
  });

  it('accepts a detail nested 40,000 deep without overflowing the stack (the ledger refuses it with a code)', () => {
    const deep = `{"a":${'['.repeat(40_000)}${']'.repeat(40_000)}}`;
    const { response, accepted } = validatePutEvents({ Entries: [entry({ Detail: deep })] }, context);
    expect(response.FailedEntryCount).toBe(0);
    expect(accepted[0]?.body.length).toBeGreaterThan(80_000);
  });
});

describe("validatePutEvents: the bus policy on the engine's own source", () => {
  const policy = { eventBusName: 'outcome-engine', source: 'outcome-engine', allowedAccessKeyIds: ['local-engine'] };
  const engineEntry = entry({ Source: 'outcome-engine', DetailType: 'Contract Changed', Detail: '{}' });

  it('refuses it per entry to any other signer, as EventBridge does, and accepts the rest of the call', () => {
    const result = validatePutEvents(
      { Entries: [entry(), engineEntry] },
      { ...context, caller: { accessKeyId: 'local' }, reservedSource: policy },
    );
    expect(result.response.FailedEntryCount).toBe(1);
    expect(result.response.Entries[1]).toEqual({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' });
    expect(result.accepted.map((accepted) => accepted.envelope.source)).toEqual(['com.example.support']);
    const unsigned = validatePutEvents({ Entries: [engineEntry] }, { ...context, caller: { accessKeyId: undefined }, reservedSource: policy });
    expect(unsigned.response.FailedEntryCount).toBe(1);
  });

  it("accepts it from the engine's own access key id, and on other buses from anyone", () => {
    const own = validatePutEvents({ Entries: [engineEntry] }, { ...context, caller: { accessKeyId: 'local-engine' }, reservedSource: policy });
    expect(own.response.FailedEntryCount).toBe(0);
    const otherBus = validatePutEvents(
      { Entries: [{ ...engineEntry, EventBusName: 'default' }] },
      { ...context, caller: { accessKeyId: 'local' }, reservedSource: policy },
    );
    expect(otherBus.response.FailedEntryCount).toBe(0);
  });

  it('reads the access key id from a SigV4 Authorization header', () => {
    expect(
      callerFromAuthorization(
        'AWS4-HMAC-SHA256 Credential=local-engine/20261122/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      ),
    ).toEqual({ accessKeyId: 'local-engine' });
    expect(callerFromAuthorization(undefined)).toEqual({ accessKeyId: undefined });
    expect(callerFromAuthorization('Bearer x')).toEqual({ accessKeyId: undefined });
  });
});
