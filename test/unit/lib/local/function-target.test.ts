import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { functionTargetConsumer } from '../../../../lib/local/local-engine';

const context = {} as Context;
const eventOf = (...bodies: unknown[]): SQSEvent =>
  ({ Records: bodies.map((body, index) => ({ messageId: `m-${index}`, body: JSON.stringify(body) })) }) as unknown as SQSEvent;

describe('functionTargetConsumer', () => {
  it('invokes the function with each EventBridge event, as a rule target does', async () => {
    const received: unknown[] = [];
    const consume = functionTargetConsumer(async (event) => {
      received.push(event);
    });
    await consume(eventOf({ 'detail-type': 'A' }, { 'detail-type': 'B' }), context);
    expect(received).toEqual([{ 'detail-type': 'A' }, { 'detail-type': 'B' }]);
  });

  it('fails the delivery when the function throws, so the queue retries it', async () => {
    const consume = functionTargetConsumer(async () => {
      throw new Error('downstream unavailable');
    });
    await expect(consume(eventOf({}), context)).rejects.toThrow('downstream unavailable');
  });
});
