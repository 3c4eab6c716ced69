import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { writeStatement } from '../../../../../bin/cli/invoice-statement';
import { streamOutcomeStatement, type StatementLedger } from '../../../../../lambdas/application/billing/stream-outcome-statement';
import type { UsageEntriesQuery } from '../../../../../lambdas/application/ports';
import { capsOfLine, describeLinePricing, statementSourceOfDraft, type StatementLine, type StatementSource } from '../../../../../lambdas/domain/invoicing/outcome-statement';
import { contractWith, rate } from '../../../../support/invoicing-fixtures';
import type { LedgerEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import type { UsageQuery } from '../../../../../lambdas/domain/rating/usage';

const CUTOFF = '2026-12-02T00:00:00.000Z';
const CUTOFF_MS = Date.parse(CUTOFF);
const NOV = Date.parse('2026-11-01T00:00:00Z');
const PAGE = 1000;

/**
 * A ledger of `outcomes` recorded outcomes made page by page as they are
 * read, never all at once: what a statement holds is then what the
 * statement code keeps. Every 100th outcome is reversed after the cutoff.
 */
class GeneratedLedger implements StatementLedger {
  constructor(private readonly outcomes: number) {}

  async *streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]> {
    for (let start = 0; start < this.outcomes; start += PAGE) {
      const page: LedgerEntry[] = [];
      for (let index = start; index < Math.min(start + PAGE, this.outcomes); index += 1) {
        const base = { outcomeId: `o-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: NOV + index * 1000 };
        page.push({
          ...base,
          kind: 'recorded',
          recordedAtMs: NOV + index * 1000 + 5,
          quantity: String((index % 3) + 1),
          value: undefined,
          attributesJson: undefined,
          billableRule: { when: 'immediately' },
          attributed: true,
          definitionVersion: index % 2 === 0 ? undefined : 2,
          evidence: { reference: `https://help.example.com/t/${index}`, summary: 'closed by the agent' },
        });
        if (index % 100 === 0 && CUTOFF_MS + 60_000 <= query.asOfMs) {
          page.push({ ...base, kind: 'reversed', recordedAtMs: CUTOFF_MS + 60_000, reason: 'reopened' });
        }
      }
      yield page;
    }
  }
}

const usageQuery = (aggregation: UsageQuery['aggregation']): UsageQuery => ({
  customerId: 'acme',
  ledgerMetric: 'ticket.resolved',
  eligibility: 'billable',
  aggregation,
  attribute: null,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  asOf: CUTOFF,
  reference: null,
});

function sourceOf(lines: StatementLine[]): StatementSource {
  return { invoiceRecordId: 'oe:c-1:2026-11:r1', contractId: 'c-1', customerId: 'acme', periodId: '2026-11', currency: 'USD', cutoff: CUTOFF, lines };
}

const countLine = (quantity: string): StatementLine => ({
  lineId: 'resolutions',
  chargeId: 'resolutions',
  description: 'Resolutions',
  metric: 'resolutions',
  quantity,
  amount: { minor: '150', decimal: '1.50' },
  breakdownKinds: ['units'],
  usageQuery: usageQuery('count'),
});

