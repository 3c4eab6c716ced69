// The physical key design of the engine's two DynamoDB tables, in one place:
// the adapters build keys from it, the CDK stack and the local engine create
// tables from it. Constants only (no SDK), so infrastructure code can import it.
//
// Why two tables: the ledger is write-heavy, append-only and must never expire
// anything; everything else (catalog, contracts, plans, invoices, tasks) is
// small and read-mostly. Splitting them keeps the ledger's
// write cost at exactly one base write plus one index write per outcome.

export interface IndexDesign {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDesign {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly indexes: readonly IndexDesign[];
  /** Attribute holding an epoch-seconds expiry, for transient items only. */
  readonly timeToLiveAttribute?: string;
  /** A change stream of new items (the ledger's feeds the usage rollups). */
  readonly stream?: 'NEW_IMAGE';
}

/**
 * Ledger: outcome entries and rejected outcomes.
 * - base key: one partition per outcome key, so writes spread over partitions
 *   however hot a single customer is.
 * - `usage` index: customer × metric × month, sharded by a hash of the outcome
 *   key, sorted by recordedAt so "as of" queries are a key condition.
 * - `listing` index: sparse, for rejected and unattributed outcomes by day.
 * - stream of new items: feeds the usage rollups (docs/rollups.md).
 */
export const LEDGER_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  stream: 'NEW_IMAGE',
  indexes: [
    { indexName: 'usage', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'listing', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const satisfies TableDesign;

/**
 * Engine: catalog, customers, contracts, plans, invoices, corrections,
 * payment signals, tasks. No TTL: every item is configuration or billing
 * history (an invoice record is immutable and must outlive any expiry), and
 * no item is transient. A transient item type would get its own table.
 */
export const ENGINE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [{ indexName: 'byType', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
} as const satisfies TableDesign;

/**
 * Partition key prefix of everything about a contract's renewal (tasks,
 * assessments, the renewal result): `RENEWAL#<contract>`. The console API may
 * write only partitions starting with it (IAM dynamodb:LeadingKeys).
 */
export const RENEWAL_PARTITION_PREFIX = 'RENEWAL#';
