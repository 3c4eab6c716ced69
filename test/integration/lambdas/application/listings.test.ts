import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import { acceptAllEvents, createLedgerKit, recorded, type LedgerKit } from '../../../support/ledger-test-kit';

const DAY = 86_400_000;

describe('rejected and unattributed listings (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit({ start: '2026-11-10T08:00:00Z' });
  });
  afterAll(async () => {
    await kit.destroy();
  });

  it('keeps outcomes of unknown customers, flags them unattributed and lists them page by page', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      kit.clock.advance(1000);
      const outcomeId = `stranger-${index}`;
      ids.push(outcomeId);
      const result = await kit.service.ingestMessage(
        recorded({ outcomeId, customerId: `new-customer-${index % 3}`, metric: 'ticket.resolved', occurredAt: '2026-11-10T07:00:00Z' }),
      );
      expect(result).toMatchObject({ status: 'recorded' });
    }
    await kit.service.ingestMessage(recorded({ outcomeId: 'known-1', customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-10T07:00:00Z' }));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await kit.service.listUnattributed({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item) => item.outcomeId));
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    // Newest first, each exactly once, the attributed outcome absent.
    expect(seen).toEqual([...ids].reverse());
    expect(await kit.service.getOutcome('stranger-0')).toMatchObject({ attributed: false, status: 'counted' });
    // Usage for the unknown customer is there once asked for.
    const usage = await kit.service.getUsage({
      customerId: 'new-customer-0',
      metric: 'ticket.resolved',
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    expect(usage.count).toBe(3);
  });

  it('flags outcomes attributed once the customer is in the catalog', async () => {
    await kit.service.loadCatalog({ customers: [{ customerId: 'late-signup', name: 'Late Signup' }] });
    await kit.service.ingestMessage(recorded({ outcomeId: 'signed-1', customerId: 'late-signup', metric: 'ticket.resolved', occurredAt: '2026-11-10T07:00:00Z' }));
    expect(await kit.service.getOutcome('signed-1')).toMatchObject({ attributed: true });
  });

  it('stores every rejection once, queryable by day range and code, newest first', async () => {
    const bad = [
      { body: '{not json', code: 'MALFORMED_JSON' },
      { body: JSON.stringify({ 'detail-type': 'Outcome Recorded' }), code: 'INVALID_ENVELOPE' },
      { body: recorded({ outcomeId: 'neg', customerId: 'acme', metric: 'ticket.resolved', quantity: -2, occurredAt: '2026-11-10T07:00:00Z' }).body, code: 'INVALID_QUANTITY' },
      { body: recorded({ outcomeId: 'what', customerId: 'acme', metric: 'no.such.metric', occurredAt: '2026-11-10T07:00:00Z' }).body, code: 'UNKNOWN_METRIC' },
    ];
    const dayOne = kit.clock.now();
    for (const [index, { body, code }] of bad.entries()) {
      kit.clock.set(new Date(dayOne.getTime() + index * DAY));
      const result = await kit.service.ingestMessage({ body, messageId: `m-${index}` });
      expect(result).toMatchObject({ status: 'rejected', code });
      // SQS redelivery of the same message: stored once.
      const again = await kit.service.ingestMessage({ body, messageId: `m-${index}` });
      expect(again).toMatchObject({ status: 'rejected', code, rejectionId: (result as { rejectionId: string }).rejectionId });
    }
    const all = await kit.service.listRejected({ from: dayOne, to: new Date(dayOne.getTime() + 10 * DAY) });
    expect(all.items.map((item) => item.code)).toEqual(['UNKNOWN_METRIC', 'INVALID_QUANTITY', 'INVALID_ENVELOPE', 'MALFORMED_JSON']);
    expect(all.items[3]).toMatchObject({ rawBody: '{not json', messageId: 'm-0', truncated: false, receivedAt: dayOne.toISOString() });

    const secondAndThirdDay = await kit.service.listRejected({
      from: new Date(dayOne.getTime() + DAY),
      to: new Date(dayOne.getTime() + 3 * DAY),
    });
    expect(secondAndThirdDay.items.map((item) => item.code)).toEqual(['INVALID_QUANTITY', 'INVALID_ENVELOPE']);

    const byCode = await kit.service.listRejected({ from: dayOne, to: new Date(dayOne.getTime() + 10 * DAY), code: 'INVALID_QUANTITY' });
    expect(byCode.items).toEqual([expect.objectContaining({ code: 'INVALID_QUANTITY', outcomeId: 'neg', customerId: 'acme', detailType: 'Outcome Recorded' })]);

    const paged = await kit.service.listRejected({ from: dayOne, to: new Date(dayOne.getTime() + 10 * DAY), limit: 3 });
    expect(paged.items).toHaveLength(3);
    const rest = await kit.service.listRejected({ from: dayOne, to: new Date(dayOne.getTime() + 10 * DAY), limit: 3, cursor: paged.cursor as string });
    expect(rest.items.map((item) => item.code)).toEqual(['MALFORMED_JSON']);
    expect(rest.cursor).toBeUndefined();
  });

  it('keeps a huge body truncated to the stored limit without splitting characters', async () => {
    const huge = `{"detail-type":"Outcome Recorded","detail":{"outcomeId":"${'é'.repeat(40_000)}"`;
    const result = await kit.service.ingestMessage({ body: huge, messageId: 'huge' });
    expect(result).toMatchObject({ status: 'rejected', code: 'MALFORMED_JSON' });
    const stored = (await kit.service.listRejected({ code: 'MALFORMED_JSON' })).items.find((item) => item.messageId === 'huge');
    expect(stored).toMatchObject({ truncated: true, rawBytes: Buffer.byteLength(huge) });
    expect(Buffer.byteLength(stored?.rawBody ?? '')).toBeLessThanOrEqual(32 * 1024);
    expect(stored?.rawBody.endsWith('é')).toBe(true);
  });

  it('fails with a retryable InfrastructureError when the announcement is refused, and stores nothing twice on retry', async () => {
    // "Once" behaviours count calls from the last reset.
    kit.eventBridge.reset();
    kit.eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .callsFake(acceptAllEvents);
    const body = '{still not json';
    const failure = await kit.service.ingestMessage({ body, messageId: 'retry-me' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect((failure as InfrastructureError).retryable).toBe(true);
    const retried = await kit.service.ingestMessage({ body, messageId: 'retry-me' });
    expect(retried).toMatchObject({ status: 'rejected', code: 'MALFORMED_JSON' });
    const stored = (await kit.service.listRejected({ code: 'MALFORMED_JSON' })).items.filter((item) => item.messageId === 'retry-me');
    expect(stored).toHaveLength(1);
  });
});
