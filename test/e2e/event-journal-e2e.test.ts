// The local engine's event journal end to end: producers' events and the
// events the engine's handlers publish are each journaled once, the CLI's
// filters work on the journal file, and the journal survives a restart.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { JournaledEvent } from '../../lib/local/event-journal';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lib/local/local-engine';

async function eventsCli(dataDir: string, args: string[]): Promise<JournaledEvent[]> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data-dir', dataDir, 'events', ...args, '--json'], {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    env: {},
    now: () => new Date(),
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as JournaledEvent[];
}

describe('the event journal of the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-events-'));
  const suffix = randomUUID().slice(0, 8);
  const options: LocalEngineOptions = {
    port: 0,
    dataDir,
    ledgerTableName: `events-ledger-${suffix}`,
    engineTableName: `events-engine-${suffix}`,
    queue: { retryDelayMs: () => 5 },
    billing: false,
    renewalRisk: false,
    usageRollups: false,
  };
  let engine: LocalEngine;
  let producer: EventBridgeClient;
  const unknownMetricOutcome = `journal-unknown-metric-${suffix}`;
  const goodOutcome = `journal-good-${suffix}`;

  const start = async () => {
    engine = await startLocalEngine({ ...options, dynamoDbEndpoint: inject('dynamoDbEndpoint') });
    producer?.destroy();
    producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: LOCAL_CREDENTIALS });
  };

  beforeAll(start);

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("journals the producer's events and the engine's own Outcome Rejected once each", async () => {
    const since = new Date(Date.now() - 60_000);
    const sent = await producer.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'outcome-engine',
            Source: 'com.example.support',
            DetailType: 'Outcome Recorded',
            Detail: JSON.stringify({ outcomeId: goodOutcome, customerId: 'acme', metric: 'ticket.resolved', occurredAt: new Date().toISOString() }),
          },
          {
            EventBusName: 'outcome-engine',
            Source: 'com.example.support',
            DetailType: 'Outcome Recorded',
            Detail: JSON.stringify({ outcomeId: unknownMetricOutcome, customerId: 'acme', metric: 'no.such.metric', occurredAt: new Date().toISOString() }),
          },
        ],
      }),
    );
    expect(sent.FailedEntryCount).toBe(0);
    await engine.drain();

    const recorded = await eventsCli(dataDir, ['--detail-type', 'Outcome Recorded', '--source', 'com.example.support']);
    expect(recorded.map((e) => e.detail.outcomeId).sort()).toEqual([goodOutcome, unknownMetricOutcome].sort());
    expect(new Set(recorded.map((e) => e.id))).toEqual(new Set(sent.Entries!.map((e) => e.EventId)));

    const rejected = await eventsCli(dataDir, ['--detail-type', 'Outcome Rejected', '--since', since.toISOString()]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ source: 'outcome-engine', detailType: 'Outcome Rejected', eventBusName: 'outcome-engine' });
    expect(rejected[0]!.detail).toMatchObject({ outcomeId: unknownMetricOutcome });
    expect(await engine.events({ detailType: 'Outcome Rejected' })).toEqual(rejected);

    // Filters that match nothing list nothing; --limit keeps the latest.
    expect(await eventsCli(dataDir, ['--since', new Date(Date.now() + 3_600_000).toISOString()])).toEqual([]);
    const latest = await eventsCli(dataDir, ['--limit', '1']);
    const all = await eventsCli(dataDir, []);
    expect(all).toHaveLength(3);
    expect(latest).toEqual(all.slice(-1));
  });

  it('keeps the journal across a restart and appends to it', async () => {
    const before = await eventsCli(dataDir, []);
    await engine.stop();
    await start();
    const sent = await producer.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'outcome-engine',
            Source: 'com.example.support',
            DetailType: 'Outcome Reversed',
            Detail: JSON.stringify({ outcomeId: goodOutcome, reason: 'reopened' }),
          },
        ],
      }),
    );
    expect(sent.FailedEntryCount).toBe(0);
    await engine.drain();
    const after = await eventsCli(dataDir, []);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => e.detailType)).toEqual(['Outcome Reversed']);
  });

  it('refuses a --since that is not an instant with an offset', async () => {
    let stderr = '';
    const code = await runCli(['--data-dir', dataDir, 'events', '--since', '2026-12-01'], {
      out: () => undefined,
      err: (text) => (stderr += text),
      env: {},
      now: () => new Date(),
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--since');
  });
});
