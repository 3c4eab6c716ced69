// Odd input end to end: the real EventBridge SDK client sends through the
// local engine's PutEvents endpoint; no input gives a 500, every entry gets
// its own answer, and the ledger records exactly what was sent or keeps the
// rejection with the producer's own text.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RejectedOutcome } from '../../lambdas/domain/ledger/rejection';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import type { EventBridgeEnvelope } from '../../lib/local/put-events-request';

const NOW = new Date('2026-11-20T12:00:00Z');

const outcomeDetail = (outcomeId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-20T11:00:00Z', ...extra });

const entry = (detail: string, overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: detail,
  ...overrides,
});

describe('odd input through the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-input-'));
  const announced: EventBridgeEnvelope[] = [];
  const runId = randomUUID().slice(0, 8);
  let engine: LocalEngine;
  let producer: EventBridgeClient;

  beforeAll(async () => {
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `input-ledger-${runId}`,
      engineTableName: `input-engine-${runId}`,
      now: () => NOW,
      queue: { retryDelayMs: () => 5 },
    });
    engine.subscribe((event) => {
      if (event['detail-type'] === 'Outcome Rejected') announced.push(event);
    });
    producer = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = (entries: PutEventsRequestEntry[]) => producer.send(new PutEventsCommand({ Entries: entries }));

  async function rejectionOf(outcomeId: string): Promise<RejectedOutcome> {
    const { items } = await engine.ledgerService.listRejected({ from: new Date(NOW.getTime() - 3_600_000), to: new Date(NOW.getTime() + 3_600_000), limit: 500 });
    const found = items.find((item) => item.outcomeId === outcomeId);
    if (!found) throw new Error(`no rejection stored for ${outcomeId}`);
    return found;
  }

  it('answers a detail nested 40,000 deep per entry (no 500), records the 9 good entries of the call and keeps the rejection', async () => {
    const deep = `{"outcomeId":"deep-${runId}","customerId":"acme","metric":"ticket.resolved","occurredAt":"2026-11-20T11:00:00Z","attributes":{"k":${'['.repeat(40_000)}${']'.repeat(40_000)}}}`;
    const good = Array.from({ length: 9 }, (_, index) => entry(outcomeDetail(`good-${runId}-${index}`)));
    const response = await send([...good.slice(0, 4), entry(deep), ...good.slice(4)]);
    expect(response.FailedEntryCount).toBe(0);
    expect(response.Entries?.every((result) => result.EventId !== undefined)).toBe(true);
    await engine.drain();

    for (let index = 0; index < 9; index += 1) {
      expect((await engine.ledgerService.getOutcome(`good-${runId}-${index}`))?.status).toBe('counted');
    }
    const rejection = await rejectionOf(`deep-${runId}`);
    expect(rejection.code).toBe('NESTING_TOO_DEEP');
    expect(rejection.message).toMatch(/^attributes\.k(\[0\])+: objects and arrays nest more than 32 levels deep/);
    expect(rejection.truncated).toBe(true);
    expect(rejection.rawBytes).toBeGreaterThan(80_000);
    expect(rejection.rawBody).toContain(`"detail":{"outcomeId":"deep-${runId}"`);
    expect(await engine.ledgerService.getOutcome(`deep-${runId}`)).toBeUndefined();
  });

  it("refuses the engine's own source to a producer per entry, as the bus policy does in AWS, and accepts the rest", async () => {
    const forged = entry(JSON.stringify({ schemaVersion: 1, contractId: 'ctr-acme-2026' }), { Source: 'outcome-engine', DetailType: 'Contract Changed' });
    const response = await send([entry(outcomeDetail(`beside-forged-${runId}`)), forged]);
    expect(response.FailedEntryCount).toBe(1);
    expect(response.Entries?.[0]?.EventId).toBeDefined();
    expect(response.Entries?.[1]).toEqual({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' });
    await engine.drain();
    expect((await engine.ledgerService.getOutcome(`beside-forged-${runId}`))?.status).toBe('counted');
  });

  it('refuses numbers a JSON number cannot carry exactly, keeping the raw text, and records the same figure sent as a string', async () => {
    const inexact = `{"outcomeId":"inexact-${runId}","customerId":"acme","metric":"ticket.resolved","occurredAt":"2026-11-20T11:00:00Z","quantity":123456789012345678}`;
    const huge = `{"outcomeId":"huge-${runId}","customerId":"acme","metric":"ticket.resolved","occurredAt":"2026-11-20T11:00:00Z","quantity":1e400}`;
    const exact = entry(outcomeDetail(`exact-${runId}`, { quantity: '123456789012345678' }));
    const response = await send([entry(inexact), entry(huge), exact]);
    expect(response.FailedEntryCount).toBe(0);
    await engine.drain();

    const refused = await rejectionOf(`inexact-${runId}`);
    expect(refused.code).toBe('INEXACT_NUMBER');
    expect(refused.message).toContain('send it as a decimal string ("123456789012345678")');
    expect(refused.rawBody).toContain(`"detail":${inexact}}`);
    const refusedHuge = await rejectionOf(`huge-${runId}`);
    expect(refusedHuge.code).toBe('INEXACT_NUMBER');
    expect(refusedHuge.rawBody).toContain('"quantity":1e400}');
    expect((await engine.ledgerService.getOutcome(`exact-${runId}`))?.quantity).toBe('123456789012345678');

    // The engine's own announcements (signed as the engine) still reach the bus.
    const announcedIds = announced.map((event) => event.detail.outcomeId);
    expect(announcedIds).toEqual(expect.arrayContaining([`deep-${runId}`, `inexact-${runId}`, `huge-${runId}`]));
    expect(announced.every((event) => event.source === 'outcome-engine')).toBe(true);
  });
});
