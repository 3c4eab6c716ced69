// Records and corrections are stored as one JSON document each: they never
// change after creation, so there is nothing to gain from mapping every field
// to its own attribute. Minor units are bigints, which JSON cannot carry; they
// travel as tagged strings so a round trip is exact.
import type { InvoiceRecord } from './invoice-record';
import type { InvoiceCorrection } from './corrections';

const BIGINT_TAG = '$minor';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { [BIGINT_TAG]: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && first[0] === BIGINT_TAG && typeof first[1] === 'string') return BigInt(first[1]);
  }
  return value;
}

export function encodeInvoiceDocument(value: InvoiceRecord | InvoiceCorrection): string {
  return JSON.stringify(value, replacer);
}

export function decodeInvoiceRecord(json: string): InvoiceRecord {
  return JSON.parse(json, reviver) as InvoiceRecord;
}

export function decodeInvoiceCorrection(json: string): InvoiceCorrection {
  return JSON.parse(json, reviver) as InvoiceCorrection;
}
