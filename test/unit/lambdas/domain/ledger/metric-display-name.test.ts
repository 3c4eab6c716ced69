import { describe, expect, it } from 'vitest';
import { CatalogInputSchema } from '../../../../../lambdas/domain/ledger/catalog';
import { countOf, metricDisplayName, metricNoun, pluralNoun } from '../../../../../lambdas/domain/ledger/metric-display-name';

describe('metric display names', () => {
  const resolution = { singular: 'resolution', plural: 'resolutions' };

  it('uses the singular for exactly one and the plural for zero, several and fractions', () => {
    expect(countOf('1', resolution)).toBe('1 resolution');
    expect(countOf('1.00', resolution)).toBe('1.00 resolution');
    expect(countOf('0', resolution)).toBe('0 resolutions');
    expect(countOf('3,060', resolution)).toBe('3,060 resolutions');
    expect(metricNoun('1.5', resolution)).toBe('resolutions');
    expect(metricNoun('0.5', resolution)).toBe('resolutions');
    expect(metricNoun('11', resolution)).toBe('resolutions');
  });

  it('pluralizes the unit when the catalog gives no display name', () => {
    expect(metricDisplayName({ code: 'ticket.resolved', unit: 'resolution' })).toEqual(resolution);
    expect(metricDisplayName({ code: 'lead.qualified', unit: 'qualified lead' })).toEqual({ singular: 'qualified lead', plural: 'qualified leads' });
    expect(['delivery', 'box', 'match', 'day', 'kWh', 'minutes', 'GB'].map(pluralNoun)).toEqual([
      'deliveries',
      'boxes',
      'matches',
      'days',
      'kWh',
      'minutes',
      'GB',
    ]);
  });

  it('prefers the catalog display name, and names an unknown metric by its code', () => {
    const person = { singular: 'person served', plural: 'people served' };
    expect(metricDisplayName({ code: 'p.served', unit: 'person', displayName: person })).toEqual(person);
    expect(countOf('2', metricDisplayName({ code: 'x.y' }))).toBe('2 x.y outcomes');
  });

  it('validates display names in the catalog', () => {
    const metric = { code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count' };
    expect(CatalogInputSchema.parse({ metrics: [{ ...metric, displayName: resolution }] }).metrics[0]?.displayName).toEqual(resolution);
    const blank = CatalogInputSchema.safeParse({ metrics: [{ ...metric, displayName: { singular: ' ', plural: 'resolutions' } }] });
    expect(blank.success).toBe(false);
    expect(blank.error?.issues[0]?.message).toBe('displayName.singular must not be empty');
    expect(CatalogInputSchema.safeParse({ metrics: [{ ...metric, displayName: { singular: 'resolution' } }] }).success).toBe(false);
  });
});
