// Usage rollups on DynamoDB Local with its real stream: outcomes go through
// the real ingest path, the local stream reader hands the ledger's stream
// records to the apply-ledger-changes handler, and usage read through the
// rollups must equal the raw scan for every aggregation, basis and cutoff.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRollupProgress } from '../../../../../lambdas/adapters/dynamodb/rollup-store';
import { checkRollups, rebuildRollups } from '../../../../../lambdas/application/usage/rebuild-rollups';
import type { RollupCellQuery } from '../../../../../lambdas/application/usage/ports';
import { RollupUsageReader } from '../../../../../lambdas/application/usage/read-usage-through-rollups';
import type { UsageEntriesQuery } from '../../../../../lambdas/application/ports';
import { createUsageRollupService, type UsageRollupService } from '../../../../../lambdas/composition/usage-rollup-service';
import { ledgerRiskUsageReader } from '../../../../../lambdas/composition/risk-service';
import { riskUsageThroughRollups } from '../../../../../lambdas/application/risk/read-risk-usage-through-rollups';
import { createApplyLedgerChangesHandler } from '../../../../../lambdas/handlers/apply-ledger-changes';
import type { UsageRequirement } from '../../../../../lambdas/domain/rating/usage-requirements';
import { LedgerStreamReader } from '../../../../../lib/local/ledger-stream-reader';
import { CATALOG, corrected, createLedgerKit, recorded, reversed, verified, type LedgerKit } from '../../../../support/ledger-test-kit';

const MINUTE = 60_000;
const FROM = '2026-11-01T00:00:00Z';
const TO = '2026-12-01T00:00:00Z';
const METRICS = ['ticket.resolved', 'order.recovered', 'lead.qualified', 'energy.saved'] as const;

/** One requirement per basis (as plans ask), in three mixes: all answered by cells, none, and some. */
function requirementSets(metric: string): UsageRequirement[][] {
  const base = { ledgerMetric: metric, needsValue: true, needsMax: false, needsLatest: false, uniqueAttributes: [] as string[], needsOutcomeValues: false };
  const raw = { needsMax: true, needsLatest: true, uniqueAttributes: ['agent'] };
  return [
    [{ ...base, eligibility: 'all' }, { ...base, eligibility: 'verified' }, { ...base, eligibility: 'billable' }],
    [{ ...base, ...raw, eligibility: 'all' }, { ...base, ...raw, eligibility: 'verified' }, { ...base, ...raw, eligibility: 'billable' }],
    [{ ...base, ...raw, eligibility: 'all' }, { ...base, eligibility: 'verified', needsValue: false }, { ...base, eligibility: 'billable', needsOutcomeValues: true }],
  ];
}

type Step =
  | { kind: 'record'; metric: (typeof METRICS)[number]; quantity: string; amount: string; agent: string; occurredMinutesAgo: number }
  | { kind: 'reverse' | 'verify'; target: number }
  | { kind: 'correct'; target: number; quantity: string; amount: string }
  | { kind: 'dispute'; target: number }
  | { kind: 'decide'; target: number; upheld: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('record' as const), metric: fc.constantFrom(...METRICS), quantity: fc.constantFrom('1', '2', '0.5', '12.125'), amount: fc.constantFrom('10', '0.01', '99.99'), agent: fc.constantFrom('a', 'b', 'c'), occurredMinutesAgo: fc.integer({ min: 0, max: 30 * 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('reverse' as const, 'verify' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('correct' as const), target: fc.nat(), quantity: fc.constantFrom('3', '0.25'), amount: fc.constantFrom('5', '1.5') }) },
  // Disputes: held ones (ticket.resolved, energy.saved) leave every billable part until decided.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dispute' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('decide' as const), target: fc.nat(), upheld: fc.boolean() }) },
);

describe('usage rollups on DynamoDB Local and its stream', () => {
  let kit: LedgerKit;
  let rollups: UsageRollupService;
  let reader: LedgerStreamReader;
  let dataDir: string;
  const cutoffs: string[] = [];

  const newReader = () =>
    new LedgerStreamReader({
      dynamoDb: kit.tables.client,
      ledgerTableName: kit.tables.ledgerTableName,
      apply: (event) => createApplyLedgerChangesHandler(async () => ({ rollups: rollups.store, ledger: rollups.ledger }))(event),
      progress: new DynamoDbRollupProgress({ client: kit.tables.client, tableName: kit.tables.engineTableName }),
      now: kit.clock.now,
      checkpointPath: join(dataDir, 'ledger-stream.json'),
    });

  beforeAll(async () => {
    kit = await createLedgerKit({
      start: '2026-11-03T00:00:00Z',
      catalog: {
        ...CATALOG,
        metrics: (CATALOG.metrics ?? []).map((metric) =>
          metric.code === 'ticket.resolved' || metric.code === 'energy.saved' ? { ...metric, dispute: { windowDays: 60, whileOpen: 'hold' as const } } : metric,
        ),
      },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'rollups-'));
    rollups = createUsageRollupService({
      dynamoDb: kit.tables.client,
      engineTableName: kit.tables.engineTableName,
      ledgerTableName: kit.tables.ledgerTableName,
      ledger: kit.service.repository,
      progress: { kind: 'stored' },
    });
    reader = newReader();
    const steps = fc.sample(fc.array(stepArb, { minLength: 120, maxLength: 120 }), { numRuns: 1, seed: 20261107 })[0] ?? [];
    const recordedIds: string[] = [];
    for (const [index, step] of steps.entries()) {
      const now = kit.clock.now().getTime();
      if (step.kind === 'record') {
        const outcomeId = `o-${index}`;
        recordedIds.push(outcomeId);
        await kit.service.ingestMessage(
          recorded({
            outcomeId,
            customerId: 'acme',
            metric: step.metric,
            quantity: step.quantity,
            ...(step.metric === 'order.recovered' ? { value: { amount: step.amount, currency: 'USD' } } : {}),
            occurredAt: new Date(now - step.occurredMinutesAgo * MINUTE).toISOString(),
            attributes: { agent: step.agent },
          }),
        );
      } else if (recordedIds.length > 0) {
        const outcomeId = recordedIds[step.target % recordedIds.length] as string;
        if (step.kind === 'reverse') await kit.service.ingestMessage(reversed({ outcomeId, reason: 'refunded' }));
        else if (step.kind === 'verify') await kit.service.ingestMessage(verified({ outcomeId }));
        else if (step.kind === 'correct') await kit.service.ingestMessage(corrected({ outcomeId, correctionId: `fix-${index}`, quantity: step.quantity, reason: 'recount' }));
        else if (step.kind === 'dispute') await kit.service.openDispute({ disputeId: `d-${outcomeId}`, outcomeIds: [outcomeId], reason: 'not resolved', raisedBy: 'acme' });
        else if (step.kind === 'decide' && (await kit.service.getOutcome(outcomeId))?.disputes?.some((dispute) => dispute.disputeId === `d-${outcomeId}`)) {
          await kit.service.resolveDispute({ disputeId: `d-${outcomeId}`, upheld: step.upheld, note: 'checked', resolvedBy: 'csm', outcomeIds: [outcomeId] });
        }
      }
      kit.clock.advance(((index * 7919) % 23) * MINUTE);
      if (index % 10 === 0) cutoffs.push(kit.clock.now().toISOString());
      // The stream is read now and then, as it is in the engine: cells and tail both matter.
      if (index % 40 === 39) await reader.drain();
    }
    kit.clock.advance(2 * 60 * MINUTE);
    await reader.drain();
    cutoffs.push(kit.clock.now().toISOString(), '2026-11-04T13:07:00Z');
  }, 240_000);

  afterAll(async () => {
    await reader?.stop();
    await kit?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every aggregation on every basis at every cutoff exactly as the raw scan', async () => {
    const sealed = await rollups.progress.sealedBeforeMs();
    expect(sealed).toBeGreaterThan(Date.parse('2026-11-03T00:00:00Z'));
    const cells = await rollups.store.readCells({ customerId: 'acme', metric: 'ticket.resolved', fromMs: Date.parse(FROM), toMs: Date.parse(TO) });
    expect(cells.length).toBeGreaterThan(0);
    // The cells, not the fallback, answer: a metric billable at once is always exact through them.
    const last = Date.parse(cutoffs[0] ?? FROM);
    const answer = await rollups.reader.answer({ customerId: 'acme', metric: 'ticket.resolved', fromMs: Date.parse(FROM), toMs: Date.parse(TO), asOfMs: last, sealedBeforeMs: Math.min(sealed ?? 0, Math.floor(last / 900_000) * 900_000) });
    expect(answer.exact).toBe(true);
    for (const asOf of cutoffs) {
      for (const metric of METRICS) {
        for (const requirements of requirementSets(metric)) {
          const request = { customerId: 'acme', requirements, from: FROM, to: TO, asOf };
          const [throughRollups, raw] = await Promise.all([rollups.reader.readUsage(request), rollups.raw.readUsage(request)]);
          expect(throughRollups, `${metric} as of ${asOf}`).toEqual(raw);
        }
      }
    }
  }, 240_000);

  it('gives renewal risk the raw scan\'s answer through the cells: quantities and values, every basis, measure and cutoff', async () => {
    const raw = ledgerRiskUsageReader(kit.service);
    const throughRollups = riskUsageThroughRollups(rollups.reader, raw);
    // A month, a whole day and a quarter-hour-aligned window (what a risk check asks: periods of the term).
    const windows = [
      [FROM, TO],
      ['2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z'],
      ['2026-11-03T05:15:00Z', '2026-11-04T17:45:00Z'],
    ] as const;
    let answeredByCells = 0;
    // Early, middle and late cutoffs (every cutoff is checked against the scan above): the tail and the cells both matter.
    const sampled = [...new Set([cutoffs[0], cutoffs[Math.floor(cutoffs.length / 2)], ...cutoffs.slice(-2)])].filter((cutoff): cutoff is string => cutoff !== undefined);
    for (const asOf of sampled) {
      for (const [from, to] of windows) {
        for (const metric of METRICS) {
          for (const basis of ['all', 'verified', 'billable'] as const) {
            for (const measure of ['count', 'sum_quantity'] as const) {
              const query = { customerId: 'acme', metric, measure, basis, from: new Date(from), to: new Date(to), asOf: new Date(asOf) };
              expect(await throughRollups.summarize(query), `${metric} ${basis} ${measure} ${from}..${to} as of ${asOf}`).toEqual(await raw.summarize(query));
            }
          }
          if (await rollups.reader.totals({ customerId: 'acme', metric, from: new Date(from), to: new Date(to), asOf: new Date(asOf) })) answeredByCells += 1;
        }
      }
    }
    // The cells did answer (not only the fallback), and the values summed through them are there.
    expect(answeredByCells).toBeGreaterThan(0);
    const valued = await throughRollups.summarize({ customerId: 'acme', metric: 'order.recovered', measure: 'count', basis: 'all', from: new Date(FROM), to: new Date(TO), asOf: kit.clock.now() });
    expect(valued.values.map((value) => value.currency)).toEqual(['USD']);
  }, 240_000);

  it('reads whole days by recordedAt day, the seal\'s day by quarter hour, an outcome recorded after the seal through the tail, and no tail when sealed past the cutoff', async () => {
    const cellQueries: RollupCellQuery[] = [];
    const tailQueries: UsageEntriesQuery[] = [];
    const spying = (recordedDayCellsFromMs: () => Promise<number | undefined>) =>
      new RollupUsageReader({
        rollups: { readCells: (query) => (cellQueries.push(query), rollups.store.readCells(query)), recordedDayCellsFromMs },
        // The seal and the tail, as in AWS: the drained-stream read is test/integration/lambdas/adapters/dynamodb/ledger-stream-probe.test.ts's.
        progress: { sealedBeforeMs: () => rollups.progress.sealedBeforeMs() },
        ledger: {
          getOutcomeEntries: (outcomeId) => rollups.ledger.getOutcomeEntries(outcomeId),
          streamUsageEntries: (query) => {
            if (query.recordedFromMs !== undefined) tailQueries.push(query);
            return rollups.ledger.streamUsageEntries(query);
          },
        },
        raw: rollups.raw,
      });
    const requirements = requirementSets('order.recovered')[0] ?? [];
    const usageAsOf = async (reader: RollupUsageReader, asOf: string) => {
      const request = { customerId: 'acme', requirements, from: FROM, to: TO, asOf };
      const [throughRollups, raw] = await Promise.all([reader.readUsage(request), rollups.raw.readUsage(request)]);
      expect(throughRollups, `as of ${asOf}`).toEqual(raw);
      return throughRollups.metrics.find((usage) => usage.eligibility === 'all')?.count;
    };
    const throughCells = spying(() => rollups.store.recordedDayCellsFromMs());

    const before = await usageAsOf(throughCells, kit.clock.now().toISOString());
    expect(cellQueries.filter((query) => query.byRecordedDay)).toHaveLength(1);
    // The day cells are never read whole: only the seal's day, by its recorded-first copies.
    expect(cellQueries.filter((query) => query.daily && !query.byRecordedDay && query.recorded === undefined)).toEqual([]);

    // Recorded after the seal (the stream not read since): counted through the tail.
    kit.clock.advance(20 * MINUTE);
    await kit.service.ingestMessage(
      recorded({ outcomeId: 'after-seal', customerId: 'acme', metric: 'order.recovered', value: { amount: '7', currency: 'USD' }, occurredAt: new Date(kit.clock.now().getTime() - 26 * 60 * MINUTE).toISOString() }),
    );
    const sealed = (await rollups.progress.sealedBeforeMs()) ?? 0;
    expect(sealed).toBeLessThan(kit.clock.now().getTime());
    tailQueries.length = 0;
    expect(await usageAsOf(throughCells, kit.clock.now().toISOString())).toBe((before ?? 0) + 1);
    expect(tailQueries.length).toBeGreaterThan(0);

    // A cutoff a millisecond before the seal: the cells hold all of it, and the tail is not even queried.
    tailQueries.length = 0;
    await usageAsOf(throughCells, new Date(sealed - 1).toISOString());
    expect(tailQueries).toEqual([]);

    // Cells written before the recorded-day ones existed: the day cells are read whole instead.
    cellQueries.length = 0;
    await usageAsOf(spying(async () => Date.parse('2026-11-20T00:00:00Z')), kit.clock.now().toISOString());
    expect(cellQueries.filter((query) => query.byRecordedDay || query.recorded !== undefined)).toEqual([]);
    expect(cellQueries.filter((query) => query.daily)).toHaveLength(1);
    // The next tests start from a stream read to its end.
    await reader.drain();
  }, 120_000);

  it('finds no difference between the cells and the ledger, and reports and repairs one', async () => {
    const window = { customerId: 'acme', metric: 'order.recovered', fromMs: Date.parse(FROM), toMs: Date.parse(TO) };
    const clean = await checkRollups({ rollups: rollups.store, progress: rollups.progress, ledger: rollups.ledger }, window);
    expect(clean.differences).toEqual([]);
    expect(clean.cellsCompared).toBeGreaterThan(0);
    const [cell] = await rollups.store.readCells(window);
    if (cell === undefined) throw new Error('expected a cell');
    await rollups.store.applyBatch({ batchId: 'damage', changes: [{ key: cell.key, fields: new Map([['a.n', 5n]]) }], appliedEntries: new Map() });
    const damaged = await checkRollups({ rollups: rollups.store, progress: rollups.progress, ledger: rollups.ledger }, window);
    expect(damaged.differences).toEqual([{ key: cell.key, field: 'a.n', stored: String((cell.fields.get('a.n') ?? 0n) + 5n), expected: String(cell.fields.get('a.n') ?? 0n) }]);
    await rebuildRollups({ rollups: rollups.store, progress: rollups.progress, ledger: rollups.ledger }, window);
    expect((await checkRollups({ rollups: rollups.store, progress: rollups.progress, ledger: rollups.ledger }, window)).differences).toEqual([]);
  }, 120_000);

  it('neither loses nor double-counts across a restart, even one in the middle of a batch', async () => {
    const window = { customerId: 'acme', metric: 'ticket.resolved', fromMs: Date.parse(FROM), toMs: Date.parse(TO) };
    const before = await rollups.store.readCells(window);
    await reader.stop();
    // The checkpoint says the last batch was being applied when the engine stopped.
    const path = join(dataDir, 'ledger-stream.json');
    const checkpoint = JSON.parse(await readFile(path, 'utf8')) as { shards: Record<string, { last?: string; inFlight?: unknown }> };
    expect(Object.keys(checkpoint.shards).length).toBeGreaterThan(0);
    await kit.service.ingestMessage(recorded({ outcomeId: 'after-restart', customerId: 'acme', metric: 'ticket.resolved', occurredAt: kit.clock.now().toISOString() }));
    reader = newReader();
    expect(await reader.drain()).toBeGreaterThan(0);
    const after = await rollups.store.readCells(window);
    const total = (cells: typeof before) => cells.reduce((sum, cell) => sum + (cell.fields.get('a.n') ?? 0n), 0n);
    expect(total(after)).toBe(total(before) + 1n);
    // A crash after applying a batch but before recording it: the batch is read again and changes nothing.
    const saved = JSON.parse(await readFile(path, 'utf8')) as { shards: Record<string, { last?: string; inFlight?: unknown }> };
    const [shardId, position] = Object.entries(saved.shards).find(([, shard]) => shard.last !== undefined) ?? [];
    if (shardId === undefined || position?.last === undefined) throw new Error('expected a shard position');
    await reader.stop();
    await writeFile(path, JSON.stringify({ ...saved, shards: { ...saved.shards, [shardId]: { inFlight: { first: position.last, last: position.last } } } }));
    reader = newReader();
    await reader.drain();
    expect(total(await rollups.store.readCells(window))).toBe(total(before) + 1n);
  }, 120_000);

  it('keeps reading a shard it found empty once records arrive, and tells the listener whose usage changed', async () => {
    await reader.stop();
    const told: string[][] = [];
    const listening = new LedgerStreamReader({
      dynamoDb: kit.tables.client,
      ledgerTableName: kit.tables.ledgerTableName,
      apply: (event) =>
        createApplyLedgerChangesHandler(async () => ({
          rollups: rollups.store,
          ledger: rollups.ledger,
          usageChanges: { usageChanged: async (customerIds) => void told.push([...customerIds]) },
        }))(event),
      progress: new DynamoDbRollupProgress({ client: kit.tables.client, tableName: kit.tables.engineTableName }),
      now: kit.clock.now,
      checkpointPath: join(dataDir, 'ledger-stream.json'),
    });
    try {
      // Read to the end: the shard's next iterator now comes from an empty read, which DynamoDB Local
      // refuses (TrimmedDataAccessException) once new records arrive; the reader takes a fresh one.
      await listening.drain();
      expect(await listening.drain()).toBe(0);
      await kit.service.ingestMessage(recorded({ outcomeId: 'after-empty-read', customerId: 'acme', metric: 'ticket.resolved', occurredAt: kit.clock.now().toISOString() }));
      await kit.service.ingestMessage(recorded({ outcomeId: 'after-empty-read-globex', customerId: 'globex', metric: 'ticket.resolved', occurredAt: kit.clock.now().toISOString() }));
      expect(await listening.drain()).toBe(2);
      expect(told.flat().sort()).toEqual(['acme', 'globex']);
    } finally {
      await listening.stop();
    }
  }, 120_000);

  it('answers a cutoff on a bucket boundary the stream has passed from the cells, reading the raw tail only for an entry recorded at that very millisecond', async () => {
    const QUARTER = 15 * MINUTE;
    const boundary = (Math.floor(kit.clock.now().getTime() / QUARTER) + 2) * QUARTER;
    kit.clock.set(new Date(boundary));
    // One outcome recorded at the boundary's first millisecond, one a quarter hour later plus a minute.
    await kit.service.ingestMessage(recorded({ outcomeId: 'at-boundary', customerId: 'initech', metric: 'ticket.resolved', occurredAt: new Date(boundary - 5 * MINUTE).toISOString() }));
    kit.clock.advance(QUARTER + MINUTE);
    await kit.service.ingestMessage(recorded({ outcomeId: 'after-boundary', customerId: 'initech', metric: 'ticket.resolved', occurredAt: new Date(boundary).toISOString() }));
    kit.clock.advance(90 * MINUTE);
    const streamReader = newReader();
    try {
      await streamReader.drain();
    } finally {
      await streamReader.stop();
    }
    expect((await rollups.progress.sealedBeforeMs()) ?? 0).toBeGreaterThan(boundary + QUARTER);
    let tailReads = 0;
    const sealAndTail = new RollupUsageReader({
      rollups: rollups.store,
      progress: { sealedBeforeMs: () => rollups.progress.sealedBeforeMs() },
      ledger: {
        getOutcomeEntries: (outcomeId) => rollups.ledger.getOutcomeEntries(outcomeId),
        streamUsageEntries: (query: UsageEntriesQuery) => {
          if (query.recordedFromMs !== undefined) tailReads += 1;
          return rollups.ledger.streamUsageEntries(query);
        },
      },
      raw: rollups.raw,
    });
    const requirements = [{ ledgerMetric: 'ticket.resolved', eligibility: 'all' as const, needsValue: false, needsMax: false, needsLatest: false, uniqueAttributes: [], needsOutcomeValues: false }];
    const countAsOf = async (asOfMs: number) => {
      const request = { customerId: 'initech', requirements, from: FROM, to: TO, asOf: new Date(asOfMs).toISOString() };
      const [through, raw] = await Promise.all([sealAndTail.readUsage(request), rollups.raw.readUsage(request)]);
      expect(through, `as of ${request.asOf}`).toEqual(raw);
      return through.metrics[0]?.count;
    };
    tailReads = 0;
    expect(await countAsOf(boundary)).toBe(1);
    expect(tailReads).toBeGreaterThan(0);
    tailReads = 0;
    expect(await countAsOf(boundary + QUARTER)).toBe(1);
    expect(tailReads).toBe(0);
    tailReads = 0;
    expect(await countAsOf(boundary + 2 * QUARTER)).toBe(2);
    expect(tailReads).toBe(0);
  }, 120_000);
});
