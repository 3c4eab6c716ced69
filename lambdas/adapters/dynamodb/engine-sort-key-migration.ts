import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoTable, type StoredItem } from './dynamo-table';
import { correctionSk, recordSk, statusSk } from './invoice-keys';
import { ASSESSMENT_PREFIX, RESULT_PREFIX, TASK_PREFIX } from './task-store';
import { ENGINE_TABLE } from './table-design';

// A one-time move of engine-table items written by releases whose sort keys
// did not start with the item kind (invoice records, statuses and
// corrections under INVOICE#<period>#..., renewal tasks, assessments and
// results under TERM#<term>#...). Each item is copied under its current key
// unless an item is there already (written since the upgrade: it is newer
// and wins), then the old item is deleted. Running it again, or after an
// interruption, moves only what is left.

const OLD_PREFIXES = ['INVOICE#', 'TERM#'] as const;

/** The current sort key of an item stored under a former layout, or undefined when its key is current. */
export function currentSortKeyOf(sortKey: string): string | undefined {
  const invoice = /^INVOICE#([^#]+)#(RECORD|STATUS|CORRECTION#(\d+))$/.exec(sortKey);
  if (invoice) {
    const [, periodId = '', kind = '', sequence] = invoice;
    if (kind === 'RECORD') return recordSk(periodId);
    if (kind === 'STATUS') return statusSk(periodId);
    return correctionSk(periodId, Number(sequence));
  }
  const term = /^TERM#([^#]+)#(TASK#(\d+)|ASSESSMENT#(\d+)|RESULT)$/.exec(sortKey);
  if (term) {
    const [, termId = '', kind = '', task, assessment] = term;
    if (task !== undefined) return `${TASK_PREFIX}${termId}#${task}`;
    if (assessment !== undefined) return `${ASSESSMENT_PREFIX}${termId}#${assessment}`;
    if (kind === 'RESULT') return `${RESULT_PREFIX}${termId}`;
  }
  return undefined;
}

export interface SortKeyMigrationResult {
  /** Items copied under their current key and deleted under the old one. */
  readonly moved: number;
  /** Old items dropped because an item under the current key was written since. */
  readonly supersededByNewer: number;
}

export async function migrateEngineSortKeys(options: { readonly client: DynamoDBClient; readonly tableName: string }): Promise<SortKeyMigrationResult> {
  const table = new DynamoTable(options);
  const pk = ENGINE_TABLE.partitionKey;
  const sk = ENGINE_TABLE.sortKey;
  let moved = 0;
  let supersededByNewer = 0;
  for (const item of await table.scanSortKeyPrefixes(OLD_PREFIXES, 'engine items under former sort keys')) {
    const oldKey = { pk: String(item[pk]), sk: String(item[sk]) };
    const current = currentSortKeyOf(oldKey.sk);
    if (current === undefined) continue;
    const copy: StoredItem = { ...item, [sk]: current };
    const put = await table.putIfAbsent(copy, 'engine item under its current sort key');
    if (put.ok) moved += 1;
    else supersededByNewer += 1;
    await table.delete(oldKey, 'engine item under its former sort key');
  }
  return { moved, supersededByNewer };
}
