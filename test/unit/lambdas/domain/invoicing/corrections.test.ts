import { describe, expect, it } from 'vitest';
import { CorrectionMismatchError, createInvoiceRecord, planCorrection, type InvoiceCorrection } from '../../../../../lambdas/domain/invoicing';
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
