// The PutEvents endpoint against the real EventBridge SDK client, over
// loopback only.
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPutEventsServer, type RunningPutEventsServer } from '../../../../lib/local/put-events-server';
import { validatePutEvents, type EventBridgeEnvelope, type PutEventsRequest } from '../../../../lib/local/put-events-request';

describe('PutEvents server', () => {
  let server: RunningPutEventsServer;
  let client: EventBridgeClient;
  const received: PutEventsRequest[] = [];
  const published: EventBridgeEnvelope[] = [];
  let drained = 0;

  beforeAll(async () => {
    server = await startPutEventsServer({
      port: 0,
      putEvents: (request) => {
        received.push(request);
        const outcome = validatePutEvents(request, { account: '000000000000', region: 'us-east-1', now: () => new Date() });
        published.push(...outcome.accepted.map((a) => a.envelope));
        return outcome.response;
      },
      control: {
        drain: async () => {
          drained += 1;
        },
        deadLetters: async () => [{ messageId: 'm-1' }],
      },
    });
    client = new EventBridgeClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('accepts events sent with the real SDK and returns an EventId per entry', async () => {
    const time = new Date('2026-11-03T10:15:00Z');
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'com.example', DetailType: 'Outcome Recorded', Detail: '{"outcomeId":"o-1"}', EventBusName: 'outcome-engine', Time: time },
          { Source: 'com.example', DetailType: 'Outcome Recorded', Detail: '{"outcomeId":"o-2"}', EventBusName: 'outcome-engine' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.map((e) => typeof e.EventId)).toEqual(['string', 'string']);
    expect(published.slice(-2).map((e) => e.id)).toEqual(output.Entries?.map((e) => e.EventId));
    // The SDK sends Time as epoch seconds; the envelope carries it back as EventBridge time.
    expect(published.at(-2)?.time).toBe('2026-11-03T10:15:00Z');
  });

  it('reports failed entries in place, as EventBridge does', async () => {
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'com.example', DetailType: 'Outcome Recorded', Detail: '{"outcomeId":"o-3"}' },
          { Source: 'com.example', DetailType: 'Outcome Recorded', Detail: '{oops' },
          { DetailType: 'Outcome Recorded', Detail: '{}' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(2);
    expect(output.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
    ]);
  });

  it('fails a request of more than 10 entries with a ValidationException the SDK recognises', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ Source: 's', DetailType: 't', Detail: `{"i":${i}}` }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails a request over the total size limit', async () => {
    const big = { Source: 's', DetailType: 't', Detail: JSON.stringify({ a: 'x'.repeat(300 * 1024) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('answers an operation it does not implement with an AWS JSON error', async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutRule' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({ __type: 'UnknownOperationException', message: expect.stringContaining('AWSEvents.PutRule') });
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '{"Entries": [',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('serves the control routes', async () => {
    expect(await (await fetch(`${server.url}/_local/health`)).json()).toEqual({ status: 'ok' });
    const drain = await fetch(`${server.url}/_local/drain`, { method: 'POST' });
    expect(await drain.json()).toEqual({ drained: true });
    expect(drained).toBe(1);
    expect(await (await fetch(`${server.url}/_local/dead-letters`)).json()).toEqual({ deadLetters: [{ messageId: 'm-1' }] });
    expect((await fetch(`${server.url}/_local/nothing`)).status).toBe(404);
  });
});
