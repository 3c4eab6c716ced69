// The local engine's "nothing written since the drained pass" check on
// DynamoDB Local's real stream: the stream reader records where it left each
// shard when it found nothing to apply, the probe finds any ledger write made
// after that (an outcome or an adjustment), and usage asked as of then reads
// no raw tail while it holds, the same figures as the raw scan either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRollupProgress } from '../../../../../lambdas/adapters/dynamodb/rollup-store';
import { LedgerStreamProbe } from '../../../../../lambdas/adapters/dynamodb/ledger-stream-probe';
import type { UsageEntriesQuery } from '../../../../../lambdas/application/ports';
import { RollupUsageReader } from '../../../../../lambdas/application/usage/read-usage-through-rollups';
import { createUsageRollupService, type UsageRollupService } from '../../../../../lambdas/composition/usage-rollup-service';
import { createApplyLedgerChangesHandler } from '../../../../../lambdas/handlers/apply-ledger-changes';
import type { UsageRequirement } from '../../../../../lambdas/domain/rating/usage-requirements';
import { LedgerStreamReader } from '../../../../../lib/local/ledger-stream-reader';
import { createLedgerKit, recorded, reversed, type LedgerKit } from '../../../../support/ledger-test-kit';

const requirement = (eligibility: UsageRequirement['eligibility']): UsageRequirement => ({
  ledgerMetric: 'ticket.resolved',
  eligibility,
  needsValue: false,
  needsMax: false,
  needsLatest: false,
  uniqueAttributes: [],
  needsOutcomeValues: false,
});

describe('ledger stream probe and the drained-stream usage read', () => {
  let kit: LedgerKit;
  let rollups: UsageRollupService;
  let reader: LedgerStreamReader;
  let probe: LedgerStreamProbe;
  let progress: DynamoDbRollupProgress;

  beforeAll(async () => {
    kit = await createLedgerKit({ start: '2026-11-10T12:00:00Z' });
    rollups = createUsageRollupService({
      dynamoDb: kit.tables.client,
      engineTableName: kit.tables.engineTableName,
      ledgerTableName: kit.tables.ledgerTableName,
      ledger: kit.service.repository,
      progress: { kind: 'stored' },
    });
    reader = new LedgerStreamReader({
      dynamoDb: kit.tables.client,
      ledgerTableName: kit.tables.ledgerTableName,
      apply: (event) => createApplyLedgerChangesHandler(async () => ({ rollups: rollups.store, ledger: rollups.ledger }))(event),
      progress: new DynamoDbRollupProgress({ client: kit.tables.client, tableName: kit.tables.engineTableName }),
      now: kit.clock.now,
    });
    probe = LedgerStreamProbe.onEndpointOf(kit.tables.client.config);
    progress = new DynamoDbRollupProgress({ client: kit.tables.client, tableName: kit.tables.engineTableName, probe });
  }, 60_000);

  afterAll(async () => {
    await reader?.stop();
    probe?.destroy();
    await kit?.destroy();
  });

  const record = (outcomeId: string, minutesAgo: number) =>
    kit.service.ingestMessage(
      recorded({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', quantity: '2', occurredAt: new Date(kit.clock.now().getTime() - minutesAgo * 60_000).toISOString() }),
    );

  /** Usage as of now through the rollups, with how many raw-tail reads it made, and the raw scan's. */
  async function usageNow() {
    let tailReads = 0;
    const counted = new RollupUsageReader({
      rollups: rollups.store,
      progress,
      ledger: {
        streamUsageEntries: (query: UsageEntriesQuery) => {
          if (query.recordedFromMs !== undefined) tailReads += 1;
          return rollups.ledger.streamUsageEntries(query);
        },
        getOutcomeEntries: (outcomeId) => rollups.ledger.getOutcomeEntries(outcomeId),
      },
      raw: rollups.raw,
    });
    const request = {
      customerId: 'acme',
      requirements: [requirement('all'), requirement('billable')],
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      asOf: kit.clock.now().toISOString(),
    };
    const [through, scanned] = await Promise.all([counted.readUsage(request), rollups.raw.readUsage(request)]);
    return { through, scanned, tailReads, count: scanned.metrics[0]?.count };
  }

  it('offers no drained pass before the reader has made one', async () => {
    expect(await progress.lastDrain()).toBeUndefined();
    // Without a probe, never: the stream cannot be asked.
    expect(await new DynamoDbRollupProgress({ client: kit.tables.client, tableName: kit.tables.engineTableName }).lastDrain()).toBeUndefined();
  });

  it('vouches for the cells until the next ledger write, and the usage read then needs no raw tail', async () => {
    for (let index = 0; index < 5; index += 1) await record(`o-${index}`, 30 + index);
    kit.clock.advance(60_000);
    await reader.drain();
    const drain = await progress.lastDrain();
    expect(drain?.drainedAtMs).toBe(kit.clock.now().getTime());
    expect(await drain?.checkNothingWrittenSince()()).toBe(true);
    const quiet = await usageNow();
    expect(quiet.through).toEqual(quiet.scanned);
    expect(quiet.count).toBe(5);
    expect(quiet.tailReads).toBe(0);

    // A new outcome, not yet applied: the same pass no longer vouches, and the read takes the tail (and counts it).
    await record('o-late', 1);
    expect(await drain?.checkNothingWrittenSince()()).toBe(false);
    const busy = await usageNow();
    expect(busy.through).toEqual(busy.scanned);
    expect(busy.count).toBe(6);
    expect(busy.tailReads).toBeGreaterThan(0);

    await reader.drain();
    expect(await (await progress.lastDrain())?.checkNothingWrittenSince()()).toBe(true);
    expect((await usageNow()).tailReads).toBe(0);
  });

  it('sees an adjustment written since the pass, as it sees an outcome', async () => {
    await reader.drain();
    const drain = await progress.lastDrain();
    expect(await drain?.checkNothingWrittenSince()()).toBe(true);
    await kit.service.ingestMessage(reversed({ outcomeId: 'o-0', reason: 'refunded' }));
    expect(await drain?.checkNothingWrittenSince()()).toBe(false);
    const after = await usageNow();
    expect(after.through).toEqual(after.scanned);
    expect(after.count).toBe(5);
  });

  it('does not vouch for a cutoff before the pass: cells may hold entries recorded after it', async () => {
    await reader.drain();
    const drain = await progress.lastDrain();
    expect(await drain?.checkNothingWrittenSince()()).toBe(true);
    const asOf = new Date((drain?.drainedAtMs ?? 0) - 90_000).toISOString();
    const request = { customerId: 'acme', requirements: [requirement('all')], from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', asOf };
    expect(await rollups.reader.readUsage(request)).toEqual(await rollups.raw.readUsage(request));
  });
});
