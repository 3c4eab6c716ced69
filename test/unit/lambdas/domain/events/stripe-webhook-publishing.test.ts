// The webhook's 'Payment Signal Recorded' goes out through the engine's
// EventBridge publisher (built by composition), not a PutEvents of its own:
// batches of at most 10, the engine's source, and refused entries thrown as
// retryable infrastructure errors so the signal is republished on redelivery.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { createPaymentSignals } from '../../../../../lambdas/composition/billing-service';
import { ENGINE_EVENT_SOURCE } from '../../../../../lambdas/domain/events/detail-types';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

function paymentSignals() {
  return createPaymentSignals({
    dynamoDb: new DynamoDBClient({ region: 'eu-central-1' }),
    engineTableName: 'engine',
    eventBridge: new EventBridgeClient({ region: 'eu-central-1' }),
    eventBusName: 'outcome-engine-test',
  });
}

const signal = (n: number) => ({ detailType: 'Payment Signal Recorded', detail: { stripeEventId: `evt_${n}` } });

describe('the Stripe webhook publishing payment signals', () => {
  it('puts events on the engine bus with the engine source, at most 10 per call', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await paymentSignals().events.publish(Array.from({ length: 12 }, (_, n) => signal(n)));
    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls.flat()[11]).toEqual({
      EventBusName: 'outcome-engine-test',
      Source: ENGINE_EVENT_SOURCE,
      DetailType: 'Payment Signal Recorded',
      Detail: JSON.stringify({ stripeEventId: 'evt_11' }),
    });
  });

  it('throws a retryable infrastructure error when EventBridge refuses an entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    const published = paymentSignals().events.publish([signal(1)]);
    await expect(published).rejects.toBeInstanceOf(InfrastructureError);
    await expect(published).rejects.toMatchObject({ retryable: true, operation: 'EventBridge PutEvents' });
    await expect(published).rejects.toThrow(/ThrottlingException: Rate exceeded/);
  });

  it('makes no call for no events', async () => {
    await paymentSignals().events.publish([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
