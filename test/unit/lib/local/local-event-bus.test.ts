import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../../lib/routing/routing-table';
import { LocalEventBus } from '../../../../lib/local/local-event-bus';
import { UnsupportedEventPatternError } from '../../../../lib/local/event-pattern';
import type { AcceptedEntry, EventBridgeEnvelope } from '../../../../lib/local/put-events-request';

const envelope = (source: string, detailType: string): EventBridgeEnvelope => ({
  version: '0',
  id: `${source}/${detailType}`,
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: '2026-11-03T10:15:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
});

function busWithRoutingTable() {
  const delivered: string[] = [];
  const warnings: string[] = [];
  const bus = new LocalEventBus({
    name: 'outcome-engine',
    routes: ROUTES.map((route) => ({ route, target: (e) => void delivered.push(`${route.id}:${e.id}`) })),
    onEventsForOtherBus: (name) => warnings.push(name),
  });
  return { bus, delivered, warnings };
}

const on = (eventBusName: string, e: EventBridgeEnvelope): AcceptedEntry => ({ eventBusName, envelope: e, body: JSON.stringify(e) });

describe('LocalEventBus with the routing table', () => {
  it('routes producer outcomes to the Outcomes queue and nothing else', () => {
    const { bus, delivered } = busWithRoutingTable();
    bus.publish([
      on('outcome-engine', envelope('com.example.support', 'Outcome Recorded')),
      on('outcome-engine', envelope('com.example.support', 'Outcome Reversed')),
      on('outcome-engine', envelope('com.example.support', 'Something Else')),
      on('outcome-engine', envelope('outcome-engine', 'Outcome Rejected')),
    ]);
    expect(delivered).toEqual(['Outcomes:com.example.support/Outcome Recorded', 'Outcomes:com.example.support/Outcome Reversed']);
  });

  it('accepts events for another bus without routing them, and says so once', () => {
    const { bus, delivered, warnings } = busWithRoutingTable();
    bus.publish([
      on('default', envelope('com.example.support', 'Outcome Recorded')),
      on('default', envelope('com.example.support', 'Outcome Recorded')),
    ]);
    expect(delivered).toEqual([]);
    expect(warnings).toEqual(['default']);
  });

  it('tells subscribers about every accepted event and where it went', () => {
    const { bus } = busWithRoutingTable();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((e, delivery) => seen.push(`${e['detail-type']}->${delivery.routeIds.join(',') || 'none'}`));
    bus.publish([
      on('outcome-engine', envelope('com.example', 'Outcome Recorded')),
      on('outcome-engine', envelope('outcome-engine', 'Outcome Rejected')),
    ]);
    unsubscribe();
    bus.publish([on('outcome-engine', envelope('com.example', 'Outcome Recorded'))]);
    expect(seen).toEqual(['Outcome Recorded->Outcomes', 'Outcome Rejected->none']);
  });

  it('refuses to start with a pattern it cannot match', () => {
    expect(
      () =>
        new LocalEventBus({
          name: 'b',
          routes: [
            {
              route: { id: 'Bad', description: '', eventPattern: { source: [{ numeric: ['>', 0] }] as never }, target: { kind: 'queue', handler: 'ingest-outcomes' } },
              target: () => undefined,
            },
          ],
        }),
    ).toThrow(UnsupportedEventPatternError);
  });
});
