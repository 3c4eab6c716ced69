import { describe, expect, it } from 'vitest';
import {
  CorrectionMismatchError,
  createInvoiceRecord,
  creditedDisputeIds,
  disputesMetadataValue,
  planCorrection,
  type InvoiceCorrection,
  type UpheldDispute,
} from '../../../../../lambdas/domain/invoicing';
import { rate } from '../../../../support/invoicing-fixtures';

const LATER = '2026-11-20T00:00:00.000Z';

describe('planCorrection', () => {
  const record = createInvoiceRecord(rate(10));

  it('returns null when the re-rating matches what was billed', () => {
    expect(planCorrection({ record, previous: [], rerated: rate(10, LATER) })).toBeNull();
  });

  it('turns late outcomes into an adjustment labelled with the original period', () => {
    const correction = planCorrection({ record, previous: [], rerated: rate(22, LATER) });
    expect(correction).toMatchObject({ correctionId: 'oe:ctr-1:2026-10:correction:1', sequence: 1, cutoff: LATER, creditNoteLines: [] });
    expect(correction?.adjustmentLines).toEqual([
      { lineKey: 'resolutions', chargeId: 'resolutions', metric: 'resolutions', quantityDelta: '12', amount: 1_800n, description: 'Adjustment for 2026-10: 12 late resolutions' },
    ]);
  });

  it('turns reversals into credit note lines for exactly the rated difference', () => {
    const correction = planCorrection({ record, previous: [], rerated: rate(7, LATER) });
    expect(correction?.adjustmentLines).toEqual([]);
    expect(correction?.creditNoteLines).toEqual([
      expect.objectContaining({ amount: 450n, quantityDelta: '-3', description: 'Credit for 2026-10: 3 reversed resolutions' }),
    ]);
  });

  it('compares with what earlier corrections already billed or credited', () => {
    const first = planCorrection({ record, previous: [], rerated: rate(22, LATER) }) as InvoiceCorrection;
    expect(planCorrection({ record, previous: [first], rerated: rate(22, LATER) })).toBeNull();
    const second = planCorrection({ record, previous: [first], rerated: rate(20, LATER) });
    expect(second).toMatchObject({ sequence: 2, adjustmentLines: [] });
    expect(second?.creditNoteLines).toEqual([expect.objectContaining({ amount: 300n, quantityDelta: '-2' })]);
  });

  describe('names the metric by the catalog display name', () => {
    const metricNames = new Map([['ticket.resolved', { singular: 'resolution', plural: 'resolutions' }]]);

    it('singular for exactly one late or reversed outcome', () => {
      expect(planCorrection({ record, previous: [], rerated: rate(11, LATER), metricNames })?.adjustmentLines.map((l) => l.description)).toEqual([
        'Adjustment for 2026-10: 1 late resolution',
      ]);
      expect(planCorrection({ record, previous: [], rerated: rate(9, LATER), metricNames })?.creditNoteLines.map((l) => l.description)).toEqual([
        'Credit for 2026-10: 1 reversed resolution',
      ]);
    });

    it('plural for several', () => {
      expect(planCorrection({ record, previous: [], rerated: rate(12, LATER), metricNames })?.adjustmentLines.map((l) => l.description)).toEqual([
        'Adjustment for 2026-10: 2 late resolutions',
      ]);
      expect(planCorrection({ record, previous: [], rerated: rate(8, LATER), metricNames })?.creditNoteLines.map((l) => l.description)).toEqual([
        'Credit for 2026-10: 2 reversed resolutions',
      ]);
    });

    it('names the charge when the amount changed but no outcome did (zero late outcomes)', () => {
      const repriced = rate(10, LATER);
      const lines = repriced.lines.map((line) => (line.metric ? { ...line, amount: line.amount + 100n, amountDue: line.amountDue + 100n } : line));
      const correction = planCorrection({ record, previous: [], rerated: { ...repriced, lines }, metricNames });
      expect(correction?.adjustmentLines).toEqual([expect.objectContaining({ quantityDelta: '0', amount: 100n })]);
      expect(correction?.adjustmentLines[0]?.description).toMatch(/^Adjustment for 2026-10: (?!0 late)/);
    });

    it('falls back to the plan metric code for a metric the catalog does not name', () => {
      const other = new Map([['lead.qualified', { singular: 'lead', plural: 'leads' }]]);
      expect(planCorrection({ record, previous: [], rerated: rate(11, LATER), metricNames: other })?.adjustmentLines[0]?.description).toBe(
        'Adjustment for 2026-10: 1 late resolutions',
      );
    });
  });

  it('refuses a re-rating of another period or contract', () => {
    const other = { ...rate(10, LATER), contractId: 'ctr-2' };
    expect(() => planCorrection({ record, previous: [], rerated: other })).toThrow(CorrectionMismatchError);
  });
});

