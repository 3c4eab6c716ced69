import { describe, expect, it } from 'vitest';
import { describeLineDefinitions, lineDefinitions } from '../../../../../lambdas/domain/invoicing/outcome-statement';
import { MetricDefinitionSchema } from '../../../../../lambdas/domain/ledger/catalog';
import type { UsageQuery } from '../../../../../lambdas/domain/rating/usage';

const metric = MetricDefinitionSchema.parse({
  code: 'ticket.resolved',
  name: 'Resolved ticket',
  unit: 'resolution',
  aggregation: 'count',
  definitions: [
    { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', counts: 'closed' },
    { version: 2, effectiveFrom: '2026-11-15T00:00:00Z', counts: 'closed, not reopened' },
  ],
});
const metrics = new Map([[metric.code, metric]]);
const query = (from: string, to: string): UsageQuery => ({
  customerId: 'acme',
  ledgerMetric: 'ticket.resolved',
  eligibility: 'billable',
  aggregation: 'count',
  attribute: null,
  from,
  to,
  asOf: null,
  reference: null,
});

describe('the definition versions an invoice line counts under', () => {
  it('are the versions in force over the line window, or the contract pin', () => {
    const november = query('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    expect(describeLineDefinitions(lineDefinitions(november, { metrics, pins: undefined }))).toBe('v1, v2');
    expect(describeLineDefinitions(lineDefinitions(query('2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'), { metrics, pins: undefined }))).toBe('v2');
    expect(describeLineDefinitions(lineDefinitions(november, { metrics, pins: { 'ticket.resolved': 1 } }))).toBe('v1 (pinned by the contract)');
    expect(lineDefinitions(null, { metrics, pins: undefined })).toBeNull();
    expect(describeLineDefinitions(lineDefinitions({ ...november, ledgerMetric: 'unknown' }, { metrics, pins: undefined }))).toBe('-');
  });
});
