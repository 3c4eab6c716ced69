import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import { decodeBillableRule, encodeBillableRule } from '../../domain/ledger/catalog';
import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import {
  listingShardOf,
  sortableMillis,
  usageShardOf,
  utcMonthOf,
} from '../../domain/ledger/ledger-keys';
import { IMPLICIT_DEFINITION_VERSION } from '../../domain/ledger/outcome-definitions';
import {
  OutcomeEvidenceSchema,
  VerifiedBySchema,
  type OutcomeEvidence,
  type OutcomeValue,
  type VerifiedBy,
} from '../../domain/ledger/outcome-events';
import type { RejectedOutcome } from '../../domain/ledger/rejection';
import { isRejectionCode } from '../../domain/ledger/rejection-codes';
import { LEDGER_TABLE } from './table-design';

// Item mapping for the ledger table. Items are kept lean because size is
// cost: an outcome of up to 1 KB must stay within one write unit on the table
// and one on the usage index. So attribute names are short, numbers are
// numbers, and nothing derivable is stored twice: outcomeId comes from pk,
// customer and metric from the usage partition key, recordedAt from its sort
// key. Items are built by hand (no marshall) on the ingest hot path.
//
//   outcome        pk O#<outcomeId>   sk O | R | V | C#<correctionId>
//                  gsi1pk <metric>#<YYYY-MM of occurredAt>#<shard 0-f>#<customerId>
//                  gsi1sk <recordedAt ms, 13 digits>
//   unattributed   + gsi2pk UA#<shard 0-7>          gsi2sk <recordedAt ms>#<outcomeId>
//   dispute        pk O#<outcomeId>   sk D#<sequence, 6 digits> (opened) | D#<sequence>#R (decided)
//                  same usage partition as the outcome
//                  gsi2pk DP#<shard 0-7 of disputeId>  gsi2sk <disputeId>#<outcomeId>[#R]
//   rejection      pk RJ#<rejectionId> sk RJ
//                  gsi2pk RJ#<YYYY-MM of receivedAt>#<shard 0-7>  gsi2sk <receivedAt ms>#<rejectionId>

export type Item = Record<string, AttributeValue>;

const [USAGE_INDEX, LISTING_INDEX] = LEDGER_TABLE.indexes;
export const USAGE_INDEX_NAME = USAGE_INDEX.indexName;
export const LISTING_INDEX_NAME = LISTING_INDEX.indexName;

export const KEY = {
  pk: LEDGER_TABLE.partitionKey,
  sk: LEDGER_TABLE.sortKey,
  usagePk: USAGE_INDEX.partitionKey,
  usageSk: USAGE_INDEX.sortKey,
  listingPk: LISTING_INDEX.partitionKey,
  listingSk: LISTING_INDEX.sortKey,
} as const;

/** Short attribute names (see the comment above for why). */
export const ATTR = {
  quantity: 'q',
  valueAmount: 'va',
  valueCurrency: 'vc',
  occurredAt: 't',
  attributes: 'at',
  billableRule: 'b',
  definitionVersion: 'dv',
  evidence: 'ev',
  verifiedBy: 'vb',
  reason: 'rs',
  verifiedAt: 'vt',
  code: 'cd',
  message: 'm',
  rawBody: 'raw',
  rawBytes: 'rb',
  truncated: 'tr',
  messageId: 'mid',
  outcomeId: 'oid',
  customerId: 'cid',
  detailType: 'dt',
  disputeId: 'did',
  by: 'by',
  hold: 'h',
  upheld: 'up',
} as const;

// toLedgerItem writes these names literally; this fails to compile if the design renames them.
const LITERAL_KEYS_MATCH_DESIGN: [typeof KEY.pk, typeof KEY.sk, typeof KEY.usagePk, typeof KEY.usageSk, typeof ATTR.occurredAt] = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  't',
];
void LITERAL_KEYS_MATCH_DESIGN;

const OUTCOME_PREFIX = 'O#';
const REJECTION_PREFIX = 'RJ#';
const SK_RECORDED = 'O';
const SK_REVERSED = 'R';
const SK_VERIFIED = 'V';
const SK_CORRECTION_PREFIX = 'C#';
const SK_REJECTION = 'RJ';
const UNATTRIBUTED_PREFIX = 'UA#';
const SK_DISPUTE_PREFIX = 'D#';
const SK_DISPUTE_DECIDED_SUFFIX = '#R';
const DISPUTE_LISTING_PREFIX = 'DP#';

function disputeSortKey(sequence: number): string {
  return SK_DISPUTE_PREFIX + String(sequence).padStart(6, '0');
}

