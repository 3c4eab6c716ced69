// The local event bus: routes accepted events with the routing table the CDK
// stack deploys (lib/routing/routing-table.ts), so a route that matches here
// is the rule that matches in AWS.
import type { Route } from '../routing/routing-table';
import { assertSupportedEventPattern, matchesEventPattern } from './event-pattern';
import type { AcceptedEntry, EventBridgeEnvelope } from './put-events-request';

/**
 * Where a route's matched events go; must take the event synchronously
 * (enqueue), never process it inline. `body` is the event as a target
 * receives it (the producer's detail text inside, see AcceptedEntry). The
 * promise it may return resolves once the event is durable there.
 */
export type RouteTarget = (envelope: EventBridgeEnvelope, body: string) => void | Promise<unknown>;

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
   * `admit` sees every route the entries match before any is delivered, and
   * may refuse the whole call by throwing (backpressure). The returned promise
   * resolves once every target has the entries durably.
   */
  publish(entries: readonly AcceptedEntry[], admit?: (routeIds: ReadonlySet<string>) => void): Promise<void> {
    const matches = entries.map(({ eventBusName, envelope, body }) => ({
      eventBusName,
      envelope,
      body,
      targets:
        eventBusName === this.options.name
          ? this.options.routes.filter(({ route }) => matchesEventPattern(route.eventPattern, envelope as unknown as Record<string, unknown>))
          : [],
    }));
    admit?.(new Set(matches.flatMap(({ targets }) => targets.map(({ route }) => route.id))));
    const deliveries: (void | Promise<unknown>)[] = [];
    for (const { eventBusName, envelope, body, targets } of matches) {
      for (const { target } of targets) deliveries.push(target(envelope, body));
      if (eventBusName !== this.options.name && !this.warnedBuses.has(eventBusName)) {
        this.warnedBuses.add(eventBusName);
        this.options.onEventsForOtherBus?.(eventBusName);
      }
      const routeIds = targets.map(({ route }) => route.id);
      for (const listener of this.listeners) listener(envelope, { eventBusName, routeIds });
    }
    return Promise.all(deliveries).then(() => undefined);
  }

  /** Observes every accepted event (tests, the engine's console); returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
