import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortableMillis, utcMonthOf, utcMonthsOverlapping } from '../../../../../lambdas/domain/ledger/ledger-keys';

describe('ledger keys', () => {
  it('names the UTC month of any instant, whatever instants came before (the last month is cached)', () => {
    const instant = fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2200-01-01T00:00:00Z') });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const ms of instants) {
          expect(utcMonthOf(ms)).toBe(new Date(ms).toISOString().slice(0, 7));
          // Both sides of the month boundaries, right after a cached lookup.
          const date = new Date(ms);
          const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
          expect(utcMonthOf(monthStart - 1)).toBe(new Date(monthStart - 1).toISOString().slice(0, 7));
          expect(utcMonthOf(monthStart)).toBe(new Date(monthStart).toISOString().slice(0, 7));
        }
      }),
    );
  });

  it('lists the UTC months overlapping a half-open range', () => {
    expect(utcMonthsOverlapping(Date.parse('2026-10-31T15:00:00Z'), Date.parse('2026-11-30T15:00:00Z'))).toEqual(['2026-10', '2026-11']);
    expect(utcMonthsOverlapping(Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-12-01T00:00:00Z'))).toEqual(['2026-11']);
    expect(utcMonthsOverlapping(Date.parse('2026-12-15T00:00:00Z'), Date.parse('2027-02-01T00:00:01Z'))).toEqual(['2026-12', '2027-01', '2027-02']);
    expect(utcMonthsOverlapping(5, 5)).toEqual([]);
  });

  it('sorts recordedAt strings like the numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.integer({ min: 0, max: 9_999_999_999_999 }), (a, b) => {
        expect(sortableMillis(a) < sortableMillis(b)).toBe(a < b);
      }),
    );
  });
});
