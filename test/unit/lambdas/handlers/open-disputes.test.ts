import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import type { LedgerService, OpenDisputeResult } from '../../../../lambdas/composition/ledger-service';
import { createOpenDisputesHandler, disputeDetailOf } from '../../../../lambdas/handlers/open-disputes';
import { createLambdaContext } from '../../../../lib/local/lambda-context';

const context = createLambdaContext({ functionName: 'open-disputes', timeoutMs: 60_000, region: 'us-east-1', accountId: '123456789012' });

function record(messageId: string, body: string): SQSRecord {
  return { messageId, body, attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
}

const envelope = (detail: unknown, detailType = 'Outcome Disputed') =>
  JSON.stringify({ version: '0', id: 'e-1', 'detail-type': detailType, source: 'com.example.portal', detail });

const DETAIL = { disputeId: 'D-1', outcomeIds: ['t-1', 'ghost'], reason: 'reopened', raisedBy: 'portal' };

function handlerWith(openDispute: (request: unknown) => Promise<OpenDisputeResult>) {
  const calls: unknown[] = [];
  const service = {
    openDispute: async (request: unknown) => {
      calls.push(request);
      return openDispute(request);
    },
  } as unknown as LedgerService;
  return { calls, handler: createOpenDisputesHandler({ ledgerService: () => service }) };
}

describe('open-disputes handler', () => {
  it('passes the detail to the use case; refusals of single outcomes are not failures', async () => {
    const { calls, handler } = handlerWith(async () => ({
      disputeId: 'D-1',
      opened: [{ outcomeId: 't-1', customerId: 'acme', metric: 'ticket.resolved', hold: false, created: true }],
      refused: [{ outcomeId: 'ghost', code: 'UNKNOWN_OUTCOME', message: 'no outcome "ghost" has been recorded, so there is nothing to dispute' }],
    }));
    expect(await handler({ Records: [record('m-1', envelope(DETAIL))] }, context)).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([DETAIL]);
  });

  it('fails a record that is not a dispute (to the DLQ, body kept) and one whose storage failed (redelivered), not the others', async () => {
    const { handler } = handlerWith(async (request) => {
      if ((request as { disputeId: string }).disputeId === 'D-down') throw new InfrastructureError('throttled', { operation: 'DynamoDB PutItem' });
      return { disputeId: 'D-1', opened: [], refused: [] };
    });
    const response = await handler(
      {
        Records: [
          record('bad-json', '{not json'),
          record('wrong-type', envelope(DETAIL, 'Outcome Recorded')),
          record('down', envelope({ ...DETAIL, disputeId: 'D-down' })),
          record('fine', envelope(DETAIL)),
        ],
      },
      context,
    );
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['bad-json', 'down', 'wrong-type']);
  });

  it('reads the detail of an Outcome Disputed envelope, and says why anything else is not one', () => {
    expect(disputeDetailOf({ body: envelope(DETAIL) })).toEqual(DETAIL);
    expect(() => disputeDetailOf({ body: '{' })).toThrow('the message body is not JSON');
    expect(() => disputeDetailOf({ body: envelope(DETAIL, 'Outcome Reversed') })).toThrow(/not an "Outcome Disputed" event/);
  });
});
