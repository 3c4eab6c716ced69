// The CLI's own logic, without a ledger: argument checking, time ranges,
// output formatting, exit codes.
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../bin/cli/cli-io';
import { formatFields, formatTable } from '../../../bin/cli/format';
import { formatOutcome } from '../../../bin/cli/outcome-command';
import { runCli } from '../../../bin/cli/program';
import { periodRange, resolveTimeRange } from '../../../bin/cli/time-range';
import { formatUsage } from '../../../bin/cli/usage-command';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: () => new Date('2026-11-20T12:00:00Z') };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('periodRange', () => {
  it.each([
    ['2026-11', 'UTC', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12', 'UTC', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-02-28', 'UTC', '2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2026-Q4', 'UTC', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026', 'UTC', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-11', 'Asia/Tokyo', '2026-10-31T15:00:00.000Z', '2026-11-30T15:00:00.000Z'],
    // The month DST ends in New York is an hour longer.
    ['2026-11', 'America/New_York', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
  ])('%s in %s is [%s, %s)', (period, zone, from, to) => {
    const range = periodRange(period, zone);
    expect([range.from.toISOString(), range.to.toISOString()]).toEqual([from, to]);
  });

  it.each(['2026-13', '2026-11-31', 'November', '26-11'])('refuses %s', (period) => {
    expect(() => periodRange(period, 'UTC')).toThrow(/period/);
  });
});

describe('resolveTimeRange', () => {
  it('takes explicit instants with offsets', () => {
    const range = resolveTimeRange({ from: '2026-11-01T00:00:00+01:00', to: '2026-11-02T00:00:00Z' });
    expect(range.from.toISOString()).toBe('2026-10-31T23:00:00.000Z');
  });

  it('refuses instants without an offset, a reversed range, and mixing --period with --from', () => {
    expect(() => resolveTimeRange({ from: '2026-11-01T00:00:00', to: '2026-11-02T00:00:00Z' })).toThrow(/offset/);
    expect(() => resolveTimeRange({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toThrow(/after/);
    expect(() => resolveTimeRange({ period: '2026-11', from: '2026-11-01T00:00:00Z' })).toThrow(/not both/);
    expect(() => resolveTimeRange({})).toThrow(/--period/);
  });
});

describe('formatting', () => {
  it('aligns table columns and cuts long cells', () => {
    const text = formatTable(
      [
        { header: 'CODE', value: (r: { code: string; n: number; reason: string }) => r.code },
        { header: 'N', value: (r) => String(r.n), align: 'right' },
        { header: 'REASON', value: (r) => r.reason, maxWidth: 10 },
      ],
      [
        { code: 'INVALID_QUANTITY', n: 3, reason: 'quantity must not be negative' },
        { code: 'X', n: 120, reason: 'short' },
      ],
    );
    expect(text).toBe(['CODE                N  REASON', 'INVALID_QUANTITY    3  quantity …', 'X                 120  short', ''].join('\n'));
  });

  it('aligns label/value lines', () => {
    expect(formatFields([['count', '3'], ['quantity', '4.5']])).toBe('count     3\nquantity  4.5\n');
  });

  it('prints usage with every figure and the query that explains it', () => {
    const text = formatUsage({
      customerId: 'acme',
      metric: 'order.recovered',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      asOf: '2026-11-20T12:00:00.000Z',
      basis: 'billable',
      count: 2,
      quantity: '2',
      value: [{ amount: '250.5', currency: 'USD' }],
      max: '1',
      latest: '1',
      uniqueAttributeCounts: { agentId: 2 },
      query: 'ledger usage of ...',
    });
    expect(text).toContain('value           250.5 USD\n');
    expect(text).toContain('unique agentId  2\n');
    expect(text).toContain('query           ledger usage of ...');
  });

  it('says plainly whether an outcome counts and why', () => {
    const text = formatOutcome({
      outcomeId: 't-3',
      customerId: 'initech',
      metric: 'ticket.resolved',
      status: 'reversed',
      quantity: '1',
      occurredAt: '2026-11-05T09:00:00.000Z',
      recordedAt: '2026-11-20T12:00:00.000Z',
      attributed: false,
      billableRule: { when: 'quiet-window', hours: 24 },
      definitionVersion: 2,
      evidence: { reference: 'https://help.example.com/t/3', summary: 'password reset, confirmed by the customer' },
      billable: false,
      verified: true,
      verification: { recordedAt: '2026-11-20T12:30:00.000Z', verifiedBy: { kind: 'customer', id: 'u-9', method: 'thumbs up in chat' } },
      reversal: { reason: 'reopened', recordedAt: '2026-11-20T14:00:00.000Z' },
      corrections: [{ correctionId: 'c-1', quantity: '2', reason: 'double resolution', recordedAt: '2026-11-20T13:00:00.000Z' }],
      original: { quantity: '1' },
      contentHash: 'h',
      asOf: '2026-11-21T00:00:00.000Z',
    });
    expect(text).toContain('counted      no (reversed)\n');
    expect(text).toContain('customer     initech (unattributed: not in the catalog when recorded)\n');
    expect(text).toContain('reversed     yes, recorded 2026-11-20T14:00:00.000Z: reopened\n');
    expect(text).toContain('corrected    2026-11-20T13:00:00.000Z c-1: quantity 2 (double resolution)\n');
    expect(text).toContain('billable     no (rule: billable 24 h after it occurred unless reversed)\n');
    expect(text).toContain('metric       ticket.resolved (definition v2)\n');
    expect(text).toContain('evidence     https://help.example.com/t/3: password reset, confirmed by the customer\n');
    expect(text).toContain('verified     yes, recorded 2026-11-20T12:30:00.000Z by customer u-9 (thumbs up in chat)\n');
  });
});

describe('runCli', () => {
  it('prints help on stdout and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: outcome-engine');
    for (const command of ['usage', 'outcome', 'rejected', 'unattributed', 'catalog', 'dead-letters', 'events']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('rejects a bad period with a clear message on stderr and exit code 2, before reaching any ledger', async () => {
    const result = await cli(['usage', '--customer', 'acme', '--metric', 'm', '--period', '2026-13', '--json']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'error: --period "2026-13" is not a real date\n' });
  });

  it('rejects an unknown rejection code, listing the valid ones', async () => {
    const result = await cli(['rejected', '--code', 'NOPE']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("argument 'NOPE' is invalid");
    expect(result.stderr).toContain('OUTCOME_CONFLICT');
  });

  it('requires the customer and metric for usage', async () => {
    const result = await cli(['usage', '--period', '2026-11']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--customer <customerId>' not specified");
  });

  it('refuses a limit that is not a whole number', async () => {
    const result = await cli(['rejected', '--limit', '2.5']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must be a whole number');
  });

  it('reports a catalog file problem with its path and every issue', async () => {
    const result = await cli(['--endpoint', 'http://127.0.0.1:9', '--ledger-table', 'l', '--engine-table', 'e', 'catalog', 'load', '/nonexistent/catalog.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/nonexistent/catalog.yaml');
  });
});
