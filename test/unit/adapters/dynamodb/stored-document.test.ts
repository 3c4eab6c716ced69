import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StoredDocumentDataError, documentCodec } from '../../../../lambdas/adapters/dynamodb/stored-document';

const Note = z.object({ text: z.string(), pinned: z.boolean() });

describe('documentCodec', () => {
  const codec = documentCodec({ kind: 'note', schema: Note });

  it('stores the document as JSON in body with its schema version, and reads it back', () => {
    const encoded = codec.encode({ text: 'hello', pinned: true });
    expect(encoded).toEqual({ body: '{"text":"hello","pinned":true}', v: 1 });
    expect(codec.decode({ pk: 'NOTE#1', ...encoded })).toEqual({ text: 'hello', pinned: true });
  });

  it('reads a document stored before versions existed as version 1', () => {
    expect(codec.decode({ body: '{"text":"old","pinned":false}' })).toEqual({ text: 'old', pinned: false });
  });

  it('refuses a version newer than this release reads, naming the document', () => {
    expect(() => codec.decode({ body: '{"text":"new","pinned":false}', v: 2 }, 'note NOTE#7')).toThrow(
      new StoredDocumentDataError('stored note NOTE#7 has schema version 2; this release reads versions 1 to 1'),
    );
  });

  it('refuses a body that is missing, not JSON, or not the schema', () => {
    expect(() => codec.decode({ v: 1 })).toThrow(/stored note has no body/);
    expect(() => codec.decode({ body: '{oops', v: 1 })).toThrow(/not readable JSON/);
    expect(() => codec.decode({ body: '{"text":3,"pinned":false}', v: 1 })).toThrow(/does not match the note schema: text:/);
  });

  it('brings an older version up through its upgrade steps', () => {
    const v2 = documentCodec({
      kind: 'note',
      schema: Note,
      version: 2,
      upgrades: { 1: (old) => ({ ...(old as { text: string }), pinned: false }) },
    });
    expect(v2.decode({ body: '{"text":"from v1"}' })).toEqual({ text: 'from v1', pinned: false });
    expect(v2.encode({ text: 'now', pinned: true }).v).toBe(2);
  });
});
