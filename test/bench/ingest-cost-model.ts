// The cost model of bench:ingest: billable units per outcome, from what the
// benchmark measured (events and queue bodies that crossed the local bus,
// DynamoDB write units), times AWS list prices (us-east-1, free tiers
// ignored). Figures AWS does not let the local engine measure (Lambda
// duration, log volume) are stated assumptions.

/** us-east-1 list prices (shared/reference/aws-stripe-limits-and-costs.md §3). */
export const LIST_PRICES = {
  eventBridgePerMillionEvents: 1.0,
  archivePerGb: 0.1,
  sqsPerMillionRequests: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaArm64PerGbSecond: 0.0000133334,
  dynamoDbPerMillionWriteUnits: 0.625,
  logsPerGb: 0.5,
  xRayPerMillionTraces: 5.0,
} as const;

/** What AWS does not let the local engine measure. */
export const ASSUMPTIONS = {
  /** SQS records per Lambda invocation: the event source mapping's batch size (100) filled, as at volume. */
  recordsPerInvocation: 100,
  /** Upper bound of Lambda time per outcome (network-bound conditional writes, 256 MB arm64). */
  lambdaMsPerOutcome: 10,
  lambdaMemoryGb: 0.25,
  /** One batch log line plus the platform's START/END/REPORT lines per invocation. */
  logBytesPerInvocation: 600,
  /** At most one X-Ray trace per invocation (sampling keeps it lower). */
  tracesPerInvocation: 1,
} as const;

/** EventBridge and SQS bill each started 64 KB of an event, message or response as one event / request. */
export const CHUNK_BYTES = 64 * 1024;
/** Messages one ReceiveMessage returns, and one DeleteMessageBatch deletes. */
const SQS_MESSAGES_PER_CALL = 10;
const GB = 1024 ** 3;

/** One event the 'Outcomes' rule routed to the ingest queue, as measured on the local bus. */
export interface RoutedEvent {
  /** The entry's size as EventBridge counts it (Time, Source, DetailType, Detail, Resources). */
  entryBytes: number;
  /** The SQS message body the rule writes: the event envelope as JSON. */
  bodyBytes: number;
}

export interface TransportMeasure {
  outcomes: number;
  events: number;
  eventBridgeEvents: number;
  archivedBytes: number;
  sqsSends: number;
  sqsReceives: number;
  sqsDeletes: number;
}

const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / CHUNK_BYTES));

/**
 * Billable EventBridge and SQS units of the routed events: one SendMessage
 * per event (the rule's target), ReceiveMessage and DeleteMessageBatch per
 * 10 messages, each billed per started 64 KB of its payload.
 */
export function measureTransport(events: readonly RoutedEvent[], outcomes: number): TransportMeasure {
  let sqsReceives = 0;
  for (let start = 0; start < events.length; start += SQS_MESSAGES_PER_CALL) {
    const payload = events.slice(start, start + SQS_MESSAGES_PER_CALL).reduce((sum, event) => sum + event.bodyBytes, 0);
    sqsReceives += chunks(payload);
  }
  return {
    outcomes,
    events: events.length,
    eventBridgeEvents: events.reduce((sum, event) => sum + chunks(event.entryBytes), 0),
    archivedBytes: events.reduce((sum, event) => sum + event.bodyBytes, 0),
    sqsSends: events.reduce((sum, event) => sum + chunks(event.bodyBytes), 0),
    sqsReceives,
    sqsDeletes: Math.ceil(events.length / SQS_MESSAGES_PER_CALL),
  };
}

export interface CostLine {
  service: string;
  /** Billable units per outcome, in words. */
  units: string;
  dollarsPerMillion: number;
}

/** $ per million outcomes, line by line, from the measured transport and write units per outcome. */
export function costPerMillionOutcomes(transport: TransportMeasure, writeUnitsPerOutcome: number): { lines: CostLine[]; total: number; withoutArchive: number } {
  const per = (value: number) => value / transport.outcomes;
  const outcomesPerEvent = transport.outcomes / transport.events;
  const invocations = 1 / (ASSUMPTIONS.recordsPerInvocation * outcomesPerEvent);
  const sqsRequests = per(transport.sqsSends + transport.sqsReceives + transport.sqsDeletes);
  const fmt = (value: number, digits = 3) => value.toFixed(digits);
  const lines: CostLine[] = [
    {
      service: 'EventBridge custom events',
      units: `${fmt(per(transport.eventBridgeEvents), 4)} events (64 KB chunks)`,
      dollarsPerMillion: per(transport.eventBridgeEvents) * LIST_PRICES.eventBridgePerMillionEvents,
    },
    {
      service: 'EventBridge archive',
      units: `${fmt(per(transport.archivedBytes) / 1024, 2)} KB archived`,
      dollarsPerMillion: ((per(transport.archivedBytes) * 1e6) / GB) * LIST_PRICES.archivePerGb,
    },
    {
      service: 'SQS',
      units: `${fmt(sqsRequests, 4)} requests (send ${fmt(per(transport.sqsSends), 4)} + receive ${fmt(per(transport.sqsReceives), 4)} + delete ${fmt(per(transport.sqsDeletes), 4)})`,
      dollarsPerMillion: sqsRequests * LIST_PRICES.sqsPerMillionRequests,
    },
    {
      service: 'Lambda requests',
      units: `${fmt(invocations, 5)} invocations`,
      dollarsPerMillion: invocations * LIST_PRICES.lambdaPerMillionRequests,
    },
    {
      service: 'Lambda duration',
      units: `<= ${ASSUMPTIONS.lambdaMsPerOutcome} ms at ${ASSUMPTIONS.lambdaMemoryGb * 1024} MB arm64`,
      dollarsPerMillion: (ASSUMPTIONS.lambdaMsPerOutcome / 1000) * ASSUMPTIONS.lambdaMemoryGb * 1e6 * LIST_PRICES.lambdaArm64PerGbSecond,
    },
    {
      service: 'DynamoDB writes',
      units: `${fmt(writeUnitsPerOutcome)} WRU`,
      dollarsPerMillion: writeUnitsPerOutcome * LIST_PRICES.dynamoDbPerMillionWriteUnits,
    },
    {
      service: 'CloudWatch Logs',
      units: `${fmt(invocations * ASSUMPTIONS.logBytesPerInvocation, 2)} B`,
      dollarsPerMillion: ((invocations * ASSUMPTIONS.logBytesPerInvocation * 1e6) / GB) * LIST_PRICES.logsPerGb,
    },
    {
      service: 'X-Ray',
      units: `<= ${fmt(invocations * ASSUMPTIONS.tracesPerInvocation, 5)} traces`,
      dollarsPerMillion: invocations * ASSUMPTIONS.tracesPerInvocation * LIST_PRICES.xRayPerMillionTraces,
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.dollarsPerMillion, 0);
  const archive = lines.find((line) => line.service === 'EventBridge archive')?.dollarsPerMillion ?? 0;
  return { lines, total, withoutArchive: total - archive };
}
