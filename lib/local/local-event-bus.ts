// The local event bus: routes accepted events with the routing table the CDK
// stack deploys (lib/routing/routing-table.ts), so a route that matches here
// is the rule that matches in AWS.
import type { Route } from '../routing/routing-table';
import { assertSupportedEventPattern, matchesEventPattern } from './event-pattern';
import type { AcceptedEntry, EventBridgeEnvelope } from './put-events-request';

/**
 * Where a route's matched events go; must take the event synchronously
 * (enqueue), never process it inline. `body` is the event as a target
 * receives it (the producer's detail text inside, see AcceptedEntry).
 */
export type RouteTarget = (envelope: EventBridgeEnvelope, body: string) => void;

export interface LocalEventBusOptions {
  /** The custom bus the routes live on, as in the stack. */
  name: string;
  routes: readonly { route: Route; target: RouteTarget }[];
  /** Told once per bus name that receives events but has no rules here (EventBridge drops those silently). */
  onEventsForOtherBus?: (busName: string) => void;
}

export type BusListener = (envelope: EventBridgeEnvelope, delivery: { eventBusName: string; routeIds: string[] }) => void;

export class LocalEventBus {
  private readonly listeners = new Set<BusListener>();
  private readonly warnedBuses = new Set<string>();

  constructor(private readonly options: LocalEventBusOptions) {
    // A pattern the local matcher does not understand would silently never
    // match; refuse to start instead.
    for (const { route } of options.routes) assertSupportedEventPattern(route.eventPattern, [route.id]);
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Routes accepted entries. Entries addressed to another bus are accepted
   * and dropped, as EventBridge does for a bus without matching rules.
   */
  publish(entries: readonly AcceptedEntry[]): void {
    for (const { eventBusName, envelope, body } of entries) {
      const routeIds: string[] = [];
      if (eventBusName === this.options.name) {
        for (const { route, target } of this.options.routes) {
          if (matchesEventPattern(route.eventPattern, envelope as unknown as Record<string, unknown>)) {
            target(envelope, body);
            routeIds.push(route.id);
          }
        }
      } else if (!this.warnedBuses.has(eventBusName)) {
        this.warnedBuses.add(eventBusName);
        this.options.onEventsForOtherBus?.(eventBusName);
      }
      for (const listener of this.listeners) listener(envelope, { eventBusName, routeIds });
    }
  }

  /** Observes every accepted event (tests, the engine's console); returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
