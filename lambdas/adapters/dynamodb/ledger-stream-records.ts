import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LedgerChange } from '../../application/usage/ports';
import { fromLedgerItem, KEY } from './ledger-items';

// The ledger table's change stream (NEW_IMAGE) as ledger changes. Only new
// outcome entries count: rejections, and anything but an INSERT (the ledger
// is append-only, so there are none), are left out.

export interface LedgerStreamRecord {
  readonly eventName?: string | undefined;
  readonly dynamodb?: {
    readonly SequenceNumber?: string | undefined;
    readonly NewImage?: Record<string, AttributeValue> | undefined;
  } | undefined;
}

const OUTCOME_PREFIX = 'O#';

export function ledgerChangeOf(record: LedgerStreamRecord): LedgerChange | undefined {
  const image = record.dynamodb?.NewImage;
  const sequence = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT' || image === undefined || sequence === undefined) return undefined;
  if (!(image[KEY.pk]?.S ?? '').startsWith(OUTCOME_PREFIX)) return undefined;
  return { sequence, entry: fromLedgerItem(image) };
}

export function ledgerChangesOf(records: readonly LedgerStreamRecord[]): LedgerChange[] {
  const changes: LedgerChange[] = [];
  for (const record of records) {
    const change = ledgerChangeOf(record);
    if (change !== undefined) changes.push(change);
  }
  return changes;
}
