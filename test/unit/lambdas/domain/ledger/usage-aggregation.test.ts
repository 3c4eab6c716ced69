import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillableRule } from '../../../../../lambdas/domain/ledger/catalog';
import type { LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { netOutcomes } from '../../../../../lambdas/domain/ledger/net-outcomes';
import { aggregateUsage, summarizeNetOutcomes } from '../../../../../lambdas/domain/ledger/summarize-usage';
import { buildOutcomeView } from '../../../../../lambdas/domain/ledger/outcome-view';

const T0 = Date.parse('2026-11-10T00:00:00Z');
const HOUR = 3_600_000;
const WINDOW = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') };

function outcome(id: string, overrides: Partial<RecordedEntry> = {}): RecordedEntry {
  return {
    kind: 'recorded',
    outcomeId: id,
    customerId: 'acme',
    metric: 'ticket.resolved',
    occurredAtMs: T0,
    recordedAtMs: T0 + 1000,
    quantity: '1',
    value: undefined,
    attributesJson: undefined,
    billableRule: { when: 'immediately' },
    attributed: true,
    ...overrides,
  };
}

function adjustment<K extends 'reversed' | 'corrected' | 'verified'>(
  kind: K,
  original: RecordedEntry,
  recordedAtMs: number,
  extra: Record<string, unknown> = {},
): LedgerEntry {
  const base = {
    outcomeId: original.outcomeId,
    customerId: original.customerId,
    metric: original.metric,
    occurredAtMs: original.occurredAtMs,
    recordedAtMs,
  };
  if (kind === 'reversed') return { ...base, kind: 'reversed', reason: 'r', ...extra } as LedgerEntry;
  if (kind === 'verified') return { ...base, kind: 'verified', verifiedAtMs: undefined, ...extra } as LedgerEntry;
  return { ...base, kind: 'corrected', correctionId: 'c', quantity: undefined, value: undefined, reason: 'r', ...extra } as LedgerEntry;
}

const usage = (entries: LedgerEntry[], asOfMs: number, basis: 'all' | 'verified' | 'billable' = 'billable', uniqueAttributes?: string[]) =>
  aggregateUsage(entries, { ...WINDOW, asOfMs, basis, ...(uniqueAttributes ? { uniqueAttributes } : {}) });

describe('usage aggregation', () => {
  it('sums count, quantity, value per currency, max, latest and unique attribute values exactly', () => {
    const entries = [
      outcome('a', { quantity: '0.1', value: { amount: '10.10', currency: 'USD' }, attributesJson: '{"agent":"x"}' }),
      outcome('b', { quantity: '0.2', value: { amount: '0.2', currency: 'USD' }, occurredAtMs: T0 + HOUR, attributesJson: '{"agent":"y"}' }),
      outcome('c', { quantity: '12345678901234.5', value: { amount: '1000', currency: 'JPY' }, attributesJson: '{"agent":"x"}' }),
      outcome('d', { quantity: '3', occurredAtMs: T0 + HOUR }),
    ];
    expect(usage(entries, T0 + HOUR, 'billable', ['agent', 'missing'])).toEqual({
      count: 4,
      quantity: '12345678901237.8',
      value: [
        { amount: '1000', currency: 'JPY' },
        { amount: '10.3', currency: 'USD' },
      ],
      max: '12345678901234.5',
      // b and d occurred last; "d" > "b" breaks the tie.
      latest: '3',
      uniqueAttributeCounts: { agent: 2, missing: 0 },
    });
  });

  it('counts reversed outcomes zero and applies the latest correction per field', () => {
    const a = outcome('a', { quantity: '5', value: { amount: '100', currency: 'USD' } });
    const b = outcome('b', { quantity: '2' });
    const entries = [
      a,
      b,
      adjustment('reversed', b, T0 + 5000),
      adjustment('corrected', a, T0 + 3000, { correctionId: 'c1', quantity: '4' }),
      adjustment('corrected', a, T0 + 4000, { correctionId: 'c2', value: { amount: '80', currency: 'USD' } }),
      // Same recordedAt as c2: the greater correctionId wins, whatever the order entries come in.
      adjustment('corrected', a, T0 + 4000, { correctionId: 'c0', quantity: '9' }),
      adjustment('corrected', a, T0 + 4000, { correctionId: 'c3', quantity: '3' }),
    ];
    expect(usage(entries, T0 + 10_000)).toMatchObject({ count: 1, quantity: '3', value: [{ amount: '80', currency: 'USD' }] });
    expect(usage([...entries].reverse(), T0 + 10_000)).toMatchObject({ count: 1, quantity: '3' });
    // Before the corrections and the reversal were recorded:
    expect(usage(entries, T0 + 2000)).toMatchObject({ count: 2, quantity: '7', value: [{ amount: '100', currency: 'USD' }] });
  });

  it('counts only outcomes that occurred in [from, to)', () => {
    const entries = [
      outcome('before', { occurredAtMs: WINDOW.fromMs - 1 }),
      outcome('first', { occurredAtMs: WINDOW.fromMs }),
      outcome('last', { occurredAtMs: WINDOW.toMs - 1 }),
      outcome('after', { occurredAtMs: WINDOW.toMs }),
    ];
    expect(netOutcomes(entries, { ...WINDOW, asOfMs: WINDOW.toMs + HOUR }).map((net) => net.outcomeId)).toEqual(['first', 'last']);
  });

  describe('lifecycle and basis', () => {
    const verifiedRule: BillableRule = { when: 'verified' };
    const quiet: BillableRule = { when: 'quiet-window', hours: 24 };
    const lead = outcome('lead', { billableRule: verifiedRule });
    const saving = outcome('kwh', { billableRule: quiet, quantity: '7.5' });
    const entries = [lead, saving, adjustment('verified', lead, T0 + 2 * HOUR)];

    it('bills verified-only outcomes from the moment their verification is recorded', () => {
      expect(usage(entries, T0 + HOUR, 'all').count).toBe(2);
      expect(usage(entries, T0 + HOUR, 'verified').count).toBe(0);
      expect(usage(entries, T0 + 2 * HOUR, 'verified').count).toBe(1);
      expect(netOutcomes(entries, { asOfMs: T0 + 2 * HOUR }).find((net) => net.outcomeId === 'lead')).toMatchObject({ billable: true, verified: true });
    });

    it('bills quiet-window outcomes once the window after occurredAt has passed without a reversal', () => {
      expect(usage(entries, T0 + 24 * HOUR - 1).count).toBe(1); // only the verified lead
      expect(usage(entries, T0 + 24 * HOUR)).toMatchObject({ count: 2, quantity: '8.5' });
      const reversedSaving = [...entries, adjustment('reversed', saving, T0 + 23 * HOUR)];
      expect(usage(reversedSaving, T0 + 48 * HOUR)).toMatchObject({ count: 1, quantity: '1' });
    });
  });

  it('describes one outcome with its history as of a moment', () => {
    const a = outcome('a', { billableRule: { when: 'quiet-window', hours: 1 }, attributesJson: '{"agent":"x"}' });
    const entries = [a, adjustment('corrected', a, T0 + 5000, { correctionId: 'fix', quantity: '2' }), adjustment('reversed', a, T0 + 9000)];
    expect(buildOutcomeView(entries, T0)).toBeUndefined();
    expect(buildOutcomeView(entries, T0 + 6000)).toMatchObject({
      status: 'counted',
      quantity: '2',
      original: { quantity: '1' },
      billable: false,
      billableFrom: new Date(T0 + HOUR).toISOString(),
      corrections: [{ correctionId: 'fix', quantity: '2' }],
      attributes: { agent: 'x' },
    });
    expect(buildOutcomeView(entries, T0 + 9000)).toMatchObject({ status: 'reversed', billable: false, reversal: { reason: 'r' } });
  });
});

// Random ledgers: outcomes with random adjustments at random times.
const ledgerArbitrary = fc
  .array(
    fc.record({
      quantity: fc.oneof(fc.integer({ min: 0, max: 1000 }).map(String), fc.constantFrom('0.5', '1.25', '0.000000000001')),
      occurredOffset: fc.integer({ min: 0, max: 20 * 24 }),
      recordedOffset: fc.integer({ min: 0, max: 200 }),
      rule: fc.constantFrom<BillableRule>({ when: 'immediately' }, { when: 'verified' }, { when: 'quiet-window', hours: 12 }),
      adjustments: fc.uniqueArray(
        fc.record({
          kind: fc.constantFrom('reversed' as const, 'corrected' as const, 'verified' as const),
          after: fc.integer({ min: 0, max: 200 }),
          quantity: fc.integer({ min: 0, max: 50 }).map(String),
          correctionId: fc.constantFrom('c1', 'c2', 'c3'),
        }),
        // The ledger stores one entry per adjustment key (a reversal, a verification,
        // each correctionId), so the generator never repeats one.
        { maxLength: 3, selector: (a) => (a.kind === 'corrected' ? `corrected#${a.correctionId}` : a.kind) },
      ),
    }),
    { maxLength: 25 },
  )
  .map((specs) =>
    specs.flatMap((spec, index) => {
      const original = outcome(`o-${index}`, {
        quantity: spec.quantity,
        occurredAtMs: T0 + spec.occurredOffset * HOUR,
        recordedAtMs: T0 + spec.recordedOffset * HOUR,
        billableRule: spec.rule,
      });
      return [
        original,
        ...spec.adjustments.map((adjusted) =>
          adjustment(adjusted.kind, original, original.recordedAtMs + adjusted.after * HOUR, {
            ...(adjusted.kind === 'corrected' ? { correctionId: adjusted.correctionId, quantity: adjusted.quantity } : {}),
          }),
        ),
      ];
    }),
  );

describe('usage properties', () => {
  it('never changes an asOf answer when entries recorded after asOf are added', () => {
    fc.assert(
      fc.property(ledgerArbitrary, ledgerArbitrary, fc.integer({ min: 0, max: 400 }), fc.constantFrom('all' as const, 'verified' as const, 'billable' as const), (known, later, asOfHours, basis) => {
        const asOfMs = T0 + asOfHours * HOUR;
        const laterEntries = later
          .map((entry) => ({ ...entry, outcomeId: `later-${entry.outcomeId}`, recordedAtMs: asOfMs + 1 + entry.recordedAtMs - T0 }))
          .concat(
            // Adjustments of known outcomes, recorded after asOf.
            known.filter((entry) => entry.kind === 'recorded').map((entry) => adjustment('reversed', entry as RecordedEntry, asOfMs + 1)),
          );
        const before = usage(known, asOfMs, basis);
        const after = usage([...known, ...laterEntries], asOfMs, basis);
        expect(after).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order entries arrive in (shards and pages interleave)', () => {
    const ledgerAndPermutation = ledgerArbitrary.chain((entries) =>
      fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })),
    );
    fc.assert(
      fc.property(ledgerAndPermutation, fc.integer({ min: 0, max: 400 }), ([entries, shuffled], asOfHours) => {
        const asOfMs = T0 + asOfHours * HOUR;
        expect(usage(shuffled, asOfMs, 'all', [])).toEqual(usage(entries, asOfMs, 'all', []));
        expect(usage(shuffled, asOfMs)).toEqual(usage(entries, asOfMs));
      }),
      { numRuns: 200 },
    );
  });

  it('never counts more under "billable" or "verified" than under "all", and never a negative quantity', () => {
    fc.assert(
      fc.property(ledgerArbitrary, fc.integer({ min: 0, max: 400 }), (entries, asOfHours) => {
        const nets = netOutcomes(entries, { asOfMs: T0 + asOfHours * HOUR });
        const all = summarizeNetOutcomes(nets, { basis: 'all' });
        for (const basis of ['billable', 'verified'] as const) {
          const subset = summarizeNetOutcomes(nets, { basis });
          expect(subset.count).toBeLessThanOrEqual(all.count);
          expect(Number(subset.quantity)).toBeLessThanOrEqual(Number(all.quantity));
        }
        expect(all.quantity.startsWith('-')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
