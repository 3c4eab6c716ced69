import { describe, expect, it } from 'vitest';
import {
  AwsJsonError,
  eventBridgeTime,
  parsePutEventsRequest,
  putEventsEntrySize,
  validatePutEvents,
  type PutEventsRequestEntry,
} from '../../../lib/local/put-events-request';

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
