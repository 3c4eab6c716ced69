import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RiskDataFreshnessReader } from '../../application/risk/ports';
import { isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { LEDGER_TABLE } from './table-design';

// How current the ledger is, as marks in the ledger table itself, one per hour
// in which anything was recorded:
//
//   F#LEDGER / <YYYY-MM-DDTHH of recordedAt, UTC>    recordedAt: the first record noted in that hour
//
// The ingest path notes what it records; the renewal-risk check reads the
// newest mark as `dataAsOf`, so a stalled pipeline is flagged as stale data
// instead of looking like a silent customer. The marks are append-only (a
// conditional put, first writer of the hour wins), so the ingest function
// keeps its append-only access to the ledger and no item is ever rewritten at
// ingest rate: each writer puts at most one mark per hour, one write per
// container-hour however many outcomes it records. An hour is far finer than
// the 48-hour staleness threshold the mark feeds. Reading the newest mark at
// or before a moment gives `dataAsOf` for a check as of any past instant.

const PK = LEDGER_TABLE.partitionKey;
const SK = LEDGER_TABLE.sortKey;
const MARKS_PK = 'F#LEDGER';

/** The hour a record falls in, as the mark's sort key ("2026-09-01T10"): sorts in time order. */
export function freshnessHourOf(at: Date): string {
  return at.toISOString().slice(0, 13);
}

export interface LedgerFreshnessStoreOptions {
  readonly client: DynamoDBClient;
  /** The ledger table (LEDGER_TABLE design). */
  readonly tableName: string;
}

export class DynamoDbLedgerFreshnessStore implements RiskDataFreshnessReader {
  /** The newest hour this writer has marked (or is marking). */
  private notedHour: string | undefined;

  constructor(private readonly options: LedgerFreshnessStoreOptions) {}

  /**
   * Notes that the ledger holds a record made at `recordedAt`. Writes only the
   * first time this writer sees an hour: the hour is taken before the write,
   * so the concurrent records of one batch make one write, and given back if
   * the write fails, so the retry of the failed message tries again.
   */
  async noteRecorded(recordedAt: Date): Promise<void> {
    const hour = freshnessHourOf(recordedAt);
    if (this.notedHour !== undefined && hour <= this.notedHour) return;
    const previous = this.notedHour;
    this.notedHour = hour;
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { [PK]: { S: MARKS_PK }, [SK]: { S: hour }, type: { S: 'LedgerFreshness' }, recordedAt: { S: recordedAt.toISOString() } },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (error) {
      // Another writer marked this hour first: the state this write wanted already holds.
      if (isConditionalCheckFailed(error)) return;
      if (this.notedHour === hour) this.notedHour = previous;
      throw toInfrastructureError(error, 'DynamoDB PutItem (ledger freshness)');
    }
  }

  /** The newest record noted at or before `now` (capped at `now`); undefined when nothing was ever noted by then. */
  async ledgerDataAsOf(now: Date): Promise<Date | undefined> {
    let output;
    try {
      output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk <= :hour',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': { S: MARKS_PK }, ':hour': { S: freshnessHourOf(now) } },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB Query (ledger freshness)');
    }
    const stored = output.Items?.[0]?.['recordedAt']?.S;
    if (stored === undefined) return undefined;
    const at = Date.parse(stored);
    if (!Number.isFinite(at)) return undefined;
    return new Date(Math.min(at, now.getTime()));
  }
}
