import type { z } from 'zod';
import { LedgerDataError } from '../../application/errors';
import type { StoredItem } from './dynamo-table';

// One codec per stored document kind: the document travels as JSON in the
// item's `body` attribute next to its schema version `v`, and is validated
// against the kind's zod schema on the way back. Documents written before
// versions existed carry no `v` and read as version 1. A version newer than
// this release knows is refused (a rollback must not misread data written by
// a newer release); an older one is brought up by the kind's upgrade steps.

export const BODY_ATTRIBUTE = 'body';
export const VERSION_ATTRIBUTE = 'v';

/** A stored document this release cannot read: unknown version, not JSON, or not the kind's shape. */
export class StoredDocumentDataError extends LedgerDataError {
  override readonly code = 'stored_document_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoredDocumentDataError';
  }
}

export interface DocumentCodec<T> {
  readonly kind: string;
  readonly version: number;
  /** The `body` and `v` attributes of the item storing `value`. */
  encode(value: T): { readonly body: string; readonly v: number };
  /** The document in `item`; `where` names it in errors ("renewal task c-1#t1#90d"). */
  decode(item: StoredItem, where?: string): T;
}

export interface DocumentCodecOptions<T> {
  /** What the document is, for error messages ("renewal task"). */
  readonly kind: string;
  /** The shape as stored at `version`; its output is what decode returns. */
  readonly schema: z.ZodType<T, unknown>;
  /** The version written now; 1 unless the stored shape has changed. */
  readonly version?: number;
  /** Upgrades from each older version to the next: `upgrades[1]` turns a version 1 document into version 2. */
  readonly upgrades?: Readonly<Record<number, (document: unknown) => unknown>>;
  /** The document as JSON; JSON.stringify unless the kind has its own (bigint money). */
  readonly serialize?: (value: T) => string;
  /** The JSON back to plain data for the schema; JSON.parse unless the kind has its own. */
  readonly deserialize?: (body: string) => unknown;
}

export function documentCodec<T>(options: DocumentCodecOptions<T>): DocumentCodec<T> {
  const version = options.version ?? 1;
  const serialize = options.serialize ?? ((value: T) => JSON.stringify(value));
  const deserialize = options.deserialize ?? ((body: string) => JSON.parse(body) as unknown);
  return {
    kind: options.kind,
    version,
    encode: (value) => ({ body: serialize(value), v: version }),
    decode: (item, where = options.kind) => {
      const stored = item[VERSION_ATTRIBUTE] ?? 1;
      if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1 || stored > version) {
        throw new StoredDocumentDataError(`stored ${where} has schema version ${String(stored)}; this release reads versions 1 to ${version}`);
      }
      const body = item[BODY_ATTRIBUTE];
      if (typeof body !== 'string') throw new StoredDocumentDataError(`stored ${where} has no body`);
      let document: unknown;
      try {
        document = deserialize(body);
      } catch (error) {
        throw new StoredDocumentDataError(`stored ${where} is not readable JSON`, { cause: error });
      }
      for (let from = stored; from < version; from += 1) {
        const upgrade = options.upgrades?.[from];
        if (!upgrade) throw new StoredDocumentDataError(`stored ${where} is at schema version ${from} and no upgrade to ${from + 1} exists`);
        document = upgrade(document);
      }
      const parsed = options.schema.safeParse(document);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`).join('; ');
        throw new StoredDocumentDataError(`stored ${where} does not match the ${options.kind} schema: ${issues}`, { cause: parsed.error });
      }
      return parsed.data;
    },
  };
}
