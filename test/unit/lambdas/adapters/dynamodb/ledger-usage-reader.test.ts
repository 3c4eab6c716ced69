// The ledger usage reader with an in-memory ledger: one query per ledger
// metric, entries netted as of the cutoff, per-outcome values for percentage
// charges, and the ledger query echoed for each metric.
import { describe, expect, it } from 'vitest';
import { LedgerUsageReader } from '../../../../../lambdas/adapters/dynamodb/ledger-usage-reader';
import type { UsageEntriesQuery } from '../../../../../lambdas/application/ports';
import type { LedgerEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import type { UsageRequirement } from '../../../../../lambdas/domain/rating/usage-requirements';

const ms = (iso: string) => Date.parse(iso);

function recorded(outcomeId: string, metric: string, occurredAt: string, recordedAt: string, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    kind: 'recorded',
    outcomeId,
    customerId: 'acme',
    metric,
    occurredAtMs: ms(occurredAt),
    recordedAtMs: ms(recordedAt),
    quantity: '1',
    value: undefined,
    attributesJson: undefined,
    billableRule: { when: 'immediately' },
    attributed: true,
    ...extra,
  } as LedgerEntry;
}

const entries: LedgerEntry[] = [
  recorded('t-1', 'ticket.resolved', '2026-11-02T00:00:00Z', '2026-11-02T00:00:01Z', { attributesJson: '{"agentId":"a"}' }),
  recorded('t-2', 'ticket.resolved', '2026-11-03T00:00:00Z', '2026-11-03T00:00:01Z', { attributesJson: '{"agentId":"b"}' }),
  recorded('t-3', 'ticket.resolved', '2026-11-04T00:00:00Z', '2026-11-04T00:00:01Z', { attributesJson: '{"agentId":"b"}' }),
  { kind: 'reversed', outcomeId: 't-3', customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: ms('2026-11-04T00:00:00Z'), recordedAtMs: ms('2026-11-05T00:00:00Z'), reason: 'reopened' },
  recorded('t-late', 'ticket.resolved', '2026-11-06T00:00:00Z', '2026-11-20T00:00:00Z'),
  recorded('o-1', 'order.recovered', '2026-11-05T00:00:00Z', '2026-11-05T00:00:01Z', { value: { amount: '200.40', currency: 'USD' }, billableRule: { when: 'verified' } }),
  recorded('o-2', 'order.recovered', '2026-11-02T00:00:00Z', '2026-11-02T00:00:01Z', { value: { amount: '10.00', currency: 'USD' }, billableRule: { when: 'verified' } }),
  { kind: 'verified', outcomeId: 'o-1', customerId: 'acme', metric: 'order.recovered', occurredAtMs: ms('2026-11-05T00:00:00Z'), recordedAtMs: ms('2026-11-06T00:00:00Z'), verifiedAtMs: undefined },
  { kind: 'verified', outcomeId: 'o-2', customerId: 'acme', metric: 'order.recovered', occurredAtMs: ms('2026-11-02T00:00:00Z'), recordedAtMs: ms('2026-11-06T00:00:00Z'), verifiedAtMs: undefined },
];

const requirement = (overrides: Partial<UsageRequirement> & Pick<UsageRequirement, 'ledgerMetric'>): UsageRequirement => ({
  eligibility: 'billable',
  needsValue: false,
  needsMax: false,
  needsLatest: false,
  uniqueAttributes: [],
  needsOutcomeValues: false,
  ...overrides,
});

describe('LedgerUsageReader', () => {
  it('reads each ledger metric once, nets as of the cutoff and echoes the query', async () => {
    const queries: UsageEntriesQuery[] = [];
    const reader = new LedgerUsageReader({
      ledger: {
        async *streamUsageEntries(query) {
          queries.push(query);
          // The repository filters by recordedAt and window; the reader must cope with entries of both pages.
          const matching = entries.filter((entry) => entry.metric === query.metric && entry.recordedAtMs <= query.asOfMs);
          yield matching.slice(0, 2);
          yield matching.slice(2);
        },
      },
    });
    const usage = await reader.readUsage({
      customerId: 'acme',
      requirements: [
        requirement({ ledgerMetric: 'ticket.resolved', uniqueAttributes: ['agentId'] }),
        requirement({ ledgerMetric: 'ticket.resolved', eligibility: 'all' }),
        requirement({ ledgerMetric: 'order.recovered', needsValue: true, needsOutcomeValues: true }),
      ],
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      asOf: '2026-11-10T00:00:00Z',
    });
    expect(queries.map((query) => query.metric).sort()).toEqual(['order.recovered', 'ticket.resolved']);
    expect(usage).toMatchObject({ customerId: 'acme', from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', asOf: '2026-11-10T00:00:00.000Z' });
    const [billable, all, orders] = usage.metrics;
    expect(billable).toMatchObject({ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: 2, uniqueCounts: { agentId: 2 } });
    expect(all).toMatchObject({ ledgerMetric: 'ticket.resolved', eligibility: 'all', count: 2 });
    expect(billable?.query).toContain('billable outcomes');
    expect(all?.query).toContain('all outcomes');
    expect(orders).toMatchObject({ ledgerMetric: 'order.recovered', count: 2, valueCurrency: 'USD', outcomeValues: ['10.00', '200.40'] });
    expect(Number(orders?.sumValue)).toBe(210.4);
    expect(orders?.query).toBe(
      'ledger usage of metric "order.recovered" for customer "acme": billable outcomes that occurred in ' +
        '[2026-11-01T00:00:00.000Z, 2026-12-01T00:00:00.000Z), as recorded up to 2026-11-10T00:00:00.000Z, net of reversals and corrections recorded by then',
    );
  });

  it('sees verifications only once they are recorded by the cutoff', async () => {
    const reader = new LedgerUsageReader({
      ledger: {
        async *streamUsageEntries(query) {
          yield entries.filter((entry) => entry.metric === query.metric && entry.recordedAtMs <= query.asOfMs);
        },
      },
    });
    const usage = await reader.readUsage({
      customerId: 'acme',
      requirements: [requirement({ ledgerMetric: 'order.recovered', needsValue: true })],
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      asOf: '2026-11-05T12:00:00Z',
    });
    expect(usage.metrics[0]).toMatchObject({ count: 0 });
  });
});
