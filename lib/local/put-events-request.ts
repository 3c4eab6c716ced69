// EventBridge's PutEvents contract as the local bus enforces it: the request
// limits that fail a whole call (ValidationException) and the checks that fail
// one entry (ErrorCode/ErrorMessage in that entry's slot of the result), with
// the codes and messages EventBridge itself returns, so a producer's error
// handling is exercised locally exactly as in AWS.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { escapeLoneSurrogates } from '../../lambdas/domain/ledger/message-text';

/** EventBridge's limits (PutEvents API reference and service quotas). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** The sum of all entries' sizes in one request must stay below this (computed as EventBridge documents it). */
export const PUT_EVENTS_MAX_TOTAL_ENTRY_BYTES = 256 * 1024;

/** An AWS JSON protocol error: `{ "__type": type, "message": message }` with an HTTP status. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'AwsJsonError';
  }
}

// AWS deserializers ignore fields they do not know; a wrongly typed field is a
// SerializationException for the whole request.
export const PutEventsRequestEntrySchema = z.object({
  Source: z.string().nullish(),
  DetailType: z.string().nullish(),
  Detail: z.string().nullish(),
  Resources: z.array(z.string()).nullish(),
  /** Epoch seconds (what the SDKs and the AWS CLI send) or an ISO 8601 string. */
  Time: z.union([z.number(), z.string()]).nullish(),
  EventBusName: z.string().nullish(),
  TraceHeader: z.string().nullish(),
});
export type PutEventsRequestEntry = z.infer<typeof PutEventsRequestEntrySchema>;

export const PutEventsRequestSchema = z.object({
  Entries: z.array(PutEventsRequestEntrySchema).nullish(),
  EndpointId: z.string().nullish(),
});
export type PutEventsRequest = z.infer<typeof PutEventsRequestSchema>;

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };
export interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** An event as EventBridge delivers it to a rule's target. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface AcceptedEntry {
  /** The event bus the entry was addressed to (name, from a name or an ARN). */
  eventBusName: string;
  /** The event, its detail parsed (for rule patterns and listeners). */
  envelope: EventBridgeEnvelope;
  /**
   * The event as a target receives it (an SQS message body): the envelope's
   * JSON with the producer's Detail text inside as sent, not parsed and
   * serialized again, which would round numbers such as 123456789012345678 or
   * turn 1e400 into null before the ledger could refuse them.
   */
  body: string;
}

export interface PutEventsOutcome {
  response: PutEventsResponse;
  accepted: AcceptedEntry[];
}

/** Who signed a PutEvents request: the access key id of its SigV4 Authorization header, if any. */
export interface PutEventsCaller {
  accessKeyId: string | undefined;
}

/**
 * The bus policy's rule for the engine's own source, as the stack deploys it
 * (lib/stacks/stateful-stack.ts, DenyEngineSourceToOthers): on the engine's
 * bus, events with `source` may be put only by the engine's own principals.
 * Locally a principal is an access key id.
 */
export interface ReservedSourcePolicy {
  eventBusName: string;
  source: string;
  allowedAccessKeyIds: readonly string[];
}

export interface EnvelopeContext {
  account: string;
  region: string;
  now: () => Date;
  newId?: () => string;
  /** The request's signer; needed when `reservedSource` is set. */
  caller?: PutEventsCaller;
  reservedSource?: ReservedSourcePolicy;
}

/** The access key id of a SigV4 `Authorization` header (`... Credential=AKID/20261122/us-east-1/events/aws4_request, ...`). */
export function callerFromAuthorization(header: string | undefined): PutEventsCaller {
  const match = header === undefined ? null : /Credential=([^/,\s]+)\//.exec(header);
  return { accessKeyId: match?.[1] };
}

/** EventBridge's per-entry answer when the bus policy does not let the caller use the entry's source. */
export const NOT_AUTHORIZED_FOR_SOURCE: PutEventsResultEntry = {
  ErrorCode: 'NotAuthorizedForSourceException',
  ErrorMessage: 'Not authorized for the source.',
};

const utf8Bytes = (text: string | null | undefined): number => (text ? Buffer.byteLength(text, 'utf8') : 0);

/** EventBridge's documented entry size: Time counts 14 bytes, then UTF-8 bytes of Source, DetailType, Detail and each resource. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  size += utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}

/** EventBridge's timestamp form: second precision, UTC, `Z`. */
export function eventBridgeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function eventBusNameOf(nameOrArn: string | null | undefined): string {
  if (!nameOrArn) return 'default';
  const marker = ':event-bus/';
  const at = nameOrArn.indexOf(marker);
  return at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
}