describe('credit notes of upheld disputes', () => {
  const record = createInvoiceRecord(rate(10));
  const metricNames = new Map([['ticket.resolved', { singular: 'resolution', plural: 'resolutions' }]]);
  const upheld = (disputeId: string, decidedAt: string, extra: Partial<UpheldDispute> = {}): UpheldDispute => ({
    disputeId,
    customerId: 'cust-1',
    metric: 'ticket.resolved',
    occurredAtMs: Date.parse('2026-10-15T00:00:00.000Z'),
    decidedAtMs: Date.parse(decidedAt),
    ...extra,
  });
  const upheldDisputes = [
    upheld('D-b', '2026-11-10T00:00:00.000Z'),
    upheld('D-a', '2026-11-12T00:00:00.000Z'),
    upheld('D-a', '2026-11-12T00:00:00.000Z', { occurredAtMs: Date.parse('2026-10-16T00:00:00.000Z') }),
    // Decided before the invoice's cutoff: never billed, so not credited now.
    upheld('D-before-close', '2026-11-01T12:00:00.000Z'),
    // Decided after the re-rating's cutoff: for a later correction.
    upheld('D-later', '2026-11-21T00:00:00.000Z'),
    upheld('D-other-metric', '2026-11-10T00:00:00.000Z', { metric: 'ticket.escalated' }),
    upheld('D-other-customer', '2026-11-10T00:00:00.000Z', { customerId: 'cust-2' }),
    upheld('D-september', '2026-11-10T00:00:00.000Z', { occurredAtMs: Date.parse('2026-09-30T23:59:59.999Z') }),
  ];

  it('names on each credit-note line the upheld disputes it credits: decided since the period was rated, of outcomes its query covers', () => {
    const correction = planCorrection({ record, previous: [], rerated: rate(7, LATER), metricNames, upheldDisputes }) as InvoiceCorrection;
    expect(correction.creditNoteLines).toEqual([
      expect.objectContaining({ amount: 450n, disputeIds: ['D-a', 'D-b'], description: 'Credit for 2026-10: 3 reversed resolutions (disputes D-a, D-b)' }),
    ]);
    expect(creditedDisputeIds(correction)).toEqual(['D-a', 'D-b']);
  });

  it('does not name again a dispute an earlier correction credited, and never labels an adjustment', () => {
    const first = planCorrection({ record, previous: [], rerated: rate(7, LATER), upheldDisputes }) as InvoiceCorrection;
    const second = planCorrection({ record, previous: [first], rerated: rate(6, '2026-11-25T00:00:00.000Z'), metricNames, upheldDisputes }) as InvoiceCorrection;
    expect(second.creditNoteLines).toEqual([
      expect.objectContaining({ amount: 150n, disputeIds: ['D-later'], description: 'Credit for 2026-10: 1 reversed resolution (dispute D-later)' }),
    ]);
    const increase = planCorrection({ record, previous: [], rerated: rate(12, LATER), upheldDisputes }) as InvoiceCorrection;
    expect(increase.adjustmentLines[0]).not.toHaveProperty('disputeIds');
  });

  it('leaves a credit without upheld disputes as it was, and counts the disputes beyond the third', () => {
    const plain = planCorrection({ record, previous: [], rerated: rate(7, LATER), upheldDisputes: [] }) as InvoiceCorrection;
    expect(plain.creditNoteLines[0]).not.toHaveProperty('disputeIds');
    expect(creditedDisputeIds(plain)).toEqual([]);
    const many = ['D-1', 'D-2', 'D-3', 'D-4', 'D-5'].map((id) => upheld(id, '2026-11-10T00:00:00.000Z'));
    const correction = planCorrection({ record, previous: [], rerated: rate(5, LATER), metricNames, upheldDisputes: many }) as InvoiceCorrection;
    expect(correction.creditNoteLines[0]?.description).toBe('Credit for 2026-10: 5 reversed resolutions (disputes D-1, D-2, D-3 and 2 more)');
  });

  it('writes the ids into the outcome_disputes metadata value within Stripe’s 500 characters, counting what does not fit', () => {
    expect(disputesMetadataValue([])).toBeNull();
    expect(disputesMetadataValue(['D-a', 'D-b'])).toBe('D-a,D-b');
    const ids = Array.from({ length: 60 }, (_, index) => `D-2026-11-acme-${String(index).padStart(3, '0')}`);
    const value = disputesMetadataValue(ids) as string;
    expect(value.length).toBeLessThanOrEqual(500);
    const named = value.split(' ')[0]!.split(',');
    expect(named.every((id, index) => id === ids[index])).toBe(true);
    expect(value.endsWith(`… and ${ids.length - named.length} more`)).toBe(true);
    expect(named.length).toBeGreaterThan(20);
  });
});
