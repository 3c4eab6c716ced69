// The one routing table. The CDK stack turns each route into an EventBridge
// rule; the local engine's bus matches events against the same patterns, so a
// route that works locally is the route deployed.
import { ENGINE_EVENT_SOURCE, INBOUND_DETAIL_TYPES } from '../../lambdas/domain/events/detail-types';

/** The subset of EventBridge's event-pattern language the engine uses. */
export type EventPatternValue = string | { prefix: string } | { 'anything-but': string | string[] };
export interface EventPattern {
  source?: EventPatternValue[];
  'detail-type'?: EventPatternValue[];
}

export interface Route {
  /** Stable id: the CDK construct id prefix and the local route name. */
  id: string;
  description: string;
  eventPattern: EventPattern;
  /** Where matched events go: a queue drained by a function, or a function directly. */
  target: { kind: 'queue'; handler: HandlerName } | { kind: 'function'; handler: HandlerName };
}

/** Handler entry files under lambdas/handlers/ (without extension). */
export type HandlerName = 'ingest-outcomes';

export const ROUTES: readonly Route[] = [
  {
    id: 'Outcomes',
    description: 'Outcome events from producers, metered into the ledger exactly once',
    eventPattern: {
      // Events the engine emits itself never loop back into ingest.
      source: [{ 'anything-but': ENGINE_EVENT_SOURCE }],
      'detail-type': Object.values(INBOUND_DETAIL_TYPES),
    },
    target: { kind: 'queue', handler: 'ingest-outcomes' },
  },
];
