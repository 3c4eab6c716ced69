// What counts, and how a customer checks it, on the local engine: a catalog
// with definition versions, outcomes with evidence and verifications, a
// period closed through the Stripe emulator, and the itemised statement of
// the invoice, whose per-line totals must equal the invoice's lines for
// several charge models.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import { STATEMENT_CSV_COLUMNS } from '../../bin/cli/invoice-statement';
import type { StatementLineTotal, StatementRow } from '../../lambdas/domain/invoicing/outcome-statement';
import { busEntry as entry, localEngineHarness, manualClock, monthlyContract } from '../support/local-engine-harness';

const CONTRACT = 'statement-globex';
const { now, setNow } = manualClock('2026-11-20T12:00:00Z');
const SHA = 'c0ffee'.padEnd(64, '0');

const CATALOG = `
metrics:
  - code: ticket.resolved
    name: Resolved support ticket
    unit: resolution
    aggregation: count
    definitions:
      - version: 1
        effectiveFrom: 2026-01-01T00:00:00Z
        counts: A ticket the AI agent closed without a human.
        billable: { when: immediately }
      - version: 2
        effectiveFrom: 2026-11-15T00:00:00+00:00
        counts: A ticket the AI agent closed that the customer did not reopen.
        exclusions: Spam and duplicates.
        billable: { when: immediately }
        dispute: { windowDays: 14, whileOpen: hold }
`;

interface StatementJson {
  statement: { invoiceRecordId: string | null; currency: string; cutoff: string };
  rows: StatementRow[];
  lines: StatementLineTotal[];
  reconciles: boolean;
}

