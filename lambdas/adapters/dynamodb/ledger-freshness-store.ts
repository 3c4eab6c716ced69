import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RiskDataFreshnessReader } from '../../application/risk/ports';
import { DynamoTable } from './dynamo-table';
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

  private readonly table: DynamoTable;

  constructor(options: LedgerFreshnessStoreOptions) {
    this.table = new DynamoTable({ ...options, design: LEDGER_TABLE });
  }

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
      // Another writer marked this hour first (a failed condition): the state this write wanted already holds.
      await this.table.putIfAbsent(
        { [PK]: MARKS_PK, [SK]: hour, type: 'LedgerFreshness', recordedAt: recordedAt.toISOString() },
        'ledger freshness',
      );
    } catch (error) {
      if (this.notedHour === hour) this.notedHour = previous;
      throw error;
    }
  }

  /** The newest record noted at or before `now` (capped at `now`); undefined when nothing was ever noted by then. */
  async ledgerDataAsOf(now: Date): Promise<Date | undefined> {
    const [newest] = await this.table.query(
      { partition: MARKS_PK, sortKeyAtMost: freshnessHourOf(now), ascending: false, limit: 1 },
      'ledger freshness',
    );
    const stored = newest?.['recordedAt'];
    if (typeof stored !== 'string') return undefined;
    const at = Date.parse(stored);
    if (!Number.isFinite(at)) return undefined;
    return new Date(Math.min(at, now.getTime()));
  }
}