/** The listing partition that holds every entry of one dispute (all its outcomes). */
export function disputeListingPartitionKey(shard: number): string {
  return DISPUTE_LISTING_PREFIX + shard;
}

/** Listing sort keys of a dispute's entries start with this: one query finds all its outcomes. */
export function disputeListingPrefix(disputeId: string): string {
  return `${disputeId}#`;
}

export function outcomePartitionKey(outcomeId: string): string {
  return OUTCOME_PREFIX + outcomeId;
}

export function entrySortKey(entry: LedgerEntry): string {
  switch (entry.kind) {
    case 'recorded':
      return SK_RECORDED;
    case 'reversed':
      return SK_REVERSED;
    case 'verified':
      return SK_VERIFIED;
    case 'corrected':
      return SK_CORRECTION_PREFIX + entry.correctionId;
    case 'disputed':
      return disputeSortKey(entry.sequence);
    case 'dispute-resolved':
      return disputeSortKey(entry.sequence) + SK_DISPUTE_DECIDED_SUFFIX;
    default: {
      const unknown: never = entry;
      throw new TypeError(`unknown ledger entry ${JSON.stringify(unknown)}`);
    }
  }
}

/** The usage index partition: metric first (never contains "#"), customer last (may). */
export function usagePartitionKey(metric: string, month: string, shard: number, customerId: string): string {
  return `${metric}#${month}#${shard.toString(16)}#${customerId}`;
}

const MONTH_AND_SHARD_LENGTH = '#YYYY-MM#s#'.length;

function parseUsagePartitionKey(key: string): { metric: string; customerId: string } {
  const hash = key.indexOf('#');
  if (hash <= 0) throw new LedgerDataError(`unreadable usage partition key "${key}"`);
  return { metric: key.slice(0, hash), customerId: key.slice(hash + MONTH_AND_SHARD_LENGTH) };
}

export function unattributedPartitionKey(shard: number): string {
  return UNATTRIBUTED_PREFIX + shard;
}

export function rejectedPartitionKey(month: string, shard: number): string {
  return `${REJECTION_PREFIX}${month}#${shard}`;
}

function putValue(item: Item, value: OutcomeValue | undefined): void {
  if (value === undefined) return;
  item[ATTR.valueAmount] = { S: value.amount };
  item[ATTR.valueCurrency] = { S: value.currency };
}

/** The item for a ledger entry. */
export function toLedgerItem(entry: LedgerEntry): Item {
  const recordedAt = sortableMillis(entry.recordedAtMs);
  // Literal keys (checked against the table design below) keep this object in
  // V8's fast shape on the hot path; computed keys would not.
  const item: Item = {
    pk: { S: OUTCOME_PREFIX + entry.outcomeId },
    sk: { S: entrySortKey(entry) },
    gsi1pk: {
      S: usagePartitionKey(entry.metric, utcMonthOf(entry.occurredAtMs), usageShardOf(entry.outcomeId), entry.customerId),
    },
    gsi1sk: { S: recordedAt },
    t: { N: String(entry.occurredAtMs) },
  };
  switch (entry.kind) {
    case 'recorded':
      item[ATTR.quantity] = { S: entry.quantity };
      putValue(item, entry.value);
      if (entry.attributesJson !== undefined) item[ATTR.attributes] = { S: entry.attributesJson };
      item[ATTR.billableRule] = { S: encodeBillableRule(entry.billableRule) };
      // Absent means version 1, as on entries written before definitions had versions.
      if (entry.definitionVersion !== undefined && entry.definitionVersion !== IMPLICIT_DEFINITION_VERSION) item[ATTR.definitionVersion] = { N: String(entry.definitionVersion) };
      if (entry.evidence !== undefined) item[ATTR.evidence] = { S: JSON.stringify(entry.evidence) };
      if (!entry.attributed) {
        // Sparse: only unattributed outcomes are written to the listing index.
        item[KEY.listingPk] = { S: unattributedPartitionKey(listingShardOf(entry.outcomeId)) };
        item[KEY.listingSk] = { S: `${recordedAt}#${entry.outcomeId}` };
      }
      break;
    case 'reversed':
      item[ATTR.reason] = { S: entry.reason };
      break;
    case 'corrected':
      if (entry.quantity !== undefined) item[ATTR.quantity] = { S: entry.quantity };
      putValue(item, entry.value);
      item[ATTR.reason] = { S: entry.reason };
      break;
    case 'verified':
      if (entry.verifiedAtMs !== undefined) item[ATTR.verifiedAt] = { N: String(entry.verifiedAtMs) };
      if (entry.verifiedBy !== undefined) item[ATTR.verifiedBy] = { S: JSON.stringify(entry.verifiedBy) };
      break;
    case 'disputed':
      item[ATTR.disputeId] = { S: entry.disputeId };
      item[ATTR.reason] = { S: entry.reason };
      item[ATTR.by] = { S: entry.raisedBy };
      item[ATTR.hold] = { BOOL: entry.hold };
      item[KEY.listingPk] = { S: disputeListingPartitionKey(listingShardOf(entry.disputeId)) };
      item[KEY.listingSk] = { S: disputeListingPrefix(entry.disputeId) + entry.outcomeId };
      break;
    case 'dispute-resolved':
      item[ATTR.disputeId] = { S: entry.disputeId };
      item[ATTR.reason] = { S: entry.note };
      item[ATTR.by] = { S: entry.resolvedBy };
      item[ATTR.upheld] = { BOOL: entry.upheld };
      item[KEY.listingPk] = { S: disputeListingPartitionKey(listingShardOf(entry.disputeId)) };
      item[KEY.listingSk] = { S: disputeListingPrefix(entry.disputeId) + entry.outcomeId + SK_DISPUTE_DECIDED_SUFFIX };
      break;
    default: {
      const unknown: never = entry;
      throw new TypeError(`unknown ledger entry ${JSON.stringify(unknown)}`);
    }
  }
  return item;
}