describe('outcome statements', () => {
  it('lists each counted outcome with its version and evidence, marks later reversals, and reconciles per line', async () => {
    const ledger = new GeneratedLedger(300);
    const sumLine: StatementLine = { ...countLine('600'), lineId: 'units', chargeId: 'units', usageQuery: usageQuery('sum_quantity'), breakdownKinds: ['tier'] };
    const fee: StatementLine = { ...countLine('1'), lineId: 'platform', chargeId: 'platform', metric: null, usageQuery: null, breakdownKinds: ['flat_fee'] };
    let text = '';
    const result = await writeStatement(
      sourceOf([countLine('300'), sumLine, fee]),
      streamOutcomeStatement({ ledger }, sourceOf([countLine('300'), sumLine, fee]), CUTOFF_MS + 3_600_000),
      'json',
      (chunk) => (text += chunk),
    );
    const parsed = JSON.parse(text) as { rows: { outcomeId: string; definitionVersion: number; laterReversal: unknown; evidence: unknown }[]; reconciles: boolean };
    expect(result.reconciles).toBe(true);
    expect(parsed.reconciles).toBe(true);
    expect(parsed.rows).toHaveLength(600);
    expect(parsed.rows[1]).toMatchObject({ outcomeId: 'o-1', definitionVersion: 2, laterReversal: null, evidence: { reference: 'https://help.example.com/t/1' } });
    expect(parsed.rows[0]).toMatchObject({ outcomeId: 'o-0', definitionVersion: 1, laterReversal: { reason: 'reopened' } });
    expect(result.lines.map((line) => [line.lineId, line.measured, line.reconciles])).toEqual([
      ['resolutions', '300', true],
      ['units', '600', true],
      ['platform', null, true],
    ]);
    expect(result.lines[1]?.pricing).toContain('not a per-outcome sum (tier)');
    expect(result.lines[2]?.pricing).toContain('not from outcomes');
  });

  it('fills the disputes column of each outcome with its disputes and their status, in JSON and CSV', async () => {
    const recorded = (outcomeId: string, index: number): LedgerEntry => ({
      kind: 'recorded',
      outcomeId,
      customerId: 'acme',
      metric: 'ticket.resolved',
      occurredAtMs: NOV + index * 1000,
      recordedAtMs: NOV + index * 1000 + 5,
      quantity: '1',
      value: undefined,
      attributesJson: undefined,
      billableRule: { when: 'immediately' },
      attributed: true,
    });
    const base = (outcomeId: string, index: number) => ({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: NOV + index * 1000 });
    const opened = (outcomeId: string, index: number, sequence: number, disputeId: string, recordedAtMs: number): LedgerEntry => ({
      ...base(outcomeId, index),
      kind: 'disputed',
      recordedAtMs,
      sequence,
      disputeId,
      reason: 'reopened',
      raisedBy: 'finance@acme',
      hold: false,
    });
    const decided = (outcomeId: string, index: number, sequence: number, disputeId: string, upheld: boolean, recordedAtMs: number): LedgerEntry => ({
      ...base(outcomeId, index),
      kind: 'dispute-resolved',
      recordedAtMs,
      sequence,
      disputeId,
      upheld,
      note: upheld ? 'reopened within a day' : 'resolved for good',
      resolvedBy: 'ops',
    });
    const entries: LedgerEntry[] = [
      recorded('o-1', 1),
      recorded('o-2', 2),
      recorded('o-3', 3),
      recorded('o-4', 4),
      // Upheld after the cutoff: billed, then credited; the statement shows the decision.
      opened('o-1', 1, 1, 'D-up', CUTOFF_MS - 60_000),
      decided('o-1', 1, 1, 'D-up', true, CUTOFF_MS + 60_000),
      opened('o-2', 2, 1, 'D-open', CUTOFF_MS - 60_000),
      opened('o-3', 3, 1, 'D-no', CUTOFF_MS - 120_000),
      decided('o-3', 3, 1, 'D-no', false, CUTOFF_MS - 90_000),
      opened('o-3', 3, 2, 'D-again', CUTOFF_MS + 30_000),
    ];
    const ledger: StatementLedger = {
      async *streamUsageEntries(query: UsageEntriesQuery) {
        yield entries.filter((entry) => entry.recordedAtMs <= query.asOfMs);
      },
    };
    const source = sourceOf([countLine('4')]);
    const now = CUTOFF_MS + 3_600_000;
    let json = '';
    await writeStatement(source, streamOutcomeStatement({ ledger }, source, now), 'json', (chunk) => (json += chunk));
    const rows = (JSON.parse(json) as { rows: { outcomeId: string; disputes: string }[] }).rows;
    expect(rows.map((row) => [row.outcomeId, row.disputes])).toEqual([
      ['o-1', 'D-up upheld'],
      ['o-2', 'D-open open'],
      ['o-3', 'D-no rejected; D-again open'],
      ['o-4', ''],
    ]);
    let csv = '';
    await writeStatement(source, streamOutcomeStatement({ ledger }, source, now), 'csv', (chunk) => (csv += chunk));
    const lines = csv.split('\r\n');
    const disputesColumn = lines[0]!.split(',').indexOf('disputes');
    expect(disputesColumn).toBeGreaterThan(0);
    const outcomeLines = lines.filter((line) => line.startsWith('outcome,'));
    expect(outcomeLines.map((line) => line.split(',')[disputesColumn])).toEqual(['D-up upheld', 'D-open open', 'D-no rejected; D-again open', '']);
  });

  it('says when a line does not reconcile', async () => {
    const source = sourceOf([countLine('299')]);
    const result = await writeStatement(source, streamOutcomeStatement({ ledger: new GeneratedLedger(300) }, source, CUTOFF_MS), 'csv', () => undefined);
    expect(result.reconciles).toBe(false);
    expect(result.lines[0]).toMatchObject({ measured: '300', lineQuantity: '299', reconciles: false });
  });

  it('keeps memory bounded: a statement of 200,000 outcomes peaks about as low as one of 20,000', async () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    async function peakGrowth(outcomes: number): Promise<number> {
      collectGarbage();
      const baseline = process.memoryUsage().heapUsed;
      let peak = 0;
      let bytes = 0;
      let rows = 0;
      const source = sourceOf([countLine(String(outcomes))]);
      const result = await writeStatement(source, streamOutcomeStatement({ ledger: new GeneratedLedger(outcomes) }, source, CUTOFF_MS), 'csv', (chunk) => {
        bytes += chunk.length;
        rows += 1;
        if (rows % 20_000 === 0) {
          collectGarbage();
          peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
        }
      });
      expect(result.reconciles).toBe(true);
      expect(result.rows).toBe(outcomes);
      expect(bytes).toBeGreaterThan(outcomes * 50);
      return peak;
    }
    const small = await peakGrowth(20_000);
    const large = await peakGrowth(200_000);
    // Holding 200,000 rows would take well over 50 MB; streaming keeps the
    // peak near the small run's (the bound is generous for a loaded machine).
    expect(large).toBeLessThan(Math.max(small, 0) * 3 + 16 * 1024 * 1024);
  }, 120_000);
});

describe('statement lines of a capped period', () => {
  it('keep the measured quantity (so the rows reconcile) and say what the caps billed', () => {
    // 300 resolutions capped at 200, then a 250.00 spend cap: 100.00 + 300.00 -> 250.00.
    const draft = rate(300, undefined, contractWith({ caps: [{ metric: 'resolutions', quantity: '200' }, { spend: '250.00' }] }));
    const [platform, resolutions] = statementSourceOfDraft(draft, { contractId: 'ctr-1', customerId: 'cust-1' }).lines;
    expect(resolutions?.quantity).toBe('300');
    expect(resolutions?.amount).toEqual({ minor: '15000', decimal: '150.00' });
    expect(resolutions?.caps).toBe(
      'metric cap 200: 200 of the measured 300 billed, 100 over the cap, shown, not billed (outcomes count towards the cap in occurredAt order, then outcome id); spend cap 250.00 (charges before it 400.00): -150.00 on this line',
    );
    expect(describeLinePricing(resolutions!)).toContain('; metric cap 200: 200 of the measured 300 billed');
    expect(platform?.caps).toBeUndefined();
    expect(capsOfLine([])).toBeUndefined();
  });
});