describe('itemised statements on the local engine', () => {
  const harness = localEngineHarness({ name: 'statement', now });
  const { dataDir, send, cli } = harness;
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
    const catalogFile = join(dataDir, 'catalog.yaml');
    writeFileSync(catalogFile, CATALOG);
    const loaded = await cli(['catalog', 'load', catalogFile]);
    expect(loaded.stderr).toBe('');

    await harness.loadCatalog({
      plans: [
        {
          kind: 'plan',
          code: 'statement-plan',
          name: 'Statement plan',
          currency: 'USD',
          versions: [
            {
              version: 1,
              effectiveFrom: '2026-01-01',
              metrics: [
                { code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' },
                { code: 'agents', ledgerMetric: 'ticket.resolved', aggregation: 'unique_count', attribute: 'agentId' },
                { code: 'order-value', ledgerMetric: 'order.recovered', aggregation: 'sum_value' },
                { code: 'kwh', ledgerMetric: 'energy.saved', aggregation: 'sum_quantity' },
              ],
              charges: [
                { id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' },
                { id: 'resolutions', name: 'Resolutions', model: 'graduated', metric: 'resolutions', includedUnits: 2, tiers: [{ upTo: 5, unitPrice: '1.50' }, { unitPrice: '0.75' }] },
                { id: 'seats', name: 'Agent seats', model: 'package', metric: 'agents', packageSize: 2, packagePrice: '40.00', rounding: 'up' },
                { id: 'success', name: 'Success fee', model: 'percentage', metric: 'order-value', percent: '2.5', fixedFeePerOutcome: '0.10' },
                { id: 'energy', name: 'Energy saved', model: 'per_unit', metric: 'kwh', unitPrice: '0.033' },
              ],
            },
          ],
        },
      ],
      contracts: [monthlyContract(CONTRACT, 'statement-plan', { customerId: 'globex' })],
    });
  });

  afterAll(() => harness.stop());

  let invoiceRecordId = '';

  it('closes a period and lists every billed outcome, with totals equal to each invoice line', async () => {
    const tickets = Array.from({ length: 9 }, (_, i) =>
      entry('Outcome Recorded', {
        outcomeId: `t-${i}`,
        customerId: 'globex',
        metric: 'ticket.resolved',
        occurredAt: `2026-11-${String(10 + i)}T09:00:00Z`,
        attributes: { agentId: `agent-${i % 3}` },
        ...(i === 0 ? { evidence: { reference: 'https://help.example.com/t/0', sha256: SHA, summary: 'Password reset; customer confirmed' } } : {}),
      }),
    );
    const orders = ['10.00', '19.99', '250.50'].map((amount, i) =>
      entry('Outcome Recorded', { outcomeId: `o-${i}`, customerId: 'globex', metric: 'order.recovered', occurredAt: '2026-11-12T10:00:00Z', value: { amount, currency: 'USD' } }),
    );
    const energy = ['1.5', '2.25', '10'].map((quantity, i) =>
      entry('Outcome Recorded', { outcomeId: `e-${i}`, customerId: 'globex', metric: 'energy.saved', occurredAt: '2026-11-13T10:00:00Z', quantity }),
    );
    await send([...tickets, ...orders, ...energy]);
    // order.recovered is billable once verified: two of three are.
    setNow('2026-11-20T13:00:00Z');
    await send([
      entry('Outcome Verified', { outcomeId: 'o-0', verifiedBy: { kind: 'customer', id: 'buyer-1', method: 'payment captured' } }),
      entry('Outcome Verified', { outcomeId: 'o-2', verifiedBy: { kind: 'automated-check' } }),
    ]);

    setNow('2026-12-03T00:00:00Z');
    const closed = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    expect(closed.stderr).toBe('');
    const report = JSON.parse(closed.stdout) as PeriodCloseReport;
    expect(report.closed).toHaveLength(1);
    const row = report.closed[0]!;
    expect(row.matched).toBe(true);
    invoiceRecordId = row.invoiceRecordId;

    // The Stripe invoice says where its statement comes from.
    const invoice = await stripe.invoices.retrieve(row.stripeInvoiceId);
    expect(invoice.metadata?.['outcome_statement']).toBe(`outcome-engine invoice statement --invoice ${invoiceRecordId}`);

    const result = await cli(['invoice', 'statement', '--invoice', invoiceRecordId, '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const statement = JSON.parse(result.stdout) as StatementJson;
    expect(statement.reconciles).toBe(true);
    const byLine = new Map(statement.lines.map((line) => [line.lineId, line]));
    expect(byLine.get('resolutions')).toMatchObject({ outcomes: 9, measured: '9', lineQuantity: '9', reconciles: true, definitionVersions: [1, 2] });
    expect(byLine.get('seats')).toMatchObject({ outcomes: 9, measured: '3', lineQuantity: '3', reconciles: true });
    expect(byLine.get('success')).toMatchObject({ outcomes: 2, measured: '260.5', reconciles: true });
    expect(byLine.get('energy')).toMatchObject({ outcomes: 3, measured: '13.75', reconciles: true });
    expect(byLine.get('platform')).toMatchObject({ outcomes: 0, measured: null, reconciles: true });
    expect(byLine.get('resolutions')?.pricing).toContain('not a per-outcome sum');
    // The line amounts are the invoice's, to the cent.
    const linesTotal = statement.lines.reduce((sum, line) => sum + BigInt(line.amount.minor), 0n);
    expect(linesTotal).toBe(BigInt(invoice.total));

    const first = statement.rows.find((r) => r.outcomeId === 't-0');
    expect(first).toMatchObject({ definitionVersion: 1, evidence: { reference: 'https://help.example.com/t/0', sha256: SHA } });
    expect(statement.rows.find((r) => r.outcomeId === 't-8')).toMatchObject({ definitionVersion: 2 });
    expect(statement.rows.filter((r) => r.lineId === 'success').map((r) => [r.outcomeId, r.verification?.verifiedBy?.kind]).sort()).toEqual([
      ['o-0', 'customer'],
      ['o-2', 'automated-check'],
    ]);
  });

  it('names the definition versions on invoice explain, usage and outcome', async () => {
    const explained = await cli(['invoice', 'explain', '--invoice', invoiceRecordId]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('counted under definition v1, v2');
    const usage = await cli(['usage', '--customer', 'globex', '--metric', 'ticket.resolved', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z']);
    expect(usage.stdout).toMatch(/^definitions\s+v1, v2$/m);
    const outcome = await cli(['outcome', 't-0']);
    expect(outcome.stdout).toMatch(/^metric\s+ticket\.resolved \(definition v1\)$/m);
    expect(outcome.stdout).toMatch(/^evidence\s+https:\/\/help\.example\.com\/t\/0: Password reset; customer confirmed/m);
  });

  it('writes the same statement as CSV, and marks a reversal recorded after the invoice', async () => {
    setNow('2026-12-04T00:00:00Z');
    await send([entry('Outcome Reversed', { outcomeId: 't-3', reason: 'customer reopened the ticket' })]);
    const result = await cli(['invoice', 'statement', '--invoice', invoiceRecordId]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe(STATEMENT_CSV_COLUMNS.join(','));
    const outcomeRows = lines.filter((line) => line.startsWith('outcome,'));
    expect(outcomeRows).toHaveLength(9 + 9 + 2 + 3);
    const reversed = outcomeRows.find((line) => line.startsWith('outcome,resolutions,resolutions,ticket.resolved,t-3,'));
    expect(reversed).toContain('2026-12-04T00:00:00.000Z: customer reopened the ticket');
    const totals = lines.filter((line) => line.startsWith('line_total,'));
    expect(totals).toHaveLength(5);
    expect(totals.every((line) => line.includes(',yes,'))).toBe(true);
  });

  it('gives an open period its statement as of now', async () => {
    setNow('2026-12-10T00:00:00Z');
    await send([entry('Outcome Recorded', { outcomeId: 'dec-1', customerId: 'globex', metric: 'ticket.resolved', occurredAt: '2026-12-05T09:00:00Z' })]);
    const result = await cli(['invoice', 'statement', '--contract', CONTRACT, '--period', '2026-12', '--format', 'json']);
    expect(result.stderr).toBe('');
    const statement = JSON.parse(result.stdout) as StatementJson;
    expect(statement.statement.invoiceRecordId).toBeNull();
    expect(statement.reconciles).toBe(true);
    expect(statement.rows.filter((r) => r.lineId === 'resolutions').map((r) => r.outcomeId)).toEqual(['dec-1']);
  });
});