function requiredString(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new LedgerDataError(`ledger item ${describeItem(item)} lacks string attribute "${name}"`);
  return value;
}

function requiredNumber(item: Item, name: string): number {
  const value = Number(item[name]?.N);
  if (!Number.isFinite(value)) throw new LedgerDataError(`ledger item ${describeItem(item)} lacks number attribute "${name}"`);
  return value;
}

function describeItem(item: Item): string {
  return `${item[KEY.pk]?.S ?? '?'}/${item[KEY.sk]?.S ?? '?'}`;
}

function readValue(item: Item): OutcomeValue | undefined {
  const amount = item[ATTR.valueAmount]?.S;
  const currency = item[ATTR.valueCurrency]?.S;
  if (amount === undefined || currency === undefined) return undefined;
  return { amount, currency: currency as OutcomeValue['currency'] };
}

function readJsonAttribute<T>(item: Item, name: string, schema: { safeParse(input: unknown): { success: true; data: T } | { success: false; error: Error } }): T | undefined {
  const text = item[name]?.S;
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LedgerDataError(`ledger item ${describeItem(item)} has unreadable JSON in "${name}"`, { cause: error });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new LedgerDataError(`ledger item ${describeItem(item)} has an invalid "${name}"`, { cause: result.error });
  return result.data;
}

function readEvidence(item: Item): OutcomeEvidence | undefined {
  return readJsonAttribute(item, ATTR.evidence, OutcomeEvidenceSchema);
}

function readVerifiedBy(item: Item): VerifiedBy | undefined {
  return readJsonAttribute(item, ATTR.verifiedBy, VerifiedBySchema);
}

/** The ledger entry an item holds. */
export function fromLedgerItem(item: Item): LedgerEntry {
  const pk = requiredString(item, KEY.pk);
  if (!pk.startsWith(OUTCOME_PREFIX)) throw new LedgerDataError(`item ${describeItem(item)} is not a ledger entry`);
  const { metric, customerId } = parseUsagePartitionKey(requiredString(item, KEY.usagePk));
  const base = {
    outcomeId: pk.slice(OUTCOME_PREFIX.length),
    customerId,
    metric,
    occurredAtMs: requiredNumber(item, ATTR.occurredAt),
    recordedAtMs: Number(requiredString(item, KEY.usageSk)),
  };
  const sk = requiredString(item, KEY.sk);
  switch (sk) {
    case SK_RECORDED:
      return {
        ...base,
        kind: 'recorded',
        quantity: requiredString(item, ATTR.quantity),
        value: readValue(item),
        attributesJson: item[ATTR.attributes]?.S,
        evidence: readEvidence(item),
        billableRule: decodeBillableRule(item[ATTR.billableRule]?.S),
        definitionVersion: item[ATTR.definitionVersion]?.N === undefined ? undefined : requiredNumber(item, ATTR.definitionVersion),
        attributed: item[KEY.listingPk] === undefined,
      };
    case SK_REVERSED:
      return { ...base, kind: 'reversed', reason: requiredString(item, ATTR.reason) };
    case SK_VERIFIED: {
      const verifiedAt = item[ATTR.verifiedAt]?.N;
      return {
        ...base,
        kind: 'verified',
        verifiedAtMs: verifiedAt === undefined ? undefined : Number(verifiedAt),
        verifiedBy: readVerifiedBy(item),
      };
    }
    default:
      if (sk.startsWith(SK_DISPUTE_PREFIX)) return fromDisputeItem(item, base, sk);
      if (sk.startsWith(SK_CORRECTION_PREFIX)) {
        return {
          ...base,
          kind: 'corrected',
          correctionId: sk.slice(SK_CORRECTION_PREFIX.length),
          quantity: item[ATTR.quantity]?.S,
          value: readValue(item),
          reason: requiredString(item, ATTR.reason),
        };
      }
      throw new LedgerDataError(`ledger item ${describeItem(item)} has an unknown sort key`);
  }
}

