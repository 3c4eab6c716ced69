// Plain inputs shared by the ledger's unit tests.
import { CatalogInputSchema, toCatalogSnapshot, type CatalogSnapshot } from '../../lambdas/domain/ledger/catalog';
import type { PrepareContext } from '../../lambdas/domain/ledger/prepared-message';

export const NOW = Date.parse('2026-11-15T12:00:00Z');
export const DAY = 86_400_000;

export const catalog: CatalogSnapshot = toCatalogSnapshot(
  CatalogInputSchema.parse({
    metrics: [
      { code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count' },
      { code: 'order.recovered', name: 'Recovered order', unit: 'order', aggregation: 'value', valueCurrency: 'USD' },
      { code: 'lead.qualified', name: 'Qualified lead', unit: 'lead', aggregation: 'count', billable: { when: 'verified' } },
      { code: 'energy.saved', name: 'Energy saved', unit: 'kWh', aggregation: 'sum', billable: { when: 'quiet-window', hours: 24 } },
    ],
    customers: [{ customerId: 'acme', name: 'Acme' }],
  }),
);

export const context: PrepareContext = {
  nowMs: NOW,
  catalog,
  backdatingWindowMs: 35 * DAY,
  maxFutureSkewMs: 5 * 60_000,
};

export function envelope(detail: unknown, detailType = 'Outcome Recorded'): string {
  return JSON.stringify({
    version: '0',
    id: 'evt-1',
    'detail-type': detailType,
    source: 'producer.test',
    account: '123456789012',
    time: '2026-11-15T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
}

export const validDetail = {
  outcomeId: 'ticket-4711-resolution',
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: '2026-11-15T10:15:00+01:00',
};
