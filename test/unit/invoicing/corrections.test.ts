import { describe, expect, it } from 'vitest';
import { CorrectionMismatchError, createInvoiceRecord, planCorrection, type InvoiceCorrection } from '../../../lambdas/domain/invoicing';
import { rate } from './invoicing-fixtures';

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

  it('refuses a re-rating of another period or contract', () => {
    const other = { ...rate(10, LATER), contractId: 'ctr-2' };
    expect(() => planCorrection({ record, previous: [], rerated: other })).toThrow(CorrectionMismatchError);
  });
});
