// The plan commands that need no engine (validate, price) and the option
// parsing of the others, run in process with no network.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../bin/cli/program';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { periodBoundDate } from '../../../../bin/cli/simulate-command';

const examples = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'examples', 'plans');
const dir = mkdtempSync(join(tmpdir(), 'cli-plans-'));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  // No engine and no endpoint: any command that tried to reach storage would fail loudly.
  const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: { OUTCOME_ENGINE_DATA_DIR: dir }, now: () => new Date('2026-11-20T12:00:00Z') };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('plan commands without an engine', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('price prints the lines and the total for people', async () => {
    const run = await cli(['price', '--plan', join(examples, 'support-automation.yaml'), '--usage', join(examples, 'usage-2026-11.json')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/resolutions\s+graduated\s+1234\s+1660\.80/);
    expect(run.stdout).toMatch(/total\s+2271\.41 USD/);
  });

  it('price with a pinned version and period', async () => {
    const run = await cli([
      'price', '--plan', join(examples, 'support-automation.yaml'), '--usage', join(examples, 'usage-2026-11.json'),
      '--plan-version', '2', '--period', '2026-11-01..2026-12-01', '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ planVersion: 2, period: { start: '2026-11-01T00:00:00.000Z' } });
  });

  it('price names the plan file and path of a bad plan', async () => {
    const plan = join(dir, 'float.yaml');
    writeFileSync(plan, 'kind: plan\ncode: p\nname: P\ncurrency: USD\nversions:\n  - version: 1\n    effectiveFrom: 2026-01-01\n    metrics: []\n    charges:\n      - { id: f, name: F, model: flat, amount: 0.10 }\n');
    const run = await cli(['price', '--plan', plan, '--usage', join(examples, 'usage-2026-11.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${plan}: versions[0].charges[0].amount:`);
    expect(run.stderr).toContain('quotes');
  });

  it('price names the file, path and line of every problem in a usage file, in words', async () => {
    const usage = join(dir, 'bad-usage.json');
    writeFileSync(
      usage,
      [
        '{',
        '  "period": { "start": "2026-11-01",',
        '              "end": "2026-10-01" },',
        '  "metrics": [',
        '    { "ledgerMetric": "ticket.resolved",',
        '      "count": "12x",',
        '      "sumQuantity": "1" },',
        '    { "ledgerMetric": "order.recovered", "count": -2, "sumQuantity": "1", "sumValeu": "3" }',
        '  ]',
        '}',
      ].join('\n'),
    );
    const run = await cli(['price', '--plan', join(examples, 'support-automation.yaml'), '--usage', usage]);
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n').filter((line) => line.includes(usage));
    expect(lines.map((line) => line.trim().replace(`${usage}: `, ''))).toEqual([
      'period.end: the period must end after it starts: 2026-10-01 is not after 2026-11-01 (line 3)',
      'metrics[0].count: expected a whole non-negative count, e.g. "12", got "12x" (line 6)',
      'metrics[1].count: a count cannot be negative, got -2 (line 8)',
      'metrics[1].sumValeu: unknown field (check the spelling) (line 8)',
    ]);
    expect(run.stderr).not.toMatch(/Invalid|pattern|\/\^/);
  });

  it('refuses bad options with exit code 2', async () => {
    const run = await cli(['price', '--plan', 'x', '--usage', 'y', '--period', '2026-11']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--period must be START..END');
    const missing = await cli(['plans', 'validate', join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.yaml: cannot read the file');
  });

  it('simulate bounds: a month covers its first to its last day', () => {
    expect(periodBoundDate('2026-11', 'from', '--from')).toBe('2026-11-01');
    expect(periodBoundDate('2026-02', 'to', '--to')).toBe('2026-02-28');
    expect(periodBoundDate('2028-02', 'to', '--to')).toBe('2028-02-29');
    expect(periodBoundDate('2026', 'to', '--to')).toBe('2026-12-31');
    expect(() => periodBoundDate('2026-13', 'from', '--from')).toThrow('not a real date');
  });
});
