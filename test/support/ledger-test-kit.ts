// Shared set-up for the ledger integration tests: real DynamoDB Local tables,
// a ledger service with a controllable clock, and EventBridge stubbed with
// aws-sdk-client-mock (the bus is not what these tests are about; the calls
// it receives are asserted where they matter).
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createLedgerService, type LedgerService } from '../../lambdas/composition/ledger-service';
import type { CatalogInput } from '../../lambdas/domain/ledger/catalog';
import { createTestTables, type TestTables } from './dynamodb';

export const CATALOG: CatalogInput = {
  metrics: [
    { code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count' },
    { code: 'order.recovered', name: 'Recovered order', unit: 'order', aggregation: 'value', valueCurrency: 'USD' },
    {
      code: 'lead.qualified',
      name: 'Qualified lead',
      unit: 'lead',
      aggregation: 'count',
      billable: { when: 'verified' },
    },
    {
      code: 'energy.saved',
      name: 'Energy saved',
      unit: 'kWh',
      aggregation: 'sum',
      billable: { when: 'quiet-window', hours: 24 },
    },
  ],
  customers: [
    { customerId: 'acme', name: 'Acme Corp' },
    { customerId: 'globex', name: 'Globex' },
  ],
};

/** A clock tests move by hand. */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current.getTime());
  set(instant: string | Date): void {
    this.current = new Date(instant);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface LedgerKit {
  tables: TestTables;
  service: LedgerService;
  clock: TestClock;
  eventBridge: AwsClientStub<EventBridgeClient>;
  /** detail objects of every 'Outcome Rejected' event published so far. */
  publishedRejections(): Record<string, unknown>[];
  destroy(): Promise<void>;
}

export async function createLedgerKit(options: { start?: string; catalog?: CatalogInput } = {}): Promise<LedgerKit> {
  const tables = await createTestTables('ledger');
  const clock = new TestClock(new Date(options.start ?? '2026-11-15T12:00:00Z'));
  const eventBridge = mockClient(EventBridgeClient);
  eventBridge.on(PutEventsCommand).callsFake(acceptAllEvents);
  const bus = new EventBridgeClient({ region: 'local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const service = createLedgerService({
    dynamoDb: tables.client,
    ledgerTableName: tables.ledgerTableName,
    engineTableName: tables.engineTableName,
    eventBridge: bus,
    eventBusName: 'outcome-engine-test',
    now: clock.now,
  });
  await service.loadCatalog(options.catalog ?? CATALOG);
  return {
    tables,
    service,
    clock,
    eventBridge,
    publishedRejections: () =>
      eventBridge
        .commandCalls(PutEventsCommand)
        .flatMap((call) => call.args[0].input.Entries ?? [])
        .filter((entry) => entry.DetailType === 'Outcome Rejected')
        .map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>),
    destroy: async () => {
      eventBridge.restore();
      bus.destroy();
      await tables.destroy();
    },
  };
}

/** PutEvents as the bus answers when it accepts every entry. */
export function acceptAllEvents(input: { Entries?: unknown[] }) {
  return {
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `event-${index}` })),
  };
}

let messageCounter = 0;

/** An SQS body holding an EventBridge envelope, as the Outcomes rule delivers it. */
export function envelope(detailType: string, detail: unknown, source = 'test.producer'): string {
  messageCounter += 1;
  return JSON.stringify({
    version: '0',
    id: `event-${messageCounter}`,
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-11-15T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
}

export function message(detailType: string, detail: unknown, source?: string): { body: string; messageId: string } {
  const body = envelope(detailType, detail, source);
  return { body, messageId: `msg-${messageCounter}` };
}

export const recorded = (detail: Record<string, unknown>, source?: string) => message('Outcome Recorded', detail, source);
export const reversed = (detail: Record<string, unknown>) => message('Outcome Reversed', detail);
export const corrected = (detail: Record<string, unknown>) => message('Outcome Corrected', detail);
export const verified = (detail: Record<string, unknown>) => message('Outcome Verified', detail);

export const NOVEMBER = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };
