// Usage Dropped end to end on the local engine: a contract with a usage-drop
// rule, outcomes through PutEvents on three busy days and a quiet one, then
// `clock advance 1d` passes the daily evaluation (06:00 UTC, as the stack's
// schedule in AWS): 'Usage Dropped' is in the event journal once, and a
// second day's advance does not repeat it for the same day.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournaledEvent } from '../../lib/local/event-journal';
import { SEED_PLANS_DIR } from '../../lib/local/seed-plans';
import { busEntry, localEngineHarness, manualClock } from '../support/local-engine-harness';

describe('Usage Dropped on the local engine\'s clock', () => {
  const clock = manualClock('2026-11-19T16:00:00Z');
  const harness = localEngineHarness({ name: 'usage-drop', now: clock.now, engine: { renewalRisk: { tickIntervalMs: 0 } } });

  beforeAll(async () => {
    await harness.start();
    const contract = harness.writeDataFile(
      'acme-usage-drop.yaml',
      `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\nalerts:\n  usageDrop:\n    metric: resolutions\n    belowPercentOfBaseline: "50"\n    baselineDays: 3\n`,
    );
    const loaded = await harness.cli(['contracts', 'load', contract]);
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    // New York days: 10 resolutions on each of Nov 16, 17 and 18, then 4 on Nov 19.
    let sequence = 0;
    const entries = [];
    for (const [day, count] of [['2026-11-16', 10], ['2026-11-17', 10], ['2026-11-18', 10], ['2026-11-19', 4]] as const) {
      for (let index = 0; index < count; index += 1) {
        sequence += 1;
        entries.push(busEntry('Outcome Recorded', { outcomeId: `drop-e2e-${sequence}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: `${day}T15:00:00Z` }));
      }
    }
    await harness.send(entries);
  }, 180_000);

  afterAll(() => harness.stop());

  const usageDropped = async () => harness.cliJson<JournaledEvent[]>(['events', '--detail-type', 'Usage Dropped']);

  it('publishes Usage Dropped once the quiet day is complete and the daily evaluation runs, and only once for that day', async () => {
    expect(await usageDropped()).toEqual([]);
    // To Nov 20, 16:00Z: the evaluation at 06:00Z measures Nov 19 (New York), the quiet day.
    const advanced = await harness.cli(['clock', 'advance', '1d']);
    expect(advanced.code, advanced.stderr).toBe(0);
    const first = await usageDropped();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ source: 'outcome-engine', detailType: 'Usage Dropped' });
    expect(first[0]?.detail).toMatchObject({
      contractId: 'ctr-acme-2026',
      customerId: 'acme',
      thresholdId: 'usage-drop:resolutions:2026-11-19',
      day: '2026-11-19',
      dayQuantity: '4',
      baselineDailyAverage: '10',
    });
    // The next day measures Nov 20 (nothing at all, a baseline of 10, 10 and 4): another drop, a new day; Nov 19 is not repeated.
    expect((await harness.cli(['clock', 'advance', '1d'])).code).toBe(0);
    const days = (await usageDropped()).map((event) => (event.detail as { day: string }).day);
    expect(days.filter((day) => day === '2026-11-19')).toHaveLength(1);
  }, 180_000);
});
