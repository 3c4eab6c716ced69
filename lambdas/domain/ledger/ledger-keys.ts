// How ledger entries are spread over partitions. Pure functions of the
// outcome key and times, so writers and readers always agree.

/**
 * Usage partitions per customer × metric × month. One DynamoDB partition
 * takes about 1,000 writes/s; 16 shards let a single customer's metric take
 * about 16,000 outcomes/s before any throttling, and a usage query fans out
 * over 16 small queries in parallel. Changing it orphans existing entries.
 */
export const USAGE_SHARD_COUNT = 16;

/** Shards of the listing index (rejected and unattributed outcomes). */
export const LISTING_SHARD_COUNT = 8;

/** FNV-1a (32 bit) of a string: cheap, stable and well spread for shard choice (not for security). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function usageShardOf(outcomeId: string): number {
  return fnv1a32(outcomeId) % USAGE_SHARD_COUNT;
}

export function listingShardOf(key: string): number {
  return fnv1a32(key) % LISTING_SHARD_COUNT;
}

// Outcomes arrive in bursts from the same month: remembering the last month
// seen saves a Date and a string per outcome on the ingest path.
let lastMonthStartMs = 0;
let lastMonthEndMs = 0;
let lastMonthLabel = '';

/** "YYYY-MM" of an instant in UTC. */
export function utcMonthOf(epochMs: number): string {
  if (epochMs >= lastMonthStartMs && epochMs < lastMonthEndMs) return lastMonthLabel;
  const label = formatUtcMonth(epochMs);
  const date = new Date(epochMs);
  lastMonthStartMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  lastMonthEndMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  lastMonthLabel = label;
  return label;
}

function formatUtcMonth(epochMs: number): string {
  const date = new Date(epochMs);
  const month = date.getUTCMonth() + 1;
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}`;
}

/** The UTC months that overlap [fromMs, toMs), oldest first; empty when the range is empty. */
export function utcMonthsOverlapping(fromMs: number, toMs: number): string[] {
  if (!(toMs > fromMs)) return [];
  const months: string[] = [];
  const start = new Date(fromMs);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth();
  for (;;) {
    const monthStart = Date.UTC(year, month, 1);
    if (monthStart >= toMs) break;
    months.push(utcMonthOf(monthStart));
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
  return months;
}

/** Epoch milliseconds as a fixed-width (13 digit) string that sorts like the number (until year 2286). */
export function sortableMillis(epochMs: number): string {
  return String(epochMs).padStart(13, '0');
}
