import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invoiceCorrectionCodec, invoiceRecordCodec } from '../../../../../lambdas/adapters/dynamodb/invoice-keys';
import { paymentSignalCodec } from '../../../../../lambdas/adapters/dynamodb/payment-signal-store';
import { StoredDocumentDataError, documentCodec } from '../../../../../lambdas/adapters/dynamodb/stored-document';
import { correction, invoiceRecord } from '../../../../support/contracts/invoice-store-contract';

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

describe('the billing documents are validated whole', () => {
  it('reads a stored invoice record and correction back exactly, bigint totals and lines included', () => {
    const record = invoiceRecord({
      lines: [
        {
          lineId: 'platform',
          kind: 'charge',
          chargeId: 'platform',
          description: 'Platform',
          metric: null,
          quantity: '1',
          amount: 10_000n,
          amountDue: 10_000n,
          servicePeriod: { periodId: '2026-11', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
          breakdown: [{ kind: 'flat_fee', amount: '100.00', proration: null, exactAmount: '100.00' }],
          usageQuery: null,
          adjustmentFor: null,
        },
      ],
    });
    expect(invoiceRecordCodec.decode(invoiceRecordCodec.encode(record))).toEqual(record);
    const stored = correction(1, { creditNoteLines: [{ lineKey: 'calls', chargeId: 'calls', metric: 'call.resolved', description: 'Calls', quantityDelta: '-3', amount: 300n }] });
    expect(invoiceCorrectionCodec.decode(invoiceCorrectionCodec.encode(stored))).toEqual(stored);
  });

  it('refuses a record line, breakdown row or payment signal that is not the stored shape, naming the field', () => {
    const record = invoiceRecord();
    const badLine = { ...invoiceRecordCodec.encode(record), body: invoiceRecordCodec.encode({ ...record, lines: [{ lineId: 'x' }] } as never).body };
    expect(() => invoiceRecordCodec.decode(badLine)).toThrow(/does not match the invoice record schema: lines\.0\.kind/);
    const badRow = invoiceRecordCodec.encode({
      ...record,
      lines: [{ lineId: 'x', kind: 'charge', chargeId: null, description: 'd', metric: null, quantity: '1', amount: 1n, amountDue: 1n, servicePeriod: { periodId: 'p', start: 's', end: 'e' }, breakdown: [{ kind: 'flat_fee' }], usageQuery: null, adjustmentFor: null }],
    } as never);
    expect(() => invoiceRecordCodec.decode(badRow)).toThrow(/lines\.0\.breakdown\.0\.amount/);
    const signal = { body: JSON.stringify({ stripeEventId: 'evt_1', type: 'invoice.exploded' }), v: 1 };
    expect(() => paymentSignalCodec.decode(signal)).toThrow(/does not match the payment signal schema: type/);
  });
});
