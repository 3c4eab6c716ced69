import { describe, expect, it } from 'vitest';
import { usageWindowBounds, windowUsage } from '../../../../../lambdas/domain/rating/usage-window';

describe('usage window bounds', () => {
  it('reads RFC 3339 instants and dates alike', () => {
    const expected = { fromMs: Date.parse('2026-10-31T18:30:00Z'), toMs: Date.parse('2026-11-30T18:30:00Z'), asOfMs: Date.parse('2026-12-01T12:00:00Z') };
    expect(usageWindowBounds({ from: '2026-11-01T00:00:00+05:30', to: '2026-12-01T00:00:00+05:30', asOf: '2026-12-01T12:00:00Z' })).toEqual(expected);
    expect(usageWindowBounds({ from: new Date(expected.fromMs), to: new Date(expected.toMs), asOf: new Date(expected.asOfMs) })).toEqual(expected);
  });

  it('refuses an empty or unreadable window, naming it', () => {
    expect(() => usageWindowBounds({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z', asOf: '2026-11-03T00:00:00Z' })).toThrow(
      new RangeError('invalid usage window 2026-11-02T00:00:00Z .. 2026-11-01T00:00:00Z as of 2026-11-03T00:00:00Z'),
    );
    expect(() => usageWindowBounds({ from: new Date('2026-11-01T00:00:00Z'), to: new Date(Number.NaN), asOf: new Date('2026-11-03T00:00:00Z') })).toThrow(
      new RangeError('invalid usage window 2026-11-01T00:00:00.000Z .. Invalid Date as of 2026-11-03T00:00:00.000Z'),
    );
  });

  it('answers with the window and cutoff it read, as instants', () => {
    const bounds = usageWindowBounds({ from: '2026-11-01T00:00:00+05:30', to: '2026-12-01T00:00:00+05:30', asOf: '2026-12-01T12:00:00Z' });
    expect(windowUsage('acme', bounds, [])).toEqual({ customerId: 'acme', from: '2026-10-31T18:30:00.000Z', to: '2026-11-30T18:30:00.000Z', asOf: '2026-12-01T12:00:00.000Z', metrics: [] });
  });
});