function requiredBoolean(item: Item, name: string): boolean {
  const value = item[name]?.BOOL;
  if (value === undefined) throw new LedgerDataError(`ledger item ${describeItem(item)} lacks boolean attribute "${name}"`);
  return value;
}

function fromDisputeItem(item: Item, base: Omit<LedgerEntry, 'kind'>, sk: string): LedgerEntry {
  const decided = sk.endsWith(SK_DISPUTE_DECIDED_SUFFIX);
  const digits = sk.slice(SK_DISPUTE_PREFIX.length, decided ? -SK_DISPUTE_DECIDED_SUFFIX.length : undefined);
  const sequence = Number(digits);
  if (!/^\d{6}$/.test(digits) || sequence < 1) throw new LedgerDataError(`ledger item ${describeItem(item)} has an unreadable dispute sort key`);
  const disputeId = requiredString(item, ATTR.disputeId);
  const text = requiredString(item, ATTR.reason);
  const by = requiredString(item, ATTR.by);
  if (decided) {
    return { ...base, kind: 'dispute-resolved', sequence, disputeId, upheld: requiredBoolean(item, ATTR.upheld), note: text, resolvedBy: by };
  }
  return { ...base, kind: 'disputed', sequence, disputeId, reason: text, raisedBy: by, hold: requiredBoolean(item, ATTR.hold) };
}

/** The item for a stored rejection. */
export function toRejectionItem(rejection: RejectedOutcome): Item {
  const receivedAtMs = Date.parse(rejection.receivedAt);
  const item: Item = {
    [KEY.pk]: { S: REJECTION_PREFIX + rejection.rejectionId },
    [KEY.sk]: { S: SK_REJECTION },
    [KEY.listingPk]: { S: rejectedPartitionKey(utcMonthOf(receivedAtMs), listingShardOf(rejection.rejectionId)) },
    [KEY.listingSk]: { S: `${sortableMillis(receivedAtMs)}#${rejection.rejectionId}` },
    [ATTR.code]: { S: rejection.code },
    [ATTR.message]: { S: rejection.message },
    [ATTR.rawBody]: { S: rejection.rawBody },
    [ATTR.rawBytes]: { N: String(rejection.rawBytes) },
    [ATTR.messageId]: { S: rejection.messageId },
  };
  if (rejection.truncated) item[ATTR.truncated] = { BOOL: true };
  if (rejection.outcomeId !== undefined) item[ATTR.outcomeId] = { S: rejection.outcomeId };
  if (rejection.customerId !== undefined) item[ATTR.customerId] = { S: rejection.customerId };
  if (rejection.detailType !== undefined) item[ATTR.detailType] = { S: rejection.detailType };
  return item;
}

export function fromRejectionItem(item: Item): RejectedOutcome {
  const pk = requiredString(item, KEY.pk);
  if (!pk.startsWith(REJECTION_PREFIX)) throw new LedgerDataError(`item ${describeItem(item)} is not a rejection`);
  const code = requiredString(item, ATTR.code);
  if (!isRejectionCode(code)) throw new LedgerDataError(`rejection ${pk} has unknown code "${code}"`);
  const receivedAtMs = Number(requiredString(item, KEY.listingSk).slice(0, 13));
  const outcomeId = item[ATTR.outcomeId]?.S;
  const customerId = item[ATTR.customerId]?.S;
  const detailType = item[ATTR.detailType]?.S;
  return {
    rejectionId: pk.slice(REJECTION_PREFIX.length),
    code,
    message: requiredString(item, ATTR.message),
    receivedAt: new Date(receivedAtMs).toISOString(),
    messageId: requiredString(item, ATTR.messageId),
    ...(outcomeId !== undefined ? { outcomeId } : {}),
    ...(customerId !== undefined ? { customerId } : {}),
    ...(detailType !== undefined ? { detailType } : {}),
    rawBody: requiredString(item, ATTR.rawBody),
    rawBytes: requiredNumber(item, ATTR.rawBytes),
    truncated: item[ATTR.truncated]?.BOOL === true,
  };
}
