import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RiskDataFreshnessReader } from '../../application/risk/ports';
import { isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE } from './table-design';

// How current the ledger is, as one item in the engine table:
//
//   LEDGER#FRESHNESS / NEWEST_RECORD    newestRecordedAt (RFC 3339), only ever moves forward
//
// The ingest path notes the recordedAt of what it writes; the renewal-risk
// check reads it as `dataAsOf`, so a stalled pipeline is flagged as stale data
// instead of looking like a silent customer. One item for the whole ledger
// would be a hot key at full ingest rate, so each writer notes at most one
// advance per `minAdvanceMs` (a minute by default): far finer than the 48-hour
// staleness threshold it feeds.

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const KEY = { [PK]: { S: 'LEDGER#FRESHNESS' }, [SK]: { S: 'NEWEST_RECORD' } };

export interface LedgerFreshnessStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Least advance between two writes from this instance. @default 60_000 */
  readonly minAdvanceMs?: number;
}

export class DynamoDbLedgerFreshnessStore implements RiskDataFreshnessReader {
  private lastNotedMs = Number.NEGATIVE_INFINITY;
  private readonly minAdvanceMs: number;

  constructor(private readonly options: LedgerFreshnessStoreOptions) {
    this.minAdvanceMs = options.minAdvanceMs ?? 60_000;
  }

  /**
   * Notes that the ledger holds records up to `recordedAt`. Moves the mark
   * forward only: a late or concurrent writer with an older time changes nothing.
   */
  async noteRecorded(recordedAt: Date): Promise<void> {
    const at = recordedAt.getTime();
    if (at < this.lastNotedMs + this.minAdvanceMs) return;
    const iso = recordedAt.toISOString();
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: KEY,
          UpdateExpression: 'SET newestRecordedAt = :at, #type = :type',
          ConditionExpression: 'attribute_not_exists(newestRecordedAt) OR newestRecordedAt < :at',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':at': { S: iso }, ':type': { S: 'LedgerFreshness' } },
        }),
      );
    } catch (error) {
      // A newer mark is already stored: the state this write wanted already holds.
      if (!isConditionalCheckFailed(error)) throw toInfrastructureError(error, 'DynamoDB UpdateItem (ledger freshness)');
    }
    this.lastNotedMs = at;
  }

  /** The newest recordedAt noted, capped at `now` (an as-of check never sees later data); undefined when never noted. */
  async ledgerDataAsOf(now: Date): Promise<Date | undefined> {
    let output;
    try {
      output = await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: KEY, ConsistentRead: true }));
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB GetItem (ledger freshness)');
    }
    const stored = output.Item?.['newestRecordedAt']?.S;
    if (stored === undefined) return undefined;
    const at = Date.parse(stored);
    if (!Number.isFinite(at)) return undefined;
    return new Date(Math.min(at, now.getTime()));
  }
}
