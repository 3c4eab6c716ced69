import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOVEMBER, corrected, createLedgerKit, recorded, reversed, type LedgerKit } from '../../../support/ledger-test-kit';

describe('usage as of a recordedAt cutoff (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit({ start: '2026-11-20T00:00:00Z' });
  });
  afterAll(async () => {
    await kit.destroy();
  });

  it('gives the same answer for the same asOf after later outcomes and adjustments arrive', async () => {
    const outcome = { customerId: 'acme', metric: 'ticket.resolved' };
    for (let index = 0; index < 30; index += 1) {
      kit.clock.advance(1000);
      await kit.service.ingestMessage(
        recorded({ ...outcome, outcomeId: `asof-${index}`, quantity: String(index + 1), occurredAt: `2026-11-${String(10 + (index % 9)).padStart(2, '0')}T12:00:00Z` }),
      );
    }
    const invoiceCutoff = kit.clock.now();
    const query = { ...outcome, ...NOVEMBER, asOf: invoiceCutoff };
    const atInvoiceTime = await kit.service.getUsage(query);
    expect(atInvoiceTime).toMatchObject({ count: 30, quantity: String((30 * 31) / 2) });

    // Later: a late outcome for the same period, a reversal and a correction.
    kit.clock.advance(86_400_000);
    await kit.service.ingestMessage(recorded({ ...outcome, outcomeId: 'asof-late', quantity: '100', occurredAt: '2026-11-05T00:00:00Z' }));
    await kit.service.ingestMessage(reversed({ outcomeId: 'asof-0', reason: 'reopened' }));
    await kit.service.ingestMessage(corrected({ outcomeId: 'asof-1', correctionId: 'c1', quantity: '0', reason: 'duplicate work' }));

    expect(await kit.service.getUsage(query)).toEqual(atInvoiceTime);
    const now = await kit.service.getUsage({ ...outcome, ...NOVEMBER });
    expect(now).toMatchObject({ count: 30, quantity: String((30 * 31) / 2 - 1 - 2 + 100) });
    // The outcome view follows the same cutoff.
    expect(await kit.service.getOutcome('asof-0', { asOf: invoiceCutoff })).toMatchObject({ status: 'counted' });
    expect(await kit.service.getOutcome('asof-late', { asOf: invoiceCutoff })).toBeUndefined();
  });

  it('streams raw entries and exposes net outcomes for in-memory rating', async () => {
    const query = { customerId: 'acme', metric: 'ticket.resolved', ...NOVEMBER };
    let raw = 0;
    for await (const page of kit.service.streamUsageEntries(query)) raw += page.length;
    expect(raw).toBe(31 + 2); // 31 outcomes, one reversal, one correction
    const net = await kit.service.listNetOutcomes(query);
    expect(net).toHaveLength(30);
    expect(net.find((outcome) => outcome.outcomeId === 'asof-1')).toMatchObject({ quantity: '0', corrected: true, billable: true });
  });

  it('only reads the occurredAt window asked for, across month boundaries', async () => {
    await kit.service.ingestMessage(recorded({ customerId: 'globex', metric: 'ticket.resolved', outcomeId: 'oct-31', occurredAt: '2026-10-31T23:30:00Z' }));
    await kit.service.ingestMessage(recorded({ customerId: 'globex', metric: 'ticket.resolved', outcomeId: 'nov-1', occurredAt: '2026-11-01T00:30:00Z' }));
    const span = await kit.service.getUsage({
      customerId: 'globex',
      metric: 'ticket.resolved',
      from: new Date('2026-10-31T23:00:00Z'),
      to: new Date('2026-11-01T00:00:00Z'),
    });
    expect(span.count).toBe(1);
    // A contract month in Tokyo (UTC+9) spans two UTC months.
    const tokyoNovember = await kit.service.getUsage({
      customerId: 'globex',
      metric: 'ticket.resolved',
      from: new Date('2026-11-01T00:00:00+09:00'),
      to: new Date('2026-12-01T00:00:00+09:00'),
    });
    expect(tokyoNovember.count).toBe(2);
  });
});