function timeOf(entry: PutEventsRequestEntry, now: () => Date): Date | { error: string } {
  if (entry.Time === undefined || entry.Time === null) return now();
  const date = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date(entry.Time);
  return Number.isNaN(date.getTime()) ? { error: 'Parameter Time is not valid.' } : date;
}

function requiredArgument(name: string): PutEventsResultEntry {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.` };
}

function parseDetail(detail: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function validationError(constraint: string, entries: readonly unknown[] | null | undefined): AwsJsonError {
  const value = entries === null || entries === undefined ? 'null' : `'[${entries.length} entries]'`;
  return new AwsJsonError(
    'ValidationException',
    `1 validation error detected: Value ${value} at 'entries' failed to satisfy constraint: ${constraint}`,
  );
}

/** Parses the raw JSON request; shape errors become the exception AWS would return. */
export function parsePutEventsRequest(body: string): PutEventsRequest {
  let json: unknown;
  try {
    json = body.length === 0 ? {} : JSON.parse(body);
  } catch {
    throw new AwsJsonError('SerializationException', 'The request body is not valid JSON.');
  }
  const parsed = PutEventsRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AwsJsonError(
      'SerializationException',
      `Cannot deserialize the request at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unexpected shape'}`,
    );
  }
  return parsed.data;
}

/**
 * Applies EventBridge's request and entry checks. Throws AwsJsonError for a
 * request the service would refuse as a whole; otherwise returns a result
 * entry per request entry (in order) and the envelopes of accepted entries.
 */
export function validatePutEvents(request: PutEventsRequest, context: EnvelopeContext): PutEventsOutcome {
  const entries = request.Entries;
  if (entries === null || entries === undefined) throw validationError('Member must not be null', entries);
  if (entries.length < 1) throw validationError('Member must have length greater than or equal to 1', entries);
  if (entries.length > PUT_EVENTS_MAX_ENTRIES) {
    throw validationError(`Member must have length less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`, entries);
  }
  const totalSize = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
  if (totalSize >= PUT_EVENTS_MAX_TOTAL_ENTRY_BYTES) {
    throw new AwsJsonError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }

  const results: PutEventsResultEntry[] = [];
  const accepted: AcceptedEntry[] = [];
  for (const entry of entries) {
    const result = validateEntry(entry, context);
    if ('envelope' in result) {
      accepted.push(result);
      results.push({ EventId: result.envelope.id });
    } else {
      results.push(result);
    }
  }
  return {
    response: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
    accepted,
  };
}

function mayUseSource(eventBusName: string, source: string, context: EnvelopeContext): boolean {
  const policy = context.reservedSource;
  if (policy === undefined || eventBusName !== policy.eventBusName || source !== policy.source) return true;
  const accessKeyId = context.caller?.accessKeyId;
  return accessKeyId !== undefined && policy.allowedAccessKeyIds.includes(accessKeyId);
}

function validateEntry(entry: PutEventsRequestEntry, context: EnvelopeContext): AcceptedEntry | PutEventsResultEntry {
  if (!entry.Source) return requiredArgument('Source');
  if (!entry.DetailType) return requiredArgument('DetailType');
  if (!entry.Detail) return requiredArgument('Detail');
  const eventBusName = eventBusNameOf(entry.EventBusName);
  if (!mayUseSource(eventBusName, entry.Source, context)) return NOT_AUTHORIZED_FOR_SOURCE;
  const detail = parseDetail(entry.Detail);
  if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const time = timeOf(entry, context.now);
  if (!(time instanceof Date)) return { ErrorCode: 'InvalidArgument', ErrorMessage: time.error };
  const envelope: EventBridgeEnvelope = {
    version: '0',
    id: (context.newId ?? randomUUID)(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: context.account,
    time: eventBridgeTime(time),
    region: context.region,
    resources: entry.Resources ?? [],
    detail,
  };
  return { eventBusName, envelope, body: envelopeBody(envelope, entry.Detail) };
}

/**
 * The envelope's JSON with the Detail text spliced in as the producer sent
 * it; only unpaired surrogates (which a UTF-8 queue cannot carry) are written
 * as the JSON escapes that mean the same.
 */
function envelopeBody(envelope: EventBridgeEnvelope, detailText: string): string {
  const { detail: _detail, ...head } = envelope;
  const headJson = JSON.stringify(head);
  return `${headJson.slice(0, -1)},"detail":${escapeLoneSurrogates(detailText)}}`;
}
