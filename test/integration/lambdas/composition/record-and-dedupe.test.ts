import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOVEMBER, createLedgerKit, recorded, type LedgerKit } from '../../../support/ledger-test-kit';

describe('recording outcomes exactly once (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit();
  });
  afterAll(async () => {
    await kit.destroy();
  });

  const base = { customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-15T09:30:00+01:00' };

  it('records an outcome and counts it in usage', async () => {
    const result = await kit.service.ingestMessage(
      recorded({ ...base, outcomeId: 'rec-1', quantity: '2.50', attributes: { agentId: 'a-1' } }),
    );
    expect(result).toEqual({ status: 'recorded', outcomeId: 'rec-1', kind: 'recorded' });

    const usage = await kit.service.getUsage({ customerId: 'acme', metric: 'ticket.resolved', ...NOVEMBER, uniqueAttributes: ['agentId'] });
    expect(usage).toMatchObject({ count: 1, quantity: '2.5', max: '2.5', latest: '2.5', uniqueAttributeCounts: { agentId: 1 } });
    expect(usage.query).toContain('ticket.resolved');

    const view = await kit.service.getOutcome('rec-1');
    expect(view).toMatchObject({
      outcomeId: 'rec-1',
      customerId: 'acme',
      status: 'counted',
      quantity: '2.5',
      occurredAt: '2026-11-15T08:30:00.000Z',
      recordedAt: '2026-11-15T12:00:00.000Z',
      attributed: true,
      billable: true,
      attributes: { agentId: 'a-1' },
    });
  });

  it('acknowledges an exact resend as a duplicate, even in another notation, and counts it once', async () => {
    await kit.service.ingestMessage(recorded({ ...base, customerId: 'globex', outcomeId: 'dup-1', quantity: 3 }));
    // Same instant in UTC, same quantity as a string with trailing zeros, other producer.
    const again = await kit.service.ingestMessage(
      recorded({ ...base, customerId: 'globex', outcomeId: 'dup-1', quantity: '3.000', occurredAt: '2026-11-15T08:30:00Z' }, 'other.producer'),
    );
    expect(again).toEqual({ status: 'duplicate', outcomeId: 'dup-1', kind: 'recorded' });
    const usage = await kit.service.getUsage({ customerId: 'globex', metric: 'ticket.resolved', ...NOVEMBER });
    expect(usage).toMatchObject({ count: 1, quantity: '3' });
  });

  it('rejects the same key with different content as a conflict, keeps the original and stores the rejection', async () => {
    await kit.service.ingestMessage(recorded({ ...base, outcomeId: 'conf-1', quantity: '1' }));
    const conflicting = recorded({ ...base, outcomeId: 'conf-1', quantity: '5' });
    const result = await kit.service.ingestMessage(conflicting);
    expect(result).toMatchObject({ status: 'rejected', code: 'OUTCOME_CONFLICT' });
    if (result.status !== 'rejected') throw new Error('expected a rejection');
    expect(result.message).toContain('quantity');

    expect((await kit.service.getOutcome('conf-1'))?.quantity).toBe('1');
    const stored = await kit.service.listRejected({ code: 'OUTCOME_CONFLICT' });
    expect(stored.items).toEqual([
      expect.objectContaining({ rejectionId: result.rejectionId, outcomeId: 'conf-1', rawBody: conflicting.body }),
    ]);
    expect(kit.publishedRejections()).toContainEqual(
      expect.objectContaining({ schemaVersion: 1, rejectionId: result.rejectionId, code: 'OUTCOME_CONFLICT', outcomeId: 'conf-1' }),
    );
  });

  it('counts the same outcome sent concurrently by 20 producers once', async () => {
    const sends = Array.from({ length: 20 }, (_, index) =>
      kit.service.ingestMessage(recorded({ ...base, customerId: 'concurrent-co', outcomeId: 'burst-1', quantity: '7' }, `producer-${index}`)),
    );
    const results = await Promise.all(sends);
    expect(results.filter((result) => result.status === 'recorded')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'duplicate')).toHaveLength(19);
    const usage = await kit.service.getUsage({ customerId: 'concurrent-co', metric: 'ticket.resolved', ...NOVEMBER });
    expect(usage).toMatchObject({ count: 1, quantity: '7' });
  });

  it('lets exactly one of two concurrent conflicting versions win; the others are duplicates or conflicts of the winner', async () => {
    const versions = ['10', '20'];
    const sends = Array.from({ length: 20 }, (_, index) =>
      kit.service.ingestMessage(
        recorded({ ...base, customerId: 'race-co', outcomeId: 'race-1', quantity: versions[index % 2] }, `producer-${index}`),
      ),
    );
    const results = await Promise.all(sends);
    const winners = results.filter((result) => result.status === 'recorded');
    expect(winners).toHaveLength(1);
    const winningQuantity = (await kit.service.getOutcome('race-1'))?.quantity;
    expect(versions).toContain(winningQuantity);
    // Ten messages carried the winning content: one recorded, nine duplicates; the other ten conflict.
    expect(results.filter((result) => result.status === 'duplicate')).toHaveLength(9);
    const conflicts = results.filter((result) => result.status === 'rejected');
    expect(conflicts).toHaveLength(10);
    expect(conflicts.every((result) => result.status === 'rejected' && result.code === 'OUTCOME_CONFLICT')).toBe(true);
    const usage = await kit.service.getUsage({ customerId: 'race-co', metric: 'ticket.resolved', ...NOVEMBER });
    expect(usage).toMatchObject({ count: 1, quantity: winningQuantity });
  });

  it('treats a resend past the backdating window as a duplicate, not a rejection', async () => {
    await kit.service.ingestMessage(recorded({ ...base, customerId: 'late-co', outcomeId: 'late-1', occurredAt: '2026-11-02T10:00:00Z' }));
    kit.clock.advance(40 * 86_400_000);
    const resend = await kit.service.ingestMessage(
      recorded({ ...base, customerId: 'late-co', outcomeId: 'late-1', occurredAt: '2026-11-02T10:00:00Z' }),
    );
    expect(resend).toEqual({ status: 'duplicate', outcomeId: 'late-1', kind: 'recorded' });
    const fresh = await kit.service.ingestMessage(
      recorded({ ...base, customerId: 'late-co', outcomeId: 'late-2', occurredAt: '2026-11-02T10:00:00Z' }),
    );
    expect(fresh).toMatchObject({ status: 'rejected', code: 'OCCURRED_TOO_LONG_AGO' });
    kit.clock.set('2026-11-15T12:00:00Z');
  });
});
