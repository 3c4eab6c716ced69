// End to end on one machine: the real EventBridge SDK client sends through the
// local PutEvents endpoint, the local bus routes with the CDK routing table,
// the local queue feeds the Lambda handler module, the ledger writes to the
// real DynamoDB Local, and the CLI reads the numbers back.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busEntry, localEngineHarness } from '../support/local-engine-harness';

/** The ledger's clock: fixed, so "as of" moments are exact. */
class TestClock {
  constructor(private ms: number) {}
  now = () => new Date(this.ms);
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
}

/** A raw Detail string goes as it is (the bus's own refusals); anything else as JSON. */
const entry = (detailType: string, detail: unknown) =>
  typeof detail === 'string' ? { ...busEntry(detailType, {}), Detail: detail } : busEntry(detailType, detail);

const resolved = (outcomeId: string, occurredAt: string, extra: Record<string, unknown> = {}) =>
  entry('Outcome Recorded', { outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt, ...extra });

describe('the ledger end to end through the local engine', () => {
  const clock = new TestClock(Date.parse('2026-11-20T12:00:00Z'));
  // The CLI on the wall clock: every read below names its --as-of or its window.
  const harness = localEngineHarness({ name: 'ledger', now: clock.now, cliNow: () => new Date() });
  const { cli, cliJson } = harness;
  const announced = () => harness.busEnvelopes.filter((event) => event['detail-type'] === 'Outcome Rejected');
  let engine: typeof harness.engine;

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
  });

  afterAll(() => harness.stop());

  const send = harness.putEvents;

  it('meters, dedupes, rejects and reverses, and the CLI reads back exact numbers', async () => {
    // Given three resolved tickets and a recovered order for acme, and an outcome for a customer the catalog lacks
    clock.set('2026-11-20T12:00:00Z');
    const first = await send([
      resolved('t-1', '2026-11-03T09:00:00Z'),
      resolved('t-2', '2026-11-04T09:00:00+01:00', { quantity: '1' }),
      resolved('t-3', '2026-11-05T09:00:00Z', { attributes: { agentId: 'bot-7' } }),
      entry('Outcome Recorded', {
        outcomeId: 'order-9',
        customerId: 'acme',
        metric: 'order.recovered',
        occurredAt: '2026-11-06T10:00:00Z',
        value: { amount: '129.90', currency: 'USD' },
      }),
      entry('Outcome Recorded', { outcomeId: 'x-1', customerId: 'initech', metric: 'ticket.resolved', occurredAt: '2026-11-07T10:00:00Z' }),
    ]);
    expect(first.FailedEntryCount).toBe(0);
    await engine.drain();

    // When the producer resends t-1 exactly, sends t-2 again with other content, and t-3 is reversed later
    clock.set('2026-11-20T13:00:00Z');
    const second = await send([
      resolved('t-1', '2026-11-03T09:00:00Z'),
      resolved('t-2', '2026-11-04T09:00:00+01:00', { quantity: '5' }),
      // Bad entries: refused by the bus itself, in their own slots
      entry('Outcome Recorded', '{"outcomeId": "t-9",'),
      entry('Outcome Recorded', '["not", "an", "object"]'),
      // Bad input the bus accepts and the ledger rejects with a reason
      resolved('t-neg', '2026-11-08T10:00:00Z', { quantity: '-2' }),
      entry('Outcome Recorded', { outcomeId: 't-metric', customerId: 'acme', metric: 'tickets.resolvd', occurredAt: '2026-11-08T10:00:00Z' }),
      resolved('t-future', '2026-11-20T14:00:00Z'),
    ]);
    expect(second.FailedEntryCount).toBe(2);
    expect(second.Entries?.[2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(second.Entries?.[3]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(second.Entries?.filter((e) => e.EventId)).toHaveLength(5);
    await engine.drain();

    clock.set('2026-11-20T14:00:00Z');
    await send([entry('Outcome Reversed', { outcomeId: 't-3', reason: 'customer reopened the ticket' })]);
    await engine.drain();
    clock.set('2026-11-21T09:00:00Z');

    // Then usage counts t-1 once, keeps the original t-2, and nets out t-3
    type Usage = { count: number; quantity: string; value: { amount: string; currency: string }[] };
    const now = await cliJson<Usage>(['usage', '--customer', 'acme', '--metric', 'ticket.resolved', '--period', '2026-11', '--as-of', '2026-11-21T09:00:00Z']);
    expect(now).toMatchObject({ count: 2, quantity: '2' });
    // ... and as of before the reversal it still gives the answer it gave then
    const beforeReversal = await cliJson<Usage>([
      'usage', '--customer', 'acme', '--metric', 'ticket.resolved', '--period', '2026-11', '--as-of', '2026-11-20T13:30:00Z',
    ]);
    expect(beforeReversal).toMatchObject({ count: 3, quantity: '3' });
    const beforeAnything = await cliJson<Usage>([
      'usage', '--customer', 'acme', '--metric', 'ticket.resolved', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z', '--as-of', '2026-11-20T11:59:59Z',
    ]);
    expect(beforeAnything).toMatchObject({ count: 0, quantity: '0' });

    // The recovered order is billable only once verified
    const orderArgs = ['usage', '--customer', 'acme', '--metric', 'order.recovered', '--period', '2026-11', '--as-of', '2026-11-21T09:00:00Z'];
    // (decimal strings come back normalised: 129.90 sums as 129.9)
    expect(await cliJson<Usage>([...orderArgs, '--basis', 'all'])).toMatchObject({ count: 1, value: [{ amount: '129.9', currency: 'USD' }] });
    expect(await cliJson<Usage>(orderArgs)).toMatchObject({ count: 0, value: [] });
    await send([entry('Outcome Verified', { outcomeId: 'order-9' })]);
    await engine.drain();
    expect(await cliJson<Usage>(orderArgs)).toMatchObject({ count: 1, value: [{ amount: '129.9', currency: 'USD' }] });
    expect(await cliJson<Usage>([...orderArgs.slice(0, -1), '2026-11-21T08:59:59Z'])).toMatchObject({ count: 0 });

    // Every rejection is stored once, with its code, and announced on the bus
    type Rejected = { code: string; outcomeId?: string; message: string }[];
    const rejected = await cliJson<Rejected>(['rejected', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z']);
    expect(rejected.map((r) => `${r.code}:${r.outcomeId}`).sort()).toEqual([
      'INVALID_QUANTITY:t-neg',
      'OCCURRED_IN_FUTURE:t-future',
      'OUTCOME_CONFLICT:t-2',
      'UNKNOWN_METRIC:t-metric',
    ]);
    expect(rejected.find((r) => r.code === 'OUTCOME_CONFLICT')?.message).toContain('the original is kept');
    expect(announced().map((e) => (e.detail as { code: string }).code).sort()).toEqual([
      'INVALID_QUANTITY',
      'OCCURRED_IN_FUTURE',
      'OUTCOME_CONFLICT',
      'UNKNOWN_METRIC',
    ]);
    const conflicts = await cliJson<Rejected>(['rejected', '--code', 'OUTCOME_CONFLICT', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z']);
    expect(conflicts.map((r) => r.outcomeId)).toEqual(['t-2']);

    // One outcome looked up by key
    type View = { status: string; quantity: string; reversal?: { reason: string; recordedAt: string }; recordedAt: string };
    const reversed = await cliJson<View>(['outcome', 't-3', '--as-of', '2026-11-21T09:00:00Z']);
    expect(reversed).toMatchObject({
      status: 'reversed',
      recordedAt: '2026-11-20T12:00:00.000Z',
      reversal: { reason: 'customer reopened the ticket', recordedAt: '2026-11-20T14:00:00.000Z' },
    });
    expect(await cliJson<View>(['outcome', 't-2', '--as-of', '2026-11-21T09:00:00Z'])).toMatchObject({ status: 'counted', quantity: '1' });
    const missing = await cli(['outcome', 't-neg', '--as-of', '2026-11-21T09:00:00Z']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No outcome "t-neg" in the ledger as of 2026-11-21T09:00:00.000Z');

    // The unknown customer's outcome is kept and listed, not dropped
    const unattributed = await cliJson<{ outcomeId: string; customerId: string }[]>(['unattributed']);
    expect(unattributed.map((u) => `${u.customerId}/${u.outcomeId}`)).toEqual(['initech/x-1']);

    // Human output is an aligned table
    const table = await cli(['rejected', '--code', 'INVALID_QUANTITY', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^RECEIVED AT\s+CODE\s+DETAIL TYPE\s+OUTCOME\s+CUSTOMER\s+REASON$/);
    expect(table.stdout).toContain('t-neg');

    expect(await engine.deadLetters()).toEqual([]);
  });

  it('counts an outcome sent by several producers at once exactly once', async () => {
    clock.set('2026-11-21T10:00:00Z');
    const producers = Array.from(
      { length: 5 },
      (_, i) => new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: { accessKeyId: `p${i}`, secretAccessKey: 'x' } }),
    );
    try {
      const same = resolved('t-concurrent', '2026-11-21T09:30:00Z');
      const results = await Promise.all(
        producers.map((client) => client.send(new PutEventsCommand({ Entries: [same, same] }))),
      );
      expect(results.every((r) => r.FailedEntryCount === 0)).toBe(true);
      await engine.drain();
    } finally {
      for (const client of producers) client.destroy();
    }
    const usage = await cliJson<{ count: number }>([
      'usage', '--customer', 'acme', '--metric', 'ticket.resolved', '--period', '2026-11-21', '--as-of', '2026-11-21T10:00:00Z',
    ]);
    expect(usage.count).toBe(1);
    const rejected = await cliJson<{ outcomeId?: string }[]>(['rejected', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z']);
    expect(rejected.filter((r) => r.outcomeId === 't-concurrent')).toEqual([]);
  });

  it('loads a catalog file with the CLI, and the engine uses it for the next outcomes', async () => {
    const file = harness.writeDataFile(
      'extra-catalog.yaml',
      ['metrics:', '  - code: meeting.booked', '    name: Booked meeting', '    unit: meeting', '    aggregation: count', 'customers:', '  - customerId: umbrella', '    name: Umbrella Corp', ''].join('\n'),
    );
    const loaded = await cli(['catalog', 'load', file]);
    expect(loaded).toEqual({ code: 0, stdout: `Loaded 1 metric(s) and 1 customer(s) from ${file}\n`, stderr: '' });

    clock.set('2026-11-22T10:00:00Z');
    await send([entry('Outcome Recorded', { outcomeId: 'm-1', customerId: 'umbrella', metric: 'meeting.booked', occurredAt: '2026-11-22T09:00:00Z' })]);
    await engine.drain();
    expect(await cliJson<{ status: string; attributed: boolean }>(['outcome', 'm-1', '--as-of', '2026-11-22T10:00:00Z'])).toMatchObject({
      status: 'counted',
      attributed: true,
    });

    const broken = harness.writeDataFile('broken-catalog.yaml', 'metrics:\n  - code: x\n');
    const refused = await cli(['catalog', 'load', broken]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('broken-catalog.yaml is not a valid catalog');
    expect(refused.stderr).toContain('metrics[0].name');
  });
});
