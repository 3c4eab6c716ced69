import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { EventBridgeEventPublisher } from '../../../../../lambdas/adapters/eventbridge/eventbridge-event-publisher';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  eventBridge.reset();
});

const publisher = () => new EventBridgeEventPublisher({ client: new EventBridgeClient({ region: 'local' }), eventBusName: 'engine-bus' });
const event = (index: number) => ({ detailType: 'Outcome Rejected', detail: { rejectionId: `r-${index}` } });

describe('EventBridgeEventPublisher', () => {
  it('sends each event to the bus with its JSON detail, 10 entries per call', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publisher().publish(Array.from({ length: 12 }, (_, index) => event(index)));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 2]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toEqual({
      EventBusName: 'engine-bus',
      Source: 'outcome-engine',
      DetailType: 'Outcome Rejected',
      Detail: '{"rejectionId":"r-0"}',
    });
  });

  it('treats FailedEntryCount > 0 as a retryable infrastructure failure', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const failure = await publisher().publish([event(1)]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect(failure).toMatchObject({ retryable: true, message: expect.stringContaining('ThrottlingException: Rate exceeded') });
  });

  it('maps SDK errors (throttling, 5xx) to InfrastructureError', async () => {
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(publisher().publish([event(1)])).rejects.toMatchObject({ name: 'InfrastructureError', retryable: true });
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalException', $metadata: { httpStatusCode: 500 } }));
    await expect(publisher().publish([event(1)])).rejects.toMatchObject({ name: 'InfrastructureError', retryable: true });
  });
});
